// The model a run trains, and the encoder configuration of a from-scratch one.
#include "train/train_model.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "model/hf_checkpoint.h"

namespace fs = std::filesystem;

namespace gtrain {

TrainModel build_train_model(const TrainConfig& cfg, torch::Device device) {
  TrainModel tm;
  std::shared_ptr<Tokenizer>& tok = tm.tok;
  Extractor& model = tm.model;
  std::string& tokenizer_dir = tm.tokenizer_dir;
  if (!cfg.model.source.empty()) {
    Gliner2LoadOptions lo;
    lo.eval = false;
    lo.max_width = cfg.model.max_width;
    if (cfg.model.dropout >= 0) lo.dropout = cfg.model.dropout;
    Gliner2Checkpoint ck = load_gliner2_checkpoint(cfg.model.source, lo);
    tok = ck.tokenizer;
    model = ck.model;
    tokenizer_dir = cfg.model.source;
    spdlog::info("model: {} ({} encoder, {} layers, hidden {})", cfg.model.source, ck.encoder_config.model_type(),
                 ck.encoder_config.num_hidden_layers(), ck.encoder_config.hidden_size());
  } else {
    std::string tpath = cfg.model.tokenizer;
    if (tpath.empty() && cfg.data.prepare) tpath = cfg.data.prepare->tokenizer;
    if (tpath.empty()) throw std::runtime_error("model.tokenizer: required when model.source is empty");
    tok = open_tokenizer(tpath);
    tok->add_special_tokens(gliner2_special_tokens());
    tokenizer_dir = tpath;  // a folder, or the file itself (export copies that file, not its neighbours)
    ExtractorConfig ec;
    ec.model_name = "gtrain-scratch";
    ec.max_width = cfg.model.max_width;
    ec.counting_layer = cfg.model.counting_layer;
    if (cfg.model.dropout >= 0) ec.head_dropout = cfg.model.dropout;
    model = Extractor(ec, scratch_encoder_config(cfg.model.encoder, tok->vocab_size(), tok->pad_id(), cfg.model.dropout));
    model->init_weights();
    spdlog::info("model: from scratch, {} encoder, hidden {} x {} layers, vocab {}", cfg.model.encoder.type,
                 cfg.model.encoder.hidden_size, cfg.model.encoder.num_layers, tok->vocab_size());
  }
  LoraConfig& lora = tm.lora;
  lora.r = cfg.model.lora.r;
  lora.alpha = cfg.model.lora.alpha;
  lora.dropout = cfg.model.lora.dropout;
  lora.target_modules = cfg.model.lora.targets;
  lora.seed = static_cast<int64_t>(cfg.optim.seed);
  if (cfg.model.lora.enabled) {
    auto names = apply_lora(*model, lora);
    spdlog::info("LoRA: {} adapted layers (r {}, alpha {})", names.size(), lora.r, lora.alpha);
  }
  model->encoder->set_gradient_checkpointing(cfg.model.gradient_checkpointing);
  model->to(device);
  model->train();

  return tm;
}

}  // namespace gtrain
