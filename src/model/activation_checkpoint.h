// Activation (gradient) checkpointing: run a block without keeping its intermediate activations
// and run it again during backward to get them back, trading compute (one more forward of the
// block) for memory (only the block's inputs are kept). The encoder uses it per layer
// (model.gradient_checkpointing).
//
// The recomputation replays the first run exactly: the CPU and the inputs' CUDA generator states
// are restored for it (same dropout masks) and autocast is on or off as it was, so gradients
// equal those of the plain forward. Gradients reach the block's parameters through a nested
// backward (as PyTorch's reentrant torch.utils.checkpoint), so gradient hooks fire as usual.
#pragma once
#include <torch/torch.h>

#include <functional>
#include <memory>
#include <vector>

namespace gtrain {

// block(inputs) -> one tensor. `inputs` (one or two; one may be undefined) are the tensors
// gradients flow back to; others the block may capture (masks, positions). Without grad mode it
// is just block(inputs).
using CheckpointBlock = std::function<torch::Tensor(const std::vector<torch::Tensor>&)>;
torch::Tensor checkpointed(const CheckpointBlock& block, const std::vector<torch::Tensor>& inputs);

}  // namespace gtrain
