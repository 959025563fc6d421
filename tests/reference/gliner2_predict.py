"""The real GLiNER2 (1.2.3, PyPI) on a model folder gtrain wrote, for tests/reference/*.sh.

  labels MODEL
      The labels of MODEL's gtrain.json as GLiNER2's extract_entities takes them, in the model's
      order: {label: description}, {} for a label without one (GLiNER2 prompts "" as an empty
      description; gtrain prompts none).
  predict MODEL TEXTS LABELS THRESHOLD OUT
      GLiNER2.from_pretrained(MODEL), then extract_entities on each line of TEXTS with LABELS
      (a JSON object {label: description}, or a list of labels); writes one JSON line per text in
      gtrain predict's layout: {"text": ..., "entities": [{"label", "text", "start", "end", "score"}]}.
  compare GTRAIN.jsonl PYTHON.jsonl THRESHOLD TOL
      The same entities (label, text, start, end), scores within TOL. gtrain lists them by offset
      and every occurrence, GLiNER2 by label and each text once: compared as GLiNER2 returns them. An entity
      whose score lies within TOL of THRESHOLD may be on one side only (rounding decides it).
  score GOLD.jsonl PRED.jsonl
      Micro P/R/F1 of PRED against GOLD (GLiNER2 JSONL: "input", output.entities {label: [texts]})
      as GLiNER2 reports entities: per text, the set of (label, lower-cased entity text). Prints
      one JSON line {"tp", "fp", "fn", "p", "r", "f1"}.
"""
import json
import sys


def model_labels(model_dir):
    g = json.load(open(model_dir + "/gtrain.json", encoding="utf-8"))
    return {l: d if d else {} for l, d in zip(g["labels"], g["label_descriptions"])}


def predict(model_dir, texts_path, labels_json, threshold, out_path):
    from gliner2 import GLiNER2

    model = GLiNER2.from_pretrained(model_dir)
    model.eval()
    labels = json.loads(labels_json)
    with open(texts_path, encoding="utf-8") as f, open(out_path, "w", encoding="utf-8") as out:
        for line in f:
            text = line.rstrip("\n")
            r = model.extract_entities(text, labels, threshold=threshold, include_confidence=True,
                                       include_spans=True)
            ents = []
            for label, found in r["entities"].items():
                for e in found:
                    ents.append({"label": label, "text": e["text"], "start": e["start"], "end": e["end"],
                                 "score": e["confidence"]})
            out.write(json.dumps({"text": text, "entities": ents}, ensure_ascii=False) + "\n")


def key(e):
    return (e["label"], e["start"], e["end"], e["text"])


def as_gliner2_returns(entities, tol):
    """gtrain predict reports every occurrence; GLiNER2 keeps, per label, the best-scored one of
    each (lower-cased) text. Returns {(label, text): (score, {acceptable (start, end)})}: an
    occurrence scored within tol of the best may be the one GLiNER2 keeps."""
    best = {}
    for e in entities:
        best.setdefault((e["label"], e["text"].lower()), []).append(e)
    out = {}
    for k, occ in best.items():
        top = max(o["score"] for o in occ)
        out[k] = (top, {(o["start"], o["end"], o["text"]) for o in occ if top - o["score"] <= tol})
    return out


def compare(gtrain_path, python_path, threshold, tol):
    g = [json.loads(l) for l in open(gtrain_path, encoding="utf-8")]
    p = [json.loads(l) for l in open(python_path, encoding="utf-8")]
    assert len(g) == len(p), f"{len(g)} gtrain lines, {len(p)} GLiNER2 lines"
    n_match = 0
    worst = 0.0
    for i, (a, b) in enumerate(zip(g, p)):
        assert a["text"] == b["text"], f"line {i + 1}: texts differ: {a['text']!r} vs {b['text']!r}"
        near = lambda e: abs(e["score"] - threshold) <= tol
        ga = {k: v for k, v in as_gliner2_returns(a["entities"], tol).items() if abs(v[0] - threshold) > tol}
        pb = {(e["label"], e["text"].lower()): e for e in b["entities"] if not near(e)}
        if set(ga) != set(pb):
            raise AssertionError(f"line {i + 1} ({a['text']!r}): entities differ\n  gtrain:  "
                                 f"{sorted(ga)}\n  GLiNER2: {sorted(pb)}")
        for k, e in pb.items():
            score, where = ga[k]
            assert (e["start"], e["end"], e["text"]) in where, \
                f"line {i + 1}: {k} at {e['start']}..{e['end']} in GLiNER2, at {sorted(where)} in gtrain"
            d = abs(score - e["score"])
            worst = max(worst, d)
            assert d <= tol, f"line {i + 1}: {k} scores {score} (gtrain) vs {e['score']} (GLiNER2)"
        n_match += len(pb)
    assert n_match > 0, "no entities on either side: the comparison would prove nothing"
    print(f"{len(g)} texts, {n_match} entities identical in GLiNER2 and gtrain; largest score difference {worst:.2e}")


def score(gold_path, pred_path):
    gold = [json.loads(l) for l in open(gold_path, encoding="utf-8") if l.strip()]
    pred = [json.loads(l) for l in open(pred_path, encoding="utf-8")]
    assert len(gold) == len(pred), f"{len(gold)} gold lines, {len(pred)} predicted"
    tp = fp = fn = 0
    for i, (g, p) in enumerate(zip(gold, pred)):
        assert g["input"] == p["text"], f"line {i + 1}: texts differ"
        want = {(label, t.lower()) for label, ts in g["output"]["entities"].items() for t in ts}
        got = {(e["label"], e["text"].lower()) for e in p["entities"]}
        tp += len(want & got)
        fp += len(got - want)
        fn += len(want - got)
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    print(json.dumps({"tp": tp, "fp": fp, "fn": fn, "p": round(prec, 4), "r": round(rec, 4), "f1": round(f1, 4)}))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "labels":
        print(json.dumps(model_labels(sys.argv[2]), ensure_ascii=False))
    elif cmd == "predict":
        predict(sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5]), sys.argv[6])
    elif cmd == "compare":
        compare(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
    elif cmd == "score":
        score(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown command {cmd!r}")
