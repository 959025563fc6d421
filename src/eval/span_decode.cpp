#include "eval/span_decode.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "text/unicode_class.h"
#include "text/utf8.h"

namespace gtrain {

namespace {

struct Candidate {
  int32_t start_word = 0;
  int32_t end_word = 0;
  int32_t start = 0;  // chars, unstripped (what GLiNER2 reports and compares for overlap)
  int32_t end = 0;
  float score = 0.0f;
  std::string text;   // stripped
  std::string lower;  // dedupe key
};

// Validated view of one example's inputs.
struct Prepared {
  std::vector<char32_t> cps;
  int32_t text_len = 0;  // text words
  int32_t row0 = 0;      // first score row of the text words
};

Prepared prepare(const SpanScores& s, const DecodeText& t, const std::vector<std::string>& labels) {
  if (!t.text || !t.word_char_start || !t.word_char_end)
    throw std::invalid_argument("decode_entities: DecodeText has a null member");
  if (!s.data && s.num_types * s.num_words * s.max_width > 0)
    throw std::invalid_argument("decode_entities: null score data");
  if (s.num_types < 0 || s.num_words < 0 || s.max_width < 0)
    throw std::invalid_argument("decode_entities: negative score dimensions");
  if (static_cast<int32_t>(labels.size()) != s.num_types)
    throw std::invalid_argument("decode_entities: " + std::to_string(labels.size()) + " labels but " +
                                std::to_string(s.num_types) + " score types");
  Prepared p;
  p.text_len = static_cast<int32_t>(t.word_char_start->size());
  if (static_cast<int32_t>(t.word_char_end->size()) != p.text_len)
    throw std::invalid_argument("decode_entities: word_char_start and word_char_end differ in size");
  if (p.text_len > s.num_words)
    throw std::invalid_argument("decode_entities: " + std::to_string(p.text_len) +
                                " text words but scores for " + std::to_string(s.num_words));
  p.row0 = s.num_words - p.text_len;
  size_t bad = 0;
  if (!utf8::decode(*t.text, &p.cps, &bad))
    throw std::invalid_argument("decode_entities: invalid UTF-8 at byte " + std::to_string(bad));
  const int32_t n = static_cast<int32_t>(p.cps.size());
  for (int32_t w = 0; w < p.text_len; ++w) {
    const int32_t a = (*t.word_char_start)[w], b = (*t.word_char_end)[w];
    if (a < 0 || a > b || b > n)
      throw std::invalid_argument("decode_entities: word " + std::to_string(w) + " has chars [" +
                                  std::to_string(a) + ", " + std::to_string(b) + ") outside a text of " +
                                  std::to_string(n) + " code points");
  }
  return p;
}

float prob_at(const SpanScores& s, int32_t type, int32_t row, int32_t width) {
  const float v = s.data[(static_cast<size_t>(type) * s.num_words + row) * s.max_width + width];
  return s.are_logits ? sigmoid(v) : v;
}

// _find_spans + the stable descending sort of _format_spans: candidates of one type at min_t.
std::vector<Candidate> collect(const SpanScores& s, const DecodeText& t, const Prepared& p,
                               int32_t type, float min_t) {
  std::vector<Candidate> out;
  for (int32_t start = 0; start < p.text_len; ++start) {
    for (int32_t width = 0; width < s.max_width; ++width) {
      const float prob = prob_at(s, type, p.row0 + start, width);
      if (!(prob >= min_t)) continue;  // NaN never passes
      const int32_t last = start + width;
      if (last + 1 > p.text_len) continue;
      Candidate c;
      c.start_word = start;
      c.end_word = last;
      c.start = (*t.word_char_start)[start];
      c.end = (*t.word_char_end)[last];
      c.score = prob;
      // Python: text[char_start:char_end].strip() (str.isspace); an inverted range is empty.
      int32_t a = c.start, b = std::max(c.start, c.end);
      while (a < b && is_space(p.cps[a])) ++a;
      while (b > a && is_space(p.cps[b - 1])) --b;
      if (a == b) continue;
      c.text = utf8::encode(p.cps, a, b);
      std::vector<char32_t> low(p.cps.begin() + a, p.cps.begin() + b);
      for (char32_t& ch : low) ch = to_lower(ch);
      c.lower = utf8::encode(low, 0, low.size());
      out.push_back(std::move(c));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
  return out;
}

// Greedy per-type overlap removal, then (GLiNER2) case-insensitive text dedupe, at threshold t.
void select(const std::vector<Candidate>& cands, float t, int32_t type, const std::string& label,
            std::vector<DecodedEntity>* out, bool dedupe_text) {
  std::vector<const Candidate*> kept;
  for (const Candidate& c : cands) {
    if (!(c.score >= t)) continue;
    bool overlap = false;
    for (const Candidate* k : kept)
      if (!(c.end <= k->start || c.start >= k->end)) {
        overlap = true;
        break;
      }
    if (!overlap) kept.push_back(&c);
  }
  std::vector<const std::string*> seen;
  for (const Candidate* c : kept) {
    bool dup = false;
    for (const std::string* s : dedupe_text ? seen : std::vector<const std::string*>{})
      if (*s == c->lower) {
        dup = true;
        break;
      }
    if (dup) continue;
    seen.push_back(&c->lower);
    DecodedEntity e;
    e.text = c->text;
    e.label = label;
    e.label_index = type;
    e.start = c->start;
    e.end = c->end;
    e.start_word = c->start_word;
    e.end_word = c->end_word;
    e.score = c->score;
    out->push_back(std::move(e));
  }
}

float effective_threshold(const DecodeOptions& o, int32_t type) {
  if (o.type_thresholds.empty()) return o.threshold;
  const float v = o.type_thresholds[type];
  return (v >= 0.0f) ? v : o.threshold;  // negative and NaN: none given
}

}  // namespace

float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

int32_t argmax(const float* values, int32_t n) {
  if (n <= 0) return -1;
  int32_t best = 0;
  for (int32_t i = 1; i < n; ++i)
    if (values[i] > values[best] || (std::isnan(values[i]) && !std::isnan(values[best]))) best = i;
  return best;
}

std::vector<DecodedEntity> decode_entities(const SpanScores& scores, const DecodeText& text,
                                           const std::vector<std::string>& labels,
                                           const DecodeOptions& options, int32_t pred_count) {
  if (!options.type_thresholds.empty() &&
      static_cast<int32_t>(options.type_thresholds.size()) != scores.num_types)
    throw std::invalid_argument("decode_entities: " + std::to_string(options.type_thresholds.size()) +
                                " type thresholds for " + std::to_string(scores.num_types) + " types");
  const Prepared p = prepare(scores, text, labels);
  std::vector<DecodedEntity> out;
  if (pred_count <= 0) return out;
  for (int32_t k = 0; k < scores.num_types; ++k) {
    const float t = effective_threshold(options, k);
    select(collect(scores, text, p, k, t), t, k, labels[k], &out, options.dedupe_text);
  }
  return out;
}

std::vector<std::vector<DecodedEntity>> decode_entities_sweep(const SpanScores& scores,
                                                              const DecodeText& text,
                                                              const std::vector<std::string>& labels,
                                                              const std::vector<float>& thresholds,
                                                              int32_t pred_count, bool dedupe_text) {
  const Prepared p = prepare(scores, text, labels);
  std::vector<std::vector<DecodedEntity>> out(thresholds.size());
  if (pred_count <= 0 || thresholds.empty()) return out;
  float min_t = std::numeric_limits<float>::infinity();
  for (float t : thresholds) {
    if (std::isnan(t)) throw std::invalid_argument("decode_entities_sweep: NaN threshold");
    min_t = std::min(min_t, t);
  }
  for (int32_t k = 0; k < scores.num_types; ++k) {
    const std::vector<Candidate> cands = collect(scores, text, p, k, min_t);
    for (size_t i = 0; i < thresholds.size(); ++i) select(cands, thresholds[i], k, labels[k], &out[i], dedupe_text);
  }
  return out;
}

}  // namespace gtrain
