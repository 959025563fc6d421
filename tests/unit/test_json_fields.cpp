// JsonFields (src/io/json_fields.cpp): typed config.json reads.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "io/json_fields.h"

using gtrain::JsonFields;

TEST(JsonFields, IntegersAndWholeFloats) {
  const nlohmann::json j = nlohmann::json::parse(R"({"a": 12, "b": 12.0, "c": -3.0, "n": null})");
  const JsonFields f(j, "test config", "<json>");
  EXPECT_EQ(f.get_int("a", 0), 12);
  EXPECT_EQ(f.get_int("b", 0), 12);
  EXPECT_EQ(f.get_int("c", 0), -3);
  EXPECT_EQ(f.get_int("n", 7), 7);
  EXPECT_EQ(f.get_int("missing", 5), 5);
}

// A float outside int64_t (or 12.5) is an error naming the field, not a cast out of range
// (undefined behaviour, reported by the sanitizer build).
TEST(JsonFields, FloatsThatAreNotInt64AreErrors) {
  nlohmann::json j;
  j["half"] = 12.5;
  j["huge"] = 1e300;
  j["neg_huge"] = -1e300;
  j["two63"] = 9223372036854775808.0;
  j["inf"] = std::numeric_limits<double>::infinity();  // not from parse, but from code building the json
  const JsonFields f(j, "test config", "<json>");
  for (const char* k : {"half", "huge", "neg_huge", "two63", "inf"}) {
    try {
      f.get_int(k, 0);
      ADD_FAILURE() << k << " accepted";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("field '") + k + "'"), std::string::npos) << e.what();
    }
  }
  j["min"] = -9223372036854775808.0;
  EXPECT_EQ(JsonFields(j, "test config", "<json>").get_int("min", 0), std::numeric_limits<int64_t>::min());
}
