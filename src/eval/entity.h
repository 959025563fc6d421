// A predicted entity with its offsets: what decoding produces, window merging combines, metrics
// score against the gold entities (data/example.h) and predict writes out. The one such type.
#pragma once
#include <cstdint>
#include <string>

namespace gtrain {

struct DecodedEntity {
  std::string text;        // stripped surface text from the normalised text (informational)
  std::string label;
  int32_t label_index = 0;
  int32_t start = 0;       // code points into the normalised text, end exclusive
  int32_t end = 0;
  int32_t start_word = 0;  // text word span, inclusive
  int32_t end_word = 0;
  float score = 0.0f;      // probability (sigmoid of the logit)
};

}  // namespace gtrain
