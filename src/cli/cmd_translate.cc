#include <cstdio>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/jsonl.h"
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
      "decoding option names below (with underscores) to override the flags.");
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
      .toggle("return-scores", "print each translation's score before it (tab-separated)")
      .toggle("disable-unk", "never generate <unk>")
      .toggle("jsonl", "machine-readable mode (see above)")
      .toggle("list-languages", "print the model's language codes and exit");
  return f;
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
  return o;
}

void print_result(const TranslationResult& r, bool scores) {
  for (const auto& h : r.hypotheses) {
    if (scores) std::printf("%.6f\t", h.score);
    std::printf("%s\n", h.text.c_str());
  }
  std::fflush(stdout);
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
  TranslatorConfig config;
  config.compute_type = parse_compute_type(f.get("compute-type"));
  config.num_threads = f.get_int("threads");
  Translator translator(f.get("model"), config);

  if (f.on("list-languages")) {
    for (const auto& code : translator.tokenizer().languages()) std::printf("%s\n", code.c_str());
    return 0;
  }
  if (f.on("jsonl")) {
    if (!f.positional().empty())
      throw InvalidArgument("--jsonl reads standard input; give no TEXT");
    run_jsonl(translator, std::cin, std::cout, options);
    return 0;
  }
  const std::string source = f.get("source");
  const std::string target = f.get("target");
  translator.tokenizer().check_language(source, "source");
  translator.tokenizer().check_language(target, "target");
  if (!f.positional().empty()) {
    const auto results = translator.translate_text(f.positional(), source, target, options);
    for (const auto& r : results) print_result(r, options.decoding.return_scores);
    return 0;
  }
  // One line at a time so that an interactive pipe gets each answer at once.
  std::string line;
  int failures = 0;
  while (std::getline(std::cin, line)) {
    try {
      print_result(translator.translate_text({line}, source, target, options).at(0),
                   options.decoding.return_scores);
    } catch (const Error& e) {
      // The line keeps its place in the output: one empty line per expected translation.
      std::fprintf(stderr, "nmtd translate: %s\n", e.what());
      for (int h = 0; h < options.decoding.num_hypotheses; ++h) std::printf("\n");
      std::fflush(stdout);
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace nmtd::cli
