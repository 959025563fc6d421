#include "model/export_model.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <stdexcept>

#include "io/json_fields.h"
#include "io/sha256.h"

#include "model/hf_checkpoint.h"
#include "model/lora.h"

namespace gtrain {

namespace {

// Adapters merge into any base of the right shapes; into another than theirs they give a model
// that was never trained (its gtrain.json's score would be the trained one's). A trainer's adapter
// folder names its base (kLoraBaseFile); GLiNER2's do not, and are merged as given.
void check_adapters_base(const std::string& adapters_dir, const std::string& model_dir) {
  const std::filesystem::path info = std::filesystem::path(adapters_dir) / kLoraBaseFile;
  if (!std::filesystem::exists(info)) return;
  const nlohmann::json base = read_json_file(info.string(), kLoraBaseFile);
  const std::string want = base.value("model_safetensors_sha256", "");
  const std::filesystem::path weights = std::filesystem::path(model_dir) / "model.safetensors";
  if (want.empty() || !std::filesystem::exists(weights)) return;
  const std::string got = sha256_file_hex(weights.string());
  if (got != want)
    throw std::runtime_error("--adapters " + adapters_dir + " were trained on " + base.value("path", "?") +
                             " (model.safetensors sha256 " + want.substr(0, 12) + "...), and " + weights.string() +
                             " is another model (sha256 " + got.substr(0, 12) +
                             "...): merged, they give a model that was never trained; export the base they were "
                             "trained on");
}

}  // namespace

void export_model(const ExportRequest& r) {
  Gliner2ExportOptions eo;
  if (r.dtype == "fp32") eo.dtype = torch::kFloat32;
  else if (r.dtype == "fp16") eo.dtype = torch::kFloat16;
  else if (r.dtype == "bf16") eo.dtype = torch::kBFloat16;
  else throw std::runtime_error("--dtype: expected fp32, fp16 or bf16, got '" + r.dtype + "'");
  if (!r.adapters_dir.empty()) check_adapters_base(r.adapters_dir, r.model_dir);
  Gliner2Checkpoint ck = load_gliner2_checkpoint(r.model_dir);
  if (!r.adapters_dir.empty()) {
    LoraConfig lc = load_lora_adapters(*ck.model, r.adapters_dir);
    const int64_t n = merge_lora(*ck.model);
    spdlog::info("merged {} LoRA adapters (r {}, alpha {}) from {}", n, lc.r, lc.alpha, r.adapters_dir);
    // A run's best_adapters/ holds the gtrain.json of the model it trained (units, threshold,
    // labels): the merged model is that model, not the base.
    const std::filesystem::path info = std::filesystem::path(r.adapters_dir) / "gtrain.json";
    if (std::filesystem::exists(info)) eo.gtrain_json = read_json_file(info.string(), "gtrain.json").dump(2) + "\n";
  }
  export_gliner2_checkpoint(*ck.model, ck.dir, r.out_dir, eo);
}

}  // namespace gtrain
