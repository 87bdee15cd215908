#!/usr/bin/env python3
"""Admission's estimates against what calls took, from a worker log at debug level.

Each admitted call logs `request X admitted: N texts, estimate E ms of L ms left (ahead A ms,
own O ms: S steps at line a / pace p ms, work w ms)` and each answered one `request X ok: N
texts, queued Q ms, in the engine G ms` (nmtd serve --log-level debug). Prints the
distribution of actual / estimate, queue wait / "ahead" and engine time / "own", and the calls
the estimate missed most. Usage: bench/admission-estimates.py SERVER_OUTPUT_OR_WORKER_LOG
"""
import re, sys, statistics
adm = {}; ok = {}
for line in open(sys.argv[1], errors='replace'):
    m = re.search(r'worker\[(\d+)\] request (\S+) admitted: (\d+) texts, estimate (\d+) ms of (\d+) ms left \(ahead (\d+) ms, own (\d+) ms: (\d+) steps at line ([\d.]+) / pace ([\d.]+) ms, work (\d+) ms\)', line)
    if m:
        adm[(m[1], m[2])] = dict(texts=int(m[3]), est=int(m[4]), left=int(m[5]), ahead=int(m[6]), own=int(m[7]), steps=int(m[8]), line=float(m[9]), pace=float(m[10]), work=int(m[11]), t=line[:23]); continue
    m = re.search(r'worker\[(\d+)\] request (\S+) ok: (\d+) texts, queued (\d+) ms, in the engine (\d+) ms', line)
    if m: ok[(m[1], m[2])] = (int(m[4]), int(m[5]))
rows = []
for k, a in adm.items():
    if k in ok:
        q, e = ok[k]; rows.append((k, a, q + e, q, e))
print(f"admitted {len(adm)}, answered {len(rows)}")
ratios = sorted(r[2] / max(1, r[1]['est']) for r in rows)
if ratios:
    print("actual/estimate: p50 %.2f p90 %.2f p99 %.2f max %.2f" % (ratios[len(ratios)//2], ratios[int(len(ratios)*.9)], ratios[min(len(ratios)-1, int(len(ratios)*.99))], ratios[-1]))
for k, a, act, q, e in sorted(rows, key=lambda r: -r[2] / max(1, r[1]['est']))[:15]:
    print(k, a['t'], f"est {a['est']} (ahead {a['ahead']} own {a['own']} steps {a['steps']} line {a['line']} pace {a['pace']}) left {a['left']} -> actual {act} (queued {q}, engine {e})")
qr = sorted((r[3] + 1) / (r[1]['ahead'] + 1) for r in rows if r[1]['ahead'] > 2000)
er = sorted(r[4] / max(1, r[1]['own']) for r in rows if r[1]['own'] > 2000)
def pct(v, p): return v[min(len(v) - 1, int(len(v) * p))] if v else float('nan')
print("queued/ahead (ahead>2s): n %d p50 %.2f p90 %.2f max %.2f" % (len(qr), pct(qr, .5), pct(qr, .9), pct(qr, 1)))
print("engine/own (own>2s): n %d p50 %.2f p90 %.2f max %.2f" % (len(er), pct(er, .5), pct(er, .9), pct(er, 1)))
