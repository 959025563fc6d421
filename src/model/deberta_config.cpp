#include "model/deberta_config.h"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "io/json_fields.h"
#include "model/hf_config_json.h"

namespace gtrain {

namespace {

std::string lower_strip(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  size_t a = s.find_first_not_of(" \t\n\r");
  size_t b = s.find_last_not_of(" \t\n\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

std::vector<std::string> split_bar(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, '|')) out.push_back(lower_strip(item));
  if (!s.empty() && s.back() == '|') out.push_back("");
  return out;
}

}  // namespace

bool DebertaV2Config::has_c2p() const {
  return std::find(pos_att_type.begin(), pos_att_type.end(), "c2p") != pos_att_type.end();
}
bool DebertaV2Config::has_p2c() const {
  return std::find(pos_att_type.begin(), pos_att_type.end(), "p2c") != pos_att_type.end();
}

DebertaV2Config DebertaV2Config::from_json(const nlohmann::json& j, const std::string& src) {
  const JsonFields f(j, "DeBERTa config", src);
  DebertaV2Config c = f.open_config<DebertaV2Config>("deberta-v2", "DeBERTa-v2/v3");
  c.hidden_size = f.get_int("hidden_size", c.hidden_size);
  c.num_hidden_layers = f.get_int("num_hidden_layers", c.num_hidden_layers);
  c.num_attention_heads = f.get_int("num_attention_heads", c.num_attention_heads);
  c.attention_head_size = f.get_int("attention_head_size", 0);
  c.intermediate_size = f.get_int("intermediate_size", c.intermediate_size);
  c.hidden_act = f.get_str("hidden_act", c.hidden_act);
  c.vocab_size = f.get_int("vocab_size", c.vocab_size);
  c.max_position_embeddings = f.get_int("max_position_embeddings", c.max_position_embeddings);
  c.type_vocab_size = f.get_int("type_vocab_size", c.type_vocab_size);
  c.relative_attention = f.get_bool("relative_attention", c.relative_attention);
  c.max_relative_positions = f.get_int("max_relative_positions", -1);
  if (c.max_relative_positions < 1) c.max_relative_positions = c.max_position_embeddings;
  c.position_buckets = f.get_int("position_buckets", -1);
  c.share_att_key = f.get_bool("share_att_key", false);
  c.position_biased_input = f.get_bool("position_biased_input", true);
  c.layer_norm_eps = f.get_num("layer_norm_eps", c.layer_norm_eps);
  c.pad_token_id = f.get_int("pad_token_id", 0);
  c.embedding_size = f.get_int("embedding_size", c.hidden_size);
  c.hidden_dropout_prob = f.get_num("hidden_dropout_prob", c.hidden_dropout_prob);
  c.attention_probs_dropout_prob =
      f.get_num("attention_probs_dropout_prob", c.attention_probs_dropout_prob);
  c.initializer_range = f.get_num("initializer_range", c.initializer_range);

  // pos_att_type: list, "p2c|c2p" string, or null.
  c.pos_att_type.clear();
  if (j.contains("pos_att_type") && !j["pos_att_type"].is_null()) {
    const auto& v = j["pos_att_type"];
    std::vector<std::string> items;
    if (v.is_string()) {
      items = split_bar(v.get<std::string>());
    } else if (v.is_array()) {
      for (const auto& e : v) {
        if (!e.is_string()) f.fail("pos_att_type", "list entries must be strings, got " + e.dump());
        items.push_back(e.get<std::string>());
      }
    } else {
      f.fail("pos_att_type", "expected a list or a \"p2c|c2p\" string, got " + v.dump());
    }
    for (const auto& s : items) {
      if (s != "c2p" && s != "p2c")
        f.fail("pos_att_type", "unsupported entry \"" + s + "\" (only c2p and p2c)");
      c.pos_att_type.push_back(s);
    }
  }

  // norm_rel_ebd: "layer_norm", "none" (HF splits on '|').
  {
    std::string v = f.get_str("norm_rel_ebd", "none");
    bool ln = false;
    for (const auto& s : split_bar(v)) {
      if (s == "layer_norm") ln = true;
      else if (s != "none" && !s.empty())
        f.fail("norm_rel_ebd", "unsupported value \"" + v + "\" (expected \"layer_norm\" or \"none\")");
    }
    c.norm_rel_ebd = ln ? "layer_norm" : "none";
  }

  // Unsupported features.
  if (c.hidden_act != "gelu")
    f.fail("hidden_act", "only \"gelu\" (exact erf) is supported, got \"" + c.hidden_act + "\"");
  if (f.get_int("conv_kernel_size", 0) > 0)
    f.fail("conv_kernel_size", "the convolution layer (DeBERTa-v2 xlarge style) is not supported");
  if (c.hidden_size <= 0) f.fail("hidden_size", "must be positive");
  if (c.num_hidden_layers < 0) f.fail("num_hidden_layers", "must be >= 0");
  if (c.num_attention_heads <= 0) f.fail("num_attention_heads", "must be positive");
  if (c.attention_head_size <= 0 && c.hidden_size % c.num_attention_heads != 0)
    f.fail("num_attention_heads", "hidden_size " + std::to_string(c.hidden_size) +
                                         " is not a multiple of " + std::to_string(c.num_attention_heads));
  if (c.intermediate_size <= 0) f.fail("intermediate_size", "must be positive");
  if (c.vocab_size <= 0) f.fail("vocab_size", "must be positive");
  if (c.embedding_size <= 0) f.fail("embedding_size", "must be positive");
  if (c.type_vocab_size < 0) f.fail("type_vocab_size", "must be >= 0");
  if (c.position_biased_input && c.max_position_embeddings <= 0)
    f.fail("max_position_embeddings", "must be positive");
  if (!(c.layer_norm_eps > 0)) f.fail("layer_norm_eps", "must be positive");
  if (c.hidden_dropout_prob < 0 || c.hidden_dropout_prob >= 1)
    f.fail("hidden_dropout_prob", "must be in [0, 1)");
  if (c.attention_probs_dropout_prob < 0 || c.attention_probs_dropout_prob >= 1)
    f.fail("attention_probs_dropout_prob", "must be in [0, 1)");
  if (c.relative_attention && c.pos_ebd_size() <= 0)
    f.fail("max_relative_positions", "relative attention needs a positive table size");
  return c;
}

DebertaV2Config DebertaV2Config::v3(int64_t hidden, int64_t layers, int64_t heads, int64_t intermediate,
                                    int64_t vocab, int64_t position_buckets, int64_t max_relative_positions) {
  DebertaV2Config c;
  set_encoder_sizes(c, hidden, layers, heads, intermediate, vocab);
  c.relative_attention = true;
  c.position_buckets = position_buckets;
  c.max_relative_positions = max_relative_positions;
  c.pos_att_type = {"p2c", "c2p"};
  c.share_att_key = true;
  c.norm_rel_ebd = "layer_norm";
  c.position_biased_input = false;
  return from_json(c.to_json(), "DeBERTa-v3 config");  // resolved as config.json is on reload
}

DebertaV2Config DebertaV2Config::from_file(const std::string& path) {
  return from_json(read_json_file(path, "DeBERTa config"), path);
}

nlohmann::json DebertaV2Config::to_json() const {
  HfConfigJson out(*this);
  if (attention_head_size > 0) out.put("attention_head_size", attention_head_size);
  out.put({{"relative_attention", relative_attention}, {"max_relative_positions", max_relative_positions},
           {"position_buckets", position_buckets}, {"pos_att_type", pos_att_type}, {"share_att_key", share_att_key},
           {"norm_rel_ebd", norm_rel_ebd}, {"position_biased_input", position_biased_input}});
  if (embedding_size > 0 && (embedding_size != hidden_size || out.j.contains("embedding_size")))
    out.put("embedding_size", embedding_size);
  return out.j;
}

void DebertaV2Config::save(const std::string& path) const { write_json_file(path, to_json()); }

}  // namespace gtrain
