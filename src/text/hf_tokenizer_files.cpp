#include "text/hf_tokenizer_files.h"

#include <filesystem>
#include <memory>

#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
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

}  // namespace

std::vector<std::string> complete_hf_tokenizer_files(const std::string& dir_in) {
  const fs::path dir(dir_in);
  const bool has_config = fs::exists(dir / "tokenizer_config.json");
  const bool has_added = fs::exists(dir / "added_tokens.json");
  std::vector<std::string> wrote;
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
