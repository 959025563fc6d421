// UTF-8 decoding with validation; offsets elsewhere in gtrain are Unicode code points.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace gtrain::utf8 {

// Decodes s into code points. On invalid UTF-8 returns false and sets *bad_byte to the offending
// byte offset.
bool decode(const std::string& s, std::vector<char32_t>* out, size_t* bad_byte = nullptr);

// True when s is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool valid(const std::string& s, size_t* bad_byte = nullptr);

void append(std::string* out, char32_t cp);
std::string encode(const std::vector<char32_t>& cps, size_t begin, size_t end);

// byte_offsets[i] = byte offset of code point i; byte_offsets[n] = s.size(). Requires valid UTF-8.
std::vector<int32_t> byte_offsets(const std::string& s);

// Number of code points in valid UTF-8.
size_t length(const std::string& s);

}  // namespace gtrain::utf8
