#include "data/units.h"

#include <algorithm>
#include <stdexcept>

#include "io/enum_names.h"
#include "text/unicode_class.h"
#include "text/unicode_normalize.h"
#include "text/utf8.h"
#include "text/word_splitter.h"

namespace gtrain {

namespace {
const EnumName<UnitMode> kUnitModeNames[] = {
    {UnitMode::Word, "word"}, {UnitMode::Subword, "subword"}, {UnitMode::Morph, "morph"}, {UnitMode::Char, "char"}};
}  // namespace

UnitMode parse_unit_mode(const std::string& s) {
  if (auto m = enum_from_name(kUnitModeNames, s)) return *m;
  throw std::invalid_argument("unknown unit mode '" + s + "' (valid: word, subword, morph, char)");
}

std::string unit_mode_name(UnitMode m) { return enum_to_name(kUnitModeNames, m, "?"); }

const std::vector<UnitMode>& all_unit_modes() {
  static const std::vector<UnitMode> m = {UnitMode::Word, UnitMode::Subword, UnitMode::Morph,
                                          UnitMode::Char};
  return m;
}

namespace {

// Korean particles and copula endings that attach to nouns, longest first. A match at the end of
// a Hangul run (with at least one syllable left before it) becomes its own segment.
const std::vector<std::u32string>& josa_list() {
  static const std::vector<std::u32string> list = [] {
    std::vector<std::u32string> v = {
        U"으로부터", U"에서부터", U"으로써", U"으로서", U"에게서", U"한테서", U"에서는", U"에서도",
        U"에서의", U"에게는", U"에게도", U"으로는", U"으로도", U"이라는", U"이라고", U"이라며",
        U"께서는", U"까지는", U"부터는", U"이었다", U"였다", U"이다", U"입니다", U"이며", U"이고",
        U"라는", U"라고", U"에서", U"에게", U"한테", U"께서", U"으로", U"부터", U"까지", U"마저",
        U"조차", U"처럼", U"보다", U"만큼", U"이나", U"이랑", U"과의", U"와의", U"에는", U"에도",
        U"에의", U"로는", U"로도", U"로서", U"로써", U"은", U"는", U"이", U"가", U"을", U"를",
        U"의", U"에", U"로", U"와", U"과", U"도", U"만", U"랑", U"나", U"며", U"씨", U"님"};
    std::stable_sort(v.begin(), v.end(),
                     [](const std::u32string& a, const std::u32string& b) { return a.size() > b.size(); });
    return v;
  }();
  return list;
}

enum class Script { Hangul, Other };

Script script_of(char32_t c) { return is_hangul(c) ? Script::Hangul : Script::Other; }

// Splits one word [b, e) into morph segments, appending to out.
void split_word_morph(const std::vector<char32_t>& t, int32_t b, int32_t e,
                      std::vector<std::pair<int32_t, int32_t>>* out) {
  int32_t i = b;
  while (i < e) {
    // A run of one script.
    int32_t j = i + 1;
    Script s = script_of(t[i]);
    while (j < e && script_of(t[j]) == s) ++j;
    if (s == Script::Hangul && j - i >= 2) {
      // Particles are matched on the run's NFC form, so decomposed (NFD) text, where a syllable
      // is 2-3 conjoining jamo, splits as its composed form does; `from` maps back to t. Runs
      // without conjoining jamo (nearly all) are already NFC and skip the copy.
      const bool has_jamo = std::any_of(t.begin() + i, t.begin() + j,
                                        [](char32_t c) { return c >= 0x1100 && c <= 0x11FF; });
      std::vector<char32_t> nfc;
      std::vector<int64_t> from;
      if (has_jamo) nfc = unicode_normalize({t.begin() + i, t.begin() + j}, NormalForm::NFC, &from);
      const char32_t* run = has_jamo ? nfc.data() : t.data() + i;
      const int32_t m = has_jamo ? static_cast<int32_t>(nfc.size()) : j - i;
      int32_t cut = j;
      for (const auto& josa : josa_list()) {
        int32_t n = static_cast<int32_t>(josa.size());
        if (m > n && std::equal(josa.begin(), josa.end(), run + (m - n))) {
          cut = i + (has_jamo ? static_cast<int32_t>(from[m - n]) : m - n);
          break;
        }
      }
      out->emplace_back(i, cut);
      if (cut < j) out->emplace_back(cut, j);
    } else {
      out->emplace_back(i, j);
    }
    i = j;
  }
}

// Appends one unit per piece that covers characters (subword mode) or one unit for the whole
// segment (other modes), tokenizing [b, e) as one word.
void add_segment(const std::vector<char32_t>& t, int32_t b, int32_t e, bool unit_per_piece,
                 const Tokenizer* tok, Units* u) {
  if (!tok) {
    u->char_start.push_back(b);
    u->char_end.push_back(e);
    return;
  }
  // GLiNER2 lower-cases the text before tokenizing (1:1 mapping, so offsets are unchanged).
  std::vector<char32_t> lower(t.begin() + b, t.begin() + e);
  for (char32_t& c : lower) c = to_lower(c);
  std::string word = utf8::encode(lower, 0, lower.size());
  std::vector<Piece> pieces = tok->encode_word(word);
  const int32_t first_token = static_cast<int32_t>(u->token_ids.size());
  for (const Piece& p : pieces) u->token_ids.push_back(p.id);
  if (pieces.empty()) {
    // A word the tokenizer maps to nothing would silently shift GLiNER2's alignment; give it UNK.
    u->token_ids.push_back(tok->unk_id());
    pieces.push_back(Piece{tok->unk_id(), 0, static_cast<int32_t>(word.size())});
  }
  if (!unit_per_piece) {
    u->unit_token.push_back(first_token);
    u->char_start.push_back(b);
    u->char_end.push_back(e);
    return;
  }
  // Byte offset -> code point offset within the word.
  std::vector<int32_t> boff = utf8::byte_offsets(word);
  auto cp_of = [&](int32_t byte) {
    return static_cast<int32_t>(std::lower_bound(boff.begin(), boff.end(), byte) - boff.begin());
  };
  // Each piece that reaches past the characters already covered starts a unit; characters no
  // piece claims (normaliser changes) stay with the unit before them. A bare piece such as "▁"
  // lends its token to the next unit, as GLiNER2's first-subtoken pooling would.
  int32_t covered = 0;
  int32_t pending = -1;
  for (size_t k = 0; k < pieces.size(); ++k) {
    const int32_t tok_index = first_token + static_cast<int32_t>(k);
    const int32_t ce = cp_of(pieces[k].end);
    if (ce <= covered || pieces[k].begin == pieces[k].end) {
      if (pending < 0) pending = tok_index;
      continue;
    }
    u->unit_token.push_back(pending >= 0 ? pending : tok_index);
    u->char_start.push_back(b + covered);
    u->char_end.push_back(b + ce);
    covered = ce;
    pending = -1;
  }
  if (covered < e - b) {
    if (covered == 0) {
      u->unit_token.push_back(first_token);
      u->char_start.push_back(b);
      u->char_end.push_back(e);
    } else {
      u->char_end.back() = e;
    }
  }
}

}  // namespace

std::vector<std::pair<int32_t, int32_t>> morph_segments(const std::vector<char32_t>& text) {
  std::vector<std::pair<int32_t, int32_t>> segs;
  for (const WordSpan& w : split_words(text)) split_word_morph(text, w.start, w.end, &segs);
  return segs;
}

Units make_units(const std::vector<char32_t>& text, UnitMode mode, const Tokenizer* tok) {
  if (mode == UnitMode::Subword && !tok)
    throw std::invalid_argument("unit mode 'subword' needs a tokenizer");
  Units u;
  switch (mode) {
    case UnitMode::Word:
      for (const WordSpan& w : split_words(text)) add_segment(text, w.start, w.end, false, tok, &u);
      break;
    case UnitMode::Subword:
      for (const WordSpan& w : split_words(text)) add_segment(text, w.start, w.end, true, tok, &u);
      break;
    case UnitMode::Morph:
      for (const auto& s : morph_segments(text)) add_segment(text, s.first, s.second, true, tok, &u);
      break;
    case UnitMode::Char:
      for (int32_t i = 0; i < static_cast<int32_t>(text.size()); ++i)
        if (!is_space(text[i])) add_segment(text, i, i + 1, false, tok, &u);
      break;
  }
  return u;
}

bool find_unit_span(const Units& u, int32_t start, int32_t end, int32_t* first, int32_t* last) {
  auto it = std::lower_bound(u.char_start.begin(), u.char_start.end(), start);
  if (it == u.char_start.end() || *it != start) return false;
  const int32_t f = static_cast<int32_t>(it - u.char_start.begin());
  auto jt = std::lower_bound(u.char_end.begin() + f, u.char_end.end(), end);
  if (jt == u.char_end.end() || *jt != end) return false;
  *first = f;
  *last = static_cast<int32_t>(jt - u.char_end.begin());
  return true;
}

}  // namespace gtrain
