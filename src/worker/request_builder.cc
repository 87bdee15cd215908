#include "worker/request_builder.h"

#include "common/error.h"
#include "common/utf8.h"
#include "worker/translation_cache.h"

namespace nmtd::worker {
namespace {

grpc::Status invalid(std::string message) {
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, std::move(message));
}

std::string bytes_text(std::size_t n) { return std::to_string(n) + " bytes"; }

// CTranslate2's target_prefix: none, or one per text, each within max_decoding_length.
grpc::Status check_target_prefixes(const nmt::v1::TranslateRequest& request,
                                   const TranslationOptions& options) {
  const int prefixes = request.target_prefixes_size();
  if (prefixes == 0) return grpc::Status::OK;
  if (prefixes != request.texts_size()) {
    return invalid("target_prefixes has " + std::to_string(prefixes) + " entries for " +
                   std::to_string(request.texts_size()) +
                   " texts: send none, or one per text (an empty one for no prefix)");
  }
  for (int i = 0; i < prefixes; ++i) {
    const auto& tokens = request.target_prefixes(i).tokens();
    for (const std::string& token : tokens) {
      if (const auto bad = first_invalid_utf8(token)) {
        return invalid("target_prefixes[" + std::to_string(i) + "] holds a piece that is not " +
                       "valid UTF-8 (first bad byte at offset " + std::to_string(*bad) + ")");
      }
    }
    try {
      check_target_prefix_length(1 + static_cast<std::size_t>(tokens.size()), options.decoding);
    } catch (const InvalidArgument& e) {
      return invalid("target_prefixes[" + std::to_string(i) + "]: " + e.what());
    }
  }
  return grpc::Status::OK;
}

}  // namespace

TranslationOptions options_from_proto(const nmt::v1::DecodingOptions& p,
                                      const TranslationOptions& defaults) {
  TranslationOptions o = defaults;
  auto& d = o.decoding;
  if (p.has_beam_size()) d.beam_size = p.beam_size();
  if (p.has_length_penalty()) d.length_penalty = p.length_penalty();
  if (p.has_max_decoding_length()) d.max_decoding_length = p.max_decoding_length();
  if (p.has_num_hypotheses()) d.num_hypotheses = p.num_hypotheses();
  d.return_scores = p.return_scores();
  if (p.has_repetition_penalty()) d.repetition_penalty = p.repetition_penalty();
  if (p.has_no_repeat_ngram_size()) d.no_repeat_ngram_size = p.no_repeat_ngram_size();
  if (p.has_patience()) d.patience = p.patience();
  if (p.has_min_decoding_length()) d.min_decoding_length = p.min_decoding_length();
  d.disable_unk = p.disable_unk() || defaults.decoding.disable_unk;
  if (p.has_max_input_length()) o.max_input_length = p.max_input_length();
  // Sampling and alternatives.
  if (p.has_sampling_topk()) d.sampling_topk = p.sampling_topk();
  if (p.has_sampling_topp()) d.sampling_topp = p.sampling_topp();
  if (p.has_sampling_temperature()) d.sampling_temperature = p.sampling_temperature();
  if (p.has_sampling_seed()) d.sampling_seed = p.sampling_seed();
  if (p.has_return_alternatives()) d.return_alternatives = p.return_alternatives();
  if (p.has_min_alternative_expansion_prob())
    d.min_alternative_expansion_prob = p.min_alternative_expansion_prob();
  o.validate();
  return o;
}

grpc::Status check_request(const nmt::v1::TranslateRequest& request, const WorkerConfig& config,
                           const nmtd::Translator& translator, CheckedRequest& out) {
  const NllbTokenizer& tokenizer = translator.tokenizer();
  const Limits& limits = config.limits;
  const int count = request.texts_size();
  if (count == 0) return invalid("the request has no texts: send at least one in `texts`");
  if (count > limits.max_texts_per_request) {
    return invalid("the request has " + std::to_string(count) + " texts; the limit is " +
                   std::to_string(limits.max_texts_per_request) +
                   " per request: split it into several requests");
  }
  std::size_t total = 0;
  for (int i = 0; i < count; ++i) {
    const std::string& text = request.texts(i);
    if (text.size() > limits.max_text_bytes) {
      return invalid("text " + std::to_string(i) + " is " + bytes_text(text.size()) +
                     "; the limit is " + bytes_text(limits.max_text_bytes) +
                     " per text: split it into sentences");
    }
    total += text.size();
    if (const auto bad = first_invalid_utf8(text)) {
      return invalid("text " + std::to_string(i) + " is not valid UTF-8 (first bad byte at " +
                     "offset " + std::to_string(*bad) + ")");
    }
  }
  if (total > limits.max_request_bytes) {
    return invalid("the request's texts hold " + bytes_text(total) + "; the limit is " +
                   bytes_text(limits.max_request_bytes) + " per request");
  }
  for (const auto& [role, code] : {std::pair{"source", &request.source_language()},
                                   std::pair{"target", &request.target_language()}}) {
    if (code->empty()) {
      return invalid(std::string(role) + "_language is required (an NLLB code such as " +
                     "eng_Latn; ListLanguages lists them)");
    }
    try {
      tokenizer.check_language(*code, role);
    } catch (const InvalidArgument& e) {
      return invalid(std::string(e.what()) + " (ListLanguages lists the codes this model knows)");
    }
  }
  try {
    auto options = std::make_shared<TranslationOptions>(
        options_from_proto(request.options(), config.default_options));
    translator.check_options(*options);
    out.batch_key = TranslationCache::key("", "", "", *options);
    out.options = std::move(options);
  } catch (const InvalidArgument& e) {
    return invalid(std::string("options: ") + e.what());
  }
  return check_target_prefixes(request, *out.options);
}

grpc::Status source_tokens(const NllbTokenizer& tokenizer, const std::string& text,
                           std::size_t index, const std::string& source_language,
                           const TranslationOptions& options, const Limits& limits,
                           std::vector<std::string>& out) {
  try {
    out = tokenizer.source_tokens(text, source_language);
  } catch (const InvalidArgument& e) {
    return invalid("text " + std::to_string(index) + ": " + e.what());
  }
  std::size_t kept = out.size();
  if (options.max_input_length > 0)
    kept = std::min(kept, static_cast<std::size_t>(options.max_input_length));
  if (kept > static_cast<std::size_t>(limits.max_text_tokens)) {
    return invalid("text " + std::to_string(index) + " is " + std::to_string(out.size()) +
                   " tokens long; the limit is " + std::to_string(limits.max_text_tokens) +
                   " (with its language and end tokens): split it into sentences, or set " +
                   "options.max_input_length to truncate it");
  }
  return grpc::Status::OK;
}

}  // namespace nmtd::worker
