#include "dist/param_sync.h"

#include <stdexcept>
#include <string>

#include "io/crc32c.h"

namespace gtrain::dist {

void broadcast_tensors(const std::vector<torch::Tensor>& tensors, Communicator& comm, int root) {
  torch::NoGradGuard ng;
  for (const torch::Tensor& t : tensors) {
    if (t.is_contiguous()) {
      comm.broadcast(t, root);
    } else {  // broadcast a contiguous copy, then write it back
      torch::Tensor c = t.contiguous();
      comm.broadcast(c, root);
      t.copy_(c);
    }
  }
}

uint32_t tensors_checksum(const std::vector<torch::Tensor>& tensors) {
  uint32_t crc = 0;
  for (const torch::Tensor& t : tensors) {
    torch::Tensor c = t.detach().to(torch::kCPU).contiguous();
    crc = crc32c_extend(crc, c.data_ptr(), c.nbytes());
  }
  return crc;
}

void check_same_on_all_ranks(const std::vector<torch::Tensor>& tensors, Group& group, const char* what) {
  if (!group.distributed()) return;
  const std::vector<std::string> all = group.allgather(std::to_string(tensors_checksum(tensors)), what);
  std::string differ;
  for (size_t r = 1; r < all.size(); ++r)
    if (all[r] != all[0]) differ += (differ.empty() ? "" : ", ") + std::to_string(r);
  if (!differ.empty())
    throw std::runtime_error(std::string(what) + ": rank(s) " + differ + " hold different values than rank 0 (checksum " +
                             all[0] + ")");
}

}  // namespace gtrain::dist
