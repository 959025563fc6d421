// Dispatch, format names/guessing and the helpers shared by the per-format readers.
#include "data/reader.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/validate.h"
#include "text/utf8.h"

namespace gtrain {

namespace {
const char* kFormatNames[] = {"gliner2", "offsets", "klue", "conll", "kbmc"};
}

InputFormat parse_input_format(const std::string& name) {
  for (int i = 0; i < 5; ++i)
    if (name == kFormatNames[i]) return static_cast<InputFormat>(i);
  throw InputError("", 0, "format",
                   "unknown input format '" + name + "' (valid: gliner2, offsets, klue, conll, kbmc)");
}

std::string input_format_name(InputFormat fmt) { return kFormatNames[static_cast<int>(fmt)]; }

InputFormat guess_input_format(const std::string& path) {
  reader_detail::LineReader lr(path);
  std::string line;
  const std::string ext = std::filesystem::path(path).extension().string();
  const bool json_ext = ext == ".jsonl" || ext == ".json";
  while (lr.next(&line)) {
    size_t p = line.find_first_not_of(" \t");
    if (p == std::string::npos) continue;
    if (line[p] == '{' || json_ext) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_object()) {
        if (j.contains("output") || j.contains("schema") || j.contains("input"))
          return InputFormat::Gliner2Jsonl;
        // {"text", "entities": {label: [mention]}} is GLiNER2's InputExample; a list is offsets.
        if (j.contains("entities")) return j["entities"].is_array() ? InputFormat::OffsetJsonl : InputFormat::Gliner2Jsonl;
        if (j.contains("entity_descriptions")) return InputFormat::Gliner2Jsonl;
      }
      throw InputError(path, lr.line_no(), "",
                       "cannot guess the input format: the first line is not a GLiNER2 object "
                       "(\"input\"/\"output\", or \"text\" with an \"entities\" object) nor an offsets "
                       "object (\"text\" with an \"entities\" list); pass the "
                       "format explicitly (gliner2, offsets, klue, conll, kbmc)");
    }
    if (line.rfind("## ", 0) == 0) return InputFormat::KlueTsv;
    // A tab-separated line whose first column holds a space (a KBMC sentence, not one token) or is
    // KBMC's header: kbmc. Looked for in the first 100 lines, since a one-word sentence has no
    // space and a CoNLL reading of KBMC merges its sentences.
    for (int seen = 0; seen < 100; ++seen) {
      const size_t tab = line.find('\t');
      if (tab != std::string::npos) {
        const std::string first = line.substr(0, tab);
        if (first == "Sentence" || first == "sentence" || first.find(' ') != std::string::npos)
          return InputFormat::KbmcTsv;
      }
      if (!lr.next(&line)) break;
    }
    return InputFormat::Conll;
  }
  throw InputError(path, 0, "", "cannot guess the input format of an empty file");
}

ReadResult read_examples(const std::string& path, InputFormat fmt, const ReadOptions& opt) {
  switch (fmt) {
    case InputFormat::Gliner2Jsonl: return read_gliner2_jsonl(path, opt);
    case InputFormat::OffsetJsonl: return read_offset_jsonl(path, opt);
    case InputFormat::KlueTsv: return read_klue_tsv(path, opt);
    case InputFormat::Conll: return read_conll(path, opt);
    case InputFormat::KbmcTsv: return read_kbmc_tsv(path, opt);
  }
  throw InputError(path, 0, "format", "unknown input format");
}

namespace reader_detail {

LineReader::LineReader(const std::string& path) : path_(path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw InputError(path, 0, "", std::string("cannot open: ") + std::strerror(EISDIR));
  errno = 0;
  file_ = std::make_unique<std::ifstream>(path, std::ios::binary);
  if (!*file_) {
    const int err = errno ? errno : ENOENT;
    throw InputError(path, 0, "", std::string("cannot open: ") + std::strerror(err));
  }
  in_ = file_.get();
}

LineReader::LineReader(std::istream& in, std::string name) : path_(std::move(name)), in_(&in) {}

LineReader::~LineReader() = default;

bool LineReader::next(std::string* line) {
  std::istream* f = in_;
  if (!std::getline(*f, *line)) {
    if (f->bad()) throw InputError(path_, line_no_ + 1, "", "read error");
    return false;
  }
  ++line_no_;
  if (!line->empty() && line->back() == '\r') line->pop_back();
  if (line_no_ == 1 && line->compare(0, 3, "\xEF\xBB\xBF") == 0) line->erase(0, 3);
  last_ = *line;
  return true;
}

std::optional<InputError> LineReader::utf8_error() const {
  size_t bad = 0;
  if (utf8::valid(last_, &bad)) return std::nullopt;
  return InputError(path_, line_no_, "", "invalid UTF-8 at byte offset " + std::to_string(bad) + " of the line");
}

void LineReader::check_utf8() const {
  if (auto e = utf8_error()) throw *e;
}

Reject make_reject(const std::string& file, long line, const std::string& raw, const InputError& e) {
  Reject r;
  r.origin = file + ":" + std::to_string(line);
  r.reason = e.field().empty() ? e.reason() : "field '" + e.field() + "': " + e.reason();
  r.raw = raw;
  return r;
}

std::string default_source_name(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

nlohmann::ordered_json parse_json_object(const std::string& text, const std::string& file, long line) {
  nlohmann::ordered_json j;
  try {
    j = nlohmann::ordered_json::parse(text);
  } catch (const nlohmann::json::exception& e) {  // parse_error, and out_of_range for 1e400
    throw InputError(file, line, "", std::string("malformed JSON: ") + e.what());
  }
  if (!j.is_object()) throw InputError(file, line, "", "expected a JSON object, got " + std::string(j.type_name()));
  return j;
}

void finish_example(Example* ex, const std::string& file, long line, const ReadOptions& opt) {
  ex->source = opt.source_name.empty() ? default_source_name(file) : opt.source_name;
  ex->weight = opt.weight;
  ex->origin = file + ":" + std::to_string(line);
  validate_example(*ex, file, line, opt.allowed_labels);
  sort_entities(&ex->entities);
}

void bio_to_entities(const std::vector<std::string>& tags, const std::vector<int64_t>& tok_start,
                     const std::vector<int64_t>& tok_end, const std::string& file,
                     const std::vector<long>& tag_lines, std::vector<Entity>* out,
                     std::vector<std::string>* warnings) {
  bool open = false;
  Entity cur;
  auto close = [&] {
    if (open) out->push_back(cur);
    open = false;
  };
  for (size_t i = 0; i < tags.size(); ++i) {
    const std::string& t = tags[i];
    if (t == "O") { close(); continue; }
    const char k = t.empty() ? '\0' : t[0];
    if (t.size() < 3 || (t[1] != '-' && t[1] != '_') || (k != 'B' && k != 'I' && k != 'S' && k != 'E'))
      throw InputError(file, tag_lines[i], "tag",
                       "bad tag '" + t + "' (expected O, B-<label>, I-<label>, S-<label> or E-<label>)");
    const std::string label = t.substr(2);
    const bool continues = (k == 'I' || k == 'E') && open && cur.label == label;
    if (continues) {
      cur.end = tok_end[i];
    } else {
      close();
      if ((k == 'I' || k == 'E') && warnings)
        warnings->push_back(file + ":" + std::to_string(tag_lines[i]) + ": tag '" + t +
                            "' does not continue a " + label + " entity; starting a new one");
      cur = Entity{tok_start[i], tok_end[i], label};
      open = true;
    }
    if (k == 'S' || k == 'E') close();
  }
  close();
}

void bio_block_example(const std::vector<std::string>& pieces, const std::string& sep,
                       const std::vector<std::string>& tags, const std::string& file,
                       const std::vector<long>& tag_lines, long start_line, const ReadOptions& opt, Example* ex,
                       std::vector<std::string>* warnings) {
  std::vector<int64_t> ts, te;
  int64_t pos = 0;
  const int64_t sep_len = static_cast<int64_t>(utf8::length(sep));
  for (size_t i = 0; i < pieces.size(); ++i) {
    if (i) {
      ex->text += sep;
      pos += sep_len;
    }
    ex->text += pieces[i];
    ts.push_back(pos);
    pos += static_cast<int64_t>(utf8::length(pieces[i]));
    te.push_back(pos);
  }
  bio_to_entities(tags, ts, te, file, tag_lines, &ex->entities, warnings);
  finish_example(ex, file, start_line, opt);
}

void fail_or_reject(const InputError& e, const std::string& file, long line, const std::string& raw,
                    const ReadOptions& opt, ReadResult* r) {
  if (opt.on_error == OnError::Fail) throw e;
  r->rejects.push_back(make_reject(file, line, raw, e));
}

void flush_bio_block(BioBlock* b, const std::string& sep, const std::string& file, const ReadOptions& opt,
                     ReadResult* r) {
  if (!b->open) return;
  b->open = false;
  if (!b->raw.empty() && b->raw.back() == '\n') b->raw.pop_back();
  if (b->err) {
    fail_or_reject(*b->err, file, b->err->line() > 0 ? b->err->line() : b->start_line, b->raw, opt, r);
  } else {
    Example ex;
    if (attempt(opt, r, file, b->start_line, b->raw, [&] {
          bio_block_example(b->pieces, sep, b->tags, file, b->lines, b->start_line, opt, &ex, &r->warnings);
        }))
      r->examples.push_back(std::move(ex));
  }
  *b = BioBlock{};
}

std::vector<SchemaLabel> file_labels(const std::vector<Example>& examples) {
  std::vector<SchemaLabel> labels;
  for (const Example& ex : examples)
    for (const Entity& e : ex.entities) {
      bool seen = false;
      for (const SchemaLabel& s : labels) seen = seen || s.name == e.label;
      if (!seen) labels.push_back(SchemaLabel{e.label, ""});
    }
  return labels;
}

void set_file_schema(std::vector<Example>* examples) {
  const std::vector<SchemaLabel> schema = file_labels(*examples);
  for (Example& ex : *examples) ex.schema = schema;
}

}  // namespace reader_detail
}  // namespace gtrain
