#!/usr/bin/env python3
"""Refits the FAQ's answer gate offline from the search's own traces.

A research tool for docs/faq-search.md (round fifteen), not part of the bot
or its tests. It reproduces `src/faq/index.rs`'s answer model exactly (the
same weighted shares, standardisation, 400 steps of gradient descent with a
little L2, the question's length left out, and the threshold rule of
`gate::threshold_for_wrong_rate`), so a change to how the model is fitted
or how its threshold is read can be measured on every set in seconds
instead of a build and a run each.

Traces: for each set, run the release binary with
    RUST_LOG=fanclub::faq::decision=trace,fanclub::faq::practice=trace \
        fanclub faq eval ... 2> TRACES/<set>.log
(the sets and their eval commands are listed in SETS below). Then:
    scripts/faq-refit.py TRACES [--variant base] [--seed 7] [--resamples 25]
        [--rate 0.03] [--curve]
prints answered / within / wrong / refused per set, as `faq eval` counts
them, with the threshold read; `--curve` adds what each set would answer at
2, 3 and 4% wrong with the threshold set on its own questions (diagnosis
only). The `base` variant must reproduce the binary's figures.

Needs numpy.
"""

import argparse
import math
import re
import tomllib
from pathlib import Path

import numpy as np

REPOSITORY = Path(__file__).resolve().parent.parent
SHIPPED_EVAL = REPOSITORY / "tests/data/faq_eval.toml"
# Set name -> its questions; the trace of `fanclub faq eval` with the
# matching arguments goes to <set>.log:
#   velora       --faq ../shared/faq-sets/velora/faq.toml --questions ../shared/faq-sets/velora/queries.toml
#   kaffeewerk   --faq tests/data/faq-sets/kaffeewerk/faq.toml --questions …/queries.toml
#   wuerfelwerk  --faq tests/data/faq-sets/wuerfelwerk/faq.toml --questions …/queries.toml
#   thinned      --thin 2;  full  (no arguments);  thin1  --thin 1;  thin3  --thin 3
SETS = {
    "velora": REPOSITORY.parent / "shared/faq-sets/velora/queries.toml",
    "kaffeewerk": REPOSITORY / "tests/data/faq-sets/kaffeewerk/queries.toml",
    "wuerfelwerk": REPOSITORY / "tests/data/faq-sets/wuerfelwerk/queries.toml",
    "thinned": SHIPPED_EVAL,
    "full": SHIPPED_EVAL,
    "thin1": SHIPPED_EVAL,
    "thin3": SHIPPED_EVAL,
}

FEATURES = 8
LENGTH_FEATURE = 6
SHARES = {"answerable": 0.7, "near_miss": 0.15, "off_topic": 0.15}


# --- traces -------------------------------------------------------------

def unescape(text):
    text = re.sub(r"\\u\{([0-9a-f]+)\}", lambda m: chr(int(m.group(1), 16)), text)
    for escaped, plain in (('\\"', '"'), ("\\'", "'"), ("\\n", "\n"), ("\\t", "\t"), ("\\\\", "\\")):
        text = text.replace(escaped, plain)
    return text


def features(line):
    return [float(x) for x in re.search(r"features=\[([^\]]*)\]", line).group(1).split(", ")]


def read_trace(path):
    """The practice samples and the eval questions' decisions of one run."""
    practice, decisions = [], []
    for line in open(path, errors="replace"):
        if "fanclub::faq::practice: practice" in line:
            kind = re.search(r'kind="(\w+)"', line).group(1)
            entry = re.search(r" entry=(\d+)", line)
            rank = re.search(r" rank=(\d+)", line)
            practice.append({
                "kind": "near_miss" if kind == "answer_swapped" else kind,
                "hurried": "hurried=true" in line,
                "features": features(line),
                "entry": int(entry.group(1)) if entry else -1,
                "right": bool(rank) and rank.group(1) == "0",
            })
        elif "fanclub::faq::decision: decided" in line:
            exact = re.search(r"exact=(None|Some\(\[(.*)\]\))", line)
            decisions.append({
                "question": unescape(re.search(r'question="(.*)" features=', line).group(1)),
                "features": features(line),
                "p_answer": float(re.search(r"p_answer=([0-9.e-]+)", line).group(1)),
                "top": re.findall(r'"([^"]+)"', re.search(r"top=\[([^\]]*)\]", line).group(1)),
                "small_talk": "small_talk=true" in line,
                "offered": "offered=true" in line,
                "exact": re.findall(r'"([^"]+)"', exact.group(2)) if exact.group(2) else None,
            })
    return practice, decisions


def read_questions(path):
    """Question text -> expected entry id, or None for unanswerable."""
    data = tomllib.load(open(path, "rb"))
    expected = {}
    if "query" in data:
        for query in data["query"]:
            expect = query.get("expect", "")
            expected[query["text"]] = None if expect in ("", "none") else expect
    else:
        for cases in data.values():
            for case in cases if isinstance(cases, list) else []:
                expected[case["q"]] = None if case["expect"] == "none" else case["expect"]
    return expected


# --- the model, as src/faq/gate.rs fits it ------------------------------

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def fit(samples):
    """A logistic model over (features, label, weight, entry, kind) samples."""
    x = np.array([s[0] for s in samples])
    y = np.array([float(s[1]) for s in samples])
    w = np.array([s[2] for s in samples])
    total = w.sum()
    mean = (w[:, None] * x).sum(0) / total
    var = (w[:, None] * (x - mean) ** 2).sum(0) / total
    scale = np.where(var > 1e-12, np.sqrt(var), 1.0)
    learns = np.ones(FEATURES)
    learns[LENGTH_FEATURE], mean[LENGTH_FEATURE], scale[LENGTH_FEATURE] = 0, 0, 1
    z = (x - mean) / scale
    weights, bias = np.zeros(FEATURES), 0.0
    for _ in range(400):
        error = w * (sigmoid(z @ weights + bias) - y)
        weights -= 0.5 * ((z.T @ error) / total + 1e-3 * weights) * learns
        bias -= 0.5 * error.sum() / total
    return lambda f: sigmoid(((np.asarray(f) - mean) / scale) @ weights + bias)


def threshold_for_wrong_rate(scores, samples, max_wrong):
    labels = [s[1] for s in samples]
    weights = [s[2] for s in samples]
    order = np.argsort(-scores, kind="stable")
    total, wrong, threshold, i = sum(weights), 0.0, math.inf, 0
    while i < len(order):
        score, j = scores[order[i]], i
        while j < len(order) and scores[order[j]] == score:
            wrong += 0.0 if labels[order[j]] else weights[order[j]]
            j += 1
        if wrong > max_wrong * total:
            break
        threshold, i = score, j
    return min(threshold, 1.01)


def weighted(samples):
    """Each kind weighs its share, spread over its samples."""
    counts = {}
    for s in samples:
        counts[s[4]] = counts.get(s[4], 0) + 1
    return [(s[0], s[1], SHARES[s[4]] / counts[s[4]], s[3], s[4]) for s in samples]


def practice_samples(practice):
    """(learned from, threshold read on): all practice, and the tidy part."""
    learn = [(p["features"], p["kind"] == "answerable" and p["right"], 0.0, p["entry"], p["kind"])
             for p in practice]
    tidy = [s for s, p in zip(learn, practice) if not p["hurried"]]
    return weighted(learn), weighted(tidy)


# --- variants of the fit and the threshold read -------------------------

def resample_by_entry(samples, rng):
    """A bootstrap of practised entries (their samples go together) and of
    the off-topic lines."""
    entries = sorted({s[3] for s in samples if s[3] >= 0})
    picked = {}
    for entry in rng.choice(entries, size=len(entries), replace=True):
        picked[entry] = picked.get(entry, 0) + 1
    off = [s for s in samples if s[3] < 0]
    drawn = [s for s in samples if s[3] >= 0 for _ in range(picked.get(s[3], 0))]
    drawn += [off[i] for i in rng.choice(len(off), size=len(off), replace=True)] if off else []
    return weighted(drawn), picked


def bagged_model(learn, rng, resamples):
    models = [fit(resample_by_entry(learn, rng)[0]) for _ in range(resamples)]
    return lambda f: np.mean([model(f) for model in models], axis=0)


def median_threshold(model, tidy, rng, resamples, rate):
    reads = []
    for _ in range(resamples):
        drawn, _ = resample_by_entry(tidy, rng)
        reads.append(threshold_for_wrong_rate(model(np.array([s[0] for s in drawn])), drawn, rate))
    return float(np.median(reads))


def variant(name, practice, args):
    learn, tidy = practice_samples(practice)
    rng = np.random.default_rng(args.seed)
    tidy_x = np.array([s[0] for s in tidy])
    if name == "base":
        model = fit(learn)
        return model, threshold_for_wrong_rate(model(tidy_x), tidy, args.rate)
    if name == "bag-model":
        model = bagged_model(learn, rng, args.resamples)
        return model, threshold_for_wrong_rate(model(tidy_x), tidy, args.rate)
    if name == "bag-threshold":
        model = fit(learn)
        return model, median_threshold(model, tidy, rng, args.resamples, args.rate)
    if name == "bag-both":
        model = bagged_model(learn, rng, args.resamples)
        return model, median_threshold(model, tidy, rng, args.resamples, args.rate)
    if name == "out-of-bag":
        # Each tidy sample scored by the bagged models that never saw its entry.
        sums, counts, models = np.zeros(len(tidy)), np.zeros(len(tidy)), []
        for _ in range(args.resamples):
            drawn, picked = resample_by_entry(learn, rng)
            model = fit(drawn)
            models.append(model)
            unseen = np.array([s[3] < 0 or picked.get(s[3], 0) == 0 for s in tidy])
            sums[unseen] += model(tidy_x[unseen])
            counts[unseen] += 1
        bagged = lambda f: np.mean([m(f) for m in models], axis=0)
        scores = np.where(counts > 0, sums / np.maximum(counts, 1), bagged(tidy_x))
        return bagged, threshold_for_wrong_rate(scores, tidy, args.rate)
    if name == "smooth":
        # The wrong rate as a smooth function of the threshold (each wrong
        # sample a normal kernel of Silverman's width), read on a grid.
        model = fit(learn)
        scores = model(tidy_x)
        wrong = np.array([not s[1] for s in tidy])
        weights = np.array([s[2] for s in tidy])
        width = 1.06 * np.std(scores) * len(scores) ** -0.2
        cdf = np.vectorize(lambda v: 0.5 * (1 + math.erf(v / math.sqrt(2))))
        threshold = 1.01
        for candidate in np.linspace(1, 0, 2001):
            rate = (weights[wrong] * cdf((scores[wrong] - candidate) / width)).sum() / weights.sum()
            if rate > args.rate:
                break
            threshold = candidate
        return model, threshold
    raise SystemExit(f"unknown variant {name}")


# --- the figures, as src/faq/eval.rs counts them -------------------------

def figures(decisions, expected, model, threshold):
    counts = dict(questions=0, answerable=0, correct=0, within=0, wrong=0, unanswerable=0, refused=0)
    for d in decisions:
        if d["question"] not in expected:
            continue
        expect = expected[d["question"]]
        counts["questions"] += 1
        if d["exact"]:
            outcome = ("answer", d["exact"][0]) if len(d["exact"]) == 1 else ("suggest", d["exact"])
        elif model(d["features"]) >= threshold:
            outcome = ("answer", d["top"][0])
        elif d["offered"] and not d["small_talk"]:
            outcome = ("suggest", d["top"])
        else:
            outcome = ("none",)
        if expect is None:
            counts["unanswerable"] += 1
            counts["wrong" if outcome[0] == "answer" else "refused"] += 1
        else:
            counts["answerable"] += 1
            if outcome[0] == "answer":
                right = outcome[1] == expect
                counts["correct" if right else "wrong"] += 1
                counts["within"] += right
            elif outcome[0] == "suggest" and expect in outcome[1]:
                counts["within"] += 1
    c = counts
    return (100 * c["correct"] / c["answerable"], 100 * c["within"] / c["answerable"],
            100 * c["wrong"] / c["questions"], 100 * c["refused"] / max(c["unanswerable"], 1))


def curve(decisions, expected, model):
    """Answered at wrong <= 2, 3, 4% with the threshold read on the set."""
    best = {}
    for threshold in sorted({float(model(d["features"])) for d in decisions}, reverse=True):
        answered, _, wrong, _ = figures(decisions, expected, model, threshold)
        for limit in (2, 3, 4):
            if wrong <= limit:
                best[limit] = max(best.get(limit, 0.0), answered)
    return " / ".join(f"{best.get(limit, 0.0):.1f}" for limit in (2, 3, 4))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("traces", type=Path)
    parser.add_argument("--variant", default="base")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--resamples", type=int, default=25)
    parser.add_argument("--rate", type=float, default=0.03)
    parser.add_argument("--curve", action="store_true")
    args = parser.parse_args()
    for name, questions in SETS.items():
        log = args.traces / f"{name}.log"
        if not log.exists():
            continue
        practice, decisions = read_trace(log)
        expected = read_questions(questions)
        model, threshold = variant(args.variant, practice, args)
        answered, within, wrong, refused = figures(decisions, expected, model, threshold)
        line = f"{name:12s} {answered:5.1f} / {within:5.1f} / {wrong:4.1f} / {refused:5.1f}  threshold {threshold:.3f}"
        if args.variant == "base":
            drift = max(abs(float(model(d["features"])) - d["p_answer"]) for d in decisions)
            line += f"  (largest difference from the binary's probability {drift:.1e})"
        if args.curve:
            line += f"  curve {curve(decisions, expected, model)}"
        print(line)


if __name__ == "__main__":
    main()
