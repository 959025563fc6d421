// GLiNER2 1.2.3's model input: schema prompt + [SEP_TEXT] + text words, tokenized the way its
// SchemaTransformer does it (spec §1). Torch-free.
//
// Layout for one entity schema (each item is a pseudo-word, tokenized on its own):
//   ( [P] PROMPT ( [E] L1 [E] L2 ... ) ) [SEP_TEXT] w1 w2 ...
// PROMPT = "entities", plus " [DESCRIPTION] {label}: {desc}" for every described label, in label
// order; it is tokenized as ONE string (HF slow tokenize(): added tokens are split out, every
// chunk between them gets its own SentencePiece call, i.e. its own "▁" prefix). Several schemas
// are joined by [SEP_STRUCT]. No [CLS]/[SEP] anywhere. Text words are GLiNER2's regex words of
// the lower-cased, normalised text ("." appended unless it ends in . ! ?).
//
// Two entry points:
//   build_gliner2_input(text, prefix, tok)    raw text -> everything (inference, parity tests);
//   assemble_gliner2_input(prefix, example)   prepared HDF5 row (token ids + unit -> first token)
//                                             -> the same layout with unit positions shifted;
//                                             this is what the trainer uses.
// Both take a SchemaPrefix, built once per label set by build_schema_prefix().
//
// Deliberate divergences from Python (documented so nobody "fixes" the tests):
//   * a text word that tokenizes to nothing (e.g. a lone U+200B) gets [UNK], as prepare's units
//     do; GLiNER2 1.2.3 silently drops it and shifts every later word embedding;
//   * labels / descriptions containing a marker token ([P] [C] [E] [R] [L]) are rejected:
//     GLiNER2 versions disagree on whether such a token becomes an extra schema embedding;
//   * lower-casing is the 1:1 simple mapping of word_splitter.h (Python lowers 'İ' to 2 chars).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/prepared.h"
#include "text/tokenizer.h"

namespace gtrain {

// GLiNER2 task kinds; each has its own field marker. Only Entities is built so far.
enum class TaskKind { Entities, Classifications, Relations, JsonStructures };

const char* task_kind_name(TaskKind k);  // "entities", "classifications", ...
const char* task_marker(TaskKind k);     // "[E]", "[L]", "[R]", "[C]"

struct SchemaField {
  std::string name;
  std::string description;  // empty = none
};

// One task instance ("schema"): prompt name + fields. For entities, name is "entities" and the
// fields are the entity types, in the order their scores come out of the model.
struct Schema {
  TaskKind kind = TaskKind::Entities;
  std::string name = "entities";
  std::vector<SchemaField> fields;
};

Schema entity_schema(const std::vector<std::string>& labels);
Schema entity_schema(const std::vector<SchemaField>& labels);

// The PROMPT pseudo-word (see the top of this file).
std::string schema_prompt(const Schema& s);
// ( [P] PROMPT ( MARK f1 MARK f2 ... ) ). Throws std::invalid_argument for a task kind that is not
// implemented yet, an empty field list, or a name/description holding a marker token.
std::vector<std::string> schema_pseudo_words(const Schema& s);

// Spec §1.1: "" -> ".", text not ending in '.', '!' or '?' -> text + ".".
std::string normalize_text(const std::string& text);
bool text_needs_period(const std::string& text);

// Which part of the input a token belongs to (GLiNER2's mapped_indices).
enum class Segment : uint8_t { Schema, Sep, Text };
const char* segment_name(Segment s);  // "schema" | "sep" | "text"

struct TokenOrigin {
  Segment segment = Segment::Text;
  int32_t word = 0;    // index into the combined pseudo-word list (schemas, [SEP_TEXT], text)
  int32_t schema = 0;  // schema index; == number of schemas for [SEP_TEXT] and text tokens
  bool operator==(const TokenOrigin& o) const {
    return segment == o.segment && word == o.word && schema == o.schema;
  }
};

// The tokenized schema block, [SEP_TEXT] included: identical for every text with the same schemas.
struct SchemaPrefix {
  std::vector<Schema> schemas;
  std::vector<std::string> pseudo_words;          // schema words, [SEP_STRUCT]s, "[SEP_TEXT]"
  std::vector<int32_t> ids;                       // their tokens, concatenated
  std::vector<TokenOrigin> origins;               // one per id
  std::vector<std::vector<int32_t>> special_pos;  // per schema: position of [P], then each marker
  std::vector<int32_t> period_ids;                // tokens of the word "." (normalisation rule)
  int32_t unk_id = 0;

  int32_t size() const { return static_cast<int32_t>(ids.size()); }
  int32_t num_words() const { return static_cast<int32_t>(pseudo_words.size()); }
};

// Throws std::invalid_argument when schemas is empty or invalid (see schema_pseudo_words), and
// std::runtime_error when the tokenizer lacks GLiNER2's special tokens.
SchemaPrefix build_schema_prefix(const std::vector<Schema>& schemas, const Tokenizer& tok);

// One model input (no padding).
struct Gliner2Input {
  std::vector<int32_t> input_ids;
  std::vector<TokenOrigin> origins;                     // one per input id
  std::vector<int32_t> word_first_token;                // text word -> position in input_ids
  std::vector<int32_t> word_char_start;                 // text word -> code points, inclusive
  std::vector<int32_t> word_char_end;                   // text word -> code points, exclusive
  std::vector<std::vector<int32_t>> schema_special_pos; // per schema: [P], then each marker
  int32_t text_begin = 0;        // position of the first text token (= prefix size)
  std::string normalized_text;   // the string char offsets refer to (raw-text path only)
  bool period_appended = false;  // the last text word is the "." added by normalisation

  int32_t num_words() const { return static_cast<int32_t>(word_first_token.size()); }
  int32_t seq_len() const { return static_cast<int32_t>(input_ids.size()); }
};

// Raw text -> input: normalise, split (lower-cased), tokenize every word on its own.
// Throws std::invalid_argument on invalid UTF-8.
Gliner2Input build_gliner2_input(const std::string& text, const SchemaPrefix& prefix,
                                 const Tokenizer& tok);
Gliner2Input build_gliner2_input(const std::string& text, const std::vector<Schema>& schemas,
                                 const Tokenizer& tok);

// Pre-tokenized units -> input: the prefix is prepended and unit_token shifted by its size; each
// unit is one text word. With append_period, the prefix's "." tokens are added as a last unit at
// chars [n, n+1) (n = code points of the text), as GLiNER2 >= 1.2.0 does in training; whether the
// text needs it is the caller's decision (text_needs_period). unit_char_start/end may be empty
// (then the char offsets stay empty). Throws std::invalid_argument when unit_token is not
// non-decreasing within [0, token_ids.size()), or the char vectors do not match the unit count.
Gliner2Input assemble_gliner2_input(const SchemaPrefix& prefix, const std::vector<int32_t>& token_ids,
                                    const std::vector<int32_t>& unit_token,
                                    const std::vector<int32_t>& unit_char_start,
                                    const std::vector<int32_t>& unit_char_end, bool append_period,
                                    int32_t text_chars = 0);
// The same for a prepared row; the period is appended when text_needs_period(ex.text).
Gliner2Input assemble_gliner2_input(const SchemaPrefix& prefix, const PreparedExample& ex,
                                    bool append_period = true);

}  // namespace gtrain
