// The batch of a gliner2_tiny* fixture: its recorded input ids and mask (tensors.safetensors) with
// each example's word and schema-token positions and gold spans (fixtures.json). Shared by the
// parity and swap-encoder tests.
#pragma once
#include <torch/torch.h>

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "model/gliner2_model.h"

namespace gtrain::test {

inline Gliner2Batch fixture_batch(const std::map<std::string, torch::Tensor>& golden, const nlohmann::json& js) {
  Gliner2Batch b;
  b.input_ids = golden.at("gliner.input_ids");
  b.attention_mask = golden.at("gliner.attention_mask");
  const auto& types = js["entity_types"];
  for (const auto& e : js["examples"]) {
    Gliner2Example ex;
    ex.word_pos = e["word_first_subword_pos"].get<std::vector<int64_t>>();
    ex.schema_pos = e["schema_special_pos"].get<std::vector<int64_t>>();
    for (const auto& t : types) {
      std::vector<std::pair<int64_t, int64_t>> spans;
      for (const auto& s : e["gold_spans_word_level"][t.get<std::string>()])
        spans.emplace_back(s[0].get<int64_t>(), s[1].get<int64_t>());
      ex.gold_spans.push_back(spans);
    }
    b.examples.push_back(ex);
  }
  return b;
}

}  // namespace gtrain::test
