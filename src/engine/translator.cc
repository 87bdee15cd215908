#include "engine/translator.h"

#include <algorithm>
#include <thread>

#include "common/error.h"
#include "common/printable.h"
#include "common/utf8.h"
#include "engine/decode_session.h"
#include "engine/model/model_file.h"
#include "engine/nn/decoder.h"
#include "engine/nn/encoder.h"

namespace nmtd {

namespace {

constexpr int kMaxThreads = 256;

int default_threads(int requested) {
  if (requested > kMaxThreads)
    throw InvalidArgument("the number of threads must be at most " + std::to_string(kMaxThreads) +
                          ", got " + std::to_string(requested));
  if (requested > 0) return requested;
  if (requested < 0) throw InvalidArgument("the number of threads must be >= 0");
  const unsigned hw = std::thread::hardware_concurrency();
  return static_cast<int>(std::clamp(hw, 1u, 4u));
}

// The decoder, asking the caller before each step whether anyone still wants the result.
class AbandonableSteps final : public StepModel {
 public:
  AbandonableSteps(StepModel& inner, const Translator::Abandon& abandon)
      : inner_(inner), abandon_(abandon) {}
  int64_t vocab_size() const override { return inner_.vocab_size(); }
  void step(std::span<const int32_t> ids, int step, float* logits) override {
    if (abandon_())
      throw Abandoned("the call was abandoned at decoder step " + std::to_string(step));
    inner_.step(ids, step, logits);
  }
  void select_rows(std::span<const int32_t> origin) override { inner_.select_rows(origin); }

 private:
  StepModel& inner_;
  const Translator::Abandon& abandon_;
};

}  // namespace

void TranslationOptions::validate() const {
  decoding.validate();
  if (max_input_length < 0)
    throw InvalidArgument("max_input_length must be >= 0 (0 disables truncation), got " +
                          std::to_string(max_input_length));
}

Translator::Translator(const std::filesystem::path& model_dir, const TranslatorConfig& config)
    : pool_(default_threads(config.num_threads)) {
  if (!std::filesystem::is_directory(model_dir))
    throw IoError("model directory " + model_dir.string() + " does not exist");
  const ModelFile file = ModelFile::open(model_dir / "model.bin");
  config_ = ModelConfig::load(model_dir, file);
  vocab_ = std::make_unique<Vocabulary>(Vocabulary::load(model_dir, config_.unk_token));
  tokenizer_ = std::make_unique<NllbTokenizer>(model_dir, *vocab_);
  const DType stored = stored_weight_dtype(file);
  const CpuCompute compute = resolve_cpu_compute(config.compute_type, stored);
  weights_ = NllbWeights::load(file, compute, config_.layer_norm_epsilon, pool_);
  if (static_cast<int64_t>(vocab_->size()) != weights_.vocab_size)
    throw ModelFormatError("the vocabulary has " + vocab_->size_text() +
                           " but model.bin's embeddings have " +
                           std::to_string(weights_.vocab_size) + " rows");
  for (const std::string* t : {&config_.eos_token, &config_.unk_token})
    if (vocab_->find(*t) < 0)
      throw ModelFormatError("config.json names '" + printable(*t) +
                             "', which is not in the vocabulary");
  bos_id_ = vocab_->to_id(config_.bos_token);
  eos_id_ = vocab_->to_id(config_.eos_token);
  if (config_.decoder_start_token) start_id_ = vocab_->to_id(*config_.decoder_start_token);
  info_.compute_type = std::string(compute_type_name(compute));
  info_.stored_type = std::string(dtype_name(stored));
  info_.kernel_isa = ops::kernel_isa();
  info_.d_model = weights_.d_model;
  info_.ffn = weights_.ffn_dim;
  info_.vocab_size = weights_.vocab_size;
  info_.encoder_layers = static_cast<int>(weights_.encoder_layers.size());
  info_.decoder_layers = static_cast<int>(weights_.decoder_layers.size());
  info_.heads = weights_.encoder.num_heads;
  info_.weight_bytes = weights_.bytes();
  info_.num_threads = pool_.num_threads();
  info_.max_source_positions = weights_.encoder.max_positions;
  info_.max_target_positions = weights_.decoder.max_positions;
}

void Translator::check_options(const TranslationOptions& options) const {
  // Decoding step t reads position t; the last of max_decoding_length steps reads
  // max_decoding_length - 1.
  if (options.decoding.max_decoding_length > info_.max_target_positions)
    throw InvalidArgument("max_decoding_length must be at most " +
                          std::to_string(info_.max_target_positions) +
                          " (this model's position encodings end there), got " +
                          std::to_string(options.decoding.max_decoding_length));
  if (options.decoding.samples() && options.decoding.sampling_topk > info_.vocab_size)
    throw InvalidArgument("sampling_topk must be at most the vocabulary size (" +
                          std::to_string(info_.vocab_size) + "), got " +
                          std::to_string(options.decoding.sampling_topk));
}

Translator::~Translator() = default;

std::vector<int32_t> Translator::source_ids(const std::vector<std::string>& tokens,
                                            int max_length) const {
  std::vector<int32_t> ids;
  ids.reserve(tokens.size() + 2);
  if (config_.add_source_bos) ids.push_back(bos_id_);
  for (const auto& t : tokens) ids.push_back(vocab_->to_id(t));
  if (config_.add_source_eos) ids.push_back(eos_id_);
  truncate_keeping_end(ids, max_length);
  return ids;
}

Translator::Prepared Translator::prepare(const std::vector<std::string>& source,
                                         const std::vector<std::string>& target_prefix,
                                         const TranslationOptions& options) const {
  Prepared out;
  out.source_ids = source_ids(source, options.max_input_length);
  const std::vector<int32_t>& ids = out.source_ids;
  DecodeInput& input = out.input;
  std::vector<int32_t> prefix;
  for (const auto& t : target_prefix) prefix.push_back(vocab_->to_id(t));
  if (start_id_) {
    input.start_id = *start_id_;
    input.prefix = prefix;
  } else {
    if (prefix.empty())
      throw InvalidArgument(
          "this model has no decoder start token: the target prefix must "
          "begin with it");
    input.start_id = prefix.front();
    input.prefix.assign(prefix.begin() + 1, prefix.end());
  }
  // max_decoding_length counts the forced prefix (for NLLB the target language token and
  // target_prefix's pieces): a longer one could not be decoded.
  check_target_prefix_length(input.prefix.size(), options.decoding);
  // CTranslate2 skips the decoder when the source is empty once bos/eos are discounted:
  // the result is the target prefix with score 0.
  std::size_t effective = ids.size();
  std::size_t first = 0;
  if (effective > 0 && ids.front() == bos_id_) ++first;
  if (effective > first && ids.back() == eos_id_)
    --effective;
  else if (effective >= first + 2 && ids[effective - 2] == eos_id_)
    effective -= 2;
  if (effective <= first) {
    TranslationHypothesis h;
    const std::size_t keep = std::min(
        input.prefix.size(), static_cast<std::size_t>(options.decoding.max_decoding_length));
    for (std::size_t k = 0; k < keep; ++k) h.tokens.push_back(vocab_->to_token(input.prefix[k]));
    h.text = tokenizer_->detokenize(h.tokens);
    out.result.emplace();
    out.result->hypotheses.push_back(std::move(h));
  }
  return out;
}

TranslationResult Translator::to_result(const std::vector<DecodeResult>& decoded) const {
  TranslationResult result;
  for (const auto& d : decoded) {
    TranslationHypothesis h;
    for (int32_t id : d.ids) h.tokens.push_back(vocab_->to_token(id));
    h.score = d.score;
    h.text = tokenizer_->detokenize(h.tokens);
    result.hypotheses.push_back(std::move(h));
  }
  return result;
}

DecodeVocab Translator::decode_vocab() const {
  DecodeVocab dv;
  dv.end_id = eos_id_;
  dv.unk_id = vocab_->unk_id();
  return dv;
}

void Translator::truncate_keeping_end(std::vector<int32_t>& ids, int max_length) const {
  // As CTranslate2's Vocabulary::to_ids does.
  const auto max = static_cast<std::size_t>(max_length);
  if (max_length <= 0 || ids.size() <= max) return;
  const bool eos_last = ids.back() == eos_id_;
  const bool eos_second_last = ids.size() >= 2 && ids[ids.size() - 2] == eos_id_;
  const int32_t last = ids.back();
  ids.resize(max);
  if (eos_last) {
    ids[max - 1] = eos_id_;
  } else if (eos_second_last && max >= 2) {
    ids[max - 2] = eos_id_;
    ids[max - 1] = last;
  }
}

std::vector<TranslationResult> Translator::translate_tokens(
    const std::vector<std::vector<std::string>>& sources,
    const std::vector<std::vector<std::string>>& target_prefixes, const TranslationOptions& options,
    const Abandon& abandon) {
  options.validate();
  check_options(options);
  if (sources.size() != target_prefixes.size())
    throw InvalidArgument("got " + std::to_string(sources.size()) + " sources but " +
                          std::to_string(target_prefixes.size()) + " target prefixes");
  std::vector<TranslationResult> results(sources.size());
  std::vector<std::size_t> to_decode;
  std::vector<int32_t> all_ids, lengths;
  std::vector<DecodeInput> inputs;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    Prepared prepared = prepare(sources[i], target_prefixes[i], options);
    if (prepared.result) {
      results[i] = std::move(*prepared.result);
      continue;
    }
    to_decode.push_back(i);
    lengths.push_back(static_cast<int32_t>(prepared.source_ids.size()));
    all_ids.insert(all_ids.end(), prepared.source_ids.begin(), prepared.source_ids.end());
    inputs.push_back(std::move(prepared.input));
  }
  if (to_decode.empty()) return results;

  std::lock_guard lock(mutex_);
  std::vector<float> memory;
  Encoder encoder(weights_, pool_, &progress_);
  encoder.forward(all_ids, lengths, memory);
  if (abandon && abandon()) throw Abandoned("the call was abandoned after the encoder");
  // Greedy search runs one row per input, beam search beam_size of them (rows_per_input).
  const auto max_rows = static_cast<int64_t>(lengths.size()) * rows_per_input(options.decoding);
  DecoderState decoder(weights_, pool_, memory, lengths, max_rows,
                       options.decoding.max_decoding_length, &progress_);
  AbandonableSteps abandonable(decoder, abandon);
  StepModel& steps = abandon ? static_cast<StepModel&>(abandonable) : decoder;
  const auto decoded = decode(steps, inputs, decode_vocab(), options.decoding);
  for (std::size_t j = 0; j < to_decode.size(); ++j) results[to_decode[j]] = to_result(decoded[j]);
  return results;
}

std::vector<TranslationResult> Translator::translate_text(const std::vector<std::string>& texts,
                                                          const std::string& source_language,
                                                          const std::string& target_language,
                                                          const TranslationOptions& options) {
  tokenizer_->check_language(source_language, "source");
  tokenizer_->check_language(target_language, "target");
  std::vector<std::vector<std::string>> sources, prefixes;
  std::vector<std::size_t> translated;  // index in `texts` of each source
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (nothing_to_translate(texts[i])) continue;
    sources.push_back(tokenizer_->source_tokens(texts[i], source_language));
    prefixes.push_back({target_language});
    translated.push_back(i);
  }
  auto engine_results = translate_tokens(sources, prefixes, options);
  std::vector<TranslationResult> results(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (nothing_to_translate(texts[i]))
      results[i] = unchanged_translation(texts[i], target_language, options);
  }
  for (std::size_t j = 0; j < translated.size(); ++j)
    results[translated[j]] = std::move(engine_results[j]);
  return results;
}

std::unique_ptr<DecodeSession> Translator::open_session(const TranslationOptions& options,
                                                        int64_t max_rows, int max_steps) {
  return std::make_unique<DecodeSession>(*this, options, max_rows, max_steps);
}

std::unique_ptr<DecodeSession> Translator::open_session(const TranslationOptions& options,
                                                        DecoderMemory memory) {
  return std::make_unique<DecodeSession>(*this, options, std::move(memory));
}

DecoderMemory Translator::decoder_memory(const DecoderMemoryShape& shape) const {
  if (shape.steps < 1 || shape.steps > info().max_target_positions)
    throw InvalidArgument("decoder memory of " + std::to_string(shape.steps) +
                          " steps: the model has " + std::to_string(info().max_target_positions) +
                          " target positions");
  return DecoderMemory(weights_, shape);
}

std::size_t Translator::decoder_memory_bytes(const DecoderMemoryShape& shape) const {
  return DecoderMemory::bytes_for(weights_, shape);
}

void check_target_prefix_length(std::size_t forced_tokens, const DecodingOptions& options) {
  if (forced_tokens > static_cast<std::size_t>(options.max_decoding_length))
    throw InvalidArgument("target_prefix is too long: with the target language token it forces " +
                          std::to_string(forced_tokens) +
                          " tokens, more than max_decoding_length (" +
                          std::to_string(options.max_decoding_length) + ")");
}

bool nothing_to_translate(std::string_view text) { return only_whitespace(text); }

TranslationResult unchanged_translation(const std::string& text, const std::string& target_language,
                                        const TranslationOptions& options) {
  TranslationHypothesis h;
  h.tokens = {target_language};
  h.text = text;
  TranslationResult result;
  result.hypotheses.assign(static_cast<std::size_t>(std::max(1, options.decoding.num_hypotheses)),
                           h);
  return result;
}

}  // namespace nmtd
