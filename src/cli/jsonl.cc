#include "cli/jsonl.h"

#include <cmath>
#include <istream>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>

#include "common/error.h"

namespace nmtd::cli {

namespace {

using nlohmann::json;

int as_int(const json& v, const char* name) {
  if (!v.is_number_integer() &&
      !(v.is_number_float() && v.get<double>() == std::floor(v.get<double>())))
    throw InvalidArgument(std::string("option '") + name + "' must be an integer");
  const double x = v.get<double>();
  if (x < -2147483648.0 || x > 2147483647.0)
    throw InvalidArgument(std::string("option '") + name + "' is out of range");
  return static_cast<int>(x);
}

float as_float(const json& v, const char* name) {
  if (!v.is_number()) throw InvalidArgument(std::string("option '") + name + "' must be a number");
  const double x = v.get<double>();
  if (!(std::fabs(x) <= std::numeric_limits<float>::max()))
    throw InvalidArgument(std::string("option '") + name + "' is out of range");
  return static_cast<float>(x);
}

bool as_bool(const json& v, const char* name) {
  if (!v.is_boolean())
    throw InvalidArgument(std::string("option '") + name + "' must be true or false");
  return v.get<bool>();
}

uint64_t as_seed(const json& v, const char* name) {
  if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<int64_t>() >= 0))
    throw InvalidArgument(std::string("option '") + name + "' must be an integer >= 0");
  return v.get<uint64_t>();
}

// CTranslate2's sampling and alternatives options (and nmtd's sampling_seed).
void apply_sampling_and_alternatives(const json& r, DecodingOptions& d) {
  if (r.contains("sampling_topk")) d.sampling_topk = as_int(r["sampling_topk"], "sampling_topk");
  if (r.contains("sampling_topp")) d.sampling_topp = as_float(r["sampling_topp"], "sampling_topp");
  if (r.contains("sampling_temperature"))
    d.sampling_temperature = as_float(r["sampling_temperature"], "sampling_temperature");
  if (r.contains("sampling_seed")) d.sampling_seed = as_seed(r["sampling_seed"], "sampling_seed");
  if (r.contains("return_alternatives"))
    d.return_alternatives = as_bool(r["return_alternatives"], "return_alternatives");
  if (r.contains("min_alternative_expansion_prob"))
    d.min_alternative_expansion_prob =
        as_float(r["min_alternative_expansion_prob"], "min_alternative_expansion_prob");
}

void apply_options(const json& r, TranslationOptions& o) {
  auto& d = o.decoding;
  if (r.contains("beam_size")) d.beam_size = as_int(r["beam_size"], "beam_size");
  if (r.contains("patience")) d.patience = as_float(r["patience"], "patience");
  if (r.contains("length_penalty"))
    d.length_penalty = as_float(r["length_penalty"], "length_penalty");
  if (r.contains("max_input_length"))
    o.max_input_length = as_int(r["max_input_length"], "max_input_length");
  if (r.contains("max_decoding_length"))
    d.max_decoding_length = as_int(r["max_decoding_length"], "max_decoding_length");
  if (r.contains("min_decoding_length"))
    d.min_decoding_length = as_int(r["min_decoding_length"], "min_decoding_length");
  if (r.contains("repetition_penalty"))
    d.repetition_penalty = as_float(r["repetition_penalty"], "repetition_penalty");
  if (r.contains("no_repeat_ngram_size"))
    d.no_repeat_ngram_size = as_int(r["no_repeat_ngram_size"], "no_repeat_ngram_size");
  if (r.contains("num_hypotheses"))
    d.num_hypotheses = as_int(r["num_hypotheses"], "num_hypotheses");
  if (r.contains("return_scores")) d.return_scores = as_bool(r["return_scores"], "return_scores");
  if (r.contains("disable_unk")) d.disable_unk = as_bool(r["disable_unk"], "disable_unk");
  // CTranslate2 options whose neutral value is all nmtd implements: accepted at that value.
  if (r.contains("coverage_penalty") && as_float(r["coverage_penalty"], "coverage_penalty") != 0.0f)
    throw InvalidArgument("option 'coverage_penalty' is not supported (only 0)");
  if (r.contains("return_end_token") && as_bool(r["return_end_token"], "return_end_token"))
    throw InvalidArgument("option 'return_end_token' is not supported (only false)");
  apply_sampling_and_alternatives(r, d);
}

std::vector<std::string> string_list(const json& v, const char* name) {
  if (!v.is_array()) throw InvalidArgument(std::string("'") + name + "' must be a list of strings");
  std::vector<std::string> out;
  for (const auto& t : v) {
    if (!t.is_string())
      throw InvalidArgument(std::string("'") + name + "' must be a list of strings");
    out.push_back(t.get<std::string>());
  }
  return out;
}

std::string required_string(const json& r, const char* name) {
  if (!r.contains(name)) throw InvalidArgument(std::string("missing '") + name + "'");
  if (!r[name].is_string()) throw InvalidArgument(std::string("'") + name + "' must be a string");
  return r[name].get<std::string>();
}

}  // namespace

TranslationOptions options_from_json(const std::string& request_json, TranslationOptions base) {
  apply_options(json::parse(request_json), base);
  return base;
}

LineJob parse_jsonl_line(const Translator& translator, const std::string& line,
                         const TranslationOptions& base) {
  LineJob job;
  job.options = base;
  try {
    json r = json::parse(line);
    if (!r.is_object()) throw InvalidArgument("each line must be a JSON object");
    apply_options(r, job.options);
    // Checked here, per line, so that a line the engine would refuse never joins a batch.
    job.options.validate();
    translator.check_options(job.options);
    EngineRequest request;
    request.options = job.options;
    request.target = required_string(r, "target");
    translator.tokenizer().check_language(request.target, "target");
    if (r.contains("tokens")) {
      request.source_tokens = string_list(r["tokens"], "tokens");
    } else if (r.contains("text")) {
      const std::string source = required_string(r, "source");
      translator.tokenizer().check_language(source, "source");
      request.source_tokens =
          translator.tokenizer().source_tokens(required_string(r, "text"), source);
    } else {
      throw InvalidArgument("each line needs 'text' (with 'source') or 'tokens'");
    }
    // CTranslate2's target_prefix without the target language token, which `target` gives.
    if (r.contains("target_prefix"))
      request.target_prefix = string_list(r["target_prefix"], "target_prefix");
    check_target_prefix_length(1 + request.target_prefix.size(), job.options.decoding);
    job.request = std::move(request);
  } catch (const json::exception& e) {
    job.error = std::string("invalid JSON request: ") + e.what();
  } catch (const Error& e) {
    job.error = e.what();
  } catch (const std::exception& e) {
    // Not a request error (e.g. out of memory): still answered in place, the stream goes on.
    job.error = std::string("internal error: ") + e.what();
  }
  return job;
}

std::string jsonl_answer(const LineJob& job) {
  if (job.error || !job.result)
    return json{{"error", job.error.value_or("no result")}}.dump(-1, ' ', false,
                                                                 json::error_handler_t::replace);
  json hyps = json::array();
  for (const auto& h : job.result->hypotheses) {
    json jh = {{"tokens", h.tokens}, {"text", h.text}};
    if (job.options.decoding.return_scores) jh["score"] = h.score;
    hyps.push_back(std::move(jh));
  }
  return json{{"hypotheses", std::move(hyps)}}.dump(-1, ' ', false, json::error_handler_t::replace);
}

void run_jsonl(const Translator& translator, LineSource& in, std::ostream& out,
               const TranslationOptions& base, const EngineCall& engine,
               const BatchingOptions& batching) {
  translate_lines(
      in, [&](const std::string& line) { return parse_jsonl_line(translator, line, base); }, engine,
      [&](const LineJob& job) { out << jsonl_answer(job) << '\n'
                                    << std::flush; }, batching);
}

}  // namespace nmtd::cli
