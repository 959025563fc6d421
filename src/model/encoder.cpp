#include "model/encoder.h"

#include "model/bert.h"
#include "model/deberta.h"

namespace gtrain {

std::shared_ptr<EncoderImpl> make_encoder(const EncoderConfig& cfg) {
  if (cfg.is_deberta()) return std::make_shared<DebertaV2ModelImpl>(cfg.deberta);
  return std::make_shared<BertModelImpl>(cfg.bert);
}

}  // namespace gtrain
