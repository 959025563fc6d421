// Fuzz target: the safetensors reader (src/io/safetensors.cpp): the 8-byte header length, the JSON
// header (dtypes, shapes, data_offsets, __metadata__), the overflow and overlap checks. The input is
// the whole file. Every tensor the reader accepts must lie inside the file with exactly
// numel * dtype_size bytes; its first and last bytes are read (outside the mapping would crash),
// and the writer's header code is run over the accepted tensors.
#include <cstring>
#include <stdexcept>

#include "fuzz_common.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = gtrain_fuzz::write_input(data, size, "input.safetensors");
  try {
    gtrain::SafetensorsFile f(path);
    fuzz_check(f.file_size() == size);
    fuzz_check(8 + f.header_size() <= size);
    const uint64_t data_size = size - 8 - f.header_size();
    std::vector<gtrain::TensorView> views;
    unsigned sum = 0;
    for (const gtrain::TensorInfo& t : f.tensors()) {
      fuzz_check(t.begin <= t.end && t.end <= data_size);
      fuzz_check(t.numel() * gtrain::dtype_size(t.dtype) == t.nbytes());
      fuzz_check(f.find(t.name) == &t);
      const auto* p = static_cast<const uint8_t*>(f.data(t));
      if (t.nbytes()) {
        sum += p[0];
        sum += p[t.nbytes() - 1];
        fuzz_check(std::memcmp(p, data + 8 + f.header_size() + t.begin, t.nbytes()) == 0);
      }
      views.push_back(gtrain::TensorView{t.name, t.dtype, t.shape, p});
    }
    (void)sum;
    try {
      std::vector<size_t> order;
      const std::string header = gtrain::safetensors_header(views, f.metadata(), &order);
      fuzz_check(header.size() % 8 == 0);
      fuzz_check(order.size() == views.size());
    } catch (const std::runtime_error& e) {
      gtrain_fuzz::note_exception("safetensors_header", e);
    }
  } catch (const std::runtime_error&) {
  } catch (const std::exception& e) {
    gtrain_fuzz::note_exception("SafetensorsFile", e);
  }
  return 0;
}
