#!/usr/bin/env python3
"""A CTranslate2 NLLB model directory back into Hugging Face form (M2M100, float32).

The benchmark's model is made by `nmtd make-test-model` in CTranslate2 form; ONNX Runtime's
exporter (transformers + torch) needs the same weights as a Hugging Face folder. This writes
config.json and model.safetensors with the tensor names `save_pretrained` uses (tied
embeddings once, as model.shared.weight; positions not stored, transformers computes the same
sinusoids). int8 and int16 weights are dequantized (w = q / scale), so the folder holds the
very values nmtd and CTranslate2 compute with.

  bench/ct2_to_hf.py CT2_DIR HF_DIR

Needs numpy and safetensors only (either venv). Checked against the fixture:
ct2_to_hf.py tests/data/tiny-nllb-s1/ct2-float32 gives tests/data/tiny-nllb-s1/hf's tensors.
"""
import json
import os
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "tools"))
from numpy_reference import read_model  # noqa: E402  (the project's model.bin reader)


def dequantized(v, name):
    w = v[name]
    if w.dtype == np.float32:
        return w
    if name + "_scale" not in v:
        return w.astype(np.float32)
    scale = np.asarray(v[name + "_scale"], dtype=np.float32)
    if scale.ndim == 1:
        scale = scale[:, None]
    return (w.astype(np.float32) / scale).astype(np.float32)


def linear(v, ct2, hf, out):
    out[hf + ".weight"] = dequantized(v, ct2 + "/weight")
    out[hf + ".bias"] = np.asarray(v[ct2 + "/bias"], dtype=np.float32)


def split_linear(v, ct2, hf_names, out):
    w = dequantized(v, ct2 + "/weight")
    b = np.asarray(v[ct2 + "/bias"], dtype=np.float32)
    n = w.shape[0] // len(hf_names)
    for i, hf in enumerate(hf_names):
        out[hf + ".weight"] = np.ascontiguousarray(w[i * n:(i + 1) * n])
        out[hf + ".bias"] = np.ascontiguousarray(b[i * n:(i + 1) * n])


def norm(v, ct2, hf, out):
    out[hf + ".weight"] = np.asarray(v[ct2 + "/gamma"], dtype=np.float32)
    out[hf + ".bias"] = np.asarray(v[ct2 + "/beta"], dtype=np.float32)


def count_layers(v, stack):
    n = 0
    while f"{stack}/layer_{n}/ffn/linear_0/weight" in v:
        n += 1
    return n


def convert(ct2_dir, hf_dir):
    from safetensors.numpy import save_file

    v = read_model(os.path.join(ct2_dir, "model.bin"))
    emb = dequantized(v, "decoder/embeddings/weight")
    vocab, d = emb.shape
    enc_layers, dec_layers = count_layers(v, "encoder"), count_layers(v, "decoder")
    heads = int(v["encoder/num_heads"])
    ffn = v["encoder/layer_0/ffn/linear_0/weight"].shape[0]
    out = {"model.shared.weight": emb}
    for i in range(enc_layers):
        c, h = f"encoder/layer_{i}", f"model.encoder.layers.{i}"
        split_linear(v, c + "/self_attention/linear_0",
                     [h + ".self_attn.q_proj", h + ".self_attn.k_proj", h + ".self_attn.v_proj"], out)
        linear(v, c + "/self_attention/linear_1", h + ".self_attn.out_proj", out)
        norm(v, c + "/self_attention/layer_norm", h + ".self_attn_layer_norm", out)
        linear(v, c + "/ffn/linear_0", h + ".fc1", out)
        linear(v, c + "/ffn/linear_1", h + ".fc2", out)
        norm(v, c + "/ffn/layer_norm", h + ".final_layer_norm", out)
    norm(v, "encoder/layer_norm", "model.encoder.layer_norm", out)
    for i in range(dec_layers):
        c, h = f"decoder/layer_{i}", f"model.decoder.layers.{i}"
        split_linear(v, c + "/self_attention/linear_0",
                     [h + ".self_attn.q_proj", h + ".self_attn.k_proj", h + ".self_attn.v_proj"], out)
        linear(v, c + "/self_attention/linear_1", h + ".self_attn.out_proj", out)
        norm(v, c + "/self_attention/layer_norm", h + ".self_attn_layer_norm", out)
        linear(v, c + "/attention/linear_0", h + ".encoder_attn.q_proj", out)
        split_linear(v, c + "/attention/linear_1",
                     [h + ".encoder_attn.k_proj", h + ".encoder_attn.v_proj"], out)
        linear(v, c + "/attention/linear_2", h + ".encoder_attn.out_proj", out)
        norm(v, c + "/attention/layer_norm", h + ".encoder_attn_layer_norm", out)
        linear(v, c + "/ffn/linear_0", h + ".fc1", out)
        linear(v, c + "/ffn/linear_1", h + ".fc2", out)
        norm(v, c + "/ffn/layer_norm", h + ".final_layer_norm", out)
    norm(v, "decoder/layer_norm", "model.decoder.layer_norm", out)

    positions = v["decoder/position_encodings/encodings"].shape[0]
    # transformers knows two embedding scales only: sqrt(d_model) or none.
    scale = float(v["decoder/scale_embeddings"])
    if abs(scale - float(np.sqrt(np.float32(d)))) < 1e-6 * scale:
        scale_embedding = True
    elif scale == 1.0:
        scale_embedding = False
    else:
        sys.exit(f"embedding scale {scale} is neither 1 nor sqrt(d_model): not an M2M100 model")
    config = {
        "architectures": ["M2M100ForConditionalGeneration"], "model_type": "m2m_100",
        "activation_function": "relu", "activation_dropout": 0.0, "attention_dropout": 0.0,
        "dropout": 0.0, "encoder_layerdrop": 0.0, "decoder_layerdrop": 0.0,
        "bos_token_id": 0, "pad_token_id": 1, "eos_token_id": 2, "decoder_start_token_id": 2,
        "d_model": int(d), "encoder_layers": enc_layers, "decoder_layers": dec_layers,
        "num_hidden_layers": enc_layers, "encoder_attention_heads": heads,
        "decoder_attention_heads": heads, "encoder_ffn_dim": int(ffn), "decoder_ffn_dim": int(ffn),
        "max_position_embeddings": int(positions), "normalize_before": True,
        "scale_embedding": scale_embedding,
        "tie_word_embeddings": True, "is_encoder_decoder": True, "use_cache": True,
        "init_std": 0.02, "torch_dtype": "float32", "vocab_size": int(vocab),
    }
    os.makedirs(hf_dir, exist_ok=True)
    with open(os.path.join(hf_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    save_file(out, os.path.join(hf_dir, "model.safetensors"), metadata={"format": "pt"})
    return config


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    c = convert(sys.argv[1], sys.argv[2])
    print(f"wrote {sys.argv[2]}: {c['encoder_layers']}+{c['decoder_layers']} layers, "
          f"d_model {c['d_model']}, vocab {c['vocab_size']}")


if __name__ == "__main__":
    main()
