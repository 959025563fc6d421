#include "infer/evaluator.h"
#include "model/torch_errors.h"

#include <algorithm>
#include <map>

#include "data/sharding.h"
#include "data/validate.h"
#include "eval/span_decode.h"
#include "eval/window_merge.h"
#include "text/utf8.h"

namespace gtrain {

std::vector<Entity> row_gold_entities(const PreparedExample& row, const std::vector<std::string>& labels) {
  std::vector<Entity> gold;
  for (const UnitSpan& s : row.spans)
    gold.push_back(Entity{row.unit_char_start.at(static_cast<size_t>(s.start)),
                          row.unit_char_end.at(static_cast<size_t>(s.end)),
                          labels.at(static_cast<size_t>(s.label))});
  return gold;
}

EvalResult evaluate(ExtractorImpl& model, PreparedReader& reader, BatchBuilder& builder,
                    const EvalOptions& opts, const std::vector<int64_t>& indices) {
  EvalResult r{ThresholdSweep(builder.labels(), opts.thresholds)};
  std::vector<int64_t> all_rows = indices;
  if (all_rows.empty())
    for (int64_t i = 0; i < reader.size(); ++i) all_rows.push_back(i);
  const int rank = opts.group ? opts.group->rank() : 0, world = opts.group ? opts.group->size() : 1;

  // Documents: the rows (windows) of one original example. Each is scored once, as a whole, so
  // every document lives on one rank (round robin over documents in file order).
  std::map<std::pair<int32_t, int32_t>, size_t> doc_of_key;
  std::vector<size_t> doc_of_row;  // parallel to rows
  std::vector<int64_t> rows;
  for (int64_t i : all_rows) {
    const auto key = std::make_pair(reader.source(i), reader.example_index(i));
    auto it = doc_of_key.emplace(key, doc_of_key.size()).first;
    if (static_cast<int>(it->second % static_cast<size_t>(world)) != rank) continue;
    rows.push_back(i);
    doc_of_row.push_back(it->second);
  }
  struct Doc {
    int64_t rows_left = 0;
    std::vector<Entity> gold;                           // document offsets, from every window
    std::vector<std::vector<WindowEntities>> windows;  // [threshold][window]
  };
  std::map<size_t, Doc> docs;
  for (size_t d : doc_of_row) ++docs[d].rows_left;
  r.documents = static_cast<int64_t>(docs.size());

  std::vector<int32_t> lengths;
  for (int64_t i : rows) lengths.push_back(reader.length_tokens(i));
  const BatchPlan plan = eval_batches(lengths, 0, 1, opts.batch_size);

  const bool was_training = model.is_training();
  model.eval();
  torch::NoGradGuard no_grad;
  for (const auto& batch_idx : plan.batches) {
    std::vector<int64_t> idx;
    for (int64_t k : batch_idx) idx.push_back(rows[static_cast<size_t>(k)]);
    std::vector<PreparedExample> ex = reader.get_many(idx);
    std::vector<Gliner2Input> inputs;
    std::vector<std::vector<int32_t>> types;
    Gliner2Batch b = builder.build(ex, &inputs, &types);
    b.input_ids = b.input_ids.to(opts.device);
    b.attention_mask = b.attention_mask.to(opts.device);
    Gliner2ForwardOptions fo;
    fo.count_logits = opts.count_gate;
    Gliner2LossOptions lo;
    lo.mask_negatives = false;
    lo.apply_weights = false;
    Gliner2Output out = with_torch_context([&] { return "evaluating " + describe_rows(idx, reader.path()); },
                                           [&] {
                                             Gliner2Output o = model.forward(b, fo);
                                             r.loss += model.loss(o, b, lo).total.item<double>();
                                             return o;
                                           });
    torch::Tensor count = opts.count_gate ? out.count_logits.argmax(-1).cpu() : torch::Tensor();
    for (size_t i = 0; i < ex.size(); ++i) {
      torch::Tensor logits = out.example_span_logits(static_cast<int64_t>(i)).to(torch::kCPU, torch::kFloat32).contiguous();
      std::vector<std::string> names;
      for (int32_t id : types[i]) names.push_back(builder.labels().at(static_cast<size_t>(id)));
      SpanScores sc{logits.data_ptr<float>(), static_cast<int32_t>(logits.size(0)),
                    static_cast<int32_t>(logits.size(1)), static_cast<int32_t>(logits.size(2)), true};
      // The period word that normalisation appends sits just past the text.
      std::string text = ex[i].text + (inputs[i].period_appended ? "." : "");
      DecodeText dt{&text, &inputs[i].word_char_start, &inputs[i].word_char_end};
      const int32_t pred_count = opts.count_gate ? static_cast<int32_t>(count[static_cast<int64_t>(i)].item<int64_t>()) : 1;
      // Exact match on offsets: every occurrence of a repeated mention is its own entity.
      auto per_threshold = decode_entities_sweep(sc, dt, names, opts.thresholds, pred_count, /*dedupe_text=*/false);

      Doc& doc = docs.at(doc_of_row[static_cast<size_t>(batch_idx[i])]);
      const int32_t c0 = ex[i].text_char_offset;
      const int32_t c1 = c0 + static_cast<int32_t>(utf8::length(ex[i].text));
      for (Entity g : row_gold_entities(ex[i], builder.labels())) {
        g.start += c0;
        g.end += c0;
        doc.gold.push_back(std::move(g));
      }
      // Gold the model cannot reach (prepare could not place it on any row): still gold, so missed.
      for (size_t k = 0; k + 2 < ex[i].lost_gold.size(); k += 3)
        doc.gold.push_back(Entity{ex[i].lost_gold[k], ex[i].lost_gold[k + 1],
                                  builder.labels().at(static_cast<size_t>(ex[i].lost_gold[k + 2]))});
      doc.windows.resize(per_threshold.size());
      for (size_t t = 0; t < per_threshold.size(); ++t)
        doc.windows[t].push_back(WindowEntities{c0, c1, std::move(per_threshold[t])});
      if (--doc.rows_left == 0) {  // every window is in: score the document, free it
        sort_entities(&doc.gold);
        doc.gold.erase(std::unique(doc.gold.begin(), doc.gold.end()), doc.gold.end());
        for (size_t t = 0; t < doc.windows.size(); ++t) {
          std::vector<DecodedEntity> merged = merge_windows(doc.windows[t]);
          r.sweep.add_at(t, doc.gold, merged);
        }
        docs.erase(doc_of_row[static_cast<size_t>(batch_idx[i])]);
      }
    }
    r.rows += static_cast<int64_t>(ex.size());
  }
  if (world > 1) {
    std::vector<int64_t> counts = r.sweep.to_counts();
    opts.group->allreduce(counts, dist::ReduceOp::Sum, "evaluation counts all-reduce");
    r.sweep = ThresholdSweep::from_counts(r.sweep.labels(), r.sweep.thresholds(), counts);
    std::vector<double> lr = {r.loss, static_cast<double>(r.rows), static_cast<double>(r.documents)};
    opts.group->allreduce(lr, dist::ReduceOp::Sum, "evaluation loss all-reduce");
    r.loss = lr[0];
    r.rows = static_cast<int64_t>(lr[1]);
    r.documents = static_cast<int64_t>(lr[2]);
  }
  if (r.rows) r.loss /= static_cast<double>(r.rows);
  if (was_training) model.train();
  return r;
}

}  // namespace gtrain
