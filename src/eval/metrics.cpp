// Entity-level exact-match metrics, threshold sweep and reports. See metrics.h for the definitions.
#include "eval/metrics.h"
#include "io/atomic_file.h"
#include "io/shortest_decimal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <unordered_map>

#include "text/utf8.h"

namespace gtrain {

// ---- scores ----------------------------------------------------------------------------------------

namespace {

double ratio(int64_t num, int64_t den) {
  return den > 0 ? static_cast<double>(num) / static_cast<double>(den) : 0.0;
}

// F1 numerator / denominator: F1 = 2TP / (2TP + FP + FN).
int64_t f1_num(const MatchCounts& c) { return 2 * c.tp; }
int64_t f1_den(const MatchCounts& c) { return 2 * c.tp + c.fp + c.fn; }

// Exact comparison of two F1 values as fractions (0/0 counts as 0). Returns <0, 0, >0.
int compare_f1(const MatchCounts& a, const MatchCounts& b) {
  const __int128 an = f1_den(a) > 0 ? f1_num(a) : 0, ad = f1_den(a) > 0 ? f1_den(a) : 1;
  const __int128 bn = f1_den(b) > 0 ? f1_num(b) : 0, bd = f1_den(b) > 0 ? f1_den(b) : 1;
  const __int128 l = an * bd, r = bn * ad;
  return l < r ? -1 : (l > r ? 1 : 0);
}

LabelScore score_of(std::string label, const MatchCounts& c) {
  LabelScore s;
  s.label = std::move(label);
  s.counts = c;
  s.precision = precision_of(c);
  s.recall = recall_of(c);
  s.f1 = f1_of(c);
  return s;
}

}  // namespace

double precision_of(const MatchCounts& c) { return ratio(c.tp, c.tp + c.fp); }
double recall_of(const MatchCounts& c) { return ratio(c.tp, c.tp + c.fn); }
double f1_of(const MatchCounts& c) { return ratio(f1_num(c), f1_den(c)); }

// ---- matching --------------------------------------------------------------------------------------

// A span with a label index; predictions carry a score, gold a score of +inf.
struct ThresholdSweep::Key {
  int64_t start;
  int64_t end;
  int label;
  float score;
  bool same_entity(const Key& o) const { return start == o.start && end == o.end && label == o.label; }
  bool operator<(const Key& o) const {
    // By entity, then by descending score (so the first of a group has the highest; NaN last).
    if (start != o.start) return start < o.start;
    if (end != o.end) return end < o.end;
    if (label != o.label) return label < o.label;
    const bool an = std::isnan(score), bn = std::isnan(o.score);
    if (an != bn) return bn;
    return !an && score > o.score;
  }
};

namespace {

// Shared core: gold and predictions as sorted, label-indexed keys; `count_at(score)` says whether a
// prediction counts. Adds TP/FP/FN per label and returns dropped duplicates.
template <class KeyT, class CountsAt>
int64_t match_sorted(const std::vector<KeyT>& gold, const std::vector<KeyT>& preds, CountsAt count_at,
                     std::vector<MatchCounts>* per_label) {
  int64_t duplicates = 0;
  std::vector<char> gold_matched(gold.size(), 0);
  for (size_t i = 0; i < preds.size();) {
    size_t j = i;
    int64_t counted = 0;
    while (j < preds.size() && preds[j].same_entity(preds[i])) {
      if (count_at(preds[j].score)) ++counted;
      ++j;
    }
    if (counted > 0) {
      duplicates += counted - 1;
      const KeyT& p = preds[i];
      auto it = std::lower_bound(gold.begin(), gold.end(), p, [](const KeyT& a, const KeyT& b) {
        return std::tie(a.start, a.end, a.label) < std::tie(b.start, b.end, b.label);
      });
      MatchCounts& c = (*per_label)[p.label];
      if (it != gold.end() && it->same_entity(p)) {
        ++c.tp;
        gold_matched[it - gold.begin()] = 1;
      } else {
        ++c.fp;
      }
    }
    i = j;
  }
  for (size_t g = 0; g < gold.size(); ++g)
    if (!gold_matched[g]) ++(*per_label)[gold[g].label].fn;
  return duplicates;
}

template <class KeyT>
void sort_keys(std::vector<KeyT>* keys, bool dedupe) {
  std::sort(keys->begin(), keys->end());
  if (dedupe)
    keys->erase(std::unique(keys->begin(), keys->end(),
                            [](const KeyT& a, const KeyT& b) { return a.same_entity(b); }),
                keys->end());
}

}  // namespace

MatchCounts ExampleMatch::total() const {
  MatchCounts t;
  for (const MatchCounts& c : per_label) t += c;
  return t;
}

ExampleMatch match_entities(const std::vector<Entity>& gold, const std::vector<DecodedEntity>& preds,
                            std::vector<std::string> labels) {
  ExampleMatch m;
  m.labels = std::move(labels);
  std::unordered_map<std::string, int> index;
  for (size_t i = 0; i < m.labels.size(); ++i) index.emplace(m.labels[i], static_cast<int>(i));
  auto idx = [&](const std::string& l) {
    auto it = index.find(l);
    if (it != index.end()) return it->second;
    m.labels.push_back(l);
    index.emplace(l, static_cast<int>(m.labels.size() - 1));
    return static_cast<int>(m.labels.size() - 1);
  };
  using Key = std::tuple<int64_t, int64_t, int>;
  struct K {
    int64_t start, end;
    int label;
    float score;
    bool same_entity(const K& o) const { return start == o.start && end == o.end && label == o.label; }
    bool operator<(const K& o) const {
      return Key(start, end, label) < Key(o.start, o.end, o.label);
    }
  };
  std::vector<K> g, p;
  for (const Entity& e : gold) g.push_back({e.start, e.end, idx(e.label), 0.0f});
  for (const DecodedEntity& e : preds) p.push_back({e.start, e.end, idx(e.label), e.score});
  sort_keys(&g, true);
  sort_keys(&p, false);
  m.per_label.assign(m.labels.size(), MatchCounts{});
  m.duplicate_predictions = match_sorted(g, p, [](float) { return true; }, &m.per_label);
  return m;
}

// ---- ThresholdSweep --------------------------------------------------------------------------------

std::vector<float> ThresholdSweep::default_thresholds() { return {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0.6f}; }

namespace {
bool same_threshold(float a, float b) { return std::fabs(a - b) < 1e-6f; }
}  // namespace

std::vector<float> ThresholdSweep::with_threshold(std::vector<float> thresholds, float t) {
  if (std::none_of(thresholds.begin(), thresholds.end(), [&](float x) { return same_threshold(x, t); }))
    thresholds.insert(std::upper_bound(thresholds.begin(), thresholds.end(), t), t);
  return thresholds;
}

size_t ThresholdSweep::index_of(float t) const {
  for (size_t i = 0; i < thresholds_.size(); ++i)
    if (same_threshold(thresholds_[i], t)) return i;
  throw std::out_of_range("threshold " + std::to_string(t) + " is not one of the sweep's");
}

ThresholdSweep::ThresholdSweep(std::vector<std::string> labels, std::vector<float> thresholds)
    : labels_(std::move(labels)), thresholds_(std::move(thresholds)) {
  if (labels_.empty()) throw std::invalid_argument("ThresholdSweep: empty label list");
  for (size_t i = 0; i < labels_.size(); ++i) {
    if (labels_[i].empty()) throw std::invalid_argument("ThresholdSweep: empty label name");
    for (size_t j = 0; j < i; ++j)
      if (labels_[j] == labels_[i])
        throw std::invalid_argument("ThresholdSweep: duplicate label '" + labels_[i] + "'");
  }
  if (thresholds_.empty()) throw std::invalid_argument("ThresholdSweep: empty threshold list");
  for (size_t i = 0; i < thresholds_.size(); ++i) {
    const float t = thresholds_[i];
    if (!(t >= 0.0f && t <= 1.0f))
      throw std::invalid_argument("ThresholdSweep: threshold " + std::to_string(t) +
                                  " outside [0, 1]");
    if (i > 0 && !(t > thresholds_[i - 1]))
      throw std::invalid_argument("ThresholdSweep: thresholds must be strictly increasing");
  }
  per_threshold_.resize(thresholds_.size());
  for (PerThreshold& p : per_threshold_) p.per_label.assign(labels_.size(), MatchCounts{});
}

int ThresholdSweep::label_index(const std::string& label, const char* what) const {
  for (size_t i = 0; i < labels_.size(); ++i)
    if (labels_[i] == label) return static_cast<int>(i);
  throw std::invalid_argument(std::string("ThresholdSweep: ") + what + " label '" + label +
                              "' is not in the label list");
}

const ThresholdSweep::PerThreshold& ThresholdSweep::at(size_t i) const {
  if (i >= per_threshold_.size())
    throw std::out_of_range("ThresholdSweep: threshold index " + std::to_string(i) + " >= " +
                            std::to_string(per_threshold_.size()));
  return per_threshold_[i];
}

const MatchCounts& ThresholdSweep::counts(size_t threshold_index, size_t label_index) const {
  const PerThreshold& p = at(threshold_index);
  if (label_index >= p.per_label.size())
    throw std::out_of_range("ThresholdSweep: label index " + std::to_string(label_index));
  return p.per_label[label_index];
}

// threshold_index < 0: every threshold, filtering by score; otherwise that one, no filtering.
void ThresholdSweep::add_impl(int threshold_index, const std::vector<Entity>& gold,
                              const std::vector<DecodedEntity>& preds) {
  std::vector<Key> g, p;
  g.reserve(gold.size());
  p.reserve(preds.size());
  for (const Entity& e : gold) g.push_back({e.start, e.end, label_index(e.label, "gold"), 0.0f});
  for (const DecodedEntity& e : preds)
    p.push_back({e.start, e.end, label_index(e.label, "predicted"), e.score});
  sort_keys(&g, true);
  sort_keys(&p, false);
  if (threshold_index >= 0) {
    PerThreshold& pt = per_threshold_[threshold_index];
    pt.duplicate_predictions += match_sorted(g, p, [](float) { return true; }, &pt.per_label);
    ++pt.examples;
    return;
  }
  for (size_t i = 0; i < thresholds_.size(); ++i) {
    const float t = thresholds_[i];
    PerThreshold& pt = per_threshold_[i];
    pt.duplicate_predictions += match_sorted(g, p, [t](float s) { return s >= t; }, &pt.per_label);
    ++pt.examples;
  }
}

void ThresholdSweep::add(const std::vector<Entity>& gold, const std::vector<DecodedEntity>& preds) {
  add_impl(-1, gold, preds);
}

void ThresholdSweep::add_at(size_t threshold_index, const std::vector<Entity>& gold,
                            const std::vector<DecodedEntity>& preds) {
  at(threshold_index);  // range check
  add_impl(static_cast<int>(threshold_index), gold, preds);
}

void ThresholdSweep::merge(const ThresholdSweep& other) {
  if (other.labels_ != labels_ || other.thresholds_ != thresholds_)
    throw std::invalid_argument("ThresholdSweep::merge: different labels or thresholds");
  add_counts(other.to_counts());
}

std::vector<int64_t> ThresholdSweep::to_counts() const {
  std::vector<int64_t> v;
  v.reserve(counts_size());
  for (const PerThreshold& p : per_threshold_) {
    v.push_back(p.examples);
    v.push_back(p.duplicate_predictions);
    for (const MatchCounts& c : p.per_label) {
      v.push_back(c.tp);
      v.push_back(c.fp);
      v.push_back(c.fn);
    }
  }
  return v;
}

void ThresholdSweep::add_counts(const std::vector<int64_t>& counts) {
  if (counts.size() != counts_size())
    throw std::invalid_argument("ThresholdSweep: counts vector has " + std::to_string(counts.size()) +
                                " elements, expected " + std::to_string(counts_size()) + " (" +
                                std::to_string(thresholds_.size()) + " thresholds x (2 + 3 x " +
                                std::to_string(labels_.size()) + " labels))");
  for (int64_t x : counts)
    if (x < 0) throw std::invalid_argument("ThresholdSweep: negative count in counts vector");
  size_t k = 0;
  for (PerThreshold& p : per_threshold_) {
    p.examples += counts[k++];
    p.duplicate_predictions += counts[k++];
    for (MatchCounts& c : p.per_label) {
      c.tp += counts[k++];
      c.fp += counts[k++];
      c.fn += counts[k++];
    }
  }
}

ThresholdSweep ThresholdSweep::from_counts(std::vector<std::string> labels,
                                           std::vector<float> thresholds,
                                           const std::vector<int64_t>& counts) {
  ThresholdSweep s(std::move(labels), std::move(thresholds));
  s.add_counts(counts);
  return s;
}

ThresholdScores ThresholdSweep::scores(size_t threshold_index) const {
  const PerThreshold& p = at(threshold_index);
  ThresholdScores s;
  s.threshold = thresholds_[threshold_index];
  s.examples = p.examples;
  s.duplicate_predictions = p.duplicate_predictions;
  MatchCounts total;
  double sp = 0, sr = 0, sf = 0;
  for (size_t l = 0; l < labels_.size(); ++l) {
    const MatchCounts& c = p.per_label[l];
    s.per_label.push_back(score_of(labels_[l], c));
    total += c;
    if (c.active()) {
      ++s.macro_num_labels;
      sp += s.per_label.back().precision;
      sr += s.per_label.back().recall;
      sf += s.per_label.back().f1;
    }
  }
  s.micro = score_of("micro", total);
  s.macro.label = "macro";
  if (s.macro_num_labels > 0) {
    const double n = static_cast<double>(s.macro_num_labels);
    s.macro.precision = sp / n;
    s.macro.recall = sr / n;
    s.macro.f1 = sf / n;
  }
  return s;
}

std::vector<ThresholdScores> ThresholdSweep::all_scores() const {
  std::vector<ThresholdScores> v;
  for (size_t i = 0; i < thresholds_.size(); ++i) v.push_back(scores(i));
  return v;
}

size_t ThresholdSweep::best_index() const {
  auto total = [this](size_t i) {
    MatchCounts t;
    for (const MatchCounts& c : per_threshold_[i].per_label) t += c;
    return t;
  };
  size_t best = 0;
  MatchCounts best_c = total(0);
  for (size_t i = 1; i < thresholds_.size(); ++i) {
    MatchCounts c = total(i);
    if (compare_f1(c, best_c) > 0) {  // strictly better: ties keep the lower threshold
      best = i;
      best_c = c;
    }
  }
  return best;
}

size_t ThresholdSweep::best_macro_index() const {
  size_t best = 0;
  for (size_t i = 1; i < thresholds_.size(); ++i)
    if (scores(i).macro.f1 > scores(best).macro.f1) best = i;  // strictly better: ties keep the lower
  return best;
}

// ---- reports ---------------------------------------------------------------------------------------

namespace {

double threshold_value(float x) { return std::strtod(shortest_decimal(x).c_str(), nullptr); }

nlohmann::json label_json(const LabelScore& s, bool with_label) {
  nlohmann::json j;
  if (with_label) j["label"] = s.label;
  j["precision"] = s.precision;
  j["recall"] = s.recall;
  j["f1"] = s.f1;
  j["tp"] = s.counts.tp;
  j["fp"] = s.counts.fp;
  j["fn"] = s.counts.fn;
  j["support"] = s.counts.support();
  return j;
}

nlohmann::json macro_json(const ThresholdScores& s) {
  return nlohmann::json{{"precision", s.macro.precision},
                        {"recall", s.macro.recall},
                        {"f1", s.macro.f1},
                        {"num_labels", s.macro_num_labels}};
}

std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    out += c;
  }
  return out;
}

// Terminal columns of a UTF-8 string: East Asian wide characters (Hangul, CJK, fullwidth) count 2.
size_t display_width(const std::string& s) {
  std::vector<char32_t> cps;
  if (!utf8::decode(s, &cps)) return s.size();
  size_t w = 0;
  for (char32_t c : cps) {
    const bool wide = (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
                      (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
                      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA960 && c <= 0xA97F) ||
                      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
                      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
                      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
    const bool zero = (c >= 0x0300 && c <= 0x036F) || (c >= 0x1160 && c <= 0x11FF) || c == 0x200B;
    w += zero ? 0 : (wide ? 2 : 1);
  }
  return w;
}

// Aligned plain-text table: first column left-aligned, the rest right-aligned.
std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t c = 0; c < r.size(); ++c) {
      if (width.size() <= c) width.push_back(0);
      width[c] = std::max(width[c], display_width(r[c]));
    }
  std::string out;
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    const auto& r = rows[ri];
    std::string line;
    for (size_t c = 0; c < r.size(); ++c) {
      const std::string pad(width[c] - display_width(r[c]), ' ');
      if (c > 0) line += "  ";
      line += c == 0 ? r[c] + pad : pad + r[c];
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
    if (ri == 0) {
      size_t total = 0;
      for (size_t c = 0; c < width.size(); ++c) total += width[c] + (c ? 2 : 0);
      out += std::string(total, '-') + "\n";
    }
  }
  return out;
}

std::vector<std::string> label_row(const LabelScore& s, const std::string& name) {
  return {name,
          fixed4(s.precision),
          fixed4(s.recall),
          fixed4(s.f1),
          std::to_string(s.counts.tp),
          std::to_string(s.counts.fp),
          std::to_string(s.counts.fn),
          std::to_string(s.counts.support())};
}

std::vector<std::vector<std::string>> best_rows(const ThresholdScores& s, bool markdown) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"label", "P", "R", "F1", "TP", "FP", "FN", "support"});
  for (const LabelScore& l : s.per_label)
    rows.push_back(label_row(l, markdown ? md_escape(l.label) : l.label));
  rows.push_back(label_row(s.micro, markdown ? "**micro**" : "micro"));
  const std::string macro_name = std::string(markdown ? "**macro**" : "macro") + " (" +
                                 std::to_string(s.macro_num_labels) + " labels)";
  rows.push_back({macro_name, fixed4(s.macro.precision), fixed4(s.macro.recall),
                  fixed4(s.macro.f1), "", "", "", ""});
  return rows;
}

std::vector<std::vector<std::string>> sweep_rows(const ThresholdSweep& sweep, bool markdown) {
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"threshold", "micro P", "micro R", "micro F1", "macro F1"});
  const size_t best = sweep.best_index();
  for (size_t i = 0; i < sweep.thresholds().size(); ++i) {
    const ThresholdScores s = sweep.scores(i);
    std::string t = shortest_decimal(s.threshold);
    if (i == best) t = markdown ? "**" + t + "** (best)" : t + " (best)";
    rows.push_back({t, fixed4(s.micro.precision), fixed4(s.micro.recall), fixed4(s.micro.f1),
                    fixed4(s.macro.f1)});
  }
  return rows;
}

std::string markdown_table(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    out += "|";
    for (const std::string& cell : rows[ri]) out += " " + cell + " |";
    out += "\n";
    if (ri == 0) {
      out += "|";
      for (size_t c = 0; c < rows[0].size(); ++c) out += c == 0 ? " --- |" : " ---: |";
      out += "\n";
    }
  }
  return out;
}


}  // namespace

nlohmann::json eval_report_json(const ThresholdSweep& sweep, const nlohmann::json& meta) {
  nlohmann::json j;
  j["format"] = "gtrain.eval_report";
  j["version"] = 1;
  j["match"] = "exact(start,end,label)";
  j["labels"] = sweep.labels();
  nlohmann::json th = nlohmann::json::array();
  for (float t : sweep.thresholds()) th.push_back(threshold_value(t));
  j["thresholds"] = th;
  nlohmann::json arr = nlohmann::json::array();
  for (const ThresholdScores& s : sweep.all_scores()) {
    nlohmann::json e;
    e["threshold"] = threshold_value(s.threshold);
    e["examples"] = s.examples;
    e["duplicate_predictions"] = s.duplicate_predictions;
    e["micro"] = label_json(s.micro, false);
    e["macro"] = macro_json(s);
    nlohmann::json pl = nlohmann::json::array();
    for (const LabelScore& l : s.per_label) pl.push_back(label_json(l, true));
    e["per_label"] = pl;
    arr.push_back(std::move(e));
  }
  const size_t best = sweep.best_index();
  const ThresholdScores bs = sweep.scores(best);
  j["best"] = {{"index", best},
               {"threshold", threshold_value(bs.threshold)},
               {"selected_by", "micro_f1"},
               {"micro", label_json(bs.micro, false)},
               {"macro", macro_json(bs)}};
  j["sweep"] = std::move(arr);
  if (!meta.is_null()) j["meta"] = meta;
  return j;
}

std::string markdown_best_table(const ThresholdSweep& sweep) {
  return markdown_table(best_rows(sweep.scores(sweep.best_index()), true));
}

std::string markdown_sweep_table(const ThresholdSweep& sweep) {
  return markdown_table(sweep_rows(sweep, true));
}

std::string markdown_report(const ThresholdSweep& sweep) {
  const ThresholdScores s = sweep.scores(sweep.best_index());
  std::string out;
  out += "### Entities at the best threshold (" + shortest_decimal(s.threshold) + ", " +
         std::to_string(s.examples) + " examples, exact match on span and label)\n\n";
  out += markdown_best_table(sweep);
  out += "\n### Threshold sweep\n\n";
  out += markdown_sweep_table(sweep);
  return out;
}

std::string text_report(const ThresholdSweep& sweep) {
  const ThresholdScores s = sweep.scores(sweep.best_index());
  std::string out = "best threshold " + shortest_decimal(s.threshold) + " (micro F1 " +
                    fixed4(s.micro.f1) + ", " + std::to_string(s.examples) + " examples)\n";
  out += text_table(best_rows(s, false));
  out += "\n";
  out += text_table(sweep_rows(sweep, false));
  return out;
}

void write_eval_report(const std::string& path, const ThresholdSweep& sweep,
                       const nlohmann::json& meta) {
  write_text_file_atomic(path, eval_report_json(sweep, meta).dump(2) + "\n");
}

std::string fixed4(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4f", x);
  return buf;
}

}  // namespace gtrain
