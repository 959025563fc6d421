// gtrain predict's schema (infer/predictor.h prediction_schema): the named labels in the model's
// training order (new ones after them, in the order named), the model's training descriptions unless --description replaces one, and the errors that name
// the flag.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "infer/predictor.h"

namespace gtrain {
namespace {

PredictorInfo trained() {
  PredictorInfo i;
  i.labels = {"Disease", "Drug", "Gene"};
  i.descriptions = {"질병 이름", "", "유전자"};
  return i;
}

std::string error_of(const std::vector<std::string>& names, const std::vector<std::string>& descriptions,
                     const PredictorInfo& info = trained()) {
  try {
    prediction_schema(info, names, descriptions);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "no error";
}

TEST(PredictionSchema, NamedLabelsTakeTheTrainingOrderAndDescriptions) {
  // The prompt's label order is the one the model was trained with, however --labels orders them:
  // a model trained on one order predicts worse on another (tests/cli/predict_matches_eval.sh).
  const auto s = prediction_schema(trained(), {"Symptom", "Gene", "Organ", "Disease"}, {"Symptom=증상"});
  ASSERT_EQ(s.size(), 4u);
  EXPECT_EQ(s[0].name, "Disease");
  EXPECT_EQ(s[0].description, "질병 이름");
  EXPECT_EQ(s[1].name, "Gene");
  EXPECT_EQ(s[1].description, "유전자");
  EXPECT_EQ(s[2].name, "Symptom");  // labels the model was not trained on follow, in the order named
  EXPECT_EQ(s[2].description, "증상");
  EXPECT_EQ(s[3].name, "Organ");
  EXPECT_EQ(s[3].description, "");
  // None named: the training labels; a description replaces the stored one (text after the first '=').
  const auto all = prediction_schema(trained(), {}, {"Drug=약물 = 성분"});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "Disease");
  EXPECT_EQ(all[1].name, "Drug");
  EXPECT_EQ(all[1].description, "약물 = 성분");
  EXPECT_EQ(all[2].description, "유전자");
  // A model that stores no labels (a GLiNER2 checkpoint): the order named.
  const auto bare = prediction_schema(PredictorInfo{}, {"Drug", "Disease"}, {});
  ASSERT_EQ(bare.size(), 2u);
  EXPECT_EQ(bare[0].name, "Drug");
  EXPECT_EQ(bare[1].name, "Disease");
}

TEST(PredictionSchema, ErrorsNameTheFlag) {
  EXPECT_NE(error_of({"Disease", "Disease"}, {}).find("--labels: 'Disease' is named twice"), std::string::npos);
  EXPECT_NE(error_of({}, {"Drug"}).find("--description 'Drug': expected LABEL=text"), std::string::npos);
  EXPECT_NE(error_of({"Drug"}, {"Gene=x"}).find("--description: label 'Gene' is not in --labels"), std::string::npos);
  EXPECT_NE(error_of({}, {}, PredictorInfo{}).find("--labels: the model stores no labels"), std::string::npos);
}

}  // namespace
}  // namespace gtrain
