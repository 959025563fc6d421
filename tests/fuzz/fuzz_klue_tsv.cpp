// Fuzz target: the KLUE-NER TSV reader (src/data/klue_tsv_reader.cpp): '## id' lines, per-character tags, comments.
// The input is the whole file; see fuzz_reader.h for the checks.
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gtrain_fuzz::fuzz_reader(data, size, &gtrain::read_klue_tsv, "input.tsv");
}
