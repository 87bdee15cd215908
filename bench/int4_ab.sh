#!/usr/bin/env bash
# int8 against int4 in one run, alternating A/B/A/B: `nmtd bench --latency-only` on each
# folder in turn (2 threads), then the ratios int4/int8 of the medians of the rounds: decode
# step at batch 1, one-sentence greedy latency, model.bin size and RSS after load.
#
#   bench/int4_ab.sh INT8_DIR INT4_DIR [ROUNDS=2] [REPEAT=3] [OUT_DIR=/var/tmp/int4-ab]
#
# Make the folders with the same seed and shape, e.g. at the full NLLB-600M shape:
#   build/nmtd make-test-model --out /var/tmp/int4-full --encoder-layers 12 --decoder-layers 12 \
#     --d-model 1024 --heads 16 --ffn 4096 --vocab 256206 --quantization int4 --recipe conditioned
set -euo pipefail
int8=${1:?INT8_DIR}
int4=${2:?INT4_DIR}
rounds=${3:-2}
repeat=${4:-3}
out=${5:-/var/tmp/int4-ab}
nmtd=${NMTD:-$(dirname "$0")/../build/nmtd}
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
  for kind in int8 int4; do
    dir=$([ "$kind" = int8 ] && echo "$int8" || echo "$int4")
    "$nmtd" bench --model "$dir" --threads 2 --repeat "$repeat" --latency-only \
      --json "$out/$kind-$round.json" >"$out/$kind-$round.txt"
    echo "round $round $kind: $(grep -E 'decode step|greedy' "$out/$kind-$round.txt" | tr -s ' ' | tr '\n' ';')"
  done
done
python3 - "$out" "$rounds" "$int8" "$int4" <<'PY'
import json, os, statistics, sys
out, rounds, int8, int4 = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
runs = {k: [json.load(open(f"{out}/{k}-{r}.json")) for r in range(1, rounds + 1)]
        for k in ("int8", "int4")}
def med(kind, key):
    return statistics.median(r[key] for r in runs[kind])
size = {"int8": os.path.getsize(f"{int8}/model.bin"), "int4": os.path.getsize(f"{int4}/model.bin")}
print(f"| figure | int8 | int4 | int4 / int8 | target |")
print("|---|---|---|---|---|")
for key, label, target in (("step_ms", "decode step, batch 1 (ms)", "<= 0.6"),
                           ("latency_greedy_ms", "one sentence, greedy (ms)", "<= 0.67 (1.5x faster)"),
                           ("rss_after_load_mib", "RSS after load (MiB)", "<= 0.6"),
                           ("int8_weights_mib", "weights packed (MiB)", "")):
    a, b = med("int8", key), med("int4", key)
    print(f"| {label} | {a:.1f} | {b:.1f} | {b / a:.2f} | {target} |")
print(f"| model.bin (MB) | {size['int8'] / 1e6:.1f} | {size['int4'] / 1e6:.1f} | "
      f"{size['int4'] / size['int8']:.2f} | <= 0.6 |")
print(f"kernels {runs['int4'][0]['settings']['kernel_isa']}, {rounds} rounds A/B/A/B, "
      f"median of {runs['int4'][0]['settings']['repeat']} per round")
PY
