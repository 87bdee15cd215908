#include "soak/load_profiles.h"

#include <latch>
#include <memory>
#include <random>

#include "soak/server_calls.h"
#include "soak/short_probe.h"
#include "soak/stoppable_sleep.h"

namespace nmtd::soak {
namespace {

using SteadyClock = std::chrono::steady_clock;
using Millis = std::chrono::duration<double, std::milli>;

// Target languages the load asks for; a pair is never a language to itself.
const std::vector<std::string>& target_languages() {
  static const std::vector<std::string> codes{"eng_Latn", "jpn_Jpan", "zho_Hans", "kor_Hang",
                                              "deu_Latn", "fra_Latn", "rus_Cyrl"};
  return codes;
}

std::string pick_target(std::mt19937_64& rng, const std::string& source) {
  const auto& codes = target_languages();
  std::uniform_int_distribution<std::size_t> pick(0, codes.size() - 1);
  for (;;) {
    const std::string& code = codes[pick(rng)];
    if (code != source) return code;
  }
}

double uniform(std::mt19937_64& rng, double lo, double hi) {
  return std::uniform_real_distribution<double>(lo, hi)(rng);
}

int uniform_int(std::mt19937_64& rng, int lo, int hi) {
  return std::uniform_int_distribution<int>(lo, hi)(rng);
}

// Several lines in one language, as one screen of a game would hold.
std::vector<TextSample> same_language_lines(const Corpus& corpus, std::mt19937_64& rng, int n) {
  std::vector<TextSample> lines{corpus.desktop_line(rng)};
  for (int tries = 0; tries < 40 && static_cast<int>(lines.size()) < n; ++tries) {
    TextSample next = corpus.desktop_line(rng);
    if (next.language == lines.front().language) lines.push_back(std::move(next));
  }
  return lines;
}

}  // namespace

LoadProfiles::LoadProfiles(LoadSettings settings, const std::vector<std::string>& profiles,
                           uint64_t seed, const Corpus& corpus, RequestLedger& ledger)
    : settings_(std::move(settings)), corpus_(corpus), ledger_(ledger) {
  // Each thread gets its own seed derived from the run's, so a run repeats with its seed.
  std::vector<uint64_t> seeds(5 + 2 * static_cast<std::size_t>(settings_.saturating_clients));
  std::mt19937_64 derive(seed);
  for (auto& s : seeds) s = derive();
  std::size_t next = 0;
  for (const auto& name : profiles) {
    if (name == "crash-report") {
      threads_.emplace_back([this, s = seeds[next++]](std::stop_token st) { crash_report(st, s); });
    } else if (name == "desktop") {
      threads_.emplace_back([this, s = seeds[next++]](std::stop_token st) { desktop(st, s); });
    } else if (name == "burst") {
      threads_.emplace_back([this, s = seeds[next++]](std::stop_token st) { burst(st, s); });
    } else if (name == kShortProbeProfile) {
      threads_.emplace_back([this, s = seeds[next++]](std::stop_token st) {
        const ServerCalls calls(settings_.target);
        probe_under_load(calls, corpus_, ledger_, settings_.deadline, s, st);
      });
    } else if (name == "saturate") {
      for (int c = 0; c < settings_.saturating_clients; ++c) {
        const uint64_t s = seeds[5 + static_cast<std::size_t>(c)];
        // Half the clients use TranslateStream, as continuous translators do.
        if (c % 2 == 0) {
          threads_.emplace_back([this, s, c](std::stop_token st) { saturate_unary(st, s, c); });
        } else {
          threads_.emplace_back([this, s, c](std::stop_token st) { saturate_stream(st, s, c); });
        }
      }
    }
  }
}

LoadProfiles::~LoadProfiles() { stop(); }

void LoadProfiles::request_stop() {
  for (auto& t : threads_) t.request_stop();
}

void LoadProfiles::stop() {
  request_stop();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void LoadProfiles::crash_report(std::stop_token stop, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const ServerCalls calls(settings_.target);
  for (uint64_t n = 0; !stop.stop_requested(); ++n) {
    const TextSample text = corpus_.random_text(rng, 10, 500);
    const std::string target = pick_target(rng, text.language);
    if (!ledger_.sent("crash-report", "baketa")) return;
    const std::string id = "soak-crash-report-" + std::to_string(n);
    const auto start = SteadyClock::now();
    const CallResult r = calls.baketa_translate(text.text, baketa_code(text.language),
                                                baketa_code(target), settings_.deadline, id);
    ledger_.settled("crash-report", "baketa", r.code, r.well_formed,
                    Millis(SteadyClock::now() - start), id + ": " + r.message);
    if (!sleep_unless_stopped(stop, std::chrono::duration<double>(uniform(rng, 0.1, 1.0)))) return;
  }
}

void LoadProfiles::desktop(std::stop_token stop, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const ServerCalls calls(settings_.target, ChannelKind{.keepalive_pings = true});
  uint64_t n = 0;
  while (!stop.stop_requested()) {
    // Playing: lines as they appear on screen, often the same ones again.
    const auto active_until =
        SteadyClock::now() + std::chrono::duration<double>(uniform(rng, 20, 60));
    while (SteadyClock::now() < active_until && !stop.stop_requested()) {
      const bool batch = uniform(rng, 0, 1) < 0.2;
      const auto lines = same_language_lines(corpus_, rng, batch ? uniform_int(rng, 2, 8) : 1);
      const std::string source = lines.front().language;
      const std::string target = pick_target(rng, source);
      if (!ledger_.sent("desktop", "baketa")) return;
      const std::string id = "soak-desktop-" + std::to_string(n++);
      const auto start = SteadyClock::now();
      CallResult r;
      if (batch) {
        std::vector<std::string> texts;
        for (const auto& l : lines) texts.push_back(l.text);
        r = calls.baketa_batch(texts, baketa_code(source), baketa_code(target), settings_.deadline,
                               id);
      } else {
        r = calls.baketa_translate(lines.front().text, baketa_code(source), baketa_code(target),
                                   settings_.deadline, id);
      }
      ledger_.settled("desktop", "baketa", r.code, r.well_formed,
                      Millis(SteadyClock::now() - start), id + ": " + r.message);
      if (!sleep_unless_stopped(stop, std::chrono::duration<double>(uniform(rng, 0.2, 2.0))))
        return;
    }
    // Away from the keyboard: only keepalive pings cross the connection. It must stay up.
    const double idle_s = settings_.desktop_idle_max_s * uniform(rng, 0.5, 1.0);
    const auto idle_until = SteadyClock::now() + std::chrono::duration<double>(idle_s);
    bool dropped = false;
    while (SteadyClock::now() < idle_until && !stop.stop_requested()) {
      if (calls.channel()->GetState(false) != GRPC_CHANNEL_READY) dropped = true;
      if (!sleep_unless_stopped(stop, std::chrono::seconds(1))) break;
    }
    if (dropped) reconnects_.fetch_add(1);
  }
}

void LoadProfiles::saturate_unary(std::stop_token stop, uint64_t seed, int client) {
  std::mt19937_64 rng(seed);
  const ServerCalls calls(settings_.target);
  const std::string prefix = "soak-saturate" + std::to_string(client) + "-";
  for (uint64_t n = 0; !stop.stop_requested(); ++n) {
    const TextSample first =
        corpus_.line_of_kind(rng, uniform(rng, 0, 1) < 0.7 ? "dialogue" : "prose");
    std::vector<std::string> texts{first.text};
    const int more = uniform_int(rng, 0, 7);
    for (int i = 0; i < more; ++i) texts.push_back(corpus_.line_of_kind(rng, "dialogue").text);
    const std::string target = pick_target(rng, first.language);
    if (!ledger_.sent("saturate", "nmt.v1")) return;
    const std::string id = prefix + std::to_string(n);
    const auto start = SteadyClock::now();
    const CallResult r = calls.translate(texts, first.language, target, settings_.deadline, id);
    ledger_.settled("saturate", "nmt.v1", r.code, r.well_formed, Millis(SteadyClock::now() - start),
                    id + ": " + r.message);
    // After anything but an answer, a short back-off, as a well-behaved client would: a
    // server refusing or down must not be hammered by a spinning loop.
    if (r.code != "OK" && !sleep_unless_stopped(stop, std::chrono::milliseconds(50))) return;
  }
}

void LoadProfiles::saturate_stream(std::stop_token stop, uint64_t seed, int client) {
  std::mt19937_64 rng(seed);
  const ServerCalls calls(settings_.target);
  const std::string prefix = "soak-stream" + std::to_string(client) + "-";
  // A stream is closed and opened again every 20 s, so that its deadline (which covers the
  // whole stream) always leaves each message the full request deadline.
  constexpr auto stream_life = std::chrono::seconds(20);
  uint64_t n = 0;
  while (!stop.stop_requested()) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + stream_life + settings_.deadline);
    auto stream = calls.translator().TranslateStream(&ctx);
    const auto opened = SteadyClock::now();
    std::optional<std::pair<std::string, SteadyClock::time_point>> pending;  // id, start
    while (!stop.stop_requested() && SteadyClock::now() - opened < stream_life) {
      const TextSample text = corpus_.line_of_kind(rng, "dialogue");
      nmt::v1::TranslateRequest request;
      request.add_texts(text.text);
      request.set_source_language(text.language);
      request.set_target_language(pick_target(rng, text.language));
      const std::string id = prefix + std::to_string(n++);
      request.set_request_id(id);
      if (!ledger_.sent("saturate", "nmt.v1-stream")) break;
      pending.emplace(id, SteadyClock::now());
      nmt::v1::TranslateStreamResponse response;
      if (!stream->Write(request) || !stream->Read(&response)) break;  // settled by Finish
      const Millis latency(SteadyClock::now() - pending->second);
      bool answered = false;
      if (latency > settings_.deadline) {
        // The stream's own deadline is longer than a request's; an answer this late would have
        // been DEADLINE_EXCEEDED on a unary call, and counts so.
        ledger_.settled("saturate", "nmt.v1-stream", "DEADLINE_EXCEEDED", false, latency,
                        id + ": answered after the request deadline");
      } else if (response.has_error()) {
        const std::string code =
            status_code_name(static_cast<grpc::StatusCode>(response.error().code()));
        ledger_.settled("saturate", "nmt.v1-stream", code, false, latency,
                        id + ": " + response.error().message());
      } else {
        const bool ok = response.has_response() && response.response().translations_size() == 1 &&
                        response.request_id() == id;
        ledger_.settled("saturate", "nmt.v1-stream", "OK", ok, latency,
                        id + ": answer without one translation, or for another request");
        answered = ok;
      }
      pending.reset();
      if (!answered && !sleep_unless_stopped(stop, std::chrono::milliseconds(50))) break;
    }
    stream->WritesDone();
    const grpc::Status status = stream->Finish();
    if (pending) {
      // The stream ended with a message unanswered: its status is that message's outcome
      // (an OK end without the answer is a lost message).
      ledger_.settled("saturate", "nmt.v1-stream", status_code_name(status.error_code()), false,
                      Millis(SteadyClock::now() - pending->second),
                      pending->first + ": stream ended unanswered: " + status.error_message());
    }
    if (ledger_.budget_spent()) return;
    if (!status.ok() && !sleep_unless_stopped(stop, std::chrono::milliseconds(50))) return;
  }
}

namespace {

// One call of a burst, alive until its callback has run.
struct BurstCall {
  grpc::ClientContext ctx;
  nmt::v1::TranslateRequest request;
  nmt::v1::TranslateResponse response;
  baketa::translation::v1::TranslateRequest baketa_request;
  baketa::translation::v1::TranslateResponse baketa_response;
  SteadyClock::time_point start;
};

}  // namespace

void LoadProfiles::burst(std::stop_token stop, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const ServerCalls calls(settings_.target);
  uint64_t n = 0;
  for (bool baketa = false; !stop.stop_requested(); baketa = !baketa) {
    if (!sleep_unless_stopped(stop, std::chrono::duration<double>(uniform(rng, 5, 20)))) return;
    const std::string api = baketa ? "baketa" : "nmt.v1";
    const int size = uniform_int(rng, 8, 32);
    std::vector<std::unique_ptr<BurstCall>> burst;
    for (int i = 0; i < size && ledger_.sent("burst", api); ++i) {
      auto call = std::make_unique<BurstCall>();
      const TextSample text = corpus_.line_of_kind(rng, "dialogue");
      const std::string target = pick_target(rng, text.language);
      const std::string id = "soak-burst-" + std::to_string(n++);
      call->ctx.set_deadline(std::chrono::system_clock::now() + settings_.deadline);
      if (baketa) {
        call->baketa_request.set_source_text(text.text);
        call->baketa_request.mutable_source_language()->set_code(baketa_code(text.language));
        call->baketa_request.mutable_target_language()->set_code(baketa_code(target));
        call->baketa_request.set_request_id(id);
      } else {
        call->request.add_texts(text.text);
        call->request.set_source_language(text.language);
        call->request.set_target_language(target);
        call->request.set_request_id(id);
      }
      burst.push_back(std::move(call));
    }
    std::latch done(static_cast<std::ptrdiff_t>(burst.size()));
    for (auto& c : burst) {
      BurstCall* call = c.get();
      call->start = SteadyClock::now();
      auto finished = [this, call, &done, &api, baketa](const grpc::Status& status) {
        const CallResult r =
            baketa ? baketa_result(status, call->baketa_request, call->baketa_response)
                   : translate_result(status, call->request, call->response);
        ledger_.settled("burst", api, r.code, r.well_formed,
                        Millis(SteadyClock::now() - call->start),
                        (baketa ? call->baketa_request.request_id() : call->request.request_id()) +
                            ": " + r.message);
        done.count_down();
      };
      if (baketa) {
        calls.baketa().async()->Translate(&call->ctx, &call->baketa_request, &call->baketa_response,
                                          finished);
      } else {
        calls.translator().async()->Translate(&call->ctx, &call->request, &call->response,
                                              finished);
      }
    }
    done.wait();
    if (ledger_.budget_spent()) return;
  }
}

}  // namespace nmtd::soak
