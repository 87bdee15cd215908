#include "soak/short_probe.h"

#include "soak/stoppable_sleep.h"

namespace nmtd::soak {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Millis = std::chrono::duration<double, std::milli>;

// Any target but the source; the same few the other profiles ask for.
std::string probe_target(std::mt19937_64& rng, const std::string& source) {
  static const char* const codes[] = {"eng_Latn", "jpn_Jpan", "deu_Latn", "fra_Latn"};
  for (;;) {
    const std::string code = codes[std::uniform_int_distribution<int>(0, 3)(rng)];
    if (code != source) return code;
  }
}

// One probe, settled in the ledger under `profile` (or only sent, when `profile` is empty).
void probe_once(const ServerCalls& calls, const Corpus& corpus, RequestLedger& ledger,
                std::chrono::milliseconds deadline, std::mt19937_64& rng, uint64_t n,
                const std::string& profile) {
  const TextSample text = short_probe_text(corpus, rng, n);
  const std::string target = probe_target(rng, text.language);
  const std::string id = "soak-" + profile + "-" + std::to_string(n);
  if (!ledger.sent(profile, "nmt.v1")) return;
  const auto start = SteadyClock::now();
  const CallResult r = calls.translate({text.text}, text.language, target, deadline, id);
  ledger.settled(profile, "nmt.v1", r.code, r.well_formed, Millis(SteadyClock::now() - start),
                 id + ": " + r.message);
}

}  // namespace

TextSample short_probe_text(const Corpus& corpus, std::mt19937_64& rng, uint64_t n) {
  TextSample sample = corpus.random_text(rng, 10, 15);
  // 10-15 code points, a space and at most 4 digits: at most 20.
  sample.text += " " + std::to_string(n % 10000);
  return sample;
}

bool probe_unloaded(const ServerCalls& calls, const Corpus& corpus, RequestLedger& ledger,
                    std::chrono::milliseconds deadline, uint64_t seed, int warmup, int count,
                    std::chrono::seconds budget, std::stop_token stop) {
  constexpr int kAtLeast = 3;
  std::mt19937_64 rng(seed);
  uint64_t n = 0;
  // Warm-up calls are books like any other, under their own name.
  const std::string warmup_profile = std::string(kUnloadedProbeProfile) + "-warmup";
  for (int i = 0; i < warmup; ++i, ++n) {
    if (stop.stop_requested()) return false;
    probe_once(calls, corpus, ledger, deadline, rng, n, warmup_profile);
  }
  const auto until = SteadyClock::now() + budget;
  for (int i = 0; i < count && (i < kAtLeast || SteadyClock::now() < until); ++i, ++n) {
    if (stop.stop_requested()) return false;
    probe_once(calls, corpus, ledger, deadline, rng, n, kUnloadedProbeProfile);
  }
  return true;
}

void probe_under_load(const ServerCalls& calls, const Corpus& corpus, RequestLedger& ledger,
                      std::chrono::milliseconds deadline, uint64_t seed, std::stop_token stop) {
  std::mt19937_64 rng(seed);
  // Numbers past the unloaded run's, so that no text repeats one of those.
  for (uint64_t n = 1000; !stop.stop_requested() && !ledger.budget_spent(); ++n) {
    probe_once(calls, corpus, ledger, deadline, rng, n, kShortProbeProfile);
    const double pause_s = std::uniform_real_distribution<double>(1.0, 3.0)(rng);
    if (!sleep_unless_stopped(stop, std::chrono::duration<double>(pause_s))) return;
  }
}

}  // namespace nmtd::soak
