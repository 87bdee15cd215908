// `nmtd bench`: the figures issue #3 asks for, on any model directory (normally a generated
// model of the full NLLB-200-distilled-600M shape, int8): latency, throughput, time to
// ready, resident memory, and the decode step against this machine's bandwidth floor.
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/bench_inputs.h"
#include "cli/bench_measure.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "common/process_memory.h"
#include "engine/decode_session.h"
#include "engine/translator.h"

namespace nmtd::cli {

namespace {

using nlohmann::json;
constexpr double kMiB = 1024.0 * 1024.0;

TranslationOptions forced_length(int beam, int length) {
  TranslationOptions o;
  o.decoding.beam_size = beam;
  o.decoding.min_decoding_length = length;
  o.decoding.max_decoding_length = length;
  o.decoding.return_scores = true;
  return o;
}

// Int8 bytes one decode step reads: every decoder linear weight except the cross-attention
// keys/values (computed once per source), plus the output projection.
double step_weight_bytes(const NllbWeights& w) {
  double bytes = 0;
  for (const auto& l : w.decoder_layers)
    for (const auto* x :
         {&l.self_qkv, &l.self_out, &l.cross_q, &l.cross_out, &l.ffn_in, &l.ffn_out})
      bytes += static_cast<double>(x->weight->data.size() + x->weight->group_scale.size());
  return bytes + static_cast<double>(w.projection.weight->data.size() +
                                     w.projection.weight->group_scale.size());
}

std::string self_exe() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw Error("cannot find /proc/self/exe");
  return std::string(buf, static_cast<std::size_t>(n));
}

int probe_ready(const Flags& f) {
  TranslatorConfig config;
  config.compute_type = parse_compute_type(f.get("compute-type"));
  config.num_threads = f.get_int("threads");
  Translator t(f.get("model"), config);
  const double rss = static_cast<double>(read_process_memory().rss_bytes) / kMiB;
  const auto src = bench_sources(t.tokenizer(), f.get("source"), 4, 1);
  t.translate_tokens(src, {{f.get("target")}}, forced_length(1, 2));
  std::printf("%s\n", json{{"rss_after_load_mib", rss}}.dump().c_str());
  return 0;
}

json spread_json(const Spread& s) {
  return json{{"median", s.median}, {"min", s.min}, {"max", s.max}, {"samples", s.samples}};
}

void row(const char* name, const Spread& s, const char* unit) {
  std::printf("  %-34s %10.2f %-6s (min %.2f, max %.2f, n=%zu)\n", name, s.median, unit, s.min,
              s.max, s.samples.size());
}

}  // namespace

int cmd_bench(const Args& args) {
  Flags f(
      "bench",
      "--model DIR [--json FILE] [OPTIONS]\n\n"
      "Measures, on MODEL (normally `nmtd make-test-model` at the full NLLB-200-distilled-600M\n"
      "shape with --quantization int8): one-sentence latency (greedy, beam 4), throughput\n"
      "(batch 16 beam 4, batch 64 greedy), time to ready and RSS after load (in a fresh\n"
      "process), memory read bandwidth and the decode step against its bandwidth floor.\n"
      "Sources are a language token + N pieces + </s>; outputs are forced to L tokens\n"
      "(min = max decoding length). Each figure is the median of --repeat runs.\n"
      "bench/compare_ct2.py runs the same figures with CTranslate2, alternating.");
  f.value("model", "CTranslate2 model directory")
      .value("json", "also write the figures to this JSON file")
      .value("threads", "compute threads", "2")
      .value("compute-type", "default|float32|int8|int4", "default")
      .value("repeat", "runs per figure (the median is reported)", "5")
      .value("source-pieces", "source pieces between the language token and </s>", "24")
      .value("length", "target tokens per hypothesis, language token included", "32")
      .value("source", "source language", "eng_Latn")
      .value("target", "target language", "fra_Latn")
      .toggle("skip-ready", "skip the fresh-process ready/RSS probe")
      .toggle("latency-only",
              "only the one-sentence greedy latency, decode step and memory (no beam 4 or "
              "batch figures): for A/B runs of two models within a minute each")
      .toggle("probe-ready", "internal: load, translate once, print RSS as JSON");
  if (!f.parse(args)) return 0;
  if (f.on("probe-ready")) return probe_ready(f);

  const int repeat = f.get_int("repeat");
  const int pieces = f.get_int("source-pieces");
  const int length = f.get_int("length");
  if (repeat < 1 || pieces < 1 || length < 2)
    throw InvalidArgument("--repeat and --source-pieces must be >= 1, --length >= 2");
  json out;
  std::printf("nmtd bench: %s\n", f.get("model").c_str());

  if (!f.on("skip-ready")) {
    std::vector<double> ready, rss;
    const std::vector<std::string> argv{self_exe(),       "bench",          "--probe-ready",
                                        "--model",        f.get("model"),   "--threads",
                                        f.get("threads"), "--compute-type", f.get("compute-type"),
                                        "--source",       f.get("source"),  "--target",
                                        f.get("target")};
    for (int i = 0; i < repeat; ++i) {
      const ReadyProbe p = run_ready_probe(argv);
      ready.push_back(p.ready_s);
      rss.push_back(p.rss_after_load_mib);
    }
    const Spread r = spread_of(ready), m = spread_of(rss);
    out["ready_s"] = r.median;
    out["rss_after_load_mib"] = m.median;
    out["spread"]["ready_s"] = spread_json(r);
    out["spread"]["rss_after_load_mib"] = spread_json(m);
  }

  TranslatorConfig config;
  config.compute_type = parse_compute_type(f.get("compute-type"));
  config.num_threads = f.get_int("threads");
  Translator t(f.get("model"), config);
  const ModelInfo& info = t.info();
  std::printf(
      "model: %d+%d layers, d_model %lld, ffn %lld, vocab %lld, compute %s, kernels %s, "
      "%d threads\n",
      info.encoder_layers, info.decoder_layers, static_cast<long long>(info.d_model),
      static_cast<long long>(info.ffn), static_cast<long long>(info.vocab_size),
      info.compute_type.c_str(), info.kernel_isa.c_str(), info.num_threads);

  const auto one = bench_sources(t.tokenizer(), f.get("source"), pieces, 1);
  const auto b16 = bench_sources(t.tokenizer(), f.get("source"), pieces, 16);
  const auto b64 = bench_sources(t.tokenizer(), f.get("source"), pieces, 64);
  // Built once, outside the timed region: only the translation is measured.
  const std::vector<std::vector<std::string>> prefixes(b64.size(), {f.get("target")});
  auto run = [&](const std::vector<std::vector<std::string>>& src, int beam, int len) {
    const std::vector<std::vector<std::string>> prefix(
        prefixes.begin(), prefixes.begin() + static_cast<std::ptrdiff_t>(src.size()));
    return time_ms(repeat, [&] { t.translate_tokens(src, prefix, forced_length(beam, len)); });
  };
  // The same batch through a decode session, the path a worker's batcher drives (continuous
  // batching): every text joins at the first step and leaves the step it finishes.
  auto run_session = [&](const std::vector<std::vector<std::string>>& src, int beam, int len) {
    const TranslationOptions options = forced_length(beam, len);
    std::vector<DecodeSession::Request> requests(src.size());
    for (std::size_t i = 0; i < src.size(); ++i)
      requests[i] = DecodeSession::Request{src[i], {f.get("target")}, nullptr};
    return time_ms(repeat, [&] {
      const auto session = t.open_session(options, static_cast<int64_t>(src.size()) * beam, len);
      session->add(requests);
      std::size_t done = 0;
      while (session->running() > 0) {
        session->step();
        done += session->take_finished().size();
      }
      if (done != requests.size()) throw Error("the bench session lost a request");
    });
  };
  run(one, 1, length);  // warm-up: first-touch of buffers and caches

  const Spread greedy = run(one, 1, length);
  const Spread first_step = run(one, 1, 1);
  const bool all_figures = !f.on("latency-only");
  const Spread beam4 = all_figures ? run(one, 4, length) : Spread{};
  const Spread batch16 = all_figures ? run(b16, 4, length) : Spread{};
  const Spread batch64 = all_figures ? run(b64, 1, length) : Spread{};
  const Spread session16 = all_figures ? run_session(b16, 4, length) : Spread{};
  const Spread session64 = all_figures ? run_session(b64, 1, length) : Spread{};
  // Read before the bandwidth probe, whose 1 GiB buffer would otherwise dominate the peak.
  const ProcessMemory after_runs = read_process_memory();
  ThreadPool bw_pool(info.num_threads);
  const Spread bandwidth = read_bandwidth_gb_s(bw_pool, repeat);

  const double new_tokens = length - 1;  // the target language token is forced, not generated
  auto throughput = [&](const Spread& s, double sentences) {
    std::vector<double> v;
    for (double ms : s.samples) v.push_back(sentences * new_tokens / (ms / 1000.0));
    return spread_of(v);
  };
  const Spread tp16 = throughput(batch16, 16), tp64 = throughput(batch64, 64);
  const Spread sp16 = throughput(session16, 16), sp64 = throughput(session64, 64);
  const double step_ms = (greedy.median - first_step.median) / (length - 1);
  const double weights_mib = static_cast<double>(info.weight_bytes) / kMiB;
  const double floor_ms = step_weight_bytes(t.weights()) / (bandwidth.median * 1e9) * 1000.0;

  out["latency_greedy_ms"] = greedy.median;
  out["latency_beam4_ms"] = beam4.median;
  out["throughput_batch16_beam4_tok_s"] = tp16.median;
  out["throughput_batch64_greedy_tok_s"] = tp64.median;
  out["session_throughput_batch16_beam4_tok_s"] = sp16.median;
  out["session_throughput_batch64_greedy_tok_s"] = sp64.median;
  out["int8_weights_mib"] = weights_mib;
  out["bandwidth_gb_s"] = bandwidth.median;
  out["floor_step_ms"] = floor_ms;
  out["step_ms"] = step_ms;
  out["step_over_floor"] = step_ms / floor_ms;
  out["spread"]["latency_greedy_ms"] = spread_json(greedy);
  out["spread"]["latency_first_step_ms"] = spread_json(first_step);
  out["spread"]["latency_beam4_ms"] = spread_json(beam4);
  out["spread"]["throughput_batch16_beam4_tok_s"] = spread_json(tp16);
  out["spread"]["throughput_batch64_greedy_tok_s"] = spread_json(tp64);
  out["spread"]["session_throughput_batch16_beam4_tok_s"] = spread_json(sp16);
  out["spread"]["session_throughput_batch64_greedy_tok_s"] = spread_json(sp64);
  out["spread"]["bandwidth_gb_s"] = spread_json(bandwidth);
  out["rss_after_runs_mib"] = static_cast<double>(after_runs.rss_bytes) / kMiB;
  out["peak_rss_mib"] = static_cast<double>(after_runs.peak_rss_bytes) / kMiB;
  out["settings"] = {{"threads", info.num_threads},
                     {"compute_type", info.compute_type},
                     {"kernel_isa", info.kernel_isa},
                     {"source_pieces", pieces},
                     {"length", length},
                     {"repeat", repeat},
                     {"model", f.get("model")}};
  out["inputs"] = {
      {"single", one}, {"batch16", b16}, {"batch64", b64}, {"target", f.get("target")}};
  if (!all_figures) {
    for (const char* key :
         {"latency_beam4_ms", "throughput_batch16_beam4_tok_s", "throughput_batch64_greedy_tok_s",
          "session_throughput_batch16_beam4_tok_s", "session_throughput_batch64_greedy_tok_s"}) {
      out.erase(key);
      out["spread"].erase(key);
    }
  }

  std::printf("figures (median of %d):\n", repeat);
  row("latency, one sentence, greedy", greedy, "ms");
  if (all_figures) {
    row("latency, one sentence, beam 4", beam4, "ms");
    row("throughput, batch 16, beam 4", tp16, "tok/s");
    row("throughput, batch 64, greedy", tp64, "tok/s");
    row("session throughput, batch 16, beam 4", sp16, "tok/s");
    row("session throughput, batch 64, greedy", sp64, "tok/s");
  }
  row("memory read bandwidth", bandwidth, "GB/s");
  if (out.contains("ready_s")) {
    std::printf("  %-34s %10.2f s\n", "ready (fresh process)", out["ready_s"].get<double>());
    std::printf("  %-34s %10.1f MiB\n", "RSS after load", out["rss_after_load_mib"].get<double>());
  }
  std::printf("  %-34s %10.1f MiB\n", "weights (packed)", weights_mib);
  std::printf("  %-34s %10.2f ms (floor %.2f ms, ratio %.2f)\n", "decode step, batch 1", step_ms,
              floor_ms, step_ms / floor_ms);
  if (f.has("json")) {
    std::ofstream file(f.get("json"));
    if (!file) throw IoError("cannot write " + f.get("json"));
    file << out.dump(2) << "\n";
  }
  return 0;
}

}  // namespace nmtd::cli
