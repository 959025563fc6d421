#include "config/prepare_config.h"

#include <filesystem>

#include "config/config_fields.h"
#include "config/yaml_check.h"
#include "data/prepared.h"
#include "io/input_error.h"
#include "io/sha256.h"
#include "text/tokenizer.h"

namespace gtrain {

namespace fs = std::filesystem;

namespace {

using Key = const std::string&;

// Relative paths in a config are relative to the config file's folder (itself maybe relative).
PathRule prepare_path(PathKind kind, Presence presence) { return PathRule{PathRule::RelativeOnly, kind, "", presence}; }

std::string file_digest(const std::string& path, const std::string& field) {
  try {
    return sha256_file_hex(path);
  } catch (const std::exception& e) {
    throw InputError(path, 0, field, std::string("cannot read the file to compute the prepare cache key: ") + e.what());
  }
}

template <class E>
std::vector<std::string> names_of(const std::vector<E>& values, std::string (*name)(E)) {
  std::vector<std::string> out;
  for (E v : values) out.push_back(name(v));
  return out;
}

// A word with a fixed message for anything else ("must be 'a' or 'b'").
template <class V>
ValueKind<V> either(const std::string& a, V va, const std::string& b, V vb, bool says_got = false) {
  return named<V>(
      [=](const std::string& v) {
        if (v == a) return va;
        if (v == b) return vb;
        throw std::invalid_argument("must be '" + a + "' or '" + b + "'" +
                                    (says_got ? ", got '" + v + "'" : ""));
      },
      [=](const V& v) { return v == va ? a : b; }, choices_type({a, b}));
}

// The inputs' own keys (each item of `inputs`).
const FieldTable<PrepareInput>& input_fields() {
  using I = PrepareInput;
  static const FieldTable<PrepareInput> table = {{
      field<I>("path", [](auto& c) -> auto& { return c.path; }, path(prepare_path(PathKind::File, Presence::Required)),
               "the annotated file")
          .key([](const I& in, Key name, std::string* text) {  // its bytes and file name (the default source name)
            put_key_text(text, name + ".file_name", fs::path(in.path).filename().string());
            put_key_text(text, name + ".sha256", file_digest(in.path, name));
          }),
      field<I>("format", [](auto& c) -> auto& { return c.format; }, text(),
               "`gliner2` \\| `offsets` \\| `klue` \\| `conll` \\| `kbmc` (above); empty = guessed from the file")
          .check([](const YAML::Node& s, Key key, Key field, const FieldContext& c, const I& in) {
            if (in.format.empty()) return;
            try {
              parse_input_format(in.format);
            } catch (const InputError& e) {  // at load, naming the line, not once the inputs before it are read
              throw InputError(c.file, yaml_line(s[key]), field, e.reason());
            }
          }),
      field<I>("name", [](auto& c) -> auto& { return c.name; }, text(), "source name in reports; empty = the file name"),
      field<I>("weight", [](auto& c) -> auto& { return c.weight; }, float_number(), "loss weight of its examples"),
      field<I>("tag", [](auto& c) -> auto& { return c.silver; }, either<bool>("gold", false, "silver", true),
               "silver: generated data"),
      field<I>("split", [](auto& c) -> auto& { return c.split; }, text(),
               "`train`, `dev`, `test`, …; empty = assigned by the random `split`"),
  }};
  return table;
}

}  // namespace

const FieldTable<PrepareConfig>& prepare_fields() {
  using P = PrepareConfig;
  static const FieldTable<PrepareConfig> table = {
      {
          field<P>("tokenizer", [](auto& c) -> auto& { return c.tokenizer; },
                   path(prepare_path(PathKind::Any, Presence::RequiredUnlessInline)),
                   "tokenizer path (see above); inline in a training config, it defaults to the model's "
                   "(`model.tokenizer`, else `model.source`)")
              .key([](const P& p, Key name, std::string* text) {  // the files open_tokenizer reads
                std::error_code ec;
                if (fs::is_directory(p.tokenizer, ec)) {
                  for (const char* f : {"spm.model", "tokenizer.json", "vocab.txt", "added_tokens.json"}) {
                    const fs::path file = fs::path(p.tokenizer) / f;
                    if (!fs::exists(file, ec)) continue;
                    put_key_text(text, name + ".file", f);
                    put_key_text(text, name + ".sha256", file_digest(file.string(), name));
                  }
                  // What else a folder's tokenizer is made of (tokenizer_config.json's settings, the
                  // class config.json names, sentencepiece.bpe.model): its fingerprint, which
                  // changes exactly when the pieces do.
                  try {
                    put_key_text(text, name + ".fingerprint", open_tokenizer(p.tokenizer)->fingerprint());
                  } catch (const std::exception& e) {
                    throw InputError(p.tokenizer, 0, name, e.what());
                  }
                } else {
                  put_key_text(text, name + ".file", fs::path(p.tokenizer).filename().string());
                  put_key_text(text, name + ".sha256", file_digest(p.tokenizer, name));
                }
              }),
          field<P>("add_gliner2_tokens", [](auto& c) -> auto& { return c.add_gliner2_tokens; }, boolean(),
                   "append GLiNER2's ten special tokens"),
          field<P>("unit_mode", [](auto& c) -> auto& { return c.unit_mode; },
                   named<UnitMode>(parse_unit_mode, unit_mode_name, choices_type(names_of(all_unit_modes(), unit_mode_name))),
                   "span units (see above)"),
          field<P>("max_length", [](auto& c) -> auto& { return c.max_length; }, int_in<int>(8),
                   "text tokens per row (the schema prompt comes on top)"),
          field<P>("overflow", [](auto& c) -> auto& { return c.overflow; },
                   either<std::string>("window", "window", "truncate", "truncate", /*says_got=*/true),
                   "`window`: overlapping windows; `truncate`: keep the first `max_length` tokens"),
          field<P>("window_stride", [](auto& c) -> auto& { return c.window_stride; }, int_in<int>(0),
                   "units shared by consecutive windows"),
          field<P>("max_span_width", [](auto& c) -> auto& { return c.max_span_width; }, int_in<int>(1),
                   "longest span, in units; longer entities are counted as `too-wide` and dropped"),
          field<P>("labels", [](auto& c) -> auto& { return c.labels; }, label_list(/*training=*/false),
                   "names or `{name, description}`; an entity with another label is an error; left out = every "
                   "label in the data, in the order it first appears there. This order (the label "
                   "vocabulary's) is the prompt's in training, evaluation and `predict` "
                   "([training.md](training.md#continue-stop-evaluate-predict))")
              .when([](const P& p) { return !p.labels.empty(); }),
          field<P>("split.dev", [](auto& c) -> auto& { return c.dev_fraction; }, number(),
                   "fraction of the inputs that name no `split` put in dev at random"),
          field<P>("split.test", [](auto& c) -> auto& { return c.test_fraction; }, number(),
                   "the same for test; dev + test in [0, 1)"),
          field<P>("split.seed", [](auto& c) -> auto& { return c.split_seed; }, int_in<uint64_t>(),
                   "seed of the random split")
              .check([](const YAML::Node& s, Key key, Key field, const FieldContext& c, const P& p) {
                if (p.dev_fraction < 0 || p.test_fraction < 0 || p.dev_fraction + p.test_fraction >= 1)
                  throw InputError(c.file, yaml_line(s), field.substr(0, field.size() - key.size() - 1),
                                   "dev + test fractions must be in [0, 1)");
              }),
          field<P>("output", [](auto& c) -> auto& { return c.output_dir; },
                   path(prepare_path(PathKind::Dir, Presence::RequiredUnlessInline)),
                   "output directory (`train.h5`, `dev.h5`, …)")
              .not_in_key(),
          field<P>("on_error", [](auto& c) -> auto& { return c.on_error; },
                   either<OnError>("fail", OnError::Fail, "skip", OnError::Skip),
                   "`skip`: rejects go to `OUTPUT/rejects.jsonl`"),
          field<P>("unmatched_mentions", [](auto& c) -> auto& { return c.unmatched; },
                   named<UnmatchedPolicy>(parse_unmatched_policy, unmatched_policy_name,
                                          choices_type(names_of<UnmatchedPolicy>(
                                              {UnmatchedPolicy::Drop, UnmatchedPolicy::DropLabel,
                                               UnmatchedPolicy::Reject, UnmatchedPolicy::Fail},
                                              unmatched_policy_name))),
                   "GLiNER2 mentions not in their text (see above)"),
          field<P>("mention_matching.case_insensitive", [](auto& c) -> auto& { return c.matching.case_insensitive; },
                   boolean(), "GLiNER2 mentions are also looked up lower-cased (see above)"),
          field<P>("mention_matching.unicode", [](auto& c) -> auto& { return c.matching.unicode; },
                   named<UnicodeForm>(parse_unicode_form, unicode_form_name,
                                      choices_type(names_of<UnicodeForm>(
                                          {UnicodeForm::None, UnicodeForm::NFC, UnicodeForm::NFKC}, unicode_form_name))),
                   "… and in this Unicode normal form"),
          field<P>("mention_matching.whitespace", [](auto& c) -> auto& { return c.matching.whitespace; }, boolean(),
                   "… and with every whitespace run read as one space"),
          field<P>("inputs", [](auto& c) -> auto& { return c.inputs; },
                   list_of(input_fields(), "needs a list of input files"),
                   "the annotated files, each a map of the keys below")
              .key([](const P& p, Key name, std::string* text) {
                put_key_text(text, name, std::to_string(p.inputs.size()));
                for (size_t i = 0; i < p.inputs.size(); ++i)
                  fields_key_text(input_fields(), p.inputs[i], name + "[" + std::to_string(i) + "]", text);
              }),
      },
      {"split", "mention_matching"}};
  return table;
}

PrepareConfig load_prepare_config(const std::string& path) {
  const YAML::Node root = load_yaml_file(path);
  const std::string dir = fs::path(path).parent_path().string();
  return parse_prepare_config(root, path, dir, "", true);
}

PrepareConfig parse_prepare_config(const YAML::Node& root, const std::string& path,
                                   const std::string& dir, const std::string& where,
                                   bool require_output) {
  check_keys(root, prepare_fields().keys().names(), path, where);
  check_yaml_tree(root, path, where);
  FieldContext c;
  c.file = path;
  c.base_dir = dir;
  c.where = where;
  c.inline_section = !require_output;
  c.root.reset(root);
  PrepareConfig cfg;
  parse_fields(prepare_fields(), root, c, &cfg);
  return cfg;
}

std::string prepare_cache_key(const PrepareConfig& p) {
  // A new version makes caches of the old rules be prepared again. v7: morph units split
  // particles in decomposed (NFD) Hangul. v6: a GLiNER2 record left with
  // no label by drop_label, or with "entities": {}, is skipped; CoNLL files with tabs split at
  // tabs; KLUE tags trimmed. v5: rows list their labels in the vocabulary's order, and a
  // vocab.txt whose tokenizer_config.json reads it as bare keeps the bare file's fingerprint. v4:
  // offsets records without "labels" get the file's labels, and the gold no row holds is kept in
  // /lost. v3: the canonical text is made from the field table. v2: GLiNER2 mentions keep
  // nested/crossing occurrences and follow unmatched_mentions.
  std::string s = "gtrain prepare cache key v7\n";
  put_key_text(&s, "format_version", std::to_string(kPreparedFormatVersion));
  fields_key_text(prepare_fields(), p, "data.prepare", &s);
  return sha256_hex(s);
}

std::vector<DocTable> prepare_config_doc_tables() {
  return {{"prepare", doc_table(prepare_fields(), "")}, {"prepare.inputs", doc_table(input_fields(), "")}};
}

}  // namespace gtrain
