#include "data/mention_match.h"

#include <algorithm>
#include <stdexcept>

#include "text/unicode_class.h"
#include "text/unicode_normalize.h"

namespace gtrain {

UnicodeForm parse_unicode_form(const std::string& name) {
  if (name == "none") return UnicodeForm::None;
  if (name == "nfc") return UnicodeForm::NFC;
  if (name == "nfkc") return UnicodeForm::NFKC;
  throw std::invalid_argument("must be none, nfc or nfkc (got '" + name + "')");
}

std::string unicode_form_name(UnicodeForm f) {
  return f == UnicodeForm::NFC ? "nfc" : f == UnicodeForm::NFKC ? "nfkc" : "none";
}

namespace {

std::vector<char32_t> lowered(const std::vector<char32_t>& s) {
  std::vector<char32_t> out(s.size());
  std::transform(s.begin(), s.end(), out.begin(), to_lower);
  return out;
}

void search(const std::vector<char32_t>& hay, const std::vector<char32_t>& needle,
            std::vector<std::pair<int64_t, int64_t>>* out) {
  if (needle.empty()) return;
  auto pos = hay.begin();
  while (true) {
    auto hit = std::search(pos, hay.end(), needle.begin(), needle.end());
    if (hit == hay.end()) return;
    const int64_t s = hit - hay.begin();
    out->emplace_back(s, s + static_cast<int64_t>(needle.size()));
    pos = hit + static_cast<std::ptrdiff_t>(needle.size());
  }
}

}  // namespace

std::vector<char32_t> normalize_for_matching(const std::vector<char32_t>& s, const MentionMatchOptions& opt,
                                             std::vector<int64_t>* begin, std::vector<int64_t>* end) {
  std::vector<char32_t> u;
  std::vector<int64_t> ub, ue;
  if (opt.unicode != UnicodeForm::None) {
    u = unicode_normalize(s, opt.unicode == UnicodeForm::NFKC ? NormalForm::NFKC : NormalForm::NFC, &ub, &ue);
  } else {
    u = s;
    ub.resize(s.size());
    ue.resize(s.size());
    for (size_t i = 0; i < s.size(); ++i) { ub[i] = static_cast<int64_t>(i); ue[i] = static_cast<int64_t>(i) + 1; }
  }
  std::vector<char32_t> out;
  std::vector<int64_t> ob, oe;
  out.reserve(u.size());
  bool in_space = false;  // the last output character stands for a whitespace run
  for (size_t i = 0; i < u.size(); ++i) {
    char32_t c = u[i];
    if (opt.whitespace && is_space(c)) {
      if (in_space) {  // extend the run
        oe.back() = ue[i];
        continue;
      }
      c = U' ';
      in_space = true;
    } else {
      in_space = false;
    }
    if (opt.case_insensitive) c = to_lower(c);
    out.push_back(c);
    ob.push_back(ub[i]);
    oe.push_back(ue[i]);
  }
  if (begin) *begin = std::move(ob);
  if (end) *end = std::move(oe);
  return out;
}

MentionLocator::MentionLocator(const std::vector<char32_t>& text, const MentionMatchOptions& opt)
    : text_(text), opt_(opt) {
  if (opt_.case_insensitive) lower_ = lowered(text);
  if (normalizing()) norm_ = normalize_for_matching(text, opt_, &norm_begin_, &norm_end_);
}

MatchStep MentionLocator::find(const std::vector<char32_t>& mention,
                               std::vector<std::pair<int64_t, int64_t>>* out) const {
  out->clear();
  search(text_, mention, out);
  if (!out->empty()) return MatchStep::Exact;
  if (opt_.case_insensitive) {
    search(lower_, lowered(mention), out);
    if (!out->empty()) return MatchStep::Case;
  }
  if (normalizing()) {
    std::vector<char32_t> m = normalize_for_matching(mention, opt_);
    if (opt_.whitespace) {  // " 당뇨병 " is the mention 당뇨병 (entity edges are trimmed later anyway)
      while (!m.empty() && is_space(m.back())) m.pop_back();
      m.erase(m.begin(), std::find_if(m.begin(), m.end(), [](char32_t c) { return !is_space(c); }));
    }
    if (m.empty()) return MatchStep::NotFound;
    std::vector<std::pair<int64_t, int64_t>> hits;
    search(norm_, m, &hits);
    for (auto [a, b] : hits) out->emplace_back(norm_begin_[a], norm_end_[b - 1]);
    if (!out->empty()) return MatchStep::Normalized;
  }
  return MatchStep::NotFound;
}

}  // namespace gtrain
