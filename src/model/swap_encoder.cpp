#include "model/swap_encoder.h"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/json_fields.h"
#include "model/encoder_config.h"
#include "model/hf_encoder_weights.h"
#include "model/gliner2_config.h"
#include "model/gliner2_model.h"
#include "model/hf_checkpoint.h"
#include "model/state_dict.h"
#include "model/tensor_io.h"
#include "text/sentencepiece_tokenizer.h"
#include "text/tokenizer.h"
#include "text/strings.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

const char* kWordEmbSuffix = "embeddings.word_embeddings.weight";

[[noreturn]] void swap_fail(const std::string& what) { throw std::runtime_error("swap-encoder: " + what); }
[[noreturn]] void swap_fail(const fs::path& file, const std::string& what) { swap_fail(file.string() + ": " + what); }

// "swap-encoder: <path>: cannot open" / "...: invalid JSON: ...", like swap_fail's other errors.
nlohmann::json read_json(const fs::path& p) { return read_json_file(p.string(), "swap-encoder:"); }

// dir/model.safetensors, or an error that says how to get one from a pickle checkpoint.
fs::path weights_file(const fs::path& dir, const std::string& what) {
  const fs::path st = dir / "model.safetensors";
  if (!fs::exists(st)) {
    if (fs::exists(dir / "pytorch_model.bin"))
      swap_fail(dir / "pytorch_model.bin",
           "PyTorch pickle checkpoints are not supported; convert the " + what +
               " to model.safetensors first, e.g. python -c \"import torch; from safetensors.torch import save_file; "
               "save_file(torch.load('pytorch_model.bin', map_location='cpu'), 'model.safetensors')\"");
    swap_fail(st, "missing (no " + what + " weights in the directory)");
  }
  return st;
}

std::map<std::string, torch::Tensor> load_weights(const fs::path& dir, const std::string& what) {
  const fs::path st = weights_file(dir, what);
  try {
    return load_safetensors(st.string());
  } catch (const std::exception& e) {
    swap_fail(st, e.what());
  }
}

// A special-token value of special_tokens_map.json / tokenizer_config.json ("[MASK]" or
// {"content": "[MASK]", ...}); null = none.
std::optional<std::string> token_value(const nlohmann::json& v) {
  std::string t = special_token_content(v);
  return t.empty() ? std::nullopt : std::optional<std::string>(t);
}

std::string with_commas(int64_t n) {
  std::string s = std::to_string(n), out;
  const int lead = static_cast<int>(s.size()) % 3;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i && (static_cast<int>(i) - lead) % 3 == 0) out += ',';
    out += s[i];
  }
  return out;
}

// Removes a directory tree when it goes out of scope.
struct DirGuard {
  fs::path p;
  ~DirGuard() {
    std::error_code ec;
    if (!p.empty()) fs::remove_all(p, ec);
  }
};

// The special tokens Hugging Face's tokenizer adds on top of the tokenizer files (see the header).
void add_hf_special_tokens(Tokenizer& tok, const fs::path& enc, SwapEncoderReport& r) {
  const fs::path tcfg_path = enc / "tokenizer_config.json";
  const fs::path stm_path = enc / "special_tokens_map.json";
  nlohmann::json tcfg = fs::exists(tcfg_path) ? read_json(tcfg_path) : nlohmann::json::object();
  nlohmann::json stm = fs::exists(stm_path) ? read_json(stm_path) : nlohmann::json::object();
  if (!tcfg.is_object()) swap_fail(tcfg_path, "not a JSON object");
  if (!stm.is_object()) swap_fail(stm_path, "not a JSON object");
  const std::set<std::string> gliner2(gliner2_special_tokens().begin(), gliner2_special_tokens().end());

  auto add = [&](const std::string& token, const std::string& source) {
    const int32_t id = tok.add_special_tokens({token}).at(0);
    if (!gliner2.count(token)) r.tokens.push_back({token, id, true, source});
  };

  // transformers >= 4.34 records every added token with its id.
  if (tcfg.contains("added_tokens_decoder") && tcfg["added_tokens_decoder"].is_object() &&
      !tcfg["added_tokens_decoder"].empty()) {
    std::map<int64_t, std::string> by_id;
    try {
      by_id = read_added_tokens_decoder(tcfg);
    } catch (const std::invalid_argument& e) {
      swap_fail(tcfg_path, e.what());
    }
    for (const auto& [id, token] : by_id) {
      const int32_t have = tok.piece_to_id(token);
      if (have == id) continue;
      if (have >= 0)
        swap_fail(tcfg_path, "added token '" + token + "' is recorded with id " + std::to_string(id) +
                            " but the tokenizer files give it id " + std::to_string(have));
      if (id != tok.vocab_size())
        swap_fail(tcfg_path, "added token '" + token + "' is recorded with id " + std::to_string(id) +
                            " but the next free id of the tokenizer is " + std::to_string(tok.vocab_size()));
      add(token, "tokenizer_config.json added_tokens_decoder");
    }
    return;
  }
  if (tok.kind() != "sentencepiece") return;  // tokenizer.json / vocab.txt carry their specials
  // XLM-R's layout has all its specials (<s> <pad> </s> <unk> <mask>) in the vocabulary already.
  if (auto* sp = dynamic_cast<const SentencePieceTokenizer*>(&tok); sp && sp->fairseq_ids()) return;

  // DebertaV2Tokenizer(vocab_file=spm.model): its special tokens that the model lacks become added
  // tokens, in the order of SPECIAL_TOKENS_ATTRIBUTES (in practice only [MASK]).
  static const std::vector<std::pair<std::string, std::string>> kDefaults = {
      {"bos_token", "[CLS]"}, {"eos_token", "[SEP]"}, {"unk_token", "[UNK]"}, {"sep_token", "[SEP]"},
      {"pad_token", "[PAD]"}, {"cls_token", "[CLS]"}, {"mask_token", "[MASK]"}};
  std::vector<std::pair<std::string, std::string>> wanted;  // token, source
  for (const auto& [key, def] : kDefaults) {
    if (stm.contains(key)) {
      if (auto v = token_value(stm[key])) wanted.emplace_back(*v, "special_tokens_map.json " + key);
    } else if (tcfg.contains(key)) {
      if (auto v = token_value(tcfg[key])) wanted.emplace_back(*v, "tokenizer_config.json " + key);
    } else {
      wanted.emplace_back(def, "DebertaV2Tokenizer default " + key);
    }
  }
  const nlohmann::json* extra = stm.contains("additional_special_tokens")    ? &stm["additional_special_tokens"]
                                : tcfg.contains("additional_special_tokens") ? &tcfg["additional_special_tokens"]
                                                                             : nullptr;
  if (extra && extra->is_array())
    for (const auto& e : *extra)
      if (auto v = token_value(e)) wanted.emplace_back(*v, "additional_special_tokens");
  for (const auto& [token, source] : wanted)
    if (tok.piece_to_id(token) < 0) add(token, source);
}

// The inputs are directories and the output is neither of them nor someone else's folder.
void check_directories(const fs::path& g2, const fs::path& enc, const fs::path& out) {
  if (out.empty()) swap_fail("empty output directory");
  if (!fs::is_directory(g2)) swap_fail(g2, "not a directory (expected a GLiNER2 checkpoint)");
  if (!fs::is_directory(enc)) swap_fail(enc, "not a directory (expected a Hugging Face encoder)");
  if (fs::exists(out)) {
    std::error_code ec;
    if (fs::equivalent(out, g2, ec) || fs::equivalent(out, enc, ec))
      swap_fail(out, "the output directory must differ from the input directories");
    if (!fs::is_directory(out)) swap_fail(out, "exists and is not a directory");
    if (!fs::is_empty(out) && !fs::exists(out / "config.json"))
      swap_fail(out, "exists, is not empty and holds no config.json; refusing to replace it");
  }
}

// The word embeddings get one row per tokenizer id (len(tokenizer), as GLiNER2's resize_token_embeddings):
// added rows drawn from N(0, initializer_range) with the given seed, surplus rows cut.
void resize_word_embeddings(std::map<std::string, torch::Tensor>& combined, int64_t n_tok, uint64_t seed,
                            const fs::path& enc_st, SwapEncoderReport& r) {
  torch::Tensor& emb = combined.at(kWordEmbeddingsKey);
  if (emb.dim() != 2) swap_fail(enc_st, "tensor '" + r.encoder_prefix + kWordEmbSuffix + "' must be 2-D");
  r.checkpoint_rows = emb.size(0);
  torch::Tensor e32 = emb.to(torch::kFloat32);
  if (r.checkpoint_rows < n_tok) {
    r.appended_rows = n_tok - r.checkpoint_rows;
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    torch::Tensor rows = torch::randn({r.appended_rows, emb.size(1)}, gen, torch::kFloat32) * r.init_std;
    emb = torch::cat({e32, rows}, 0);
  } else if (r.checkpoint_rows > n_tok) {
    r.truncated_rows = r.checkpoint_rows - n_tok;
    emb = e32.narrow(0, 0, n_tok).clone();
  }
  r.rows = emb.size(0);
}

// Every tensor of the new model came from one of the two files and nothing was left over; else one
// message that names which file lacks (or has no place for) what.
void check_filled(const LoadStateReport& lr, const SwapEncoderReport& r, const ExtractorConfig& cfg,
                  const fs::path& enc_st, const fs::path& enc_cfg_path, const fs::path& g2_st,
                  const fs::path& g2_cfg_path) {
  std::vector<std::string> miss_enc, miss_head, extra_enc, extra_head;
  for (const auto& k : lr.missing) (starts_with(k, "encoder.") ? miss_enc : miss_head).push_back(k);
  for (const auto& k : lr.unexpected) (starts_with(k, "encoder.") ? extra_enc : extra_head).push_back(k);
  std::string msg;
  auto strip = [](std::vector<std::string> v, const std::string& prefix) {
    for (auto& s : v) s = prefix + s.substr(8);  // "encoder." -> the file's prefix
    return v;
  };
  if (!miss_enc.empty())
    msg += " " + enc_st.string() + " lacks " + std::to_string(miss_enc.size()) + " encoder tensor(s) that " +
           enc_cfg_path.string() + " implies: " + join(strip(miss_enc, r.encoder_prefix), ", ", 20) + ".";
  if (!extra_enc.empty())
    msg += " " + enc_st.string() + " has " + std::to_string(extra_enc.size()) + " encoder tensor(s) that " +
           enc_cfg_path.string() + " has no place for: " + join(strip(extra_enc, r.encoder_prefix), ", ", 20) + ".";
  if (!miss_head.empty() && !r.heads_reinitialised)
    msg += " " + g2_st.string() + " lacks " + std::to_string(miss_head.size()) + " head tensor(s): " +
           join(miss_head, ", ", 20) + ".";
  if (!extra_head.empty())
    msg += " " + g2_st.string() + " has " + std::to_string(extra_head.size()) + " head tensor(s) that " +
           g2_cfg_path.string() + " (counting_layer \"" + cfg.counting_layer + "\") has no place for: " +
           join(extra_head, ", ", 20) + ".";
  if (!msg.empty()) swap_fail("the new model cannot be filled strictly:" + msg);
}

// The encoder's tokenizer files plus an added_tokens.json of the tokens swap-encoder added, staged
// in a temp folder (removed with `stage`) for the export; returns that folder.
fs::path stage_tokenizer_files(const fs::path& enc, const Tokenizer& tok, int64_t n_tok, DirGuard& stage,
                               SwapEncoderReport& r) {
  static std::atomic<int> counter{0};
  stage.p = fs::temp_directory_path() /
            ("gtrain-swap-encoder-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(stage.p);
  fs::create_directories(stage.p);
  for (const auto& name : r.tokenizer_files)
    if (name != "added_tokens.json") fs::copy_file(enc / name, stage.p / name);
  nlohmann::json added = nlohmann::json::object();
  if (fs::exists(enc / "added_tokens.json")) {
    added = read_json(enc / "added_tokens.json");
    if (!added.is_object()) swap_fail(enc / "added_tokens.json", "not a JSON object");
  }
  for (int32_t id = r.tokenizer_file_vocab; id < n_tok; ++id) added[tok.id_to_piece(id)] = id;
  for (const auto& t : r.tokens) added[t.token] = t.id;
  write_json_file((stage.p / "added_tokens.json").string(), added);
  r.wrote_added_tokens_json = true;
  // The output's tokenizer must read back as the one the embeddings were sized for.
  std::unique_ptr<Tokenizer> check;
  try {
    check = open_tokenizer(stage.p.string());
  } catch (const std::exception& e) {
    swap_fail(std::string("the tokenizer written for the output does not open: ") + e.what());
  }
  if (check->vocab_size() != n_tok)
    swap_fail("the tokenizer written for the output has " + std::to_string(check->vocab_size()) + " tokens, expected " +
         std::to_string(n_tok));
  for (const auto& t : r.tokens)
    if (check->piece_to_id(t.token) != t.id)
      swap_fail("the tokenizer written for the output gives '" + t.token + "' id " +
           std::to_string(check->piece_to_id(t.token)) + ", expected " + std::to_string(t.id));
  return stage.p;
}

}  // namespace

SwapEncoderReport swap_encoder(const std::string& gliner2_dir, const std::string& encoder_dir,
                               const std::string& out_dir, uint64_t seed, bool reinit_heads) {
  SwapEncoderReport r;
  r.gliner2_dir = gliner2_dir;
  r.encoder_dir = encoder_dir;
  r.out_dir = out_dir;
  r.seed = seed;
  const fs::path g2(gliner2_dir), enc(encoder_dir);
  fs::path out = fs::path(out_dir).lexically_normal();
  if (!out.has_filename()) out = out.parent_path();
  check_directories(g2, enc, out);

  // ---- configurations ----------------------------------------------------------------------
  const fs::path g2_cfg_path = g2 / "config.json", g2_enc_path = g2 / "encoder_config" / "config.json";
  if (!fs::exists(g2_cfg_path)) swap_fail(g2_cfg_path, "missing (not a GLiNER2 checkpoint directory)");
  if (!fs::exists(g2_enc_path)) swap_fail(g2_enc_path, "missing (GLiNER2 stores the encoder configuration here)");
  ExtractorConfig cfg = ExtractorConfig::from_file(g2_cfg_path.string());
  const EncoderConfig g2_enc = EncoderConfig::from_file(g2_enc_path.string());
  r.counting_layer = cfg.counting_layer;
  r.previous_model_name = cfg.model_name;

  const fs::path enc_cfg_path = enc / "config.json";
  if (!fs::exists(enc_cfg_path)) swap_fail(enc_cfg_path, "missing (the encoder's Hugging Face config.json)");
  const nlohmann::json ej = read_json(enc_cfg_path);
  if (!ej.is_object()) swap_fail(enc_cfg_path, "not a JSON object");
  const char* kTypes = "deberta-v2 (DeBERTa-v2/v3), bert, roberta, electra or xlm-roberta";
  if (!ej.contains("model_type") || !ej["model_type"].is_string())
    swap_fail(enc_cfg_path, std::string("no \"model_type\"; swap-encoder takes ") + kTypes + " encoders");
  const std::string model_type = ej["model_type"].get<std::string>();
  if (model_type != "deberta-v2" && !BertConfig::handles(model_type)) {
    std::string why = "model_type is \"" + model_type + "\"; swap-encoder takes " + kTypes +
                      " encoders, the architectures gtrain implements";
    if (ej.contains("architectures") && ej["architectures"].is_array() && !ej["architectures"].empty())
      why += " (architectures " + ej["architectures"].dump() + ")";
    swap_fail(enc_cfg_path, why);
  }
  EncoderConfig enc_cfg = EncoderConfig::from_json(ej, enc_cfg_path.string());
  r.model_type = model_type;
  r.previous_hidden_size = g2_enc.hidden_size();
  if (enc_cfg.hidden_size() != g2_enc.hidden_size()) {
    if (!reinit_heads)
      swap_fail("hidden_size mismatch: the encoder has hidden_size " + std::to_string(enc_cfg.hidden_size()) + " (" +
                enc_cfg_path.string() + ") but the GLiNER2 heads take hidden_size " +
                std::to_string(g2_enc.hidden_size()) + " (" + g2_enc_path.string() +
                "); pick an encoder of the same width (e.g. a -base encoder for gliner2-base), or pass "
                "--reinit-heads to start the heads afresh at the encoder's width (their pretrained weights are lost)");
    r.heads_reinitialised = true;
  }
  r.hidden_size = enc_cfg.hidden_size();
  r.encoder_layers = enc_cfg.num_hidden_layers();
  r.config_vocab_size = enc_cfg.vocab_size();
  r.init_std = enc_cfg.initializer_range();
  if (ej.contains("_name_or_path") && ej["_name_or_path"].is_string() &&
      !ej["_name_or_path"].get<std::string>().empty())
    r.model_name = ej["_name_or_path"].get<std::string>();
  else
    r.model_name = fs::absolute(enc).lexically_normal().string();

  // ---- tokenizer ---------------------------------------------------------------------------
  std::unique_ptr<Tokenizer> tok;
  try {
    tok = open_tokenizer(enc.string(), /*use_added_tokens_decoder=*/false);  // add_hf_special_tokens reads it
  } catch (const std::exception& e) {
    swap_fail(enc, std::string("cannot open the encoder's tokenizer: ") + e.what());
  }
  for (const auto& name : gliner2_tokenizer_files())
    if (fs::exists(enc / name)) r.tokenizer_files.push_back(name);
  r.tokenizer_kind = tok->kind();
  r.tokenizer_file_vocab = tok->vocab_size();
  add_hf_special_tokens(*tok, enc, r);
  const std::vector<int32_t> g2_ids = tok->add_special_tokens(gliner2_special_tokens());
  for (size_t i = 0; i < g2_ids.size(); ++i)
    r.tokens.push_back({gliner2_special_tokens()[i], g2_ids[i], g2_ids[i] >= r.tokenizer_file_vocab, "GLiNER2"});
  const int64_t n_tok = tok->vocab_size();

  // ---- weights -----------------------------------------------------------------------------
  const fs::path g2_st = g2 / "model.safetensors", enc_st = enc / "model.safetensors";
  std::map<std::string, torch::Tensor> combined;
  {
    std::map<std::string, torch::Tensor> g2w = load_weights(g2, "GLiNER2 checkpoint");
    for (auto& kv : g2w) {
      if (starts_with(kv.first, "encoder.")) {
        ++r.discarded_gliner2_encoder_tensors;
        continue;
      }
      if (r.heads_reinitialised) {
        ++r.discarded_head_tensors;
        continue;
      }
      r.kept.push_back(kv.first);
      r.kept_by_module[kv.first.substr(0, kv.first.find('.'))]++;
      r.kept_parameters += kv.second.numel();
      combined.emplace(kv.first, std::move(kv.second));
    }
  }
  if (r.kept.empty() && !r.heads_reinitialised) swap_fail(g2_st, "holds no head tensors (nothing outside encoder.*)");
  {
    HfEncoderWeights ew;
    try {
      ew = read_hf_encoder_weights(weights_file(enc, "encoder").string());
    } catch (const std::exception& e) {
      swap_fail(e.what());
    }
    r.encoder_prefix = ew.prefix;
    r.encoder_dtype = ew.word_embeddings_dtype;
    r.dropped = ew.dropped;
    r.pooler_initialised = add_missing_pooler(ew.tensors, "", enc_cfg, seed);
    for (auto& kv : ew.tensors) {
      r.replaced.push_back("encoder." + kv.first);
      combined.emplace("encoder." + kv.first, std::move(kv.second));
    }
  }

  // ---- word embeddings: resize to len(tokenizer) --------------------------------------------
  resize_word_embeddings(combined, n_tok, seed, enc_st, r);
  for (const auto& name : r.replaced) r.replaced_parameters += combined.at(name).numel();

  // ---- the new model -----------------------------------------------------------------------
  enc_cfg.set_vocab_size(r.rows);
  cfg.model_name = r.model_name;
  if (r.heads_reinitialised) torch::manual_seed(seed);  // the fresh heads' PyTorch default init
  Extractor model(cfg, enc_cfg);
  LoadStateReport lr;
  try {
    lr = load_state(*model, combined, "", /*strict=*/false);
  } catch (const std::exception& e) {
    swap_fail(std::string(e.what()) + " (heads from " + g2_st.string() + ", encoder from " + enc_st.string() +
         " with config " + enc_cfg_path.string() + ")");
  }
  check_filled(lr, r, cfg, enc_st, enc_cfg_path, g2_st, g2_cfg_path);

  // ---- tokenizer files for the output ------------------------------------------------------
  DirGuard stage;
  fs::path tok_src = enc;
  if (n_tok > r.tokenizer_file_vocab) tok_src = stage_tokenizer_files(enc, *tok, n_tok, stage, r);

  export_gliner2_checkpoint(*model, tok_src.string(), out.string());
  r.out_dir = out.string();
  return r;
}

std::string format_swap_report(const SwapEncoderReport& r) {
  std::ostringstream o;
  const std::string g2_st = (fs::path(r.gliner2_dir) / "model.safetensors").string();
  const std::string enc_st = (fs::path(r.encoder_dir) / "model.safetensors").string();
  o << "swap-encoder: heads of " << r.gliner2_dir << " + encoder of " << r.encoder_dir << " -> " << r.out_dir << "\n";
  if (r.heads_reinitialised) {
    o << "  heads     re-initialised at hidden_size " << r.hidden_size << " (the " << r.discarded_head_tensors
      << " head tensors of " << g2_st << " are " << r.previous_hidden_size << " wide and are discarded; seed " << r.seed
      << "); counting_layer " << r.counting_layer << "\n";
  } else {
    std::vector<std::string> groups;
    for (const auto& kv : r.kept_by_module) groups.push_back(kv.first + " " + std::to_string(kv.second));
    o << "  kept      " << r.kept.size() << " head tensors (" << with_commas(r.kept_parameters)
      << " parameters) unchanged from " << g2_st << ": " << join(groups, ", ", 20) << "; counting_layer "
      << r.counting_layer << ", hidden_size " << r.hidden_size << "\n";
  }
  o << "  replaced  " << r.replaced.size() << " encoder tensors (" << with_commas(r.replaced_parameters)
    << " parameters, " << r.model_type << ", " << r.encoder_layers << " layers) from " << enc_st << " (names '"
    << r.encoder_prefix << "embeddings.*' / '" << r.encoder_prefix << "encoder.*', " << r.encoder_dtype
    << "); the " << r.discarded_gliner2_encoder_tensors << " encoder tensors of " << g2_st << " are discarded\n";
  if (r.pooler_initialised)
    o << "  pooler    " << enc_st << " has none (a pretraining checkpoint); pooler.dense initialised ~ N(0, "
      << r.init_std << "^2), bias 0 (seed " << r.seed << "), as transformers' AutoModel would: GLiNER2's state dict "
      << "has it, its forward never uses it\n";
  if (r.dropped.empty())
    o << "  dropped   nothing (every tensor of " << enc_st << " is part of the encoder)\n";
  else
    o << "  dropped   " << r.dropped.size() << " tensor(s) of " << enc_st
      << " outside the encoder: " << join(r.dropped, ", ", 12) << "\n";
  o << "  tokenizer " << r.tokenizer_kind << " (" << join(r.tokenizer_files, ", ", 10) << "): "
    << r.tokenizer_file_vocab << " tokens in the files, " << r.rows << " with the special tokens\n";
  {
    std::vector<std::string> added, present;
    for (const auto& t : r.tokens) {
      std::string s = t.token + "=" + std::to_string(t.id);
      if (t.source != "GLiNER2") s += " (" + t.source + ")";
      (t.added ? added : present).push_back(s);
    }
    o << "  added     " << added.size() << " token(s): " << (added.empty() ? "none" : join(added, ", ", 30)) << "\n";
    if (!present.empty()) o << "  present   " << join(present, ", ", 30) << " (already in the tokenizer files)\n";
  }
  o << (r.checkpoint_rows == r.rows ? "  embedding" : "  resized  ") << " word embeddings " << r.checkpoint_rows << " -> " << r.rows << " rows";
  if (r.appended_rows > 0) {
    std::ostringstream sd;
    sd << r.init_std;
    o << ": " << r.checkpoint_rows << " rows of the checkpoint kept, " << r.appended_rows << " new rows ~ N(0, "
      << sd.str() << "^2) (seed " << r.seed << ")";
  } else if (r.truncated_rows > 0) {
    o << ": " << r.truncated_rows << " trailing row(s) no token id reaches dropped (resize to len(tokenizer))";
  } else {
    o << " (unchanged)";
  }
  o << "; encoder_config vocab_size " << r.config_vocab_size << " -> " << r.rows << "\n";
  o << "  wrote     " << r.out_dir << ": config.json (model_name \"" << r.model_name
    << "\"), encoder_config/config.json, model.safetensors (F32), tokenizer files"
    << (r.wrote_added_tokens_json ? " + added_tokens.json" : "") << "\n";
  return o.str();
}

}  // namespace gtrain
