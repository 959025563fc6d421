// gtrain swap-encoder --model GLINER2_DIR --encoder ENCODER_DIR --out DIR [--seed N] [--reinit-heads]:
// a GLiNER2 checkpoint with its encoder replaced by a Hugging Face encoder (DeBERTa-v2/v3, BERT,
// RoBERTa, ELECTRA, XLM-R), heads kept.
#include <iostream>

#include "cli/commands.h"
#include "model/swap_encoder.h"

namespace gtrain::cli {

void add_swap_encoder_command(CLI::App& app) {
  struct Args {
    std::string model, encoder, out;
    uint64_t seed = 0;
    bool reinit_heads = false;
  };
  auto a = std::make_shared<Args>();
  CLI::App* cmd = app.add_subcommand(
      "swap-encoder", "replace a GLiNER2 checkpoint's encoder with another Hugging Face encoder, keeping the heads");
  cmd->add_option("--model", a->model, "GLiNER2 checkpoint directory (a local folder, e.g. a download of fastino/gliner2-base-v1)")->required();
  cmd->add_option("--encoder", a->encoder,
                  "Hugging Face encoder directory: config.json (model_type deberta-v2, bert, roberta, electra or "
                  "xlm-roberta), model.safetensors, tokenizer files")
      ->required();
  cmd->add_option("--out", a->out, "output GLiNER2 checkpoint directory (written atomically)")->required();
  cmd->add_option("--seed", a->seed, "seed of the N(0, initializer_range^2) rows added to the word embeddings")
      ->capture_default_str();
  cmd->add_flag("--reinit-heads", a->reinit_heads,
                "when the encoder's hidden_size differs from the heads', build the heads afresh at its width "
                "(their pretrained weights are lost)");
  cmd->callback([a] {
    SwapEncoderReport r = swap_encoder(a->model, a->encoder, a->out, a->seed, a->reinit_heads);
    std::cout << format_swap_report(r) << std::flush;
  });
}

}  // namespace gtrain::cli
