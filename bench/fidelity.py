#!/usr/bin/env python3
"""int8 fidelity of nmtd against CTranslate2, on an int8 model from make-test-model.

The reference is the same int8 weights under CTranslate2's float32 compute. For each of
--sentences random sources of 8-40 pieces, the float32 reference's greedy translation is the
target, and every engine scores it teacher-forced (score_batch / `nmtd score`); the per-token
difference |log p - log p_ref| in nats is the measure, so it measures the engine and not the
diverging paths of free decoding. It also compares greedy tokens, and reports the model's
conditioning: the top token's probability along the reference's greedy path and (with
--residual, NumPy, slow at full shape) the residual stream's RMS entering each layer.

    .venv/bin/python bench/fidelity.py --shape mid --recipe conditioned,legacy
    .venv/bin/python bench/fidelity.py --shape full --recipe legacy --sentences 24

CTranslate2 translates and scores each sentence alone (max_batch_size=1): its results depend
on the batch's padded length, nmtd's do not (the identity against one batch of all sentences
is reported too). Prints Markdown tables and writes the figures as JSON to --json when given.
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
    "small": (6, 6, 256, 4, 1024, 20000),
    "mid": (6, 6, 512, 8, 2048, 20000),
    "full": (12, 12, 1024, 16, 4096, 256206),
}


def run(cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}):\n{r.stderr}")
    return r.stdout


def make_model(args, recipe, out):
    if args.model:  # given: used as it is (read only)
        return args.model
    if os.path.exists(os.path.join(out, "model.bin")):
        return out
    enc, dec, d, heads, ffn, vocab = SHAPES[args.shape]
    run([args.nmtd, "make-test-model", "--out", out, "--seed", str(args.seed),
         "--encoder-layers", str(enc), "--decoder-layers", str(dec), "--d-model", str(d),
         "--heads", str(heads), "--ffn", str(ffn), "--vocab", str(vocab),
         "--quantization", "int8", "--recipe", recipe, "--threads", str(args.threads)])
    return out


def sources(model, count, seed):
    """[eng_Latn, 8-40 real pieces, </s>]: the embedded SentencePiece model's pieces."""
    vocab = json.load(open(os.path.join(model, "shared_vocabulary.json")))
    pieces = [t for t in vocab[4:2004] if not t.startswith("<")]
    rng = random.Random(seed)
    return [["eng_Latn"] + rng.choices(pieces, k=rng.randint(8, 40)) + ["</s>"]
            for _ in range(count)]


def nmtd_jsonl(args, command, model, compute_type, lines):
    out = run([args.nmtd, command, "--model", model, "--jsonl", "--compute-type", compute_type,
               "--threads", str(args.threads)] + (["--beam-size", "1", "--max-decoding-length",
                                                   str(args.max_length)]
                                                  if command == "translate" else []),
              "".join(json.dumps(line) + "\n" for line in lines))
    results = [json.loads(line) for line in out.splitlines()]
    for r in results:
        if "error" in r:
            sys.exit(f"nmtd {command}: {r['error']}")
    return results


def differences(scores, reference):
    return np.array([abs(a - b) for s, r in zip(scores, reference) for a, b in zip(s, r)])


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))


def residual_rms(model, srcs, tgts, n):
    """Mean RMS of the residual stream entering each layer's first norm, and the final norms."""
    sys.path.insert(0, os.path.join(HERE, "..", "tests", "tools"))
    import numpy_reference  # noqa: E402

    rms = {}

    class Probe(numpy_reference.Model):
        def norm(self, x, scope):
            if scope.endswith("self_attention/layer_norm") or scope.count("/") == 1:
                name = scope.split("/self_attention")[0]
                rms.setdefault(name, []).append(float(np.sqrt((x.astype(np.float64) ** 2).mean())))
            return super().norm(x, scope)

    probe = Probe(model, "float32")
    for s, t in list(zip(srcs, tgts))[:n]:
        probe.score(s, t)
    return {k: float(np.mean(v)) for k, v in rms.items()}


def measure(args, recipe):
    """The figures of one recipe's model."""
    import ctranslate2

    model = make_model(args, recipe,
                       os.path.join(args.workdir, f"{args.shape}-{recipe}-s{args.seed}-int8"))
    srcs = sources(model, args.sentences, args.seed)
    ct2 = {c: ctranslate2.Translator(model, compute_type=c, intra_threads=args.threads)
           for c in ("float32", "int8")}
    # CTranslate2's results depend on what a sentence is batched with: its sgemm sums the
    # attention products in an order chosen by the padded length (docs/benchmarks.md). nmtd
    # computes each sentence as CTranslate2 does for that sentence alone, so the reference
    # translates and scores one sentence at a time (max_batch_size=1).
    alone = {"max_batch_size": 1}

    def greedy(translator, **kw):
        return [r.hypotheses[0] for r in translator.translate_batch(
            srcs, [["fra_Latn"]] * len(srcs), beam_size=1, max_decoding_length=args.max_length,
            **kw)]

    ref_tokens = greedy(ct2["float32"], **alone)
    tgts = ref_tokens  # [fra_Latn, pieces...]: score_batch appends </s>
    score = {c: [r.log_probs for r in t.score_batch(srcs, tgts, **alone)] for c, t in ct2.items()}
    requests = [{"tokens": s, "target_tokens": t} for s, t in zip(srcs, tgts)]
    for c in ("float32", "int8"):
        score["nmtd-" + c] = [r["log_probs"] for r in nmtd_jsonl(args, "score", model, c, requests)]

    ref = score["float32"]
    figures = {"model": model, "shape": args.shape, "recipe": recipe,
               "sentences": len(srcs), "target_tokens": int(sum(len(s) for s in ref))}
    # nmtd's int8 against CTranslate2's: is its rounding the same, or an independent noise?
    diff = differences(score["nmtd-int8"], score["int8"])
    figures["nmtd-int8-vs-ct2-int8"] = {"mean": float(diff.mean()),
                                        "p99": float(np.percentile(diff, 99)),
                                        "max": float(diff.max())}
    for name in ("int8", "nmtd-int8", "nmtd-float32"):
        diff = differences(score[name], ref)
        figures[name] = {"mean": float(diff.mean()), "p99": float(np.percentile(diff, 99)),
                         "max": float(diff.max())}

    ct2_int8_tokens = greedy(ct2["int8"], **alone)
    ct2_int8_batched = greedy(ct2["int8"])
    translate = [{"tokens": s, "target": "fra_Latn"} for s in srcs]
    nmtd_int8 = [r["hypotheses"][0]["tokens"] for r in nmtd_jsonl(args, "translate", model, "int8",
                                                                   translate)]
    nmtd_f32 = [r["hypotheses"][0]["tokens"] for r in nmtd_jsonl(args, "translate", model,
                                                                  "float32", translate)]
    figures["greedy_same_int8"] = sum(a == b for a, b in zip(nmtd_int8, ct2_int8_tokens)) / len(srcs)
    figures["greedy_same_int8_ct2_batched"] = sum(
        a == b for a, b in zip(nmtd_int8, ct2_int8_batched)) / len(srcs)
    figures["greedy_same_float32"] = sum(a == b for a, b in zip(nmtd_f32, ref_tokens)) / len(srcs)
    figures["greedy_same_ct2_int8_vs_float32"] = sum(
        a == b for a, b in zip(ct2_int8_tokens, ref_tokens)) / len(srcs)
    # Tokens agreed on before the first difference, over the tokens compared: a per-step view.
    agreed = sum(first_difference(a, b) for a, b in zip(nmtd_int8, ct2_int8_tokens))
    figures["greedy_steps_agreed_int8"] = agreed / sum(
        min(len(a), len(b)) for a, b in zip(nmtd_int8, ct2_int8_tokens))
    # Along the reference's greedy path each token is the top one: its probability is the
    # top-1 probability of that step (the forced language token and the final </s> left out).
    top1 = np.exp(np.array([lp for s in ref for lp in s[1:-1]]))
    figures["top1"] = {"median": float(np.median(top1)), "above_half": float((top1 > 0.5).mean())}
    figures["output_tokens_mean"] = float(np.mean([len(t) for t in ref_tokens]))
    if args.residual:
        figures["residual_rms"] = residual_rms(model, srcs, tgts, args.residual)
    return figures


def print_recipe(f):
    print(f"model {f['model']} ({f['recipe']} recipe), {f['sentences']} sentences, "
          f"{f['target_tokens']} scored tokens")
    print("| engine vs CT2 float32 | mean nats/token | p99 | max |")
    print("|---|---|---|---|")
    for name in ("int8", "nmtd-int8", "nmtd-float32"):
        label = {"int8": "CTranslate2 int8"}.get(name, name.replace("-", " "))
        print(f"| {label} | {f[name]['mean']:.4g} | {f[name]['p99']:.4g} | {f[name]['max']:.4g} |")
    d = f["nmtd-int8-vs-ct2-int8"]
    print(f"nmtd int8 vs CT2 int8 per token: mean {d['mean']:.3g}, p99 {d['p99']:.3g}, "
          f"max {d['max']:.3g}")
    print(f"greedy tokens identical: nmtd int8 vs CT2 int8 {f['greedy_same_int8']:.1%} "
          f"({f['greedy_steps_agreed_int8']:.1%} of tokens before the first difference; "
          f"{f['greedy_same_int8_ct2_batched']:.1%} against CT2 translating all "
          f"{f['sentences']} as one batch), nmtd float32 vs CT2 float32 "
          f"{f['greedy_same_float32']:.1%}, CT2 int8 vs CT2 float32 "
          f"{f['greedy_same_ct2_int8_vs_float32']:.1%}")
    print(f"top-1 probability on the greedy path: median {f['top1']['median']:.3f}, "
          f"{f['top1']['above_half']:.1%} above 0.5; mean output "
          f"{f['output_tokens_mean']:.1f} tokens")
    if "residual_rms" in f:
        print("residual stream RMS entering each layer: " + ", ".join(
            f"{k} {v:.2f}" for k, v in f["residual_rms"].items()))


def print_table(all_figures):
    """The issue's table: each recipe's figures side by side."""
    recipes = list(all_figures)
    print()
    print("| nats per token vs CT2 float32 | " + " | ".join(
        f"{r}: mean | p99" for r in recipes) + " |")
    print("|---|" + "---|---|" * len(recipes))
    for name, label in (("int8", "CTranslate2 int8"), ("nmtd-int8", "nmtd int8"),
                        ("nmtd-float32", "nmtd float32")):
        print(f"| {label} | " + " | ".join(
            f"{all_figures[r][name]['mean']:.4g} | {all_figures[r][name]['p99']:.4g}"
            for r in recipes) + " |")
    print("| greedy tokens identical, nmtd int8 vs CT2 int8 | " + " | ".join(
        f"{all_figures[r]['greedy_same_int8']:.1%} | " for r in recipes) + " |")
    print("| greedy tokens identical, nmtd float32 vs CT2 float32 | " + " | ".join(
        f"{all_figures[r]['greedy_same_float32']:.1%} | " for r in recipes) + " |")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--nmtd", default=os.path.join(HERE, "..", "build", "nmtd"))
    p.add_argument("--shape", choices=SHAPES, default="mid")
    p.add_argument("--recipe", default="conditioned",
                   help="conditioned, legacy, or both comma-separated (one table)")
    p.add_argument("--model", help="use this int8 model folder (of --recipe) instead of making one")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--sentences", type=int, default=64)
    p.add_argument("--max-length", type=int, default=256, help="max_decoding_length")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--workdir", default="/tmp/nmtd-fidelity")
    p.add_argument("--residual", type=int, default=0,
                   help="sentences to measure the residual stream on (NumPy); 0 = skip")
    p.add_argument("--json", help="write the figures here")
    args = p.parse_args()
    recipes = args.recipe.split(",")
    for r in recipes:
        if r not in ("conditioned", "legacy"):
            sys.exit(f"--recipe: unknown recipe {r!r} (conditioned, legacy)")
    if args.model and len(recipes) != 1:
        sys.exit("--model takes one --recipe")

    os.makedirs(args.workdir, exist_ok=True)
    all_figures = {}
    for recipe in recipes:
        all_figures[recipe] = measure(args, recipe)
        print_recipe(all_figures[recipe])
    if len(recipes) > 1:
        print_table(all_figures)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(all_figures, f, indent=1)


if __name__ == "__main__":
    main()
