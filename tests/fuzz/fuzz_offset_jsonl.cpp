// Fuzz target: the offset JSONL reader (src/data/offset_jsonl_reader.cpp): JSON lines with code-point offsets, labels, descriptions.
// The input is the whole file; see fuzz_reader.h for the checks.
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gtrain_fuzz::fuzz_reader(data, size, &gtrain::read_offset_jsonl, "input.jsonl");
}
