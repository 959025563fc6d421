// Proves the protobuf trap is handled: this binary links libtorch (protobuf 3.21) and still loads
// SentencePiece (Debian's, carrying protobuf 3.14) through the libgtrain_spm.so shim, encodes and
// trains without crashing.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <torch/torch.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "text/sentencepiece_tokenizer.h"

namespace {

const std::string kKoBert =
    std::string(GTRAIN_SOURCE_DIR) + "/../shared/data/kobert-sentencepiece/tokenizer_78b3253a26.model";

TEST(SpmWithTorch, TensorThenTokenizerEncode) {
  // Touch libtorch first so its protobuf and static initializers are live.
  torch::Tensor x = torch::arange(12, torch::kFloat32).reshape({3, 4});
  EXPECT_FLOAT_EQ(x.sum().item<float>(), 66.0f);
  std::cerr << "torch tensor ok: " << x.sizes() << "\n";  // iostreams in use in this process

  if (::access(kKoBert.c_str(), R_OK) != 0)
    GTEST_SKIP() << "KoBERT SentencePiece model absent: " << kKoBert;
  gtrain::SentencePieceTokenizer tok(kKoBert);
  std::vector<int32_t> ids;
  for (const std::string w : {"당뇨병", "환자에게", "인슐린을", "투여한다"})
    for (const auto& p : tok.encode_word(w)) ids.push_back(p.id);
  EXPECT_EQ(ids, (std::vector<int32_t>{364, 6964, 402, 2457, 147, 492, 7494, 370, 5, 1062, 137,
                                       158}));
  // Use the ids in torch too.
  torch::Tensor t = torch::tensor(std::vector<int64_t>(ids.begin(), ids.end()));
  EXPECT_EQ(t.numel(), 12);
  EXPECT_EQ(t[0].item<int64_t>(), 364);
}

TEST(SpmWithTorch, TrainInsideTorchProcess) {
  torch::Tensor y = torch::ones({2, 2});
  EXPECT_FLOAT_EQ(y.sum().item<float>(), 4.0f);
  char dir_tmpl[] = "/tmp/gtrain_spm_torch_XXXXXX";
  ASSERT_NE(::mkdtemp(dir_tmpl), nullptr);
  const std::string dir = dir_tmpl;
  {
    std::ofstream out(dir + "/c.txt");
    const char* words[] = {"당뇨병을", "고혈압이", "환자에게", "인슐린을", "투여한다", "처방하였다",
                           "검사를", "시행하였다", "폐렴이", "호전되었다"};
    for (int i = 0; i < 300; ++i)
      out << words[i % 10] << ' ' << words[(i * 7 + 3) % 10] << ' ' << words[(i * 3 + 1) % 10]
          << "\n";
  }
  gtrain::train_sentencepiece(dir + "/c.txt", dir + "/m", 40, "unigram", 1.0);
  gtrain::SentencePieceTokenizer tok(dir + "/m.model");
  EXPECT_EQ(tok.vocab_size(), 40);
  EXPECT_FALSE(tok.encode_word("당뇨병을").empty());
  for (const char* f : {"/c.txt", "/m.model", "/m.vocab"}) ::unlink((dir + f).c_str());
  ::rmdir(dir.c_str());
}

}  // namespace
