#include "model/export_model.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

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
  }
  export_gliner2_checkpoint(*ck.model, ck.dir, r.out_dir, eo);
}

}  // namespace gtrain
