#!/usr/bin/env python3
"""int4 against int8: teacher-forced per-token difference from float32, on make-test-model.

Three folders from one seed (the same float weights): float32, int8 and int4. For each of
--sentences random sources of 8-40 pieces, nmtd's float32 greedy translation is the target;
each folder scores it teacher-forced with `nmtd score` (float32, int8 and int4 compute), and
the per-token difference |log p - log p_float32| in nats is the measure. Random weights, not
trained ones: this measures the arithmetic, not translation quality.

    .venv/bin/python bench/int4_fidelity.py --shape mid --recipe conditioned

Prints a Markdown table and writes the figures as JSON to --json when given.
"""
import argparse
import json
import os
import random
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = {
    # encoder layers, decoder layers, d_model, heads, ffn, vocab
    "tiny": (4, 4, 128, 4, 512, 4000),
    "small": (6, 6, 256, 4, 1024, 20000),
    "mid": (6, 6, 512, 8, 2048, 20000),
    "full": (12, 12, 1024, 16, 4096, 256206),
}


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def make_model(args, quantization):
    out = os.path.join(args.workdir, f"{args.shape}-{args.recipe}-s{args.seed}-{quantization}")
    if not os.path.exists(os.path.join(out, "model.bin")):
        enc, dec, d, heads, ffn, vocab = SHAPES[args.shape]
        run([args.nmtd, "make-test-model", "--out", out, "--seed", str(args.seed),
             "--encoder-layers", str(enc), "--decoder-layers", str(dec), "--d-model", str(d),
             "--heads", str(heads), "--ffn", str(ffn), "--vocab", str(vocab),
             "--quantization", quantization, "--recipe", args.recipe,
             "--threads", str(args.threads)])
    return out


def sources(model, count, seed):
    """[eng_Latn, 8-40 real pieces, </s>]: the embedded SentencePiece model's pieces."""
    vocab = json.load(open(os.path.join(model, "shared_vocabulary.json")))
    pieces = [t for t in vocab[4:2004] if not t.startswith("<")]
    rng = random.Random(seed)
    return [["eng_Latn"] + rng.choices(pieces, k=rng.randint(8, 40)) + ["</s>"]
            for _ in range(count)]


def nmtd_jsonl(args, command, model, compute_type, lines):
    extra = (["--beam-size", "1", "--max-decoding-length", str(args.max_length)]
             if command == "translate" else [])
    out = run([args.nmtd, command, "--model", model, "--jsonl", "--compute-type", compute_type,
               "--threads", str(args.threads)] + extra,
              "".join(json.dumps(line) + "\n" for line in lines))
    results = [json.loads(line) for line in out.splitlines()]
    for r in results:
        if "error" in r:
            sys.exit(f"nmtd {command}: {r['error']}")
    return results


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nmtd", default=os.path.join(HERE, "..", "build", "nmtd"))
    p.add_argument("--shape", choices=SHAPES, default="mid")
    p.add_argument("--recipe", choices=["conditioned", "legacy"], default="conditioned")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sentences", type=int, default=32)
    p.add_argument("--max-length", type=int, default=128, help="max_decoding_length")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workdir", default="/var/tmp/int4-fidelity")
    p.add_argument("--json", help="write the figures here")
    args = p.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    models = {q: make_model(args, q) for q in ("float32", "int8", "int4")}
    srcs = sources(models["float32"], args.sentences, args.seed)
    translate = [{"tokens": s, "target": "fra_Latn"} for s in srcs]
    ref_tokens = [r["hypotheses"][0]["tokens"]
                  for r in nmtd_jsonl(args, "translate", models["float32"], "float32", translate)]
    requests = [{"tokens": s, "target_tokens": t} for s, t in zip(srcs, ref_tokens)]
    scores = {q: [r["log_probs"] for r in nmtd_jsonl(args, "score", models[q], q, requests)]
              for q in models}
    greedy = {q: [r["hypotheses"][0]["tokens"]
                  for r in nmtd_jsonl(args, "translate", models[q], q, translate)]
              for q in ("int8", "int4")}
    ref = scores["float32"]
    figures = {"shape": args.shape, "recipe": args.recipe, "seed": args.seed,
               "sentences": len(srcs), "target_tokens": int(sum(len(s) for s in ref))}
    print(f"{args.shape} shape, {args.recipe} recipe, seed {args.seed}: {len(srcs)} sentences, "
          f"{figures['target_tokens']} scored tokens")
    print("| storage (compute) | mean nats/token vs float32 | p99 | max | greedy = float32 |")
    print("|---|---|---|---|---|")
    for q in ("int8", "int4"):
        d = np.array([abs(a - b) for s, r in zip(scores[q], ref) for a, b in zip(s, r)])
        same = sum(a == b for a, b in zip(greedy[q], ref_tokens)) / len(srcs)
        figures[q] = {"mean": float(d.mean()), "p99": float(np.percentile(d, 99)),
                      "max": float(d.max()), "greedy_same": same}
        print(f"| {q} | {d.mean():.4f} | {np.percentile(d, 99):.4f} | {d.max():.4f} | "
              f"{same:.0%} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(figures, f, indent=1)


if __name__ == "__main__":
    main()
