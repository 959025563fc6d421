// main() of the multi-rank GoogleTest binary: MPI up before the tests, down after; run it under
// `mpirun -np N` (ctest does). Every rank runs every test; mpirun's exit code is non-zero when any
// rank fails. Rank > 0 prints only failures.
#include <gtest/gtest.h>

#include "dist/group.h"

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  gtrain::dist::Group& world = gtrain::dist::init_world(&argc, &argv, 120);
  if (world.rank() > 0) {
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
    struct FailurePrinter : testing::EmptyTestEventListener {
      int rank;
      explicit FailurePrinter(int r) : rank(r) {}
      void OnTestPartResult(const testing::TestPartResult& r) override {
        if (r.failed()) std::printf("[rank %d] FAILED %s:%d\n%s\n", rank, r.file_name(), r.line_number(), r.summary());
      }
    };
    listeners.Append(new FailurePrinter(world.rank()));
  }
  const int rc = RUN_ALL_TESTS();
  gtrain::dist::finalize_world();
  return rc;
}
