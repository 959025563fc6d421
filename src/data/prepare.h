// `gtrain prepare`: raw annotated inputs -> tokenized, unit-aligned HDF5 files, one per split.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "data/example.h"
#include "data/reader.h"
#include "data/units.h"

namespace gtrain {

struct PrepareInput {
  std::string path;
  std::string format;       // "" = guess from the file
  std::string name;         // source name; "" = file name
  float weight = 1.0f;      // loss weight of its examples
  bool silver = false;      // tag: gold | silver
  std::string split;        // "" = assigned by the random split below
};

// A command line's "PATH[:FORMAT]" (gtrain prepare -i, bench prepare -i): the text after the last
// colon is the format when it is non-empty and holds no '/' (so "runs:2/a.jsonl" stays a path).
PrepareInput input_from_spec(const std::string& spec);

struct PrepareConfig {
  std::vector<PrepareInput> inputs;
  std::string tokenizer;                   // spm .model, tokenizer.json, vocab.txt or a directory
  UnitMode unit_mode = UnitMode::Morph;
  int max_length = 384;                    // text tokens per example (the schema prompt comes on top)
  std::string overflow = "window";         // window | truncate
  int window_stride = 16;                  // units shared by consecutive windows
  int max_span_width = 8;                  // in units
  std::vector<SchemaLabel> labels;         // empty = every label found in the data
  double dev_fraction = 0.0;               // random split of inputs that name no split
  double test_fraction = 0.0;
  uint64_t split_seed = 42;
  std::string output_dir;
  OnError on_error = OnError::Fail;
  UnmatchedPolicy unmatched = UnmatchedPolicy::Drop;  // GLiNER2 mentions not found in their text
  MentionMatchOptions matching;                        // how GLiNER2 mentions are located
  bool memo_words = true;                  // remember each word's pieces (off only to benchmark)
  bool add_gliner2_tokens = true;          // add GLiNER2's ten special tokens to the tokenizer
};

struct SplitReport {
  std::string split;
  std::string path;
  int64_t examples = 0;       // raw examples in this split
  int64_t rows = 0;           // rows written (windows)
  int64_t windowed = 0;       // examples longer than max_length
  int64_t truncated_entities = 0;  // entities lost to truncation or window cuts
  int64_t entities = 0;
  int64_t spans = 0;          // entities represented as unit spans
  int64_t unaligned = 0;      // entity boundary inside a unit
  int64_t too_wide = 0;       // more units than max_span_width
  int64_t nested = 0;         // entities inside another entity (kept: spans are scored independently)
  int64_t crossing = 0;       // entities partly overlapping another (kept)
  int64_t same_span = 0;      // entities whose span carries another label too (kept)
  int64_t tokens = 0;
  int64_t units = 0;
};

struct PrepareReport {
  std::vector<SplitReport> splits;
  int64_t rejects = 0;            // whole records rejected
  int64_t dropped_mentions = 0;   // GLiNER2 mentions dropped (unmatched_mentions), listed in rejects.jsonl too
  std::string rejects_path;
  MentionReport mentions;         // GLiNER2 inputs: how their mentions were located
  std::vector<std::string> formats;  // per input: "gliner2 (guessed)" / "offsets"
  int64_t trimmed_entities = 0;  // entities with surrounding spaces trimmed
  double seconds = 0;
  int64_t examples = 0;
};

PrepareReport prepare(const PrepareConfig& cfg);

// In an output folder that training prepared from an inline section: the cache key it was
// prepared for (config/prepared_data.cpp). prepare() removes it before publishing other splits.
inline constexpr const char* kPrepareKeyFile = "prepare_key.txt";

}  // namespace gtrain
