"""A minimal NLLB generation loop on ONNX Runtime: the encoder once, the decoder without past
for the first step (it returns every layer's self- and cross-attention keys/values), then the
decoder with past for every later step, fed the keys/values it returned. Greedy and beam
search, with `</s>` disabled before min_length as CTranslate2's min_decoding_length does, so a
forced length (min = max) decodes exactly that many tokens.

Lengths count the target-language token, as CTranslate2's max_decoding_length does: length 32
returns [tgt_lang, 31 generated tokens].
"""
import os

import numpy as np
import onnxruntime as ort

EOS = 2  # </s>, also the decoder start token


def session(path, threads):
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    o.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


class OrtNllb:
    def __init__(self, onnx_dir, threads=2):
        self.encoder = session(os.path.join(onnx_dir, "encoder_model.onnx"), threads)
        self.first = session(os.path.join(onnx_dir, "decoder_model.onnx"), threads)
        self.later = session(os.path.join(onnx_dir, "decoder_with_past_model.onnx"), threads)
        self.first_outputs = [o.name for o in self.first.get_outputs()]
        self.later_outputs = [o.name for o in self.later.get_outputs()]
        self.later_inputs = {i.name for i in self.later.get_inputs()}

    def encode(self, sources):
        """sources: equal-length lists of ids; returns (hidden [B, S, d], mask [B, S])."""
        ids = np.asarray(sources, dtype=np.int64)
        mask = np.ones_like(ids)
        (hidden,) = self.encoder.run(["last_hidden_state"],
                                     {"input_ids": ids, "attention_mask": mask})
        return hidden, mask

    def generate(self, sources, target_id, beam=1, length=32, min_length=None):
        """Returns (tokens [B, length] with the target token first, scores [B]): the best
        hypothesis per source; scores are summed log-probs of the generated tokens."""
        min_length = length if min_length is None else min_length
        batch = len(sources)
        hidden, mask = self.encode(sources)
        rows = batch * beam
        if beam > 1:
            hidden = np.repeat(hidden, beam, axis=0)
            mask = np.repeat(mask, beam, axis=0)
        # Step 0: the start token and the forced target token in one call.
        prefix = np.tile(np.asarray([[EOS, target_id]], dtype=np.int64), (rows, 1))
        outs = self.first.run(None, {"input_ids": prefix, "encoder_hidden_states": hidden,
                                     "encoder_attention_mask": mask})
        named = dict(zip(self.first_outputs, outs))
        past = {k.replace("present", "past_key_values"): v for k, v in named.items()
                if k.startswith("present")}
        logits = named["logits"][:, -1, :]
        tokens = np.empty((rows, length), dtype=np.int64)
        tokens[:, 0] = target_id
        scores = np.zeros(rows, dtype=np.float32)
        if beam > 1:  # every beam starts identical: only the first may be extended at first
            scores.reshape(batch, beam)[:, 1:] = -np.inf
        for t in range(1, length):
            if t < min_length:
                logits[:, EOS] = -np.inf
            if beam == 1:
                nxt = logits.argmax(axis=1)
                lse = _logsumexp(logits)
                scores += logits[np.arange(rows), nxt] - lse
                tokens[:, t] = nxt
            else:
                logp = logits - _logsumexp(logits)[:, None]
                total = (logp + scores[:, None]).reshape(batch, beam * logits.shape[1])
                best = np.argpartition(-total, beam, axis=1)[:, :beam]
                best_scores = np.take_along_axis(total, best, axis=1)
                order = np.argsort(-best_scores, axis=1, kind="stable")
                best = np.take_along_axis(best, order, axis=1)
                origin = (best // logits.shape[1] + np.arange(batch)[:, None] * beam).reshape(-1)
                nxt = (best % logits.shape[1]).reshape(-1)
                scores = np.take_along_axis(best_scores, order, axis=1).reshape(-1)
                tokens = tokens[origin]
                tokens[:, t] = nxt
                # Self-attention caches follow their beam; cross-attention ones are the same
                # for every beam of an example.
                for k in past:
                    if ".decoder." in k:
                        past[k] = past[k][origin]
            if t == length - 1:
                break
            feed = {"input_ids": nxt.reshape(rows, 1).astype(np.int64),
                    "encoder_attention_mask": mask, **past}
            if "encoder_hidden_states" in self.later_inputs:
                feed["encoder_hidden_states"] = hidden
            outs = self.later.run(None, feed)
            named = dict(zip(self.later_outputs, outs))
            for k, v in named.items():
                if k.startswith("present"):
                    past[k.replace("present", "past_key_values")] = v
            logits = named["logits"][:, -1, :]
        if beam > 1:
            tokens = tokens.reshape(batch, beam, length)[:, 0]
            scores = scores.reshape(batch, beam)[:, 0]
        return tokens, scores


def _logsumexp(x):
    m = x.max(axis=1)
    return m + np.log(np.exp(x - m[:, None]).sum(axis=1))
