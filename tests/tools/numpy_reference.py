"""An independent NumPy forward pass of CTranslate2's NLLB/M2M100 model (float32 and int8).

Written from ../shared/reference/ctranslate2-format.md §2, §5.3 and §6.2, it scores a target
sequence given a source (teacher forcing), like ctranslate2.Translator.score_batch. The
reference-case generator uses it as a second implementation: where it and CTranslate2 disagree,
a case depends on float rounding order and is too fragile to pin down.
"""
import json
import struct

import numpy as np

F32 = np.float32
DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}


def read_model(path):
    """Variables of a binary-version-6 model.bin, aliases resolved (with their _scale)."""
    data = open(path, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        (value,) = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return value

    def string():
        nonlocal pos
        n = take("<H")
        text = data[pos:pos + n - 1].decode()
        pos += n
        return text

    take("<I")
    string()
    take("<I")
    variables = {}
    for _ in range(take("<I")):
        name = string()
        dims = [take("<I") for _ in range(take("<B"))]
        code = take("<B")
        size = take("<I")
        if code == 5:  # bfloat16: the upper half of a float32
            raw = np.frombuffer(data[pos:pos + size], dtype=np.uint16).astype(np.uint32) << 16
            variables[name] = raw.view(np.float32).reshape(dims)
        else:
            variables[name] = np.frombuffer(data[pos:pos + size], dtype=DTYPES[code]).reshape(dims)
        pos += size
    for _ in range(take("<I")):
        alias, target = string(), string()
        variables[alias] = variables[target]
        if target + "_scale" in variables:
            variables[alias + "_scale"] = variables[target + "_scale"]
    return variables


class Model:
    def __init__(self, model_dir, compute_type, float64_norms=False):
        # float64_norms: layer norms and attention in float64 (rounded back to float32), a
        # second float rounding order to tell which cases hinge on rounding.
        self.float64 = float64_norms
        self.v = read_model(model_dir + "/model.bin")
        self.int8 = compute_type == "int8"
        vocab = json.load(open(model_dir + "/shared_vocabulary.json"))
        self.ids = {t: i for i, t in enumerate(vocab)}
        self.d = self.v["decoder/embeddings/weight"].shape[1]
        self.heads = int(self.v["encoder/num_heads"])
        self.weights = {}

    def weight(self, name):
        """(int8 matrix, scales) in int8 compute, else the float32 matrix."""
        if name in self.weights:
            return self.weights[name]
        w = self.v[name + "/weight"]
        scale = self.v.get(name + "/weight_scale")
        if w.dtype == np.int16:
            w, scale = w.astype(F32) / F32(scale), None
        elif w.dtype == np.int8 and not self.int8:
            w, scale = w.astype(F32) / scale[:, None], None
        w = w.astype(F32) if w.dtype != np.int8 else w
        if self.int8 and w.dtype != np.int8:  # quantize at load, per row
            amax = np.abs(w).max(axis=1)
            scale = np.where(amax != 0, F32(127) / amax, F32(127)).astype(F32)
            w = np.rint(w * scale[:, None]).astype(np.int8)
        self.weights[name] = (w, scale)
        return self.weights[name]

    def dense(self, x, name, relu=False):
        w, scale = self.weight(name)
        if scale is not None:
            amax = np.abs(x).max(axis=1, keepdims=True)
            s = np.where(amax != 0, F32(127) / amax, F32(1)).astype(F32)
            q = np.rint((x * s).astype(F32) + F32(128)).astype(np.int32) - 128
            y = (q @ w.astype(np.int32).T).astype(F32) / (s * scale[None, :])
        else:
            y = x @ w.T
        bias = self.v.get(name + "/bias")
        if bias is not None:
            y = y + bias.astype(F32)
        return np.maximum(y, 0).astype(F32) if relu else y.astype(F32)

    def norm(self, x, scope):
        if self.float64:
            x = x.astype(np.float64)
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        gamma = self.v[scope + "/gamma"].astype(F32)
        beta = self.v[scope + "/beta"].astype(F32)
        return ((x - mean) / np.sqrt(var + F32(1e-5)) * gamma + beta).astype(F32)

    def embed(self, ids, scope):
        table = self.v["decoder/embeddings/weight"]
        rows = table[ids].astype(F32)
        if table.dtype in (np.int8, np.int16):
            scale = self.v["decoder/embeddings/weight_scale"]
            rows = rows / (scale[ids][:, None] if table.dtype == np.int8 else F32(scale))
        positions = self.v[scope + "/position_encodings/encodings"].astype(F32)
        return rows * F32(self.v[scope + "/scale_embeddings"]) + positions[: len(ids)]

    def attend(self, q, k, v, causal):
        d_head = self.d // self.heads
        if self.float64:
            q, k, v = q.astype(np.float64), k.astype(np.float64), v.astype(np.float64)
        out = np.zeros_like(q)
        for h in range(self.heads):
            cols = slice(h * d_head, (h + 1) * d_head)
            scores = (q[:, cols] * F32(1 / np.sqrt(d_head))) @ k[:, cols].T
            if causal:
                scores = scores + np.triu(np.full(scores.shape, -np.inf, dtype=F32), 1)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            out[:, cols] = (scores / scores.sum(-1, keepdims=True)) @ v[:, cols]
        return out.astype(F32)

    def layers(self, stack):
        names = {k.split("/")[1] for k in self.v if k.startswith(stack + "/layer_")}
        return sorted(int(n[6:]) for n in names if n[6:].isdigit())

    def score(self, source, target):
        """Log-probabilities of target + ["</s>"] given source, decoding from </s>."""
        d = self.d
        x = self.embed(np.array([self.ids.get(t, 3) for t in source]), "encoder")
        for i in self.layers("encoder"):
            p = f"encoder/layer_{i}"
            qkv = self.dense(self.norm(x, p + "/self_attention/layer_norm"), p + "/self_attention/linear_0")
            x = x + self.dense(self.attend(qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:], False),
                               p + "/self_attention/linear_1")
            x = x + self.dense(self.dense(self.norm(x, p + "/ffn/layer_norm"), p + "/ffn/linear_0", True),
                               p + "/ffn/linear_1")
        memory = self.norm(x, "encoder/layer_norm")
        ids = [2] + [self.ids.get(t, 3) for t in target]
        x = self.embed(np.array(ids), "decoder")
        for i in self.layers("decoder"):
            p = f"decoder/layer_{i}"
            qkv = self.dense(self.norm(x, p + "/self_attention/layer_norm"), p + "/self_attention/linear_0")
            x = x + self.dense(self.attend(qkv[:, :d], qkv[:, d:2 * d], qkv[:, 2 * d:], True),
                               p + "/self_attention/linear_1")
            q = self.dense(self.norm(x, p + "/attention/layer_norm"), p + "/attention/linear_0")
            kv = self.dense(memory, p + "/attention/linear_1")
            x = x + self.dense(self.attend(q, kv[:, :d], kv[:, d:], False), p + "/attention/linear_2")
            x = x + self.dense(self.dense(self.norm(x, p + "/ffn/layer_norm"), p + "/ffn/linear_0", True),
                               p + "/ffn/linear_1")
        logits = self.dense(self.norm(x, "decoder/layer_norm"), "decoder/projection")
        logits = logits - logits.max(-1, keepdims=True)
        logp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
        nxt = ids[1:] + [2]
        return [float(logp[i, t]) for i, t in enumerate(nxt)]
