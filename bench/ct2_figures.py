#!/usr/bin/env python3
"""CTranslate2's side of `nmtd bench`: the same figures on the same model and inputs.

Reads the inputs that `nmtd bench --json` wrote (so both engines get identical tokens) and
writes ct2_* figures. Run with the project's tooling venv (scripts/setup-venv), which pins
the ctranslate2 wheel users would pick instead of nmtd.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time

READY_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import ctranslate2
t1 = time.perf_counter()
tr = ctranslate2.Translator(sys.argv[1], device="cpu", compute_type=sys.argv[2],
                            inter_threads=1, intra_threads=int(sys.argv[3]))
rss = 0
for line in open("/proc/self/status"):
    if line.startswith("VmRSS:"):
        rss = int(line.split()[1]) / 1024
tr.translate_batch([json.loads(sys.argv[4])], target_prefix=[[sys.argv[5]]],
                   beam_size=1, max_decoding_length=2)
t2 = time.perf_counter()
print(json.dumps({"construct_and_first_s": t2 - t1, "import_s": t1 - t0,
                  "rss_after_load_mib": rss}))
"""


def spread(samples):
    return {"median": statistics.median(samples), "min": min(samples), "max": max(samples),
            "samples": samples}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--inputs", required=True, help="a JSON file written by nmtd bench --json")
    ap.add_argument("--json", required=True, help="where to write the ct2_* figures")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compute-type", default="default")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--skip-ready", action="store_true")
    args = ap.parse_args()

    import ctranslate2

    nmtd = json.load(open(args.inputs))
    inputs = nmtd["inputs"]
    target = inputs["target"]
    length = nmtd["settings"]["length"]
    out = {"ct2_version": ctranslate2.__version__, "spread": {}}

    if not args.skip_ready:
        ready, rss = [], []
        for _ in range(args.repeat):
            res = subprocess.run(
                [sys.executable, "-c", READY_PROBE, args.model, args.compute_type,
                 str(args.threads), json.dumps(inputs["single"][0][:6] + ["</s>"]), target],
                check=True, capture_output=True, text=True)
            probe = json.loads(res.stdout.strip().splitlines()[-1])
            ready.append(probe["construct_and_first_s"])
            rss.append(probe["rss_after_load_mib"])
        out["ct2_ready_s"] = statistics.median(ready)
        out["ct2_rss_after_load_mib"] = statistics.median(rss)
        out["spread"]["ct2_ready_s"] = spread(ready)
        out["spread"]["ct2_rss_after_load_mib"] = spread(rss)

    tr = ctranslate2.Translator(args.model, device="cpu", compute_type=args.compute_type,
                                inter_threads=1, intra_threads=args.threads)

    def run(sources, beam, max_len):
        samples = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            tr.translate_batch(sources, target_prefix=[[target]] * len(sources),
                               beam_size=beam, min_decoding_length=max_len,
                               max_decoding_length=max_len, return_scores=True,
                               max_batch_size=0)
            samples.append((time.perf_counter() - t0) * 1000.0)
        return samples

    run(inputs["single"], 1, length)  # warm-up, as nmtd bench does
    greedy = run(inputs["single"], 1, length)
    beam4 = run(inputs["single"], 4, length)
    b16 = run(inputs["batch16"], 4, length)
    b64 = run(inputs["batch64"], 1, length)
    new_tokens = length - 1
    tp16 = [16 * new_tokens / (ms / 1000.0) for ms in b16]
    tp64 = [64 * new_tokens / (ms / 1000.0) for ms in b64]
    out["ct2_latency_greedy_ms"] = statistics.median(greedy)
    out["ct2_latency_beam4_ms"] = statistics.median(beam4)
    out["ct2_throughput_batch16_beam4_tok_s"] = statistics.median(tp16)
    out["ct2_throughput_batch64_greedy_tok_s"] = statistics.median(tp64)
    for name, s in [("ct2_latency_greedy_ms", greedy), ("ct2_latency_beam4_ms", beam4),
                    ("ct2_throughput_batch16_beam4_tok_s", tp16),
                    ("ct2_throughput_batch64_greedy_tok_s", tp64)]:
        out["spread"][name] = spread(s)
    rss = 0
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1]) / 1024
    out["ct2_rss_after_runs_mib"] = rss
    json.dump(out, open(args.json, "w"), indent=2)


if __name__ == "__main__":
    main()
