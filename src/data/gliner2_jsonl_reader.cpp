// GLiNER2 JSONL in the record forms GLiNER2 loads; see reader.h for the forms and the matching rule.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "data/reader.h"
#include "io/enum_names.h"
#include "text/utf8.h"

namespace gtrain {

namespace {
const EnumName<UnmatchedPolicy> kUnmatchedPolicyNames[] = {{UnmatchedPolicy::Drop, "drop"},
                                                           {UnmatchedPolicy::DropLabel, "drop_label"},
                                                           {UnmatchedPolicy::Reject, "reject"},
                                                           {UnmatchedPolicy::Fail, "fail"}};
}  // namespace

UnmatchedPolicy parse_unmatched_policy(const std::string& name) {
  if (auto p = enum_from_name(kUnmatchedPolicyNames, name)) return *p;
  throw std::invalid_argument("must be drop, drop_label, reject or fail (got '" + name + "')");
}

std::string unmatched_policy_name(UnmatchedPolicy p) { return enum_to_name(kUnmatchedPolicyNames, p, "drop"); }

void MentionReport::add(const MentionReport& o) {
  listed += o.listed;
  exact += o.exact;
  case_folded += o.case_folded;
  normalized += o.normalized;
  unmatched += o.unmatched;
  dropped += o.dropped;
  labels_dropped += o.labels_dropped;
  records_rejected += o.records_rejected;
  inner_skipped += o.inner_skipped;
  no_entity_task += o.no_entity_task;
  records_emptied += o.records_emptied;
  for (const auto& [k, v] : o.dropped_by_label) dropped_by_label[k] += v;
  for (const auto& [k, v] : o.ignored_tasks) ignored_tasks[k] += v;
}

namespace {

using json = nlohmann::ordered_json;  // keys in the file's order

const char* const kOtherTasks[] = {"classifications", "relations", "json_structures", "json_descriptions"};

struct Occ {
  int64_t start, end;
  size_t mention;  // index into Parsed::mentions
};

struct Mention {
  std::string label, text, field;
  int64_t length = 0;  // code points
  std::vector<Occ> occ;
};

// One record's outcome: an example, nothing (no entity task), or a rejection by the policy.
struct Parsed {
  bool has_example = false;
  Example ex;
  bool rejected = false;
  std::string reject_reason;
  MentionReport report;
  std::vector<DroppedMention> dropped;
};

// "entity_descriptions" {label: description} into the schema (a label without mentions joins it);
// labels that drop_label removed stay out.
void read_descriptions(const json& out, const std::string& prefix, const std::vector<std::string>& dropped_labels,
                       const std::string& file, long ln, Example& ex) {
  const json& d = out["entity_descriptions"];
  const std::string df = prefix + "entity_descriptions";
  if (!d.is_object()) throw InputError(file, ln, df, "must be an object {label: description}");
  for (auto it = d.begin(); it != d.end(); ++it) {
    if (!it.value().is_string()) throw InputError(file, ln, df + "." + it.key(), "must be a string");
    if (std::find(dropped_labels.begin(), dropped_labels.end(), it.key()) != dropped_labels.end()) continue;
    auto s = std::find_if(ex.schema.begin(), ex.schema.end(),
                          [&](const SchemaLabel& l) { return l.name == it.key(); });
    if (s == ex.schema.end()) {
      ex.schema.push_back(SchemaLabel{it.key(), ""});
      s = ex.schema.end() - 1;
    }
    s->description = it.value().get<std::string>();
  }
}

// The located mentions as entities, sorted, each (start, end, label) once.
std::vector<Entity> entities_of(const std::vector<Mention>& mentions, MentionReport& report) {
  // Occurrences strictly inside an occurrence of a longer mention of the same label are substring
  // hits, not labels, when the inner mention also occurs on its own; then (start, end, label) once.
  auto inside_longer = [&](const Occ& o) {
    const Mention& mo = mentions[o.mention];
    for (const Mention& m : mentions) {
      if (m.label != mo.label || m.length <= mo.length) continue;
      for (const Occ& k : m.occ)
        if (k.start <= o.start && o.end <= k.end) return true;
    }
    return false;
  };
  std::vector<Entity> entities;
  for (const Mention& m : mentions) {
    std::vector<bool> inner(m.occ.size());
    bool any_free = false;
    for (size_t k = 0; k < m.occ.size(); ++k) {
      inner[k] = inside_longer(m.occ[k]);
      any_free |= !inner[k];
    }
    for (size_t k = 0; k < m.occ.size(); ++k) {
      if (inner[k] && any_free) {
        ++report.inner_skipped;
        continue;
      }
      entities.push_back(Entity{m.occ[k].start, m.occ[k].end, m.label});
    }
  }
  std::sort(entities.begin(), entities.end(), [](const Entity& a, const Entity& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    return a.label < b.label;
  });
  entities.erase(std::unique(entities.begin(), entities.end()), entities.end());
  return entities;
}

Parsed parse_gliner2_line(const std::string& line, const std::string& file, long ln, const ReadOptions& opt) {
  json j = reader_detail::parse_json_object(line, file, ln);

  const char* text_key = j.contains("input") ? "input" : "text";
  if (!j.contains(text_key)) throw InputError(file, ln, "input", "missing (expected \"input\" or \"text\")");
  if (!j[text_key].is_string()) throw InputError(file, ln, text_key, "must be a string");
  // The tasks live in "output" / "schema", or (InputExample's form) at the top level.
  const char* out_key = j.contains("output") ? "output" : j.contains("schema") ? "schema" : "";
  const bool top_level = *out_key == '\0';
  if (top_level && !j.contains("entities") && !j.contains("entity_descriptions")) {
    bool other = false;
    for (const char* t : kOtherTasks) other |= j.contains(t);
    if (!other)
      throw InputError(file, ln, "output",
                       "missing (expected \"output\", \"schema\" or a top-level \"entities\" object)");
  }
  const json& out = top_level ? j : j[out_key];
  if (!out.is_object()) throw InputError(file, ln, out_key, "must be an object");
  const std::string prefix = top_level ? "" : std::string(out_key) + ".";

  Parsed r;
  for (const char* t : kOtherTasks)
    if (out.contains(t)) ++r.report.ignored_tasks[t];
  if (!out.contains("entities") && !out.contains("entity_descriptions")) {
    ++r.report.no_entity_task;  // e.g. a classification-only record: nothing for an NER model
    return r;
  }

  Example& ex = r.ex;
  ex.text = j[text_key].get<std::string>();
  std::vector<char32_t> text;
  size_t bad = 0;
  if (!utf8::decode(ex.text, &text, &bad))
    throw InputError(file, ln, text_key, "invalid UTF-8 at byte offset " + std::to_string(bad) + " of the text");

  const std::string ents_field = prefix + "entities";
  std::vector<Mention> mentions;
  std::vector<std::string> dropped_labels;
  const std::string origin = file + ":" + std::to_string(ln);
  if (out.contains("entities")) {
    const json& ents = out["entities"];
    if (!ents.is_object()) throw InputError(file, ln, ents_field, "must be an object {label: [mention, ...]}");
    MentionLocator locate(text, opt.matching);
    std::vector<std::pair<int64_t, int64_t>> hits;
    for (auto it = ents.begin(); it != ents.end(); ++it) {
      const std::string& label = it.key();
      const std::string lf = ents_field + "." + label;
      if (label.empty()) throw InputError(file, ln, ents_field, "empty label name");
      if (!it.value().is_array()) throw InputError(file, ln, lf, "must be a list of mention strings");
      ex.schema.push_back(SchemaLabel{label, ""});
      const json& list = it.value();
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string mf = lf + "[" + std::to_string(i) + "]";
        if (!list[i].is_string()) throw InputError(file, ln, mf, "mention must be a string");
        Mention m;
        m.label = label;
        m.text = list[i].get<std::string>();
        m.field = mf;
        std::vector<char32_t> mc;
        if (!utf8::decode(m.text, &mc, &bad)) throw InputError(file, ln, mf, "mention is not valid UTF-8");
        if (mc.empty()) throw InputError(file, ln, mf, "mention is empty");
        m.length = static_cast<int64_t>(mc.size());
        ++r.report.listed;
        const MatchStep step = locate.find(mc, &hits);
        switch (step) {
          case MatchStep::Exact: ++r.report.exact; break;
          case MatchStep::Case: ++r.report.case_folded; break;
          case MatchStep::Normalized: ++r.report.normalized; break;
          case MatchStep::NotFound: ++r.report.unmatched; break;
        }
        if (step == MatchStep::NotFound) {
          const std::string why = "mention \"" + m.text + "\" not found in the text";
          switch (opt.unmatched) {
            case UnmatchedPolicy::Fail: throw InputError(file, ln, mf, why);
            case UnmatchedPolicy::Reject:  // the rest is still located and counted
              if (!r.rejected) {
                r.rejected = true;
                r.reject_reason = "field '" + mf + "': " + why + " (unmatched_mentions: reject)";
                ++r.report.records_rejected;
              }
              break;
            case UnmatchedPolicy::Drop:
              r.dropped.push_back(DroppedMention{origin, mf, label, m.text, "not found in the text"});
              ++r.report.dropped;
              ++r.report.dropped_by_label[label];
              break;
            case UnmatchedPolicy::DropLabel:
              if (std::find(dropped_labels.begin(), dropped_labels.end(), label) == dropped_labels.end())
                dropped_labels.push_back(label);
              break;
          }
          continue;
        }
        for (auto [s, e] : hits) m.occ.push_back(Occ{s, e, mentions.size()});
        mentions.push_back(std::move(m));
      }
    }
    if (r.rejected) return r;
    // drop_label: the whole label leaves this record, each of its listed mentions counted.
    for (const std::string& label : dropped_labels) {
      ++r.report.labels_dropped;
      const json& list = ents.at(label);
      for (size_t i = 0; i < list.size(); ++i) {
        const std::string mf = ents_field + "." + label + "[" + std::to_string(i) + "]";
        const std::string mt = list[i].get<std::string>();
        const bool found = std::any_of(mentions.begin(), mentions.end(),
                                       [&](const Mention& m) { return m.field == mf; });
        r.dropped.push_back(DroppedMention{origin, mf, label, mt,
                                           found ? "label dropped: another mention of it was not found"
                                                 : "not found in the text (label dropped)"});
        ++r.report.dropped;
        ++r.report.dropped_by_label[label];
      }
      mentions.erase(std::remove_if(mentions.begin(), mentions.end(), [&](const Mention& m) { return m.label == label; }),
                     mentions.end());
      ex.schema.erase(std::remove_if(ex.schema.begin(), ex.schema.end(),
                                     [&](const SchemaLabel& s) { return s.name == label; }),
                      ex.schema.end());
    }
  }
  if (out.contains("entity_descriptions")) read_descriptions(out, prefix, dropped_labels, file, ln, ex);
  // A record that names no label (after the descriptions, which may name labels of their own) says
  // nothing about any label: skipped, not read as unlabelled (a negative of every label). Either
  // "entities": {} (GLiNER2's validate_data refuses it: no task), or drop_label took them all.
  if (ex.schema.empty()) {
    ++(dropped_labels.empty() ? r.report.no_entity_task : r.report.records_emptied);
    return r;  // its dropped mentions are still listed
  }

  std::vector<Entity> entities = entities_of(mentions, r.report);
  ex.entities = std::move(entities);
  r.has_example = true;
  return r;
}

}  // namespace

ReadResult read_gliner2_jsonl(const std::string& path, const ReadOptions& opt) {
  Parsed p;
  return reader_detail::read_jsonl_lines(
      path, opt,
      [&](const std::string& line, long ln) {
        p = parse_gliner2_line(line, path, ln, opt);
        return p.has_example ? &p.ex : nullptr;
      },
      [&](ReadResult* r, const std::string& line, long ln) {
        r->mentions.add(p.report);
        if (p.rejected) {
          r->rejects.push_back(Reject{path + ":" + std::to_string(ln), p.reject_reason, line});
          return;
        }
        for (auto& d : p.dropped) r->dropped_mentions.push_back(std::move(d));
        if (p.has_example) r->examples.push_back(std::move(p.ex));
      });
}

}  // namespace gtrain
