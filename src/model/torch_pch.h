// Precompiled header of the torch targets: LibTorch's umbrella header is most of their build time.
#pragma once
#include <torch/torch.h>
