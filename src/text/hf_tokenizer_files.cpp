#include "text/hf_tokenizer_files.h"

#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "io/json_fields.h"
#include "text/tokenizer.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

// The transformers class whose tokenization of a word is what gtrain's reader of that file does
// (open_tokenizer picks the reader by the same file names, in the same order).
nlohmann::json class_settings(const fs::path& dir) {
  if (fs::exists(dir / "sentencepiece.bpe.model")) return {{"tokenizer_class", "XLMRobertaTokenizer"}};
  if (fs::exists(dir / "tokenizer.json") && !fs::exists(dir / "spm.model"))
    return {{"tokenizer_class", "PreTrainedTokenizerFast"}};
  if (fs::exists(dir / "spm.model"))
    return {{"tokenizer_class", "DebertaV2Tokenizer"}, {"do_lower_case", false}, {"split_by_punct", false}};
  // A vocab.txt without settings keeps the text's case in gtrain (Korean models' choice).
  return {{"tokenizer_class", "BertTokenizer"}, {"do_lower_case", false}};
}

// Many hub encoders (older uploads) ship a tokenizer_config.json without "tokenizer_class":
// AutoTokenizer then takes the class from config.json's model_type, which in a GLiNER2 folder is
// the Extractor's ("extractor"), and GLiNER2.from_pretrained fails. Adds the class the encoder's
// own folder would have given, keeping every other key: encoder_config/config.json's
// "tokenizer_class" (KLUE's RoBERTa models name BertTokenizer there), else its model_type's.
bool add_missing_tokenizer_class(const fs::path& dir) {
  const fs::path cfg = dir / "tokenizer_config.json", enc = dir / "encoder_config" / "config.json";
  nlohmann::json j = read_json_file(cfg.string(), "tokenizer config");
  if (!j.is_object() || j.contains("tokenizer_class") || !fs::exists(enc)) return false;
  const std::string cls = auto_tokenizer_class(read_json_file(enc.string(), "encoder config"));
  if (cls.empty()) return false;
  j["tokenizer_class"] = cls;
  write_json_file(cfg.string(), j);
  return true;
}

}  // namespace

std::vector<std::string> complete_hf_tokenizer_files(const std::string& dir_in) {
  const fs::path dir(dir_in);
  const bool has_config = fs::exists(dir / "tokenizer_config.json");
  const bool has_added = fs::exists(dir / "added_tokens.json");
  std::vector<std::string> wrote;
  if (has_config && add_missing_tokenizer_class(dir)) wrote.push_back("tokenizer_config.json");
  if (has_config && has_added) return wrote;
  // Read as gtrain reads it, before anything is added to the folder.
  std::unique_ptr<Tokenizer> tok = open_tokenizer(dir.string());
  if (!has_config) {
    nlohmann::json j = class_settings(dir);
    j["unk_token"] = tok->id_to_piece(tok->unk_id());
    // A real padding piece, else the unknown one: without a padding piece the readers fall back to
    // id 0, an ordinary piece that transformers would then never split out of text, and naming
    // none makes transformers add its default "[PAD]" past the embedding table. Padded positions
    // are masked, so which id pads does not matter.
    const std::string pad = tok->id_to_piece(tok->pad_id());
    j["pad_token"] = pad == "[PAD]" || pad == "<pad>" ? pad : tok->id_to_piece(tok->unk_id());
    // DebertaV2Tokenizer and BertTokenizer add their default [CLS], [SEP] and [MASK] when the
    // vocabulary lacks them (a from-scratch SentencePiece model has none), and GLiNER2 then grows
    // the embeddings by random rows. DeBERTa's are named null. BertTokenizerFast cannot be built
    // without a cls and a sep piece (its converter's template needs their ids), so those become
    // the unknown piece, and only [MASK] is null.
    const std::string cls = j["tokenizer_class"].get<std::string>();
    auto held = [&](const std::string& piece) {
      const int32_t id = tok->piece_to_id(piece);
      return id >= 0 && tok->id_to_piece(id) == piece;
    };
    const nlohmann::json none = cls == "BertTokenizer" ? nlohmann::json(j["unk_token"]) : nlohmann::json(nullptr);
    if (cls == "DebertaV2Tokenizer" || cls == "BertTokenizer") {
      if (!held("[CLS]")) j["cls_token"] = none;
      if (!held("[SEP]")) j["sep_token"] = none;
      if (!held("[MASK]")) j["mask_token"] = nullptr;
    }
    if (cls == "DebertaV2Tokenizer") {  // its bos/eos default to [CLS]/[SEP] too
      if (!held("[CLS]")) j["bos_token"] = nullptr;
      if (!held("[SEP]")) j["eos_token"] = nullptr;
    }
    j["additional_special_tokens"] = gliner2_special_tokens();
    write_text_file_atomic((dir / "tokenizer_config.json").string(), j.dump(2) + "\n");
    wrote.push_back("tokenizer_config.json");
  }
  if (!has_added) {  // ids as GLiNER2's processor gives them: appended in order, present ones kept
    const int32_t base = tok->vocab_size();
    const std::vector<int32_t> ids = tok->add_special_tokens(gliner2_special_tokens());
    nlohmann::json j = nlohmann::json::object();
    for (size_t i = 0; i < ids.size(); ++i)
      if (ids[i] >= base) j[gliner2_special_tokens()[i]] = ids[i];  // (the vocabulary's own are not "added")
    if (!j.empty()) {
      write_text_file_atomic((dir / "added_tokens.json").string(), j.dump(2) + "\n");
      wrote.push_back("added_tokens.json");
    }
  }
  return wrote;
}

}  // namespace gtrain
