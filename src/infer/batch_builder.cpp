#include "infer/batch_builder.h"

#include <algorithm>
#include <stdexcept>

namespace gtrain {

BatchBuilder::BatchBuilder(const Tokenizer& tok, std::vector<std::string> labels,
                           std::vector<std::string> descriptions, bool use_descriptions)
    : tok_(tok), labels_(std::move(labels)), descriptions_(std::move(descriptions)),
      use_descriptions_(use_descriptions) {
  if (labels_.empty()) throw std::invalid_argument("BatchBuilder: empty label set");
  descriptions_.resize(labels_.size());
}

const SchemaPrefix& BatchBuilder::prefix_for(const std::vector<int32_t>& label_ids) {
  auto it = prefixes_.find(label_ids);
  if (it != prefixes_.end()) return it->second;
  std::vector<SchemaField> fields;
  for (int32_t id : label_ids)
    fields.push_back(SchemaField{labels_.at(static_cast<size_t>(id)),
                                 use_descriptions_ ? descriptions_[static_cast<size_t>(id)] : ""});
  return prefixes_.emplace(label_ids, build_schema_prefix({entity_schema(fields)}, tok_)).first->second;
}

int64_t BatchBuilder::max_row_tokens(int64_t text_tokens) {
  std::vector<int32_t> all(labels_.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int32_t>(i);
  const SchemaPrefix& p = prefix_for(all);
  return p.size() + text_tokens + static_cast<int64_t>(p.period_ids.size());
}

Gliner2Batch BatchBuilder::build(const std::vector<PreparedExample>& rows, std::vector<Gliner2Input>* inputs,
                                 std::vector<std::vector<int32_t>>* types) {
  Gliner2Batch b;
  std::vector<int32_t> all_labels(labels_.size());
  for (size_t i = 0; i < all_labels.size(); ++i) all_labels[i] = static_cast<int32_t>(i);
  std::vector<Gliner2Input> local;
  local.reserve(rows.size());
  int64_t T = 1;
  for (const PreparedExample& ex : rows) {
    // A row annotated for no label (possible in hand-made files) is scored against all labels.
    // The prompt lists them in the label vocabulary's order, the order predict uses: prepare writes
    // them so since 2026-12-07, and older files (GLiNER2 JSONL rows in label-name order) are put
    // in it here; a model trained on one order predicts worse on another.
    std::vector<int32_t> ids = ex.schema_labels.empty() ? all_labels : ex.schema_labels;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());  // a label listed twice is prompted once
    const SchemaPrefix& prefix = prefix_for(ids);
    local.push_back(assemble_gliner2_input(prefix, ex, /*append_period=*/true));
    T = std::max<int64_t>(T, local.back().seq_len());

    Gliner2Example g;
    const Gliner2Input& in = local.back();
    g.word_pos.assign(in.word_first_token.begin(), in.word_first_token.end());
    g.schema_pos.assign(in.schema_special_pos.at(0).begin(), in.schema_special_pos.at(0).end());
    g.gold_spans.resize(ids.size());
    for (const UnitSpan& s : ex.spans) {
      for (size_t k = 0; k < ids.size(); ++k)
        if (ids[k] == s.label) g.gold_spans[k].emplace_back(s.start, s.end);
    }
    g.weight = ex.weight;
    b.examples.push_back(std::move(g));
    if (types) types->push_back(ids);
  }
  const int64_t B = static_cast<int64_t>(rows.size());
  b.input_ids = torch::full({B, T}, static_cast<int64_t>(tok_.pad_id()), torch::kInt64);
  b.attention_mask = torch::zeros({B, T}, torch::kInt64);
  auto ids_a = b.input_ids.accessor<int64_t, 2>();
  auto mask_a = b.attention_mask.accessor<int64_t, 2>();
  for (int64_t i = 0; i < B; ++i) {
    const auto& in = local[static_cast<size_t>(i)].input_ids;
    b.real_tokens += static_cast<int64_t>(in.size());
    for (size_t t = 0; t < in.size(); ++t) {
      ids_a[i][static_cast<int64_t>(t)] = in[t];
      mask_a[i][static_cast<int64_t>(t)] = 1;
    }
  }
  if (inputs) *inputs = std::move(local);
  return b;
}

}  // namespace gtrain
