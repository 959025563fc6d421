#include "train/predictor.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "data/hdf5_store.h"
#include "model/hf_checkpoint.h"
#include "text/utf8.h"
#include "train/evaluator.h"
#include "train/threads.h"

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
    } catch (const std::exception& e) {
      throw std::runtime_error(info.string() + ": " + e.what());
    }
    info_.descriptions.resize(info_.labels.size());
  }
}

std::vector<std::vector<DecodedEntity>> Predictor::predict(const std::vector<std::string>& texts,
                                                           const std::vector<SchemaField>& labels,
                                                           float threshold, int batch_size) {
  if (labels.empty()) throw std::invalid_argument("predict: no labels given");
  const PredictorInfo& info_ = impl_->info;
  if (threshold < 0) threshold = info_.threshold;
  const Tokenizer& tok = *impl_->ckpt.tokenizer;
  const SchemaPrefix prefix = build_schema_prefix({entity_schema(labels)}, tok);
  std::vector<std::string> names;
  for (const auto& l : labels) names.push_back(l.name);
  std::vector<std::vector<DecodedEntity>> result(texts.size());
  torch::NoGradGuard no_grad;
  std::vector<char32_t> cps;
  for (size_t b0 = 0; b0 < texts.size(); b0 += static_cast<size_t>(batch_size)) {
    const size_t b1 = std::min(texts.size(), b0 + static_cast<size_t>(batch_size));
    std::vector<Gliner2Input> inputs;
    std::vector<std::string> norm;
    Gliner2Batch batch;
    int64_t T = 1;
    for (size_t i = b0; i < b1; ++i) {
      if (!utf8::decode(texts[i], &cps)) throw std::invalid_argument("text " + std::to_string(i + 1) + " is not valid UTF-8");
      Units u = make_units(cps, info_.unit_mode, &tok);
      // Cut overlong texts at a unit boundary (the model saw at most max_length text tokens).
      size_t keep = u.size();
      while (keep > 0 && u.unit_token[keep - 1] >= info_.max_length) --keep;
      const size_t ntok = keep < u.size() ? static_cast<size_t>(u.unit_token[keep]) : u.token_ids.size();
      std::vector<int32_t> ids(u.token_ids.begin(), u.token_ids.begin() + static_cast<std::ptrdiff_t>(ntok));
      std::vector<int32_t> ut(u.unit_token.begin(), u.unit_token.begin() + static_cast<std::ptrdiff_t>(keep));
      std::vector<int32_t> cs(u.char_start.begin(), u.char_start.begin() + static_cast<std::ptrdiff_t>(keep));
      std::vector<int32_t> ce(u.char_end.begin(), u.char_end.begin() + static_cast<std::ptrdiff_t>(keep));
      const bool period = text_needs_period(texts[i]);
      inputs.push_back(assemble_gliner2_input(prefix, ids, ut, cs, ce, period, static_cast<int32_t>(cps.size())));
      norm.push_back(period ? normalize_text(texts[i]) : texts[i]);
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
    Gliner2Output out = impl_->ckpt.model->forward(batch, fo);
    for (int64_t i = 0; i < B; ++i) {
      torch::Tensor lg = out.example_span_logits(i).to(torch::kCPU, torch::kFloat32).contiguous();
      SpanScores sc{lg.data_ptr<float>(), static_cast<int32_t>(lg.size(0)), static_cast<int32_t>(lg.size(1)),
                    static_cast<int32_t>(lg.size(2)), true};
      const Gliner2Input& in = inputs[static_cast<size_t>(i)];
      DecodeText dt{&norm[static_cast<size_t>(i)], &in.word_char_start, &in.word_char_end};
      DecodeOptions dopt;
      dopt.threshold = threshold;
      dopt.dedupe_text = false;  // offsets out: each occurrence is reported where it is
      result[b0 + static_cast<size_t>(i)] = decode_entities(sc, dt, names, dopt, 1);
    }
  }
  return result;
}

ThresholdSweep Predictor::evaluate(const std::string& h5_path, const std::vector<float>& thresholds, int batch_size) {
  PreparedReader reader(h5_path, tokenizer().fingerprint());
  bool any_desc = false;
  for (const auto& d : reader.meta().label_descriptions) any_desc |= !d.empty();
  BatchBuilder builder(tokenizer(), reader.meta().labels, reader.meta().label_descriptions, any_desc);
  EvalOptions eo;
  eo.thresholds = thresholds;
  eo.batch_size = batch_size;
  eo.device = impl_->device;
  return gtrain::evaluate(*impl_->ckpt.model, reader, builder, eo).sweep;
}

}  // namespace gtrain
