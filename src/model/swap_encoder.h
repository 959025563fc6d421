// `gtrain swap-encoder`: replace the encoder of a released GLiNER2 checkpoint (e.g.
// fastino/gliner2-base-v1: DeBERTa-v3-base + span heads) with another encoder (e.g.
// team-lucid/deberta-v3-base-korean, klue/roberta-base, monologg/koelectra-base-v3-discriminator,
// beomi/kcbert-base, xlm-roberta-base), keeping the head weights, and write a GLiNER2 checkpoint
// directory that load_gliner2_checkpoint (and gliner2's GLiNER2.from_pretrained) loads.
//
// Inputs
//   gliner2_dir   a GLiNER2 checkpoint (config.json, encoder_config/config.json, model.safetensors).
//                 Every tensor not under "encoder." is a head tensor and is kept bit for bit; its
//                 "encoder.*" tensors and its tokenizer are discarded.
//   encoder_dir   a Hugging Face encoder: config.json with model_type "deberta-v2", "bert",
//                 "roberta", "electra" or "xlm-roberta" (anything else is refused, naming the file
//                 and the value), model.safetensors and the tokenizer files (spm.model,
//                 sentencepiece.bpe.model, tokenizer.json or vocab.txt, plus added_tokens.json,
//                 tokenizer_config.json, special_tokens_map.json when present).
//                 Tensor names (model/hf_encoder_weights.h): the encoder prefix is found from the
//                 one tensor ending in "embeddings.word_embeddings.weight" ("" for a bare model,
//                 "deberta." / "bert." / "roberta." / "electra." for the pretraining models,
//                 "encoder." for another GLiNER2 checkpoint); the tensors under prefix +
//                 "embeddings." / "encoder." / "embeddings_project." / "pooler." are the encoder.
//                 Everything else (lm_predictions.*, lm_head.*, cls.*, discriminator_predictions.*,
//                 the non-learned position_ids / token_type_ids buffers) is dropped and listed. A
//                 BERT/RoBERTa/XLM-R file without a pooler gets one initialised (add_missing_pooler).
//   The encoder's hidden_size must equal the GLiNER2 encoder's (the heads' input size), unless
//   reinit_heads: then the heads are built afresh at the encoder's width (PyTorch's default init,
//   torch::manual_seed(seed)) and the checkpoint's head weights are discarded; its config
//   (max_width, counting_layer) is kept.
//
// Tokenizer: the encoder's tokenizer as open_tokenizer reads it, then the special tokens Hugging
// Face's tokenizer would add on top of the files (so ids agree with Python's len(tokenizer)):
//   * the entries of tokenizer_config.json "added_tokens_decoder" the tokenizer lacks (id order;
//     each must land on its recorded id), or, when there is no such table and the tokenizer is a
//     SentencePiece model, DebertaV2Tokenizer's special tokens ([CLS] [SEP] [UNK] [PAD] [MASK], or
//     the ones special_tokens_map.json / tokenizer_config.json name) that the model lacks — in
//     practice "[MASK]", which DeBERTa-v3's spm.model does not contain (HF adds it as id 128000);
//   * then GLiNER2's ten special tokens (gliner2_special_tokens(); a token already present keeps its
//     id). The new vocabulary is len(tokenizer) = tokenizer->vocab_size().
// When anything was added, the output gets an added_tokens.json ({token: id}: the encoder's own
// added_tokens.json entries plus every token added here), which open_tokenizer reads back; the
// staged tokenizer files are re-opened and checked before anything is written.
//
// Embeddings: the word-embedding matrix is resized to len(tokenizer), as GLiNER2 does when it
// builds a model on a pretrained encoder (Extractor.__init__: resize_token_embeddings(len(tokenizer))):
//   * fewer rows: the checkpoint's rows are kept and the new rows drawn ~ N(0, initializer_range²)
//     (initializer_range from the encoder config, 0.02 for DeBERTa-v3) by one
//     torch::randn({extra, dim}, generator seeded with `seed`) * initializer_range. That is HF
//     resize_token_embeddings' classic init (_init_weights: normal(0, initializer_range); since
//     transformers 4.46 HF defaults to mean_resizing, sampling around the old rows' mean instead)
//     and GLiNER2.from_pretrained's row append (randn * 0.02).
//   * more rows (HF pads vocab_size, e.g. DeBERTa-v3's 128100 for 128001 tokens): the trailing
//     rows no token id can reach are dropped, so the output has exactly len(tokenizer) rows.
//     Keeping them would break gliner2's from_pretrained, which builds the encoder with
//     len(tokenizer) rows and cannot load a larger matrix (fastino/gliner2-base-v1 itself was
//     resized 128100 -> 128011 this way).
// encoder_config/config.json is the encoder's config.json with vocab_size = the row count.
// config.json is the GLiNER2 config with model_name set to the encoder's "_name_or_path" (or the
// encoder directory's absolute path); model_name is informational, nothing loads from it.
//
// The model is built with the GLiNER2 ExtractorConfig and the new encoder config, filled strictly
// (every model tensor from one of the two files; an encoder tensor the model has no place for is an
// error, as is a missing one) and written with export_gliner2_checkpoint, atomically (DIR.tmp.<pid>
// renamed to DIR). out_dir may not be one of the inputs; an existing out_dir is replaced only when
// it is empty or holds a checkpoint (config.json).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace gtrain {

struct SwapEncoderReport {
  std::string gliner2_dir, encoder_dir, out_dir;
  uint64_t seed = 0;
  int64_t hidden_size = 0;
  std::string counting_layer;
  std::string previous_model_name, model_name;  // GLiNER2 config.json model_name before / after
  std::string model_type;                       // the new encoder's
  int64_t previous_hidden_size = 0;             // the GLiNER2 encoder's (the heads' input size)
  bool heads_reinitialised = false;             // widths differed and reinit_heads was given
  int64_t discarded_head_tensors = 0;           // head tensors of gliner2_dir not used (reinit_heads)

  // Heads: tensors copied unchanged from gliner2_dir/model.safetensors.
  std::vector<std::string> kept;
  std::map<std::string, int64_t> kept_by_module;  // first name component ("span_rep", ...) -> count
  int64_t kept_parameters = 0;

  // Encoder: model tensors ("encoder.*") filled from encoder_dir/model.safetensors.
  std::vector<std::string> replaced;
  int64_t replaced_parameters = 0;
  int64_t discarded_gliner2_encoder_tensors = 0;  // the old encoder.* tensors of gliner2_dir
  std::string encoder_prefix;                     // prefix of the encoder tensors in the file
  std::string encoder_dtype;                      // safetensors dtype of its word embeddings
  int64_t encoder_layers = 0;
  std::vector<std::string> dropped;  // tensors of encoder_dir/model.safetensors not used
  bool pooler_initialised = false;   // BERT family without a pooler in the file (add_missing_pooler)

  // Word embeddings.
  int64_t config_vocab_size = 0;  // vocab_size in encoder_dir/config.json
  int64_t checkpoint_rows = 0;    // rows in encoder_dir/model.safetensors
  int64_t rows = 0;               // rows written = len(tokenizer)
  int64_t appended_rows = 0;      // rows drawn ~ N(0, init_std²)
  int64_t truncated_rows = 0;     // trailing rows dropped
  double init_std = 0.02;

  // Tokenizer.
  struct Token {
    std::string token;
    int32_t id = 0;
    bool added = false;  // false: already in the encoder's tokenizer files
    std::string source;  // "GLiNER2", "tokenizer_config.json", "DebertaV2Tokenizer default", ...
  };
  std::string tokenizer_kind;                // "sentencepiece" | "wordpiece"
  std::vector<std::string> tokenizer_files;  // copied from encoder_dir
  int32_t tokenizer_file_vocab = 0;          // len(tokenizer) as the files give it
  std::vector<Token> tokens;                 // HF special tokens added, then GLiNER2's ten
  bool wrote_added_tokens_json = false;
};

// Throws std::runtime_error naming the file (and field / tensor / sizes) on any problem; nothing is
// written then.
SwapEncoderReport swap_encoder(const std::string& gliner2_dir, const std::string& encoder_dir,
                               const std::string& out_dir, uint64_t seed = 0, bool reinit_heads = false);

// Multi-line human-readable summary (what `gtrain swap-encoder` prints).
std::string format_swap_report(const SwapEncoderReport& r);

}  // namespace gtrain
