// The one internal representation every reader produces and every later stage consumes.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gtrain {

// Character offsets are Unicode code points into Example::text, end exclusive.
struct Entity {
  int64_t start = 0;
  int64_t end = 0;
  std::string label;
  bool operator==(const Entity& o) const { return start == o.start && end == o.end && label == o.label; }
};

struct SchemaLabel {
  std::string name;
  std::string description;  // empty = none
};

struct Example {
  std::string text;                   // UTF-8
  std::vector<Entity> entities;       // sorted by (start, end)
  std::vector<SchemaLabel> schema;    // labels this example is annotated for (negatives included)
  std::string source;                 // input name (file stem or configured name)
  float weight = 1.0f;                // per-example loss weight (silver < gold)
  std::string origin;                 // "file:line" for messages
};

}  // namespace gtrain
