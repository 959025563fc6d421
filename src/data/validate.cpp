#include "data/validate.h"

#include <algorithm>
#include <numeric>

#include "io/input_error.h"
#include "text/unicode_class.h"
#include "text/utf8.h"

namespace gtrain {

namespace {

std::string join_labels(const std::vector<std::string>& v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + v[i];
  return s.empty() ? "(none)" : s;
}

std::string describe(const Entity& e, const std::vector<char32_t>& text) {
  std::string s = "[" + std::to_string(e.start) + "," + std::to_string(e.end) + ") '" + e.label + "'";
  if (e.start >= 0 && e.end <= static_cast<int64_t>(text.size()) && e.start < e.end)
    s += " \"" + utf8::encode(text, static_cast<size_t>(e.start), static_cast<size_t>(e.end)) + "\"";
  return s;
}

}  // namespace

void sort_entities(std::vector<Entity>* entities) {
  std::stable_sort(entities->begin(), entities->end(), [](const Entity& a, const Entity& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    return a.label < b.label;
  });
}

void validate_example(const Example& ex, const std::string& file, long line,
                      const std::vector<std::string>* allowed) {
  if (ex.text.empty()) throw InputError(file, line, "text", "text is empty");
  std::vector<char32_t> text;
  size_t bad = 0;
  if (!utf8::decode(ex.text, &text, &bad))
    throw InputError(file, line, "text", "invalid UTF-8 at byte offset " + std::to_string(bad) + " of the text");
  const auto n = static_cast<int64_t>(text.size());
  auto only_space = [&](int64_t from, int64_t to) {
    return std::all_of(text.begin() + from, text.begin() + to, [](char32_t c) { return is_space(c); });
  };
  // A blank text has no units: it would vanish from the prepared data without a word.
  if (only_space(0, n)) throw InputError(file, line, "text", "text holds only white space");
  auto allowed_has = [&](const std::string& l) {
    return std::find(allowed->begin(), allowed->end(), l) != allowed->end();
  };

  for (size_t i = 0; i < ex.entities.size(); ++i) {
    const Entity& e = ex.entities[i];
    const std::string f = "entities[" + std::to_string(i) + "]";
    if (e.label.empty()) throw InputError(file, line, f + ".label", "label is empty");
    if (e.start < 0)
      throw InputError(file, line, f + ".start", "offset " + std::to_string(e.start) + " is negative");
    if (e.end > n)
      throw InputError(file, line, f + ".end",
                       "offset " + std::to_string(e.end) + " is past the end of the text (length " +
                           std::to_string(n) + " code points)");
    if (e.start >= e.end)
      throw InputError(file, line, f,
                       "start " + std::to_string(e.start) + " is not before end " + std::to_string(e.end));
    if (only_space(e.start, e.end))
      throw InputError(file, line, f, "entity " + describe(e, text) + " covers only white space");
    if (e.label.find('\0') != std::string::npos) throw InputError(file, line, f + ".label", "label holds a NUL character");
    if (allowed && !allowed_has(e.label))
      throw InputError(file, line, f + ".label",
                       "unknown label '" + e.label + "' (allowed: " + join_labels(*allowed) + ")");
  }
  for (size_t i = 0; i < ex.schema.size(); ++i) {
    const SchemaLabel& l = ex.schema[i];
    const std::string f = "schema[" + std::to_string(i) + "]";
    if (l.name.empty()) throw InputError(file, line, f, "label name is empty");
    if (l.name.find('\0') != std::string::npos || l.description.find('\0') != std::string::npos)
      throw InputError(file, line, f, "label '" + l.name + "' holds a NUL character");  // HDF5 strings cannot
  }
  if (allowed) {
    for (size_t i = 0; i < ex.schema.size(); ++i)
      if (!allowed_has(ex.schema[i].name))
        throw InputError(file, line, "schema[" + std::to_string(i) + "]",
                         "unknown label '" + ex.schema[i].name + "' (allowed: " + join_labels(*allowed) + ")");
  }

  // Duplicates, over an index permutation sorted by (start, end, label). Overlapping entities are
  // fine: a span model scores every (span, label) pair on its own, so nested, crossing and
  // multi-label spans are all representable (count_overlaps reports them).
  std::vector<size_t> idx(ex.entities.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
    const Entity& x = ex.entities[a];
    const Entity& y = ex.entities[b];
    if (x.start != y.start) return x.start < y.start;
    if (x.end != y.end) return x.end < y.end;
    return x.label < y.label;
  });
  for (size_t k = 1; k < idx.size(); ++k) {
    const size_t p = idx[k - 1], j = idx[k];
    if (ex.entities[p] == ex.entities[j]) {
      const auto lo = std::min(p, j), hi = std::max(p, j);
      throw InputError(file, line, "entities[" + std::to_string(hi) + "]",
                       "duplicate entity " + describe(ex.entities[j], text) + " (same as entities[" +
                           std::to_string(lo) + "])");
    }
  }
}

OverlapCounts count_overlaps(const std::vector<Entity>& entities) {
  OverlapCounts c;
  std::vector<bool> nested(entities.size(), false), crossing(entities.size(), false),
      multi(entities.size(), false);
  // Quadratic in the entities of one example (tens at most); sorted input would allow a sweep,
  // but this runs once per example in prepare and stays obvious.
  for (size_t i = 0; i < entities.size(); ++i) {
    const Entity& a = entities[i];
    for (size_t j = 0; j < entities.size(); ++j) {
      if (i == j) continue;
      const Entity& b = entities[j];
      if (a.start == b.start && a.end == b.end) {
        multi[i] = true;
      } else if (b.start <= a.start && a.end <= b.end) {
        nested[i] = true;  // a lies inside b
      } else if (a.start < b.end && b.start < a.end && !(a.start <= b.start && b.end <= a.end)) {
        crossing[i] = true;  // partial overlap, neither inside the other
      }
    }
  }
  for (size_t i = 0; i < entities.size(); ++i) {
    c.nested += nested[i];
    c.crossing += crossing[i];
    c.same_span += multi[i];
  }
  return c;
}

int64_t trim_entities(const std::vector<char32_t>& text, Example* ex) {
  int64_t trimmed = 0;
  for (Entity& e : ex->entities) {
    int64_t s = e.start, en = e.end;
    while (s < en && is_space(text[s])) ++s;
    while (en > s && is_space(text[en - 1])) --en;
    if (s != e.start || en != e.end) ++trimmed;
    e.start = s;
    e.end = en;
  }
  // "당뇨병 " and "당뇨병" listed for one label are one entity once trimmed.
  sort_entities(&ex->entities);
  ex->entities.erase(std::unique(ex->entities.begin(), ex->entities.end()), ex->entities.end());
  return trimmed;
}

}  // namespace gtrain
