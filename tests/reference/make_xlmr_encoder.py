"""A toy XLM-R encoder folder laid out as xlm-roberta-base is published, made by the real code
(sentencepiece + transformers in bench/reference/.venv), for tests/reference/gliner2_load.sh.

  make_xlmr_encoder.py RAW_TEXT OUT_DIR

The SentencePiece model has XLM-R's own control pieces (<unk>=0, <s>=1, </s>=2, no pad; fairseq
ids shift every piece by one and add <pad> and <mask>), which the toy fixture in
shared/fixtures/hf_encoders/xlm-roberta (DeBERTa's [PAD]/[CLS]/[SEP]/[UNK] pieces) lacks.
XLMRobertaTokenizerFast.save_pretrained writes sentencepiece.bpe.model and tokenizer.json, as the
hub's folder holds both; the weights are XLMRobertaModel's random initialisation (seed 0).
"""
import os
import sys

import sentencepiece as spm
import torch
from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizer, XLMRobertaTokenizerFast

raw, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
prefix = os.path.join(out, "xlmr_spm")
spm.SentencePieceTrainer.train(input=raw, model_prefix=prefix, vocab_size=1500, model_type="unigram",
                               character_coverage=0.9995, unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
                               hard_vocab_limit=False, minloglevel=2, num_threads=1)
slow = XLMRobertaTokenizer(vocab_file=prefix + ".model")
fast = XLMRobertaTokenizerFast(vocab_file=prefix + ".model")
assert len(slow) == len(fast), (len(slow), len(fast))
fast.save_pretrained(out)
for ext in (".model", ".vocab"):
    os.remove(prefix + ext)

torch.manual_seed(0)
cfg = XLMRobertaConfig(vocab_size=len(fast), hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                       intermediate_size=128, max_position_embeddings=514, type_vocab_size=1,
                       pad_token_id=fast.pad_token_id, bos_token_id=0, eos_token_id=2)
XLMRobertaModel(cfg).save_pretrained(out, safe_serialization=True)
print(f"{out}: XLM-R, {len(fast)} tokens (slow and fast agree on the count), hidden 64, 2 layers")
