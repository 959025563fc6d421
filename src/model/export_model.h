// `gtrain export`: a GLiNER2 directory written out in the layout the Python gliner2 library loads,
// optionally with LoRA adapters merged and floating tensors in half precision. A LibTorch-free
// interface so that the CLI compiles without it.
#pragma once
#include <string>

namespace gtrain {

struct ExportRequest {
  std::string model_dir;     // GLiNER2 directory (e.g. a run's best/)
  std::string out_dir;       // replaced atomically
  std::string dtype = "fp32";  // fp32 | fp16 | bf16
  std::string adapters_dir;  // LoRA adapters to merge first; empty = none
};

void export_model(const ExportRequest& r);

}  // namespace gtrain
