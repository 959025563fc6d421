// The trainer's and evaluator's batches (infer/batch_builder.h): a row's labels are prompted in the
// label vocabulary's order, whatever order the row lists them in, so that training, evaluation and
// `gtrain predict` (which prompts in the model's label order) all show the model one order.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "data/units.h"
#include "data/windows.h"
#include "infer/batch_builder.h"
#include "text/sentencepiece_tokenizer.h"
#include "text/tokenizer.h"
#include "text/utf8.h"

namespace gtrain {
namespace {

namespace fs = std::filesystem;

TEST(BatchBuilder, RowLabelsArePromptedInVocabularyOrder) {
  const fs::path dir = fs::temp_directory_path() / ("gtrain-batch-builder-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  train_sentencepiece(std::string(GTRAIN_SOURCE_DIR) + "/data/ko-medical/raw.txt", (dir / "spm").string(), 400,
                      "unigram", 0.9995, false);
  SentencePieceTokenizer tok((dir / "spm.model").string());
  tok.add_special_tokens(gliner2_special_tokens());
  fs::remove_all(dir);

  std::vector<char32_t> cps;
  ASSERT_TRUE(utf8::decode("당뇨병 환자에게 메트포르민을 투여하였다", &cps));
  const Units u = make_units(cps, UnitMode::Word, &tok);
  PreparedExample row = window_row(u, cps, 0, static_cast<int32_t>(u.size()), 128);
  row.spans = {UnitSpan{0, 0, 0}, UnitSpan{2, 2, 2}};  // label 0 on the first word, label 2 on the third

  BatchBuilder builder(tok, {"Disease", "Symptom", "Drug"}, {"질병", "", "약물"}, true);
  PreparedExample listed = row, sorted = row;
  listed.schema_labels = {2, 0};  // as a GLiNER2 JSONL file prepared before 2026-12-07 could hold it
  sorted.schema_labels = {0, 2};
  std::vector<std::vector<int32_t>> types;
  const Gliner2Batch a = builder.build({listed}, nullptr, &types);
  const Gliner2Batch b = builder.build({sorted});
  EXPECT_TRUE(torch::equal(a.input_ids, b.input_ids));
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0], (std::vector<int32_t>{0, 2}));
  ASSERT_EQ(a.examples[0].gold_spans.size(), 2u);  // per prompted label, in prompt order
  EXPECT_EQ(a.examples[0].gold_spans[0], (std::vector<std::pair<int64_t, int64_t>>{{0, 0}}));
  EXPECT_EQ(a.examples[0].gold_spans[1], (std::vector<std::pair<int64_t, int64_t>>{{2, 2}}));
  EXPECT_EQ(a.examples[0].schema_pos, b.examples[0].schema_pos);
  // And the order matters to the prompt: the two labels the other way round are other tokens.
  BatchBuilder reversed(tok, {"Drug", "Symptom", "Disease"}, {"약물", "", "질병"}, true);
  EXPECT_FALSE(torch::equal(reversed.build({sorted}).input_ids, b.input_ids));
}

}  // namespace
}  // namespace gtrain
