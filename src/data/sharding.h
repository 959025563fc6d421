// Deterministic data sharding and length-bucketed batching.
//
// Every rank computes the same global plan from (lengths, seed, epoch) and keeps its own share,
// so no communication is needed. All randomness comes from our own PRNG (splitmix64-seeded
// xoshiro256**) and an explicit Fisher-Yates shuffle, so plans are identical across compilers,
// standard libraries and machines.
#pragma once
#include <cstdint>
#include <vector>

namespace gtrain {

// A random permutation of [0, n), deterministic in (seed, epoch) and different across epochs.
std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch);

struct BatchPlan {
  std::vector<std::vector<int64_t>> batches;  // this rank's batches, in the order to run them
  // Examples of the epoch that no rank sees: the remainder batches that cannot be dealt evenly
  // across ranks (train) plus examples longer than the token budget on their own (counted in
  // too_long as well). Identical on every rank.
  int64_t dropped_examples = 0;
  int64_t too_long = 0;
  int64_t global_batches = 0;  // batches of the whole epoch before dealing (all ranks)
};

// Training batches for `rank` of `world` in `epoch`:
//   1. permute all examples (epoch_permutation(n, seed, epoch));
//   2. take windows of 50 * batch_size examples, stable-sort each window by length;
//   3. cut each window into batches of at most batch_size examples and, when token_budget > 0,
//      at most token_budget padded tokens (batch size * longest length in the batch); an example
//      longer than token_budget by itself is dropped (too_long);
//   4. shuffle the batch order (deterministic in seed, epoch);
//   5. deal the batches round-robin: rank r gets global batches r, r + W, r + 2W, ...; the last
//      (global_batches mod W) batches are dropped so every rank gets the same number of batches.
// With world == 1 nothing is dropped except too_long examples.
// `lengths` is whatever the caller wants counted against the budget (e.g. text token counts).
// Throws std::invalid_argument for world < 1, rank outside [0, world), batch_size < 1, or
// negative token_budget.
BatchPlan train_batches(const std::vector<int32_t>& lengths, int rank, int world, uint64_t seed,
                        int64_t epoch, int batch_size, int64_t token_budget /*0 = off*/);

// This rank's share of one global batch (data-parallel training): the examples at positions
// rank, rank + W, rank + 2W, ... Dealing round-robin keeps the shares' length mixes alike (a batch
// is length-sorted). With world == 1 the batch itself. A share may be empty (a global batch
// smaller than the world): that rank still takes part in the gradient all-reduce, with zeros.
// The trainer cuts global batches of batch_size * world examples (token_budget * world tokens)
// with global_train_batches (below) and hands each rank its share, so W ranks of batch B see the
// same examples per step as one process of batch W * B.
std::vector<int64_t> rank_share(const std::vector<int64_t>& global_batch, int rank, int world);

// That epoch's global batches for `world` ranks of batch_size (and token_budget) each: the
// trainer's micro-batches, and what the planner counts of them.
inline BatchPlan global_train_batches(const std::vector<int32_t>& lengths, uint64_t seed, int64_t epoch, int batch_size,
                                      int64_t token_budget, int world) {
  return train_batches(lengths, 0, 1, seed, epoch, batch_size * world, token_budget * world);
}

// Evaluation batches: all examples sorted by length (ties by index), cut into batches of
// batch_size, dealt round-robin (rank r gets batches r, r + W, ...). Every example appears
// exactly once over all ranks, without padding duplicates, so ranks may get different numbers
// of batches (and 0 when there are fewer batches than ranks): evaluation must gather the
// per-rank results (predictions / counts) rather than assume equal shares, and collective
// operations must not be issued per batch. dropped_examples is always 0.
BatchPlan eval_batches(const std::vector<int32_t>& lengths, int rank, int world, int batch_size);

}  // namespace gtrain
