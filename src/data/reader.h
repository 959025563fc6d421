// Readers for annotated NER inputs. Every format ends up as gtrain::Example (code-point offsets,
// entities sorted by (start, end), validated by validate_example()).
//
// Errors. With OnError::Fail the first bad example throws InputError naming file, line and field,
// e.g. "data/x.jsonl:17: field 'entities[2].end': offset 120 is past the end of the text (length 45
// code points)". With OnError::Skip every bad example becomes a Reject (nothing is dropped
// silently). A missing or unreadable file always throws InputError(file, 0, "", "cannot open: ...").
// Every raw line is checked for valid UTF-8 before it is parsed (error names the byte offset);
// CRLF line ends and a UTF-8 BOM at the start of the file are accepted.
//
// Formats (parse_input_format name in brackets):
//
// * GLiNER2 JSONL ["gliner2"]: one JSON object per line, in any form GLiNER2 1.2.x loads:
//     {"input": TEXT, "output": {"entities": {LABEL: [MENTION, ...]}, "entity_descriptions": {LABEL: DESC}}}
//     {"text": TEXT, "schema": {...same as output...}}
//     {"text": TEXT, "entities": {LABEL: [MENTION, ...]}, "entity_descriptions": {...}}   (InputExample's)
//   Blank lines are skipped. Other GLiNER2 tasks (classifications, relations, json_structures,
//   json_descriptions) are counted in MentionReport::ignored_tasks and otherwise ignored.
//   Mentions are located with data/mention_match.h (exact, then case-insensitive, then the
//   optional normalizations). Like GLiNER2, EVERY non-overlapping occurrence of a listed mention
//   becomes an entity; listing the same (label, mention) twice changes nothing. Entities may nest
//   and cross, across labels or within one; one exception keeps substring hits from becoming
//   labels: an occurrence strictly inside an occurrence of a longer mention of the SAME label is
//   not labelled when that mention also occurs on its own elsewhere in the text ("당뇨" listed for
//   "당뇨 전단계" is not labelled again inside "당뇨병"); those are counted in inner_skipped.
//   A mention found by no step follows ReadOptions::unmatched (see UnmatchedPolicy); every drop is
//   a DroppedMention in ReadResult, so prepare lists it in rejects.jsonl.
//   Schema = the labels of the entities object in file order (empty lists = negatives, still in the
//   schema), then any label that only appears in entity_descriptions; descriptions attached.
//
// * Offset JSONL ["offsets"]: {"text": T, "entities": [{"start": s, "end": e, "label": l}, ...],
//   "labels": [...], "descriptions": {label: desc}}. "entities", "labels", "descriptions" optional.
//   Offsets are code points, end exclusive. Schema = "labels" when given (entity labels missing from
//   it are appended), else the labels present in the example in order of first appearance
//   followed by every other entity label of the file, as for the BIO formats (a sentence holding
//   only a Drug is a negative for Disease too); labels only named in "descriptions" are appended.
//
// * KLUE-NER TSV ["klue"]: `## ` lines are comments, except the `## <id>\t<markup>` line right
//   before a sentence's character lines, which starts the sentence (the markup is NOT parsed: the
//   per-character tags are authoritative, the markup is ambiguous when the text holds '<' or '>').
//   Then one line per character `CHAR\tTAG` (the tag is after the last tab; a space is the line
//   " \tO"); a blank line ends the sentence. Text = concatenated characters, kept verbatim (DEL
//   0x7F, trailing spaces and all). Example::origin = "file:line" of the `## id` line.
//
// * CoNLL ["conll"]: one token per line, first column the token, last column the tag (whitespace
//   or tab separated), blank line between sentences, lines starting with -DOCSTART- ignored. Text =
//   tokens joined by single spaces. origin = line of the sentence's first token.
//
// * KBMC TSV ["kbmc"]: each line `SENTENCE\tTAGS`, TAGS space-separated, one per space-separated
//   token of SENTENCE (a token = maximal run of non-space characters); counts must be equal. A
//   first line whose first column is "Sentence"/"sentence" is a header and skipped. Text = the
//   sentence column verbatim.
//
// Tags of the three BIO formats: O, B-X, I-X (also S-X / E-X of IOBES). An I-X (or E-X) that does
// not continue an open X entity starts a new entity and adds a warning to ReadResult::warnings.
// Schema of BIO formats = every label seen in the file, in order of first appearance, given to
// every example of the file (each sentence is annotated for all of them: absent = negative).
//
// Example::source = ReadOptions::source_name, or the file's stem when that is empty.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "data/example.h"
#include "io/input_error.h"
#include "data/mention_match.h"

namespace gtrain {

enum class InputFormat { Gliner2Jsonl, OffsetJsonl, KlueTsv, Conll, KbmcTsv };

// "gliner2", "offsets", "klue", "conll", "kbmc"; anything else throws InputError listing them.
InputFormat parse_input_format(const std::string& name);
std::string input_format_name(InputFormat fmt);

// Guess by peeking at the first non-blank line (throws InputError when the file cannot be opened):
//   starts with '{'           -> JSON: "output"/"schema"/"input" key, or "entities" holding an
//                                object {label: [mention]} -> gliner2; "entities" a list -> offsets
//   starts with "## "          -> klue
//   has a tab and the first column contains a space, or is "Sentence"/"sentence" -> kbmc
//   anything else              -> conll
// A .jsonl/.json file whose first line is not such a JSON object is an InputError.
InputFormat guess_input_format(const std::string& path);

struct Reject {
  std::string origin;  // "file:line"
  std::string reason;  // "field 'x': what" (or just what)
  std::string raw;     // the offending line(s), verbatim
};

enum class OnError { Fail, Skip };

// What happens to a GLiNER2 mention that no matching step finds in its text:
//   drop        that mention is dropped, the record kept (default)
//   drop_label  every mention of that label in that record is dropped and the label leaves the
//               record's schema (what GLiNER2's validate_data does)
//   reject      the record becomes a Reject (rejects.jsonl), whatever on_error says
//   fail        an InputError naming file:line:field (on_error: skip turns it into a Reject)
enum class UnmatchedPolicy { Drop, DropLabel, Reject, Fail };
UnmatchedPolicy parse_unmatched_policy(const std::string& name);  // throws std::invalid_argument
std::string unmatched_policy_name(UnmatchedPolicy p);

// A mention (or a whole label of a record) dropped by the unmatched policy.
struct DroppedMention {
  std::string origin;   // "file:line"
  std::string field;    // e.g. "output.entities.Disease[2]"
  std::string label;
  std::string mention;
  std::string reason;   // "not found in the text" / "label dropped: ..."
};

// How GLiNER2 mentions were located (per file; prepare sums them).
struct MentionReport {
  int64_t listed = 0;          // (label, mention) pairs listed
  int64_t exact = 0;           // found verbatim
  int64_t case_folded = 0;     // found only case-insensitively
  int64_t normalized = 0;      // found only after the unicode/whitespace normalization
  int64_t unmatched = 0;       // found by no step
  int64_t dropped = 0;         // mentions dropped (unmatched, or with their label under drop_label)
  int64_t labels_dropped = 0;  // (record, label) pairs dropped under drop_label
  int64_t records_rejected = 0;  // records rejected under reject
  int64_t inner_skipped = 0;   // occurrences inside a longer same-label mention, not labelled
  int64_t no_entity_task = 0;  // records naming no entity label (other tasks only, "entities": {}): skipped
  // Records whose every label drop_label removed: skipped (with no label left, the record would
  // read as unlabelled, a negative of every label, its unfound mention's text included).
  int64_t records_emptied = 0;
  std::map<std::string, int64_t> dropped_by_label;
  std::map<std::string, int64_t> ignored_tasks;  // "classifications" -> records that had them
  void add(const MentionReport& o);
};

struct ReadOptions {
  OnError on_error = OnError::Fail;
  std::string source_name;  // Example::source; "" = file stem
  float weight = 1.0f;      // Example::weight
  const std::vector<std::string>* allowed_labels = nullptr;  // when set, unknown labels are errors
  MentionMatchOptions matching;                      // GLiNER2 mentions only
  UnmatchedPolicy unmatched = UnmatchedPolicy::Drop;  // GLiNER2 mentions only
};

struct ReadResult {
  std::vector<Example> examples;
  std::vector<Reject> rejects;
  std::vector<std::string> warnings;  // "file:line: ..." (e.g. I- tag without a preceding B-)
  MentionReport mentions;                     // GLiNER2 JSONL only
  std::vector<DroppedMention> dropped_mentions;  // GLiNER2 JSONL only
};

ReadResult read_examples(const std::string& path, InputFormat fmt, const ReadOptions& opt);

// Per-format entry points (read_examples dispatches to these).
ReadResult read_gliner2_jsonl(const std::string& path, const ReadOptions& opt);
ReadResult read_offset_jsonl(const std::string& path, const ReadOptions& opt);
ReadResult read_klue_tsv(const std::string& path, const ReadOptions& opt);
ReadResult read_conll(const std::string& path, const ReadOptions& opt);
ReadResult read_kbmc_tsv(const std::string& path, const ReadOptions& opt);

// ---- helpers shared by the readers (not for other stages) ----------------------------------------
namespace reader_detail {

// Reads a file line by line: strips '\r' and a leading BOM, counts lines (1-based), and records
// whether each line is valid UTF-8. Throws InputError(file, 0, "", "cannot open: ...").
class LineReader {
 public:
  explicit LineReader(const std::string& path);
  // Reads a stream opened elsewhere (stdin), called `name` in errors.
  LineReader(std::istream& in, std::string name);
  ~LineReader();  // not copyable (it owns the file it opens)
  bool next(std::string* line);   // false at end of file
  long line_no() const { return line_no_; }
  // Throws InputError(file, line, "", "invalid UTF-8 at byte N of the line") for the last line.
  void check_utf8() const;
  // The same error as a value (empty when the last line is valid), for readers that collect a
  // block's lines before deciding.
  std::optional<InputError> utf8_error() const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<std::ifstream> file_;
  std::istream* in_ = nullptr;
  long line_no_ = 0;
  std::string last_;
};

// Runs f(); in Skip mode an InputError becomes a Reject, in Fail mode it propagates.
// Returns true when f() succeeded.
template <class F>
bool attempt(const ReadOptions& opt, ReadResult* r, const std::string& file, long line,
             const std::string& raw, F&& f);

// The JSONL reading loop of a reader: every non-blank line is UTF-8 checked and
// parse(line, line_no) runs, returning the line's Example (nullptr when it has none), which is
// finished (finish_example); all of it inside attempt() (a bad line is rejected or fails the read,
// per opt). accept(&result, line, line_no) runs for each line that parsed. Returns the result.
template <class Parse, class Accept>
ReadResult read_jsonl_lines(const std::string& path, const ReadOptions& opt, Parse&& parse, Accept&& accept);

Reject make_reject(const std::string& file, long line, const std::string& raw, const InputError& e);

// One JSONL line parsed: a JSON object, else InputError(file, line, "", "malformed JSON: ..." or
// "expected a JSON object, got <type>"). Keys keep the file's order: a GLiNER2 record's labels
// are listed, and without configured labels the label vocabulary made, in the order written.
nlohmann::ordered_json parse_json_object(const std::string& text, const std::string& file, long line);

// Sets source/weight/origin, validates (validate_example), then sorts entities by (start, end).
void finish_example(Example* ex, const std::string& file, long line, const ReadOptions& opt);

// BIO/IOBES decoding over tokens with code-point extents [tok_start[i], tok_end[i]).
// Tag errors throw InputError(file, tag_lines[i], "tag", ...); warnings are appended.
void bio_to_entities(const std::vector<std::string>& tags, const std::vector<int64_t>& tok_start,
                     const std::vector<int64_t>& tok_end, const std::string& file,
                     const std::vector<long>& tag_lines, std::vector<Entity>* out,
                     std::vector<std::string>* warnings);

// The example of a BIO block (CoNLL tokens joined by " ", KLUE characters by ""): its text, the
// entities its tags give (bio_to_entities), finished (finish_example).
void bio_block_example(const std::vector<std::string>& pieces, const std::string& sep,
                       const std::vector<std::string>& tags, const std::string& file,
                       const std::vector<long>& tag_lines, long start_line, const ReadOptions& opt, Example* ex,
                       std::vector<std::string>* warnings);

// An input error that fails the read (on_error fail) or becomes a reject of `raw` at `line`.
void fail_or_reject(const InputError& e, const std::string& file, long line, const std::string& raw,
                    const ReadOptions& opt, ReadResult* r);

// One sentence of a BIO file (CoNLL tokens, KLUE characters) while its lines are read: the pieces
// and their tags with the line of each, the raw lines (for a reject), and the first error in it.
struct BioBlock {
  bool open = false;
  long start_line = 0;
  std::vector<std::string> pieces, tags;
  std::vector<long> lines;
  std::string raw;
  std::optional<InputError> err;
};

// Closes an open block: its example (bio_block_example, pieces joined by `sep`) goes to
// r->examples, or its error fails the read or becomes a reject (fail_or_reject). Leaves the block
// empty and closed.
void flush_bio_block(BioBlock* b, const std::string& sep, const std::string& file, const ReadOptions& opt,
                     ReadResult* r);

// The entity labels of all examples in order of first appearance.
std::vector<SchemaLabel> file_labels(const std::vector<Example>& examples);
// file_labels set as every example's schema (a BIO file annotates every sentence for them all).
void set_file_schema(std::vector<Example>* examples);

std::string default_source_name(const std::string& path);

}  // namespace reader_detail
}  // namespace gtrain

namespace gtrain::reader_detail {
template <class F>
bool attempt(const ReadOptions& opt, ReadResult* r, const std::string& file, long line,
             const std::string& raw, F&& f) {
  try {
    f();
    return true;
  } catch (const InputError& e) {
    if (opt.on_error == OnError::Fail) throw;
    r->rejects.push_back(make_reject(file, e.line() > 0 ? e.line() : line, raw, e));
    return false;
  }
}

template <class Parse, class Accept>
ReadResult read_jsonl_lines(const std::string& path, const ReadOptions& opt, Parse&& parse, Accept&& accept) {
  ReadResult r;
  LineReader lr(path);
  std::string line;
  while (lr.next(&line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const long ln = lr.line_no();
    if (attempt(opt, &r, path, ln, line, [&] {
          lr.check_utf8();
          if (Example* ex = parse(line, ln)) finish_example(ex, path, ln, opt);
        }))
      accept(&r, line, ln);
  }
  return r;
}
}  // namespace gtrain::reader_detail
