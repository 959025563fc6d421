// Unicode character classes that must match Python 3.11 (GLiNER2's regex word splitter) and
// Hugging Face's BERT normalizer / pre-tokenizer. Tables come from scripts/gen_unicode_tables.py.
#pragma once

namespace gtrain {

// Python 3.11 re `\w` on str: str.isalnum() (categories L*, N* and other numerics) or '_'.
// Combining marks (Mn/Mc) are NOT word characters.
bool is_word_char(char32_t c);

// Python str.isspace(), the same set as re `\s` on str (includes U+001C..U+001F, U+0085, U+00A0).
bool is_space(char32_t c);

// str.lower() where it yields exactly one code point; otherwise c unchanged (e.g. U+0130 'İ',
// whose lower case is two code points). Keeps text length, so offsets survive lower-casing.
char32_t to_lower(char32_t c);

// Hangul syllables (U+AC00..U+D7A3) and the jamo blocks (U+1100..U+11FF, U+3130..U+318F,
// U+A960..U+A97F, U+D7B0..U+D7FF).
bool is_hangul(char32_t c);

// BERT's punctuation: ASCII 33-47, 58-64, 91-96, 123-126, or any Unicode P* category.
bool is_punct(char32_t c);

// HF BertNormalizer's control characters (removed by clean_text): category C* except \t \n \r.
bool is_control(char32_t c);

// Category Mn (non-spacing marks), which accent stripping removes.
bool is_nonspacing_mark(char32_t c);

// The base letter of a precomposed character (NFD minus Mn marks) when that is one code point,
// else c unchanged. Hangul syllables are never decomposed.
char32_t strip_accent(char32_t c);

// BERT's "Chinese character" blocks (CJK ideographs), which handle_chinese_chars isolates.
bool is_cjk_ideograph(char32_t c);

}  // namespace gtrain
