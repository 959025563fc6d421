// GLiNER2 JSONL: {"input": T, "output": {"entities": {label: [mention...]}, "entity_descriptions": {...}}}
// (or {"text": T, "schema": {...}}). See reader.h for the mention-matching rule.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "data/reader.h"
#include "text/utf8.h"

namespace gtrain {

namespace {

using nlohmann::json;

struct Occ {
  int64_t start, end;
  std::string label;
  size_t mention_id;
};

Example parse_gliner2_line(const std::string& line, const std::string& file, long ln) {
  json j;
  try {
    j = json::parse(line);
  } catch (const json::parse_error& e) {
    throw InputError(file, ln, "", std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError(file, ln, "", "expected a JSON object, got " + std::string(j.type_name()));

  const char* text_key = j.contains("input") ? "input" : "text";
  if (!j.contains(text_key)) throw InputError(file, ln, "input", "missing (expected \"input\" or \"text\")");
  if (!j[text_key].is_string()) throw InputError(file, ln, text_key, "must be a string");
  const char* out_key = j.contains("output") ? "output" : "schema";
  if (!j.contains(out_key)) throw InputError(file, ln, "output", "missing (expected \"output\" or \"schema\")");
  const json& out = j[out_key];
  if (!out.is_object()) throw InputError(file, ln, out_key, "must be an object");

  Example ex;
  ex.text = j[text_key].get<std::string>();
  std::vector<char32_t> text;
  size_t bad = 0;
  if (!utf8::decode(ex.text, &text, &bad))
    throw InputError(file, ln, text_key, "invalid UTF-8 at byte offset " + std::to_string(bad) + " of the text");

  const std::string ents_field = std::string(out_key) + ".entities";
  std::vector<Occ> occ;
  std::vector<int64_t> mention_len;
  if (out.contains("entities")) {
    const json& ents = out["entities"];
    if (!ents.is_object()) throw InputError(file, ln, ents_field, "must be an object {label: [mention, ...]}");
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
        const std::string m = list[i].get<std::string>();
        std::vector<char32_t> mc;
        if (!utf8::decode(m, &mc, &bad)) throw InputError(file, ln, mf, "mention is not valid UTF-8");
        if (mc.empty()) throw InputError(file, ln, mf, "mention is empty");
        const size_t id = mention_len.size();
        mention_len.push_back(static_cast<int64_t>(mc.size()));
        bool found = false;
        auto pos = text.begin();
        while (true) {
          auto hit = std::search(pos, text.end(), mc.begin(), mc.end());
          if (hit == text.end()) break;
          found = true;
          const int64_t s = hit - text.begin();
          occ.push_back(Occ{s, s + static_cast<int64_t>(mc.size()), label, id});
          pos = hit + static_cast<std::ptrdiff_t>(mc.size());
        }
        if (!found) throw InputError(file, ln, mf, "mention \"" + m + "\" not found in the text");
      }
    }
  }
  if (out.contains("entity_descriptions")) {
    const json& d = out["entity_descriptions"];
    const std::string df = std::string(out_key) + ".entity_descriptions";
    if (!d.is_object()) throw InputError(file, ln, df, "must be an object {label: description}");
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!it.value().is_string()) throw InputError(file, ln, df + "." + it.key(), "must be a string");
      auto s = std::find_if(ex.schema.begin(), ex.schema.end(),
                            [&](const SchemaLabel& l) { return l.name == it.key(); });
      if (s == ex.schema.end()) {
        ex.schema.push_back(SchemaLabel{it.key(), ""});
        s = ex.schema.end() - 1;
      }
      s->description = it.value().get<std::string>();
    }
  }

  // Same (start, end, label) from a repeated listing: keep one. Occurrences strictly inside an
  // occurrence of a longer mention are not labelled.
  std::sort(occ.begin(), occ.end(), [](const Occ& a, const Occ& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end > b.end;
    return a.label < b.label;
  });
  std::vector<Occ> kept;
  for (const Occ& o : occ) {
    bool drop = false;
    for (const Occ& k : kept) {
      if (k.start == o.start && k.end == o.end && k.label == o.label) { drop = true; break; }
      if (k.start <= o.start && o.end <= k.end && (k.end - k.start) > (o.end - o.start)) { drop = true; break; }
    }
    if (!drop) kept.push_back(o);
  }
  for (const Occ& o : kept) ex.entities.push_back(Entity{o.start, o.end, o.label});
  return ex;
}

}  // namespace

ReadResult read_gliner2_jsonl(const std::string& path, const ReadOptions& opt) {
  ReadResult r;
  reader_detail::LineReader lr(path);
  std::string line;
  while (lr.next(&line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const long ln = lr.line_no();
    Example ex;
    if (reader_detail::attempt(opt, &r, path, ln, line, [&] {
          lr.check_utf8();
          ex = parse_gliner2_line(line, path, ln);
          reader_detail::finish_example(&ex, path, ln, opt);
        }))
      r.examples.push_back(std::move(ex));
  }
  return r;
}

}  // namespace gtrain
