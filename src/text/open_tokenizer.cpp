// Picks the tokenizer implementation from what a path holds.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "text/sentencepiece_tokenizer.h"
#include "text/tokenizer.h"
#include "text/unicode_class.h"
#include "text/utf8.h"
#include "text/wordpiece_tokenizer.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {
nlohmann::json read_json_object(const fs::path& file) {
  if (!fs::exists(file)) return nlohmann::json::object();
  std::ifstream f(file);
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": malformed JSON: " + e.what());
  }
  if (!j.is_object()) throw std::runtime_error(file.string() + ": expected a JSON object");
  return j;
}

// Hugging Face's added_tokens.json: {"[P]": 128003, ...}. Tokens are added in id order and must
// land on the ids the file gives, or the embedding rows would not match.
// Appends tokens at the ids given (id -> token, in id order); each must land on its id.
void append_tokens_at(const std::map<int32_t, std::string>& by_id, const std::string& source, Tokenizer* tok) {
  for (const auto& [id, token] : by_id) {
    int32_t got = tok->add_special_tokens({token}).at(0);
    if (got != id)
      throw std::runtime_error(source + ": added token '" + token + "' expects id " + std::to_string(id) +
                               " but the tokenizer assigns " + std::to_string(got));
  }
}

// An added-token id: checked before the conversion (a float or an id past int32 was cast unchecked).
int32_t token_id(const nlohmann::json& v, const std::string& source, const std::string& token) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() > static_cast<uint64_t>(INT32_MAX))
    throw std::runtime_error(source + ": added token '" + token + "' has id " + v.dump() +
                             ", expected an integer in [0, 2^31)");
  return static_cast<int32_t>(v.get<uint64_t>());
}

void apply_added_tokens(const fs::path& file, Tokenizer* tok) {
  const nlohmann::json j = read_json_object(file);
  std::map<int32_t, std::string> by_id;
  for (auto it = j.begin(); it != j.end(); ++it) by_id[token_id(it.value(), file.string(), it.key())] = it.key();
  append_tokens_at(by_id, file.string(), tok);
}

// tokenizer_config.json's "added_tokens_decoder" {"id": {"content": token, ...}}, the record
// transformers (4.34+) keeps, when there is no added_tokens.json: the entries past the base
// vocabulary are appended at their ids (base-vocabulary entries are already there).
void apply_added_tokens_decoder(const nlohmann::json& tcfg, const fs::path& file, Tokenizer* tok) {
  std::map<int64_t, std::string> recorded;
  try {
    recorded = read_added_tokens_decoder(tcfg);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
  std::map<int32_t, std::string> by_id;
  for (const auto& [id, token] : recorded)
    if (id >= tok->vocab_size()) by_id[token_id(nlohmann::json(static_cast<uint64_t>(id)), file.string(), token)] = token;
  append_tokens_at(by_id, file.string() + " (added_tokens_decoder)", tok);
}

std::string token_of(const nlohmann::json& j, const char* key) {
  return j.contains(key) ? special_token_content(j[key]) : "";
}

// special_tokens_map.json wins over tokenizer_config.json, as in transformers.
std::string special_token(const nlohmann::json& stm, const nlohmann::json& tcfg, const char* key,
                          const std::string& def) {
  std::string t = token_of(stm, key);
  if (t.empty()) t = token_of(tcfg, key);
  return t.empty() ? def : t;
}

bool config_bool(const nlohmann::json& tcfg, const fs::path& src, const char* key, bool def) {
  if (!tcfg.contains(key) || tcfg[key].is_null()) return def;
  if (!tcfg[key].is_boolean())
    throw std::runtime_error(src.string() + ": field '" + key + "': expected true or false, got " + tcfg[key].dump());
  return tcfg[key].get<bool>();
}

// The normalisation keys of BertTokenizer(Fast)'s constructor, with its defaults.
BertTokenizerSettings bert_normalizer_settings(const nlohmann::json& tcfg, const fs::path& src) {
  BertTokenizerSettings s;
  s.do_lower_case = config_bool(tcfg, src, "do_lower_case", true);
  if (tcfg.contains("strip_accents") && !tcfg["strip_accents"].is_null())
    s.strip_accents = config_bool(tcfg, src, "strip_accents", false) ? 1 : 0;
  s.tokenize_chinese_chars = config_bool(tcfg, src, "tokenize_chinese_chars", true);
  return s;
}

// BertTokenizerFast (and ElectraTokenizerFast, DistilBertTokenizerFast) rebuild tokenizer.json's
// BertNormalizer from their constructor's do_lower_case / strip_accents / tokenize_chinese_chars
// (defaults true / null / true) when those differ from the normalizer's; their other
// classes keep the file's normalizer.
bool overrides_bert_normalizer(const std::string& cls) {
  for (const char* c : {"BertTokenizer", "ElectraTokenizer", "DistilBertTokenizer"})
    if (cls == c || cls == std::string(c) + "Fast") return true;
  return false;
}

BertTokenizerSettings bert_settings(const nlohmann::json& tcfg, const nlohmann::json& stm, const fs::path& src) {
  BertTokenizerSettings s = bert_normalizer_settings(tcfg, src);
  auto get_bool = [&](const char* key, bool def) { return config_bool(tcfg, src, key, def); };
  if (!get_bool("do_basic_tokenize", true))
    throw std::runtime_error(src.string() + ": field 'do_basic_tokenize': false is not supported (gtrain always "
                             "splits on whitespace and punctuation first, as BERT's basic tokenizer does)");
  if (tcfg.contains("max_input_chars_per_word") && tcfg["max_input_chars_per_word"].is_number_integer())
    s.max_input_chars_per_word = tcfg["max_input_chars_per_word"].get<int64_t>();
  s.unk_token = special_token(stm, tcfg, "unk_token", "[UNK]");
  s.pad_token = special_token(stm, tcfg, "pad_token", "[PAD]");
  for (const char* k : {"cls_token", "sep_token", "mask_token", "bos_token", "eos_token"}) {
    const std::string t = special_token(stm, tcfg, k, "");
    if (!t.empty()) s.special_tokens.push_back(t);
  }
  return s;
}

}  // namespace

std::unique_ptr<Tokenizer> open_tokenizer(const std::string& path, bool use_added_tokens_decoder) {
  const fs::path p(path);
  if (!fs::exists(p)) throw std::runtime_error(path + ": tokenizer not found");
  if (fs::is_directory(p)) {
    const nlohmann::json tcfg = read_json_object(p / "tokenizer_config.json");
    const nlohmann::json stm = read_json_object(p / "special_tokens_map.json");
    const std::string tclass = tcfg.contains("tokenizer_class") && tcfg["tokenizer_class"].is_string()
                                   ? tcfg["tokenizer_class"].get<std::string>()
                                   : "";
    const bool xlmr_class = tclass == "XLMRobertaTokenizer" || tclass == "XLMRobertaTokenizerFast";
    std::unique_ptr<Tokenizer> tok;
    if (fs::exists(p / "sentencepiece.bpe.model") || (xlmr_class && fs::exists(p / "spm.model"))) {
      const fs::path model = fs::exists(p / "sentencepiece.bpe.model") ? p / "sentencepiece.bpe.model" : p / "spm.model";
      auto sp = std::make_unique<SentencePieceTokenizer>(model.string());
      sp->use_fairseq_ids();
      tok = std::move(sp);
      tok->cls_token = "<s>", tok->sep_token = "</s>";
    } else if (fs::exists(p / "tokenizer.json") && !fs::exists(p / "spm.model")) {
      // The class AutoTokenizer loads: tokenizer_config.json's, else the one config.json gives.
      if (overrides_bert_normalizer(!tclass.empty() ? tclass : auto_tokenizer_class(read_json_object(p / "config.json")))) {
        const BertTokenizerSettings st = bert_normalizer_settings(tcfg, p / "tokenizer_config.json");
        tok = std::make_unique<WordPieceTokenizer>((p / "tokenizer.json").string(), &st,
                                                   (p / "tokenizer_config.json").string());
      } else {
        tok = std::make_unique<WordPieceTokenizer>((p / "tokenizer.json").string());
      }
    } else if (fs::exists(p / "spm.model")) {
      // DebertaV2Tokenizer lower-cases the text with do_lower_case (default false); gtrain's
      // SentencePiece reader does not, and would prompt the labels in another case than Python.
      if (config_bool(tcfg, p / "tokenizer_config.json", "do_lower_case", false))
        throw std::runtime_error((p / "tokenizer_config.json").string() +
                                 ": field 'do_lower_case': true is not supported with spm.model (gtrain's "
                                 "SentencePiece reader keeps the case; GLiNER2 lower-cases the text itself)");
      tok = std::make_unique<SentencePieceTokenizer>((p / "spm.model").string());
    } else if (fs::exists(p / "vocab.txt")) {
      if (fs::exists(p / "tokenizer_config.json")) {
        const BertTokenizerSettings st = bert_settings(tcfg, stm, p / "tokenizer_config.json");
        tok = std::make_unique<WordPieceTokenizer>((p / "vocab.txt").string(), &st,
                                                   (p / "tokenizer_config.json").string());
      } else {
        tok = std::make_unique<WordPieceTokenizer>((p / "vocab.txt").string());
      }
    } else {
      throw std::runtime_error(path +
                               ": no spm.model, sentencepiece.bpe.model, tokenizer.json or vocab.txt in this directory");
    }
    tok->cls_token = special_token(stm, tcfg, "cls_token", tok->cls_token);
    tok->sep_token = special_token(stm, tcfg, "sep_token", tok->sep_token);
    if (fs::exists(p / "added_tokens.json")) apply_added_tokens(p / "added_tokens.json", tok.get());
    else if (use_added_tokens_decoder) apply_added_tokens_decoder(tcfg, p / "tokenizer_config.json", tok.get());
    return tok;
  }
  const std::string ext = p.extension().string();
  if (ext == ".model") return std::make_unique<SentencePieceTokenizer>(path);
  if (ext == ".json" || ext == ".txt") return std::make_unique<WordPieceTokenizer>(path);
  throw std::runtime_error(path + ": unknown tokenizer file (expected *.model, tokenizer.json or vocab.txt)");
}

std::string auto_tokenizer_class(const nlohmann::json& cfg) {
  auto text = [&](const char* key) {
    return cfg.is_object() && cfg.contains(key) && cfg[key].is_string() ? cfg[key].get<std::string>() : std::string();
  };
  if (!text("tokenizer_class").empty()) return text("tokenizer_class");
  static const std::pair<const char*, const char*> kClasses[] = {  // transformers' TOKENIZER_MAPPING
      {"deberta-v2", "DebertaV2Tokenizer"}, {"bert", "BertTokenizer"},           {"roberta", "RobertaTokenizer"},
      {"electra", "ElectraTokenizer"},      {"xlm-roberta", "XLMRobertaTokenizer"}, {"distilbert", "DistilBertTokenizer"}};
  for (const auto& [type, cls] : kClasses)
    if (text("model_type") == type) return cls;
  return "";
}

std::vector<Piece> encode_text(const Tokenizer& tok, const std::string& text, bool with_special_tokens) {
  std::vector<Piece> out;
  auto special = [&](const std::string& t, size_t at) {
    const int32_t id = tok.piece_to_id(t);
    if (id < 0) throw std::runtime_error("encode_text: special token '" + t + "' is not in the vocabulary");
    out.push_back(Piece{id, static_cast<int32_t>(at), static_cast<int32_t>(at)});
  };
  if (with_special_tokens) special(tok.cls_token, 0);
  // Whitespace-separated words (Python str.split()), each encoded on its own; offsets into text.
  std::vector<char32_t> cps;
  size_t bad = 0;
  if (!utf8::decode(text, &cps, &bad))
    throw std::runtime_error("encode_text: invalid UTF-8 at byte " + std::to_string(bad));
  size_t byte = 0, word_byte = 0;
  std::string word;
  auto flush = [&] {
    if (word.empty()) return;
    for (Piece pc : tok.encode_word(word)) {
      pc.begin += static_cast<int32_t>(word_byte), pc.end += static_cast<int32_t>(word_byte);
      out.push_back(pc);
    }
    word.clear();
  };
  for (char32_t c : cps) {
    std::string enc;
    utf8::append(&enc, c);
    if (is_space(c)) {
      flush();
    } else {
      if (word.empty()) word_byte = byte;
      word += enc;
    }
    byte += enc.size();
  }
  flush();
  if (with_special_tokens) special(tok.sep_token, text.size());
  return out;
}

}  // namespace gtrain
