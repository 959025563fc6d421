// gtrain export MODEL --out DIR [--dtype fp32|fp16|bf16] [--adapters DIR]: writes a GLiNER2 /
// Hugging Face directory the Python gliner2 library loads (same tensor names, config, tokenizer and
// added tokens), optionally in half precision and with LoRA adapters merged into the weights.
#include "cli/commands.h"
#include "model/export_model.h"

namespace gtrain::cli {

void add_export_command(CLI::App& app) {
  auto a = std::make_shared<ExportRequest>();
  CLI::App* cmd = app.add_subcommand("export", "write a GLiNER2 / Hugging Face model directory");
  cmd->add_option("model", a->model_dir, "GLiNER2 directory (e.g. a run's best/)")->required();
  cmd->add_option("-o,--out", a->out_dir, "output directory (replaced atomically)")->required();
  cmd->add_option("--dtype", a->dtype, "fp32 | fp16 | bf16 (floating tensors)")->capture_default_str();
  cmd->add_option("--adapters", a->adapters_dir, "LoRA adapter directory (adapter_config.json + adapter_weights.safetensors) to merge");
  cmd->callback([a] { export_model(*a); });
}

}  // namespace gtrain::cli
