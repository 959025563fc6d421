// SentencePiece tokenizer reached through libgtrain_spm.so (src/text/spm_shim), never by linking
// libsentencepiece: Debian's libsentencepiece carries protobuf 3.14, which crashes any process that
// also loads libtorch (protobuf 3.21).
//
// How the shim is loaded: dlmopen(LM_ID_NEWLM, RTLD_NOW|RTLD_LOCAL), i.e. in its own link-map
// namespace with private copies of libstdc++, libc, libsentencepiece and its protobuf; nothing but
// the plain C ABI crosses (caller-owned buffers, no exceptions, no malloc/free across). If dlmopen
// fails, or GTRAIN_SPM_DEEPBIND=1 is set, it falls back to dlopen(RTLD_NOW|RTLD_LOCAL|
// RTLD_DEEPBIND). DEEPBIND alone is NOT enough for training: with it, libsentencepiece_train binds
// std::cerr to libstdc++'s own, never-constructed object (the executable holds the copy-relocated,
// constructed one), so its first LOG(INFO) segfaults; encoding happens to work.
//
// Where the shim is looked for, first hit wins:
//   1. $GTRAIN_SPM_SHIM (a path) when set and non-empty;
//   2. GTRAIN_SPM_SHIM_PATH, a compile-time macro the build sets to the built libgtrain_spm.so;
//   3. libgtrain_spm.so in the directory of the running executable (/proc/self/exe).
// The shim is loaded once per process and never unloaded.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "io/sha256.h"
#include "text/tokenizer.h"

namespace gtrain {

struct SpmShimApi;  // the shim's function table (sentencepiece_tokenizer.cpp)

class SentencePieceTokenizer : public Tokenizer {
 public:
  // Loads a SentencePiece .model file; throws std::runtime_error naming the path (or naming every
  // shim location tried when the shim cannot be loaded).
  explicit SentencePieceTokenizer(const std::string& model_path);
  ~SentencePieceTokenizer() override;
  SentencePieceTokenizer(const SentencePieceTokenizer&) = delete;
  SentencePieceTokenizer& operator=(const SentencePieceTokenizer&) = delete;

  // Encodes the word exactly as SentencePiece encodes it on its own: the first piece carries the
  // dummy-prefix "▁" (sometimes a bare "▁" piece with begin == end). A word equal to an added
  // special token yields that one token. Special tokens inside a longer word are split out as the
  // HF slow tokenizer does: every text segment between them is encoded separately (so each gets
  // its own "▁" prefix), offsets remain byte offsets into the whole word.
  std::vector<Piece> encode_word(const std::string& word) const override;
  // Throws std::out_of_range for an id outside [0, vocab_size()).
  std::string id_to_piece(int32_t id) const override;
  int32_t piece_to_id(const std::string& piece) const override;  // -1 if absent
  int32_t vocab_size() const override;  // model pieces (+ 2 with fairseq ids) + newly added tokens
  // The model's pad id when it defines one (>= 0), else 0 (HF DebertaV2/KoBERT convention of
  // padding with id 0; positions are masked anyway).
  int32_t pad_id() const override;
  int32_t unk_id() const override;
  // SHA-256 hex of: model file bytes + "\n" + every token passed to add_special_tokens (first
  // occurrence order, including ones already in the vocabulary) joined by "\n".
  std::string fingerprint() const override;
  std::string kind() const override { return "sentencepiece"; }
  // New tokens get ids base_vocab_size, base_vocab_size+1, ... in order; a token already in the
  // model vocabulary or already added keeps its id.
  std::vector<int32_t> add_special_tokens(const std::vector<std::string>& tokens) override;

  // XLM-R's id layout (XLMRobertaTokenizer, from fairseq): <s>=0 <pad>=1 </s>=2 <unk>=3, model
  // piece p -> p + 1 (the model's id 0, its <unk>, -> 3), <mask> = model size + 1; added tokens
  // follow. Call before adding special tokens. pad_id() is then 1 and unk_id() 3.
  void use_fairseq_ids();
  bool fairseq_ids() const { return fairseq_; }

  const std::string& model_path() const { return model_path_; }
  int32_t base_vocab_size() const { return base_vocab_; }
  // The shim actually loaded (for diagnostics).
  static std::string shim_path();

 private:
  int32_t from_model_id(int32_t id) const;  // the model's id -> this tokenizer's id
  int32_t first_added_id() const { return base_vocab_ + (fairseq_ ? 2 : 0); }
  // Plain SentencePiece encoding of text (no special-token handling), offsets shifted by `shift`.
  void encode_plain(const char* text, size_t len, int32_t shift, std::vector<Piece>* out) const;

  const SpmShimApi* api_ = nullptr;
  void* handle_ = nullptr;
  std::string model_path_;
  int32_t base_vocab_ = 0;
  int32_t unk_id_ = 0;
  int32_t pad_id_ = 0;
  bool fairseq_ = false;
  Sha256 model_hash_;                         // state after hashing the model file bytes
  std::vector<std::string> special_tokens_;   // as passed to add_special_tokens, deduplicated
  std::unordered_map<std::string, int32_t> special_ids_;
  std::vector<std::string> added_pieces_;     // pieces of ids first_added_id(), +1, ...
};

// Trains a SentencePiece model through the shim, writing <model_prefix>.model and .vocab.
// Flags: --input=<input_file> --model_prefix=<model_prefix> --vocab_size=<vocab_size>
//        --model_type=<model_type> (unigram|bpe|char|word) --character_coverage=<cc>
//        --pad_id=0 --unk_id=1 --bos_id=-1 --eos_id=-1
// i.e. the encoder layout: pad 0, unk 1, no BOS/EOS pieces (CLS/SEP-like tokens are added as
// special tokens by the caller). Throws std::runtime_error with the shim's message on failure.
// exact_vocab_size=false makes vocab_size an upper bound (small corpora support fewer pieces).
void train_sentencepiece(const std::string& input_file, const std::string& model_prefix,
                         int vocab_size, const std::string& model_type = "unigram",
                         double character_coverage = 0.9995, bool exact_vocab_size = true);

}  // namespace gtrain
