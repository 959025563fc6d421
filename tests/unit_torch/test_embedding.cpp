// model/embedding: torch's embedding gradient (repeated ids summed, none for the padding row),
// written into the buffer release_gradients kept from the step before, zeroed in between.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "model/accumulate_grad.h"
#include "model/embedding.h"

namespace {

torch::Tensor torch_grad(const torch::Tensor& w0, const torch::Tensor& ids, const torch::Tensor& up, int64_t pad) {
  torch::Tensor w = w0.detach().clone().requires_grad_(true);
  (torch::embedding(w, ids, pad) * up).sum().backward();
  return w.grad();
}

}  // namespace

TEST(Embedding, GradientMatchesTorchAndReusesTheKeptBuffer) {
  gtrain::clear_kept_gradients();
  torch::manual_seed(5);
  // 9,000 x 1,000 floats = 36 MB: above the 32 MiB a buffer must have to be kept.
  torch::Tensor w = torch::randn({9000, 1000}).requires_grad_(true);
  std::vector<torch::Tensor> params{w};
  const int64_t pad = 0;
  const void* first_buffer = nullptr;
  for (int step = 0; step < 3; ++step) {
    // Repeated ids and the padding id in every step; different rows each step, so a buffer that
    // was not zeroed in between would carry the last step's rows.
    torch::Tensor ids = torch::randint(1, 9000, {4, 37});
    ids.index_put_({0, 0}, pad);
    ids.index_put_({1, 3}, ids.index({2, 5}).item<int64_t>());
    torch::Tensor up = torch::randn({4, 37, 1000});
    torch::Tensor y = gtrain::embedding(w, ids, pad);
    EXPECT_TRUE(torch::equal(y.detach(), torch::embedding(w.detach(), ids, pad)));
    (y * up).sum().backward();
    const torch::Tensor ref = torch_grad(w, ids, up, pad);
    EXPECT_TRUE(torch::allclose(w.grad(), ref, 1e-6, 1e-6)) << "step " << step;
    EXPECT_EQ(w.grad()[pad].abs().sum().item<double>(), 0.0) << "padding row";
    if (step == 0) first_buffer = w.grad().data_ptr();
    else EXPECT_EQ(w.grad().data_ptr(), first_buffer) << "step " << step << " allocated a new table gradient";
    if (step > 0) EXPECT_EQ(gtrain::kept_gradient_bytes(), 0) << "the backward took the kept buffer";
    gtrain::release_gradients(params);
    EXPECT_FALSE(w.grad().defined());
    EXPECT_EQ(gtrain::kept_gradient_bytes(), 9000 * 1000 * 4);
  }
  gtrain::clear_kept_gradients();
}

TEST(Embedding, SmallOrSharedGradientsAreNotKept) {
  gtrain::clear_kept_gradients();
  torch::Tensor w = torch::randn({100, 8}).requires_grad_(true);  // 3 KB: freed as before
  std::vector<torch::Tensor> params{w};
  gtrain::embedding(w, torch::tensor({{1, 2, 2}}), -1).sum().backward();
  EXPECT_TRUE(torch::allclose(w.grad()[2], torch::full({8}, 2.0)));  // id 2 twice, no padding row
  gtrain::release_gradients(params);
  EXPECT_EQ(gtrain::kept_gradient_bytes(), 0);
  gtrain::embedding(w, torch::tensor({{3}}), -1).sum().backward();
  EXPECT_EQ(w.grad()[2].abs().sum().item<double>(), 0.0);

  // A large gradient someone else still holds is not kept (the next backward must not write into it).
  torch::Tensor big = torch::randn({9000, 1000}).requires_grad_(true);
  std::vector<torch::Tensor> big_params{big};
  gtrain::embedding(big, torch::tensor({{7}}), -1).sum().backward();
  torch::Tensor held = big.grad();
  gtrain::release_gradients(big_params);
  EXPECT_EQ(gtrain::kept_gradient_bytes(), 0);
  gtrain::embedding(big, torch::tensor({{8}}), -1).sum().backward();
  EXPECT_NE(big.grad().data_ptr(), held.data_ptr());
  EXPECT_EQ(held[7].sum().item<double>(), 1000.0);  // untouched
  gtrain::clear_kept_gradients();
}

TEST(Embedding, AccumulatesOverMicroBatchesAndKeepsOnlyItsOwnUnsharedBuffers) {
  gtrain::clear_kept_gradients();
  torch::manual_seed(6);
  torch::Tensor w = torch::randn({9000, 1000}).requires_grad_(true);
  std::vector<torch::Tensor> params{w};
  // Two micro-batches, one release (gradient accumulation): the sum of both gradients.
  const torch::Tensor ids1 = torch::randint(0, 9000, {2, 20}), ids2 = torch::randint(0, 9000, {2, 20});
  const torch::Tensor up1 = torch::randn({2, 20, 1000}), up2 = torch::randn({2, 20, 1000});
  (gtrain::embedding(w, ids1, -1) * up1).sum().backward();
  (gtrain::embedding(w, ids2, -1) * up2).sum().backward();
  EXPECT_TRUE(torch::allclose(w.grad(), torch_grad(w, ids1, up1, -1) + torch_grad(w, ids2, up2, -1), 1e-6, 1e-6));
  gtrain::release_gradients(params);
  EXPECT_EQ(gtrain::kept_gradient_bytes(), 9000 * 1000 * 4);

  // A gradient whose memory another tensor shares (the data-parallel reducer hands out views of
  // its buckets) is not kept: the next backward would write into that memory.
  (gtrain::embedding(w, ids1, -1) * up1).sum().backward();
  const torch::Tensor alias = w.grad().view({-1});
  gtrain::release_gradients(params);
  EXPECT_EQ(gtrain::kept_gradient_bytes(), 0);
  EXPECT_TRUE(torch::allclose(alias.view({9000, 1000}), torch_grad(w, ids1, up1, -1), 1e-6, 1e-6));

  // A large gradient the embedding did not make (another parameter's) is dropped, not kept.
  torch::Tensor other = torch::zeros({9000, 1000}).requires_grad_(true);
  other.mutable_grad() = torch::ones({9000, 1000});
  std::vector<torch::Tensor> others{other};
  gtrain::release_gradients(others);
  EXPECT_FALSE(other.grad().defined());
  EXPECT_EQ(gtrain::kept_gradient_bytes(), 0);
  gtrain::clear_kept_gradients();
}

// Gradient accumulation (model/accumulate_grad.h): later micro-batches add their rows into the
// first one's table gradient (the backward hands autograd no new table, which a hook on the
// weight sees), the padding row still gets none.
TEST(Embedding, LaterMicroBatchesAddIntoTheTableGradient) {
  gtrain::clear_kept_gradients();
  torch::manual_seed(7);
  torch::Tensor w = torch::randn({9000, 1000}).requires_grad_(true);
  const int64_t pad = 3;
  torch::Tensor expected = torch::zeros({9000, 1000});
  std::vector<bool> incoming;  // whether each backward handed autograd a table gradient
  w.register_hook([&](const torch::Tensor& g) { incoming.push_back(g.defined()); });
  for (int micro = 0; micro < 3; ++micro) {
    torch::Tensor ids = torch::randint(0, 9000, {2, 30});
    ids.index_put_({0, 1}, pad);
    ids.index_put_({1, 2}, ids.index({0, 4}).item<int64_t>());  // a repeated id
    const torch::Tensor up = torch::randn({2, 30, 1000});
    {
      gtrain::InPlaceGradAccumulation in_place;
      (gtrain::embedding(w, ids, pad) * up).sum().backward();
    }
    expected += torch_grad(w, ids, up, pad);
  }
  EXPECT_EQ(incoming, (std::vector<bool>{true, false, false})) << "micro-batches 2 and 3 add in place";
  EXPECT_TRUE(torch::allclose(w.grad(), expected, 1e-5, 1e-5));
  EXPECT_EQ(w.grad()[pad].abs().sum().item<double>(), 0.0) << "padding row";
  gtrain::clear_kept_gradients();
}

TEST(Embedding, WithoutAutogradItIsTorchsLookup) {
  torch::Tensor w = torch::randn({50, 4});
  torch::Tensor ids = torch::tensor({{0, 3, 49}});
  EXPECT_TRUE(torch::equal(gtrain::embedding(w, ids, 0), torch::embedding(w, ids, 0)));
  torch::NoGradGuard ng;
  torch::Tensor wg = w.clone().requires_grad_(true);
  EXPECT_FALSE(gtrain::embedding(wg, ids, 0).requires_grad());
}
