// Fuzz target: the KBMC TSV reader (src/data/kbmc_reader.cpp): sentence<TAB>tags lines, token/tag counts, header line.
// The input is the whole file; see fuzz_reader.h for the checks.
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gtrain_fuzz::fuzz_reader(data, size, &gtrain::read_kbmc_tsv, "input.tsv");
}
