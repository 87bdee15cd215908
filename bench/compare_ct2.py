#!/usr/bin/env python3
"""nmtd against CTranslate2 on the same machine, model and inputs, in one run.

Alternates the two engines round by round (nmtd, ct2, nmtd, ct2, ...) because these
machines' speed drifts up to 2x within the hour; each figure is the median over rounds of
each round's median. Writes one JSON with nmtd's keys, the ct2_* keys and the ratios, and
prints the table.

  bench/compare_ct2.py --model DIR [--rounds 3] [--repeat 3] [--json bench-result.json]

With --generate, DIR is created first with make-test-model at the full
NLLB-200-distilled-600M shape (int8) when it does not exist.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (figure, better when higher?)
FIGURES = [
    ("latency_greedy_ms", False),
    ("latency_beam4_ms", False),
    ("throughput_batch16_beam4_tok_s", True),
    ("throughput_batch64_greedy_tok_s", True),
    ("ready_s", False),
    ("rss_after_load_mib", False),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--nmtd", default=os.path.join(ROOT, "build", "nmtd"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default="bench-result.json")
    ap.add_argument("--generate", action="store_true")
    args = ap.parse_args()

    subprocess.run([os.path.join(ROOT, "scripts", "setup-venv")], check=True)
    venv_python = os.path.join(ROOT, ".venv", "bin", "python")
    if args.generate and not os.path.exists(os.path.join(args.model, "model.bin")):
        subprocess.run([args.nmtd, "make-test-model", "--out", args.model, "--encoder-layers", "12",
                        "--decoder-layers", "12", "--d-model", "1024", "--heads", "16", "--ffn",
                        "4096", "--vocab", "256206", "--quantization", "int8", "--seed", "1",
                        # The tied 600M model the published figures were measured on.
                        "--recipe", "legacy"],
                       check=True)

    nmtd_rounds, ct2_rounds = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            a = os.path.join(tmp, f"nmtd-{r}.json")
            b = os.path.join(tmp, f"ct2-{r}.json")
            print(f"round {r + 1}/{args.rounds}: nmtd", flush=True)
            subprocess.run([args.nmtd, "bench", "--model", args.model, "--repeat", str(args.repeat),
                            "--threads", str(args.threads), "--json", a], check=True)
            print(f"round {r + 1}/{args.rounds}: ctranslate2", flush=True)
            subprocess.run([venv_python, os.path.join(ROOT, "bench", "ct2_figures.py"), "--model",
                            args.model, "--inputs", a, "--json", b, "--repeat", str(args.repeat),
                            "--threads", str(args.threads)], check=True)
            nmtd_rounds.append(json.load(open(a)))
            ct2_rounds.append(json.load(open(b)))

    result = dict(nmtd_rounds[-1])
    result.pop("inputs", None)
    result["rounds"] = args.rounds
    for key, value in nmtd_rounds[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            result[key] = statistics.median(r[key] for r in nmtd_rounds)
    for key, value in ct2_rounds[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            result[key] = statistics.median(r[key] for r in ct2_rounds)
    result["ct2_version"] = ct2_rounds[0]["ct2_version"]
    result["per_round"] = {"nmtd": [{k: v for k, v in r.items() if k not in ("inputs", "spread")}
                                    for r in nmtd_rounds],
                           "ct2": [{k: v for k, v in r.items() if k != "spread"} for r in ct2_rounds]}

    print(f"\n{'figure':36} {'nmtd':>10} {'ct2 ' + result['ct2_version']:>14} {'nmtd advantage':>15}")
    for name, higher_better in FIGURES:
        if name not in result or "ct2_" + name not in result:
            continue
        ours, theirs = result[name], result["ct2_" + name]
        advantage = ours / theirs if higher_better else theirs / ours
        result["ratio_" + name] = advantage
        print(f"{name:36} {ours:10.2f} {theirs:14.2f} {advantage:14.2f}x")
    for name in ("step_ms", "floor_step_ms", "step_over_floor", "bandwidth_gb_s", "int8_weights_mib"):
        if name in result:
            print(f"{name:36} {result[name]:10.2f}")
    json.dump(result, open(args.json, "w"), indent=2)
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    sys.exit(main())
