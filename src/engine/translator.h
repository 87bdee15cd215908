#pragma once
// nmtd's engine API: load an NLLB model directory once, translate batches.
//
// Threading rule: a Translator may be shared by any number of threads; translate calls are
// serialised (one batch at a time uses all of the translator's compute threads), so callers
// that want concurrency batch their requests together — the worker's batcher does.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/thread_pool.h"
#include "engine/compute_type.h"
#include "engine/decode/decoding.h"
#include "engine/model/model_config.h"
#include "engine/model/vocabulary.h"
#include "engine/nn/decoder_memory.h"
#include "engine/nn/nllb_weights.h"
#include "engine/progress.h"
#include "engine/text/tokenizer.h"

namespace nmtd {

struct TranslatorConfig {
  ComputeType compute_type = ComputeType::kDefault;
  int num_threads = 0;  // 0: min(4, hardware threads)
};

struct TranslationOptions {
  DecodingOptions decoding;
  int max_input_length = 1024;  // source tokens kept (ending kept, </s> last); 0 = no limit
  void validate() const;
  // Calls with equal options may share a batch.
  bool operator==(const TranslationOptions&) const = default;
};

// CTranslate2's ScoringOptions.
struct ScoringOptions {
  // Source tokens kept, and target tokens with the </s> appended to them (the ending kept,
  // as for translation); 0 = no limit.
  int max_input_length = 1024;
  int offset = 0;  // leading scored tokens left out of the result
  void validate() const;
};

// One target's teacher-forced log-probabilities, as CTranslate2's score_batch returns them.
struct ScoringResult {
  std::vector<std::string> tokens;  // the scored target tokens from `offset`, </s> last
  std::vector<float> log_probs;     // log p(token | source, the tokens before it), one per token
};

struct TranslationHypothesis {
  std::vector<std::string> tokens;  // target language token first, no </s>
  float score = 0.0f;               // length-normalised log-probability
  std::string text;                 // detokenized, special and language tokens removed
};

struct TranslationResult {
  std::vector<TranslationHypothesis> hypotheses;  // best first
};

struct ModelInfo {
  std::string compute_type;  // "float32" or "int8"
  std::string stored_type;   // dtype of the stored linear weights
  std::string kernel_isa;
  int64_t d_model = 0, ffn = 0, vocab_size = 0;
  int encoder_layers = 0, decoder_layers = 0, heads = 0;
  std::size_t weight_bytes = 0;
  int num_threads = 0;
  int64_t max_source_positions = 0;  // position encodings: the longest input and output
  int64_t max_target_positions = 0;
};

// Text with nothing to translate (empty, or only whitespace) is answered as it is, without the
// engine: given no words, the model invents a sentence. The result has `num_hypotheses` copies
// of the text, each with the target language token alone and score 0.
bool nothing_to_translate(std::string_view text);
TranslationResult unchanged_translation(const std::string& text, const std::string& target_language,
                                        const TranslationOptions& options);

// max_decoding_length counts the forced prefix (for NLLB the target language token and
// target_prefix's pieces). Throws InvalidArgument naming target_prefix when it is longer.
void check_target_prefix_length(std::size_t forced_tokens, const DecodingOptions& options);

class DecodeSession;

class Translator {
 public:
  // Throws IoError, ModelFormatError, Unsupported or InvalidArgument with a clear message.
  explicit Translator(const std::filesystem::path& model_dir, const TranslatorConfig& config = {});
  ~Translator();
  Translator(const Translator&) = delete;
  Translator& operator=(const Translator&) = delete;

  // Asked after the encoder and before every decoder step; true stops the call with
  // Abandoned. Lets a server stop a batch whose clients have all gone.
  using Abandon = std::function<bool()>;

  // Source tokens as CTranslate2 takes them ([src_lang, pieces..., "</s>"]); one target
  // prefix per source (for NLLB: {tgt_lang}). Unknown tokens map to <unk>.
  std::vector<TranslationResult> translate_tokens(
      const std::vector<std::vector<std::string>>& sources,
      const std::vector<std::vector<std::string>>& target_prefixes,
      const TranslationOptions& options, const Abandon& abandon = {});

  // Texts in one language pair (those with nothing to translate come back as they are).
  // Throws InvalidArgument for an unknown language.
  std::vector<TranslationResult> translate_text(const std::vector<std::string>& texts,
                                                const std::string& source_language,
                                                const std::string& target_language,
                                                const TranslationOptions& options);

  // A session that decodes requests joining and leaving between steps (continuous batching),
  // with room for max_rows decoder rows (a request takes beam_size of them). Each request's
  // result is what translate_tokens gives it alone. Requests may bring their own options
  // within max_steps (0: options.decoding.max_decoding_length) and the same beam_size. Throws
  // InvalidArgument for bad options.
  std::unique_ptr<DecodeSession> open_session(const TranslationOptions& options, int64_t max_rows,
                                              int max_steps = 0);
  // The same in lent memory (from decoder_memory), which the session gives back with
  // DecodeSession::take_memory.
  std::unique_ptr<DecodeSession> open_session(const TranslationOptions& options,
                                              DecoderMemory memory);
  // Bounded, resident decoder memory of this shape (steps within the model's positions), for
  // a caller that runs session after session; and the bytes it would hold.
  DecoderMemory decoder_memory(const DecoderMemoryShape& shape) const;
  std::size_t decoder_memory_bytes(const DecoderMemoryShape& shape) const;

  // Teacher-forced log-probabilities of `targets` given `sources`, as CTranslate2's
  // score_batch: each target (for NLLB [tgt_lang, pieces...]) gets </s> appended, is truncated
  // to max_input_length keeping </s>, and is decoded after the model's start token; every
  // target token and the </s> is scored. Unknown source tokens map to <unk>; an empty target,
  // or a target token the vocabulary lacks, throws InvalidArgument naming it.
  std::vector<ScoringResult> score_tokens(const std::vector<std::vector<std::string>>& sources,
                                          const std::vector<std::vector<std::string>>& targets,
                                          const ScoringOptions& options,
                                          const Abandon& abandon = {});
  // Pairs of texts in one language pair: the source tokenized as for translation, the target
  // as [target_language, pieces...]. Throws InvalidArgument for an unknown language or an
  // empty target text.
  std::vector<ScoringResult> score_text(const std::vector<std::string>& sources,
                                        const std::vector<std::string>& targets,
                                        const std::string& source_language,
                                        const std::string& target_language,
                                        const ScoringOptions& options);

  // Throws InvalidArgument for options valid in general but past this model's bounds
  // (max_decoding_length over its position encodings), naming the model's limit.
  void check_options(const TranslationOptions& options) const;

  const NllbTokenizer& tokenizer() const { return *tokenizer_; }
  const Vocabulary& vocabulary() const { return *vocab_; }
  const ModelInfo& info() const { return info_; }
  const NllbWeights& weights() const { return weights_; }
  // Bumped by every unit of work of every call: a watchdog's proof that a call is moving.
  const ProgressCounter& progress() const { return progress_; }

 private:
  friend class DecodeSession;
  // One source made ready for the decoder, or its result when it needs none.
  struct Prepared {
    std::vector<int32_t> source_ids;
    DecodeInput input;
    std::optional<TranslationResult> result;  // set: nothing to decode
  };
  Prepared prepare(const std::vector<std::string>& source,
                   const std::vector<std::string>& target_prefix,
                   const TranslationOptions& options) const;
  TranslationResult to_result(const std::vector<DecodeResult>& decoded) const;
  DecodeVocab decode_vocab() const;
  std::vector<int32_t> source_ids(const std::vector<std::string>& tokens, int max_length) const;
  // CTranslate2's truncation to max_length (> 0) ids: the ending </s> stays last.
  void truncate_keeping_end(std::vector<int32_t>& ids, int max_length) const;
  // [start, target..., </s>] as ids, truncated; throws InvalidArgument for bad tokens.
  std::vector<int32_t> scored_sequence(const std::vector<std::string>& target, std::size_t item,
                                       int max_length) const;

  std::mutex mutex_;
  ThreadPool pool_;
  ModelConfig config_;
  std::unique_ptr<Vocabulary> vocab_;
  std::unique_ptr<NllbTokenizer> tokenizer_;
  NllbWeights weights_;
  ModelInfo info_;
  ProgressCounter progress_;
  // The config's special tokens as ids, resolved once at load.
  int32_t bos_id_ = 0;
  int32_t eos_id_ = 0;
  std::optional<int32_t> start_id_;  // absent: the target prefix starts with it
};

}  // namespace nmtd
