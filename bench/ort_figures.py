#!/usr/bin/env python3
"""ONNX Runtime's side of `nmtd bench`: the same figures on the same model and inputs.

Reads the inputs that `nmtd bench --json` wrote (so every engine gets identical tokens) and
writes ort_* figures for the ONNX export bench/ort_export.py made of the same model
(ONNX_DIR/int8 by default: ONNX Runtime's dynamic int8 quantization, per-channel weights).
ONNX Runtime runs with 2 intra-op threads and the minimal generation loop of
bench/ort_generate.py. Run it with .venv-reference/bin/python.

  bench/ort_figures.py --onnx ONNX_DIR --inputs nmtd.json --json ort.json
  bench/ort_figures.py --onnx ONNX_DIR --variant float32 --inputs nmtd.json --tokens out.json
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

READY_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import numpy as np
from ort_generate import OrtNllb
t1 = time.perf_counter()
m = OrtNllb(sys.argv[2], threads=int(sys.argv[3]))
rss = 0
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) / 1024
m.generate([json.loads(sys.argv[4])], int(sys.argv[5]), beam=1, length=2)
t2 = time.perf_counter()
print(json.dumps({"construct_and_first_s": t2 - t1, "import_s": t1 - t0,
                  "rss_after_load_mib": rss}))
"""


def spread(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": samples}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onnx", required=True, help="the directory bench/ort_export.py wrote")
    ap.add_argument("--variant", default="int8", choices=["int8", "float32"])
    ap.add_argument("--inputs", required=True, help="a JSON file written by nmtd bench --json")
    ap.add_argument("--json", help="where to write the ort_* figures")
    ap.add_argument("--tokens", help="only decode every input once (greedy and beam 4 as the "
                                     "figures do) and write the tokens and summed log-probs "
                                     "here, to check the loop against nmtd")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-ready", action="store_true")
    args = ap.parse_args()

    import onnxruntime
    sys.path.insert(0, HERE)
    from ort_generate import OrtNllb

    vocab = json.load(open(os.path.join(args.onnx, "shared_vocabulary.json")))
    ids = {t: i for i, t in enumerate(vocab)}
    nmtd = json.load(open(args.inputs))
    inputs = nmtd["inputs"]
    target = ids[inputs["target"]]
    length = nmtd["settings"]["length"]
    to_ids = lambda sources: [[ids[t] for t in s] for s in sources]  # noqa: E731
    single, b16, b64 = (to_ids(inputs[k]) for k in ("single", "batch16", "batch64"))
    model_dir = os.path.join(args.onnx, args.variant)

    if args.tokens:
        m = OrtNllb(model_dir, threads=args.threads)
        out = {}
        for name, sources, beam in [("single_greedy", single, 1), ("single_beam4", single, 4),
                                    ("batch16_beam4", b16, 4), ("batch64_greedy", b64, 1)]:
            toks, scores = m.generate(sources, target, beam=beam, length=length)
            out[name] = [{"tokens": [vocab[i] for i in t], "score": float(s)}
                         for t, s in zip(toks, scores)]
        json.dump(out, open(args.tokens, "w"), indent=1)
        return

    out = {"ort_version": onnxruntime.__version__, "ort_variant": args.variant, "spread": {}}
    if not args.skip_ready:
        ready, rss = [], []
        for _ in range(args.repeat):
            res = subprocess.run(
                [sys.executable, "-c", READY_PROBE, HERE, model_dir, str(args.threads),
                 json.dumps(single[0][:6] + [ids["</s>"]]), str(target)],
                check=True, capture_output=True, text=True)
            probe = json.loads(res.stdout.strip().splitlines()[-1])
            ready.append(probe["construct_and_first_s"])
            rss.append(probe["rss_after_load_mib"])
        out["ort_ready_s"] = statistics.median(ready)
        out["ort_rss_after_load_mib"] = statistics.median(rss)
        out["spread"]["ort_ready_s"] = spread(ready)
        out["spread"]["ort_rss_after_load_mib"] = spread(rss)

    m = OrtNllb(model_dir, threads=args.threads)

    def run(sources, beam):
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            m.generate(sources, target, beam=beam, length=length)
            samples.append((time.perf_counter() - t0) * 1000.0)
        return samples

    run(single, 1)  # warm-up, as nmtd bench does
    greedy = run(single, 1)
    beam4 = run(single, 4)
    r16 = run(b16, 4)
    r64 = run(b64, 1)
    new_tokens = length - 1
    tp16 = [16 * new_tokens / (ms / 1000.0) for ms in r16]
    tp64 = [64 * new_tokens / (ms / 1000.0) for ms in r64]
    for name, s in [("ort_latency_greedy_ms", greedy), ("ort_latency_beam4_ms", beam4),
                    ("ort_throughput_batch16_beam4_tok_s", tp16),
                    ("ort_throughput_batch64_greedy_tok_s", tp64)]:
        out[name] = statistics.median(s)
        out["spread"][name] = spread(s)
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            out["ort_rss_after_runs_mib"] = int(line.split()[1]) / 1024
    json.dump(out, open(args.json, "w"), indent=2)


if __name__ == "__main__":
    main()
