// The reference benchmark's recorded batches (shared/fixtures/gliner2_bench) replayed as
// Gliner2Batch: shapes, words, schema markers and gold spans as GLiNER2 recorded them, and one
// training step of the toy model runs on them.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "train/replay_batches.h"

using namespace gtrain;

TEST(ReplayBatches, GlinerBenchBatches) {
  const std::string path = std::string(GTRAIN_SOURCE_DIR) + "/../shared/fixtures/gliner2_bench/batches.json";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "fixtures absent: " << path;
  std::vector<Gliner2Batch> batches = load_replay_batches(path);
  nlohmann::json j = nlohmann::json::parse(std::ifstream(path));
  ASSERT_EQ(batches.size(), 12u);  // 2 warm-up + 10 timed
  for (size_t bi = 0; bi < batches.size(); ++bi) {
    const auto& jb = j["batches"][bi];
    const Gliner2Batch& b = batches[bi];
    ASSERT_EQ(b.input_ids.size(0), 8);
    EXPECT_EQ(b.input_ids.size(1), static_cast<int64_t>(jb["input_ids"][0].size()));
    for (size_t r = 0; r < b.examples.size(); ++r) {
      const Gliner2Example& ex = b.examples[r];
      EXPECT_EQ(ex.num_words(), static_cast<int64_t>(jb["text_tokens"][r].size()));
      EXPECT_EQ(ex.num_fields(), 4);  // [P] + four [E]
      EXPECT_EQ(b.attention_mask[static_cast<int64_t>(r)].sum().item<int64_t>(), jb["original_lengths"][r].get<int64_t>());
      // Every position is inside the row's real tokens, words strictly increasing after the schema.
      for (size_t w = 0; w < ex.word_pos.size(); ++w) {
        EXPECT_LT(ex.word_pos[w], jb["original_lengths"][r].get<int64_t>());
        if (w) {
          EXPECT_GT(ex.word_pos[w], ex.word_pos[w - 1]);
        }
      }
      EXPECT_LT(ex.schema_pos.back(), ex.word_pos.front());
      size_t gold = 0, want = 0;
      for (const auto& t : ex.gold_spans) gold += t.size();
      for (const auto& t : jb["structure_labels"][r][0][1][0]) want += t.size();
      EXPECT_EQ(gold, want);
    }
  }
}

TEST(ReplayBatches, BadFileNamesBatchAndField) {
  const std::string p = (std::filesystem::temp_directory_path() / "gtrain-replay-bad.json").string();
  std::ofstream(p) << R"({"batches": [{"input_ids": [[1, 2]], "attention_mask": [[1, 1]], "schema_tokens_list": [[["[P]"], ["[E]"]]], "text_tokens": [["a"]], "mapped_indices": [[]], "structure_labels": [[]]}]})";
  try {
    load_replay_batches(p);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("batch 0, row 0, schema_tokens_list"), std::string::npos) << e.what();
  }
  std::filesystem::remove(p);
}
