// Deterministic sharding: disjoint shards, full coverage, equal batch counts, token budget.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <set>

#include "data/sharding.h"

using namespace gtrain;

namespace {

std::vector<int32_t> make_lengths(int64_t n) {
  std::vector<int32_t> v;
  uint64_t x = 12345;
  for (int64_t i = 0; i < n; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    v.push_back(static_cast<int32_t>(1 + (x >> 33) % 300));
  }
  return v;
}

}  // namespace

TEST(Sharding, EpochPermutationIsDeterministicPermutation) {
  for (int64_t n : {0, 1, 2, 10, 1000}) {
    auto p = epoch_permutation(n, 42, 0);
    ASSERT_EQ(static_cast<int64_t>(p.size()), n);
    std::vector<int64_t> s = p;
    std::sort(s.begin(), s.end());
    for (int64_t i = 0; i < n; ++i) EXPECT_EQ(s[i], i);
    EXPECT_EQ(p, epoch_permutation(n, 42, 0));
  }
  EXPECT_NE(epoch_permutation(1000, 42, 0), epoch_permutation(1000, 42, 1));
  EXPECT_NE(epoch_permutation(1000, 42, 0), epoch_permutation(1000, 43, 0));
  // Pinned values: the permutation must not depend on the standard library.
  EXPECT_EQ(epoch_permutation(10, 7, 3), (std::vector<int64_t>{6, 0, 7, 5, 2, 1, 3, 4, 8, 9}));
}

TEST(Sharding, TrainBatchesAcrossWorldSizes) {
  for (int64_t n : {0, 1, 7, 100, 1001, 5000}) {
    const auto lengths = make_lengths(n);
    for (int world : {1, 2, 3, 4, 8}) {
      for (int64_t budget : {int64_t{0}, int64_t{2000}}) {
        SCOPED_TRACE("n=" + std::to_string(n) + " world=" + std::to_string(world) +
                     " budget=" + std::to_string(budget));
        const int bs = 16;
        std::vector<int64_t> seen;
        size_t nbatches = 0;
        int64_t dropped = -1;
        std::vector<BatchPlan> plans;
        for (int r = 0; r < world; ++r) {
          BatchPlan p = train_batches(lengths, r, world, 1234, 5, bs, budget);
          if (r == 0) {
            nbatches = p.batches.size();
            dropped = p.dropped_examples;
          }
          EXPECT_EQ(p.batches.size(), nbatches) << "rank " << r;
          EXPECT_EQ(p.dropped_examples, dropped);
          EXPECT_EQ(p.global_batches, plans.empty() ? p.global_batches : plans[0].global_batches);
          EXPECT_LT(p.global_batches - static_cast<int64_t>(nbatches) * world, world);
          for (const auto& b : p.batches) {
            EXPECT_FALSE(b.empty());
            EXPECT_LE(static_cast<int>(b.size()), bs);
            int32_t mx = 0;
            for (int64_t i : b) mx = std::max(mx, lengths[i]);
            if (budget > 0) {
              EXPECT_LE(static_cast<int64_t>(b.size()) * mx, budget);
            }
            seen.insert(seen.end(), b.begin(), b.end());
          }
          // Determinism: same (seed, epoch) gives the same plan.
          EXPECT_EQ(train_batches(lengths, r, world, 1234, 5, bs, budget).batches, p.batches);
          plans.push_back(std::move(p));
        }
        // Disjoint, and union = all minus dropped.
        std::set<int64_t> uniq(seen.begin(), seen.end());
        EXPECT_EQ(uniq.size(), seen.size());
        EXPECT_EQ(static_cast<int64_t>(seen.size()) + dropped, n);
        for (int64_t i : seen) EXPECT_TRUE(i >= 0 && i < n);
        if (world == 1) {
          EXPECT_EQ(dropped, 0);  // lengths <= 300, so the budget never forces a drop
        } else {
          EXPECT_LT(dropped, static_cast<int64_t>(world) * bs);
        }
      }
    }
  }
}

TEST(Sharding, TrainBatchesDifferAcrossEpochsAndAreLengthBucketed) {
  const auto lengths = make_lengths(3000);
  auto a = train_batches(lengths, 0, 2, 9, 0, 32, 0);
  auto b = train_batches(lengths, 0, 2, 9, 1, 32, 0);
  EXPECT_NE(a.batches, b.batches);
  // Bucketing: average in-batch length spread is far below the global spread.
  double spread = 0;
  for (const auto& batch : a.batches) {
    int32_t lo = 1 << 30, hi = 0;
    for (int64_t i : batch) lo = std::min(lo, lengths[i]), hi = std::max(hi, lengths[i]);
    spread += hi - lo;
  }
  spread /= static_cast<double>(a.batches.size());
  EXPECT_LT(spread, 60.0);
}

TEST(Sharding, TokenBudgetDropsOnlyTooLongExamples) {
  std::vector<int32_t> lengths = {10, 500, 20, 30, 40, 1000, 5};
  BatchPlan p = train_batches(lengths, 0, 1, 1, 0, 4, 60);
  EXPECT_EQ(p.too_long, 2);
  EXPECT_EQ(p.dropped_examples, 2);
  std::set<int64_t> seen;
  for (const auto& b : p.batches) {
    int32_t mx = 0;
    for (int64_t i : b) mx = std::max(mx, lengths[i]), seen.insert(i);
    EXPECT_LE(static_cast<int64_t>(b.size()) * mx, 60);
  }
  EXPECT_EQ(seen, (std::set<int64_t>{0, 2, 3, 4, 6}));
}

TEST(Sharding, BadArguments) {
  std::vector<int32_t> l = {1, 2, 3};
  EXPECT_THROW(train_batches(l, 0, 0, 1, 0, 4, 0), std::invalid_argument);
  EXPECT_THROW(train_batches(l, 2, 2, 1, 0, 4, 0), std::invalid_argument);
  EXPECT_THROW(train_batches(l, 0, 1, 1, 0, 0, 0), std::invalid_argument);
  EXPECT_THROW(eval_batches(l, -1, 2, 4), std::invalid_argument);
}

TEST(Sharding, EvalEveryExampleExactlyOnce) {
  for (int64_t n : {0, 1, 5, 100, 1003}) {
    const auto lengths = make_lengths(n);
    for (int world : {1, 2, 3, 4, 8}) {
      SCOPED_TRACE("n=" + std::to_string(n) + " world=" + std::to_string(world));
      std::vector<int64_t> seen;
      for (int r = 0; r < world; ++r) {
        BatchPlan p = eval_batches(lengths, r, world, 16);
        EXPECT_EQ(p.dropped_examples, 0);
        EXPECT_EQ(eval_batches(lengths, r, world, 16).batches, p.batches);
        for (const auto& b : p.batches) {
          EXPECT_FALSE(b.empty());
          EXPECT_LE(b.size(), 16u);
          EXPECT_TRUE(std::is_sorted(b.begin(), b.end(), [&](int64_t x, int64_t y) {
            return lengths[x] < lengths[y];
          }));
          seen.insert(seen.end(), b.begin(), b.end());
        }
      }
      std::sort(seen.begin(), seen.end());
      std::vector<int64_t> all(static_cast<size_t>(n));
      std::iota(all.begin(), all.end(), 0);
      EXPECT_EQ(seen, all);
    }
  }
}

// Data-parallel shares: every example of a global batch goes to exactly one rank, in the
// round-robin pattern; small batches leave some ranks empty; bad ranks are refused.
TEST(Sharding, RankSharesPartitionAGlobalBatch) {
  const std::vector<int64_t> batch = {10, 11, 12, 13, 14, 15, 16, 17};
  for (int world : {1, 2, 3, 5, 8, 9}) {
    std::vector<int64_t> all;
    size_t largest = 0, smallest = batch.size();
    for (int r = 0; r < world; ++r) {
      std::vector<int64_t> s = rank_share(batch, r, world);
      for (size_t i = 0; i < s.size(); ++i) EXPECT_EQ(s[i], batch[static_cast<size_t>(r) + i * world]);
      largest = std::max(largest, s.size());
      smallest = std::min(smallest, s.size());
      all.insert(all.end(), s.begin(), s.end());
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(all, batch) << "world " << world;
    EXPECT_LE(largest - smallest, 1u) << "world " << world;
  }
  EXPECT_EQ(rank_share(batch, 0, 1), batch);
  EXPECT_TRUE(rank_share({1, 2}, 2, 3).empty());
  EXPECT_THROW(rank_share(batch, 3, 3), std::invalid_argument);
}
