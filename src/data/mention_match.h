// Locating a listed mention string in its text (GLiNER2 JSONL gives mentions, not offsets).
//
// Steps, in order; the first that finds the mention at least once gives all its occurrences
// (non-overlapping, left to right, in code points of the original text):
//   1. exact          the mention verbatim;
//   2. case           both lower-cased (Python str.lower where it is one code point), as GLiNER2's
//                     own case-insensitive check does; on unless case_insensitive is off;
//   3. normalized     both put in Unicode NFC or NFKC (unicode: nfc | nfkc) and/or with every
//                     whitespace run read as one space (whitespace: true), then lower-cased when
//                     case_insensitive; off unless one of those options is set. An occurrence
//                     maps back to the original characters it came from (so "당뇨  병" in the text
//                     is found for the mention "당뇨 병", and NFD jamo for an NFC syllable).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gtrain {

enum class UnicodeForm { None, NFC, NFKC };
UnicodeForm parse_unicode_form(const std::string& name);  // "none" | "nfc" | "nfkc"; else throws std::invalid_argument
std::string unicode_form_name(UnicodeForm f);

struct MentionMatchOptions {
  bool case_insensitive = true;
  UnicodeForm unicode = UnicodeForm::None;
  bool whitespace = false;
};

enum class MatchStep { Exact = 0, Case = 1, Normalized = 2, NotFound = 3 };

// One text, searched for many mentions; the folded and normalized copies are built once.
class MentionLocator {
 public:
  MentionLocator(const std::vector<char32_t>& text, const MentionMatchOptions& opt);
  // Fills *out with [start, end) occurrences; returns the step that found them (NotFound: none).
  MatchStep find(const std::vector<char32_t>& mention, std::vector<std::pair<int64_t, int64_t>>* out) const;

 private:
  const std::vector<char32_t>& text_;
  MentionMatchOptions opt_;
  std::vector<char32_t> lower_;                 // step 2
  std::vector<char32_t> norm_;                  // step 3
  std::vector<int64_t> norm_begin_, norm_end_;  // norm_[i] came from text_[norm_begin_[i], norm_end_[i])
  bool normalizing() const { return opt_.unicode != UnicodeForm::None || opt_.whitespace; }
};

// The step-3 form of a string: what both text and mention go through. begin/end (optional) map
// each output character to the input characters it came from.
std::vector<char32_t> normalize_for_matching(const std::vector<char32_t>& s, const MentionMatchOptions& opt,
                                             std::vector<int64_t>* begin = nullptr,
                                             std::vector<int64_t>* end = nullptr);

}  // namespace gtrain
