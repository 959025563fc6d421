// Fuzz target: loading a WordPiece tokenizer (src/text/wordpiece_tokenizer.cpp): a Hugging Face
// tokenizer.json (model.vocab, normalizer / pre_tokenizer, added_tokens, padding) when the input
// starts with '{', else a vocab.txt. A tokenizer that loads then encodes a few fixed words, before
// and after adding GLiNER2's special tokens; the pieces are checked (fuzz_wordpiece.h).
#include "fuzz_wordpiece.h"

namespace {
const std::vector<std::string> kWords = {"당뇨병으로", "환자는", "HbA1c", "a", "[UNK]", "[P]", "x[E]y",
                                         "café", "e\xCC\x81", "(45세)", "tok##en", "中文字", "\t", ""};
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  size_t i = 0;
  while (i < size && (data[i] == ' ' || data[i] == '\n' || data[i] == '\t' || data[i] == '\r')) ++i;
  const bool json = i < size && data[i] == '{';
  const std::string path = gtrain_fuzz::write_input(data, size, json ? "tokenizer.json" : "vocab.txt");
  try {
    gtrain::WordPieceTokenizer tok(path);
    fuzz_check(tok.vocab_size() > 0);
    fuzz_check(tok.unk_id() >= 0 && tok.unk_id() < tok.vocab_size());
    fuzz_check(tok.fingerprint().size() == 64);
    for (const std::string& w : kWords) gtrain_fuzz::encode_and_check(tok, w);
    const std::vector<int32_t> ids = tok.add_special_tokens(gtrain::gliner2_special_tokens());
    fuzz_check(ids.size() == gtrain::gliner2_special_tokens().size());
    for (size_t k = 0; k < ids.size(); ++k) {
      fuzz_check(ids[k] >= 0 && ids[k] < tok.vocab_size());
      fuzz_check(tok.piece_to_id(gtrain::gliner2_special_tokens()[k]) == ids[k]);
    }
    for (const std::string& w : kWords) gtrain_fuzz::encode_and_check(tok, w);
  } catch (const std::runtime_error&) {
  } catch (const std::exception& e) {
    gtrain_fuzz::note_exception("WordPieceTokenizer", e);
  }
  return 0;
}
