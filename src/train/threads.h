// torch's intra-op thread count. LibTorch's default can be 1 on small VMs (it counts physical
// cores), which halves the speed of a 2-vCPU machine; gtrain uses every CPU the process may run
// on unless OMP_NUM_THREADS says otherwise (set it per rank when several ranks share a node).
#pragma once
#include <sched.h>
#include <torch/torch.h>

#include <cstdlib>
#include <thread>

namespace gtrain {

inline int configure_torch_threads(int requested = 0) {
  int n = requested;
  if (n <= 0) {
    if (const char* env = std::getenv("OMP_NUM_THREADS"); env && std::atoi(env) > 0) {
      n = std::atoi(env);
    } else {
      cpu_set_t set;
      n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                      : static_cast<int>(std::thread::hardware_concurrency());
    }
  }
  if (n > 0) torch::set_num_threads(n);
  return torch::get_num_threads();
}

}  // namespace gtrain
