#include "model/hf_encoder_weights.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstring>
#include <stdexcept>

#include "model/hf_checkpoint.h"
#include "model/tensor_io.h"
#include "text/strings.h"

namespace gtrain {

namespace {
constexpr const char* kWordEmb = "embeddings.word_embeddings.weight";

bool is_encoder_tensor(const std::string& rest) {
  if (rest == "embeddings.position_ids" || rest == "embeddings.token_type_ids") return false;  // buffers
  return starts_with(rest, "embeddings.") || starts_with(rest, "encoder.") || starts_with(rest, "embeddings_project.") ||
         starts_with(rest, "pooler.");
}
}  // namespace

HfEncoderWeights read_hf_encoder_weights(const std::string& path) {
  std::map<std::string, torch::Tensor> all = load_safetensors(path);
  std::vector<std::string> emb_keys;
  const size_t n = std::strlen(kWordEmb);
  for (const auto& kv : all)
    if (ends_with(kv.first, kWordEmb) && (kv.first.size() == n || kv.first[kv.first.size() - n - 1] == '.'))
      emb_keys.push_back(kv.first);
  if (emb_keys.empty())
    throw std::runtime_error(path + ": no word embeddings: expected a tensor named '" + kWordEmb +
                             "' (a bare model) or '<prefix>." + kWordEmb + "' (bert., roberta., electra., deberta.)");
  if (emb_keys.size() > 1)
    throw std::runtime_error(path + ": several word-embedding tensors (" + join(emb_keys, ", ", 10) +
                             "); cannot tell which is the encoder");
  HfEncoderWeights w;
  w.prefix = emb_keys[0].substr(0, emb_keys[0].size() - n);
  w.word_embeddings_dtype = dtype_label(all.at(emb_keys[0]).scalar_type());
  for (auto& kv : all) {
    const std::string& k = kv.first;
    if (starts_with(k, w.prefix) && is_encoder_tensor(k.substr(w.prefix.size()))) {
      if (!kv.second.is_floating_point())
        throw std::runtime_error(path + ": tensor '" + k + "' is " + dtype_label(kv.second.scalar_type()) +
                                 ", expected floating point");
      w.tensors.emplace(k.substr(w.prefix.size()), std::move(kv.second));
    } else {
      w.dropped.push_back(k);
    }
  }
  return w;
}

bool add_missing_pooler(std::map<std::string, torch::Tensor>& tensors, const std::string& prefix,
                        const EncoderConfig& cfg, uint64_t seed) {
  if (cfg.is_deberta() || !cfg.bert.has_pooler() || tensors.count(prefix + "pooler.dense.weight")) return false;
  const int64_t H = cfg.hidden_size();
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed + 1);  // seed itself draws new embedding rows
  tensors[prefix + "pooler.dense.weight"] = torch::randn({H, H}, gen, torch::kFloat32) * cfg.initializer_range();
  tensors[prefix + "pooler.dense.bias"] = torch::zeros({H}, torch::kFloat32);
  return true;
}

}  // namespace gtrain
