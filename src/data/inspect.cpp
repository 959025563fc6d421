#include "data/inspect.h"

#include <memory>
#include "text/memo_tokenizer.h"

#include <cstdio>

#include "data/validate.h"
#include "text/unicode_class.h"
#include "text/utf8.h"

namespace gtrain {

namespace {
// The words around a missed entity with unit boundaries as '|' and the entity in brackets.
std::string show_miss(const std::vector<char32_t>& cps, const Units& u, const Entity& e,
                      const char* why) {
  const int32_t n = static_cast<int32_t>(cps.size());
  int32_t b = std::max<int32_t>(0, static_cast<int32_t>(e.start) - 12);
  int32_t en = std::min<int32_t>(n, static_cast<int32_t>(e.end) + 12);
  std::vector<bool> cut(n + 1, false);
  for (size_t k = 0; k < u.size(); ++k) cut[u.char_start[k]] = cut[u.char_end[k]] = true;
  std::u32string s;
  for (int32_t i = b; i <= en; ++i) {
    if (i == static_cast<int32_t>(e.end)) s += U'⟧';
    if (cut[i] && i > b && i < en && !is_space(cps[i - 1]) && !is_space(cps[i])) s += U'|';
    if (i == static_cast<int32_t>(e.start)) s += U'⟦';
    if (i < en) s += cps[i];
  }
  return utf8::encode(std::vector<char32_t>(s.begin(), s.end()), 0, static_cast<int32_t>(s.size())) +
         "  [" + e.label + ", " + why + "]";
}
}  // namespace

InspectReport inspect_examples(std::vector<Example>& examples, const Tokenizer* tok,
                               int max_span_width, int keep_misses) {
  InspectReport r;
  for (UnitMode m : all_unit_modes())
    if ((m != UnitMode::Subword && m != UnitMode::Morph) || tok) {
      UnitModeStats st;
      st.mode = m;
      r.modes.push_back(std::move(st));
    }
  std::vector<char32_t> cps;
  std::unique_ptr<MemoTokenizer> memo;
  if (tok) memo = std::make_unique<MemoTokenizer>(const_cast<Tokenizer*>(tok));
  for (Example& ex : examples) {
    ++r.examples;
    utf8::decode(ex.text, &cps);
    r.chars += static_cast<int64_t>(cps.size());
    size_t bucket = cps.size() / 20;
    if (r.length_histogram.size() <= bucket) r.length_histogram.resize(bucket + 1);
    ++r.length_histogram[bucket];
    trim_entities(cps, &ex);  // the entities as prepare stores them
    for (const Entity& e : ex.entities) {
      ++r.label_counts[e.label];
      ++r.entities;
    }
    for (UnitModeStats& s : r.modes) {
      Units u = make_units(cps, s.mode, memo.get());
      s.units += static_cast<int64_t>(u.size());
      s.tokens += static_cast<int64_t>(u.token_ids.size());
      for (const Entity& e : ex.entities) {
        ++s.entities;
        int32_t f, g;
        const char* miss = nullptr;
        const bool aligned = find_unit_span(u, static_cast<int32_t>(e.start), static_cast<int32_t>(e.end), &f, &g);
        if (aligned) {
          const size_t w = static_cast<size_t>(g - f + 1);
          if (s.width_counts.size() <= w) s.width_counts.resize(w + 1);
          ++s.width_counts[w];
        }
        if (!aligned)
          ++s.unaligned, miss = "unaligned";
        else if (g - f + 1 > max_span_width)
          ++s.too_wide, miss = "too-wide";
        else
          ++s.representable;
        if (miss && static_cast<int>(s.misses.size()) < keep_misses)
          s.misses.push_back(show_miss(cps, u, e, miss));
      }
    }
  }
  return r;
}

std::string format_mention_report(const MentionReport& m) {
  if (m.listed == 0 && m.ignored_tasks.empty() && m.no_entity_task == 0 && m.records_emptied == 0) return "";
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "mentions listed %lld: exact %lld, case-insensitive %lld, normalized %lld, not found %lld\n",
                (long long)m.listed, (long long)m.exact, (long long)m.case_folded, (long long)m.normalized,
                (long long)m.unmatched);
  out += buf;
  if (m.dropped) {
    std::string per;
    for (const auto& [label, n] : m.dropped_by_label) per += (per.empty() ? "" : ", ") + label + " " + std::to_string(n);
    out += "mentions dropped " + std::to_string(m.dropped) + " (" + per + ")";
    if (m.labels_dropped) out += ", " + std::to_string(m.labels_dropped) + " labels dropped from their record";
    out += "\n";
  }
  if (m.records_emptied)
    out += "records left with no label by drop_label, skipped: " + std::to_string(m.records_emptied) + "\n";
  if (m.records_rejected)
    out += "records rejected for an unmatched mention: " + std::to_string(m.records_rejected) + "\n";
  if (m.inner_skipped)
    out += "occurrences inside a longer mention of the same label, not labelled: " + std::to_string(m.inner_skipped) + "\n";
  for (const auto& [task, n] : m.ignored_tasks)
    out += "records with " + task + " (ignored: gtrain trains entities): " + std::to_string(n) + "\n";
  if (m.no_entity_task) out += "records without an entity task, skipped: " + std::to_string(m.no_entity_task) + "\n";
  return out;
}

std::string format_read_warnings(const std::vector<std::string>& warnings, size_t show) {
  if (warnings.empty()) return "";
  std::string out = "BIO tags repaired (a tag that continues no entity starts one): " + std::to_string(warnings.size()) +
                    (warnings.size() > show ? ", the first " + std::to_string(show) : std::string()) + "\n";
  for (size_t i = 0; i < warnings.size() && i < show; ++i) out += "  " + warnings[i] + "\n";
  return out;
}

int UnitModeStats::recommended_width(double share) const {
  int64_t reached = 0;
  for (size_t w = 1; w < width_counts.size(); ++w) {
    reached += width_counts[w];
    if (entities > 0 && double(reached) >= share * double(entities) - 1e-9) return static_cast<int>(w);
  }
  return entities == 0 ? 1 : 0;
}

std::string format_inspect_report(const InspectReport& r, int max_span_width) {
  std::string out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "examples %lld, entities %lld, characters %lld (mean %.1f per example)\n",
                (long long)r.examples, (long long)r.entities, (long long)r.chars,
                r.examples ? double(r.chars) / r.examples : 0.0);
  out += buf;
  out += "\nlabels:\n";
  for (const auto& [label, n] : r.label_counts) {
    std::snprintf(buf, sizeof buf, "  %-24s %8lld\n", label.c_str(), (long long)n);
    out += buf;
  }
  out += "\nlength (characters):\n";
  int64_t maxc = 1;
  for (int64_t c : r.length_histogram) maxc = std::max(maxc, c);
  for (size_t i = 0; i < r.length_histogram.size(); ++i) {
    if (!r.length_histogram[i]) continue;
    std::snprintf(buf, sizeof buf, "  %4zu-%-4zu %7lld ", i * 20, i * 20 + 19, (long long)r.length_histogram[i]);
    out += buf;
    out += std::string(static_cast<size_t>(40.0 * r.length_histogram[i] / maxc), '#') + "\n";
  }
  std::snprintf(buf, sizeof buf, "\nspan units (max span width %d):\n", max_span_width);
  out += buf;
  out += "  mode     coverage   reachable  unaligned  too-wide  units/example  tokens/example  units vs char\n";
  double char_units = 0;
  for (const auto& s : r.modes) if (s.mode == UnitMode::Char) char_units = double(s.units);
  for (const auto& s : r.modes) {
    double per = r.examples ? double(s.units) / r.examples : 0;
    double tper = r.examples ? double(s.tokens) / r.examples : 0;
    std::snprintf(buf, sizeof buf, "  %-8s %7.3f%%  %10lld %10lld %9lld %14.1f %15.1f %13.2f\n",
                  unit_mode_name(s.mode).c_str(), 100.0 * s.coverage(), (long long)s.representable,
                  (long long)s.unaligned, (long long)s.too_wide, per, tper,
                  char_units > 0 ? s.units / char_units : 0.0);
    out += buf;
  }
  out += "\nrecommended max_span_width (smallest reaching >= 99.5% of the entities):\n";
  out += "  mode     width  reaches   spans/example  (at width " + std::to_string(max_span_width) + ")\n";
  for (const auto& s : r.modes) {
    int w = s.recommended_width();
    const bool short_of_aim = w == 0;
    if (short_of_aim) {  // unaligned entities are out of reach: the width that gets 99.5% of the rest
      UnitModeStats aligned = s;
      aligned.entities = s.entities - s.unaligned;
      w = aligned.recommended_width();
    }
    int64_t reached = 0;
    for (int k = 1; k <= w && k < static_cast<int>(s.width_counts.size()); ++k) reached += s.width_counts[k];
    std::snprintf(buf, sizeof buf, "  %-8s %5d %8.2f%%  %14.1f  (%.1f)%s\n", unit_mode_name(s.mode).c_str(), w,
                  s.entities ? 100.0 * double(reached) / double(s.entities) : 100.0,
                  spans_per_example(s, r.examples, w), spans_per_example(s, r.examples, max_span_width),
                  short_of_aim ? "  short of 99.5%: the rest do not align with these units" : "");
    out += buf;
  }
  return out;
}

std::string format_inspect_misses(const InspectReport& r) {
  std::string out;
  for (const auto& s : r.modes) {
    if (s.misses.empty()) continue;
    out += "\nentities " + unit_mode_name(s.mode) + " units cannot reach (first " +
           std::to_string(s.misses.size()) + "; '|' marks unit boundaries):\n";
    for (const auto& m : s.misses) out += "  " + m + "\n";
  }
  return out;
}

}  // namespace gtrain
