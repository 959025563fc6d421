// CoNLL-style token BIO: token first column, tag last column, blank line between sentences.
#include <optional>
#include <sstream>

#include "data/reader.h"
#include "text/strings.h"
#include "text/utf8.h"

namespace gtrain {

ReadResult read_conll(const std::string& path, const ReadOptions& opt) {
  using namespace reader_detail;
  ReadResult r;
  LineReader lr(path);

  BioBlock b;
  auto flush = [&] { flush_bio_block(&b, " ", path, opt, &r); };

  std::string line;
  std::optional<bool> tab_file;  // decided by the first line that is not blank
  while (lr.next(&line)) {
    const long ln = lr.line_no();
    const std::optional<InputError> utf_err = lr.utf8_error();
    // A file whose first line has a tab is split at tabs (a space inside a column is then an
    // error, not a column break: "인슐린 투여<TAB>B-Drug O" is a KBMC line); others at any white
    // space, a stray tab included.
    if (!tab_file && line.find_first_not_of(" \t\r") != std::string::npos) tab_file = line.find('\t') != std::string::npos;
    const bool tabbed = tab_file.value_or(false);
    std::vector<std::string> cols;
    if (tabbed) {
      std::istringstream ss(line);
      for (std::string c; std::getline(ss, c, '\t');)
        if (std::string t = trim(c, " \r"); !t.empty()) cols.push_back(std::move(t));
    } else {
      std::istringstream ss(line);
      for (std::string c; ss >> c;) cols.push_back(c);
    }
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
    } else if (const bool token = cols.front().find(' ') != std::string::npos;
               token || cols.back().find(' ') != std::string::npos) {  // only a tab-split column holds one
      b.err = InputError(path, ln, token ? "token" : "tag",
                         "'" + (token ? cols.front() : cols.back()) +
                             "' holds a space: a CoNLL line is one token and its tag (a sentence and its tags per "
                             "word is KBMC's layout: format kbmc)");
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
