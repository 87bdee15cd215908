#pragma once
// Greedy and beam search over any step-wise decoder, with CTranslate2's options, defaults
// and scoring (see ../shared/reference/ctranslate2-format.md §7).
#include <cstdint>
#include <span>
#include <vector>

namespace nmtd {

inline constexpr int kMaxBeamSize = 128;
inline constexpr int kMaxFinishedHypotheses = 1024;  // bound on round(beam_size * patience)

struct DecodingOptions {
  int beam_size = 2;
  float patience = 1.0f;
  float length_penalty = 1.0f;
  int max_decoding_length = 256;  // counts the target prefix and the end token
  int min_decoding_length = 1;    // counts the target prefix
  float repetition_penalty = 1.0f;
  int no_repeat_ngram_size = 0;
  int num_hypotheses = 1;
  bool return_scores = false;
  bool disable_unk = false;

  // Sampling and alternatives, under CTranslate2's names and defaults (sampling.h,
  // alternatives.cc). sampling_seed is nmtd's own: each input draws from its own generator
  // seeded with it, so a run repeats and batch-mates never change each other's draws.
  int sampling_topk = 1;              // 1: no sampling (argmax); 0: the whole vocabulary
  float sampling_topp = 1.0f;         // in (0, 1]: the smallest set of tokens holding this mass
  float sampling_temperature = 1.0f;  // > 0: the logits are divided by it before drawing
  uint64_t sampling_seed = 0;
  bool return_alternatives = false;  // num_hypotheses alternatives at the first free position
  float min_alternative_expansion_prob = 0.0f;  // in [0, 1]: rarer alternatives are left out

  // Whether tokens are drawn at random (CT2's RandomSampler) rather than taken as the argmax.
  bool samples() const { return sampling_topk != 1; }

  // Throws InvalidArgument naming the option when a value is out of range.
  void validate() const;
  bool operator==(const DecodingOptions&) const = default;
};

// The decoder as the search sees it: rows are (example, beam) pairs.
class StepModel {
 public:
  virtual ~StepModel() = default;
  virtual int64_t vocab_size() const = 0;
  // Runs one decoder step for the current rows: ids[r] is the last token of row r, `step`
  // its position (0 for the start token). Writes logits[rows][vocab_size()].
  virtual void step(std::span<const int32_t> ids, int step, float* logits) = 0;
  // Rebuilds the row set: new row i continues old row origin[i] (its cached state is
  // copied). Used to replicate beams, follow beam origins, and drop finished examples.
  virtual void select_rows(std::span<const int32_t> origin) = 0;
};

struct DecodeInput {
  int32_t start_id = 2;         // the decoder start token (NLLB: </s>)
  std::vector<int32_t> prefix;  // forced target prefix (NLLB: the target language token)
};

struct DecodeResult {
  std::vector<int32_t> ids;  // prefix first, no end token
  float score = 0.0f;        // length-normalized cumulative log-probability
};

struct DecodeVocab {
  int32_t end_id = 2;  // </s>
  int32_t unk_id = 3;  // <unk>
};

// The most model rows one input takes at once: beam_size, num_hypotheses * beam_size with
// return_alternatives, num_hypotheses when greedy search samples several hypotheses.
int64_t rows_per_input(const DecodingOptions& options);

// Decodes a batch. The model's rows start as one row per input, in input order.
// Returns for each input its best hypotheses, best first (options.num_hypotheses of them).
std::vector<std::vector<DecodeResult>> decode(StepModel& model, std::span<const DecodeInput> inputs,
                                              const DecodeVocab& vocab,
                                              const DecodingOptions& options);

}  // namespace nmtd
