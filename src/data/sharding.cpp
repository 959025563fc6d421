// Deterministic sharding and batching (see sharding.h).
#include "data/sharding.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gtrain {

namespace {

uint64_t splitmix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// xoshiro256** seeded from splitmix64.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream, uint64_t epoch) {
    uint64_t sm = seed;
    uint64_t mix = splitmix64(&sm) ^ (stream * 0xD1B54A32D192ED03ULL);
    mix = splitmix64(&mix) ^ (epoch * 0xAEF17502108EF2D9ULL);
    for (auto& x : s_) x = splitmix64(&mix);
  }
  uint64_t next() {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, bound), bound > 0, unbiased (rejection sampling).
  uint64_t below(uint64_t bound) {
    const uint64_t threshold = (0 - bound) % bound;  // 2^64 mod bound
    for (;;) {
      const uint64_t r = next();
      if (r >= threshold) return r % bound;
    }
  }

 private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

enum Stream : uint64_t { kPermStream = 1, kBatchOrderStream = 2 };

template <typename T>
void fisher_yates(std::vector<T>* v, Rng* rng) {
  for (size_t i = v->size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng->below(i));
    std::swap((*v)[i - 1], (*v)[j]);
  }
}

void check_args(int rank, int world, int batch_size) {
  if (world < 1) throw std::invalid_argument("sharding: world size must be >= 1, got " + std::to_string(world));
  if (rank < 0 || rank >= world)
    throw std::invalid_argument("sharding: rank " + std::to_string(rank) + " outside [0, " +
                                std::to_string(world) + ")");
  if (batch_size < 1) throw std::invalid_argument("sharding: batch_size must be >= 1, got " + std::to_string(batch_size));
}

}  // namespace

std::vector<int64_t> epoch_permutation(int64_t n, uint64_t seed, int64_t epoch) {
  if (n < 0) throw std::invalid_argument("epoch_permutation: negative n");
  std::vector<int64_t> p(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) p[static_cast<size_t>(i)] = i;
  Rng rng(seed, kPermStream, static_cast<uint64_t>(epoch));
  fisher_yates(&p, &rng);
  return p;
}

BatchPlan train_batches(const std::vector<int32_t>& lengths, int rank, int world, uint64_t seed,
                        int64_t epoch, int batch_size, int64_t token_budget) {
  check_args(rank, world, batch_size);
  if (token_budget < 0) throw std::invalid_argument("train_batches: negative token_budget");
  BatchPlan plan;
  const int64_t n = static_cast<int64_t>(lengths.size());
  const std::vector<int64_t> perm = epoch_permutation(n, seed, epoch);
  auto len = [&](int64_t i) { return static_cast<int64_t>(std::max<int32_t>(lengths[static_cast<size_t>(i)], 0)); };

  std::vector<std::vector<int64_t>> all;
  const int64_t window = 50 * static_cast<int64_t>(batch_size);
  std::vector<int64_t> w;
  for (int64_t w0 = 0; w0 < n; w0 += window) {
    const int64_t w1 = std::min(n, w0 + window);
    w.assign(perm.begin() + w0, perm.begin() + w1);
    std::stable_sort(w.begin(), w.end(), [&](int64_t a, int64_t b) { return len(a) < len(b); });
    std::vector<int64_t> cur;
    int64_t cur_max = 0;
    for (int64_t i : w) {
      const int64_t l = len(i);
      if (token_budget > 0 && l > token_budget) {
        ++plan.too_long;
        continue;
      }
      const int64_t new_max = std::max(cur_max, l);
      const bool full = static_cast<int64_t>(cur.size()) >= batch_size ||
                        (token_budget > 0 && static_cast<int64_t>(cur.size() + 1) * new_max > token_budget);
      if (!cur.empty() && full) {
        all.push_back(std::move(cur));
        cur.clear();
        cur_max = 0;
      }
      cur.push_back(i);
      cur_max = std::max(cur_max, l);
    }
    if (!cur.empty()) all.push_back(std::move(cur));
  }

  Rng rng(seed, kBatchOrderStream, static_cast<uint64_t>(epoch));
  fisher_yates(&all, &rng);

  plan.global_batches = static_cast<int64_t>(all.size());
  const int64_t per_rank = plan.global_batches / world;
  const int64_t dealt = per_rank * world;
  plan.dropped_examples = plan.too_long;
  for (int64_t b = dealt; b < plan.global_batches; ++b)
    plan.dropped_examples += static_cast<int64_t>(all[static_cast<size_t>(b)].size());
  plan.batches.reserve(static_cast<size_t>(per_rank));
  for (int64_t k = 0; k < per_rank; ++k)
    plan.batches.push_back(std::move(all[static_cast<size_t>(k * world + rank)]));
  return plan;
}

std::vector<int64_t> rank_share(const std::vector<int64_t>& global_batch, int rank, int world) {
  check_args(rank, world, 1);
  std::vector<int64_t> out;
  for (size_t i = static_cast<size_t>(rank); i < global_batch.size(); i += static_cast<size_t>(world))
    out.push_back(global_batch[i]);
  return out;
}

BatchPlan eval_batches(const std::vector<int32_t>& lengths, int rank, int world, int batch_size) {
  check_args(rank, world, batch_size);
  BatchPlan plan;
  const int64_t n = static_cast<int64_t>(lengths.size());
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[static_cast<size_t>(i)] = i;
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return lengths[static_cast<size_t>(a)] < lengths[static_cast<size_t>(b)];
  });
  const int64_t nb = (n + batch_size - 1) / batch_size;
  plan.global_batches = nb;
  for (int64_t b = rank; b < nb; b += world) {
    const int64_t s = b * batch_size, e = std::min(n, s + batch_size);
    plan.batches.emplace_back(order.begin() + s, order.begin() + e);
  }
  return plan;
}

}  // namespace gtrain
