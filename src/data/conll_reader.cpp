// CoNLL-style token BIO: token first column, tag last column, blank line between sentences.
#include <optional>
#include <sstream>

#include "data/reader.h"
#include "text/utf8.h"

namespace gtrain {

ReadResult read_conll(const std::string& path, const ReadOptions& opt) {
  using namespace reader_detail;
  ReadResult r;
  LineReader lr(path);

  struct Block {
    long start_line = 0;
    std::vector<std::string> tokens, tags;
    std::vector<long> lines;
    std::string raw;
    std::optional<InputError> err;
  };
  bool open = false;
  Block b;

  auto flush = [&] {
    if (!open) return;
    open = false;
    if (!b.raw.empty() && b.raw.back() == '\n') b.raw.pop_back();
    if (b.err) {
      if (opt.on_error == OnError::Fail) throw *b.err;
      r.rejects.push_back(make_reject(path, b.err->line() > 0 ? b.err->line() : b.start_line, b.raw, *b.err));
    } else {
      Example ex;
      if (attempt(opt, &r, path, b.start_line, b.raw, [&] {
            bio_block_example(b.tokens, " ", b.tags, path, b.lines, b.start_line, opt, &ex, &r.warnings);
          }))
        r.examples.push_back(std::move(ex));
    }
    b = Block{};
  };

  std::string line;
  while (lr.next(&line)) {
    const long ln = lr.line_no();
    const std::optional<InputError> utf_err = lr.utf8_error();
    std::istringstream ss(line);
    std::vector<std::string> cols;
    for (std::string c; ss >> c;) cols.push_back(c);
    if (cols.empty()) { flush(); continue; }
    if (cols[0].rfind("-DOCSTART-", 0) == 0) {
      flush();
      if (utf_err) {  // cannot happen for an ASCII marker, but never ignore a bad line
        if (opt.on_error == OnError::Fail) throw *utf_err;
        r.rejects.push_back(make_reject(path, ln, line, *utf_err));
      }
      continue;
    }
    if (!open) {
      open = true;
      b.start_line = ln;
    }
    b.raw += line + "\n";
    if (utf_err && !b.err) b.err = utf_err;
    if (b.err) continue;
    if (cols.size() < 2) {
      b.err = InputError(path, ln, "", "expected a token and a tag (at least 2 columns), got 1 column");
    } else {
      b.tokens.push_back(cols.front());
      b.tags.push_back(cols.back());
      b.lines.push_back(ln);
    }
  }
  flush();
  set_file_schema(&r.examples);
  return r;
}

}  // namespace gtrain
