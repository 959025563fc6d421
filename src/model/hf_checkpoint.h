// GLiNER2 checkpoint directories (the layout `Extractor.save_pretrained` writes, spec §6):
//   config.json                  ExtractorConfig (model_type "extractor")
//   encoder_config/config.json   HF config of the encoder (deberta-v2, bert, roberta, electra, xlm-roberta)
//   model.safetensors            full Extractor state_dict (pytorch_model.bin is refused)
//   tokenizer files              spm.model, sentencepiece.bpe.model (XLM-R), tokenizer.json or
//                                vocab.txt, added_tokens.json,
//                                tokenizer_config.json, special_tokens_map.json
//
// Loading mirrors GLiNER2.from_pretrained: the tokenizer gets GLiNER2's ten special tokens (a
// no-op when already present), the encoder is sized to len(tokenizer), and when the saved word
// embedding matrix has fewer rows, rows ~ N(0, 0.02²) are appended (and logged). Every tensor of
// the model must be in the file and every tensor of the file must be used.
//
// Export writes the same layout (tensor names unchanged, fp32 or optionally fp16/bf16; LoRA
// adapters merged into their base weights) into DIR.tmp.<pid> and renames it to DIR, so DIR is
// never half-written; an existing DIR is replaced only once the new one is complete.
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/encoder_config.h"
#include "model/gliner2_config.h"
#include "model/gliner2_model.h"
#include "text/tokenizer.h"

namespace gtrain {

// The word-embedding matrix of a GLiNER2 checkpoint; its rows are the tokenizer's vocabulary.
inline constexpr const char* kWordEmbeddingsKey = "encoder.embeddings.word_embeddings.weight";

// "F32", "F16", "BF16", "F64": safetensors' names for a dtype, for logs and reports.
std::string dtype_label(torch::ScalarType t);

// Tokenizer files a checkpoint directory may hold; export copies the ones present.
const std::vector<std::string>& gliner2_tokenizer_files();

struct Gliner2LoadOptions {
  torch::Device device = torch::kCPU;
  uint64_t new_row_seed = 0;         // seed of the N(0, 0.02²) rows appended to the embeddings
  std::optional<int64_t> max_width;  // override config.max_width (no weight depends on it)
  bool eval = true;                  // leave the model in eval mode (false: training mode)
  std::optional<double> dropout;     // override the encoder's and the span head's dropout
};

struct Gliner2Checkpoint {
  std::string dir;                 // the directory loaded
  ExtractorConfig config;
  EncoderConfig encoder_config;    // vocab_size = the model's embedding rows
  std::shared_ptr<Tokenizer> tokenizer;
  Extractor model{nullptr};
  std::vector<std::string> tokenizer_files;  // names of the tokenizer files found in dir
  std::string weights_dtype;                 // safetensors dtype of the word embeddings ("F32", ...)
  int64_t saved_embedding_rows = 0;          // rows in model.safetensors
  int64_t appended_embedding_rows = 0;       // rows added to reach len(tokenizer)
};

// Throws std::runtime_error naming the file (and field / tensor) on any problem.
Gliner2Checkpoint load_gliner2_checkpoint(const std::string& dir, const Gliner2LoadOptions& opts = {});

struct Gliner2ExportOptions {
  torch::ScalarType dtype = torch::kFloat32;  // floating tensors: kFloat32, kFloat16 or kBFloat16
  bool overwrite = true;                      // replace an existing out_dir (else: error)
  std::map<std::string, std::string> metadata;  // safetensors "__metadata__" (GLiNER2 writes none)
  // gtrain.json (unit mode, threshold, labels, max_length) written in the same atomic step;
  // empty = the source directory's gtrain.json is carried over when it has one.
  std::string gtrain_json;
};

// Where a model directory may be written: a path that does not exist, an empty directory, or a
// model directory (config.json + model.safetensors and nothing but the files an export writes),
// and never the source directory itself or a folder inside it. Throws naming the path and the
// first file that is not a model's.
void check_model_destination(const std::string& out_dir, const std::string& source_dir);

// Writes model + configs + the tokenizer files found in tokenizer_dir to out_dir (atomically).
// tokenizer_dir may also be one tokenizer file (a from-scratch run's model.tokenizer): it is
// copied as spm.model, tokenizer.json or vocab.txt by its extension.
// encoder_config/config.json gets vocab_size = the embedding rows of the model.
void export_gliner2_checkpoint(ExtractorImpl& model, const std::string& tokenizer_dir, const std::string& out_dir,
                               const Gliner2ExportOptions& opts = {});
inline void export_gliner2_checkpoint(const Gliner2Checkpoint& ckpt, const std::string& out_dir,
                                      const Gliner2ExportOptions& opts = {}) {
  export_gliner2_checkpoint(*ckpt.model.ptr(), ckpt.dir, out_dir, opts);
}

// The tensors export writes: the state dict with LoRA adapters merged (W + scale·B·A) and their
// lora_A / lora_B entries dropped, floating tensors converted to dtype, on the CPU.
std::vector<std::pair<std::string, torch::Tensor>> gliner2_export_tensors(ExtractorImpl& model,
                                                                         torch::ScalarType dtype = torch::kFloat32);

}  // namespace gtrain
