#!/usr/bin/env python3
"""nmtd's int8 compute against the pinned ctranslate2 wheel's, token for token.

Generates a small well-conditioned int8 model (make-test-model --recipe conditioned: decided
greedy steps, so that a difference means different arithmetic, not a coin flip between near
ties) and checks, for random sources of 8-40 pieces, that
  * `nmtd translate` (greedy) returns CTranslate2 int8's tokens for every sentence, and
  * `nmtd score` returns CTranslate2 int8's score_batch log-probabilities within 1e-4.
nmtd computes CTranslate2's int8 arithmetic to the bit (src/engine/cpu/ct2_arith.h); an
independent rounding of the same size fails both checks on most sentences. CTranslate2
translates each sentence alone (max_batch_size=1): its results depend on the batch's padded
length, nmtd's do not. Run by ctest (test `ct2_int8_identity`); exits non-zero on a mismatch.

  .venv/bin/python tests/tools/ct2_int8_identity_check.py --nmtd build/nmtd
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def sources(model, count, seed):
    vocab = json.load(open(os.path.join(model, "shared_vocabulary.json")))
    pieces = [t for t in vocab[4:2004] if not t.startswith("<")]
    rng = random.Random(seed)
    return [["eng_Latn"] + rng.choices(pieces, k=rng.randint(8, 40)) + ["</s>"]
            for _ in range(count)]


def nmtd_jsonl(nmtd, command, model, lines, extra):
    out = run([nmtd, command, "--model", model, "--jsonl", "--compute-type", "int8",
               "--threads", "1"] + extra, "".join(json.dumps(x) + "\n" for x in lines))
    results = [json.loads(line) for line in out.splitlines()]
    for r in results:
        if "error" in r:
            sys.exit(f"nmtd {command}: {r['error']}")
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nmtd", required=True)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sentences", type=int, default=24)
    p.add_argument("--max-length", type=int, default=64)
    args = p.parse_args()

    import ctranslate2

    with tempfile.TemporaryDirectory(prefix="nmtd-int8-identity-") as tmp:
        model = os.path.join(tmp, "model")
        # d 256 / 4 heads: the full model's head width of 64.
        run([args.nmtd, "make-test-model", "--out", model, "--seed", str(args.seed),
             "--encoder-layers", "4", "--decoder-layers", "4", "--d-model", "256", "--heads", "4",
             "--ffn", "1024", "--vocab", "4000", "--quantization", "int8",
             "--recipe", "conditioned", "--threads", "2"])
        srcs = sources(model, args.sentences, args.seed)
        ct2 = ctranslate2.Translator(model, compute_type="int8", intra_threads=1)
        want = [r.hypotheses[0] for r in ct2.translate_batch(
            srcs, [["fra_Latn"]] * len(srcs), beam_size=1, max_decoding_length=args.max_length,
            max_batch_size=1)]
        got = [r["hypotheses"][0]["tokens"] for r in nmtd_jsonl(
            args.nmtd, "translate", model, [{"tokens": s, "target": "fra_Latn"} for s in srcs],
            ["--beam-size", "1", "--max-decoding-length", str(args.max_length)])]
        failures = 0
        for i, (g, w) in enumerate(zip(got, want)):
            if g != w:
                failures += 1
                first = next((t for t, (a, b) in enumerate(zip(g, w)) if a != b), min(len(g), len(w)))
                print(f"MISMATCH greedy sentence {i}: first difference at token {first}\n"
                      f"  nmtd {g[:first + 3]}\n  ct2  {w[:first + 3]}")

        want_scores = [r.log_probs for r in ct2.score_batch(srcs, want, max_batch_size=1)]
        got_scores = [r["log_probs"] for r in nmtd_jsonl(
            args.nmtd, "score", model,
            [{"tokens": s, "target_tokens": t} for s, t in zip(srcs, want)], [])]
        worst = 0.0
        for i, (g, w) in enumerate(zip(got_scores, want_scores)):
            diff = max((abs(a - b) for a, b in zip(g, w)), default=0.0)
            worst = max(worst, diff)
            if len(g) != len(w) or diff > 1e-4:
                failures += 1
                print(f"MISMATCH score sentence {i}: {len(g)} vs {len(w)} tokens, "
                      f"largest difference {diff:.3g} nats")
        print(f"{len(srcs)} sentences: {sum(a == b for a, b in zip(got, want))} greedy outputs "
              f"identical to CTranslate2 int8's; scores within {worst:.2g} nats")
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
