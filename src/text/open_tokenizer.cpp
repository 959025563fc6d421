// Picks the tokenizer implementation from what a path holds.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "text/sentencepiece_tokenizer.h"
#include "text/tokenizer.h"
#include "text/wordpiece_tokenizer.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {
// Hugging Face's added_tokens.json: {"[P]": 128003, ...}. Tokens are added in id order and must
// land on the ids the file gives, or the embedding rows would not match.
void apply_added_tokens(const fs::path& file, Tokenizer* tok) {
  std::ifstream f(file);
  nlohmann::json j;
  try {
    f >> j;
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": malformed JSON: " + e.what());
  }
  std::map<int32_t, std::string> by_id;
  if (!j.is_object()) throw std::runtime_error(file.string() + ": expected an object {token: id}");
  for (auto it = j.begin(); it != j.end(); ++it) {
    // Checked before the conversion: a float or an id past int32 was cast unchecked (undefined).
    const auto& v = it.value();
    if (!v.is_number_unsigned() || v.get<uint64_t>() > static_cast<uint64_t>(INT32_MAX))
      throw std::runtime_error(file.string() + ": added token '" + it.key() + "' has id " + v.dump() +
                               ", expected an integer in [0, 2^31)");
    by_id[static_cast<int32_t>(v.get<uint64_t>())] = it.key();
  }
  for (const auto& [id, token] : by_id) {
    int32_t got = tok->add_special_tokens({token}).at(0);
    if (got != id)
      throw std::runtime_error(file.string() + ": added token '" + token + "' expects id " +
                               std::to_string(id) + " but the tokenizer assigns " + std::to_string(got));
  }
}
}  // namespace

std::unique_ptr<Tokenizer> open_tokenizer(const std::string& path) {
  const fs::path p(path);
  if (!fs::exists(p)) throw std::runtime_error(path + ": tokenizer not found");
  if (fs::is_directory(p)) {
    std::unique_ptr<Tokenizer> tok;
    if (fs::exists(p / "tokenizer.json") && !fs::exists(p / "spm.model")) {
      tok = std::make_unique<WordPieceTokenizer>((p / "tokenizer.json").string());
    } else if (fs::exists(p / "spm.model")) {
      tok = std::make_unique<SentencePieceTokenizer>((p / "spm.model").string());
    } else if (fs::exists(p / "vocab.txt")) {
      tok = std::make_unique<WordPieceTokenizer>((p / "vocab.txt").string());
    } else {
      throw std::runtime_error(path + ": no spm.model, tokenizer.json or vocab.txt in this directory");
    }
    if (fs::exists(p / "added_tokens.json")) apply_added_tokens(p / "added_tokens.json", tok.get());
    return tok;
  }
  const std::string ext = p.extension().string();
  if (ext == ".model") return std::make_unique<SentencePieceTokenizer>(path);
  if (ext == ".json" || ext == ".txt") return std::make_unique<WordPieceTokenizer>(path);
  throw std::runtime_error(path + ": unknown tokenizer file (expected *.model, tokenizer.json or vocab.txt)");
}

}  // namespace gtrain
