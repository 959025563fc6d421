// A Tokenizer that remembers each word's pieces. Korean text repeats its eojeols and particles
// heavily, and every encode through the SentencePiece shim costs a C-ABI call plus normalisation;
// `prepare` and `data inspect` wrap their tokenizer in this. Not thread-safe (one per thread).
#pragma once
#include <string>
#include <unordered_map>
#include <vector>

#include "text/tokenizer.h"

namespace gtrain {

class MemoTokenizer : public Tokenizer {
 public:
  explicit MemoTokenizer(Tokenizer* inner, size_t max_entries = 1 << 20)
      : inner_(inner), max_entries_(max_entries) {}

  std::vector<Piece> encode_word(const std::string& word) const override {
    auto it = memo_.find(word);
    if (it != memo_.end()) return it->second;
    std::vector<Piece> p = inner_->encode_word(word);
    if (memo_.size() >= max_entries_) memo_.clear();  // bounded: long runs over huge corpora
    memo_.emplace(word, p);
    return p;
  }
  std::string id_to_piece(int32_t id) const override { return inner_->id_to_piece(id); }
  int32_t piece_to_id(const std::string& piece) const override { return inner_->piece_to_id(piece); }
  int32_t vocab_size() const override { return inner_->vocab_size(); }
  int32_t pad_id() const override { return inner_->pad_id(); }
  int32_t unk_id() const override { return inner_->unk_id(); }
  std::string fingerprint() const override { return inner_->fingerprint(); }
  std::string kind() const override { return inner_->kind(); }
  std::vector<int32_t> add_special_tokens(const std::vector<std::string>& tokens) override {
    memo_.clear();
    return inner_->add_special_tokens(tokens);
  }

 private:
  Tokenizer* inner_;
  size_t max_entries_;
  mutable std::unordered_map<std::string, std::vector<Piece>> memo_;
};

}  // namespace gtrain
