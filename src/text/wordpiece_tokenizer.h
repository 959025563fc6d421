// BERT-style WordPiece tokenizer loaded from a Hugging Face tokenizer.json or a plain vocab.txt,
// reproducing the HF "fast" pipeline for one pre-split word: BertNormalizer -> BertPreTokenizer ->
// WordPiece (greedy longest-match-first with "##" continuations).
//
// Deliberate limits:
//  * Accent stripping (strip_accents true, or lowercase true with strip_accents null) maps each
//    precomposed character to its base letter via a table (NFD minus Mn marks) and drops Mn marks;
//    Hangul syllables are decomposed into their conjoining jamo, as HF's NFD does (Korean models
//    set do_lower_case false, so their syllables stay whole).
//  * Lower-casing is the 1:1 simple mapping (to_lower); 'İ' stays as is.
//  * Supported normalizers: null, BertNormalizer, Lowercase, and a Sequence of those. Supported
//    pre-tokenizers: null, BertPreTokenizer, WhitespaceSplit. Anything else is rejected with an
//    error rather than silently tokenizing differently from Python.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/sha256.h"
#include "text/tokenizer.h"

namespace gtrain {

// The settings of a slow BertTokenizer that tokenizer_config.json / special_tokens_map.json carry
// next to a vocab.txt (HF's constructor defaults where a key is missing).
struct BertTokenizerSettings {
  bool do_lower_case = true;
  int strip_accents = -1;  // -1 = null (follows do_lower_case), 0 = false, 1 = true
  bool tokenize_chinese_chars = true;
  std::string unk_token = "[UNK]", pad_token = "[PAD]";
  std::vector<std::string> special_tokens;  // cls, sep, mask, ...: matched whole, never split
  int64_t max_input_chars_per_word = 100;
};

class WordPieceTokenizer : public Tokenizer {
 public:
  // path: a tokenizer.json (*.json) or a vocab.txt (anything else: one token per line, id = line
  // number, "[UNK]" unknown, "[PAD]" padding). Throws std::runtime_error naming the file.
  // settings (open_tokenizer reads them from tokenizer_config.json, `source` names that file in
  // errors): for a vocab.txt, BertTokenizer's normalisation and unk/pad tokens. Without them a
  // vocab.txt keeps the text's case (Korean models' do_lower_case=false) and needs an "[UNK]"
  // line. For a tokenizer.json (a BertTokenizerFast's), only do_lower_case, strip_accents and
  // tokenize_chinese_chars: where any differs from the file's BertNormalizer, all three replace
  // its, as BertTokenizerFast's constructor does. Settings that change the pieces are part of
  // fingerprint(), so a cache prepared under other settings is refused.
  explicit WordPieceTokenizer(const std::string& path, const BertTokenizerSettings* settings = nullptr,
                              const std::string& source = "");

  // Pieces carry byte offsets into `word`. A word equal to an added token (tokenizer.json
  // added_tokens, the BERT specials of a vocab.txt, or add_special_tokens) is that one token;
  // added tokens inside a longer word are split out and the text around them encoded separately.
  // A sub-word with no WordPiece segmentation, or longer than max_input_chars_per_word code
  // points, becomes one [UNK] piece spanning it. Characters the normalizer drops (controls,
  // combining marks when stripping accents) are covered by the piece before them; a word that
  // normalizes to nothing gives no pieces. Throws std::runtime_error on invalid UTF-8.
  std::vector<Piece> encode_word(const std::string& word) const override;
  std::string id_to_piece(int32_t id) const override;  // std::out_of_range outside [0, vocab_size())
  int32_t piece_to_id(const std::string& piece) const override;
  int32_t vocab_size() const override { return static_cast<int32_t>(id_to_token_.size()); }
  int32_t pad_id() const override { return pad_id_; }
  int32_t unk_id() const override { return unk_id_; }
  // SHA-256 hex of: file bytes + "\n" + every token passed to add_special_tokens (first
  // occurrence order, including ones already present) joined by "\n" — same scheme as
  // SentencePieceTokenizer.
  std::string fingerprint() const override;
  std::string kind() const override { return "wordpiece"; }
  std::vector<int32_t> add_special_tokens(const std::vector<std::string>& tokens) override;

 private:
  struct NormChar {
    char32_t c;
    int32_t src;      // code point index in the word being encoded
    int32_t src_end;  // exclusive; > src + 1 when dropped characters (controls, marks) follow it
  };
  void load_json(const std::string& path, const std::string& bytes);
  // unk_from: where unk_token came from, for the error when the vocabulary lacks it.
  void load_vocab_txt(const std::string& path, const std::string& bytes, const std::string& unk_token,
                      const std::string& unk_from);
  void apply_settings(const BertTokenizerSettings& s, const std::string& source);
  void set_token(const std::string& path, const std::string& token, int32_t id);
  void add_matched_whole(const std::string& token, int32_t id);
  // Normalizes and pre-tokenizes cps[a, b), WordPiece-encoding each pre-token.
  void encode_segment(const std::vector<char32_t>& cps, const std::vector<int32_t>& bytes, size_t a,
                      size_t b, std::vector<Piece>* out) const;
  void wordpiece(const std::vector<NormChar>& w, const std::vector<int32_t>& bytes,
                 std::vector<Piece>* out) const;

  void check_ids(const std::string& path) const;  // every id below the largest has a token
  // What the settings decide, as a string: equal strings tokenize alike.
  std::string behaviour() const;

  std::unordered_map<std::string, int32_t> vocab_;  // the WordPiece model's vocabulary
  std::unordered_map<std::string, int32_t> added_;  // tokens matched whole
  size_t longest_added_ = 0;                         // bytes
  std::vector<std::string> id_to_token_;
  std::string prefix_ = "##";
  size_t max_chars_ = 100;
  int32_t unk_id_ = 0;
  int32_t pad_id_ = 0;
  bool lowercase_ = false;
  bool strip_accents_ = false;
  bool clean_text_ = false;
  bool handle_chinese_ = false;
  bool split_punct_ = false;
  // tokenizer.json's top-level BertNormalizer as written (nullopt: another normalizer or a key it
  // lacks), which BertTokenizerFast compares with its settings.
  std::optional<bool> json_lowercase_, json_cjk_;
  std::optional<int> json_strip_;  // -1 null, 0 false, 1 true
  Sha256 file_hash_;                         // state after hashing the file bytes
  std::vector<std::string> special_tokens_;  // as passed to add_special_tokens, deduplicated
};

}  // namespace gtrain
