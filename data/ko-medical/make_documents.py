#!/usr/bin/env python3
"""Long documents for gtrain's document-level tests: documents.jsonl and documents.expected.json.

Python 3 standard library only, deterministic (random.Random(2026)); uses generate.py's lexicons
and templates for fresh sentences (none of them is in train/dev/test/raw.txt). Outputs, next to
this script:

  documents.jsonl           36 documents of 1,000-5,000 characters in GLiNER2's InputExample form
                            {"text", "entities": {label: [mention]}, "entity_descriptions"}, a few
                            with a "classifications" task, plus one classification-only record.
                            Planted, six documents each: a spacing miss (a space doubled inside
                            a mention's only occurrence), a case miss (the mention listed
                            lower-cased), NFC vs NFD (the occurrence stored as decomposed jamo), a
                            typo in the listed mention, a mention whose text was edited away, and
                            a crossing pair plus a mention nested in another label's.
  documents.expected.json   what `gtrain prepare` must report for it under each matching setup and
                            each unmatched_mentions policy, computed here independently of gtrain.

Usage: python3 data/ko-medical/make_documents.py
"""

import json
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as g  # noqa: E402

SEED = 2026
N_DOCS = 36
KINDS = ["spacing", "case", "nfd", "typo", "edited", "overlap"]
# Planted overlapping mentions (not lexicon terms of any label, checked below): a crossing pair of
# one label and a Drug nested in a Procedure.
CROSSING_SENTENCE = ("만성 소화성 위염증으로 추적 관찰 중이다.", "Disease", ["만성 소화성", "소화성 위염증"])
NESTED_SENTENCE = ("펜타닐 패치 교체술을 시행하였다.", "Procedure", "펜타닐 패치 교체술", "Drug", "펜타닐")


def occ(text, m):
    return g.occurrences(text, m)


def lower(s):
    # gtrain lower-cases one code point to one (Python's str.lower where that is one code point).
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in s)


def normalize(s, unicode_form, whitespace):
    if unicode_form:
        s = unicodedata.normalize(unicode_form, s)
    if whitespace:
        out, prev_space = [], False
        for c in s:
            if c.isspace():
                if not prev_space:
                    out.append(" ")
                prev_space = True
            else:
                out.append(c)
                prev_space = False
        s = "".join(out)
    return lower(s)


def locate(text, mention, unicode_form=None, whitespace=False):
    """(step, number of occurrences) by gtrain's cascade; step in exact/case/normalized/none."""
    n = len(occ(text, mention))
    if n:
        return "exact", n
    n = len(occ(lower(text), lower(mention)))
    if n:
        return "case", n
    if unicode_form or whitespace:
        m = normalize(mention, unicode_form, whitespace).strip()
        n = len(occ(normalize(text, unicode_form, whitespace), m)) if m else 0
        if n:
            return "normalized", n
    return "none", 0


def build():
    rng = random.Random(SEED)
    with open(os.path.join(HERE, "raw.txt"), encoding="utf-8") as f:
        seen = set(line.rstrip("\n") for line in f)
    for term in CROSSING_SENTENCE[2] + [NESTED_SENTENCE[2], NESTED_SENTENCE[4]]:
        for lab in g.LABELS:
            for lex in g.LEXICON[lab]:
                assert term not in lex and lex not in term, (term, lex)
    sentences = g.generate(rng, 3000, seen)
    docs, k = [], 0
    while len(docs) < N_DOCS:
        kind = KINDS[len(docs) // (N_DOCS // len(KINDS))]
        target = rng.randint(1000, 4600)
        parts, ents = [], {lab: [] for lab in g.LABELS}
        while len(" ".join(parts)) < target:
            text, e = sentences[k]
            k += 1
            parts.append(text)
            for lab in g.LABELS:
                for m in e[lab]:
                    if m not in ents[lab]:
                        ents[lab].append(m)
        text = " ".join(parts)
        planted = plant(kind, text, ents, rng)
        if planted is None:
            continue  # no suitable mention in this document: draw another
        text, ents, note = planted
        assert 1000 <= len(text) <= 5000, len(text)
        docs.append({"text": text, "entities": ents, "kind": kind, "note": note})
    return docs


def once(text, ents, pred):
    """(label, mention) pairs, in document order, that occur exactly once and satisfy pred."""
    out = []
    for lab in g.LABELS:
        for m in ents[lab]:
            if len(occ(text, m)) == 1 and len(occ(lower(text), lower(m))) == 1 and pred(m):
                # Not inside or around another listed mention: the plant must change only itself.
                s = text.find(m)
                clash = any(o != m and any(a < s + len(m) and s < b for a, b in occ(text, o))
                            for l2 in g.LABELS for o in ents[l2])
                if not clash:
                    out.append((lab, m))
    return out


def plant(kind, text, ents, rng):
    hangul = lambda m: all("\uac00" <= c <= "\ud7a3" for c in m.replace(" ", ""))
    if kind == "spacing":
        c = once(text, ents, lambda m: " " in m)
        if not c:
            return None
        lab, m = rng.choice(c)
        text = text.replace(m, m.replace(" ", "  ", 1))
        return text, ents, "%s %r: its only occurrence has a doubled space" % (lab, m)
    if kind == "case":
        c = once(text, ents, lambda m: lower(m) != m)
        if not c:
            return None
        lab, m = rng.choice(c)
        ents[lab] = [lower(x) if x == m else x for x in ents[lab]]
        return text, ents, "%s %r listed as %r" % (lab, m, lower(m))
    if kind == "nfd":
        c = once(text, ents, lambda m: hangul(m))
        if not c:
            return None
        lab, m = rng.choice(c)
        text = text.replace(m, unicodedata.normalize("NFD", m))
        return text, ents, "%s %r stored as NFD jamo in the text" % (lab, m)
    if kind == "typo":
        c = once(text, ents, lambda m: hangul(m) and len(m) >= 3)
        if not c:
            return None
        lab, m = rng.choice(c)
        typo = m[0] + ("타" if m[1] != "타" else "파") + m[2:]
        assert lower(typo) not in lower(text)
        ents[lab] = [typo if x == m else x for x in ents[lab]]
        return text, ents, "%s %r listed with a typo as %r" % (lab, m, typo)
    if kind == "edited":
        c = once(text, ents, lambda m: True)
        if not c:
            return None
        lab, m = rng.choice(c)
        text = text.replace(m, "해당 소견")
        return text, ents, "%s %r edited out of the text" % (lab, m)
    # overlap: a crossing pair (one label) and a Drug nested in a Procedure, as added sentences.
    s1, lab1, pair = CROSSING_SENTENCE
    s2, lab2, outer, lab3, inner = NESTED_SENTENCE
    if any(occ(text, t) for t in pair + [outer, inner]):
        return None
    text = text + " " + s1 + " " + s2
    for m in pair:
        ents[lab1].append(m)
    ents[lab2].append(outer)
    ents[lab3].append(inner)
    return text, ents, "crossing %s %r, %s %r nested in %s %r" % (lab1, pair, lab3, inner, lab2, outer)


def entities_of(text, ents, unicode_form, whitespace, policy):
    """Entity spans gtrain should produce (exact match and case steps only give offsets here;
    normalized hits are counted, not located) and the counts of the prepare report."""
    r = {"listed": 0, "exact": 0, "case": 0, "normalized": 0, "unmatched": 0, "dropped": 0,
         "labels_dropped": 0, "records_rejected": 0}
    unmatched_labels = []
    for lab in g.LABELS:
        for m in ents[lab]:
            step, _ = locate(text, m, unicode_form, whitespace)
            r["listed"] += 1
            r[{"exact": "exact", "case": "case", "normalized": "normalized", "none": "unmatched"}[step]] += 1
            if step == "none" and lab not in unmatched_labels:
                unmatched_labels.append(lab)
    if policy == "drop":
        r["dropped"] = r["unmatched"]
    elif policy == "drop_label":
        r["labels_dropped"] = len(unmatched_labels)
        r["dropped"] = sum(len(ents[lab]) for lab in unmatched_labels)
    elif policy == "reject":
        r["records_rejected"] = 1 if r["unmatched"] else 0
    return r


def overlap_counts(text, ents):
    """nested / crossing / same_span of the entities gtrain keeps (default matching, drop)."""
    occs = []  # (start, end, label, mention)
    for lab in g.LABELS:
        for m in ents[lab]:
            hits = occ(text, m) or occ(lower(text), lower(m))
            occs.extend((s, e, lab, m) for s, e in hits)
    # Same-label inner rule: an occurrence inside a longer same-label mention's occurrence is not
    # labelled when that mention also occurs on its own.
    def inner(o):
        return any(p[2] == o[2] and (p[1] - p[0]) > (o[1] - o[0]) and p[0] <= o[0] and o[1] <= p[1] for p in occs)
    kept, skipped = [], 0
    by_mention = {}
    for o in occs:
        by_mention.setdefault((o[2], o[3]), []).append(o)
    for key, lst in by_mention.items():
        free = any(not inner(o) for o in lst)
        for o in lst:
            if inner(o) and free:
                skipped += 1
            else:
                kept.append((o[0], o[1], o[2]))
    kept = sorted(set(kept))
    nested = crossing = same = 0
    for i, a in enumerate(kept):
        n = c = s = False
        for j, b in enumerate(kept):
            if i == j:
                continue
            if a[0] == b[0] and a[1] == b[1]:
                s = True
            elif b[0] <= a[0] and a[1] <= b[1]:
                n = True
            elif a[0] < b[1] and b[0] < a[1] and not (a[0] <= b[0] and b[1] <= a[1]):
                c = True
        nested += n
        crossing += c
        same += s
    return {"nested": nested, "crossing": crossing, "same_span": same, "inner_skipped": skipped,
            "entities": len(kept)}


def main():
    docs = build()
    lines = []
    for i, d in enumerate(docs):
        rec = {"text": d["text"], "entities": d["entities"], "entity_descriptions": dict(g.DESCRIPTIONS)}
        if i % 9 == 4:  # another GLiNER2 task in the record: counted and ignored by gtrain
            rec["classifications"] = [{"task": "urgency", "labels": ["routine", "urgent"], "true_label": ["routine"]}]
        lines.append(json.dumps(rec, ensure_ascii=False))
    lines.insert(10, json.dumps({"text": "분류 과제만 있는 기록이다.", "classifications": [
        {"task": "urgency", "labels": ["routine", "urgent"], "true_label": ["urgent"]}]}, ensure_ascii=False))
    with open(os.path.join(HERE, "documents.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        f.write("\n".join(lines) + "\n")

    setups = {"default": (None, False), "nfc_whitespace": ("NFC", True)}
    expected = {"records": len(lines), "documents": len(docs),
                "chars": [min(len(d["text"]) for d in docs), max(len(d["text"]) for d in docs)],
                "ignored_tasks": {"classifications": sum(1 for i in range(len(docs)) if i % 9 == 4) + 1},
                "no_entity_task": 1, "plants": [d["kind"] + ": " + d["note"] for d in docs]}
    for name, (uf, ws) in setups.items():
        for policy in ["drop", "drop_label", "reject"]:
            tot = {}
            for d in docs:
                for key, v in entities_of(d["text"], d["entities"], uf, ws, policy).items():
                    tot[key] = tot.get(key, 0) + v
            expected["%s/%s" % (name, policy)] = tot
    ov = {}
    for d in docs:
        for key, v in overlap_counts(d["text"], d["entities"]).items():
            ov[key] = ov.get(key, 0) + v
    expected["overlaps_default_drop"] = ov
    with open(os.path.join(HERE, "documents.expected.json"), "w", encoding="utf-8", newline="\n") as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(json.dumps({k: v for k, v in expected.items() if k != "plants"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
