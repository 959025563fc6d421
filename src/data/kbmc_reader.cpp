// KBMC TSV: "sentence<TAB>tags", one space-separated BIO tag per space-separated token.
#include <sstream>

#include "data/reader.h"
#include "text/utf8.h"

namespace gtrain {

ReadResult read_kbmc_tsv(const std::string& path, const ReadOptions& opt) {
  using namespace reader_detail;
  ReadResult r;
  LineReader lr(path);
  std::string line;
  while (lr.next(&line)) {
    const long ln = lr.line_no();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const size_t tab = line.find('\t');
    if (tab != std::string::npos) {
      const std::string first = line.substr(0, tab);
      if (ln == 1 && (first == "Sentence" || first == "sentence")) continue;  // header
    }
    Example ex;
    if (attempt(opt, &r, path, ln, line, [&] {
          lr.check_utf8();
          if (tab == std::string::npos) throw InputError(path, ln, "", "expected SENTENCE<TAB>TAGS, found no tab");
          if (line.find('\t', tab + 1) != std::string::npos)
            throw InputError(path, ln, "", "expected 2 tab-separated columns (sentence, tags), got more");
          ex.text = line.substr(0, tab);
          std::istringstream ss(line.substr(tab + 1));
          std::vector<std::string> tags;
          for (std::string t; ss >> t;) tags.push_back(t);
          std::vector<char32_t> cps;
          utf8::decode(ex.text, &cps);
          std::vector<int64_t> ts, te;
          for (size_t i = 0; i < cps.size();) {
            if (cps[i] == U' ') { ++i; continue; }
            size_t j = i;
            while (j < cps.size() && cps[j] != U' ') ++j;
            ts.push_back(static_cast<int64_t>(i));
            te.push_back(static_cast<int64_t>(j));
            i = j;
          }
          if (tags.size() != ts.size())
            throw InputError(path, ln, "tags",
                             std::to_string(tags.size()) + " tags for " + std::to_string(ts.size()) +
                                 " space-separated tokens in the sentence");
          bio_to_entities(tags, ts, te, path, std::vector<long>(tags.size(), ln), &ex.entities, &r.warnings);
          finish_example(&ex, path, ln, opt);
        }))
      r.examples.push_back(std::move(ex));
  }
  set_file_schema(&r.examples);
  return r;
}

}  // namespace gtrain
