// Offset JSONL: {"text": T, "entities": [{"start": s, "end": e, "label": l}], "labels": [...],
// "descriptions": {label: desc}}; code-point offsets, end exclusive.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "data/reader.h"

namespace gtrain {

namespace {

using json = nlohmann::ordered_json;  // keys in the file's order

// *has_labels: whether the record names its labels ("labels"); the others are annotated for the
// file's label set (read_offset_jsonl).
Example parse_offset_line(const std::string& line, const std::string& file, long ln, bool* has_labels) {
  json j = reader_detail::parse_json_object(line, file, ln);
  if (!j.contains("text")) throw InputError(file, ln, "text", "missing");
  if (!j["text"].is_string()) throw InputError(file, ln, "text", "must be a string");
  Example ex;
  ex.text = j["text"].get<std::string>();

  auto add_label = [&](const std::string& name) {
    for (const SchemaLabel& s : ex.schema)
      if (s.name == name) return;
    ex.schema.push_back(SchemaLabel{name, ""});
  };
  *has_labels = j.contains("labels");
  if (*has_labels) {
    const json& l = j["labels"];
    if (!l.is_array()) throw InputError(file, ln, "labels", "must be a list of label names");
    for (size_t i = 0; i < l.size(); ++i) {
      if (!l[i].is_string() || l[i].get<std::string>().empty())
        throw InputError(file, ln, "labels[" + std::to_string(i) + "]", "must be a non-empty string");
      add_label(l[i].get<std::string>());
    }
  }
  if (j.contains("entities")) {
    const json& es = j["entities"];
    if (!es.is_array()) throw InputError(file, ln, "entities", "must be a list");
    for (size_t i = 0; i < es.size(); ++i) {
      const std::string f = "entities[" + std::to_string(i) + "]";
      const json& e = es[i];
      if (!e.is_object()) throw InputError(file, ln, f, "must be an object {start, end, label}");
      Entity ent;
      for (const char* k : {"start", "end"}) {
        if (!e.contains(k)) throw InputError(file, ln, f + "." + k, "missing");
        if (!e[k].is_number_integer()) throw InputError(file, ln, f + "." + k, "must be an integer");
      }
      ent.start = e["start"].get<int64_t>();
      ent.end = e["end"].get<int64_t>();
      if (!e.contains("label")) throw InputError(file, ln, f + ".label", "missing");
      if (!e["label"].is_string()) throw InputError(file, ln, f + ".label", "must be a string");
      ent.label = e["label"].get<std::string>();
      ex.entities.push_back(ent);
    }
  }
  for (const Entity& e : ex.entities)
    if (!e.label.empty()) add_label(e.label);
  if (j.contains("descriptions")) {
    const json& d = j["descriptions"];
    if (!d.is_object()) throw InputError(file, ln, "descriptions", "must be an object {label: description}");
    for (auto it = d.begin(); it != d.end(); ++it) {
      if (!it.value().is_string()) throw InputError(file, ln, "descriptions." + it.key(), "must be a string");
      add_label(it.key());
      for (SchemaLabel& s : ex.schema)
        if (s.name == it.key()) s.description = it.value().get<std::string>();
    }
  }
  return ex;
}

// A record without "labels" is annotated for every label of its file, as a BIO file's sentences
// are (reader_detail::set_file_schema): a sentence holding only a Drug is also a negative for
// Disease. Its own labels (entities', then description-only ones) come first, in its order.
void give_file_schema(std::vector<Example>* examples, const std::vector<bool>& has_labels) {
  const std::vector<SchemaLabel> labels = reader_detail::file_labels(*examples);
  for (size_t i = 0; i < examples->size(); ++i) {
    if (has_labels[i]) continue;
    std::vector<SchemaLabel>& schema = (*examples)[i].schema;
    for (const SchemaLabel& l : labels)
      if (std::none_of(schema.begin(), schema.end(), [&](const SchemaLabel& own) { return own.name == l.name; }))
        schema.push_back(l);
  }
}

}  // namespace

ReadResult read_offset_jsonl(const std::string& path, const ReadOptions& opt) {
  Example ex;
  bool has_labels = false;
  std::vector<bool> named;  // has_labels of each accepted record
  auto parse = [&](const std::string& line, long ln) { return &(ex = parse_offset_line(line, path, ln, &has_labels)); };
  auto accept = [&](ReadResult* r, const std::string&, long) {
    r->examples.push_back(std::move(ex));
    named.push_back(has_labels);
  };
  ReadResult r = reader_detail::read_jsonl_lines(path, opt, parse, accept);
  give_file_schema(&r.examples, named);
  return r;
}

}  // namespace gtrain
