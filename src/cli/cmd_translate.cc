#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <iostream>
#include <string>

#include "cli/batched_translation.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/jsonl.h"
#include "cli/line_source.h"
#include "common/error.h"
#include "engine/translator.h"

namespace nmtd::cli {

namespace {

Flags translate_flags() {
  Flags f(
      "translate",
      "--model DIR --source LANG --target LANG [OPTIONS] [TEXT ...]\n\n"
      "Translates each TEXT, or each line of standard input when no TEXT is given, and\n"
      "prints one translation per line. With --jsonl, reads one JSON request per line:\n"
      "  {\"text\": \"...\", \"source\": \"eng_Latn\", \"target\": \"fra_Latn\", \"beam_size\": 4, "
      "...}\n"
      "  {\"tokens\": [\"eng_Latn\", \"\xe2\x96\x81Hello\", \"</s>\"], \"target\": \"fra_Latn\"}\n"
      "and writes {\"hypotheses\": [{\"tokens\": [...], \"score\": ..., \"text\": \"...\"}]}\n"
      "or {\"error\": \"...\"} per line, in input order. Requests may carry any of the\n"
      "decoding option names below (with underscores) to override the flags.\n\n"
      "Lines are read ahead (16 batches at most, and only as far as input is already there),\n"
      "sorted by length and translated in batches of lines that share options and language\n"
      "pair, as CTranslate2's translate_file does; the answers keep the input order.");
  f.value("server",
          "send the texts to a running server (HOST:PORT or unix:PATH) instead of loading a model")
      .value("model", "CTranslate2 model directory")
      .value("source", "source language, an NLLB code such as eng_Latn")
      .value("target", "target language, an NLLB code such as fra_Latn")
      .value("compute-type", "default|auto|float32|int8 (default keeps the stored type)", "default")
      .value("threads", "compute threads (0: min(4, cores))", "0")
      .value("beam-size", "beam width (1 = greedy)", "2")
      .value("patience", "beam search stops after beam_size*patience hypotheses", "1")
      .value("length-penalty", "score = logprob / length^penalty", "1")
      .value("max-input-length", "source tokens kept, 0 = all", "1024")
      .value("max-decoding-length", "target tokens at most, language token included", "256")
      .value("min-decoding-length", "target tokens at least, language token included", "1")
      .value("repetition-penalty", "penalty for tokens already generated (1 = off)", "1")
      .value("no-repeat-ngram-size", "forbid repeating n-grams of this size (0 = off)", "0")
      .value("num-hypotheses", "translations returned per input", "1")
      .value("max-batch-size", "lines (or source tokens) translated together, 1..65536", "32")
      .value("batch-type", "examples|tokens: what --max-batch-size counts", "examples")
      .value("sampling-topk", "draw each token from the K most probable (1: no sampling, 0: all)",
             "1")
      .value("sampling-topp", "draw from the most probable tokens holding this mass, (0, 1]", "1")
      .value("sampling-temperature", "divide the logits by this before drawing, > 0", "1")
      .value("sampling-seed", "seed of the draws: the same seed gives the same translations", "0")
      .value("min-alternative-expansion-prob",
             "with --return-alternatives, leave out first tokens less probable than this", "0")
      .value("target-prefix",
             "start every translation with this text (its pieces are forced after the target "
             "language token)")
      .toggle("return-alternatives",
              "return --num-hypotheses translations that differ at the first token after the "
              "prefix")
      .toggle("return-scores", "print each translation's score before it (tab-separated)")
      .toggle("disable-unk", "never generate <unk>")
      .toggle("jsonl", "machine-readable mode (see above)")
      .toggle("list-languages", "print the model's language codes and exit");
  return f;
}

uint64_t parse_seed(const std::string& text) {
  uint64_t seed = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), seed);
  if (ec != std::errc() || end != text.data() + text.size())
    throw InvalidArgument("--sampling-seed must be an integer >= 0, got '" + text + "'");
  return seed;
}

TranslationOptions options_from_flags(const Flags& f) {
  TranslationOptions o;
  auto& d = o.decoding;
  d.beam_size = f.get_int("beam-size");
  d.patience = static_cast<float>(f.get_double("patience"));
  d.length_penalty = static_cast<float>(f.get_double("length-penalty"));
  o.max_input_length = f.get_int("max-input-length");
  d.max_decoding_length = f.get_int("max-decoding-length");
  d.min_decoding_length = f.get_int("min-decoding-length");
  d.repetition_penalty = static_cast<float>(f.get_double("repetition-penalty"));
  d.no_repeat_ngram_size = f.get_int("no-repeat-ngram-size");
  d.num_hypotheses = f.get_int("num-hypotheses");
  d.return_scores = f.on("return-scores");
  d.disable_unk = f.on("disable-unk");
  d.sampling_topk = f.get_int("sampling-topk");
  d.sampling_topp = static_cast<float>(f.get_double("sampling-topp"));
  d.sampling_temperature = static_cast<float>(f.get_double("sampling-temperature"));
  d.sampling_seed = parse_seed(f.get("sampling-seed"));
  d.return_alternatives = f.on("return-alternatives");
  d.min_alternative_expansion_prob =
      static_cast<float>(f.get_double("min-alternative-expansion-prob"));
  return o;
}

BatchingOptions batching_from_flags(const Flags& f) {
  BatchingOptions b;
  b.max_batch_size = f.get_int("max-batch-size");
  b.batch_type = parse_batch_type(f.get("batch-type"));
  b.validate();
  return b;
}

// A plain text line: answered as it is when blank, else its source tokens for the engine.
LineJob parse_text_line(const Translator& translator, const std::string& line,
                        const std::string& source, const std::string& target,
                        const std::vector<std::string>& target_prefix,
                        const TranslationOptions& options) {
  LineJob job;
  job.options = options;
  if (nothing_to_translate(line)) {
    job.result = unchanged_translation(line, target, options);
    return job;
  }
  try {
    job.request = EngineRequest{translator.tokenizer().source_tokens(line, source), target, options,
                                target_prefix};
  } catch (const Error& e) {
    job.error = e.what();
  }
  return job;
}

// Prints a line's translations; a failed line keeps its place in the output: one empty line
// per expected translation, and the reason on stderr. Returns false for a failed line.
bool print_text_answer(const LineJob& job) {
  if (job.error || !job.result) {
    std::fprintf(stderr, "nmtd translate: %s\n", job.error.value_or("no result").c_str());
    for (int h = 0; h < job.options.decoding.num_hypotheses; ++h) std::printf("\n");
    std::fflush(stdout);
    return false;
  }
  for (const auto& h : job.result->hypotheses) {
    if (job.options.decoding.return_scores) std::printf("%.6f\t", h.score);
    std::printf("%s\n", h.text.c_str());
  }
  std::fflush(stdout);
  return true;
}

}  // namespace

int cmd_translate(const Args& args) {
  // With --server the texts go to a running server (nmtd serve or a worker) instead of a
  // model loaded here: the client does that, with the same option names.
  for (const auto& a : args) {
    if (a == "--") break;
    if (a == "--server" || a.rfind("--server=", 0) == 0) {
      Args client_args{"translate"};
      client_args.insert(client_args.end(), args.begin(), args.end());
      return cmd_client(client_args);
    }
  }
  Flags f = translate_flags();
  if (!f.parse(args)) return 0;
  const TranslationOptions options = options_from_flags(f);
  options.validate();
  const BatchingOptions batching = batching_from_flags(f);
  TranslatorConfig config;
  config.compute_type = parse_compute_type(f.get("compute-type"));
  config.num_threads = f.get_int("threads");
  Translator translator(f.get("model"), config);
  const EngineCall engine = engine_call(translator);

  if (f.on("list-languages")) {
    for (const auto& code : translator.tokenizer().languages()) std::printf("%s\n", code.c_str());
    return 0;
  }
  if (f.on("jsonl")) {
    if (!f.positional().empty())
      throw InvalidArgument("--jsonl reads standard input; give no TEXT");
    FdLineSource in(STDIN_FILENO);
    run_jsonl(translator, in, std::cout, options, engine, batching);
    return 0;
  }
  const std::string source = f.get("source");
  const std::string target = f.get("target");
  translator.tokenizer().check_language(source, "source");
  translator.tokenizer().check_language(target, "target");
  translator.check_options(options);
  std::vector<std::string> target_prefix;
  if (const auto text = f.get_optional("target-prefix"))
    target_prefix = translator.tokenizer().pieces(*text);
  FdLineSource standard_input(STDIN_FILENO);
  ListLineSource arguments(f.positional());
  LineSource& in = f.positional().empty() ? static_cast<LineSource&>(standard_input) : arguments;
  int failures = 0;
  translate_lines(
      in,
      [&](const std::string& line) {
        return parse_text_line(translator, line, source, target, target_prefix, options);
      },
      engine, [&](const LineJob& job) { failures += print_text_answer(job) ? 0 : 1; }, batching);
  return failures == 0 ? 0 : 1;
}

}  // namespace nmtd::cli
