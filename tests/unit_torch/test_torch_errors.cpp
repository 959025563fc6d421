// Issue 12: torch errors reach the user as one message naming what gtrain was doing, no C++ stack.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/error_message.h"
#include "model/torch_errors.h"

using namespace gtrain;

TEST(TorchErrors, ContextAndNoStack) {
  const std::vector<int64_t> rows = {3, 17};
  try {
    with_torch_context([&] { return "evaluating " + describe_rows(rows, "dev.h5"); },
                       [&] {
                         // index_select past the end: what a corrupt token id used to surface as.
                         torch::Tensor t = torch::zeros({4, 2});
                         return t.index_select(0, torch::tensor({7}, torch::kLong));
                       });
    FAIL() << "expected an error";
  } catch (const c10::Error&) {
    FAIL() << "the torch error escaped without context";
  } catch (const std::runtime_error& e) {
    const std::string m = e.what();
    EXPECT_EQ(m.rfind("evaluating rows 3, 17 of dev.h5: ", 0), 0u) << m;
    EXPECT_NE(m.find("out of range"), std::string::npos) << m;
    EXPECT_EQ(m.find("frame #"), std::string::npos) << m;
    EXPECT_EQ(m.find("Exception raised from"), std::string::npos) << m;
  }
}

TEST(TorchErrors, CommandBoundaryMessage) {
  try {
    torch::zeros({2}).view({3});
    FAIL() << "expected an error";
  } catch (const std::exception& e) {
    const std::string m = error_message(e);
    EXPECT_EQ(m.rfind("torch: ", 0), 0u) << m;
    EXPECT_EQ(m.find("frame #"), std::string::npos) << m;
    EXPECT_EQ(m.find("Exception raised from"), std::string::npos) << m;
  }
  std::runtime_error plain("plain");
  EXPECT_EQ(error_message(plain), "plain");
}

TEST(TorchErrors, DescribeRowsCapsTheList) {
  std::vector<int64_t> many(20);
  for (int i = 0; i < 20; ++i) many[static_cast<size_t>(i)] = i;
  EXPECT_EQ(describe_rows(many, "t.h5"), "rows 0, 1, 2, 3, 4, 5, 6, 7, ... (20 rows) of t.h5");
  EXPECT_EQ(describe_rows({5}, "t.h5"), "row 5 of t.h5");
}
