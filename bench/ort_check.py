#!/usr/bin/env python3
"""Checks bench/ort_generate.py's loop against nmtd on a float32 model: same inputs as the
figures (from `nmtd bench --json`), greedy and beam 4 at the forced length; tokens must be
identical and summed log-probs close. Run with .venv-reference/bin/python.

  bench/ort_check.py --nmtd build/nmtd --model CT2_DIR --onnx ONNX_DIR --inputs nmtd.json

CT2_DIR must be float32 (`make-test-model --quantization float32`) and ONNX_DIR its export
(bench/ort_export.py --float32-only): int8 on both sides quantizes differently, so tokens
would part ways on a random model's near-ties.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = [("single_greedy", "single", 1), ("single_beam4", "single", 4),
         ("batch16_beam4", "batch16", 4), ("batch64_greedy", "batch64", 1)]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nmtd", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--onnx", required=True)
    ap.add_argument("--inputs", required=True)
    args = ap.parse_args()
    bench = json.load(open(args.inputs))
    inputs, length = bench["inputs"], bench["settings"]["length"]
    with tempfile.TemporaryDirectory() as tmp:
        ort_file = os.path.join(tmp, "ort.json")
        subprocess.run([sys.executable, os.path.join(HERE, "ort_figures.py"), "--onnx", args.onnx,
                        "--variant", "float32", "--inputs", args.inputs, "--tokens", ort_file],
                       check=True)
        ort = json.load(open(ort_file))
        requests = [json.dumps({"tokens": t, "target": inputs["target"], "beam_size": beam,
                                "min_decoding_length": length, "max_decoding_length": length,
                                "length_penalty": 0, "return_scores": True})
                    for _, key, beam in CASES for t in inputs[key]]
        res = subprocess.run([args.nmtd, "translate", "--model", args.model, "--compute-type",
                              "float32", "--threads", "2", "--jsonl"],
                             input="\n".join(requests) + "\n", capture_output=True, text=True,
                             check=True)
    nmtd = [json.loads(line)["hypotheses"][0] for line in res.stdout.splitlines()]
    failures, worst, i = 0, 0.0, 0
    for name, _, _ in CASES:
        for k, o in enumerate(ort[name]):
            n = nmtd[i]
            i += 1
            if o["tokens"] != n["tokens"]:
                failures += 1
                print(f"{name}[{k}]: tokens differ\n  ort  {o['tokens']}\n  nmtd {n['tokens']}")
            worst = max(worst, abs(o["score"] - n["score"]))
    print(f"{i} hypotheses, {failures} with other tokens; largest summed log-prob difference "
          f"{worst:.2e}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
