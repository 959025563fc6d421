#include "train/replay_batches.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace gtrain {

std::vector<Gliner2Batch> load_replay_batches(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw std::runtime_error(path + ": cannot open");
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(f);
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": not JSON: " + e.what());
  }
  if (!j.contains("batches") || !j["batches"].is_array()) throw std::runtime_error(path + ": no \"batches\" list");
  std::vector<Gliner2Batch> out;
  for (size_t bi = 0; bi < j["batches"].size(); ++bi) {
    const auto& jb = j["batches"][bi];
    auto where = [&](const std::string& field, size_t row) {
      return path + ": batch " + std::to_string(bi) + ", row " + std::to_string(row) + ", " + field;
    };
    try {
      const auto ids = jb.at("input_ids").get<std::vector<std::vector<int64_t>>>();
      const auto mask = jb.at("attention_mask").get<std::vector<std::vector<int64_t>>>();
      const int64_t B = static_cast<int64_t>(ids.size()), T = B ? static_cast<int64_t>(ids[0].size()) : 0;
      Gliner2Batch b;
      b.input_ids = torch::zeros({B, T}, torch::kInt64);
      b.attention_mask = torch::zeros({B, T}, torch::kInt64);
      for (int64_t r = 0; r < B; ++r) {
        const size_t ru = static_cast<size_t>(r);
        if (static_cast<int64_t>(ids[ru].size()) != T || mask[ru].size() != ids[ru].size())
          throw std::runtime_error(where("input_ids/attention_mask: rows of different lengths", ru));
        b.input_ids[r].copy_(torch::tensor(ids[ru], torch::kInt64));
        b.attention_mask[r].copy_(torch::tensor(mask[ru], torch::kInt64));
        const auto& schema = jb.at("schema_tokens_list")[ru];
        if (schema.size() != 1) throw std::runtime_error(where("schema_tokens_list: one schema expected", ru));
        const auto stoks = schema[0].get<std::vector<std::string>>();
        const int64_t text_base = static_cast<int64_t>(stoks.size()) + 1;  // schema tokens, then [SEP_TEXT]
        const int64_t words = static_cast<int64_t>(jb.at("text_tokens")[ru].size());
        Gliner2Example ex;
        ex.word_pos.assign(static_cast<size_t>(words), -1);
        std::vector<int64_t> first_of_schema_item(stoks.size(), -1);
        const auto& mi = jb.at("mapped_indices")[ru];
        for (size_t t = 0; t < mi.size(); ++t) {
          const std::string kind = mi[t][0].get<std::string>();
          const int64_t k = mi[t][1].get<int64_t>();
          if (kind == "text") {
            const int64_t w = k - text_base;
            if (w < 0 || w >= words) throw std::runtime_error(where("mapped_indices: text index out of range", ru));
            if (ex.word_pos[static_cast<size_t>(w)] < 0) ex.word_pos[static_cast<size_t>(w)] = static_cast<int64_t>(t);
          } else if (kind == "schema") {
            if (k < 0 || k >= static_cast<int64_t>(stoks.size()))
              throw std::runtime_error(where("mapped_indices: schema index out of range", ru));
            if (first_of_schema_item[static_cast<size_t>(k)] < 0) first_of_schema_item[static_cast<size_t>(k)] = static_cast<int64_t>(t);
          }
        }
        for (int64_t p : ex.word_pos)
          if (p < 0) throw std::runtime_error(where("mapped_indices: a text word has no token", ru));
        for (size_t k = 0; k < stoks.size(); ++k)
          if (stoks[k] == "[P]" || stoks[k] == "[E]") ex.schema_pos.push_back(first_of_schema_item[k]);
        const auto& sl = jb.at("structure_labels")[ru];
        const auto& per_type = sl.at(0).at(1).at(0);
        if (static_cast<int64_t>(per_type.size()) != ex.num_fields())
          throw std::runtime_error(where("structure_labels: not one span list per [E] type", ru));
        for (const auto& spans : per_type) {
          std::vector<std::pair<int64_t, int64_t>> v;
          for (const auto& s : spans) v.emplace_back(s.at(0).get<int64_t>(), s.at(1).get<int64_t>());
          ex.gold_spans.push_back(std::move(v));
        }
        b.examples.push_back(std::move(ex));
      }
      out.push_back(std::move(b));
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(path + ": batch " + std::to_string(bi) + ": " + e.what());
    }
  }
  return out;
}

}  // namespace gtrain
