#include "data/gliner2_prompt.h"

#include <stdexcept>

#include "text/unicode_class.h"
#include "text/utf8.h"
#include "text/word_splitter.h"

namespace gtrain {

namespace {

const char* const kSepText = "[SEP_TEXT]";
const char* const kSepStruct = "[SEP_STRUCT]";
const char* const kPrompt = "[P]";
const char* const kDescription = "[DESCRIPTION]";

// A label or description holding a special token would tokenize into extra special ids, which
// GLiNER2 versions route differently (extra schema embeddings or not): refuse it.
void check_no_special(const std::string& s, const char* what, const std::string& label) {
  for (const std::string& t : gliner2_special_tokens())
    if (s.find(t) != std::string::npos)
      throw std::invalid_argument(std::string("GLiNER2 schema: ") + what + " of '" + label +
                                  "' contains the special token " + t +
                                  "; rename it (special tokens would become extra schema tokens)");
}

int32_t require_id(const Tokenizer& tok, const std::string& piece) {
  const int32_t id = tok.piece_to_id(piece);
  if (id < 0)
    throw std::runtime_error("tokenizer (" + tok.kind() + ") lacks GLiNER2's special token " + piece +
                             "; add gliner2_special_tokens() (added_tokens.json) first");
  return id;
}

// Tokenizes one pseudo-word. A text word that yields nothing becomes [UNK] (unk_id >= 0) so words
// and first-token positions stay 1:1 (GLiNER2 1.2.3 would drop it and misalign every later word);
// an empty schema word is harmless and stays empty, as in Python.
void append_word(const Tokenizer& tok, const std::string& word, int32_t unk_id, TokenOrigin origin,
                 std::vector<int32_t>* ids, std::vector<TokenOrigin>* origins) {
  const std::vector<Piece> pieces = tok.encode_word(word);
  if (pieces.empty()) {
    if (unk_id < 0) return;
    ids->push_back(unk_id);
    origins->push_back(origin);
    return;
  }
  for (const Piece& p : pieces) {
    ids->push_back(p.id);
    origins->push_back(origin);
  }
}

}  // namespace

const char* task_kind_name(TaskKind k) {
  switch (k) {
    case TaskKind::Entities: return "entities";
    case TaskKind::Classifications: return "classifications";
    case TaskKind::Relations: return "relations";
    case TaskKind::JsonStructures: return "json_structures";
  }
  return "?";
}

const char* task_marker(TaskKind k) {
  switch (k) {
    case TaskKind::Entities: return "[E]";
    case TaskKind::Classifications: return "[L]";
    case TaskKind::Relations: return "[R]";
    case TaskKind::JsonStructures: return "[C]";
  }
  return "?";
}

Schema entity_schema(const std::vector<std::string>& labels) {
  Schema s;
  for (const std::string& l : labels) s.fields.push_back(SchemaField{l, ""});
  return s;
}

Schema entity_schema(const std::vector<SchemaField>& labels) {
  Schema s;
  s.fields = labels;
  return s;
}

std::string schema_prompt(const Schema& s) {
  // GLiNER2 (_transform_schema): descriptions of the schema's own fields, in order, appended as
  // " [DESCRIPTION] label: desc". Inference always includes them when any exist.
  std::string p = s.name;
  for (const SchemaField& f : s.fields)
    if (!f.description.empty())
      p += std::string(" ") + kDescription + " " + f.name + ": " + f.description;
  return p;
}

std::vector<std::string> schema_pseudo_words(const Schema& s) {
  if (s.kind != TaskKind::Entities)
    throw std::invalid_argument(std::string("GLiNER2 schema: task kind '") + task_kind_name(s.kind) +
                                "' is not implemented yet (only entities)");
  if (s.fields.empty())
    throw std::invalid_argument("GLiNER2 schema '" + s.name + "' has no fields (labels)");
  if (s.name.empty()) throw std::invalid_argument("GLiNER2 schema has an empty prompt name");
  check_no_special(s.name, "the prompt name", s.name);
  for (const SchemaField& f : s.fields) {
    if (f.name.empty())
      throw std::invalid_argument("GLiNER2 schema '" + s.name + "' has an empty field (label) name");
    check_no_special(f.name, "the name", f.name);
    check_no_special(f.description, "the description", f.name);
  }
  const std::string mark = task_marker(s.kind);
  std::vector<std::string> w = {"(", kPrompt, schema_prompt(s), "("};
  for (const SchemaField& f : s.fields) {
    w.push_back(mark);
    w.push_back(f.name);
  }
  w.push_back(")");
  w.push_back(")");
  return w;
}

bool text_needs_period(const std::string& text) {
  if (text.empty()) return true;
  const char last = text.back();
  return last != '.' && last != '!' && last != '?';
}

std::string normalize_text(const std::string& text) {
  if (text.empty()) return ".";
  return text_needs_period(text) ? text + "." : text;
}

const char* segment_name(Segment s) {
  switch (s) {
    case Segment::Schema: return "schema";
    case Segment::Sep: return "sep";
    case Segment::Text: return "text";
  }
  return "?";
}

SchemaPrefix build_schema_prefix(const std::vector<Schema>& schemas, const Tokenizer& tok) {
  if (schemas.empty()) throw std::invalid_argument("GLiNER2 input needs at least one schema");
  SchemaPrefix p;
  p.schemas = schemas;
  p.unk_id = tok.unk_id();
  const int32_t sep_text_id = require_id(tok, kSepText);
  require_id(tok, kSepStruct);
  const int32_t num_schemas = static_cast<int32_t>(schemas.size());
  p.special_pos.resize(schemas.size());

  for (int32_t si = 0; si < num_schemas; ++si) {
    const Schema& s = schemas[si];
    const std::vector<std::string> words = schema_pseudo_words(s);
    const int32_t marker_id = require_id(tok, task_marker(s.kind));
    const int32_t prompt_id = require_id(tok, kPrompt);
    for (size_t k = 0; k < words.size(); ++k) {
      const int32_t word_index = p.num_words();
      const int32_t pos = p.size();
      p.pseudo_words.push_back(words[k]);
      append_word(tok, words[k], -1, TokenOrigin{Segment::Schema, word_index, si}, &p.ids,
                  &p.origins);
      // [P] is word 1, markers are words 4, 6, ..., size-4 (each followed by its field name).
      const bool is_prompt = k == 1;
      const bool is_marker = k >= 4 && k + 2 < words.size() && (k % 2) == 0;
      if (is_prompt || is_marker) {
        const int32_t want = is_prompt ? prompt_id : marker_id;
        if (p.size() != pos + 1 || p.ids[pos] != want)
          throw std::runtime_error("tokenizer does not map '" + words[k] +
                                   "' to its single special-token id");
        p.special_pos[si].push_back(pos);
      }
    }
    if (si + 1 < num_schemas) {
      // Python increments the schema index on [SEP_STRUCT] after assigning it: the separator
      // belongs to the schema before it.
      const int32_t word_index = p.num_words();
      p.pseudo_words.push_back(kSepStruct);
      append_word(tok, kSepStruct, -1, TokenOrigin{Segment::Schema, word_index, si}, &p.ids,
                  &p.origins);
    }
  }
  p.pseudo_words.push_back(kSepText);
  p.ids.push_back(sep_text_id);
  p.origins.push_back(TokenOrigin{Segment::Sep, p.num_words() - 1, num_schemas});
  for (const Piece& piece : tok.encode_word(".")) p.period_ids.push_back(piece.id);
  if (p.period_ids.empty()) p.period_ids.push_back(p.unk_id);
  return p;
}

Gliner2Input build_gliner2_input(const std::string& text, const SchemaPrefix& prefix,
                                 const Tokenizer& tok) {
  Gliner2Input in;
  in.normalized_text = normalize_text(text);
  in.period_appended = text_needs_period(text);
  std::vector<char32_t> cps;
  size_t bad = 0;
  if (!utf8::decode(in.normalized_text, &cps, &bad))
    throw std::invalid_argument("GLiNER2 input: invalid UTF-8 at byte " + std::to_string(bad));

  in.input_ids = prefix.ids;
  in.origins = prefix.origins;
  in.schema_special_pos = prefix.special_pos;
  in.text_begin = prefix.size();
  const int32_t num_schemas = static_cast<int32_t>(prefix.schemas.size());
  const std::vector<WordSpan> words = split_words(cps);
  in.word_first_token.reserve(words.size());
  in.word_char_start.reserve(words.size());
  in.word_char_end.reserve(words.size());
  std::vector<char32_t> lower;
  for (size_t i = 0; i < words.size(); ++i) {
    const WordSpan& w = words[i];
    // GLiNER2 lower-cases the text before splitting; the tokenizer sees the lower-cased word.
    lower.assign(cps.begin() + w.start, cps.begin() + w.end);
    for (char32_t& c : lower) c = to_lower(c);
    in.word_first_token.push_back(in.seq_len());
    in.word_char_start.push_back(w.start);
    in.word_char_end.push_back(w.end);
    const TokenOrigin origin{Segment::Text, prefix.num_words() + static_cast<int32_t>(i), num_schemas};
    append_word(tok, utf8::encode(lower, 0, lower.size()), prefix.unk_id, origin, &in.input_ids,
                &in.origins);
  }
  return in;
}

Gliner2Input build_gliner2_input(const std::string& text, const std::vector<Schema>& schemas,
                                 const Tokenizer& tok) {
  return build_gliner2_input(text, build_schema_prefix(schemas, tok), tok);
}

Gliner2Input assemble_gliner2_input(const SchemaPrefix& prefix, const std::vector<int32_t>& token_ids,
                                    const std::vector<int32_t>& unit_token,
                                    const std::vector<int32_t>& unit_char_start,
                                    const std::vector<int32_t>& unit_char_end, bool append_period,
                                    int32_t text_chars) {
  const size_t n_units = unit_token.size();
  const int32_t n_tokens = static_cast<int32_t>(token_ids.size());
  const bool with_chars = !unit_char_start.empty() || !unit_char_end.empty();
  if (with_chars && (unit_char_start.size() != n_units || unit_char_end.size() != n_units))
    throw std::invalid_argument("GLiNER2 input: " + std::to_string(n_units) + " units but " +
                                std::to_string(unit_char_start.size()) + " char starts and " +
                                std::to_string(unit_char_end.size()) + " char ends");
  if (n_units == 0 && n_tokens > 0)
    throw std::invalid_argument("GLiNER2 input: " + std::to_string(n_tokens) +
                                " text tokens but no units");
  for (size_t u = 0; u < n_units; ++u) {
    const int32_t t = unit_token[u];
    if (t < 0 || t >= n_tokens || (u > 0 && t < unit_token[u - 1]))
      throw std::invalid_argument("GLiNER2 input: unit " + std::to_string(u) + " has first token " +
                                  std::to_string(t) + " (tokens: " + std::to_string(n_tokens) +
                                  "; positions must be non-decreasing)");
  }
  if (n_units > 0 && unit_token[0] != 0)
    throw std::invalid_argument("GLiNER2 input: tokens before the first unit (it starts at token " +
                                std::to_string(unit_token[0]) + ")");

  Gliner2Input in;
  const int32_t shift = prefix.size();
  const int32_t num_schemas = static_cast<int32_t>(prefix.schemas.size());
  in.text_begin = shift;
  in.schema_special_pos = prefix.special_pos;
  in.input_ids.reserve(prefix.ids.size() + token_ids.size() + prefix.period_ids.size());
  in.input_ids = prefix.ids;
  in.input_ids.insert(in.input_ids.end(), token_ids.begin(), token_ids.end());
  in.origins = prefix.origins;
  in.origins.reserve(in.input_ids.size() + prefix.period_ids.size());
  size_t u = 0;
  for (int32_t t = 0; t < n_tokens; ++t) {
    while (u + 1 < n_units && unit_token[u + 1] <= t) ++u;
    in.origins.push_back(
        TokenOrigin{Segment::Text, prefix.num_words() + static_cast<int32_t>(u), num_schemas});
  }
  in.word_first_token.reserve(n_units + 1);
  for (int32_t t : unit_token) in.word_first_token.push_back(t + shift);
  if (with_chars) {
    in.word_char_start = unit_char_start;
    in.word_char_end = unit_char_end;
  }
  if (append_period) {
    in.period_appended = true;
    const TokenOrigin origin{Segment::Text, prefix.num_words() + static_cast<int32_t>(n_units),
                             num_schemas};
    in.word_first_token.push_back(in.seq_len());
    for (int32_t id : prefix.period_ids) {
      in.input_ids.push_back(id);
      in.origins.push_back(origin);
    }
    if (with_chars || n_units == 0) {
      in.word_char_start.push_back(text_chars);
      in.word_char_end.push_back(text_chars + 1);
    }
  }
  return in;
}

Gliner2Input assemble_gliner2_input(const SchemaPrefix& prefix, const PreparedExample& ex,
                                    bool append_period) {
  const bool period = append_period && text_needs_period(ex.text);
  const int32_t chars = static_cast<int32_t>(utf8::length(ex.text));
  return assemble_gliner2_input(prefix, ex.token_ids, ex.unit_token, ex.unit_char_start,
                                ex.unit_char_end, period, chars);
}

}  // namespace gtrain
