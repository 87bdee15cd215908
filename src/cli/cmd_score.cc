// nmtd score: teacher-forced log-probabilities of given targets (CTranslate2's score_batch),
// one JSON request per line in, one JSON result per line out, in input order.
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "engine/translator.h"

namespace nmtd::cli {

namespace {

using nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

std::vector<std::string> string_list(const json& r, const char* name) {
  const json& v = r[name];
  const std::string what = std::string("'") + name + "' must be a list of strings";
  if (!v.is_array()) throw InvalidArgument(what);
  std::vector<std::string> out;
  for (const auto& t : v) {
    if (!t.is_string()) throw InvalidArgument(what);
    out.push_back(t.get<std::string>());
  }
  return out;
}

std::string required_string(const json& r, const char* name) {
  if (!r.contains(name)) throw InvalidArgument(std::string("missing '") + name + "'");
  if (!r[name].is_string()) throw InvalidArgument(std::string("'") + name + "' must be a string");
  return r[name].get<std::string>();
}

int non_negative_int(const json& r, const char* name, int fallback) {
  if (!r.contains(name)) return fallback;
  const json& v = r[name];
  if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 1 << 30)
    throw InvalidArgument(std::string("'") + name + "' must be a non-negative integer");
  return static_cast<int>(v.get<int64_t>());
}

// One line's pair as tokens, and its options; throws InvalidArgument naming the field.
struct ScoreRequest {
  std::vector<std::string> source, target;
  ScoringOptions options;
};

ScoreRequest parse_request(const Translator& translator, const std::string& line,
                           const ScoringOptions& base) {
  const json r = json::parse(line);
  if (!r.is_object()) throw InvalidArgument("each line must be a JSON object");
  ScoreRequest out;
  out.options.offset = non_negative_int(r, "offset", base.offset);
  out.options.max_input_length = non_negative_int(r, "max_input_length", base.max_input_length);
  const auto& tokenizer = translator.tokenizer();
  if (r.contains("tokens") || r.contains("target_tokens")) {
    if (!r.contains("tokens") || !r.contains("target_tokens"))
      throw InvalidArgument("a token request needs both 'tokens' and 'target_tokens'");
    out.source = string_list(r, "tokens");
    out.target = string_list(r, "target_tokens");
    if (out.target.empty())
      throw InvalidArgument("'target_tokens' is empty: give at least the target language token");
    for (std::size_t k = 0; k < out.target.size(); ++k) {
      if (translator.vocabulary().find(out.target[k]) < 0)
        throw InvalidArgument("'target_tokens' item " + std::to_string(k) + " ('" + out.target[k] +
                              "') is not a piece of this model's vocabulary");
    }
  } else if (r.contains("text")) {
    const std::string source = required_string(r, "source");
    const std::string target = required_string(r, "target");
    tokenizer.check_language(source, "source");
    tokenizer.check_language(target, "target");
    const std::string target_text = required_string(r, "target_text");
    if (target_text.find_first_not_of(" \t\r\n") == std::string::npos)
      throw InvalidArgument("'target_text' is empty: there is nothing to score");
    out.source = tokenizer.source_tokens(required_string(r, "text"), source);
    out.target = {target};
    const auto& vocab = translator.vocabulary();
    for (auto& piece : tokenizer.pieces(target_text))
      out.target.push_back(vocab.find(piece) < 0 ? vocab.to_token(vocab.unk_id()) : piece);
  } else {
    throw InvalidArgument(
        "each line needs 'tokens' and 'target_tokens', or 'text', 'source', 'target_text' and "
        "'target'");
  }
  out.options.validate();
  return out;
}

std::string result_json(const ScoringResult& r) {
  return dump(json{{"tokens", r.tokens}, {"log_probs", r.log_probs}});
}

std::string error_json(const std::exception& e) {
  if (dynamic_cast<const json::exception*>(&e))
    return dump(json{{"error", std::string("invalid JSON request: ") + e.what()}});
  if (dynamic_cast<const Error*>(&e)) return dump(json{{"error", e.what()}});
  return dump(json{{"error", std::string("internal error: ") + e.what()}});
}

// Scores the requests of `lines` together where their options agree; a line that cannot be
// parsed or scored gets its own error and the others go on.
void score_lines(Translator& translator, const std::vector<std::string>& lines,
                 const ScoringOptions& base) {
  std::vector<std::string> out(lines.size());
  std::vector<ScoreRequest> requests;
  std::vector<std::size_t> at;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    try {
      requests.push_back(parse_request(translator, lines[i], base));
      at.push_back(i);
    } catch (const std::exception& e) {
      out[i] = error_json(e);
    }
  }
  // Requests batch under equal options; the first request's options open a batch.
  std::vector<char> done(requests.size(), 0);
  for (std::size_t first = 0; first < requests.size(); ++first) {
    if (done[first]) continue;
    const ScoringOptions& o = requests[first].options;
    std::vector<std::size_t> members;
    std::vector<std::vector<std::string>> sources, targets;
    for (std::size_t j = first; j < requests.size(); ++j) {
      if (done[j] || requests[j].options.offset != o.offset ||
          requests[j].options.max_input_length != o.max_input_length)
        continue;
      done[j] = 1;
      members.push_back(j);
      sources.push_back(requests[j].source);
      targets.push_back(requests[j].target);
    }
    try {
      const auto results = translator.score_tokens(sources, targets, o);
      for (std::size_t m = 0; m < members.size(); ++m)
        out[at[members[m]]] = result_json(results[m]);
    } catch (const std::exception& e) {
      for (const auto m : members) out[at[m]] = error_json(e);
    }
  }
  for (const auto& line : out) std::printf("%s\n", line.c_str());
  std::fflush(stdout);
}

}  // namespace

int cmd_score(const Args& args) {
  Flags f("score",
          "--model DIR --jsonl [OPTIONS]\n\n"
          "Teacher-forced log-probabilities of given translations, as CTranslate2's score_batch\n"
          "gives them. Reads one JSON request per line from standard input:\n"
          "  {\"tokens\": [\"eng_Latn\", \"\xe2\x96\x81Hello\", \"</s>\"], \"target_tokens\": "
          "[\"fra_Latn\", \"\xe2\x96\x81"
          "Bonjour\"]}\n"
          "  {\"text\": \"Hello\", \"source\": \"eng_Latn\", \"target_text\": \"Bonjour\", "
          "\"target\": \"fra_Latn\"}\n"
          "and writes {\"tokens\": [...], \"log_probs\": [...]} (the target tokens and </s>, one\n"
          "log-probability each) or {\"error\": \"...\"} per line, in input order. Lines may\n"
          "carry \"offset\" and \"max_input_length\" to override the flags.");
  f.value("model", "CTranslate2 model directory")
      .value("compute-type", "default|auto|float32|int8 (default keeps the stored type)", "default")
      .value("threads", "compute threads (0: min(4, cores))", "0")
      .value("max-input-length",
             "source tokens, and target tokens with </s>, kept (the ending kept); 0 = all", "1024")
      .value("offset", "leading scored tokens left out of each result", "0")
      .value("batch-size", "lines scored together", "32")
      .toggle("jsonl", "machine-readable mode (see above); the only mode");
  if (!f.parse(args)) return 0;
  if (!f.on("jsonl")) throw InvalidArgument("nmtd score reads JSON lines: give --jsonl");
  if (!f.positional().empty())
    throw InvalidArgument("unexpected argument '" + f.positional()[0] + "'");
  ScoringOptions base;
  base.max_input_length = f.get_int("max-input-length");
  base.offset = f.get_int("offset");
  base.validate();
  const int batch_size = f.get_int("batch-size");
  if (batch_size < 1) throw InvalidArgument("--batch-size must be at least 1");
  TranslatorConfig config;
  config.compute_type = parse_compute_type(f.get("compute-type"));
  config.num_threads = f.get_int("threads");
  Translator translator(f.get("model"), config);

  std::vector<std::string> lines;
  std::string line;
  while (std::getline(std::cin, line)) {
    lines.push_back(line);
    if (static_cast<int>(lines.size()) == batch_size) {
      score_lines(translator, lines, base);
      lines.clear();
    }
  }
  if (!lines.empty()) score_lines(translator, lines, base);
  return 0;
}

}  // namespace nmtd::cli
