// KLUE-NER TSV: "## <id>\t<markup>" then one "CHAR\tTAG" line per character, blank line between
// sentences. See reader.h.
#include <optional>

#include "data/reader.h"
#include "text/utf8.h"

namespace gtrain {

ReadResult read_klue_tsv(const std::string& path, const ReadOptions& opt) {
  using namespace reader_detail;
  ReadResult r;
  LineReader lr(path);

  struct Block {
    long start_line = 0;
    std::vector<std::string> chars, tags;
    std::vector<long> lines;
    std::string raw;
    std::optional<InputError> err;
  };
  bool open = false;
  Block b;
  long pending_line = 0;  // last "## " line not yet attached to a sentence
  std::string pending_raw;
  std::optional<InputError> pending_err;

  auto fail_or_reject = [&](const InputError& e, long line, const std::string& raw) {
    if (opt.on_error == OnError::Fail) throw e;
    r.rejects.push_back(make_reject(path, line, raw, e));
  };
  auto drop_pending = [&] {  // the pending "## " line was a comment
    if (pending_err) fail_or_reject(*pending_err, pending_line, pending_raw);
    pending_line = 0;
    pending_err.reset();
  };
  auto flush = [&] {
    if (!open) return;
    open = false;
    if (!b.raw.empty() && b.raw.back() == '\n') b.raw.pop_back();
    if (b.err) {
      fail_or_reject(*b.err, b.err->line() > 0 ? b.err->line() : b.start_line, b.raw);
    } else {
      Example ex;
      if (attempt(opt, &r, path, b.start_line, b.raw, [&] {
            bio_block_example(b.chars, "", b.tags, path, b.lines, b.start_line, opt, &ex, &r.warnings);
          }))
        r.examples.push_back(std::move(ex));
    }
    b = Block{};
  };

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
    if (!open) {
      open = true;
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
      b.chars.push_back(line.substr(0, tab));
      b.tags.push_back(line.substr(tab + 1));
      b.lines.push_back(ln);
    }
  }
  flush();
  drop_pending();
  set_file_schema(&r.examples);
  return r;
}

}  // namespace gtrain
