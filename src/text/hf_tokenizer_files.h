// The tokenizer files a model folder needs so that Hugging Face's AutoTokenizer (which
// GLiNER2.from_pretrained calls) rebuilds the tokenizer gtrain used. A from-scratch run's
// tokenizer is a bare spm.model / vocab.txt / tokenizer.json: AutoTokenizer then has no class to
// load (it falls back to config.json's "extractor" model type and fails) and no GLiNER2 tokens.
#pragma once
#include <string>
#include <vector>

namespace gtrain {

// In the folder `dir` (an export being staged): writes tokenizer_config.json when there is none,
// naming the class whose tokenization is gtrain's for that file (spm.model: DebertaV2Tokenizer,
// no lower-casing, no punctuation split; vocab.txt: BertTokenizer keeping case, as gtrain reads a
// bare vocab.txt; tokenizer.json: PreTrainedTokenizerFast), with the file's own unknown and
// padding pieces (no padding piece: the unknown one pads) and GLiNER2's special tokens; and added_tokens.json with the ids GLiNER2's
// tokens get (open_tokenizer + add_special_tokens) when there is none. Files already there are
// left as they are, but for a tokenizer_config.json that names no "tokenizer_class": it gets the
// class of the encoder's model_type (encoder_config/config.json), as AutoTokenizer would have
// picked in the encoder's own folder. Returns the names written.
std::vector<std::string> complete_hf_tokenizer_files(const std::string& dir);

}  // namespace gtrain
