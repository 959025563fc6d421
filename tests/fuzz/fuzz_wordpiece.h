// Checks on WordPiece pieces shared by fuzz_wordpiece_load.cpp and fuzz_wordpiece_encode.cpp.
#pragma once
#include "fuzz_common.h"
#include "text/utf8.h"
#include "text/wordpiece_tokenizer.h"

namespace gtrain_fuzz {

// Encodes `word` and checks the pieces: in order, not overlapping, inside the word, on code-point
// boundaries, with ids inside the vocabulary. Invalid UTF-8 must be a std::runtime_error.
inline void encode_and_check(const gtrain::WordPieceTokenizer& tok, const std::string& word) {
  std::vector<gtrain::Piece> pieces;
  try {
    pieces = tok.encode_word(word);
  } catch (const std::runtime_error&) {
    fuzz_check(!gtrain::utf8::valid(word));
    return;
  }
  fuzz_check(gtrain::utf8::valid(word));
  int32_t prev_end = 0;
  auto boundary = [&](int32_t b) {
    return b == static_cast<int32_t>(word.size()) || (static_cast<unsigned char>(word[b]) & 0xC0) != 0x80;
  };
  for (const gtrain::Piece& p : pieces) {
    fuzz_check(p.id >= 0 && p.id < tok.vocab_size());
    fuzz_check(prev_end <= p.begin && p.begin <= p.end && p.end <= static_cast<int32_t>(word.size()));
    fuzz_check(boundary(p.begin) && boundary(p.end));
    (void)tok.id_to_piece(p.id);
    prev_end = p.end;
  }
}

}  // namespace gtrain_fuzz
