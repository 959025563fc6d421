#include "infer/predictor.h"
#include "model/torch_errors.h"
#include "eval/window_merge.h"

#include <algorithm>
#include <climits>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "data/hdf5_store.h"
#include "data/windows.h"
#include "io/input_error.h"
#include "model/hf_checkpoint.h"
#include "text/utf8.h"
#include "infer/evaluator.h"
#include "model/threads.h"

namespace fs = std::filesystem;

namespace gtrain {

struct Predictor::Impl {
  Gliner2Checkpoint ckpt;
  PredictorInfo info;
  torch::Device device = torch::kCPU;
};

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;
const PredictorInfo& Predictor::info() const { return impl_->info; }
const Tokenizer& Predictor::tokenizer() const { return *impl_->ckpt.tokenizer; }

Predictor::Predictor(const std::string& model_dir, const std::string& device) : impl_(std::make_unique<Impl>()) {
  try {
    impl_->device = torch::Device(device);
  } catch (const std::exception&) {
    throw std::invalid_argument("device '" + device + "': expected cpu, cuda or cuda:N");
  }
  configure_torch_threads();
  Gliner2LoadOptions lo;
  lo.device = impl_->device;
  impl_->ckpt = load_gliner2_checkpoint(model_dir, lo);
  impl_->ckpt.model->eval();
  PredictorInfo& info_ = impl_->info;
  info_.max_span_width = static_cast<int>(impl_->ckpt.model->config.max_width);
  const fs::path info = fs::path(model_dir) / "gtrain.json";
  if (fs::exists(info)) {
    std::ifstream f(info);
    nlohmann::json j;
    try {
      f >> j;
      info_.unit_mode = parse_unit_mode(j.value("unit_mode", std::string("word")));
      info_.threshold = j.value("threshold", 0.5f);
      info_.labels = j.value("labels", std::vector<std::string>{});
      info_.descriptions = j.value("label_descriptions", std::vector<std::string>{});
      info_.max_length = j.value("max_length", 512);
      info_.window_stride = j.value("window_stride", 16);
    } catch (const std::exception& e) {
      throw std::runtime_error(info.string() + ": " + e.what());
    }
    info_.descriptions.resize(info_.labels.size());
  } else {
    spdlog::warn("{}: no gtrain.json beside the model; using GLiNER2's defaults (word units, threshold 0.5, "
                 "max_length 512)",
                 model_dir);
  }
}

namespace {
// Text tokens per window beside `prefix` within `positions` (0: no limit): max_text_tokens's rule.
int text_tokens_beside(const SchemaPrefix& prefix, int max_length, int64_t positions) {
  if (positions <= 0) return max_length;
  const int64_t room = positions - prefix.size() - static_cast<int64_t>(prefix.period_ids.size());
  if (room < 1)
    throw std::invalid_argument("the schema prompt (" + std::to_string(prefix.size()) +
                                " tokens) leaves no room for text in the encoder's " + std::to_string(positions) +
                                " positions");
  return static_cast<int>(std::min<int64_t>(max_length, room));
}
}  // namespace

std::vector<std::vector<DecodedEntity>> Predictor::predict(const std::vector<std::string>& texts,
                                                           const std::vector<SchemaField>& labels,
                                                           float threshold, int batch_size) {
  if (labels.empty()) throw std::invalid_argument("predict: no labels given");
  if (batch_size < 1) throw std::invalid_argument("predict: batch size must be >= 1, got " + std::to_string(batch_size));
  const PredictorInfo& info_ = impl_->info;
  if (threshold < 0) threshold = info_.threshold;
  const Tokenizer& tok = *impl_->ckpt.tokenizer;
  const SchemaPrefix prefix = build_schema_prefix({entity_schema(labels)}, tok);
  std::vector<std::string> names;
  for (const auto& l : labels) names.push_back(l.name);

  // Every text is cut into windows of at most max_length tokens as prepare cut the training rows
  // (a text of any length is read whole); the windows' entities are merged back into one list per
  // text by eval/window_merge.h, the rule evaluation uses too.
  struct Window {
    size_t text;
    PreparedExample row;  // the window as a prepared row (text and offsets window-relative)
  };
  const int max_length =
      text_tokens_beside(prefix, info_.max_length, impl_->ckpt.model->encoder_config.max_sequence_tokens());
  std::vector<Window> wins;
  std::vector<char32_t> cps;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!utf8::decode(texts[i], &cps)) throw std::invalid_argument("text " + std::to_string(i + 1) + " is not valid UTF-8");
    Units u = make_units(cps, info_.unit_mode, &tok);
    if (u.size() == 0) continue;
    const auto spans = unit_windows(u, max_length, info_.window_stride, false);
    for (size_t w = 0; w < spans.size(); ++w) {
      const auto [a, b] = spans[w];
      Window win;
      win.text = i;
      win.row = window_row(u, cps, a, b, max_length);
      wins.push_back(std::move(win));
    }
  }

  std::vector<std::vector<WindowEntities>> per_text(texts.size());
  torch::NoGradGuard no_grad;
  for (size_t b0 = 0; b0 < wins.size(); b0 += static_cast<size_t>(batch_size)) {
    const size_t b1 = std::min(wins.size(), b0 + static_cast<size_t>(batch_size));
    std::vector<Gliner2Input> inputs;
    std::vector<std::string> norm;
    Gliner2Batch batch;
    int64_t T = 1;
    for (size_t i = b0; i < b1; ++i) {
      const PreparedExample& row = wins[i].row;
      inputs.push_back(assemble_gliner2_input(prefix, row, true));
      norm.push_back(normalize_text(row.text));
      Gliner2Example g;
      g.word_pos.assign(inputs.back().word_first_token.begin(), inputs.back().word_first_token.end());
      g.schema_pos.assign(inputs.back().schema_special_pos.at(0).begin(), inputs.back().schema_special_pos.at(0).end());
      batch.examples.push_back(std::move(g));
      T = std::max<int64_t>(T, inputs.back().seq_len());
    }
    const int64_t B = static_cast<int64_t>(inputs.size());
    batch.input_ids = torch::full({B, T}, static_cast<int64_t>(tok.pad_id()), torch::kInt64);
    batch.attention_mask = torch::zeros({B, T}, torch::kInt64);
    for (int64_t i = 0; i < B; ++i) {
      const auto& in = inputs[static_cast<size_t>(i)].input_ids;
      const int64_t n = static_cast<int64_t>(in.size());
      batch.input_ids[i].slice(0, 0, n).copy_(torch::tensor(std::vector<int64_t>(in.begin(), in.end())));
      batch.attention_mask[i].slice(0, 0, n).fill_(1);
    }
    batch.input_ids = batch.input_ids.to(impl_->device);
    batch.attention_mask = batch.attention_mask.to(impl_->device);
    Gliner2ForwardOptions fo;
    fo.count_logits = false;
    Gliner2Output out = with_torch_context(
        [&] {
          return "predicting texts " + std::to_string(wins[b0].text + 1) + ".." + std::to_string(wins[b1 - 1].text + 1) +
                 " (" + std::to_string(b1 - b0) + " windows)";
        },
        [&] { return impl_->ckpt.model->forward(batch, fo); });
    for (int64_t i = 0; i < B; ++i) {
      torch::Tensor lg = out.example_span_logits(i).to(torch::kCPU, torch::kFloat32).contiguous();
      SpanScores sc{lg.data_ptr<float>(), static_cast<int32_t>(lg.size(0)), static_cast<int32_t>(lg.size(1)),
                    static_cast<int32_t>(lg.size(2)), true};
      const Gliner2Input& in = inputs[static_cast<size_t>(i)];
      const Window& win = wins[b0 + static_cast<size_t>(i)];
      DecodeText dt{&norm[static_cast<size_t>(i)], &in.word_char_start, &in.word_char_end};
      DecodeOptions dopt;
      dopt.threshold = threshold;
      dopt.dedupe_text = false;  // offsets out: each occurrence is reported where it is
      const int32_t c0 = win.row.text_char_offset;
      per_text[win.text].push_back(WindowEntities{c0, c0 + static_cast<int32_t>(utf8::length(win.row.text)),
                                                  decode_entities(sc, dt, names, dopt, 1)});
    }
  }
  std::vector<std::vector<DecodedEntity>> result(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) result[i] = merge_windows(per_text[i]);
  return result;
}

int Predictor::max_text_tokens(const std::vector<SchemaField>& labels) const {
  return text_tokens_beside(build_schema_prefix({entity_schema(labels)}, *impl_->ckpt.tokenizer), impl_->info.max_length,
                            impl_->ckpt.model->encoder_config.max_sequence_tokens());
}

ThresholdSweep Predictor::evaluate(const std::string& h5_path, const std::vector<float>& thresholds, int batch_size) {
  PreparedReader reader(h5_path, tokenizer().fingerprint());
  reader.check_token_ids(tokenizer().vocab_size());
  // The model's labels, in its training order and with its descriptions, as the prompt had them in
  // training (a file prepared with other `labels:` lists them otherwise, or describes them
  // otherwise); the file's other labels are not scored, as with an annotated file.
  const PredictorInfo& info = impl_->info;
  std::vector<std::string> descriptions = reader.meta().label_descriptions;
  if (!info.labels.empty()) {
    if (info.labels != reader.meta().labels) {
      std::vector<SchemaLabel> keep;
      for (const std::string& l : info.labels)
        if (std::find(reader.meta().labels.begin(), reader.meta().labels.end(), l) != reader.meta().labels.end())
          keep.push_back(SchemaLabel{l, ""});
      if (keep.empty()) {
        std::string names;
        for (const auto& n : info.labels) names += (names.empty() ? "" : ", ") + n;
        throw InputError(h5_path, 0, "labels", "holds none of the model's labels (" + names + ")");
      }
      reader.select_labels(keep);
    }
    descriptions.clear();
    for (const std::string& l : reader.meta().labels)
      descriptions.push_back(info.descriptions[static_cast<size_t>(
          std::find(info.labels.begin(), info.labels.end(), l) - info.labels.begin())]);
  }
  bool any_desc = false;
  for (const auto& d : descriptions) any_desc |= !d.empty();
  BatchBuilder builder(tokenizer(), reader.meta().labels, descriptions, any_desc);
  EvalOptions eo;
  eo.thresholds = thresholds;
  eo.batch_size = batch_size;
  eo.device = impl_->device;
  return gtrain::evaluate(*impl_->ckpt.model, reader, builder, eo).sweep;
}

std::vector<SchemaField> prediction_schema(const PredictorInfo& info, const std::vector<std::string>& names_in,
                                           const std::vector<std::string>& descriptions) {
  const std::vector<std::string>& names = names_in.empty() ? info.labels : names_in;
  if (names.empty()) throw std::invalid_argument("--labels: the model stores no labels; name them, e.g. --labels Disease,Drug");
  std::vector<SchemaField> labels;
  for (const std::string& n : names) {
    for (const auto& f : labels)
      if (f.name == n) throw std::invalid_argument("--labels: '" + n + "' is named twice");
    SchemaField f{n, ""};
    for (size_t i = 0; i < info.labels.size() && i < info.descriptions.size(); ++i)
      if (info.labels[i] == n) f.description = info.descriptions[i];
    labels.push_back(f);
  }
  // The prompt lists the labels in the order the model was trained with (prepare puts every row's
  // labels in the label vocabulary's order, which gtrain.json keeps): a model that always saw one
  // order predicts worse on another. Labels it was not trained on follow, in the order given.
  auto trained_rank = [&](const SchemaField& f) {
    const auto it = std::find(info.labels.begin(), info.labels.end(), f.name);
    return static_cast<size_t>(it - info.labels.begin());
  };
  std::stable_sort(labels.begin(), labels.end(),
                   [&](const SchemaField& a, const SchemaField& b) { return trained_rank(a) < trained_rank(b); });
  for (const std::string& d : descriptions) {
    const size_t eq = d.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--description '" + d + "': expected LABEL=text");
    bool found = false;
    for (auto& f : labels)
      if (f.name == d.substr(0, eq)) f.description = d.substr(eq + 1), found = true;
    if (!found) throw std::invalid_argument("--description: label '" + d.substr(0, eq) + "' is not in --labels");
  }
  return labels;
}

}  // namespace gtrain
