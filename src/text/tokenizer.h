// One interface for every subword tokenizer (SentencePiece, WordPiece).
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace gtrain {

// One piece of a tokenized word. begin/end are byte offsets into the word passed to encode_word,
// end exclusive; a piece that covers no characters of the word (a bare "▁") has begin == end.
struct Piece {
  int32_t id = 0;
  int32_t begin = 0;
  int32_t end = 0;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;
  // Tokenizes one pre-split word (no whitespace inside), as GLiNER2 tokenizes each pseudo-word
  // separately with no special tokens added. Added special tokens are matched whole.
  virtual std::vector<Piece> encode_word(const std::string& word) const = 0;
  virtual std::string id_to_piece(int32_t id) const = 0;
  virtual int32_t piece_to_id(const std::string& piece) const = 0;  // -1 if absent
  virtual int32_t vocab_size() const = 0;                           // base vocab + added tokens
  virtual int32_t pad_id() const = 0;
  virtual int32_t unk_id() const = 0;
  // SHA-256 over the model file(s) and the added tokens: recorded in HDF5 to refuse mismatches.
  virtual std::string fingerprint() const = 0;
  virtual std::string kind() const = 0;  // "sentencepiece" | "wordpiece"
  // Appends special tokens with consecutive ids after the current vocabulary, in order; a token
  // already present keeps its id. Returns their ids.
  virtual std::vector<int32_t> add_special_tokens(const std::vector<std::string>& tokens) = 0;

  // The tokens Hugging Face's tokenizer(text) puts around a sequence: cls_token / sep_token of the
  // checkpoint's special_tokens_map.json or tokenizer_config.json (open_tokenizer sets them),
  // BERT's by default. GLiNER2's prompt uses neither; encode_text (below) and `gtrain tokenizer
  // encode --text` do.
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
};

// A special-token entry of special_tokens_map.json / tokenizer_config.json: "[CLS]" or
// {"content": "[CLS]", ...}; "" for anything else (null, absent). v is a nlohmann::json.
template <class Json>
std::string special_token_content(const Json& v) {
  if (v.is_string()) return v.template get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].template get<std::string>();
  return "";
}

// tokenizer_config.json's "added_tokens_decoder" {"<id>": {"content": token, ...}} (transformers
// 4.34+ records every added token there) as id -> token; empty when there is none. Throws
// std::invalid_argument naming an entry that is not an id with a content.
template <class Json>
std::map<int64_t, std::string> read_added_tokens_decoder(const Json& tcfg) {
  std::map<int64_t, std::string> by_id;
  if (!tcfg.is_object() || !tcfg.contains("added_tokens_decoder") || !tcfg["added_tokens_decoder"].is_object())
    return by_id;
  for (auto it = tcfg["added_tokens_decoder"].begin(); it != tcfg["added_tokens_decoder"].end(); ++it) {
    int64_t id = -1;
    try {
      size_t used = 0;
      id = std::stoll(it.key(), &used);
      if (used != it.key().size()) id = -1;
    } catch (...) {
    }
    const std::string content = special_token_content(it.value());
    if (id < 0 || content.empty())
      throw std::invalid_argument("added_tokens_decoder entry \"" + it.key() + "\" is not {id: {\"content\": token}}");
    by_id[id] = content;
  }
  return by_id;
}

// What Hugging Face's tokenizer(text) gives: cls_token, the pieces of each whitespace-separated
// word (encode_word), sep_token; with_special_tokens=false leaves the two out. Throws naming a
// cls/sep token the vocabulary lacks.
std::vector<Piece> encode_text(const Tokenizer& tok, const std::string& text, bool with_special_tokens = true);

// GLiNER2 1.2.3's ten added special tokens, in the order they get ids.
inline const std::vector<std::string>& gliner2_special_tokens() {
  static const std::vector<std::string> t = {"[SEP_STRUCT]", "[SEP_TEXT]", "[P]", "[C]", "[E]",
                                             "[R]", "[L]", "[EXAMPLE]", "[OUTPUT]", "[DESCRIPTION]"};
  return t;
}

// Opens a tokenizer from a path: *.model = SentencePiece, tokenizer.json or vocab.txt = WordPiece,
// a directory = whichever of those it holds, as Hugging Face's AutoTokenizer would read it:
//   spm.model                 SentencePiece (DeBERTa-v2/v3)
//   sentencepiece.bpe.model   SentencePiece with XLM-R's fairseq ids (also an spm.model whose
//                             tokenizer_config.json names XLMRobertaTokenizer; a *.model path
//                             given as a file is read with plain SentencePiece ids)
//   tokenizer.json            WordPiece as the fast tokenizer defines it
//   vocab.txt                 WordPiece with BertTokenizer's settings from tokenizer_config.json
//                             (do_lower_case, strip_accents, tokenize_chinese_chars, unk/pad tokens)
// plus added_tokens.json (without it, tokenizer_config.json's added_tokens_decoder), and cls/sep
// tokens from special_tokens_map.json / tokenizer_config.json.
// use_added_tokens_decoder: a folder without added_tokens.json takes its added tokens from
// tokenizer_config.json's added_tokens_decoder (swap-encoder reads that record itself, to report
// each token, and passes false).
std::unique_ptr<Tokenizer> open_tokenizer(const std::string& path, bool use_added_tokens_decoder = true);

// The tokenizer class transformers' AutoTokenizer loads for a model folder whose
// tokenizer_config.json names none, from that folder's config.json:
// its "tokenizer_class" (KLUE's RoBERTa models name BertTokenizer there), else the class its
// model_type maps to (the encoder families gtrain reads), else "".
std::string auto_tokenizer_class(const nlohmann::json& config);

}  // namespace gtrain
