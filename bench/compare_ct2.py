#!/usr/bin/env python3
"""nmtd against CTranslate2 (and ONNX Runtime) on the same machine, model and inputs, in one run.

Alternates the engines round by round (nmtd, ct2[, ort], nmtd, ct2[, ort], ...) because these
machines' speed drifts up to 2x within the hour; each figure is the median over rounds of
each round's median. Writes one JSON with nmtd's keys, the ct2_* keys, the ort_* keys with
--ort, and the ratios (ratio_* against CTranslate2, ratio_ort_* against ONNX Runtime), and
prints the table.

  bench/compare_ct2.py --model DIR [--rounds 3] [--repeat 3] [--json bench-result.json]
                       [--ort ONNX_DIR] [--nmtd-before OLD_NMTD]

With --nmtd-before, an older nmtd binary runs in each round too (old, nmtd, ct2, ...), so a
change is measured before and after in one run: its figures are the before_* keys, and
ratio_before_* says how the current binary compares (>1: better now). nmtd's session_*
figures (the same batches through a decode session, the path of the server's continuous
batching) are compared with the old binary's whole-batch figures (session_vs_before_*).

With --generate, DIR is created first with make-test-model at the full
NLLB-200-distilled-600M shape (int8) when it does not exist. With --ort, ONNX_DIR is made
first by bench/ort_export.py from DIR when it holds no export yet (the reference venv,
scripts/setup-reference-venv, runs it and ONNX Runtime: bench/ort_figures.py).
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
    ap.add_argument("--nmtd-before", metavar="OLD_NMTD",
                    help="also an older nmtd binary, in each round, for before/after figures")
    ap.add_argument("--ort", metavar="ONNX_DIR",
                    help="also ONNX Runtime int8 on the export of DIR in ONNX_DIR")
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

    ref_python = os.path.join(ROOT, ".venv-reference", "bin", "python")
    if args.ort:
        subprocess.run([os.path.join(ROOT, "scripts", "setup-reference-venv")], check=True)
        if not os.path.exists(os.path.join(args.ort, "int8", "decoder_with_past_model.onnx")):
            subprocess.run([ref_python, os.path.join(ROOT, "bench", "ort_export.py"), "--model",
                            args.model, "--out", args.ort], check=True)

    nmtd_rounds, ct2_rounds, ort_rounds, before_rounds = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            if args.nmtd_before:
                old = os.path.join(tmp, f"before-{r}.json")
                print(f"round {r + 1}/{args.rounds}: nmtd before ({args.nmtd_before})", flush=True)
                subprocess.run([args.nmtd_before, "bench", "--model", args.model, "--repeat",
                                str(args.repeat), "--threads", str(args.threads), "--skip-ready",
                                "--json", old], check=True)
                before_rounds.append(json.load(open(old)))
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
            if args.ort:
                c = os.path.join(tmp, f"ort-{r}.json")
                print(f"round {r + 1}/{args.rounds}: onnxruntime", flush=True)
                subprocess.run([ref_python, os.path.join(ROOT, "bench", "ort_figures.py"),
                                "--onnx", args.ort, "--inputs", a, "--json", c, "--repeat",
                                str(args.repeat), "--threads", str(args.threads)], check=True)
                ort_rounds.append(json.load(open(c)))

    result = dict(nmtd_rounds[-1])
    result.pop("inputs", None)
    result["rounds"] = args.rounds
    for key, value in nmtd_rounds[0].items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            result[key] = statistics.median(r[key] for r in nmtd_rounds)
    for other in (ct2_rounds, ort_rounds):
        for key, value in (other[0].items() if other else ()):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                result[key] = statistics.median(r[key] for r in other)
    for key, value in (before_rounds[0].items() if before_rounds else ()):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            result["before_" + key] = statistics.median(r[key] for r in before_rounds)
    result["ct2_version"] = ct2_rounds[0]["ct2_version"]
    result["per_round"] = {"nmtd": [{k: v for k, v in r.items() if k not in ("inputs", "spread")}
                                    for r in nmtd_rounds],
                           "ct2": [{k: v for k, v in r.items() if k != "spread"} for r in ct2_rounds]}
    if ort_rounds:
        result["ort_version"] = ort_rounds[0]["ort_version"]
        result["ort_variant"] = ort_rounds[0]["ort_variant"]
        result["per_round"]["ort"] = [{k: v for k, v in r.items() if k != "spread"}
                                      for r in ort_rounds]

    ort_head = f" {'ort ' + result['ort_version']:>12} {'vs ort':>8}" if ort_rounds else ""
    print(f"\n{'figure':36} {'nmtd':>10} {'ct2 ' + result['ct2_version']:>14} {'vs ct2':>8}" + ort_head)
    for name, higher_better in FIGURES:
        if name not in result or "ct2_" + name not in result:
            continue
        ours, theirs = result[name], result["ct2_" + name]
        advantage = ours / theirs if higher_better else theirs / ours
        result["ratio_" + name] = advantage
        line = f"{name:36} {ours:10.2f} {theirs:14.2f} {advantage:7.2f}x"
        if "ort_" + name in result:
            ort = result["ort_" + name]
            ort_advantage = ours / ort if higher_better else ort / ours
            result["ratio_ort_" + name] = ort_advantage
            line += f" {ort:12.2f} {ort_advantage:7.2f}x"
        print(line)
    for name in ("throughput_batch16_beam4_tok_s", "throughput_batch64_greedy_tok_s"):
        if "session_" + name in result and "ct2_" + name in result:
            ours, theirs = result["session_" + name], result["ct2_" + name]
            result["ratio_session_" + name] = ours / theirs
            print(f"{'session_' + name:36} {ours:10.2f} {theirs:14.2f} {ours / theirs:7.2f}x")
    if before_rounds:
        result["per_round"]["before"] = [{k: v for k, v in r.items() if k not in ("inputs", "spread")}
                                         for r in before_rounds]
        print(f"\n{'before / after':36} {'before':>10} {'now':>14} {'now/before':>10}")
        pairs = [(name, name, higher) for name, higher in FIGURES if name not in
                 ("ready_s", "rss_after_load_mib")]
        pairs += [("session_" + name, name, True) for name in
                  ("throughput_batch16_beam4_tok_s", "throughput_batch64_greedy_tok_s")]
        for now_key, before_key, higher_better in pairs:
            if now_key not in result or "before_" + before_key not in result:
                continue
            now, old = result[now_key], result["before_" + before_key]
            change = now / old if higher_better else old / now
            prefix = "session_vs_before_" if now_key.startswith("session_") else "ratio_before_"
            result[prefix + before_key] = change
            print(f"{now_key:36} {old:10.2f} {now:14.2f} {change:9.2f}x")
    for name in ("step_ms", "floor_step_ms", "step_over_floor", "bandwidth_gb_s", "int8_weights_mib"):
        if name in result:
            print(f"{name:36} {result[name]:10.2f}")
    json.dump(result, open(args.json, "w"), indent=2)
    print(f"\nwritten: {args.json}")


if __name__ == "__main__":
    sys.exit(main())
