#include "model/export_model.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <stdexcept>

#include "io/json_fields.h"

#include "model/hf_checkpoint.h"
#include "model/lora.h"

namespace gtrain {

void export_model(const ExportRequest& r) {
  Gliner2ExportOptions eo;
  if (r.dtype == "fp32") eo.dtype = torch::kFloat32;
  else if (r.dtype == "fp16") eo.dtype = torch::kFloat16;
  else if (r.dtype == "bf16") eo.dtype = torch::kBFloat16;
  else throw std::runtime_error("--dtype: expected fp32, fp16 or bf16, got '" + r.dtype + "'");
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
