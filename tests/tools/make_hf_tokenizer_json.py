#!/usr/bin/env python3
"""Writes tests/data/hf-tokenizer/tokenizer.json: Hugging Face's fast-tokenizer form of
assets/sentencepiece.bpe.model, made the way Hugging Face makes NLLB's tokenizer.json
(NllbTokenizerFast converted from the slow tokenizer by transformers' convert_slow_tokenizer).
Baketa installs such a file instead of sentencepiece.bpe.model; nmtd's tests check that the
SentencePiece model rebuilt from it tokenizes exactly like the original.

Needs the pins of scripts/requirements-tools.txt (transformers, tokenizers, protobuf,
sentencepiece):
    python3 -m venv /tmp/hfvenv && /tmp/hfvenv/bin/pip install -r scripts/requirements-tools.txt
    /tmp/hfvenv/bin/python tests/tools/make_hf_tokenizer_json.py
"""
import pathlib
import shutil
import sys
import tempfile

from transformers import NllbTokenizer, NllbTokenizerFast

ROOT = pathlib.Path(__file__).resolve().parents[2]
SPM = ROOT / "assets" / "sentencepiece.bpe.model"
OUT = ROOT / "tests" / "data" / "hf-tokenizer" / "tokenizer.json"


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(SPM, pathlib.Path(tmp) / "sentencepiece.bpe.model")
        slow = NllbTokenizer(vocab_file=str(pathlib.Path(tmp) / "sentencepiece.bpe.model"))
        # from_slow=True runs convert_slow_tokenizer (NllbConverter), as the Hub's file was made.
        fast = NllbTokenizerFast.from_pretrained(tmp, from_slow=True)
        assert fast.tokenize("Hello world.") == slow.tokenize("Hello world.")
        fast.backend_tokenizer.save(str(OUT))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
