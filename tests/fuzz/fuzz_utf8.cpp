// Fuzz target: UTF-8 validation and decoding (src/text/utf8.cpp), which every reader runs on every
// line. Properties: decode succeeds exactly when valid() does, at the same bad byte; a decoded
// string encodes back to the same bytes; length() and byte_offsets() agree with the decoding.
// Then GLiNER2's word splitter (src/text/word_splitter.cpp) on the decoded text: words in order,
// not overlapping, non-empty, inside the text, with no whitespace in them; and the Unicode class
// functions (src/text/unicode_class.cpp) on every code point.
#include "fuzz_common.h"
#include "text/unicode_class.h"
#include "text/utf8.h"
#include "text/word_splitter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  std::vector<char32_t> cps;
  size_t bad_decode = 0, bad_valid = 0;
  const bool ok = gtrain::utf8::decode(s, &cps, &bad_decode);
  fuzz_check(gtrain::utf8::valid(s, &bad_valid) == ok);
  if (!ok) {
    fuzz_check(bad_decode == bad_valid && bad_decode < size);
    // Everything before the bad byte is valid.
    fuzz_check(gtrain::utf8::valid(s.substr(0, bad_decode)));
    return 0;
  }
  fuzz_check(gtrain::utf8::encode(cps, 0, cps.size()) == s);
  fuzz_check(gtrain::utf8::length(s) == cps.size());
  const std::vector<int32_t> off = gtrain::utf8::byte_offsets(s);
  fuzz_check(off.size() == cps.size() + 1 && off.back() == static_cast<int32_t>(size));
  for (size_t i = 0; i < cps.size(); ++i) {
    fuzz_check(off[i] < off[i + 1]);
    std::string one;
    gtrain::utf8::append(&one, cps[i]);
    fuzz_check(s.compare(off[i], off[i + 1] - off[i], one) == 0);
    const char32_t c = cps[i];
    (void)gtrain::is_word_char(c);
    (void)gtrain::is_space(c);
    (void)gtrain::is_punct(c);
    (void)gtrain::is_control(c);
    (void)gtrain::is_nonspacing_mark(c);
    (void)gtrain::is_cjk_ideograph(c);
    (void)gtrain::is_hangul(c);
    const char32_t low = gtrain::to_lower(c), base = gtrain::strip_accent(c);
    fuzz_check(low <= 0x10FFFF && base <= 0x10FFFF);
  }
  int32_t prev_end = 0;
  for (const gtrain::WordSpan& w : gtrain::split_words(cps)) {
    fuzz_check(prev_end <= w.start && w.start < w.end && w.end <= static_cast<int32_t>(cps.size()));
    for (int32_t k = w.start; k < w.end; ++k) fuzz_check(!gtrain::is_space(cps[k]));
    prev_end = w.end;
  }
  return 0;
}
