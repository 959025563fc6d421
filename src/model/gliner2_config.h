// GLiNER2 top-level configuration (gliner2 1.2.3 `ExtractorConfig`, config.json with
// model_type "extractor"). The encoder's own configuration lives in encoder_config/config.json and
// is parsed by DebertaV2Config (model/deberta_config.h).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace gtrain {

// The counting layers gtrain implements (spec §2.5). count_lstm_moe (gliner2-large) is refused.
enum class CountingLayer { CountLstm, CountLstmV2 };

struct ExtractorConfig {
  // Defaults are ExtractorConfig.__init__'s, so a missing key means what it means in Python.
  std::string model_type = "extractor";
  std::string model_name = "bert-base-uncased";  // recorded only; never used to load anything
  int64_t max_width = 8;
  std::string counting_layer = "count_lstm";  // "count_lstm" | "count_lstm_v2"
  std::string token_pooling = "first";        // only "first" is supported
  std::optional<int64_t> max_len;             // v1.2.5+ (null = no word truncation)
  nlohmann::json raw;                         // the file as read, written back with updates
  double head_dropout = 0.1;  // span_rep's dropout: fixed in GLiNER2, not in config.json (runtime only)

  CountingLayer counting() const {
    return counting_layer == "count_lstm_v2" ? CountingLayer::CountLstmV2 : CountingLayer::CountLstm;
  }

  // Parses and validates. Errors are std::runtime_error naming `source` and the field, e.g.
  // "GLiNER2 config dir/config.json: field 'counting_layer': count_lstm_moe is not supported ...".
  static ExtractorConfig from_json(const nlohmann::json& j, const std::string& source = "<json>");
  static ExtractorConfig from_file(const std::string& path);

  // raw with the typed fields written over it (model_type, model_name, max_width, counting_layer,
  // token_pooling, and max_len when set or present in raw).
  nlohmann::json to_json() const;
  // Pretty-printed (indent 2, sorted keys, like transformers' save_pretrained), trailing newline.
  void save(const std::string& path) const;
};

}  // namespace gtrain
