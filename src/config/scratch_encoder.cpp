#include "config/scratch_encoder.h"

namespace gtrain {

EncoderConfig scratch_encoder_config(const EncoderShape& s, int64_t vocab, int64_t pad_id, double dropout) {
  if (s.type != "deberta-v3") {
    // A BERT-family encoder as its HF config would say, through config.json's own reader.
    EncoderConfig e = BertConfig::sized(s.type, s.hidden_size, s.num_layers, s.num_heads, s.intermediate_size, vocab,
                                        pad_id);
    if (dropout >= 0) e.set_dropout(dropout);
    return e;
  }
  // DeBERTa-v3 layout (what GLiNER2 ships) at the configured size, resolved through config.json's
  // own reader: the model trains with exactly what best/ reloads as.
  EncoderConfig e = DebertaV2Config::v3(s.hidden_size, s.num_layers, s.num_heads, s.intermediate_size, vocab,
                                        s.position_buckets, s.max_relative_positions);
  if (dropout >= 0) e.set_dropout(dropout);
  return e;
}

}  // namespace gtrain
