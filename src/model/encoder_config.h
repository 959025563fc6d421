// The encoder configuration of a GLiNER2 model, whichever family it is: the HF config.json of the
// encoder (GLiNER2 stores it as encoder_config/config.json), dispatched on its model_type.
//   deberta-v2                          -> DebertaV2Config (model/deberta_config.h)
//   bert, roberta, electra, xlm-roberta -> BertConfig      (model/bert_config.h)
// Code that only needs the shape (hidden size, layers, vocabulary) asks this type; the encoder
// implementations take their own config.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "model/bert_config.h"
#include "model/deberta_config.h"

namespace gtrain {

enum class EncoderFamily { DebertaV2, Bert };

struct EncoderConfig {
  EncoderConfig() = default;  // DeBERTa-v2 with DebertaV2Config's defaults
  EncoderConfig(const DebertaV2Config& c) : family(EncoderFamily::DebertaV2), deberta(c) {}  // NOLINT: implicit
  EncoderConfig(const BertConfig& c) : family(EncoderFamily::Bert), bert(c) {}               // NOLINT: implicit

  EncoderFamily family = EncoderFamily::DebertaV2;
  DebertaV2Config deberta;  // when family == DebertaV2
  BertConfig bert;          // when family == Bert

  bool is_deberta() const { return family == EncoderFamily::DebertaV2; }
  std::string model_type() const { return is_deberta() ? deberta.model_type : bert.model_type; }
  int64_t hidden_size() const { return is_deberta() ? deberta.hidden_size : bert.hidden_size; }
  int64_t num_hidden_layers() const { return is_deberta() ? deberta.num_hidden_layers : bert.num_hidden_layers; }
  int64_t num_attention_heads() const { return is_deberta() ? deberta.num_attention_heads : bert.num_attention_heads; }
  int64_t intermediate_size() const { return is_deberta() ? deberta.intermediate_size : bert.intermediate_size; }
  int64_t vocab_size() const { return is_deberta() ? deberta.vocab_size : bert.vocab_size; }
  // The word-embedding table's width (ELECTRA's and DeBERTa's embedding_size when set, else hidden).
  int64_t embedding_size() const {
    const int64_t e = is_deberta() ? deberta.embedding_size : bert.embedding_size;
    return e > 0 ? e : hidden_size();
  }
  int64_t pad_token_id() const { return is_deberta() ? deberta.pad_token_id : bert.pad_token_id; }
  double initializer_range() const { return is_deberta() ? deberta.initializer_range : bert.initializer_range; }
  const nlohmann::json& raw() const { return is_deberta() ? deberta.raw : bert.raw; }
  void set_vocab_size(int64_t v) { (is_deberta() ? deberta.vocab_size : bert.vocab_size) = v; }
  // The longest input the encoder's absolute position table covers; -1 = no limit (DeBERTa-v3's
  // relative positions, position_biased_input false). RoBERTa / XLM-R lose pad_token_id + 1 rows.
  int64_t max_sequence_tokens() const;
  // Hidden and attention dropout together (the --dropout / model.dropout override).
  void set_dropout(double p);

  // Parses config.json by its model_type; errors name `source` and the field.
  static EncoderConfig from_json(const nlohmann::json& j, const std::string& source = "<json>");
  static EncoderConfig from_file(const std::string& path);
  nlohmann::json to_json() const { return is_deberta() ? deberta.to_json() : bert.to_json(); }
  void save(const std::string& path) const;
};

}  // namespace gtrain
