#!/usr/bin/env python3
"""The benchmark's model for ONNX Runtime: exported by the model's reference implementation
and quantized the way ONNX Runtime users quantize it.

  bench/ort_export.py --model CT2_DIR --out ONNX_DIR [--float32-only]

1. CT2_DIR (e.g. what `nmtd make-test-model` wrote) back into Hugging Face form
   (bench/ct2_to_hf.py; int8 weights dequantized), in ONNX_DIR/hf;
2. transformers + torch export it through optimum (task text2text-generation-with-past, no
   merged decoder): ONNX_DIR/float32/{encoder_model, decoder_model,
   decoder_with_past_model}.onnx; the decoder without past runs the first step and returns
   the cross-attention keys/values, the one with past runs every later step;
3. onnxruntime.quantization.quantize_dynamic, int8 weights per channel (QInt8,
   per_channel=True; activations quantized per call, uint8): ONNX_DIR/int8/*.onnx.

Run it with .venv-reference/bin/python (scripts/setup-reference-venv). A benchmark tool, not
part of CI. The full NLLB-200-distilled-600M shape needs ~12 GB of memory and minutes.
"""
import argparse
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ct2_to_hf  # noqa: E402

PARTS = ("encoder_model", "decoder_model", "decoder_with_past_model")


def export(hf_dir, out_dir):
    from optimum.exporters.onnx import main_export

    main_export(hf_dir, output=out_dir, task="text2text-generation-with-past",
                no_post_process=True, do_validation=False, device="cpu")
    for part in PARTS:
        if not os.path.exists(os.path.join(out_dir, part + ".onnx")):
            sys.exit(f"the exporter wrote no {part}.onnx in {out_dir}: {os.listdir(out_dir)}")


def quantize(src_dir, out_dir):
    from onnxruntime.quantization import QuantType, quantize_dynamic

    os.makedirs(out_dir, exist_ok=True)
    for part in PARTS:
        src = os.path.join(src_dir, part + ".onnx")
        # Models past 2 GB keep their tensors beside the graph (external data).
        big = os.path.getsize(src) > (1 << 30) or any(
            not f.endswith(".onnx") and not f.endswith(".json") for f in os.listdir(src_dir))
        quantize_dynamic(src, os.path.join(out_dir, part + ".onnx"), per_channel=True,
                         reduce_range=False, weight_type=QuantType.QInt8,
                         use_external_data_format=big)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="CTranslate2 model directory")
    ap.add_argument("--out", required=True)
    ap.add_argument("--float32-only", action="store_true", help="skip the int8 quantization")
    ap.add_argument("--force", action="store_true", help="redo every stage")
    args = ap.parse_args()

    hf_dir = os.path.join(args.out, "hf")
    f32_dir = os.path.join(args.out, "float32")
    i8_dir = os.path.join(args.out, "int8")
    if args.force and os.path.exists(args.out):
        shutil.rmtree(args.out)
    t0 = time.perf_counter()
    if not os.path.exists(os.path.join(hf_dir, "model.safetensors")):
        ct2_to_hf.convert(args.model, hf_dir)
        print(f"hf folder: {time.perf_counter() - t0:.1f} s", flush=True)
    if not os.path.exists(os.path.join(f32_dir, "decoder_with_past_model.onnx")):
        export(hf_dir, f32_dir)
        print(f"onnx export: {time.perf_counter() - t0:.1f} s", flush=True)
    if not args.float32_only and not os.path.exists(
            os.path.join(i8_dir, "decoder_with_past_model.onnx")):
        quantize(f32_dir, i8_dir)
        print(f"int8 quantization: {time.perf_counter() - t0:.1f} s", flush=True)
    shutil.copy(os.path.join(args.model, "shared_vocabulary.json"),
                os.path.join(args.out, "shared_vocabulary.json"))
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
