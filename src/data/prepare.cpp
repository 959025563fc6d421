#include "data/prepare.h"
#include "data/windows.h"
#include "io/atomic_file.h"
#include "text/memo_tokenizer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>

#include "data/hdf5_store.h"
#include "data/inspect.h"
#include "io/input_error.h"
#include "data/prepared.h"
#include "data/sharding.h"
#include "data/validate.h"
#include "text/unicode_class.h"
#include "text/utf8.h"

#include <nlohmann/json.hpp>

namespace fs = std::filesystem;

namespace gtrain {

namespace {

struct Loaded {
  Example ex;
  bool silver = false;
  int32_t source = 0;
  int32_t index = 0;  // position in its input
  std::string split;
};

// One JSON line per rejected record ("kind": "record") and per dropped mention ("kind": "mention"),
// written and synced but not yet in place: prepare renames it into place after the splits, so a
// failure to write it (no space) publishes nothing. Bytes that are not UTF-8 (often why the line
// was rejected) are written as U+FFFD.
std::unique_ptr<AtomicFileWriter> stage_rejects(const std::string& path, const std::vector<Reject>& rejects,
                                                const std::vector<DroppedMention>& dropped) {
  auto line = [](const nlohmann::ordered_json& j) {
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  };
  try {
    auto f = std::make_unique<AtomicFileWriter>(path);
    for (const Reject& r : rejects)
      f->write(line({{"kind", "record"}, {"origin", r.origin}, {"reason", r.reason}, {"raw", r.raw}}));
    for (const DroppedMention& d : dropped)
      f->write(line({{"kind", "mention"}, {"origin", d.origin}, {"field", d.field}, {"label", d.label},
                     {"mention", d.mention}, {"reason", d.reason}}));
    f->sync();
    return f;
  } catch (const std::exception& e) {  // the writer names the path and the cause (e.g. no space)
    throw InputError(path, 0, "", std::string("cannot write the rejects file: ") + e.what());
  }
}

// Split files of an earlier run into the same folder that this run did not write (its dev.h5
// beside this run's train.h5 would mix two datasets, label ids included) are removed. Only files
// that are prepared HDF5 files are touched.
void remove_other_splits(const std::string& dir, const std::vector<std::string>& written) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const fs::path& p = entry.path();
    if (p.extension() != ".h5" || !entry.is_regular_file(ec)) continue;
    if (std::find(written.begin(), written.end(), p.stem().string()) != written.end()) continue;
    if (!is_prepared_file(p.string())) continue;
    fs::remove(p, ec);
    if (ec) throw InputError(p.string(), 0, "", "cannot remove this earlier split file: " + ec.message());
    spdlog::warn("removed {}: a split of an earlier prepare run into this folder, not part of this one", p.string());
  }
}

// The label vocabulary: configured, or every label in order of first appearance.
std::vector<SchemaLabel> label_vocabulary(const PrepareConfig& cfg, const std::vector<Loaded>& all) {
  std::vector<SchemaLabel> labels = cfg.labels;
  if (labels.empty()) {
    std::set<std::string> seen;
    for (const Loaded& l : all) {
      for (const SchemaLabel& s : l.ex.schema)
        if (seen.insert(s.name).second) labels.push_back(s);
      for (const Entity& e : l.ex.entities)
        if (seen.insert(e.label).second) labels.push_back(SchemaLabel{e.label, ""});
    }
  }
  if (labels.empty()) {
    std::string paths;
    for (const auto& in : cfg.inputs) paths += (paths.empty() ? "" : ", ") + in.path;
    throw InputError(cfg.inputs.empty() ? std::string("prepare") : cfg.inputs.front().path, 0, "labels",
                     "the label set is empty: no `labels:` configured and no entity or schema label found in " + paths);
  }
  return labels;
}

// Splits: explicit per input, else a deterministic random split (dev_fraction, test_fraction).
std::vector<std::string> assign_splits(const PrepareConfig& cfg, const std::vector<Loaded>& all) {
  std::vector<int64_t> perm = epoch_permutation(static_cast<int64_t>(all.size()), cfg.split_seed, 0);
  std::vector<std::string> split_of(all.size());
  std::vector<int64_t> unassigned;
  for (int64_t i : perm)
    if (all[i].split.empty()) unassigned.push_back(i); else split_of[i] = all[i].split;
  const int64_t n = static_cast<int64_t>(unassigned.size());
  // Rounded together, so dev + test never take more than round((dev + test) * n); dev is served
  // first (training needs it more than a test split); at least one example stays in train.
  const int64_t held = std::min<int64_t>(static_cast<int64_t>((cfg.dev_fraction + cfg.test_fraction) * n + 0.5),
                                         std::max<int64_t>(n - 1, 0));
  const int64_t ndev = std::min<int64_t>(static_cast<int64_t>(cfg.dev_fraction * n + 0.5), held);
  const int64_t ntest = held - ndev;
  if ((cfg.dev_fraction > 0 && ndev == 0) || (cfg.test_fraction > 0 && ntest == 0))
    spdlog::warn("split: dev {} and test {} of {} examples give {} dev and {} test examples", cfg.dev_fraction,
                 cfg.test_fraction, n, ndev, ntest);
  for (int64_t k = 0; k < n; ++k)
    split_of[unassigned[k]] = k < ntest ? "test" : (k < ntest + ndev ? "dev" : "train");
  return split_of;
}

// An example's label ids, ascending: its schema's and its entities' labels; none (unlabelled)
// means every label, each a negative.
std::vector<int32_t> schema_of(const Example& ex, const std::unordered_map<std::string, int32_t>& label_id,
                               size_t num_labels) {
  std::vector<int32_t> schema;
  for (const SchemaLabel& s : ex.schema) {
    auto it = label_id.find(s.name);
    if (it != label_id.end()) schema.push_back(it->second);
  }
  for (const Entity& e : ex.entities) {
    int32_t id = label_id.at(e.label);
    if (std::find(schema.begin(), schema.end(), id) == schema.end()) schema.push_back(id);
  }
  if (schema.empty())  // unlabelled example: every label is a negative
    for (size_t k = 0; k < num_labels; ++k) schema.push_back(static_cast<int32_t>(k));
  // The prompt's label order is the vocabulary's, the same for every row and the order gtrain.json
  // keeps for predict: a model trained on one order predicts worse on another, and records may
  // list their labels in any order.
  std::sort(schema.begin(), schema.end());
  schema.erase(std::unique(schema.begin(), schema.end()), schema.end());
  return schema;
}

// What every split's file records of how it was made (its readers check it against the run).
PreparedMeta prepared_meta(const PrepareConfig& cfg, const Tokenizer& tok, const std::vector<SchemaLabel>& labels,
                           const std::vector<std::string>& sources) {
  PreparedMeta meta;
  meta.format_version = kPreparedFormatVersion;
  meta.tokenizer_fingerprint = tok.fingerprint();
  meta.tokenizer_kind = tok.kind();
  meta.unit_mode = unit_mode_name(cfg.unit_mode);
  for (const auto& l : labels) { meta.labels.push_back(l.name); meta.label_descriptions.push_back(l.description); }
  meta.sources = sources;
  meta.max_length = cfg.max_length;
  meta.max_span_width = cfg.max_span_width;
  meta.window_stride = cfg.window_stride;
  return meta;
}

// The splits that occur, train, dev and test first, then the others in order of appearance.
std::vector<std::string> split_order(const std::vector<std::string>& split_of) {
  std::vector<std::string> split_names;
  for (const char* s : {"train", "dev", "test"})
    for (const auto& x : split_of) if (x == s) { split_names.push_back(s); break; }
  for (const auto& x : split_of)
    if (std::find(split_names.begin(), split_names.end(), x) == split_names.end()) split_names.push_back(x);
  return split_names;
}

}  // namespace

PrepareInput input_from_spec(const std::string& spec) {
  PrepareInput in;
  in.path = spec;
  const size_t colon = spec.rfind(':');
  if (colon != std::string::npos && colon + 1 < spec.size() && spec.find('/', colon) == std::string::npos) {
    in.path = spec.substr(0, colon);
    in.format = spec.substr(colon + 1);
  }
  return in;
}

namespace {

// The config file's checks again, for values the command-line flags set after it was read; then
// each input's format, all checked before any input is read.
std::vector<InputFormat> check_prepare_config(const PrepareConfig& cfg) {
  if (cfg.inputs.empty()) throw InputError("", 0, "inputs", "no input files configured");
  if (cfg.output_dir.empty()) throw InputError("", 0, "output", "no output directory configured");
  if (cfg.max_length < 8) throw InputError("", 0, "max_length", "must be at least 8 tokens");
  if (cfg.max_span_width < 1)
    throw InputError("", 0, "max_span_width", "must be at least 1 unit, got " + std::to_string(cfg.max_span_width));
  if (cfg.window_stride < 0)
    throw InputError("", 0, "window_stride", "must be at least 0 (units shared by consecutive windows), got " +
                                                 std::to_string(cfg.window_stride));
  if (cfg.dev_fraction < 0 || cfg.test_fraction < 0 || cfg.dev_fraction + cfg.test_fraction >= 1)
    throw InputError("", 0, "split", "dev + test fractions must be in [0, 1), got dev " +
                                         std::to_string(cfg.dev_fraction) + " and test " + std::to_string(cfg.test_fraction));
  if (cfg.overflow == "window" && cfg.window_stride >= cfg.max_length)
    spdlog::warn("window_stride {} >= max_length {}: consecutive windows advance by about one unit each",
                 cfg.window_stride, cfg.max_length);
  else if (cfg.overflow == "window" && cfg.window_stride < cfg.max_span_width)
    spdlog::warn("window_stride {} < max_span_width {}: an entity longer than the overlap of two windows is in "
                 "neither, and is counted as cut",
                 cfg.window_stride, cfg.max_span_width);
  std::vector<InputFormat> formats;
  for (const PrepareInput& in : cfg.inputs) {
    try {
      formats.push_back(in.format.empty() ? guess_input_format(in.path) : parse_input_format(in.format));
    } catch (const InputError& e) {
      if (!e.file().empty()) throw;
      throw InputError(in.path, 0, "format", e.reason());
    }
  }
  return formats;
}

// Every input read: its examples in input order, and what was rejected or dropped on the way.
struct ReadInputs {
  std::vector<Loaded> all;
  std::vector<Reject> rejects;
  std::vector<DroppedMention> dropped;
  std::vector<std::string> sources;  // one name per input, indexed by Loaded::source
};

ReadInputs read_inputs(const PrepareConfig& cfg, const std::vector<InputFormat>& formats, PrepareReport* report) {
  ReadInputs got;
  std::vector<std::string> label_names;
  for (const auto& l : cfg.labels) label_names.push_back(l.name);
  for (size_t k = 0; k < cfg.inputs.size(); ++k) {
    const PrepareInput& in = cfg.inputs[k];
    const InputFormat fmt = formats[k];
    ReadOptions opt;
    opt.on_error = cfg.on_error;
    opt.source_name = in.name.empty() ? fs::path(in.path).filename().string() : in.name;
    opt.weight = in.weight;
    opt.allowed_labels = label_names.empty() ? nullptr : &label_names;
    opt.matching = cfg.matching;
    opt.unmatched = cfg.unmatched;
    report->formats.push_back(input_format_name(fmt) + (in.format.empty() ? " (guessed)" : ""));
    ReadResult r = read_examples(in.path, fmt, opt);
    const int32_t src = static_cast<int32_t>(got.sources.size());
    got.sources.push_back(opt.source_name);
    spdlog::info("read {} ({}): {} examples, {} rejected{}", in.path, report->formats.back(), r.examples.size(),
                 r.rejects.size(),
                 r.dropped_mentions.empty() ? "" : ", " + std::to_string(r.dropped_mentions.size()) + " mentions dropped");
    if (!r.warnings.empty()) {
      std::istringstream lines(format_read_warnings(r.warnings));
      for (std::string l; std::getline(lines, l);) spdlog::warn("{}", l);
    }
    report->mentions.add(r.mentions);
    for (auto& d : r.dropped_mentions) got.dropped.push_back(std::move(d));
    for (size_t i = 0; i < r.examples.size(); ++i)
      got.all.push_back(Loaded{std::move(r.examples[i]), in.silver, src, static_cast<int32_t>(i), in.split});
    if (r.examples.empty() && r.rejects.empty() && r.mentions.no_entity_task == 0 && r.mentions.records_emptied == 0)
      throw InputError(in.path, 0, "", "holds no examples (the file is empty or has only blank lines)");
    for (auto& rj : r.rejects) got.rejects.push_back(std::move(rj));
  }
  return got;
}

// Nothing left to prepare: the rejects file is written (so `data inspect` can show why) and the
// error says what emptied the inputs.
[[noreturn]] void throw_no_examples(const PrepareConfig& cfg, const ReadInputs& got, const PrepareReport& report,
                                    const std::string& rejects_path) {
  const bool listed = !got.rejects.empty() || !got.dropped.empty();
  if (listed) {
    fs::create_directories(cfg.output_dir);
    stage_rejects(rejects_path, got.rejects, got.dropped)->commit();
  }
  std::string why = got.rejects.empty() ? "no record holds an entity task"
                                        : "all " + std::to_string(got.rejects.size()) + " records were rejected";
  if (report.mentions.no_entity_task > 0)
    why += " (" + std::to_string(report.mentions.no_entity_task) + " records hold only other GLiNER2 tasks)";
  if (report.mentions.records_emptied > 0)
    why += " (" + std::to_string(report.mentions.records_emptied) + " records lost every label to drop_label)";
  throw InputError(cfg.inputs.front().path, 0, "",
                   "no examples left to prepare: " + why +
                       (listed ? "; the reasons are in " + rejects_path : std::string()) +
                       " (see them with `gtrain data inspect`)");
}

// What building one split needs besides its examples.
struct RowContext {
  const PrepareConfig& cfg;
  Tokenizer* units_tokenizer;  // the memo over the tokenizer, or the tokenizer itself
  const std::unordered_map<std::string, int32_t>& label_id;
  size_t num_labels;
};

// One example's rows (one per window), appended to `rows`, with its counts added to `sr`.
// Returns how many of its entities had surrounding spaces trimmed.
int64_t add_example_rows(const RowContext& c, Loaded& l, std::vector<char32_t>& cps, SplitReport& sr,
                         std::vector<PreparedExample>& rows) {
  const PrepareConfig& cfg = c.cfg;
  ++sr.examples;
  utf8::decode(l.ex.text, &cps);
  const int64_t trimmed = trim_entities(cps, &l.ex);
  Units u = make_units(cps, cfg.unit_mode, c.units_tokenizer);
  const std::vector<int32_t> schema = schema_of(l.ex, c.label_id, c.num_labels);
  const OverlapCounts ov = count_overlaps(l.ex.entities);
  sr.nested += ov.nested;
  sr.crossing += ov.crossing;
  sr.same_span += ov.same_span;
  // Entity -> unit span over the whole text.
  std::vector<UnitSpan> spans;
  std::vector<const Entity*> span_entity;  // parallel to spans
  std::vector<int32_t> lost;  // (start, end, label) of the gold entities no row holds
  auto lose = [&](const Entity& e) {
    lost.insert(lost.end(), {static_cast<int32_t>(e.start), static_cast<int32_t>(e.end), c.label_id.at(e.label)});
  };
  for (const Entity& e : l.ex.entities) {
    ++sr.entities;
    int32_t f, g;
    if (!find_unit_span(u, static_cast<int32_t>(e.start), static_cast<int32_t>(e.end), &f, &g)) {
      ++sr.unaligned;
      lose(e);
    } else if (g - f + 1 > cfg.max_span_width) {
      ++sr.too_wide;
      lose(e);
    } else {
      spans.push_back(UnitSpan{f, g, c.label_id.at(e.label)});
      span_entity.push_back(&e);
    }
  }
  auto wins = unit_windows(u, cfg.max_length, cfg.window_stride, cfg.overflow == "truncate");
  if (wins.size() > 1 || (wins.size() == 1 && wins[0].second < static_cast<int32_t>(u.size()))) ++sr.windowed;
  std::vector<bool> kept(spans.size(), false);
  const size_t first_row = rows.size();
  for (const auto& [a, b] : wins) {
    PreparedExample p = window_row(u, cps, a, b, cfg.max_length);
    for (size_t s = 0; s < spans.size(); ++s)
      if (spans[s].start >= a && spans[s].end < b) {
        p.spans.push_back(UnitSpan{spans[s].start - a, spans[s].end - a, spans[s].label});
        kept[s] = true;
      }
    p.example_index = l.index;
    p.source = l.source;
    p.weight = l.ex.weight;
    p.silver = l.silver;
    p.schema_labels = schema;
    sr.tokens += static_cast<int64_t>(p.token_ids.size());
    sr.units += static_cast<int64_t>(p.unit_token.size());
    sr.spans += static_cast<int64_t>(p.spans.size());
    rows.push_back(std::move(p));
  }
  for (size_t k = 0; k < kept.size(); ++k) {
    sr.truncated_entities += !kept[k];
    if (!kept[k]) lose(*span_entity[k]);
  }
  if (rows.size() > first_row) rows[first_row].lost_gold = std::move(lost);  // its first row carries them
  return trimmed;
}

}  // namespace

PrepareReport prepare(const PrepareConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  PrepareReport report;
  const std::vector<InputFormat> formats = check_prepare_config(cfg);
  if (cfg.tokenizer.empty()) throw InputError("", 0, "tokenizer", "no tokenizer configured");
  std::unique_ptr<Tokenizer> tok = open_tokenizer(cfg.tokenizer);
  if (cfg.add_gliner2_tokens) tok->add_special_tokens(gliner2_special_tokens());
  const std::string rejects_path = (fs::path(cfg.output_dir) / "rejects.jsonl").string();

  // 1. Read every input.
  ReadInputs got = read_inputs(cfg, formats, &report);
  if (got.all.empty()) throw_no_examples(cfg, got, report, rejects_path);
  report.examples = static_cast<int64_t>(got.all.size());

  // 2. The label vocabulary.
  const std::vector<SchemaLabel> labels = label_vocabulary(cfg, got.all);
  std::unordered_map<std::string, int32_t> label_id;
  for (size_t i = 0; i < labels.size(); ++i) label_id[labels[i].name] = static_cast<int32_t>(i);

  // 3. Splits.
  const std::vector<std::string> split_of = assign_splits(cfg, got.all);
  const std::vector<std::string> split_names = split_order(split_of);

  fs::create_directories(cfg.output_dir);
  clean_stale_temps(cfg.output_dir);  // e.g. train.h5.tmp.<pid> of an interrupted prepare
  const PreparedMeta meta = prepared_meta(cfg, *tok, labels, got.sources);

  // 4. Tokenize, align and write each split (the writer renames its temp file only on commit).
  std::vector<std::unique_ptr<PreparedWriter>> writers;
  for (const std::string& split : split_names) {
    SplitReport sr;
    sr.split = split;
    sr.path = (fs::path(cfg.output_dir) / (split + ".h5")).string();
    std::vector<PreparedExample> rows;
    std::vector<char32_t> cps;
    MemoTokenizer memo(tok.get());
    const RowContext ctx{cfg, cfg.memo_words ? static_cast<Tokenizer*>(&memo) : tok.get(), label_id, labels.size()};
    for (size_t i = 0; i < got.all.size(); ++i)
      if (split_of[i] == split) report.trimmed_entities += add_example_rows(ctx, got.all[i], cps, sr, rows);
    PreparedMeta m = meta;
    m.num_examples = static_cast<int64_t>(rows.size());
    m.num_tokens = sr.tokens;
    m.num_units = sr.units;
    m.num_spans = sr.spans;
    auto w = std::make_unique<PreparedWriter>(sr.path, m);
    for (const auto& p : rows) w->add(p);
    sr.rows = static_cast<int64_t>(rows.size());
    writers.push_back(std::move(w));
    report.splits.push_back(sr);
  }

  // 5. Publish only once every split is built and on disk: a failure above (a full disk included)
  // leaves the previous output set as it was.
  for (auto& w : writers) w->write();
  std::unique_ptr<AtomicFileWriter> rejects_file;
  if (!got.rejects.empty() || !got.dropped.empty()) {
    report.rejects_path = rejects_path;
    rejects_file = stage_rejects(rejects_path, got.rejects, got.dropped);
  }
  fs::remove(fs::path(cfg.output_dir) / kPrepareKeyFile);  // it would describe the splits replaced here
  for (auto& w : writers) w->publish();
  remove_other_splits(cfg.output_dir, split_names);
  if (rejects_file)
    rejects_file->commit();
  else
    fs::remove(rejects_path);  // an older run's list would describe other data
  report.rejects = static_cast<int64_t>(got.rejects.size());
  report.dropped_mentions = static_cast<int64_t>(got.dropped.size());
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return report;
}

}  // namespace gtrain
