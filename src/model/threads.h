// torch's intra-op thread count. LibTorch's default can be 1 on small VMs (it counts physical
// cores), which halves the speed of a 2-vCPU machine; gtrain uses every CPU the process may run
// on unless OMP_NUM_THREADS says otherwise, shared out among the ranks_per_node ranks of a node.
#pragma once
#include <sched.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <thread>

namespace gtrain {

inline int configure_torch_threads(int requested = 0, int ranks_per_node = 1) {
  int n = requested;
  if (n <= 0) {
    if (const char* env = std::getenv("OMP_NUM_THREADS"); env && std::atoi(env) > 0) {
      n = std::atoi(env);
    } else {
      cpu_set_t set;
      n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set)
                                                      : static_cast<int>(std::thread::hardware_concurrency());
      // A launcher that binds each rank to its cores already narrowed the set; one that does
      // not (or oversubscribes) leaves every rank the whole node.
      if (ranks_per_node > 1)
        n = std::max(1, std::min(n, static_cast<int>(std::thread::hardware_concurrency()) / ranks_per_node));
    }
  }
  if (n > 0) torch::set_num_threads(n);
  return torch::get_num_threads();
}

}  // namespace gtrain
