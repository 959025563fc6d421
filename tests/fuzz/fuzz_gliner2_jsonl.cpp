// Fuzz target: the GLiNER2 JSONL reader (src/data/gliner2_jsonl_reader.cpp): JSON lines, mention search, nested-mention rule, overlap checks.
// The input is the whole file; see fuzz_reader.h for the checks.
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gtrain_fuzz::fuzz_reader(data, size, &gtrain::read_gliner2_jsonl, "input.jsonl");
}
