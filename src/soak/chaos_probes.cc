#include "soak/chaos_probes.h"

#include <httplib.h>

#include <latch>
#include <map>
#include <memory>
#include <thread>

#include "common/error.h"
#include "soak/raw_socket.h"
#include "soak/server_calls.h"
#include "soak/stoppable_sleep.h"

namespace nmtd::soak {
namespace {

using SteadyClock = std::chrono::steady_clock;

ProbeCheck expect_code(const std::string& what, const CallResult& got, const std::string& want) {
  const bool ok = got.code == want;
  return {ok, what + ": " + got.code + (got.message.empty() ? "" : " (" + got.message + ")") +
                  (ok ? "" : ", expected " + want)};
}

// A good request right after misbehaviour: the server must still translate.
ProbeCheck still_serving(const ServerCalls& calls, const std::string& after,
                         std::chrono::milliseconds deadline) {
  // Within one deadline, a server still serving answers the good request, or refuses it for
  // now with a retry hint (its workers busy with what the chaos left) and answers it when
  // retried after the hint, as a client honouring the hint would.
  const auto until = std::chrono::steady_clock::now() + deadline;
  CallResult r;
  int tries = 0;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        until - std::chrono::steady_clock::now());
    r = calls.translate({"The server still answers."}, "eng_Latn", "fra_Latn",
                        std::max(left, std::chrono::milliseconds(1)),
                        "soak-chaos-check-" + std::to_string(++tries));
    const auto retry_at = std::chrono::steady_clock::now() + r.retry_after;
    if (r.code != "RESOURCE_EXHAUSTED" || r.retry_after.count() <= 0 || retry_at >= until) break;
    std::this_thread::sleep_until(retry_at);
  }
  return {r.code == "OK" && r.well_formed,
          "a good request after " + after + ": " + r.code +
              (r.message.empty() ? "" : " (" + r.message + ")") +
              (tries > 1 ? " at try " + std::to_string(tries) + ", after retry hints" : "")};
}

nmt::v1::TranslateRequest request_of(std::vector<std::string> texts, const std::string& source,
                                     const std::string& target) {
  nmt::v1::TranslateRequest r;
  for (auto& t : texts) r.add_texts(std::move(t));
  r.set_source_language(source);
  r.set_target_language(target);
  return r;
}

CallResult call(const ServerCalls& calls, const nmt::v1::TranslateRequest& request) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  nmt::v1::TranslateResponse response;
  return translate_result(calls.translator().Translate(&ctx, request, &response), request,
                          response);
}

struct FloodCall {
  grpc::ClientContext ctx;
  nmt::v1::TranslateRequest request;
  nmt::v1::TranslateResponse response;
  std::string code;
  bool well_formed = false;
};

}  // namespace

std::vector<ProbeCheck> flood_probe(const ProbeTargets& targets, const Corpus& corpus,
                                    std::mt19937_64& rng) {
  // Enough texts to overflow any default queue (128 per worker, 256 held) several times over.
  constexpr int kCalls = 96;
  constexpr int kTextsPerCall = 8;
  const ServerCalls calls(targets.grpc);
  std::vector<std::unique_ptr<FloodCall>> flood;
  for (int i = 0; i < kCalls; ++i) {
    auto c = std::make_unique<FloodCall>();
    std::vector<std::string> texts;
    std::string source;
    for (int t = 0; t < kTextsPerCall; ++t) {
      TextSample s = corpus.line_of_kind(rng, "prose");
      if (source.empty()) source = s.language;
      texts.push_back(std::move(s.text));
    }
    c->request =
        request_of(std::move(texts), source, source == "eng_Latn" ? "deu_Latn" : "eng_Latn");
    c->request.set_request_id("soak-flood-" + std::to_string(i));
    c->ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    flood.push_back(std::move(c));
  }
  const auto start = SteadyClock::now();
  std::latch done(kCalls);
  for (auto& c : flood) {
    FloodCall* f = c.get();
    calls.translator().async()->Translate(
        &f->ctx, &f->request, &f->response, [f, &done](const grpc::Status& s) {
          const CallResult r = translate_result(s, f->request, f->response);
          f->code = r.code;
          f->well_formed = r.well_formed;
          done.count_down();
        });
  }
  done.wait();
  const double seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  std::map<std::string, int> codes;
  std::vector<ProbeCheck> checks;
  for (const auto& c : flood) {
    ++codes[c->code];
    const bool fine = (c->code == "OK" && c->well_formed) || c->code == "RESOURCE_EXHAUSTED" ||
                      c->code == "DEADLINE_EXCEEDED";
    if (!fine) checks.push_back({false, c->request.request_id() + " ended " + c->code});
  }
  std::string summary = std::to_string(kCalls) + " calls of " + std::to_string(kTextsPerCall) +
                        " texts in " + std::to_string(seconds).substr(0, 5) + " s:";
  for (const auto& [code, n] : codes) summary += " " + code + " " + std::to_string(n);
  checks.push_back({checks.empty(), summary});
  checks.push_back(still_serving(calls, "the flood", targets.deadline));
  return checks;
}

std::vector<ProbeCheck> malformed_probes(const ProbeTargets& targets) {
  const ServerCalls calls(targets.grpc);
  std::vector<ProbeCheck> checks;
  const std::string bad_utf8 =
      std::string("caf") + static_cast<char>(0xC3) + "(" + static_cast<char>(0xFF);
  checks.push_back(expect_code("invalid UTF-8",
                               call(calls, request_of({bad_utf8}, "fra_Latn", "eng_Latn")),
                               "INVALID_ARGUMENT"));
  checks.push_back(expect_code("unknown target language",
                               call(calls, request_of({"Hello"}, "eng_Latn", "xxx_Zzzz")),
                               "INVALID_ARGUMENT"));
  checks.push_back(expect_code("no source language",
                               call(calls, request_of({"Hello"}, "", "fra_Latn")),
                               "INVALID_ARGUMENT"));
  checks.push_back(expect_code("no texts", call(calls, request_of({}, "eng_Latn", "fra_Latn")),
                               "INVALID_ARGUMENT"));
  checks.push_back(expect_code(
      "10,000 texts in one request",
      call(calls, request_of(std::vector<std::string>(10000, "x"), "eng_Latn", "fra_Latn")),
      "INVALID_ARGUMENT"));
  checks.push_back(expect_code(
      "a 2 MiB text", call(calls, request_of({std::string(2 << 20, 'a')}, "eng_Latn", "fra_Latn")),
      "INVALID_ARGUMENT"));
  {
    auto r = request_of({"Hello"}, "eng_Latn", "fra_Latn");
    r.mutable_options()->set_beam_size(-3);
    checks.push_back(expect_code("beam_size -3", call(calls, r), "INVALID_ARGUMENT"));
  }
  checks.push_back(expect_code("Baketa: unknown language",
                               calls.baketa_translate("Hello", "en", "xx-Nowhere",
                                                      std::chrono::seconds(30), "soak-malformed"),
                               "UNIMPLEMENTED"));
  checks.push_back(expect_code("Baketa: 20,000-character text",
                               calls.baketa_translate(std::string(20000, 'a'), "en", "ja",
                                                      std::chrono::seconds(30), "soak-malformed"),
                               "INVALID_ARGUMENT"));
  checks.push_back(
      expect_code("Baketa: batch of 0 items",
                  calls.baketa_batch({}, "en", "ja", std::chrono::seconds(30), "soak-malformed"),
                  "INVALID_ARGUMENT"));
  // Below gRPC: garbage where the HTTP/2 preface belongs. The server must drop the connection.
  if (const auto grpc_address = parse_host_port(targets.grpc)) {
    try {
      RawConnection garbage(*grpc_address, std::chrono::seconds(5));
      std::string bytes(4096, '\0');
      for (std::size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<char>((i * 7919) & 0xFF);
      garbage.send(bytes);
      checks.push_back({garbage.closed_by_peer(std::chrono::seconds(10)),
                        "4 KiB of garbage on the gRPC port: the connection is closed"});
    } catch (const IoError& e) {
      checks.push_back({false, std::string("garbage on the gRPC port: ") + e.what()});
    }
  }
  if (targets.http) {
    if (const auto http_address = parse_host_port(*targets.http)) {
      try {
        RawConnection garbage(*http_address, std::chrono::seconds(5));
        garbage.send("\x16\x03\x01 NOT HTTP AT ALL\r\n\r\n");
        const std::string answer = garbage.receive(std::chrono::seconds(5), 256);
        // Silence is not an answer: nothing received must mean the server closed the line.
        const bool clear = answer.empty() ? garbage.closed_by_peer(std::chrono::seconds(5))
                                          : answer.rfind("HTTP/1.1 400", 0) == 0;
        checks.push_back({clear, "garbage on the HTTP port: " +
                                     (answer.empty() ? std::string("closed")
                                                     : answer.substr(0, answer.find('\r')))});
      } catch (const IoError& e) {
        checks.push_back({false, std::string("garbage on the HTTP port: ") + e.what()});
      }
      httplib::Client http(http_address->host, http_address->port);
      http.set_connection_timeout(std::chrono::seconds(5));
      http.set_read_timeout(std::chrono::seconds(30));
      const auto result =
          http.Post("/translate", "{\"q\": \"Hello\", \"source\": ", "application/json");
      checks.push_back(
          {result && result->status == 400,
           "LibreTranslate /translate with truncated JSON: " +
               (result ? "HTTP " + std::to_string(result->status) : std::string("no answer"))});
    }
  }
  checks.push_back(still_serving(calls, "malformed requests", targets.deadline));
  return checks;
}

std::vector<ProbeCheck> slow_client_probe(const ProbeTargets& targets, const Corpus& corpus,
                                          std::mt19937_64& rng, std::chrono::milliseconds hold,
                                          std::stop_token stop) {
  std::vector<ProbeCheck> checks;
  const ServerCalls slow(targets.grpc);
  // A stream client that sends and never reads: flow control must hold it, not memory.
  grpc::ClientContext stream_ctx;
  // Bounded, so that a stream the server never lets go cannot hold the chaos thread.
  stream_ctx.set_deadline(std::chrono::system_clock::now() + hold + std::chrono::seconds(60));
  auto stream = slow.translator().TranslateStream(&stream_ctx);
  int written = 0;
  for (int i = 0; i < 200; ++i) {
    TextSample t = corpus.line_of_kind(rng, "prose");
    nmt::v1::TranslateRequest r = request_of({t.text}, t.language, "eng_Latn");
    // 64 messages (about 16 KB) fit the HTTP/2 window, so no write blocks; they are sent at
    // once (no buffer hint), and the server's answers pile up unread.
    if (!stream->Write(r)) break;
    ++written;
    if (written >= 64) break;
  }
  // A half-sent HTTP request and a silent HTTP/2 connection.
  std::vector<std::unique_ptr<RawConnection>> silent;
  try {
    if (const auto a = parse_host_port(targets.grpc)) {
      auto c = std::make_unique<RawConnection>(*a, std::chrono::seconds(5));
      c->send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      silent.push_back(std::move(c));
    }
    if (targets.http) {
      if (const auto a = parse_host_port(*targets.http)) {
        auto c = std::make_unique<RawConnection>(*a, std::chrono::seconds(5));
        c->send("POST /translate HTTP/1.1\r\nHost: soak\r\nContent-Length: 100000\r\n\r\n{\"q\":");
        silent.push_back(std::move(c));
      }
    }
  } catch (const IoError& e) {
    checks.push_back({false, std::string("opening a silent connection: ") + e.what()});
  }
  // While they hang on, a good client is served, and in reasonable time.
  const ServerCalls good(targets.grpc);
  const auto start = SteadyClock::now();
  const CallResult r = good.translate({"Served while others stall."}, "eng_Latn", "jpn_Jpan",
                                      targets.deadline, "soak-slow-check");
  const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
  checks.push_back({r.code == "OK" && r.well_formed,
                    "a good request while a stream (" + std::to_string(written) +
                        " unread requests) and " + std::to_string(silent.size()) +
                        " silent connections hang on: " + r.code + " in " +
                        std::to_string(static_cast<int>(ms)) + " ms"});
  sleep_unless_stopped(stop, hold);
  stream_ctx.TryCancel();
  stream->Finish();  // CANCELLED, by us
  silent.clear();
  checks.push_back(still_serving(good, "the slow clients left", targets.deadline));
  return checks;
}

}  // namespace nmtd::soak
