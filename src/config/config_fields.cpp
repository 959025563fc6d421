#include "config/config_fields.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

namespace gtrain {

namespace fs = std::filesystem;


long read_int_in(const YAML::Node& sec, const std::string& key, const std::string& where, const FieldContext& ctx,
                 long fallback, long lo, long hi) {
  const long v = get_int(sec, key, ctx.file, where, fallback);
  if (v < lo || v > hi) {
    std::string msg = hi == LONG_MAX ? "must be at least " + std::to_string(lo)
                                     : "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    throw InputError(ctx.file, yaml_line(sec[key]), field_path(where, key), msg + ", got " + std::to_string(v));
  }
  return v;
}

namespace {
// A number as the docs show it: the shortest text, exponents unpadded ("2e-5", not "2e-05").
std::string show_number(double d) {
  std::string s = shortest_decimal_double(d);
  const size_t e = s.find('e');
  if (e != std::string::npos) {
    size_t digits = e + 1 + (s[e + 1] == '-' || s[e + 1] == '+');
    while (digits + 1 < s.size() && s[digits] == '0') s.erase(digits, 1);
    if (s[e + 1] == '+') s.erase(e + 1, 1);
  }
  return s;
}
}  // namespace

std::string int_type(long lo, long hi) {
  if (lo == LONG_MIN && hi == LONG_MAX) return "int";
  if (hi == LONG_MAX) return "int ≥ " + std::to_string(lo);
  return "int " + std::to_string(lo) + "–" + std::to_string(hi);
}

ValueKind<double> number_in(double lo, bool lo_open, double hi, bool hi_open) {
  ValueKind<double> k;
  const std::string range = std::string(lo_open ? "(" : "[") + shortest_decimal_double(lo) + ", " +
                            (std::isinf(hi) ? "inf)" : shortest_decimal_double(hi) + (hi_open ? ")" : "]"));
  k.type = std::isinf(hi) ? std::string("number ") + (lo_open ? "> " : "≥ ") + shortest_decimal_double(lo) : "number in " + range;
  k.read = [=](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c, const double& fb) {
    const double v = get_double(s, key, c.file, w, fb);
    const bool ok = std::isfinite(v) && (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    if (!ok)
      throw InputError(c.file, yaml_line(s[key]), field_path(w, key), "must be in " + range + ", got " + shortest_decimal_double(v));
    return v;
  };
  k.write = [](YAML::Emitter& out, const double& v) { out << shortest_decimal_double(v); };
  k.show = show_number;
  k.same = equal<double>;
  return k;
}

ValueKind<double> number() {
  ValueKind<double> k = number_in(0, false, 0, false);
  k.type = "number";
  k.read = [](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
              const double& fb) { return get_double(s, key, c.file, w, fb); };
  return k;
}

ValueKind<float> float_number() {
  ValueKind<float> k;
  k.type = "number";
  k.read = [](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
              const float& fb) { return static_cast<float>(get_double(s, key, c.file, w, fb)); };
  k.write = [](YAML::Emitter& out, const float& v) { out << shortest_decimal(v); };
  k.show = [](const float& v) { return shortest_decimal(v); };
  k.same = equal<float>;
  return k;
}

ValueKind<bool> boolean() {
  ValueKind<bool> k;
  k.type = "bool";
  k.read = [](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
              const bool& fb) { return get_bool(s, key, c.file, w, fb); };
  k.write = [](YAML::Emitter& out, const bool& v) { out << v; };
  k.show = [](const bool& v) { return std::string(v ? "`true`" : "`false`"); };
  k.same = equal<bool>;
  return k;
}

namespace {
bool required(Presence p, const FieldContext& c) {
  return p == Presence::Required || (p == Presence::RequiredUnlessInline && !c.inline_section);
}
std::string show_string(const std::string& v) { return v.empty() ? "`\"\"`" : "`" + v + "`"; }
}  // namespace

ValueKind<std::string> text(Presence presence) {
  ValueKind<std::string> k;
  k.type = "string";
  k.read = [presence](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
                      const std::string& fb) { return get_string(s, key, c.file, w, fb, required(presence, c)); };
  // Always double-quoted, so that a value like "null", "yes" or "1e3" reads back as the same string.
  k.write = [](YAML::Emitter& out, const std::string& v) { out << YAML::DoubleQuoted << v; };
  k.same = equal<std::string>;
  if (presence == Presence::Optional)
    k.show = show_string;
  else
    k.show = [](const std::string&) { return std::string("required"); };
  return k;
}

std::string resolve_path(const std::string& base_dir, const std::string& p, PathRule::Resolve how) {
  if (p.empty()) return p;
  fs::path q(p);
  if (q.is_absolute()) return how == PathRule::Absolute ? q.lexically_normal().string() : p;
  return (fs::path(base_dir) / q).lexically_normal().string();
}

void require_path(const YAML::Node& line_node, const std::string& field, const FieldContext& c,
                  const std::string& resolved, PathKind kind, const std::string& what) {
  if (!c.check_files || resolved.empty()) return;
  std::error_code ec;
  const fs::file_status st = fs::status(resolved, ec);
  const long line = yaml_line(line_node);
  if (!fs::exists(st)) throw InputError(c.file, line, field, what + " not found: " + resolved);
  if (kind == PathKind::File && fs::is_directory(st))
    throw InputError(c.file, line, field, "expected a file, got a directory: " + resolved);
  if (kind == PathKind::Dir && !fs::is_directory(st))
    throw InputError(c.file, line, field, "expected a directory: " + resolved);
}

ValueKind<std::string> path(PathRule rule) {
  ValueKind<std::string> k = text(rule.presence);
  k.type = rule.kind == PathKind::File ? "string (file)" : rule.kind == PathKind::Dir ? "string (dir)" : "string (path)";
  k.read = [rule](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
                  const std::string& fb) {
    const std::string p =
        resolve_path(c.base_dir, get_string(s, key, c.file, w, fb, required(rule.presence, c)), rule.resolve);
    if (!rule.what.empty()) require_path(s[key], field_path(w, key), c, p, rule.kind, rule.what);
    return p;
  };
  return k;
}

std::string one_of(const std::string& v, const std::vector<std::string>& allowed) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  std::string hint = closest_name(v, allowed);
  return "must be one of " + list + ", got '" + v + "'" + (hint.empty() ? "" : " (did you mean '" + hint + "'?)");
}

std::string choices_type(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : " \\| ") + ("`" + n + "`");
  return s;
}

ValueKind<std::string> word_of(const std::vector<std::string>& names, bool quoted) {
  return named<std::string>(
      [names](const std::string& v) {
        if (std::find(names.begin(), names.end(), v) == names.end()) throw std::invalid_argument(one_of(v, names));
        return v;
      },
      [](const std::string& v) { return v; }, choices_type(names), quoted);
}

namespace {
std::string show_list(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return "`[" + s + "]`";
}
}  // namespace

ValueKind<std::vector<std::string>> string_list() {
  ValueKind<std::vector<std::string>> k;
  k.type = "list of string";
  k.read = [](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
              const std::vector<std::string>& fb) { return get_string_list(s, key, c.file, w, fb); };
  k.write = [](YAML::Emitter& out, const std::vector<std::string>& v) {
    out << YAML::Flow << YAML::BeginSeq;
    for (const auto& s : v) out << YAML::DoubleQuoted << s;
    out << YAML::EndSeq;
  };
  k.show = show_list;
  k.same = equal<std::vector<std::string>>;
  return k;
}

ValueKind<std::vector<double>> number_list() {
  ValueKind<std::vector<double>> k;
  k.type = "list of number";
  k.read = [](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
              const std::vector<double>& fb) { return get_double_list(s, key, c.file, w, fb); };
  k.write = [](YAML::Emitter& out, const std::vector<double>& v) {
    out << YAML::Flow << YAML::BeginSeq;
    for (double d : v) out << shortest_decimal_double(d);
    out << YAML::EndSeq;
  };
  k.show = [](const std::vector<double>& v) {
    std::vector<std::string> t;
    for (double d : v) t.push_back(show_number(d));
    return show_list(t);
  };
  k.same = equal<std::vector<double>>;
  return k;
}

namespace {
std::vector<SchemaLabel> read_labels(const YAML::Node& labels, const FieldContext& c, const std::string& where,
                                     bool training) {
  if (!training && (!labels.IsSequence() || labels.size() == 0))
    throw InputError(c.file, yaml_line(labels), where, "must be a non-empty list (or left out)");
  if (!labels.IsSequence())
    throw InputError(c.file, yaml_line(labels), where,
                     "expected a list of labels (names or {name, description}), or leave it out");
  if (labels.size() == 0)
    throw InputError(c.file, yaml_line(labels), where,
                     "the label set is empty: list at least one label, or leave '" + where +
                         "' out to train on the labels of the prepared data");
  std::vector<SchemaLabel> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string w = where + "[" + std::to_string(i) + "]";
    SchemaLabel l;
    if (labels[i].IsScalar()) {
      l.name = labels[i].Scalar();
    } else {
      check_keys(labels[i], {"name", "description"}, c.file, w);
      l.name = get_string(labels[i], "name", c.file, w, "", true);
      l.description = get_string(labels[i], "description", c.file, w, "");
    }
    // Both lists (prepare's and training's) map names to ids: an empty or repeated name would
    // give two ids one name, and HDF5 attributes cannot hold a NUL.
    if (l.name.empty()) throw InputError(c.file, yaml_line(labels[i]), w, "label name is empty");
    if (l.name.find('\0') != std::string::npos || l.description.find('\0') != std::string::npos)
      throw InputError(c.file, yaml_line(labels[i]), w, "label '" + l.name + "' holds a NUL character");
    if (!seen.insert(l.name).second)
      throw InputError(c.file, yaml_line(labels[i]), w, "label '" + l.name + "' is listed twice");
    out.push_back(l);
  }
  return out;
}
}  // namespace

ValueKind<std::vector<SchemaLabel>> label_list(bool training) {
  ValueKind<std::vector<SchemaLabel>> k;
  k.type = "list of label";
  k.read = [training](const YAML::Node& s, const std::string& key, const std::string& w, const FieldContext& c,
                    const std::vector<SchemaLabel>& fb) {
    const YAML::Node n = s[key];
    return n.IsDefined() ? read_labels(n, c, field_path(w, key), training) : fb;  // null too is read: an error
  };
  k.write = [](YAML::Emitter& out, const std::vector<SchemaLabel>& v) {
    out << YAML::BeginSeq;
    for (const auto& l : v) {
      out << YAML::Flow << YAML::BeginMap;
      out << YAML::Key << "name" << YAML::Value << YAML::DoubleQuoted << l.name;
      out << YAML::Key << "description" << YAML::Value << YAML::DoubleQuoted << l.description;
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  };
  k.show = [](const std::vector<SchemaLabel>&) { return std::string("none"); };
  k.same = [](const std::vector<SchemaLabel>& a, const std::vector<SchemaLabel>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](const SchemaLabel& x, const SchemaLabel& y) {
             return x.name == y.name && x.description == y.description;
           });
  };
  return k;
}

const KeyTree* KeyTree::child(const std::string& n) const {
  for (const auto& c : children)
    if (c.name == n) return &c;
  return nullptr;
}

std::vector<std::string> KeyTree::names() const {
  std::vector<std::string> out;
  for (const auto& c : children) out.push_back(c.name);
  return out;
}

const KeyTree* KeyTree::at(const std::string& dotted) const {
  const KeyTree* k = this;
  size_t from = 0;
  while (k && !dotted.empty()) {
    const size_t dot = dotted.find('.', from);
    k = k->child(dotted.substr(from, dot == std::string::npos ? std::string::npos : dot - from));
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  return k;
}

void KeyTree::leaf_paths(const std::string& prefix, std::vector<std::string>* out) const {
  for (const auto& c : children) {
    const std::string p = field_path(prefix, c.name);
    if (c.section) c.leaf_paths(p, out); else out->push_back(p);
  }
}

void put_key_text(std::string* s, const std::string& k, const std::string& v) {
  *s += k + "=" + std::to_string(v.size()) + ":" + v + "\n";
}

namespace field_detail {
std::string section_of(const std::string& path) {
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? "" : path.substr(0, dot);
}
std::string leaf_of(const std::string& path) {
  const size_t dot = path.rfind('.');
  return dot == std::string::npos ? path : path.substr(dot + 1);
}
YAML::Node sub(const YAML::Node& parent, const std::string& key) {
  const YAML::Node v = parent[key];
  if (!v || v.IsNull()) return YAML::Node(YAML::NodeType::Map);
  return v;
}
}  // namespace field_detail

std::string splice_doc_tables(const std::string& text, const std::vector<DocTable>& tables,
                              std::vector<std::string>* missing) {
  std::string out = text;
  for (const auto& t : tables) {
    const std::string begin = "<!-- fields:" + t.name + " begin -->\n";
    const std::string end = "<!-- fields:" + t.name + " end -->";
    const size_t b = out.find(begin);
    const size_t e = b == std::string::npos ? b : out.find(end, b);
    if (e == std::string::npos) {
      if (missing) missing->push_back(t.name);
      continue;
    }
    out.replace(b + begin.size(), e - b - begin.size(), t.markdown);
  }
  return out;
}

}  // namespace gtrain
