#include "unit/engine/decode/reference_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace nmtd::testing {
namespace {

constexpr float kLowest = std::numeric_limits<float>::lowest();

struct Context {
  const LogitsFn& fn;
  int64_t vocab;
  const DecodeInput& input;
  const DecodeVocab& ids;
  const DecodingOptions& options;
};

// Logits after CT2's processors for a row that produced `tokens` so far.
std::vector<float> processed(const Context& ctx, const std::vector<int32_t>& tokens, int step) {
  std::vector<int32_t> fed{ctx.input.start_id};
  fed.insert(fed.end(), tokens.begin(), tokens.end());
  std::vector<float> x(static_cast<std::size_t>(ctx.vocab));
  ctx.fn(fed, x.data());
  const auto& o = ctx.options;
  if (step < o.min_decoding_length) x[ctx.ids.end_id] = kLowest;
  if (o.repetition_penalty != 1.0f) {
    const std::vector<float> before = x;
    for (const int32_t t : tokens) {
      x[t] = before[t] < 0 ? before[t] * o.repetition_penalty : before[t] / o.repetition_penalty;
    }
  }
  const auto n = static_cast<std::size_t>(o.no_repeat_ngram_size);
  if (n > 0 && tokens.size() >= n) {
    for (std::size_t stop = n; stop <= tokens.size(); ++stop) {
      // n-gram tokens[stop-n, stop): banned when its head equals the last n-1 tokens.
      if (std::equal(tokens.begin() + (stop - n), tokens.begin() + (stop - 1),
                     tokens.end() - (n - 1))) {
        x[tokens[stop - 1]] = kLowest;
      }
    }
  }
  if (o.disable_unk) x[ctx.ids.unk_id] = kLowest;
  return x;
}

float log_softmax_offset(const std::vector<float>& x) {
  const float m = *std::max_element(x.begin(), x.end());
  double sum = 0;
  for (const float v : x) sum += std::exp(static_cast<double>(v) - m);
  return -m - std::log(static_cast<float>(sum));
}

DecodeResult finish(std::vector<int32_t> tokens, float raw, const Context& ctx) {
  DecodeResult r;
  r.score = raw / std::pow(static_cast<float>(tokens.size()), ctx.options.length_penalty);
  while (!tokens.empty() && tokens.back() == ctx.ids.end_id) tokens.pop_back();
  r.ids = std::move(tokens);
  return r;
}

std::vector<DecodeResult> greedy(const Context& ctx) {
  const auto& prefix = ctx.input.prefix;
  std::vector<int32_t> tokens;
  float score = 0;
  for (int step = 0; step < ctx.options.max_decoding_length; ++step) {
    int32_t token = 0;
    float log_prob = 0;
    if (static_cast<std::size_t>(step) < prefix.size()) {
      token = prefix[step];
    } else {
      const auto x = processed(ctx, tokens, step);
      const float c = log_softmax_offset(x);
      log_prob = x[0] + c;
      for (std::size_t v = 1; v < x.size(); ++v) {
        if (x[v] + c > log_prob) {
          log_prob = x[v] + c;
          token = static_cast<int32_t>(v);
        }
      }
    }
    tokens.push_back(token);
    score += log_prob;
    if (token == ctx.ids.end_id && static_cast<std::size_t>(step) >= prefix.size()) break;
  }
  std::vector<DecodeResult> out(static_cast<std::size_t>(ctx.options.num_hypotheses),
                                finish(tokens, score, ctx));
  return out;
}

struct Beam {
  std::vector<int32_t> tokens;
  float score = 0;
};

struct Cand {
  float z;
  int32_t word;
  int beam;
};

std::vector<DecodeResult> beam(const Context& ctx, bool batch_has_prefix) {
  const auto& o = ctx.options;
  const int k_beams = o.beam_size;
  const int n_cands = 2 * k_beams;
  const auto& prefix = ctx.input.prefix;
  const std::size_t plen = prefix.size();
  const int end = ctx.ids.end_id;

  std::vector<Beam> beams;
  bool scored;
  if (n_cands <= ctx.vocab) {
    beams.resize(1);
    scored = false;
  } else {
    beams.resize(static_cast<std::size_t>(k_beams));
    for (std::size_t b = 1; b < beams.size(); ++b) beams[b].score = kLowest;
    scored = true;
  }
  std::vector<Beam> hyps;
  bool top_finished = false;
  for (int step = 0; step < o.max_decoding_length; ++step) {
    const bool last = step + 1 == o.max_decoding_length;
    std::vector<Cand> all;
    for (std::size_t b = 0; b < beams.size(); ++b) {
      const auto x = processed(ctx, beams[b].tokens, step);
      const float c = log_softmax_offset(x);
      for (std::size_t v = 0; v < x.size(); ++v) {
        float z = x[v] + c;
        if (scored) z = z + beams[b].score;
        all.push_back({z, static_cast<int32_t>(v), static_cast<int>(b)});
      }
    }
    std::stable_sort(all.begin(), all.end(),
                     [](const Cand& a, const Cand& b) { return a.z > b.z; });
    all.resize(static_cast<std::size_t>(n_cands));
    if (batch_has_prefix) {
      for (int j = 0; j < n_cands; ++j) {
        if (static_cast<std::size_t>(step) < plen) {
          all[j] = {j == 0 ? 0.0f : -1e10f, prefix[step], 0};
        } else if (static_cast<std::size_t>(step) == plen && j > 0 && all[j].word == end) {
          all[j] = {-1e10f, 0, 0};
        }
      }
    }
    std::vector<Beam> next(static_cast<std::size_t>(k_beams));
    int unused = k_beams;
    for (int k = 0; k < k_beams; ++k) {
      int pick = k;
      if ((all[k].word == end && static_cast<std::size_t>(step) >= plen) || last) {
        if (k == 0) top_finished = true;
        Beam h = beams[all[k].beam];
        h.tokens.push_back(all[k].word);
        h.score = all[k].z;
        hyps.push_back(h);
        for (int j = unused; j < n_cands; ++j) {
          if (all[j].word != end) {
            pick = j;
            unused = j + 1;
            break;
          }
        }
      }
      next[k] = beams[all[pick].beam];
      next[k].tokens.push_back(all[pick].word);
      next[k].score = all[pick].z;
    }
    const auto want = static_cast<std::size_t>(o.num_hypotheses);
    const bool done = last || (o.length_penalty == 0
                                   ? top_finished && hyps.size() >= want
                                   : hyps.size() >= static_cast<std::size_t>(std::round(
                                                        static_cast<float>(k_beams) * o.patience)));
    if (done) break;
    beams = std::move(next);
    scored = true;
  }
  std::vector<DecodeResult> out;
  for (auto& h : hyps) out.push_back(finish(h.tokens, h.score, ctx));
  std::stable_sort(out.begin(), out.end(),
                   [](const DecodeResult& a, const DecodeResult& b) { return a.score > b.score; });
  out.resize(std::min(out.size(), static_cast<std::size_t>(o.num_hypotheses)));
  return out;
}

}  // namespace

std::vector<DecodeResult> reference_decode(const LogitsFn& fn, int64_t vocab,
                                           const DecodeInput& input, const DecodeVocab& ids,
                                           const DecodingOptions& options, bool batch_has_prefix) {
  const Context ctx{fn, vocab, input, ids, options};
  return options.beam_size == 1 ? greedy(ctx) : beam(ctx, batch_has_prefix);
}

}  // namespace nmtd::testing
