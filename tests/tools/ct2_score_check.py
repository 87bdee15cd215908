#!/usr/bin/env python3
"""`nmtd score` against the pinned ctranslate2 wheel's score_batch, live.

On the reference fixture and on a generated model of the conditioned recipe (both stored as
float32 and as int8), scores pairs of every kind score_batch takes: tokens and text, targets of
different lengths in one batch, an `offset`, a `max_input_length` that truncates source and
target, an unknown source token. At float32 every token and every log-probability must match
within 1e-4; at int8 (CTranslate2's int8 against nmtd's) the tokens must match and the
log-probabilities be close (mean difference under 0.05 nats, none over 1). Run by ctest (test
`ct2_score`) through the tooling venv; exits non-zero on any mismatch.

  .venv/bin/python tests/tools/ct2_score_check.py --nmtd build/nmtd
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

import ctranslate2

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "data", "tiny-nllb-s1")


def pieces(model):
    vocab = json.load(open(os.path.join(model, "shared_vocabulary.json")))
    return [t for t in vocab[4:2004] if not t.startswith("<")]


def requests(model, seed):
    """(json request, source tokens, target tokens, options) for score_batch and nmtd."""
    rng = random.Random(seed)
    real = pieces(model)
    out = []
    for i in range(10):
        src = ["eng_Latn"] + rng.choices(real, k=rng.randint(1, 30)) + ["</s>"]
        tgt = ["fra_Latn"] + rng.choices(real, k=rng.randint(0, 25))
        options = {}
        if i == 7:
            options = {"offset": 2}
        if i == 8:
            options = {"max_input_length": 6}
        if i == 9:
            src[1] = "notapiece"  # unknown source tokens are <unk>, as for translation
        out.append((dict({"tokens": src, "target_tokens": tgt}, **options), src, tgt, options))
    text = {"text": "Hello world, this is a test.", "source": "eng_Latn",
            "target_text": "Bonjour le monde.", "target": "deu_Latn"}
    sp = __import__("sentencepiece").SentencePieceProcessor(
        model_file=os.path.join(model, "sentencepiece.bpe.model"))
    vocab = set(json.load(open(os.path.join(model, "shared_vocabulary.json"))))
    unk = lambda ps: [p if p in vocab else "<unk>" for p in ps]  # noqa: E731
    out.append((text, ["eng_Latn"] + unk(sp.encode(text["text"], out_type=str)) + ["</s>"],
                ["deu_Latn"] + unk(sp.encode(text["target_text"], out_type=str)), {}))
    return out


def nmtd_score(nmtd, model, compute_type, lines):
    r = subprocess.run([nmtd, "score", "--model", model, "--jsonl", "--compute-type",
                        compute_type, "--batch-size", "8"],
                       input="".join(json.dumps(x) + "\n" for x in lines),
                       capture_output=True, text=True, check=True)
    return [json.loads(x) for x in r.stdout.splitlines()]


def check(nmtd, model, compute_type, seed):
    reqs = requests(model, seed)
    got = nmtd_score(nmtd, model, compute_type, [r[0] for r in reqs])
    translator = ctranslate2.Translator(model, compute_type=compute_type)
    failures, diffs = 0, []
    for (request, src, tgt, options), g in zip(reqs, got):
        want = translator.score_batch([src], [tgt], **options)[0]
        ok = "tokens" in g and g["tokens"] == want.tokens
        if ok:
            d = [abs(a - b) for a, b in zip(g["log_probs"], want.log_probs)]
            diffs += d
            ok = len(d) == len(want.log_probs) and (
                max(d, default=0) <= 1e-4 if compute_type == "float32" else max(d, default=0) <= 1)
        if not ok:
            failures += 1
            print(f"MISMATCH {model} {compute_type} {json.dumps(request)[:200]}\n"
                  f"  got {json.dumps(g)[:300]}\n  want {want.tokens} {want.log_probs}")
    mean = sum(diffs) / max(1, len(diffs))
    if compute_type == "int8" and mean > 0.05:
        failures += 1
        print(f"MISMATCH {model} int8: mean difference {mean:.4f} nats over 0.05")
    print(f"{os.path.basename(model)} {compute_type}: {len(reqs)} pairs, {len(diffs)} tokens, "
          f"mean |diff| {mean:.2e}, max {max(diffs, default=0):.2e}")
    return failures


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nmtd", required=True)
    p.add_argument("--seed", type=int, default=5)
    args = p.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        models = [(os.path.join(FIXTURE, "ct2-float32"), "float32"),
                  (os.path.join(FIXTURE, "ct2-int8"), "float32")]
        for q in ("float32", "int8"):
            out = os.path.join(tmp, q)
            subprocess.run([args.nmtd, "make-test-model", "--out", out, "--seed", str(args.seed),
                            "--encoder-layers", "4", "--decoder-layers", "4", "--d-model", "64",
                            "--heads", "4", "--ffn", "128", "--quantization", q,
                            "--recipe", "conditioned"], check=True, capture_output=True)
            models += [(out, "float32"), (out, "int8")] if q == "int8" else [(out, "float32")]
        for model, compute_type in models:
            failures += check(args.nmtd, model, compute_type, args.seed)
    if failures:
        sys.exit(f"{failures} mismatches")


if __name__ == "__main__":
    main()
