// KLUE-NER TSV: "## <id>\t<markup>" then one "CHAR\tTAG" line per character, blank line between
// sentences. See reader.h.
#include <optional>

#include "data/reader.h"
#include "text/strings.h"
#include "text/utf8.h"

namespace gtrain {

ReadResult read_klue_tsv(const std::string& path, const ReadOptions& opt) {
  using namespace reader_detail;
  ReadResult r;
  LineReader lr(path);

  BioBlock b;
  long pending_line = 0;  // last "## " line not yet attached to a sentence
  std::string pending_raw;
  std::optional<InputError> pending_err;

  auto drop_pending = [&] {  // the pending "## " line was a comment
    if (pending_err) fail_or_reject(*pending_err, path, pending_line, pending_raw, opt, &r);
    pending_line = 0;
    pending_err.reset();
  };
  auto flush = [&] { flush_bio_block(&b, "", path, opt, &r); };

  std::string line;
  while (lr.next(&line)) {
    const long ln = lr.line_no();
    const std::optional<InputError> utf_err = lr.utf8_error();
    if (line.rfind("## ", 0) == 0) {
      flush();
      drop_pending();
      pending_line = ln;
      pending_raw = line;
      pending_err = utf_err;
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos && line.find('\t') == std::string::npos) {
      flush();
      drop_pending();
      continue;
    }
    if (!b.open) {
      b.open = true;
      b.start_line = pending_line ? pending_line : ln;
      b.raw = pending_line ? pending_raw + "\n" : "";
      if (pending_err) b.err = pending_err;
      if (!pending_line)
        b.err = InputError(path, ln, "", "character line outside a sentence (no '## <id>' line before it)");
      pending_line = 0;
      pending_err.reset();
    }
    b.raw += line + "\n";
    if (utf_err && !b.err) b.err = utf_err;
    if (b.err) continue;
    const size_t tab = line.rfind('\t');
    if (tab == std::string::npos) {
      b.err = InputError(path, ln, "", "expected CHAR<TAB>TAG");
    } else if (tab == 0) {
      b.err = InputError(path, ln, "CHAR", "empty character column");
    } else {
      b.pieces.push_back(line.substr(0, tab));  // the character (a space is one: not trimmed)
      // The tag without the spaces an editor may leave after it ("B-X " is B-X, not a label "X ").
      b.tags.push_back(trim(line.substr(tab + 1), " \r"));
      b.lines.push_back(ln);
    }
  }
  flush();
  drop_pending();
  set_file_schema(&r.examples);
  return r;
}

}  // namespace gtrain
