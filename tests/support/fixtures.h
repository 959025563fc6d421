// The shared test fixtures (../shared/fixtures beside the checkout; the tests that need one skip
// when it is absent): where each lives, and the encoder families hf_encoders/ holds.
#pragma once
#include <string>

#include <gtest/gtest.h>

namespace gtrain::test {

// ../shared/fixtures/<name>, from the source tree.
inline std::string fixture_dir(const std::string& name) {
  return std::string(GTRAIN_SOURCE_DIR) + "/../shared/fixtures/" + name;
}

// hf_encoders/<family>: the families a parameterised test runs over, one test each.
inline auto hf_encoder_families() { return ::testing::Values("bert", "roberta", "electra", "xlm-roberta"); }

// A family's test name: "xlm-roberta" -> "xlm_roberta" (gtest names take no '-').
inline std::string family_test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string n = info.param;
  for (auto& c : n)
    if (c == '-') c = '_';
  return n;
}

}  // namespace gtrain::test
