// WordPiece encoding of one word, following HF tokenizers' BertNormalizer, BertPreTokenizer and
// WordPiece model (tokenizers/src/normalizers/bert.rs, pre_tokenizers/bert.rs, models/wordpiece).
#include "text/wordpiece_tokenizer.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "text/unicode_class.h"
#include "text/utf8.h"
#include "text/strings.h"

namespace gtrain {

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open tokenizer file");
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The BERT special tokens a vocab.txt tokenizer (HF BertTokenizer) never splits.
const char* const kBertSpecials[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(const std::string& path, const BertTokenizerSettings* settings,
                                       const std::string& source) {
  const std::string bytes = read_file(path);
  file_hash_.update(bytes);
  if (ends_with(path, ".json")) {
    load_json(path, bytes);
    const bool differs = settings && json_lowercase_ && json_strip_ && json_cjk_ &&
                         (*json_lowercase_ != settings->do_lower_case || *json_strip_ != settings->strip_accents ||
                          *json_cjk_ != settings->tokenize_chinese_chars);
    if (differs) {
      const std::string before = behaviour();
      lowercase_ = settings->do_lower_case;
      strip_accents_ = settings->strip_accents < 0 ? settings->do_lower_case : settings->strip_accents == 1;
      handle_chinese_ = settings->tokenize_chinese_chars;
      if (behaviour() != before)
        file_hash_.update("\nbert-normalizer lower=" + std::to_string(lowercase_) + " strip=" +
                          std::to_string(strip_accents_) + " cjk=" + std::to_string(handle_chinese_));
    }
  } else {
    load_vocab_txt(path, bytes, settings ? settings->unk_token : "[UNK]",
                   settings ? " (field 'unk_token' of " + (source.empty() ? path : source) + ")" : "");
    if (settings) {
      const std::string bare = behaviour();
      apply_settings(*settings, source.empty() ? path : source);
      // Settings that change the pieces are folded into the fingerprint. Settings that read the
      // file as it reads bare (the tokenizer_config.json gtrain's export writes beside a
      // from-scratch vocab.txt) keep the bare file's fingerprint: best/ reads the run's data.
      // (bare is read with the settings' unk token: another one changes the pieces too)
      if (behaviour() != bare || settings->unk_token != "[UNK]") {
        std::string d = "\nbert-settings lower=" + std::to_string(lowercase_) + " strip=" + std::to_string(strip_accents_) +
                        " cjk=" + std::to_string(handle_chinese_) + " maxchars=" + std::to_string(max_chars_) +
                        " unk=" + settings->unk_token + " pad=" + settings->pad_token;
        for (const auto& t : settings->special_tokens) d += " " + t;
        file_hash_.update(d);
      }
    }
  }
  check_ids(path);
}

void WordPieceTokenizer::check_ids(const std::string& path) const {
  for (size_t i = 0; i < id_to_token_.size(); ++i)
    if (id_to_token_[i].empty())
      throw std::runtime_error(path + ": vocabulary has no token with id " + std::to_string(i));
}

std::string WordPieceTokenizer::behaviour() const {
  std::string b = "lower=" + std::to_string(lowercase_) + " strip=" + std::to_string(strip_accents_) +
                  " cjk=" + std::to_string(handle_chinese_) + " maxchars=" + std::to_string(max_chars_) +
                  " unk=" + std::to_string(unk_id_) + " pad=" + std::to_string(pad_id_);
  const std::map<std::string, int32_t> whole(added_.begin(), added_.end());  // sorted
  for (const auto& [t, id] : whole) b += " " + t + "=" + std::to_string(id);
  return b;
}

void WordPieceTokenizer::set_token(const std::string& path, const std::string& token, int32_t id) {
  if (id < 0) throw std::runtime_error(path + ": token '" + token + "' has negative id");
  if (static_cast<size_t>(id) >= id_to_token_.size()) id_to_token_.resize(id + 1);
  if (!id_to_token_[id].empty() && id_to_token_[id] != token)
    throw std::runtime_error(path + ": id " + std::to_string(id) + " is used by both '" + id_to_token_[id] +
                             "' and '" + token + "'");
  id_to_token_[id] = token;
}

void WordPieceTokenizer::add_matched_whole(const std::string& token, int32_t id) {
  if (token.empty()) return;
  added_[token] = id;
  longest_added_ = std::max(longest_added_, token.size());
}

void WordPieceTokenizer::load_vocab_txt(const std::string& path, const std::string& bytes,
                                        const std::string& unk_token, const std::string& unk_from) {
  // HF BertTokenizer: id = line number; a repeated token maps to its last line.
  size_t pos = 0;
  int32_t id = 0;
  while (pos < bytes.size()) {
    size_t nl = bytes.find('\n', pos);
    if (nl == std::string::npos) nl = bytes.size();
    std::string tok = bytes.substr(pos, nl - pos);
    if (!tok.empty() && tok.back() == '\r') tok.pop_back();
    if (tok.empty()) throw std::runtime_error(path + ": empty token on line " + std::to_string(id + 1));
    if (!utf8::valid(tok)) throw std::runtime_error(path + ": invalid UTF-8 on line " + std::to_string(id + 1));
    vocab_[tok] = id;
    if (static_cast<size_t>(id) >= id_to_token_.size()) id_to_token_.resize(id + 1);
    id_to_token_[id] = tok;
    ++id;
    pos = nl + 1;
  }
  if (vocab_.empty()) throw std::runtime_error(path + ": empty vocabulary");
  auto unk = vocab_.find(unk_token);
  if (unk == vocab_.end()) throw std::runtime_error(path + ": vocab.txt has no " + unk_token + " token" + unk_from);
  unk_id_ = unk->second;
  auto pad = vocab_.find("[PAD]");
  pad_id_ = pad == vocab_.end() ? 0 : pad->second;
  for (const char* s : kBertSpecials) {
    auto it = vocab_.find(s);
    if (it != vocab_.end()) add_matched_whole(s, it->second);
  }
  // BertTokenizer defaults: lowercase is a constructor argument, not in vocab.txt; gtrain keeps
  // the text's case (Korean models use do_lower_case=False) but cleans text and splits like BERT.
  clean_text_ = true;
  handle_chinese_ = true;
  split_punct_ = true;
}

void WordPieceTokenizer::apply_settings(const BertTokenizerSettings& st, const std::string& source) {
  lowercase_ = st.do_lower_case;
  strip_accents_ = st.strip_accents < 0 ? st.do_lower_case : st.strip_accents == 1;
  handle_chinese_ = st.tokenize_chinese_chars;
  if (st.max_input_chars_per_word < 1)
    throw std::runtime_error(source + ": max_input_chars_per_word must be positive");
  max_chars_ = static_cast<size_t>(st.max_input_chars_per_word);
  auto id_of = [&](const std::string& token, const char* field) {
    auto it = vocab_.find(token);
    if (it == vocab_.end())
      throw std::runtime_error(source + ": field '" + field + "': token '" + token + "' is not in the vocabulary");
    return it->second;
  };
  unk_id_ = id_of(st.unk_token, "unk_token");
  if (auto it = vocab_.find(st.pad_token); it != vocab_.end()) pad_id_ = it->second;
  add_matched_whole(st.unk_token, unk_id_);
  for (const auto& t : st.special_tokens)
    if (auto it = vocab_.find(t); it != vocab_.end()) add_matched_whole(t, it->second);
}

void WordPieceTokenizer::load_json(const std::string& path, const std::string& bytes) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(bytes);
  } catch (const std::exception& e) {
    throw std::runtime_error(path + ": malformed JSON: " + e.what());
  }
  try {
    const auto& model = j.at("model");
    const std::string type = model.value("type", std::string());
    if (type != "WordPiece")
      throw std::runtime_error(path + ": model.type is '" + type + "', expected 'WordPiece'");
    // Ids are dense (the constructor wants a token for every id below the vocabulary size), so
    // no valid id reaches the number of entries the file lists. Checked before an id sizes the id
    // table: a huge id would allocate gigabytes, 2^31-1 overflowed, a float was cast unchecked.
    const size_t n_entries = model.at("vocab").size() +
                             (j.contains("added_tokens") && j["added_tokens"].is_array() ? j["added_tokens"].size() : 0);
    auto id_of = [&](const nlohmann::json& v, const std::string& token) -> int32_t {
      if (!v.is_number_integer())
        throw std::runtime_error(path + ": token '" + token + "' has id " + v.dump() + ", expected an integer");
      if (!v.is_number_unsigned()) throw std::runtime_error(path + ": token '" + token + "' has negative id");
      const uint64_t id = v.get<uint64_t>();
      if (id >= n_entries)
        throw std::runtime_error(path + ": token '" + token + "' has id " + std::to_string(id) + ", but the file lists " +
                                 std::to_string(n_entries) + " tokens (ids must be 0.." +
                                 std::to_string(n_entries - 1) + ", each used)");
      return static_cast<int32_t>(id);
    };
    for (auto it = model.at("vocab").begin(); it != model.at("vocab").end(); ++it) {
      const int32_t id = id_of(it.value(), it.key());
      vocab_[it.key()] = id;
      set_token(path, it.key(), id);
    }
    if (vocab_.empty()) throw std::runtime_error(path + ": model.vocab is empty");
    if (model.contains("continuing_subword_prefix") && !model["continuing_subword_prefix"].is_null())
      prefix_ = model["continuing_subword_prefix"].get<std::string>();
    if (model.contains("max_input_chars_per_word") && !model["max_input_chars_per_word"].is_null())
    {
      const auto& m = model["max_input_chars_per_word"];
      if (!m.is_number_unsigned())
        throw std::runtime_error(path + ": model.max_input_chars_per_word must be a non-negative integer, got " + m.dump());
      max_chars_ = m.get<size_t>();
    }
    const std::string unk = model.contains("unk_token") && !model["unk_token"].is_null()
                                ? model["unk_token"].get<std::string>()
                                : std::string("[UNK]");
    auto u = vocab_.find(unk);
    if (u == vocab_.end()) throw std::runtime_error(path + ": unk_token '" + unk + "' is not in model.vocab");
    unk_id_ = u->second;

    // Normalizer: BertNormalizer / Lowercase, possibly inside a Sequence.
    std::vector<const nlohmann::json*> norms;
    if (j.contains("normalizer") && !j["normalizer"].is_null()) norms.push_back(&j["normalizer"]);
    for (size_t i = 0; i < norms.size(); ++i) {
      const auto& n = *norms[i];
      const std::string t = n.value("type", std::string());
      if (t == "Sequence") {
        for (const auto& sub : n.at("normalizers")) norms.push_back(&sub);
      } else if (t == "BertNormalizer") {
        clean_text_ = n.value("clean_text", true);
        handle_chinese_ = n.value("handle_chinese_chars", true);
        lowercase_ = n.value("lowercase", true);
        const bool strip_null = !n.contains("strip_accents") || n["strip_accents"].is_null();
        strip_accents_ = strip_null ? lowercase_ : n["strip_accents"].get<bool>();
        if (i == 0 && n.contains("lowercase") && n.contains("strip_accents") && n.contains("handle_chinese_chars")) {
          json_lowercase_ = lowercase_;
          json_cjk_ = handle_chinese_;
          json_strip_ = strip_null ? -1 : strip_accents_ ? 1 : 0;
        }
      } else if (t == "Lowercase") {
        lowercase_ = true;
      } else {
        throw std::runtime_error(path + ": unsupported normalizer type '" + t +
                                 "' (gtrain supports BertNormalizer, Lowercase, Sequence)");
      }
    }

    // Pre-tokenizer: whitespace splitting always happens (words carry no whitespace anyway).
    if (j.contains("pre_tokenizer") && !j["pre_tokenizer"].is_null()) {
      const std::string t = j["pre_tokenizer"].value("type", std::string());
      if (t == "BertPreTokenizer") split_punct_ = true;
      else if (t != "WhitespaceSplit")
        throw std::runtime_error(path + ": unsupported pre_tokenizer type '" + t +
                                 "' (gtrain supports BertPreTokenizer, WhitespaceSplit)");
    }

    if (j.contains("added_tokens") && j["added_tokens"].is_array()) {
      for (const auto& a : j["added_tokens"]) {
        const std::string content = a.at("content").get<std::string>();
        const int32_t id = id_of(a.at("id"), content);
        set_token(path, content, id);
        add_matched_whole(content, id);
      }
    }

    auto pad = piece_to_id("[PAD]");
    if (pad >= 0) pad_id_ = pad;
    else if (j.contains("padding") && j["padding"].is_object() && j["padding"].contains("pad_id"))
      pad_id_ = id_of(j["padding"]["pad_id"], "padding.pad_id");
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": unexpected tokenizer.json layout: " + e.what());
  }
}

std::vector<Piece> WordPieceTokenizer::encode_word(const std::string& word) const {
  std::vector<Piece> out;
  auto whole = added_.find(word);
  if (whole != added_.end()) {
    out.push_back({whole->second, 0, static_cast<int32_t>(word.size())});
    return out;
  }
  size_t bad = 0;
  std::vector<char32_t> cps;
  if (!utf8::decode(word, &cps, &bad))
    throw std::runtime_error("WordPiece: invalid UTF-8 at byte " + std::to_string(bad) + " of word");
  const std::vector<int32_t> bytes = utf8::byte_offsets(word);

  // Split out added tokens, leftmost then longest (HF matches them before normalizing).
  size_t seg = 0;  // code point where the pending plain segment starts
  for (size_t i = 0; i < cps.size() && !added_.empty(); ++i) {
    const size_t b = bytes[i];
    size_t best = 0;  // bytes
    int32_t best_id = -1;
    for (size_t len = std::min(longest_added_, word.size() - b); len > 0; --len) {
      auto it = added_.find(word.substr(b, len));
      if (it != added_.end()) {
        best = len;
        best_id = it->second;
        break;
      }
    }
    if (best_id < 0) continue;
    encode_segment(cps, bytes, seg, i, &out);
    out.push_back({best_id, static_cast<int32_t>(b), static_cast<int32_t>(b + best)});
    size_t j = i;
    while (j < cps.size() && static_cast<size_t>(bytes[j]) < b + best) ++j;
    seg = j;
    i = j - 1;
  }
  encode_segment(cps, bytes, seg, cps.size(), &out);
  return out;
}

void WordPieceTokenizer::encode_segment(const std::vector<char32_t>& cps, const std::vector<int32_t>& bytes,
                                        size_t a, size_t b, std::vector<Piece>* out) const {
  std::vector<NormChar> cur;
  auto flush = [&] {
    if (!cur.empty()) wordpiece(cur, bytes, out);
    cur.clear();
  };
  // A dropped character stays covered by the kept character before it, so pieces tile the word.
  auto drop = [&](size_t i) {
    if (!cur.empty()) cur.back().src_end = static_cast<int32_t>(i + 1);
  };
  for (size_t i = a; i < b; ++i) {
    char32_t c = cps[i];
    if (clean_text_ && (c == 0 || c == 0xFFFD || is_control(c))) {
      drop(i);
      continue;
    }
    if (is_space(c)) {  // clean_text turns it into ' ', which the pre-tokenizer splits on
      flush();
      continue;
    }
    if (strip_accents_ && c >= 0xAC00 && c <= 0xD7A3) {
      // Accent stripping starts with NFD, which takes a Hangul syllable apart into its conjoining
      // jamo (choseong, jungseong, jongseong when present); HF then matches those against the
      // vocabulary. Every jamo keeps the syllable's source span.
      const char32_t sidx = c - 0xAC00;
      const int32_t at = static_cast<int32_t>(i);
      cur.push_back({static_cast<char32_t>(0x1100 + sidx / 588), at, at + 1});
      cur.push_back({static_cast<char32_t>(0x1161 + (sidx % 588) / 28), at, at + 1});
      if (sidx % 28 != 0) cur.push_back({static_cast<char32_t>(0x11A7 + sidx % 28), at, at + 1});
      continue;
    }
    if (strip_accents_) {
      if (is_nonspacing_mark(c)) {
        drop(i);
        continue;
      }
      c = strip_accent(c);
    }
    if (lowercase_) c = to_lower(c);
    const bool isolate = (handle_chinese_ && is_cjk_ideograph(c)) || (split_punct_ && is_punct(c));
    if (isolate) flush();
    cur.push_back({c, static_cast<int32_t>(i), static_cast<int32_t>(i + 1)});
    if (isolate) flush();
  }
  flush();
}

void WordPieceTokenizer::wordpiece(const std::vector<NormChar>& w, const std::vector<int32_t>& bytes,
                                   std::vector<Piece>* out) const {
  const int32_t word_begin = bytes[w.front().src];
  const int32_t word_end = bytes[w.back().src_end];
  if (w.size() > max_chars_) {
    out->push_back({unk_id_, word_begin, word_end});
    return;
  }
  std::string s;  // the normalized pre-token, with off[k] = byte offset of char k in s
  std::vector<size_t> off(w.size() + 1);
  for (size_t k = 0; k < w.size(); ++k) {
    off[k] = s.size();
    utf8::append(&s, w[k].c);
  }
  off[w.size()] = s.size();

  std::vector<Piece> pieces;
  size_t start = 0;
  while (start < w.size()) {
    size_t end = w.size();
    int32_t id = -1;
    for (; end > start; --end) {
      std::string cand = s.substr(off[start], off[end] - off[start]);
      if (start > 0) cand = prefix_ + cand;
      auto it = vocab_.find(cand);
      if (it != vocab_.end()) {
        id = it->second;
        break;
      }
    }
    if (id < 0) {  // one unmatched part makes the whole pre-token unknown
      out->push_back({unk_id_, word_begin, word_end});
      return;
    }
    pieces.push_back({id, bytes[w[start].src], bytes[w[end - 1].src_end]});
    start = end;
  }
  out->insert(out->end(), pieces.begin(), pieces.end());
}

std::string WordPieceTokenizer::id_to_piece(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= id_to_token_.size())
    throw std::out_of_range("WordPiece: id " + std::to_string(id) + " outside [0, " +
                            std::to_string(id_to_token_.size()) + ")");
  return id_to_token_[id];
}

int32_t WordPieceTokenizer::piece_to_id(const std::string& piece) const {
  auto it = added_.find(piece);
  if (it != added_.end()) return it->second;
  auto v = vocab_.find(piece);
  return v == vocab_.end() ? -1 : v->second;
}

std::string WordPieceTokenizer::fingerprint() const {
  Sha256 h = file_hash_;
  h.update("\n", 1);
  for (size_t i = 0; i < special_tokens_.size(); ++i) {
    if (i) h.update("\n", 1);
    h.update(special_tokens_[i]);
  }
  return h.hex_digest();
}

std::vector<int32_t> WordPieceTokenizer::add_special_tokens(const std::vector<std::string>& tokens) {
  std::vector<int32_t> ids;
  for (const std::string& t : tokens) {
    if (t.empty()) throw std::runtime_error("WordPiece: cannot add an empty special token");
    if (std::find(special_tokens_.begin(), special_tokens_.end(), t) == special_tokens_.end())
      special_tokens_.push_back(t);
    int32_t id = piece_to_id(t);
    if (id < 0) {
      id = vocab_size();
      id_to_token_.push_back(t);
    }
    add_matched_whole(t, id);
    ids.push_back(id);
  }
  return ids;
}

}  // namespace gtrain
