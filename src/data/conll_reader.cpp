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

  BioBlock b;
  auto flush = [&] { flush_bio_block(&b, " ", path, opt, &r); };

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
      // cannot happen for an ASCII marker, but never ignore a bad line
      if (utf_err) fail_or_reject(*utf_err, path, ln, line, opt, &r);
      continue;
    }
    if (!b.open) {
      b.open = true;
      b.start_line = ln;
    }
    b.raw += line + "\n";
    if (utf_err && !b.err) b.err = utf_err;
    if (b.err) continue;
    if (cols.size() < 2) {
      b.err = InputError(path, ln, "", "expected a token and a tag (at least 2 columns), got 1 column");
    } else {
      b.pieces.push_back(cols.front());  // the token
      b.tags.push_back(cols.back());
      b.lines.push_back(ln);
    }
  }
  flush();
  set_file_schema(&r.examples);
  return r;
}

}  // namespace gtrain
