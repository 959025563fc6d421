// What a call throws, for tests that go on to check the error's file, line, field or wording.
#pragma once
#include <exception>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "io/input_error.h"

namespace gtrain::test {

// The InputError f() throws. When it throws none, a test failure saying "expected InputError
// <doing>" (e.g. "reading data/x.jsonl") and a placeholder error.
template <typename F>
InputError input_error_of(const std::string& doing, F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const InputError& e) {
    return e;
  }
  ADD_FAILURE() << "expected InputError " << doing;
  return InputError("", -1, "", "none");
}

// The message of the E that f() throws; "" when it throws none (the caller's checks then fail).
template <typename E = std::exception, typename F>
std::string error_text_of(F&& f) {
  try {
    std::forward<F>(f)();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

}  // namespace gtrain::test
