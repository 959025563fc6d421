// The field tables behind the YAML configs: each key of a config is one `Field` row (its dotted
// path, type, doc line, and how its value is read, checked, written, compared and hashed), so a
// key is spelled once. Parsing, the `--set` key lookup, YAML emission, equality, the prepare
// cache key and the key tables in docs/ all walk the same rows (train_config.cpp,
// prepare_config.cpp; the docs are checked by tests/unit/test_config_docs.cpp).
#pragma once
#include <climits>
#include <cmath>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "io/enum_names.h"
#include "io/shortest_decimal.h"
#include "config/yaml_check.h"
#include "data/example.h"
#include "io/input_error.h"

namespace gtrain {

// What a field's reader knows besides its own section.
struct FieldContext {
  std::string file;            // named in errors
  std::string base_dir;        // relative paths resolve against it
  std::string where;           // prefix of every field path in errors ("data.prepare" inline, "" for a whole file)
  bool check_files = false;    // paths must name existing files
  bool inline_section = false; // a training config's data.prepare (its `output` is optional)
  YAML::Node root;             // the table's whole tree, for checks that look at other keys
};


// ---- value kinds: how one type of value is read, written, shown and compared ----------------
template <class V>
struct ValueKind {
  std::string type;  // the docs' type column
  // Reads sec[key]; a missing or null key gives `fallback` (the struct default). Throws
  // InputError naming the file, line and field_path(where, key).
  std::function<V(const YAML::Node& sec, const std::string& key, const std::string& where,
                  const FieldContext& ctx, const V& fallback)> read;
  std::function<void(YAML::Emitter&, const V&)> write;
  std::function<std::string(const V&)> show;  // the docs' default column
  std::function<bool(const V&, const V&)> same;  // every kind sets it (most to equal<V>)
};

template <class V>
bool equal(const V& a, const V& b) {
  return a == b;
}


// An integer in [lo, hi] ("must be at least lo" when hi is LONG_MAX; no check when lo is LONG_MIN
// and hi LONG_MAX).
long read_int_in(const YAML::Node& sec, const std::string& key, const std::string& where,
                 const FieldContext& ctx, long fallback, long lo, long hi);
std::string int_type(long lo, long hi);
template <class T>
ValueKind<T> int_in(long lo = LONG_MIN, long hi = LONG_MAX) {
  ValueKind<T> k;
  k.type = int_type(lo, hi);
  k.read = [lo, hi](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
                    const T& fb) { return static_cast<T>(read_int_in(s, key, w, c, static_cast<long>(fb), lo, hi)); };
  k.write = [](YAML::Emitter& out, const T& v) { out << static_cast<long long>(v); };
  k.show = [](const T& v) { return std::to_string(static_cast<long long>(v)); };
  k.same = equal<T>;
  return k;
}
// A finite number in an interval (lo_open / hi_open exclude the bound; hi = INFINITY for none).
ValueKind<double> number_in(double lo, bool lo_open, double hi, bool hi_open);
ValueKind<double> number();        // any number, unchecked
ValueKind<float> float_number();   // any number, kept as a float
ValueKind<bool> boolean();
enum class Presence { Optional, Required, RequiredUnlessInline };
ValueKind<std::string> text(Presence presence = Presence::Optional);  // written double-quoted

// A path: relative ones resolve against the context's base_dir. Absolute: every path comes out
// absolute and lexically normal (training config); RelativeOnly: only relative paths are joined
// and normalized (prepare config, whose folder may itself be relative).
enum class PathKind { File, Dir, Any };
struct PathRule {
  enum Resolve { Absolute, RelativeOnly } resolve = Absolute;
  PathKind kind = PathKind::Any;
  std::string what;  // "tokenizer": the error says "tokenizer not found: PATH" (when checked)
  Presence presence = Presence::Optional;
};
ValueKind<std::string> path(PathRule rule);
std::string resolve_path(const std::string& base_dir, const std::string& p, PathRule::Resolve how);
// With ctx.check_files: `resolved` must exist (as a file / a folder); errors name `field`.
void require_path(const YAML::Node& line_node, const std::string& field, const FieldContext& ctx,
                  const std::string& resolved, PathKind kind, const std::string& what);

// "must be one of a, b, got 'x' (did you mean 'y'?)"
std::string one_of(const std::string& v, const std::vector<std::string>& allowed);
std::string choices_type(const std::vector<std::string>& names);  // "`a` \| `b`"

// A value named by a word: `parse` throws std::exception whose message is the error's reason.
template <class V>
ValueKind<V> named(std::function<V(const std::string&)> parse, std::function<std::string(const V&)> name,
                   std::string type, bool quoted = false) {
  ValueKind<V> k;
  k.type = std::move(type);
  k.read = [parse, name](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
                         const V& fb) {
    const std::string v = get_string(s, key, c.file, w, name(fb));
    try {
      return parse(v);
    } catch (const InputError&) {
      throw;
    } catch (const std::exception& e) {
      throw InputError(c.file, yaml_line(s[key]), field_path(w, key), e.what());
    }
  };
  k.write = [name, quoted](YAML::Emitter& out, const V& v) {
    if (quoted) out << YAML::DoubleQuoted;
    out << name(v);
  };
  k.show = [name](const V& v) { return "`" + name(v) + "`"; };
  k.same = equal<V>;
  return k;
}
// One of a fixed list of words, as the word (a std::string member) or as its index (an enum
// whose values follow the list).
ValueKind<std::string> word_of(const std::vector<std::string>& names, bool quoted = false);
// An enum through its name table (io/enum_names.h; the table has static storage).
template <class E, size_t N>
ValueKind<E> enum_of(const EnumName<E> (&table)[N]) {
  const std::vector<std::string> names = enum_names(table);
  return named<E>(
      [&table, names](const std::string& v) {
        if (auto e = enum_from_name(table, v)) return *e;
        throw std::invalid_argument(one_of(v, names));
      },
      [&table](const E& e) { return enum_to_name(table, e, "?"); }, choices_type(names));
}

ValueKind<std::vector<std::string>> string_list();
ValueKind<std::vector<double>> number_list();
// Labels: a non-empty list of names or {name, description}, names non-empty, unique and without
// NUL. `training` (a training config's data.labels) only changes what an empty list is told.
ValueKind<std::vector<SchemaLabel>> label_list(bool training);

// ---- fields ---------------------------------------------------------------------------------
struct KeyTree {
  std::string name;
  bool section = false;
  std::vector<KeyTree> children;
  const KeyTree* child(const std::string& n) const;
  std::vector<std::string> names() const;
  const KeyTree* at(const std::string& dotted) const;  // the section at "model.encoder"
  void leaf_paths(const std::string& prefix, std::vector<std::string>* out) const;
};

// Appends "key=<length>:<value>\n" (unambiguous whatever the value holds).
void put_key_text(std::string* s, const std::string& k, const std::string& v);

template <class Cfg>
struct Field {
  using Check = std::function<void(const YAML::Node& sec, const std::string& key, const std::string& field,
                                   const FieldContext&, const Cfg&)>;
  std::string path;          // dotted, below the table's root: "optim.encoder_lr"
  std::string type;          // docs
  std::string default_text;  // docs
  std::string doc;           // docs: one line
  // Reads sec[key] into cfg (where = the section's field path).
  std::function<void(const YAML::Node& sec, const std::string& key, const std::string& where,
                     const FieldContext&, Cfg&)> parse;
  std::function<void(YAML::Emitter&, const Cfg&)> write;
  std::function<bool(const Cfg&)> written;  // null: always written
  std::function<bool(const Cfg&, const Cfg&)> same;
  // Its part of a cache key (field = its path with the caller's prefix); null: not part of it.
  std::function<void(const Cfg&, const std::string& field, std::string* text)> key_text;
  KeyTree children;  // a key that is a section read by another table (data.prepare)

  // A further constraint, checked right after the value is read.
  Field&& check(Check c) && {
    auto read = parse;
    parse = [read, c](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& ctx,
                      Cfg& cfg) {
      read(s, key, w, ctx, cfg);
      c(s, key, field_path(w, key), ctx, cfg);
    };
    return std::move(*this);
  }
  Field&& when(std::function<bool(const Cfg&)> w) && { written = std::move(w); return std::move(*this); }
  Field&& not_in_key() && { key_text = nullptr; return std::move(*this); }
  Field&& key(std::function<void(const Cfg&, const std::string&, std::string*)> k) && {
    key_text = std::move(k);
    return std::move(*this);
  }
};

// A field bound to the member `get` returns: `[](auto& c) -> auto& { return c.optim.seed; }`.
template <class Cfg, class Get, class V = std::decay_t<decltype(std::declval<Get&>()(std::declval<Cfg&>()))>>
Field<Cfg> field(std::string path, Get get, ValueKind<V> kind, std::string doc) {
  Field<Cfg> f;
  f.path = std::move(path);
  f.type = kind.type;
  Cfg defaults{};
  f.default_text = kind.show(get(defaults));
  f.doc = std::move(doc);
  auto read = kind.read;
  f.parse = [get, read](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
                        Cfg& cfg) {
    V& v = get(cfg);
    v = read(s, key, w, c, v);
  };
  auto write = kind.write;
  f.write = [get, write](YAML::Emitter& out, const Cfg& cfg) { write(out, get(cfg)); };
  auto same = kind.same;
  f.same = [get, same](const Cfg& a, const Cfg& b) { return same(get(a), get(b)); };
  f.key_text = [get, write](const Cfg& cfg, const std::string& name, std::string* text) {
    YAML::Emitter e;
    write(e, get(cfg));
    put_key_text(text, name, e.c_str());
  };
  return f;
}

// A table: the rows, in the order they are written (and read, and documented); the keys of a
// section are contiguous. `flow` names the sections written as flow maps ({a: 1, b: 2}).
template <class Cfg>
struct FieldTable {
  std::vector<Field<Cfg>> fields;
  std::vector<std::string> flow = {};

  KeyTree keys() const {
    KeyTree root{"", true, {}};
    for (const auto& f : fields) {
      KeyTree* k = &root;
      size_t from = 0;
      for (;;) {
        const size_t dot = f.path.find('.', from);
        const std::string part = f.path.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
        KeyTree* next = nullptr;
        for (auto& c : k->children)
          if (c.name == part) next = &c;
        if (!next) {
          k->children.push_back(KeyTree{part, dot != std::string::npos, {}});
          next = &k->children.back();
        }
        k = next;
        if (dot == std::string::npos) break;
        from = dot + 1;
      }
      if (f.children.section) *k = KeyTree{k->name, true, f.children.children};
    }
    return root;
  }
};

namespace field_detail {
std::string section_of(const std::string& path);  // "model.encoder" for "model.encoder.type"
std::string leaf_of(const std::string& path);     // "type"
YAML::Node sub(const YAML::Node& parent, const std::string& key);  // missing or null: an empty map
}  // namespace field_detail

// Reads every field of `table` from `root` (whose own keys the caller has checked) into cfg;
// each section is checked for unknown keys when it is first entered.
template <class Cfg>
void parse_fields(const FieldTable<Cfg>& table, const YAML::Node& root, const FieldContext& ctx, Cfg* cfg) {
  const KeyTree tree = table.keys();
  // The sections entered so far. YAML::Node is a handle: `a = b` would overwrite a's node in
  // the tree, so nodes are only copy-constructed or reset() here.
  std::vector<std::pair<std::string, YAML::Node>> open = {{"", root}};
  auto entered = [&](const std::string& name) -> const YAML::Node* {
    for (const auto& o : open)
      if (o.first == name) return &o.second;
    return nullptr;
  };
  for (const auto& f : table.fields) {
    const std::string section = field_detail::section_of(f.path);
    if (!entered(section)) {  // enter it, and any section above it not entered yet
      std::string walked;
      for (size_t from = 0;;) {
        const size_t dot = section.find('.', from);
        const std::string part = section.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
        const std::string here = field_path(walked, part);
        if (!entered(here)) {
          const YAML::Node n = field_detail::sub(*entered(walked), part);
          check_keys(n, tree.at(here)->names(), ctx.file, field_path(ctx.where, here));
          open.emplace_back(here, n);
        }
        walked = here;
        if (dot == std::string::npos) break;
        from = dot + 1;
      }
    }
    const YAML::Node node = *entered(section);
    f.parse(node, field_detail::leaf_of(f.path), section.empty() ? ctx.where : field_path(ctx.where, section), ctx, *cfg);
  }
}

// Writes every field of `table` into the map `out` has open.
template <class Cfg>
void emit_fields(const FieldTable<Cfg>& table, YAML::Emitter& out, const Cfg& cfg) {
  std::vector<std::string> open;  // section parts, outermost first
  for (const auto& f : table.fields) {
    if (f.written && !f.written(cfg)) continue;
    std::vector<std::string> parts;
    for (size_t from = 0;;) {
      const size_t dot = f.path.find('.', from);
      if (dot == std::string::npos) break;
      parts.push_back(f.path.substr(from, dot - from));
      from = dot + 1;
    }
    size_t common = 0;
    while (common < open.size() && common < parts.size() && open[common] == parts[common]) ++common;
    for (size_t i = open.size(); i > common; --i) out << YAML::EndMap;
    open.resize(common);
    for (size_t i = common; i < parts.size(); ++i) {
      open.push_back(parts[i]);
      std::string dotted;
      for (const auto& p : open) dotted += (dotted.empty() ? "" : ".") + p;
      out << YAML::Key << parts[i] << YAML::Value;
      for (const auto& fl : table.flow)
        if (fl == dotted) out << YAML::Flow;
      out << YAML::BeginMap;
    }
    out << YAML::Key << field_detail::leaf_of(f.path) << YAML::Value;
    f.write(out, cfg);
  }
  for (size_t i = 0; i < open.size(); ++i) out << YAML::EndMap;
}

template <class Cfg>
bool same_fields(const FieldTable<Cfg>& table, const Cfg& a, const Cfg& b) {
  for (const auto& f : table.fields)
    if (!f.same(a, b)) return false;
  return true;
}

// The canonical text of every field that is part of the cache key, each named prefix.path.
template <class Cfg>
void fields_key_text(const FieldTable<Cfg>& table, const Cfg& cfg, const std::string& prefix, std::string* text) {
  for (const auto& f : table.fields)
    if (f.key_text) f.key_text(cfg, field_path(prefix, f.path), text);
}

// A list of maps, each read and written by `item` (a prepare config's inputs).
template <class Item>
ValueKind<std::vector<Item>> list_of(const FieldTable<Item>& item, std::string empty_message) {
  ValueKind<std::vector<Item>> k;
  std::string keys;
  for (const auto& f : item.fields) keys += (keys.empty() ? "" : ", ") + f.path;
  k.type = "list of {" + keys + "}";
  k.read = [item, empty_message](const YAML::Node& s, const std::string& key, const std::string& w,
                                 const FieldContext& ctx, const std::vector<Item>&) {
    const YAML::Node list = s[key];
    if (!list || !list.IsSequence() || list.size() == 0)
      throw InputError(ctx.file, yaml_line(list), field_path(w, key), empty_message);
    const std::vector<std::string> names = item.keys().names();
    std::vector<Item> out;
    for (size_t i = 0; i < list.size(); ++i) {
      FieldContext c = ctx;
      c.where = field_path(w, key) + "[" + std::to_string(i) + "]";
      check_keys(list[i], names, ctx.file, c.where);
      Item it;
      parse_fields(item, list[i], c, &it);
      out.push_back(std::move(it));
    }
    return out;
  };
  k.write = [item](YAML::Emitter& out, const std::vector<Item>& v) {
    out << YAML::BeginSeq;
    for (const auto& it : v) {
      out << YAML::Flow << YAML::BeginMap;
      emit_fields(item, out, it);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  };
  k.show = [](const std::vector<Item>&) { return std::string("required"); };
  k.same = [item](const std::vector<Item>& a, const std::vector<Item>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
      if (!same_fields(item, a[i], b[i])) return false;
    return true;
  };
  return k;
}

// ---- docs -----------------------------------------------------------------------------------
// A Markdown key table, generated between "<!-- fields:NAME begin -->" and
// "<!-- fields:NAME end -->" in a doc.
struct DocTable {
  std::string name;
  std::string markdown;
};

// The rows of the fields under `section` ("" with top_level_only: the keys that are not in a
// section), keys shown relative to it.
template <class Cfg>
std::string doc_table(const FieldTable<Cfg>& table, const std::string& section, bool top_level_only = false) {
  std::string s = "| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& f : table.fields) {
    std::string key;
    if (top_level_only) {
      if (f.path.find('.') != std::string::npos) continue;
      key = f.path;
    } else if (section.empty()) {
      key = f.path;
    } else {
      if (f.path.compare(0, section.size() + 1, section + ".") != 0) continue;
      key = f.path.substr(section.size() + 1);
    }
    s += "| `" + key + "` | " + f.type + " | " + f.default_text + " | " + f.doc + " |\n";
  }
  return s;
}

// `text` with each table put between its markers; `missing` gets the names without markers.
std::string splice_doc_tables(const std::string& text, const std::vector<DocTable>& tables,
                              std::vector<std::string>* missing);

}  // namespace gtrain
