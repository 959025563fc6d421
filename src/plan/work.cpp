#include "plan/work.h"

#include <algorithm>
#include <filesystem>
#include <stdexcept>

#include "config/prepared_data.h"
#include "config/scratch_encoder.h"
#include "data/gliner2_prompt.h"
#include "data/hdf5_store.h"
#include "data/sharding.h"
#include "model/flops.h"
#include "model/lora_targets.h"
#include "text/tokenizer.h"

namespace fs = std::filesystem;

namespace gtrain {

namespace {

int64_t linear(int64_t in, int64_t out, bool bias = true) { return in * out + (bias ? out : 0); }

// One Linear layer of the model (gtrain::Linear, what LoRA adapts): its module path as the model
// names it (GLiNER2's state-dict names) and its shape.
struct LinearShape {
  std::string name;
  int64_t in, out;
};

// count_lstm_v2's counting layer (model/downscaled_transformer.cpp): a 128-wide, 4-head, 2-layer
// transformer between an input projection and a 3-layer output MLP.
constexpr int64_t kCountWidth = 128, kCountLayers = 2;

// Every Linear of the model, named as in the model, for lora_target_matches.
std::vector<LinearShape> linear_layers(const EncoderConfig& enc, const std::string& counting_layer) {
  const int64_t H = enc.hidden_size(), I = enc.intermediate_size(), L = enc.num_hidden_layers();
  std::vector<LinearShape> v;
  const bool deberta = enc.is_deberta();
  if (deberta && enc.deberta.embedding_size > 0 && enc.deberta.embedding_size != H)
    v.push_back({"encoder.embeddings.embed_proj", enc.deberta.embedding_size, H});
  if (!deberta && enc.bert.has_embeddings_project())
    v.push_back({"encoder.embeddings_project", enc.bert.embedding_size, H});
  const bool pos_proj = deberta && enc.deberta.relative_attention && !enc.deberta.share_att_key;
  for (int64_t l = 0; l < L; ++l) {
    const std::string layer = "encoder.encoder.layer." + std::to_string(l) + ".";
    const std::string self = layer + "attention.self.";
    for (const char* q : {"query", "key", "value"}) v.push_back({self + q + (deberta ? "_proj" : ""), H, H});
    if (pos_proj && enc.deberta.has_c2p()) v.push_back({self + "pos_key_proj", H, H});
    if (pos_proj && enc.deberta.has_p2c()) v.push_back({self + "pos_query_proj", H, H});
    v.push_back({layer + "attention.output.dense", H, H});
    v.push_back({layer + "intermediate.dense", H, I});
    v.push_back({layer + "output.dense", I, H});
  }
  if (!deberta && enc.bert.has_pooler()) v.push_back({"encoder.pooler.dense", H, H});
  const std::string span = "span_rep.span_rep_layer.";
  for (const char* m : {"project_start", "project_end"})
    v.push_back({span + m + ".0", H, 4 * H}), v.push_back({span + m + ".3", 4 * H, H});
  v.push_back({span + "out_project.0", 2 * H, 4 * H});
  v.push_back({span + "out_project.3", 4 * H, H});
  v.push_back({"classifier.0", H, 2 * H});
  v.push_back({"classifier.2", 2 * H, 1});
  v.push_back({"count_pred.0", H, 2 * H});
  v.push_back({"count_pred.2", 2 * H, 20});
  if (counting_layer == "count_lstm_v2") {
    const std::string t = "count_embed.transformer.";
    const int64_t C = kCountWidth;
    v.push_back({t + "in_projector", H, C});
    for (int64_t l = 0; l < kCountLayers; ++l) {
      const std::string layer = t + "transformer.layers." + std::to_string(l) + ".";
      v.push_back({layer + "self_attn.out_proj", C, C});  // never adapted (lora_targets.h)
      v.push_back({layer + "linear1", C, 2 * C});
      v.push_back({layer + "linear2", 2 * C, C});
    }
    v.push_back({t + "out_projector.0", C + H, H});
    v.push_back({t + "out_projector.2", H, H});
    v.push_back({t + "out_projector.4", H, H});
  } else {
    v.push_back({"count_embed.projector.0", 2 * H, 4 * H});
    v.push_back({"count_embed.projector.2", 4 * H, H});
  }
  return v;
}

int64_t encoder_parameters(const EncoderConfig& enc) {
  const int64_t H = enc.hidden_size(), I = enc.intermediate_size(), L = enc.num_hidden_layers();
  int64_t layer = 4 * linear(H, H) + 2 * H + linear(H, I) + linear(I, H) + 2 * H;
  int64_t n = 0;
  if (enc.is_deberta()) {
    const DebertaV2Config& c = enc.deberta;
    const int64_t E = c.embedding_size > 0 ? c.embedding_size : H;
    n += c.vocab_size * E;
    if (c.position_biased_input) n += c.max_position_embeddings * E;
    if (c.type_vocab_size > 0) n += c.type_vocab_size * E;
    if (E != H) n += E * H;  // embed_proj, no bias
    n += 2 * H;              // embeddings LayerNorm
    if (c.relative_attention) {
      if (!c.share_att_key) layer += (c.has_c2p() ? linear(H, H) : 0) + (c.has_p2c() ? linear(H, H) : 0);
      n += 2 * c.pos_ebd_size() * H;
      if (c.norm_rel_layer_norm()) n += 2 * H;
    }
  } else {
    const BertConfig& c = enc.bert;
    const int64_t E = c.embedding_size > 0 ? c.embedding_size : H;
    n += (c.vocab_size + c.max_position_embeddings + c.type_vocab_size) * E + 2 * E;
    if (c.has_embeddings_project()) n += linear(E, H);
    if (c.has_pooler()) n += linear(H, H);
  }
  return n + L * layer;
}

struct PromptTokens {
  int64_t prompt = 0;  // the whole label set's prompt (the longest a row gets)
  int64_t period = 0;  // the period appended to a text that needs one
};

// The prompt of the whole label set, as the trainer's BatchBuilder builds it: from the training
// split's labels and descriptions after data.labels' selection (which takes a description from
// the prepared file where data.labels gives none).
PromptTokens prompt_tokens(const Tokenizer& tok, const PreparedMeta& meta) {
  std::vector<SchemaField> fields;
  for (size_t i = 0; i < meta.labels.size(); ++i)
    fields.push_back({meta.labels[i], i < meta.label_descriptions.size() ? meta.label_descriptions[i] : ""});
  const SchemaPrefix p = build_schema_prefix({entity_schema(fields)}, tok);
  return {p.size(), static_cast<int64_t>(p.period_ids.size())};
}

// Each row's tokens (with the prompt every split's rows get: the training split's, as the
// trainer builds one prompt for all splits), words and candidate spans.
std::vector<RowWork> read_rows(PreparedReader& r, const PromptTokens& pt, int64_t max_width) {
  std::vector<int64_t> idx(static_cast<size_t>(r.size()));
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>(i);
  std::vector<RowWork> rows;
  rows.reserve(idx.size());
  for (const PreparedExample& ex : r.get_many(idx)) {
    const bool dot = text_needs_period(ex.text);
    RowWork w;
    w.tokens = pt.prompt + static_cast<int64_t>(ex.token_ids.size()) + (dot ? pt.period : 0);
    w.words = static_cast<int64_t>(ex.unit_token.size()) + (dot ? 1 : 0);
    w.spans = candidate_spans(w.words, max_width);
    w.length_tokens = static_cast<int32_t>(ex.token_ids.size());
    rows.push_back(w);
  }
  return rows;
}

}  // namespace

// The tokenizer training uses: the checkpoint's, else model.tokenizer, else the inline prepare
// section's; with GLiNER2's special tokens.
std::unique_ptr<Tokenizer> open_config_tokenizer(const TrainConfig& cfg) {
  std::string tpath = !cfg.model.source.empty() ? cfg.model.source : cfg.model.tokenizer;
  if (tpath.empty() && cfg.data.prepare) tpath = cfg.data.prepare->tokenizer;
  if (tpath.empty()) throw std::runtime_error("model.tokenizer: required when model.source is empty");
  std::unique_ptr<Tokenizer> tok = open_tokenizer(tpath);
  tok->add_special_tokens(gliner2_special_tokens());
  return tok;
}

ParamCount count_parameters(const EncoderConfig& enc, const std::string& counting_layer, const LoraSettings& lora) {
  ParamCount c;
  const int64_t H = enc.hidden_size();
  c.encoder = encoder_parameters(enc);
  // The heads: their Linear layers (with biases) as linear_layers lists them, plus what is not a
  // Linear: count_embed's position table and GRU (weight_ih, weight_hh, two biases), and
  // count_lstm_v2's attention input projections (3C x C + 3C) and two LayerNorms per layer.
  const std::vector<LinearShape> linears = linear_layers(enc, counting_layer);
  for (const LinearShape& l : linears)
    if (l.name.rfind("encoder.", 0) != 0) c.heads += linear(l.in, l.out);
  c.heads += 20 * H + 2 * (3 * H * H + 3 * H);
  if (counting_layer == "count_lstm_v2") {
    const int64_t C = kCountWidth;
    c.heads += kCountLayers * (3 * C * C + 3 * C + 4 * C);
  }
  if (lora.enabled) {
    for (const LinearShape& l : linears)
      if (lora_target_matches(l.name, lora.targets)) c.lora += static_cast<int64_t>(lora.r) * (l.in + l.out);
    // As apply_lora refuses it, so that a plan does not cost a run that cannot start.
    if (c.lora == 0) throw std::invalid_argument("model.lora.targets: no Linear layer of the model matches them");
    c.trainable = c.lora;
  } else {
    c.trainable = c.total();
  }
  return c;
}

int64_t EpochWork::text_tokens() const {
  int64_t n = 0;
  for (const RowWork& r : rows) n += r.tokens - prompt_tokens;
  return n;
}

EpochWork read_epoch_work(const TrainConfig& cfg, const Tokenizer& tok, int64_t max_width, int64_t examples) {
  const DataPaths paths = resolve_prepared_data(cfg);  // the cache training uses, prepared when absent
  if (paths.train.empty()) throw std::runtime_error("data: no training split (data.train or data.prepare)");
  const std::string &train = paths.train, &dev = paths.dev;
  EpochWork w;
  w.source = train;
  w.max_width = max_width;
  PreparedReader tr(train);
  if (!cfg.data.labels.empty()) tr.select_labels(cfg.data.labels);
  const PromptTokens pt = prompt_tokens(tok, tr.meta());
  w.prompt_tokens = pt.prompt;
  w.labels = static_cast<int64_t>(tr.meta().labels.size());
  w.rows = read_rows(tr, pt, max_width);
  if (w.rows.empty()) throw std::runtime_error(train + ": no training rows");
  if (!dev.empty()) {
    PreparedReader dr(dev);
    if (!cfg.data.labels.empty()) dr.select_labels(cfg.data.labels);
    dr.read_with_labels_of(tr.meta());  // as training reads it
    w.dev = read_rows(dr, pt, max_width);
  }
  if (examples > 0) {
    const double scale = static_cast<double>(examples) / static_cast<double>(w.rows.size());
    auto resize = [](std::vector<RowWork>& v, int64_t n) {
      std::vector<RowWork> out;
      out.reserve(static_cast<size_t>(n));
      for (int64_t i = 0; i < n; ++i) out.push_back(v[static_cast<size_t>(i) % v.size()]);
      v = std::move(out);
    };
    const size_t dev_n = w.dev.size();
    resize(w.rows, examples);
    if (dev_n > 0) resize(w.dev, std::max<int64_t>(1, static_cast<int64_t>(static_cast<double>(dev_n) * scale)));
  }
  return w;
}

EncoderConfig config_encoder(const TrainConfig& cfg, const Tokenizer& tok, int64_t vocab) {
  EncoderConfig e;
  if (!cfg.model.source.empty()) {
    e = EncoderConfig::from_file((fs::path(cfg.model.source) / "encoder_config" / "config.json").string());
  } else {
    e = scratch_encoder_config(cfg.model.encoder, tok.vocab_size(), tok.pad_id(), cfg.model.dropout);
  }
  if (vocab > 0) e.set_vocab_size(vocab);
  return e;
}

RunShape run_shape(int64_t rows, int batch, int accum, int ranks) {
  if (batch < 1 || accum < 1 || ranks < 1) throw std::invalid_argument("plan: batch, accumulation and ranks must be >= 1");
  RunShape s;
  s.batch = batch, s.accum = accum, s.ranks = ranks;
  const int64_t per_rank = (rows + ranks - 1) / ranks;
  s.micro_batches_per_epoch = (per_rank + batch - 1) / batch;
  s.steps_per_epoch = (s.micro_batches_per_epoch + accum - 1) / accum;
  return s;
}

RunShape run_shape(const std::vector<RowWork>& rows, int batch, int accum, int ranks, int64_t token_budget,
                   uint64_t seed) {
  RunShape s = run_shape(static_cast<int64_t>(rows.size()), batch, accum, ranks);
  if (token_budget <= 0) return s;
  s.token_budget = token_budget;
  std::vector<int32_t> lengths;
  lengths.reserve(rows.size());
  for (const RowWork& r : rows) lengths.push_back(r.length_tokens);
  const BatchPlan bp = global_train_batches(lengths, seed, 0, batch, token_budget, ranks);
  s.micro_batches_per_epoch = static_cast<int64_t>(bp.batches.size());
  s.steps_per_epoch = (s.micro_batches_per_epoch + accum - 1) / accum;
  return s;
}

}  // namespace gtrain
