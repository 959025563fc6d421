#!/usr/bin/env bash
# `gtrain plan` on the quickstart config: the table (GPU | fits? | batch | s/step | epoch | total |
# $ per run | $ per sweep) and its JSON agree, a sweep file is costed with ASHA's stops and the
# epochs and batch of its base with its set:, more ranks shorten an epoch, and bad options /
# catalogs / sweep files are refused naming what is wrong.
G=$1; SRC=$2
source "$(dirname "$0")/common.sh"
"$G" tokenizer train --input "$SRC/data/ko-medical/raw.txt" --model-prefix "$T/spm" --vocab-size 2000 \
  --vocab-size-is-max >/dev/null 2>&1 || fail "tokenizer train"
S=(--set "model.tokenizer=$T/spm.model" --set "data.prepare.tokenizer=$T/spm.model" --set "data.cache_dir=$T/cache"
   --set "output_dir=$T/run")
CFG="$SRC/configs/quickstart.yaml"
"$G" plan "$CFG" "${S[@]}" >"$T/table.txt" 2>"$T/err.txt" || { cat "$T/err.txt"; fail "plan"; }
cat "$T/table.txt"
grep -Eq "^GPU +\| fits\? +\| batch +\| s/step +\| epoch +\| total +\| \\\$ per run +\| \\\$ per sweep" "$T/table.txt" \
  || fail "no table header"
for g in t4 a10g a100-40gb a100-80gb h100; do
  grep -Eq "^$g \([0-9]+ GB\) +\| yes " "$T/table.txt" || fail "no fitting row for $g"
done
grep -q "1200 training rows" "$T/table.txt" || fail "the quickstart's 1200 training rows not counted"
grep -q "6 epochs x 75 steps (batch 16" "$T/table.txt" || fail "steps per epoch"
# optim.token_budget cuts the micro-batches as the trainer does: more steps (it was ignored).
"$G" plan "$CFG" "${S[@]}" --set optim.token_budget=600 >"$T/budget.txt" 2>"$T/err.txt" || { cat "$T/err.txt"; fail "plan with a token budget"; }
steps=$(sed -n 's/.*6 epochs x \([0-9]*\) steps (batch 16 rows or 600 tokens.*/\1/p' "$T/budget.txt")
[ -n "$steps" ] && [ "$steps" -gt 75 ] || { grep "epochs x" "$T/budget.txt"; fail "token_budget 600 left $steps steps per epoch"; }
# Without --catalog: configs/plan/gpus.yaml of the current folder (a checkout at another path
# than the one built from, e.g. on a GPU host), not a path fixed at build time.
mkdir -p "$T/checkout/configs/plan"
sed 's/^  t4: *{name: NVIDIA T4,/  t4:        {name: NVIDIA T4 FROM THE CURRENT FOLDER,/' "$SRC/configs/plan/gpus.yaml" > "$T/checkout/configs/plan/gpus.yaml"
grep -q "FROM THE CURRENT FOLDER" "$T/checkout/configs/plan/gpus.yaml" || fail "test catalog not made"
GA=$(readlink -f "$G")
(cd "$T/checkout" && "$GA" plan "$CFG" "${S[@]}" --gpus t4 --json) >"$T/cwd.json" 2>"$T/err.txt" || { cat "$T/err.txt"; fail "plan from another folder"; }
grep -q "FROM THE CURRENT FOLDER" "$T/cwd.json" || fail "the current folder's catalog was not used"
# Several nodes: the link between them is named with its bandwidth (it sets the all-reduce time),
# --inter-node picks another, and 8 GPUs to a node are priced at an 8-GPU instance (before
# 2026-12-07 the link went unnamed and the price was a 1-GPU instance's).
"$G" plan "$CFG" "${S[@]}" --gpus a100-40gb --nodes 2 --gpus-per-node 8 --json >"$T/nodes.json" 2>"$T/err.txt" \
  || { cat "$T/err.txt"; fail "plan --nodes 2"; }
"$G" plan "$CFG" "${S[@]}" --gpus a100-40gb --nodes 2 --gpus-per-node 8 --inter-node infiniband-hdr --json \
  >"$T/ib.json" 2>"$T/err.txt" || { cat "$T/err.txt"; fail "plan --inter-node"; }
python3 - "$T/nodes.json" "$T/ib.json" <<'PY' || fail "multi-node plan"
import json, sys
eth, ib = (json.load(open(f)) for f in sys.argv[1:3])
note = lambda p: [a for a in p["assumptions"] if a.startswith("across nodes")]
assert note(eth) and "ethernet-25g (2.5 GB/s" in note(eth)[0], note(eth)
assert note(ib) and "infiniband-hdr (23 GB/s" in note(ib)[0] and "--inter-node" in note(ib)[0], note(ib)
row = lambda p: p["gpus"][0]
assert row(ib)["epoch_seconds"] < row(eth)["epoch_seconds"], (row(ib)["epoch_seconds"], row(eth)["epoch_seconds"])
assert "p4d.24xlarge" in row(eth)["price_source"], row(eth)["price_source"]
print("2 nodes: ethernet-25g", row(eth)["epoch_seconds"], "s/epoch, infiniband-hdr", row(ib)["epoch_seconds"], "; price", row(eth)["price_source"])
PY
expect_error "inter-node: 'nosuch' is not in" "$G" plan "$CFG" "${S[@]}" --gpus a100-40gb --nodes 2 --inter-node nosuch
"$G" plan "$CFG" "${S[@]}" --json >"$T/plan.json" 2>/dev/null || fail "plan --json"
cat > "$T/sweep.yaml" <<Y
base: $CFG
space:
  optim.head_lr: {type: log_uniform, low: 1.0e-4, high: 1.0e-2}
trials: 10
asha: {enabled: true, grace_period: 1, reduction_factor: 3}
Y
"$G" plan "$CFG" "${S[@]}" --sweep "$T/sweep.yaml" --json >"$T/sweep.json" 2>/dev/null || fail "plan --sweep"
# The sweep's trials train its base with its set: (12 epochs here, not the config's 6) ...
cat > "$T/sweep-set.yaml" <<Y
base: $CFG
set: {optim.epochs: 12}
space: {optim.head_lr: {type: choice, values: [1.0e-3, 2.0e-3]}}
method: grid
asha: {enabled: false}
Y
"$G" plan "$CFG" "${S[@]}" --sweep "$T/sweep-set.yaml" --json >"$T/sweep-set.json" 2>/dev/null || fail "plan --sweep (set)"
# ... and its batch: 1200 rows / batch 8 = 150 steps per epoch, a 150-step budget is 1 epoch.
sed 's/set: .*/set: {optim.batch_size: 8}/; s/asha: .*/asha: {enabled: true, grace_period: 1000, unit: steps, max_budget: 150}/' \
  "$T/sweep-set.yaml" > "$T/sweep-steps.yaml"
"$G" plan "$CFG" "${S[@]}" --sweep "$T/sweep-steps.yaml" --json >"$T/sweep-steps.json" 2>/dev/null \
  || fail "plan --sweep (steps)"
"$G" plan "$CFG" "${S[@]}" --gpus a100-40gb --nodes 1 --gpus-per-node 4 --json >"$T/four.json" 2>/dev/null \
  || fail "plan --gpus-per-node 4"
python3 - "$T" <<'PY' || fail "JSON checks"
import json, sys
t = sys.argv[1]
p = json.load(open(f"{t}/plan.json"))
assert p["data"]["rows"] == 1200 and p["run"]["steps_per_epoch"] == 75, p["run"]
gpus = {r["gpu"]: r for r in p["gpus"]}
assert list(gpus) == ["t4", "a10g", "a100-40gb", "a100-80gb", "h100"], list(gpus)
table = open(f"{t}/table.txt").read()
for r in p["gpus"]:
    assert r["fits"] and r["max_batch"] >= 16 and r["memory"]["total"] < r["memory_bytes"], r
    assert r["epoch_seconds"] > 0 and abs(r["run_seconds"] - 6 * r["epoch_seconds"]) < 1e-6 * r["run_seconds"]
    line = [l for l in table.splitlines() if l.startswith(r["gpu"] + " (")][0]
    assert f"{r['seconds_per_step']:.3f}" in line, (line, r["seconds_per_step"])
    if r["priced"]:
        assert abs(r["usd_per_run"] - r["run_seconds"] / 3600 * r["usd_per_gpu_hour"]) < 1e-9, r
assert gpus["t4"]["usd_per_gpu_hour"] == 0.526 and not gpus["h100"]["priced"]
# The faster GPU is the quicker epoch at the same efficiency class.
assert gpus["a10g"]["epoch_seconds"] < gpus["t4"]["epoch_seconds"]
s = json.load(open(f"{t}/sweep.json"))
# ASHA, grace 1, factor 3, max 6 epochs: rungs 1 and 3 -> 1 + 2/3 + 3/9 expected epochs per trial
assert s["sweep"]["trials"] == 10 and abs(s["sweep"]["epochs_per_trial"] - (1 + 2 / 3 + 3 / 9)) < 1e-9, s["sweep"]
t4 = [r for r in s["gpus"] if r["gpu"] == "t4"][0]
assert abs(t4["usd_per_sweep"] - 10 * s["sweep"]["epochs_per_trial"] * t4["epoch_seconds"] / 3600 * 0.526) < 1e-9
w = json.load(open(f"{t}/sweep-set.json"))["sweep"]
assert w["trials"] == 2 and w["epochs_per_trial"] == 12 and w["full_epochs"] == 12, w
w = json.load(open(f"{t}/sweep-steps.json"))["sweep"]
assert abs(w["epochs_per_trial"] - 1) < 1e-9 and abs(w["full_epochs"] - 1) < 1e-9, w
f = json.load(open(f"{t}/four.json"))
one, four = gpus["a100-40gb"], f["gpus"][0]
assert f["run"]["ranks"] == 4 and f["run"]["steps_per_epoch"] == 19, f["run"]
assert four["epoch_compute_seconds"] < one["epoch_compute_seconds"] / 3, (four, one)
assert four["memory"]["buckets"] > 0
print("json ok")
PY
grep -q "per sweep" "$T/table.txt" || fail "no sweep column"
expect_error "nosuch" "$G" plan "$CFG" "${S[@]}" --gpus t4,nosuch
cp "$SRC/configs/plan/gpus.yaml" "$T/bad.yaml"
sed -i 's/memory_gib: 16,/memory_gib: -16,/' "$T/bad.yaml"
expect_error "gpus.t4.memory_gib" "$G" plan "$CFG" "${S[@]}" --catalog "$T/bad.yaml"
expect_error "bad.yaml:" "$G" plan "$CFG" "${S[@]}" --catalog "$T/bad.yaml"
expect_error "optim.batch_size" "$G" plan "$CFG" "${S[@]}" --set optim.batch_size=many
sed 's/, max_budget: 150//' "$T/sweep-steps.yaml" > "$T/sweep-nobudget.yaml"
expect_error "sweep-nobudget.yaml.*asha.max_budget" "$G" plan "$CFG" "${S[@]}" --sweep "$T/sweep-nobudget.yaml"
echo PASS
