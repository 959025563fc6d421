// Fuzz target: WordPiece encoding of one word (src/text/wordpiece_tokenizer.cpp, unicode_class.cpp):
// added-token splitting, BertNormalizer (clean text, accents, lower case, CJK), punctuation
// pre-tokenization, greedy longest match. Tokenizers: the test fixture tests/data/wordpiece in
// its tokenizer.json (plus GLiNER2's special tokens) and vocab.txt forms, and a lower-casing,
// accent-stripping variant. The input is the word; the pieces are checked (fuzz_wordpiece.h).
#include <memory>

#include "fuzz_wordpiece.h"

namespace {

struct Tokenizers {
  std::unique_ptr<gtrain::WordPieceTokenizer> json, txt, lower;
};

const Tokenizers& tokenizers() {
  static const Tokenizers t = [] {
    const std::string dir = std::string(GTRAIN_SOURCE_DIR) + "/tests/data/wordpiece/";
    Tokenizers r;
    r.json = std::make_unique<gtrain::WordPieceTokenizer>(dir + "tokenizer.json");
    r.json->add_special_tokens(gtrain::gliner2_special_tokens());
    r.txt = std::make_unique<gtrain::WordPieceTokenizer>(dir + "vocab.txt");
    const std::string lower_json =
        "{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"max_input_chars_per_word\": 12,"
        " \"vocab\": {\"[PAD]\": 0, \"[UNK]\": 1, \"cafe\": 2, \"##s\": 3, \"e\": 4, \"a\": 5, \"##a\": 6,"
        " \"中\": 7, \"!\": 8, \"ı\": 9, \"##ı\": 10}},"
        " \"normalizer\": {\"type\": \"Sequence\", \"normalizers\": [{\"type\": \"BertNormalizer\","
        " \"lowercase\": true}, {\"type\": \"Lowercase\"}]}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
        " \"added_tokens\": [{\"id\": 11, \"content\": \"<ent>\"}, {\"id\": 12, \"content\": \"<ent\"}]}";
    const std::string p = gtrain_fuzz::write_input(reinterpret_cast<const uint8_t*>(lower_json.data()),
                                                   lower_json.size(), "lower.json");
    r.lower = std::make_unique<gtrain::WordPieceTokenizer>(p);
    return r;
  }();
  return t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string word(reinterpret_cast<const char*>(data), size);
  const Tokenizers& t = tokenizers();
  gtrain_fuzz::encode_and_check(*t.json, word);
  gtrain_fuzz::encode_and_check(*t.txt, word);
  gtrain_fuzz::encode_and_check(*t.lower, word);
  return 0;
}
