#include "model/hf_checkpoint.h"

#include <fcntl.h>
#include <ATen/CPUGeneratorImpl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "io/atomic_file.h"
#include "model/hf_encoder_weights.h"
#include "model/linear.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "text/hf_tokenizer_files.h"
#include "text/strings.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw std::runtime_error("GLiNER2 checkpoint " + file.string() + ": " + what);
}

}  // namespace

std::string dtype_label(torch::ScalarType t) {
  switch (t) {
    case torch::kFloat32: return "F32";
    case torch::kFloat16: return "F16";
    case torch::kBFloat16: return "BF16";
    case torch::kFloat64: return "F64";
    default: return c10::toString(t);
  }
}

namespace {
constexpr const char* kTokenizerModels = "spm.model, sentencepiece.bpe.model, tokenizer.json or vocab.txt";
bool holds_tokenizer(const fs::path& dir) {
  for (const char* f : {"spm.model", "sentencepiece.bpe.model", "tokenizer.json", "vocab.txt"})
    if (fs::exists(dir / f)) return true;
  return false;
}
}  // namespace

const std::vector<std::string>& gliner2_tokenizer_files() {
  static const std::vector<std::string> f = {"spm.model",         "sentencepiece.bpe.model", "tokenizer.json",
                                             "vocab.txt",         "added_tokens.json",       "tokenizer_config.json",
                                             "special_tokens_map.json"};
  return f;
}

// ---------------------------------------------------------------------------------------------
// Load

Gliner2Checkpoint load_gliner2_checkpoint(const std::string& dir_in, const Gliner2LoadOptions& opts) {
  const fs::path dir(dir_in);
  if (!fs::is_directory(dir)) fail(dir, "not a directory");
  Gliner2Checkpoint ck;
  ck.dir = dir.string();

  const fs::path cfg_path = dir / "config.json";
  if (!fs::exists(cfg_path)) fail(cfg_path, "missing (not a GLiNER2 checkpoint directory)");
  ck.config = ExtractorConfig::from_file(cfg_path.string());
  if (opts.max_width) {
    if (*opts.max_width < 1) throw std::invalid_argument("load_gliner2_checkpoint: max_width must be >= 1");
    ck.config.max_width = *opts.max_width;
  }

  const fs::path enc_path = dir / "encoder_config" / "config.json";
  if (!fs::exists(enc_path)) fail(enc_path, "missing (GLiNER2 stores the encoder configuration here)");
  ck.encoder_config = EncoderConfig::from_file(enc_path.string());

  // Tokenizer: what is in the directory, plus GLiNER2's special tokens (no-op when present).
  for (const auto& name : gliner2_tokenizer_files())
    if (fs::exists(dir / name)) ck.tokenizer_files.push_back(name);
  if (!holds_tokenizer(dir)) fail(dir, std::string("no tokenizer: expected ") + kTokenizerModels);
  try {
    ck.tokenizer = std::shared_ptr<Tokenizer>(open_tokenizer(dir.string()).release());
  } catch (const std::exception& e) {
    fail(dir, std::string("cannot open the tokenizer: ") + e.what());
  }
  const int32_t before = ck.tokenizer->vocab_size();
  ck.tokenizer->add_special_tokens(gliner2_special_tokens());
  const int64_t n_tok = ck.tokenizer->vocab_size();
  if (n_tok != before)
    spdlog::info("{}: added {} GLiNER2 special tokens to the tokenizer ({} -> {})", dir.string(), n_tok - before,
                 before, n_tok);

  // Weights.
  const fs::path st_path = dir / "model.safetensors";
  if (!fs::exists(st_path)) {
    if (fs::exists(dir / "pytorch_model.bin"))
      fail(dir / "pytorch_model.bin",
           "PyTorch pickle checkpoints are not supported; convert it to model.safetensors first, e.g. "
           "python -c \"import torch; from safetensors.torch import save_file; "
           "save_file(torch.load('pytorch_model.bin', map_location='cpu'), 'model.safetensors')\"");
    fail(st_path, "missing (no model weights in the directory)");
  }
  std::map<std::string, torch::Tensor> tensors;
  try {
    tensors = load_safetensors(st_path.string());
  } catch (const std::exception& e) {
    fail(st_path, e.what());
  }
  auto it = tensors.find(kWordEmbeddingsKey);
  if (it == tensors.end()) fail(st_path, std::string("tensor '") + kWordEmbeddingsKey + "' is missing");
  torch::Tensor emb = it->second;
  if (emb.dim() != 2) fail(st_path, std::string("tensor '") + kWordEmbeddingsKey + "' must be 2-D");
  if (!emb.is_floating_point()) fail(st_path, std::string("tensor '") + kWordEmbeddingsKey + "' is not floating point");
  ck.weights_dtype = dtype_label(emb.scalar_type());
  ck.saved_embedding_rows = emb.size(0);
  if (ck.saved_embedding_rows < n_tok) {
    const int64_t extra = n_tok - ck.saved_embedding_rows;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(opts.new_row_seed);
    torch::Tensor rows = torch::randn({extra, emb.size(1)}, gen, torch::kFloat32) * 0.02;
    it->second = torch::cat({emb.to(torch::kFloat32), rows}, 0);
    ck.appended_embedding_rows = extra;
    spdlog::warn("{}: '{}' has {} rows but the tokenizer has {} tokens; appended {} rows ~ N(0, 0.02^2) (seed {})",
                 st_path.string(), kWordEmbeddingsKey, ck.saved_embedding_rows, n_tok, extra, opts.new_row_seed);
  } else if (ck.saved_embedding_rows > n_tok) {
    spdlog::warn("{}: '{}' has {} rows, more than the tokenizer's {} tokens; keeping all rows", st_path.string(),
                 kWordEmbeddingsKey, ck.saved_embedding_rows, n_tok);
  }
  const int64_t rows = it->second.size(0);
  if (ck.encoder_config.vocab_size() != rows)
    spdlog::info("{}: vocab_size {} -> {} (embedding rows)", enc_path.string(), ck.encoder_config.vocab_size(), rows);
  ck.encoder_config.set_vocab_size(rows);

  // GLiNER2's BERT-family encoders carry AutoModel's pooler; a checkpoint without one (written by
  // other tools) gets it as transformers would initialise it. It never runs.
  if (add_missing_pooler(tensors, "encoder.", ck.encoder_config, opts.new_row_seed))
    spdlog::warn("{}: no encoder.pooler.dense.* tensors; added them freshly initialised (the pooler is not used by "
                 "GLiNER2, but its state dict has it)", st_path.string());

  // The counting layer named in config.json must be the one stored.
  bool has_v1 = false, has_v2 = false, has_moe = false;
  for (const auto& kv : tensors) {
    has_v1 = has_v1 || starts_with(kv.first, "count_embed.projector.");
    has_v2 = has_v2 || starts_with(kv.first, "count_embed.transformer.");
    has_moe = has_moe || starts_with(kv.first, "count_embed.router.") || kv.first == "count_embed.w1";
  }
  const std::string stored = has_moe ? "count_lstm_moe" : has_v2 ? "count_lstm_v2" : has_v1 ? "count_lstm" : "";
  if (!stored.empty() && stored != ck.config.counting_layer)
    fail(cfg_path, "field 'counting_layer' is \"" + ck.config.counting_layer + "\" but " + st_path.string() +
                       " holds the weights of \"" + stored + "\"");

  if (opts.dropout) {  // the model (and so an export of it) then carries the override
    EncoderConfig enc = ck.encoder_config;
    enc.set_dropout(*opts.dropout);
    ExtractorConfig ec = ck.config;
    ec.head_dropout = *opts.dropout;
    ck.model = Extractor(ec, enc);
  } else {
    ck.model = Extractor(ck.config, ck.encoder_config);
  }
  try {
    ck.model->load_checkpoint_tensors(tensors, /*strict=*/true);
  } catch (const std::exception& e) {
    fail(st_path, e.what());
  }
  ck.model->to(opts.device);
  if (opts.eval) ck.model->eval();
  else ck.model->train();
  return ck;
}

// ---------------------------------------------------------------------------------------------
// Export

std::vector<std::pair<std::string, torch::Tensor>> gliner2_export_tensors(ExtractorImpl& model,
                                                                         torch::ScalarType dtype) {
  if (dtype != torch::kFloat32 && dtype != torch::kFloat16 && dtype != torch::kBFloat16)
    throw std::invalid_argument("GLiNER2 export: dtype must be float32, float16 or bfloat16, got " +
                                std::string(c10::toString(dtype)));
  torch::NoGradGuard no_grad;
  // Linear layers carrying a LoRA adapter: their merged weights replace the base ones.
  std::map<std::string, torch::Tensor> merged;
  for (const auto& kv : model.named_modules("", /*include_self=*/false)) {
    auto* lin = kv.value()->as<LinearImpl>();
    if (!lin || !lin->has_lora()) continue;
    torch::Tensor delta = torch::mm(lin->lora.B.to(torch::kFloat32), lin->lora.A.to(torch::kFloat32)) * lin->lora.scale;
    merged[kv.key() + ".weight"] = (lin->weight.to(torch::kFloat32) + delta.to(lin->weight.device()));
  }
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (auto& kv : state_dict(model)) {
    const std::string& name = kv.first;
    if (ends_with(name, ".lora_A") || ends_with(name, ".lora_B") || name == "lora_A" || name == "lora_B") continue;
    torch::Tensor t = kv.second.detach();
    auto m = merged.find(name);
    if (m != merged.end()) t = m->second;
    t = t.to(torch::kCPU);
    if (t.is_floating_point()) t = t.to(dtype);
    out.emplace_back(name, t.contiguous());
  }
  return out;
}

void check_model_destination(const std::string& out_dir, const std::string& source_dir) {
  const fs::path out = fs::absolute(fs::path(out_dir)).lexically_normal();
  std::error_code ec;
  if (!source_dir.empty() && fs::exists(source_dir)) {
    const fs::path src = fs::weakly_canonical(fs::absolute(source_dir), ec);
    const fs::path dst = fs::weakly_canonical(out, ec);
    if (dst == src)
      throw std::runtime_error("output " + out_dir + ": is the model directory being read (" + source_dir +
                               "); write the copy to another folder");
    const auto rel = dst.lexically_relative(src);
    const bool src_is_model = fs::exists(src / "model.safetensors");  // (a tokenizer's folder may hold runs)
    if (src_is_model && !rel.empty() && *rel.begin() != "..")
      throw std::runtime_error("output " + out_dir + ": lies inside the model directory being read (" + source_dir +
                               "); write the copy to another folder");
  }
  if (!fs::exists(out)) return;
  if (!fs::is_directory(out)) throw std::runtime_error("output " + out_dir + ": exists and is not a directory");
  std::set<std::string> known = {"config.json", "model.safetensors", "encoder_config", "gtrain.json"};
  for (const auto& n : gliner2_tokenizer_files()) known.insert(n);
  bool empty = true;
  for (const auto& e : fs::directory_iterator(out)) {
    empty = false;
    const std::string name = e.path().filename().string();
    if (!known.count(name))
      throw std::runtime_error("output " + out_dir + ": is not empty and is not a model directory ('" + name +
                               "' is not a file an export writes); gtrain replaces only a model it could have "
                               "written: choose a new or empty folder");
  }
  if (!empty && !(fs::exists(out / "config.json") && fs::exists(out / "model.safetensors")))
    throw std::runtime_error("output " + out_dir + ": is not empty and is not a model directory (no config.json + "
                             "model.safetensors); choose a new or empty folder");
}

namespace {
// A tokenizer file exported into a model folder: open_tokenizer reads spm.model as SentencePiece,
// tokenizer.json and vocab.txt as WordPiece, as it reads the file by its extension.
std::string exported_tokenizer_name(const fs::path& file) {
  const std::string ext = file.extension().string();
  return ext == ".model" ? "spm.model" : ext == ".json" ? "tokenizer.json" : "vocab.txt";
}
}  // namespace

void export_gliner2_checkpoint(ExtractorImpl& model, const std::string& tokenizer_dir, const std::string& out_dir_in,
                               const Gliner2ExportOptions& opts) {
  fs::path out = fs::path(out_dir_in).lexically_normal();
  if (out.has_filename() == false) out = out.parent_path();  // "dir/" -> "dir"
  if (out.empty()) throw std::invalid_argument("GLiNER2 export: empty output directory");
  if (fs::exists(out) && !opts.overwrite) fail(out, "already exists (overwrite disabled)");
  check_model_destination(out.string(), tokenizer_dir);
  const fs::path tok_dir(tokenizer_dir);
  const bool tok_file = fs::is_regular_file(tok_dir);  // a from-scratch run's model.tokenizer file
  if (!tok_file && !holds_tokenizer(tok_dir))
    fail(tok_dir, std::string("no tokenizer to copy: expected ") + kTokenizerModels);

  // Only this output's own leftovers: the parent is the user's folder.
  if (out.has_parent_path()) clean_stale_temps(out.parent_path().string(), out.filename().string());
  try {
    if (out.has_parent_path()) fs::create_directories(out.parent_path());
    StagedPath staged(out.string());  // removed again unless committed
    const fs::path tmp(staged.tmp());
    fs::create_directories(tmp / "encoder_config");

    std::vector<std::pair<std::string, torch::Tensor>> tensors = gliner2_export_tensors(model, opts.dtype);
    int64_t rows = -1;
    for (const auto& kv : tensors)
      if (kv.first == kWordEmbeddingsKey) rows = kv.second.size(0);
    if (rows < 0) fail(out, std::string("the model has no '") + kWordEmbeddingsKey + "'");

    model.config.save((tmp / "config.json").string());
    EncoderConfig enc = model.encoder_config;
    enc.set_vocab_size(rows);
    enc.save((tmp / "encoder_config" / "config.json").string());
    save_safetensors((tmp / "model.safetensors").string(), tensors, opts.metadata);
    if (tok_file) {  // that very file, under the name open_tokenizer reads from a folder
      const fs::path as = tmp / exported_tokenizer_name(tok_dir);
      fs::copy_file(tok_dir, as, fs::copy_options::overwrite_existing);
      fsync_path(as.string(), false);
    }
    for (const auto& name : tok_file ? std::vector<std::string>{} : gliner2_tokenizer_files()) {
      if (!fs::exists(tok_dir / name)) continue;
      fs::copy_file(tok_dir / name, tmp / name, fs::copy_options::overwrite_existing);
      fsync_path((tmp / name).string(), false);
    }
    // A bare tokenizer (a from-scratch run's) gets the files GLiNER2.from_pretrained needs to read it.
    for (const std::string& name : complete_hf_tokenizer_files(tmp.string()))
      fsync_path((tmp / name).string(), false);
    // What predict needs beyond GLiNER2's files (units, threshold, labels, max_length).
    if (!opts.gtrain_json.empty()) {
      write_text_file_atomic((tmp / "gtrain.json").string(), opts.gtrain_json);
    } else if (!tok_file && fs::exists(tok_dir / "gtrain.json")) {
      fs::copy_file(tok_dir / "gtrain.json", tmp / "gtrain.json", fs::copy_options::overwrite_existing);
      fsync_path((tmp / "gtrain.json").string(), false);
    }
    fsync_path((tmp / "encoder_config").string(), true);
    staged.commit();  // an existing out is replaced only now, and put back if the rename fails
  } catch (const fs::filesystem_error& e) {
    fail(out, e.what());
  }
  spdlog::info("exported GLiNER2 checkpoint to {} ({})", out.string(), dtype_label(opts.dtype));
}

}  // namespace gtrain
