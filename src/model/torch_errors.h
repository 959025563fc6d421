// Torch errors at gtrain's boundaries: c10::Error::what() carries a C++ stack; users get torch's
// message and what gtrain was doing (which file, which rows), never a raw stack.
#pragma once
#include <c10/util/Exception.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace gtrain {

// Torch's message without the backtrace, trimmed to its first 4 lines.
std::string torch_message(const c10::Error& e);

// "rows 3, 17, 42 of data/train.h5" (at most 8 listed).
std::string describe_rows(const std::vector<int64_t>& rows, const std::string& file);

// Runs f(); a c10::Error becomes std::runtime_error("<where()>: <torch's message>"). `where` is
// only called on failure, so the hot path builds no strings.
template <class F, class W>
decltype(auto) with_torch_context(W&& where, F&& f) {
  try {
    return f();
  } catch (const c10::Error& e) {
    throw std::runtime_error(where() + ": " + torch_message(e));
  }
}

}  // namespace gtrain
