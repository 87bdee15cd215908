#!/usr/bin/env python3
"""nmtd's target_prefix and return_alternatives against the pinned ctranslate2 wheel, live.

On a generated model (float32), translates batches through `nmtd translate --jsonl` and the
wheel's translate_batch with the same options, and requires the same tokens and scores within
1e-4:
  * target_prefix per example (prefixes of 0 to 5 pieces in one batch), greedy and beam;
  * return_alternatives with num_hypotheses 4, greedy and beam continuations, with and
    without min_alternative_expansion_prob.
Then checks the sampling options end to end: the same sampling_seed repeats, sampling_topk 1
is greedy search, and every bad value is refused naming its field. Run by ctest (test
`ct2_options`) through the tooling venv; exits non-zero on any mismatch.

  .venv/bin/python tests/tools/ct2_options_check.py --nmtd build/nmtd
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import ctranslate2


def pieces(model):
    vocab = json.load(open(os.path.join(model, "shared_vocabulary.json")))
    return [t for t in vocab[4:2004] if not t.startswith("<") and "_" not in t[1:]]


def nmtd_jsonl(nmtd, model, lines, batch=8):
    r = subprocess.run([nmtd, "translate", "--model", model, "--jsonl", "--max-batch-size",
                        str(batch)], input="".join(json.dumps(x) + "\n" for x in lines),
                       capture_output=True, text=True, check=True)
    return [json.loads(x) for x in r.stdout.splitlines()]


def compare(label, got, want, failures):
    """got: nmtd's answer; want: the wheel's TranslationResult."""
    ok = "hypotheses" in got and len(got["hypotheses"]) == len(want.hypotheses)
    if ok:
        for g, tokens, score in zip(got["hypotheses"], want.hypotheses, want.scores):
            ok = ok and g["tokens"] == tokens and abs(g["score"] - score) <= 1e-4
    if not ok:
        failures.append(label)
        print(f"MISMATCH {label}\n  got  {json.dumps(got)[:600]}\n"
              f"  want {want.hypotheses} {want.scores}")


def check_prefixes(nmtd, model, translator, rng, real, failures):
    sources, prefixes = [], []
    for i in range(8):
        sources.append(["eng_Latn"] + rng.choices(real, k=rng.randint(2, 20)) + ["</s>"])
        prefixes.append(rng.choices(real, k=i % 6))
    for beam in (1, 4):
        options = {"beam_size": beam, "max_decoding_length": 24, "return_scores": True}
        lines = [dict({"tokens": s, "target": "fra_Latn", "target_prefix": p}, **options)
                 for s, p in zip(sources, prefixes)]
        got = nmtd_jsonl(nmtd, model, lines)
        want = translator.translate_batch(sources, target_prefix=[["fra_Latn"] + p for p in prefixes],
                                          **options)
        for i, (g, w) in enumerate(zip(got, want)):
            compare(f"target_prefix beam {beam} example {i}", g, w, failures)


def check_alternatives(nmtd, model, translator, rng, real, failures):
    cases = []
    for beam, min_prob in ((1, 0.0), (2, 0.0), (1, 0.02)):
        for i in range(4):
            src = ["eng_Latn"] + rng.choices(real, k=rng.randint(2, 16)) + ["</s>"]
            cases.append((src, rng.choices(real, k=i), beam, min_prob))
    lines, wants = [], []
    for src, prefix, beam, min_prob in cases:
        options = {"beam_size": beam, "num_hypotheses": 4, "return_alternatives": True,
                   "min_alternative_expansion_prob": min_prob, "max_decoding_length": 20,
                   "return_scores": True}
        lines.append(dict({"tokens": src, "target": "deu_Latn", "target_prefix": prefix},
                          **options))
        wants.append(translator.translate_batch([src], target_prefix=[["deu_Latn"] + prefix],
                                                **options)[0])
    for i, (g, w, case) in enumerate(zip(nmtd_jsonl(nmtd, model, lines), wants, cases)):
        compare(f"alternatives beam {case[2]} min_prob {case[3]} example {i}", g, w, failures)
    print(f"alternatives: {len(cases)} examples, "
          f"{sum(len(w.hypotheses) for w in wants)} hypotheses")


def check_sampling(nmtd, model, rng, real, failures):
    src = ["eng_Latn"] + rng.choices(real, k=10) + ["</s>"]
    base = {"tokens": src, "target": "fra_Latn", "beam_size": 1, "max_decoding_length": 16,
            "return_scores": True}
    sampled = dict(base, sampling_topk=0, sampling_temperature=1.5, sampling_topp=0.95,
                   num_hypotheses=3)
    runs = [nmtd_jsonl(nmtd, model, [dict(sampled, sampling_seed=s) for s in (1, 1, 2)], batch=1)
            for _ in range(2)]
    if runs[0] != runs[1] or runs[0][0] != runs[0][1]:
        failures.append("sampling: the same seed did not repeat")
    if runs[0][0] == runs[0][2]:
        failures.append("sampling: seeds 1 and 2 drew the same hypotheses")
    greedy = nmtd_jsonl(nmtd, model, [base, dict(base, sampling_topk=1, sampling_seed=9)])
    if greedy[0] != greedy[1]:
        failures.append("sampling: sampling_topk 1 is not greedy search")
    bad = [({"sampling_topp": 0}, "sampling_topp"), ({"sampling_topp": 1.5}, "sampling_topp"),
           ({"sampling_temperature": 0}, "sampling_temperature"),
           ({"sampling_temperature": -1}, "sampling_temperature"),
           ({"target_prefix": real[:20], "max_decoding_length": 10}, "target_prefix"),
           ({"sampling_topk": 5, "beam_size": 2}, "beam_size")]
    answers = nmtd_jsonl(nmtd, model, [dict(base, **b) for b, _ in bad])
    for (b, field), a in zip(bad, answers):
        if field not in a.get("error", ""):
            failures.append(f"bad input {b} answered {a}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nmtd", required=True)
    p.add_argument("--seed", type=int, default=17)
    args = p.parse_args()
    failures = []
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, "model")
        subprocess.run([args.nmtd, "make-test-model", "--out", model, "--seed", str(args.seed),
                        "--encoder-layers", "2", "--decoder-layers", "2", "--d-model", "64",
                        "--heads", "4", "--ffn", "128", "--recipe", "conditioned"],
                       check=True, capture_output=True)
        translator = ctranslate2.Translator(model, compute_type="float32")
        real = pieces(model)
        check_prefixes(args.nmtd, model, translator, rng, real, failures)
        check_alternatives(args.nmtd, model, translator, rng, real, failures)
        check_sampling(args.nmtd, model, rng, real, failures)
    if failures:
        sys.exit(f"{len(failures)} failures: " + "; ".join(failures))
    print("ct2_options: all checks passed")


if __name__ == "__main__":
    main()
