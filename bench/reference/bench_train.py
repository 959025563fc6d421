"""The Python reference step for scripts/bench-vs-reference.sh: GLiNER2 1.2.3's own Extractor,
trained on the reference benchmark's 12 recorded batches (../shared/fixtures/gliner2_bench), timing
zero_grad -> forward (train mode) -> backward -> clip_grad_norm_(1.0) -> AdamW.step -> scheduler.step
the way GLiNER2's trainer runs them. The encoder is a DeBERTa-v3-shaped DebertaV2Model of the given
shape with a 128,011-row embedding (the real checkpoints' vocabulary), built from a config: no
download. Prints the split per step and one `RESULT ...` line for the comparison script.

  bench/reference/.venv/bin/python bench/reference/bench_train.py --batches FILE --shape small --threads 2
"""
import argparse
import json
import os
import statistics
import sys
import time

SHAPES = {  # hidden, layers, heads, intermediate: the same as gtrain bench step --shape
    "toy": (64, 2, 4, 128),
    "xsmall": (384, 12, 6, 1536),
    "small": (768, 6, 12, 3072),
    "base": (768, 12, 12, 3072),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--batches", required=True)
    ap.add_argument("--tokenizer-dir", required=True, help="the gliner2_tiny fixture (spm.model + tokenizer files)")
    ap.add_argument("--shape", default="small", choices=sorted(SHAPES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()

    import torch
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    from transformers import AutoTokenizer, DebertaV2Config
    from gliner2.model import Extractor, ExtractorConfig
    from gliner2.processor import PreprocessedBatch

    hidden, layers, heads, inter = SHAPES[a.shape]
    enc = DebertaV2Config(vocab_size=128011, hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                          intermediate_size=inter, relative_attention=True, pos_att_type=["p2c", "c2p"],
                          share_att_key=True, norm_rel_ebd="layer_norm", position_biased_input=False,
                          max_relative_positions=-1, position_buckets=256, max_position_embeddings=512,
                          type_vocab_size=0, hidden_act="gelu")
    if a.shape == "toy":  # the gliner2_tiny fixture's encoder, as gtrain's toy shape
        enc.position_buckets, enc.max_position_embeddings = 32, 512
    tok = AutoTokenizer.from_pretrained(a.tokenizer_dir)
    cfg = ExtractorConfig(model_name="local", max_width=8, counting_layer="count_lstm", token_pooling="first")
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()):  # Extractor prints its config banner
        model = Extractor(cfg, encoder_config=enc, tokenizer=tok)
    if a.shape != "toy":  # the recorded ids are < 523; the matrix has its real size, as in gtrain's shapes
        model.encoder.resize_token_embeddings(128011, mean_resizing=False)
    model.train()

    data = json.load(open(a.batches))["batches"]
    batches = []
    for b in data:
        n = len(b["input_ids"])
        batches.append(PreprocessedBatch(
            input_ids=torch.tensor(b["input_ids"], dtype=torch.long),
            attention_mask=torch.tensor(b["attention_mask"], dtype=torch.long),
            mapped_indices=[[tuple(m) for m in row] for row in b["mapped_indices"]],
            schema_counts=b["schema_counts"], original_lengths=b["original_lengths"],
            structure_labels=b["structure_labels"], task_types=b["task_types"], text_tokens=b["text_tokens"],
            schema_tokens_list=b["schema_tokens_list"], start_mappings=[[] for _ in range(n)],
            end_mappings=[[] for _ in range(n)], original_texts=[""] * n, original_schemas=[{}] * n))

    # GLiNER2's trainer: encoder and the rest at their own learning rates, no decay on biases and norms.
    enc_ids = {id(p) for p in model.encoder.parameters()}
    groups = {}
    for name, p in model.named_parameters():
        key = ("encoder" if id(p) in enc_ids else "heads", p.ndim < 2 or "LayerNorm" in name or "norm" in name)
        groups.setdefault(key, []).append(p)
    opt = torch.optim.AdamW([{"params": ps, "lr": 2e-5 if k[0] == "encoder" else 5e-4,
                              "weight_decay": 0.0 if k[1] else 0.01} for k, ps in groups.items()])
    total = a.warmup + a.steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / max(1, int(0.1 * total))))

    fwd, bwd, optim, step = [], [], [], []
    tokens = []
    for i in range(total):
        b = batches[i % len(batches)]
        t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = model(b)["total_loss"]
        t1 = time.perf_counter()
        loss.backward()
        t2 = time.perf_counter()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        t3 = time.perf_counter()
        if not torch.isfinite(loss):
            sys.exit(f"step {i}: loss {loss.item()} is not finite")
        if i >= a.warmup:
            fwd.append(t1 - t0); bwd.append(t2 - t1); optim.append(t3 - t2); step.append(t3 - t0)
            tokens.append(int(b.attention_mask.sum()))
        print(f"step {i}{' (warm-up)' if i < a.warmup else ''}: {1e3 * (t3 - t0):.1f} ms, loss {loss.item():.4f}",
              flush=True)
    med = statistics.median(step)
    print(f"GLiNER2 reference (torch {torch.__version__}, {a.threads} threads, shape {a.shape}, "
          f"{sum(p.numel() for p in model.parameters())} parameters)")
    print(f"  step      {1e3 * med:9.1f} ms (median of {a.steps})")
    print(f"    forward   {1e3 * statistics.median(fwd):9.1f} ms")
    print(f"    backward  {1e3 * statistics.median(bwd):9.1f} ms")
    print(f"    optimizer {1e3 * statistics.median(optim):9.1f} ms  (clip + AdamW + scheduler)")
    print(f"  tokens/s  {sum(tokens) / sum(step):9.0f}")
    print(f"RESULT median_step_ms={1e3 * med:.1f} tokens_per_s={sum(tokens) / sum(step):.1f}")


if __name__ == "__main__":
    main()
