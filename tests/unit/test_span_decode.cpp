// GLiNER2 entity decoding: the golden predictions of GLiNER2 1.2.3 (batch_extract_entities at 0.5)
// decoded from the fixture's span logits, plus synthetic cases for each rule.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/gliner2_prompt.h"
#include "eval/span_decode.h"
#include "io/safetensors.h"
#include "text/tokenizer.h"
#include "support/fixtures.h"

using gtrain::DecodedEntity;
using gtrain::DecodeOptions;
using gtrain::DecodeText;
using gtrain::SpanScores;
using gtrain::test::fixture_dir;

namespace {

std::vector<float> read_f32(const gtrain::SafetensorsFile& f, const std::string& name,
                            std::vector<int64_t>* shape) {
  const gtrain::TensorInfo* t = f.find(name);
  if (!t) throw std::runtime_error("tensor missing: " + name);
  if (t->dtype != gtrain::DType::F32) throw std::runtime_error("not F32: " + name);
  *shape = t->shape;
  std::vector<float> v(t->numel());
  std::memcpy(v.data(), f.data(*t), t->nbytes());  // no alignment guarantee: copy
  return v;
}

// Decodes every fixture example from ex{i}.span_logits and compares with predictions.results.
void check_fixture_predictions(const std::string& name) {
  const std::string dir = fixture_dir(name);
  if (!std::filesystem::exists(dir + "/fixtures.json")) GTEST_SKIP() << "fixture absent: " << dir;
  nlohmann::json j;
  std::ifstream(dir + "/fixtures.json") >> j;
  const gtrain::SafetensorsFile tensors(dir + "/tensors.safetensors");
  auto tok = gtrain::open_tokenizer(dir);
  const auto labels = j.at("entity_types").get<std::vector<std::string>>();
  const auto prefix = gtrain::build_schema_prefix({gtrain::entity_schema(labels)}, *tok);
  const float threshold = j.at("predictions").at("threshold").get<float>();
  ASSERT_EQ(threshold, 0.5f);
  const auto& results = j.at("predictions").at("results");
  const auto& examples = j.at("examples");
  ASSERT_EQ(results.size(), examples.size());
  size_t total = 0;
  for (size_t i = 0; i < examples.size(); ++i) {
    SCOPED_TRACE(name + " example " + std::to_string(i));
    const auto& ex = examples[i];
    // Word offsets from our own input builder (checked against the fixture in the prompt tests).
    const auto in = gtrain::build_gliner2_input(ex.at("text").get<std::string>(), prefix, *tok);
    ASSERT_EQ(in.word_char_start, ex.at("word_char_start").get<std::vector<int32_t>>());
    std::vector<int64_t> shape;
    const std::vector<float> logits = read_f32(tensors, "ex" + std::to_string(i) + ".span_logits", &shape);
    ASSERT_EQ(shape, (std::vector<int64_t>{4, in.num_words(), 8}));
    const auto count_logits = ex.at("count_logits").get<std::vector<float>>();
    const int32_t pred_count = gtrain::argmax(count_logits.data(), static_cast<int32_t>(count_logits.size()));
    EXPECT_EQ(pred_count, ex.at("pred_count").get<int32_t>());
    ASSERT_GT(pred_count, 0);

    const SpanScores scores{logits.data(), 4, in.num_words(), 8, true};
    const DecodeText text{&in.normalized_text, &in.word_char_start, &in.word_char_end};
    DecodeOptions opt;
    opt.threshold = threshold;
    const std::vector<DecodedEntity> got = gtrain::decode_entities(scores, text, labels, opt, pred_count);

    std::vector<nlohmann::json> want;
    for (const std::string& label : labels)
      for (const auto& e : results[i].at("entities").at(label)) {
        nlohmann::json w = e;
        w["label"] = label;
        want.push_back(w);
      }
    ASSERT_EQ(got.size(), want.size());
    total += got.size();
    for (size_t k = 0; k < got.size(); ++k) {
      SCOPED_TRACE("entity " + std::to_string(k));
      EXPECT_EQ(got[k].label, want[k].at("label").get<std::string>());
      EXPECT_EQ(got[k].text, want[k].at("text").get<std::string>());
      EXPECT_EQ(got[k].start, want[k].at("start").get<int32_t>());
      EXPECT_EQ(got[k].end, want[k].at("end").get<int32_t>());
      EXPECT_NEAR(got[k].score, want[k].at("confidence").get<double>(), 1e-5);
      EXPECT_GE(got[k].score, threshold);
    }
    // The count gate: the same scores with pred_count 0 give nothing.
    EXPECT_TRUE(gtrain::decode_entities(scores, text, labels, opt, 0).empty());
    // A sweep reproduces single-threshold decoding at each threshold, 0.5 included.
    const std::vector<float> ts = {0.9f, 0.1f, 0.5f, 0.3f, 0.7f};
    const auto sweep = gtrain::decode_entities_sweep(scores, text, labels, ts, pred_count);
    ASSERT_EQ(sweep.size(), ts.size());
    for (size_t t = 0; t < ts.size(); ++t) {
      DecodeOptions o;
      o.threshold = ts[t];
      const auto one = gtrain::decode_entities(scores, text, labels, o, pred_count);
      ASSERT_EQ(sweep[t].size(), one.size()) << ts[t];
      for (size_t k = 0; k < one.size(); ++k) {
        EXPECT_EQ(sweep[t][k].text, one[k].text);
        EXPECT_EQ(sweep[t][k].label, one[k].label);
        EXPECT_EQ(sweep[t][k].start, one[k].start);
        EXPECT_EQ(sweep[t][k].end, one[k].end);
        EXPECT_EQ(sweep[t][k].score, one[k].score);
      }
    }
    EXPECT_EQ(sweep[2].size(), got.size());
  }
  EXPECT_GE(total, 8u);  // the fixtures hold 8 (count_lstm) and 13 (v2) predictions
}

// Probabilities [types][words][width] for a synthetic text, all zero unless set.
struct Synthetic {
  std::string text;
  std::vector<int32_t> starts, ends;
  int32_t types = 1, width = 3;
  std::vector<float> probs;
  Synthetic(std::string t, std::vector<int32_t> s, std::vector<int32_t> e, int32_t ty, int32_t w)
      : text(std::move(t)), starts(std::move(s)), ends(std::move(e)), types(ty), width(w),
        probs(static_cast<size_t>(ty) * starts.size() * w, 0.0f) {}
  void set(int32_t type, int32_t start, int32_t w, float p) {
    probs[(static_cast<size_t>(type) * starts.size() + start) * width + w] = p;
  }
  std::vector<DecodedEntity> decode(const std::vector<std::string>& labels, float threshold = 0.5f,
                                    std::vector<float> per_type = {}) const {
    SpanScores s{probs.data(), types, static_cast<int32_t>(starts.size()), width, false};
    DecodeOptions o;
    o.threshold = threshold;
    o.type_thresholds = std::move(per_type);
    return gtrain::decode_entities(s, DecodeText{&text, &starts, &ends}, labels, o, 1);
  }
};

// "apple pie apple ." : words at [0,5) [6,9) [10,15) [16,17)
Synthetic apple_text(int32_t types = 1) {
  return Synthetic("Apple pie apple .", {0, 6, 10, 16}, {5, 9, 15, 17}, types, 3);
}

}  // namespace

TEST(SpanDecode, FixturePredictionsCountLstm) { check_fixture_predictions("gliner2_tiny"); }
TEST(SpanDecode, FixturePredictionsCountLstmV2) { check_fixture_predictions("gliner2_tiny_v2"); }

TEST(SpanDecode, GreedyNonOverlapByDescendingScore) {
  Synthetic s = apple_text();
  s.set(0, 0, 1, 0.9f);  // "Apple pie"
  s.set(0, 1, 0, 0.8f);  // "pie": overlaps the first, dropped
  s.set(0, 2, 0, 0.7f);  // "apple": no overlap, and its text differs from "apple pie"
  const auto got = s.decode({"food"});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, "Apple pie");
  EXPECT_EQ(got[0].start, 0);
  EXPECT_EQ(got[0].end, 9);
  EXPECT_EQ(got[0].start_word, 0);
  EXPECT_EQ(got[0].end_word, 1);
  EXPECT_FLOAT_EQ(got[0].score, 0.9f);
  EXPECT_EQ(got[1].text, "apple");
  EXPECT_EQ(got[1].start, 10);
}

TEST(SpanDecode, TiesKeepRowMajorOrder) {
  Synthetic s = apple_text();
  s.set(0, 1, 1, 0.6f);  // "pie apple", row-major first
  s.set(0, 2, 0, 0.6f);  // "apple": same score, overlaps -> dropped (stable sort)
  s.set(0, 0, 0, 0.6f);  // "Apple": row-major before both -> kept first
  const auto got = s.decode({"x"});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].text, "Apple");
  EXPECT_EQ(got[1].text, "pie apple");
}

TEST(SpanDecode, DedupeIsCaseInsensitivePerType) {
  Synthetic s = apple_text(2);
  s.set(0, 0, 0, 0.9f);  // "Apple"
  s.set(0, 2, 0, 0.95f); // "apple": higher, kept; "Apple" is then a duplicate
  s.set(1, 0, 0, 0.6f);  // other type: may overlap and repeat text
  const auto got = s.decode({"a", "b"});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].label, "a");
  EXPECT_EQ(got[0].text, "apple");
  EXPECT_EQ(got[0].start, 10);
  EXPECT_EQ(got[1].label, "b");
  EXPECT_EQ(got[1].label_index, 1);
  EXPECT_EQ(got[1].text, "Apple");
}

TEST(SpanDecode, ThresholdIsInclusiveAndPerTypeOverrides) {
  Synthetic s = apple_text(2);
  s.set(0, 0, 0, 0.5f);
  s.set(1, 1, 0, 0.5f);
  s.set(1, 2, 0, 0.8f);
  EXPECT_EQ(s.decode({"a", "b"}, 0.5f).size(), 3u);              // >= threshold
  EXPECT_EQ(s.decode({"a", "b"}, 0.50001f).size(), 1u);
  // Per type: 0.9 for type 1 drops both of its spans; -1 (none given) falls back to the global
  // threshold, as GLiNER2's `is not None` does.
  const auto got = s.decode({"a", "b"}, 0.5f, {-1.0f, 0.9f});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].label, "a");
  EXPECT_EQ(s.decode({"a", "b"}, 0.5f, {std::nanf(""), 0.9f}).size(), 1u);
  // 0 is a threshold of its own: type 0's zero-scored spans pass too (GLiNER2 honours 0).
  EXPECT_GT(s.decode({"a", "b"}, 0.5f, {0.0f, 0.9f}).size(), 1u);
  EXPECT_THROW(s.decode({"a", "b"}, 0.5f, {0.5f}), std::invalid_argument);
}

TEST(SpanDecode, SpansPastTheTextAreDropped) {
  Synthetic s = apple_text();
  s.set(0, 3, 1, 0.99f);  // start 3 + width 1 = word 4: past the 4 words
  s.set(0, 2, 2, 0.98f);  // words 2..4: past
  s.set(0, 2, 1, 0.97f);  // words 2..3: fine
  const auto got = s.decode({"x"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "apple .");
  EXPECT_EQ(got[0].end_word, 3);
}

TEST(SpanDecode, StripsWhitespaceButKeepsOffsets) {
  // Word offsets that include spaces (another splitter could produce them): the text is stripped,
  // start/end stay what the map says, and an all-space span is dropped.
  Synthetic s(" ab  ", {0, 3}, {3, 5}, 1, 1);
  s.set(0, 0, 0, 0.9f);
  s.set(0, 1, 0, 0.8f);
  const auto got = s.decode({"x"});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "ab");
  EXPECT_EQ(got[0].start, 0);
  EXPECT_EQ(got[0].end, 3);
}

TEST(SpanDecode, PrefixRowsBeforeTheTextAreSkipped) {
  // 2 prefix rows (classification choices) + 2 text words: only the last 2 rows are text.
  const std::string text = "ab cd.";
  const std::vector<int32_t> st = {0, 3}, en = {2, 5};
  std::vector<float> p(4 * 1, 0.0f);  // [1 type][4 rows][1 width]
  p[0] = 0.99f;                       // prefix row: ignored
  p[3] = 0.7f;                        // text word 1
  const SpanScores s{p.data(), 1, 4, 1, false};
  const auto got = gtrain::decode_entities(s, DecodeText{&text, &st, &en}, {"x"}, DecodeOptions{});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].text, "cd");
  EXPECT_EQ(got[0].start_word, 1);
}

TEST(SpanDecode, LogitsGoThroughSigmoid) {
  const std::string text = "ab cd.";
  const std::vector<int32_t> st = {0, 3}, en = {2, 5};
  const std::vector<float> logits = {0.0f, -0.1f};  // sigmoid: 0.5 (kept), 0.475 (dropped)
  const SpanScores s{logits.data(), 1, 2, 1, true};
  const auto got = gtrain::decode_entities(s, DecodeText{&text, &st, &en}, {"x"}, DecodeOptions{});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].score, 0.5f);
  EXPECT_NEAR(gtrain::sigmoid(2.0f), 0.880797f, 1e-6);
}

TEST(SpanDecode, ArgmaxTakesFirstMaximum) {
  const std::vector<float> v = {0.1f, 0.7f, 0.7f, 0.2f};
  EXPECT_EQ(gtrain::argmax(v.data(), 4), 1);
  EXPECT_EQ(gtrain::argmax(v.data(), 0), -1);
}

TEST(SpanDecode, BadInputsAreErrors) {
  const std::string text = "ab";
  const std::vector<int32_t> st = {0}, en = {3};  // past the 2 code points
  const std::vector<float> p = {0.9f};
  const SpanScores s{p.data(), 1, 1, 1, false};
  EXPECT_THROW(gtrain::decode_entities(s, DecodeText{&text, &st, &en}, {"x"}, DecodeOptions{}),
               std::invalid_argument);
  const std::vector<int32_t> ok_end = {2};
  EXPECT_THROW(gtrain::decode_entities(s, DecodeText{&text, &st, &ok_end}, {"x", "y"}, DecodeOptions{}),
               std::invalid_argument);  // 2 labels, 1 type
  const std::vector<int32_t> st2 = {0, 1}, en2 = {1, 2};  // 2 words, scores for 1
  EXPECT_THROW(gtrain::decode_entities(s, DecodeText{&text, &st2, &en2}, {"x"}, DecodeOptions{}),
               std::invalid_argument);
}

// Offset-level evaluation keeps every occurrence of a repeated mention; GLiNER2 keeps the first.
TEST(SpanDecodeDedupe, RepeatedMentionKeptWithoutTextDedupe) {
  const std::string text = "aspirin then aspirin";
  const std::vector<int32_t> ws = {0, 8, 13}, we = {7, 12, 20};
  // one type, 3 words, width 1: words 0 and 2 score high
  std::vector<float> probs(3 * 1, 0.0f);
  probs[0] = 0.9f;
  probs[2] = 0.8f;
  gtrain::SpanScores sc{probs.data(), 1, 3, 1, false};
  gtrain::DecodeText dt{&text, &ws, &we};
  gtrain::DecodeOptions o;
  o.threshold = 0.5f;
  auto gliner = gtrain::decode_entities(sc, dt, {"Drug"}, o);
  ASSERT_EQ(gliner.size(), 1u);
  EXPECT_EQ(gliner[0].start, 0);
  o.dedupe_text = false;
  auto all = gtrain::decode_entities(sc, dt, {"Drug"}, o);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].start, 13);
  auto sweep = gtrain::decode_entities_sweep(sc, dt, {"Drug"}, {0.5f, 0.85f}, 1, false);
  EXPECT_EQ(sweep[0].size(), 2u);
  EXPECT_EQ(sweep[1].size(), 1u);
}
