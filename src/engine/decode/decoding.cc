// decode(): validates the request, dispatches to greedy or beam search as CT2 does
// (beam_size 1 -> greedy), and returns the hypotheses without their end token.
#include "engine/decode/decoding.h"

#include <string>

#include "common/error.h"
#include "engine/decode/search.h"

namespace nmtd {
namespace {

void check_id(int32_t id, int64_t vocab_size, const char* what) {
  if (id < 0 || id >= vocab_size) {
    throw InvalidArgument(std::string(what) + " id " + std::to_string(id) +
                          " is outside the vocabulary [0, " + std::to_string(vocab_size) + ")");
  }
}

}  // namespace

namespace decoding {

bool any_prefix(std::span<const DecodeInput> inputs) {
  for (const auto& input : inputs) {
    if (!input.prefix.empty()) return true;
  }
  return false;
}

bool is_identity(std::span<const int32_t> origin, std::size_t rows) {
  if (origin.size() != rows) return false;
  for (std::size_t i = 0; i < origin.size(); ++i) {
    if (origin[i] != static_cast<int32_t>(i)) return false;
  }
  return true;
}

}  // namespace decoding

std::vector<std::vector<DecodeResult>> decode(StepModel& model, std::span<const DecodeInput> inputs,
                                              const DecodeVocab& vocab,
                                              const DecodingOptions& options) {
  options.validate();
  const int64_t vocab_size = model.vocab_size();
  // Beam search draws 2K candidates from K rows: it needs at least two tokens.
  if (vocab_size < 2) throw Error("decode: the model vocabulary has fewer than 2 tokens");
  check_id(vocab.end_id, vocab_size, "end token");
  check_id(vocab.unk_id, vocab_size, "unk token");
  for (const auto& input : inputs) {
    check_id(input.start_id, vocab_size, "decoder start token");
    for (const int32_t id : input.prefix) check_id(id, vocab_size, "target prefix token");
  }
  if (inputs.empty()) return {};

  std::vector<decoding::Hypotheses> results;
  if (options.beam_size == 1) {
    // CT2 decodes num_hypotheses > 1 at beam 1 by repeating each input, always with scores;
    // without sampling every copy yields the same hypothesis.
    const bool copies = options.num_hypotheses > 1;
    results =
        decoding::greedy_search(model, inputs, vocab, options, options.return_scores || copies);
    for (auto& hyps : results) {
      const DecodeResult best = hyps.front();
      hyps.resize(static_cast<std::size_t>(options.num_hypotheses), best);
    }
  } else {
    results = decoding::beam_search(model, inputs, vocab, options);
  }

  // CT2 pops trailing end tokens unless return_end_token (which nmtd does not offer).
  for (auto& hyps : results) {
    for (auto& hyp : hyps) {
      while (!hyp.ids.empty() && hyp.ids.back() == vocab.end_id) hyp.ids.pop_back();
    }
  }
  return results;
}

}  // namespace nmtd
