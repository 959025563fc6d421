// Prepared HDF5 rows -> padded model batches: the schema prompt of each row's label set is put in
// front of its text tokens (GLiNER2's input layout, see data/gliner2_prompt.h), units become the
// model's text words, and gold unit spans become per-type word spans.
#pragma once
#include <map>
#include <string>
#include <vector>

#include "data/gliner2_prompt.h"
#include "data/prepared.h"
#include "model/gliner2_model.h"
#include "text/tokenizer.h"

namespace gtrain {

class BatchBuilder {
 public:
  // labels / descriptions: the prepared file's label vocabulary (label id = position).
  // use_descriptions: put "[DESCRIPTION] label: text" into the prompt for labels that have one.
  BatchBuilder(const Tokenizer& tok, std::vector<std::string> labels,
               std::vector<std::string> descriptions, bool use_descriptions);

  // One batch; inputs (when given) receives each row's assembled input (word char offsets for
  // decoding), types (when given) each row's label ids in prompt order: ascending, the label
  // vocabulary's order, whatever order the row lists them in.
  Gliner2Batch build(const std::vector<PreparedExample>& rows, std::vector<Gliner2Input>* inputs = nullptr,
                     std::vector<std::vector<int32_t>>* types = nullptr);

  const std::vector<std::string>& labels() const { return labels_; }
  // An upper bound on a row's tokens given its text tokens: the prompt of the whole label set,
  // the text and the period GLiNER2 may append (rows with fewer labels are shorter).
  int64_t max_row_tokens(int64_t text_tokens);

 private:
  const SchemaPrefix& prefix_for(const std::vector<int32_t>& label_ids);

  const Tokenizer& tok_;
  std::vector<std::string> labels_, descriptions_;
  bool use_descriptions_;
  std::map<std::vector<int32_t>, SchemaPrefix> prefixes_;  // label set -> tokenized prompt
};

}  // namespace gtrain
