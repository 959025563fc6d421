// Fuzz target: the CoNLL reader (src/data/conll_reader.cpp): token/tag columns, -DOCSTART-, BIO/IOBES decoding.
// The input is the whole file; see fuzz_reader.h for the checks.
#include "fuzz_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return gtrain_fuzz::fuzz_reader(data, size, &gtrain::read_conll, "input.conll");
}
