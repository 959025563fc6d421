// gtrain export MODEL --out DIR [--dtype fp32|fp16|bf16] [--adapters DIR]: writes a GLiNER2 /
// Hugging Face directory the Python gliner2 library loads (same tensor names, config, tokenizer and
// added tokens), optionally in half precision and with LoRA adapters merged into the weights.
#include <spdlog/spdlog.h>

#include "cli/commands.h"
#include "model/hf_checkpoint.h"
#include "model/lora.h"

namespace gtrain::cli {

void add_export_command(CLI::App& app) {
  struct Args {
    std::string model, out, dtype = "fp32", adapters;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand("export", "write a GLiNER2 / Hugging Face model directory");
  cmd->add_option("model", a->model, "GLiNER2 directory (e.g. a run's best/)")->required();
  cmd->add_option("-o,--out", a->out, "output directory (replaced atomically)")->required();
  cmd->add_option("--dtype", a->dtype, "fp32 | fp16 | bf16 (floating tensors)")->capture_default_str();
  cmd->add_option("--adapters", a->adapters, "LoRA adapter directory (adapter_config.json + adapter_weights.safetensors) to merge");
  cmd->callback([a] {
    Gliner2ExportOptions eo;
    if (a->dtype == "fp32") eo.dtype = torch::kFloat32;
    else if (a->dtype == "fp16") eo.dtype = torch::kFloat16;
    else if (a->dtype == "bf16") eo.dtype = torch::kBFloat16;
    else throw std::runtime_error("--dtype: expected fp32, fp16 or bf16, got '" + a->dtype + "'");
    Gliner2Checkpoint ck = load_gliner2_checkpoint(a->model);
    if (!a->adapters.empty()) {
      LoraConfig lc = load_lora_adapters(*ck.model, a->adapters);
      const int64_t n = merge_lora(*ck.model);
      spdlog::info("merged {} LoRA adapters (r {}, alpha {}) from {}", n, lc.r, lc.alpha, a->adapters);
    }
    export_gliner2_checkpoint(*ck.model, ck.dir, a->out, eo);
  });
}

}  // namespace gtrain::cli
