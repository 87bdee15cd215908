#!/usr/bin/env python3
"""Writes tests/data/hf-reference/tiny-nllb-s1.json: the model's own reference implementation
(transformers' M2M100ForConditionalGeneration, float32, CPU) teacher-forced on the fixture's
sequences, as per-token log-probs (log_softmax of the float32 logits).

The sequences are every ct2-float32 case of tests/data/tiny-nllb-s1/cases.json: its source
tokens, and the decoder fed `</s>`, the target language and each hypothesis' tokens; every
step records the log-prob of the token that follows (the target language, each token, then
`</s>`) and the step's top 4 tokens with theirs. tests/unit/engine/hf_reference_test.cc runs
nmtd's engine float32 on the fixture's hf/ folder, converted as `nmtd convert` does, and
compares within 1e-4. Run it through scripts/make-hf-reference (which makes the pinned venv)
whenever the fixture changes.
"""
import json
import pathlib
import sys

import numpy as np
import torch
import transformers
from transformers import M2M100ForConditionalGeneration

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "data" / "tiny-nllb-s1"
OUT = ROOT / "tests" / "data" / "hf-reference" / "tiny-nllb-s1.json"
TOP = 4


def sequences(vocab):
    cases = json.loads((FIXTURE / "cases.json").read_text())
    ids = {token: i for i, token in enumerate(vocab)}
    seen, out = set(), []
    for case in cases["cases"]:
        if case["model"] != "ct2-float32":
            continue
        source = case["source_tokens"]
        if len(source) > case["options"].get("max_input_length", 1024):
            continue  # the engine would truncate it; teacher forcing wants it whole
        for h, hyp in enumerate(case["expected"]["hypotheses"]):
            src = [ids.get(t, ids["<unk>"]) for t in source]  # as the engine looks it up
            dec = [ids["</s>"]] + [ids[t] for t in hyp["tokens"]]
            key = (tuple(src), tuple(dec))
            if key in seen:
                continue
            seen.add(key)
            out.append({"id": f"{case['id']}/{h}", "source_ids": src, "decoder_ids": dec})
    return out


def main() -> int:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = M2M100ForConditionalGeneration.from_pretrained(FIXTURE / "hf", torch_dtype=torch.float32)
    model.eval()
    vocab = json.loads((FIXTURE / "ct2-float32" / "shared_vocabulary.json").read_text())
    eos = vocab.index("</s>")
    result = []
    with torch.no_grad():
        for seq in sequences(vocab):
            src = torch.tensor([seq["source_ids"]])
            dec = torch.tensor([seq["decoder_ids"]])
            logits = model(input_ids=src, attention_mask=torch.ones_like(src),
                           decoder_input_ids=dec).logits[0]
            assert logits.dtype == torch.float32
            logprobs = torch.log_softmax(logits, dim=-1).numpy()
            following = seq["decoder_ids"][1:] + [eos]
            steps = []
            for s, token in enumerate(following):
                top = np.argsort(-logprobs[s], kind="stable")[:TOP]
                steps.append({"token": int(token), "logprob": float(logprobs[s, token]),
                              "top": [[int(t), float(logprobs[s, t])] for t in top]})
            result.append({**seq, "steps": steps})
    doc = {
        "format": 1,
        "model": "tiny-nllb-s1/hf",
        "implementation": "transformers M2M100ForConditionalGeneration, float32, CPU",
        "transformers_version": transformers.__version__,
        "torch_version": torch.__version__,
        "log_prob": "log_softmax of the float32 logits at each decoder position; steps[i] "
                    "follows decoder_ids[:i+1]",
        "tolerance": 1e-4,
        "sequences": result,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # One sequence per line: small diffs when the fixture changes, and no indentation bulk.
    head = json.dumps({k: v for k, v in doc.items() if k != "sequences"}, indent=1)[:-2]
    body = ",\n".join(json.dumps(r, separators=(",", ":")) for r in result)
    OUT.write_text(head + ',\n "sequences": [\n' + body + "\n]}\n")
    print(f"wrote {OUT}: {len(result)} sequences, "
          f"{sum(len(r['steps']) for r in result)} steps")
    return 0


if __name__ == "__main__":
    sys.exit(main())
