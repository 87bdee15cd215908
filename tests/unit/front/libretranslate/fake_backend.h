#pragma once
// A deterministic Backend for the API tests, and a server with the API mounted on it.
// Translation upper-cases; "auto" detects French for texts starting "bonjour" (90 %), nothing
// for texts containing "???", English (50 %) otherwise. A text "fail:KIND" fails with that
// kind ("fail:overloaded:1500ms" with a retry hint). Every request is recorded for the test to
// look at.
#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/null_sink.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "front/http/http_server.h"
#include "front/libretranslate/api.h"

namespace nmtd::libretranslate::testing {

class FakeBackend final : public Backend {
 public:
  TranslateResult translate(const TranslateRequest& request) override {
    std::lock_guard lock(mutex_);
    requests.push_back(request);
    TranslateResult out;
    for (const std::string& text : request.texts) {
      TextResult r;
      if (auto kind = failure(text)) {
        r.error = BackendError{*kind, "backend says no: " + text, retry_hint(text)};
      }
      r.translation = upper(text);
      if (request.alternatives > 0) {
        // A copy of the translation and a duplicate, which the API must drop.
        r.alternatives = {r.translation, r.translation + " 1", r.translation + " 1",
                          r.translation + " 2", r.translation + " 3"};
      }
      if (request.source == "auto") r.detected = detect_one(text);
      out.texts.push_back(std::move(r));
    }
    return out;
  }

  DetectResult detect(const std::string& text, Clock::time_point) override {
    std::lock_guard lock(mutex_);
    detected.push_back(text);
    DetectResult out;
    if (auto kind = failure(text))
      out.error = BackendError{*kind, "backend says no: " + text, retry_hint(text)};
    if (text.find("???") == std::string::npos) out.candidates.push_back(*detect_one(text));
    return out;
  }

  std::vector<BackendLanguage> languages() override {
    return {{"eng_Latn", {}},
            {"fra_Latn", {}},
            {"zho_Hans", {}},
            {"zho_Hant", {}},
            {"por_Latn", {}},
            {"xyz_Latn", {}},  // no public code: left out
            {"deu_Latn", {"eng_Latn", "deu_Latn"}}};
  }

  BackendSettings settings() override { return settings_; }

  std::vector<TranslateRequest> requests;
  std::vector<std::string> detected;
  BackendSettings settings_;

 private:
  static std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
  }
  static std::optional<Detection> detect_one(const std::string& text) {
    if (text.rfind("bonjour", 0) == 0 || text.rfind("Bonjour", 0) == 0) {
      return Detection{"fra_Latn", 0.9};
    }
    return Detection{"eng_Latn", 0.5};
  }
  static std::optional<ErrorKind> failure(const std::string& text) {
    if (text == "fail:invalid") return ErrorKind::kInvalidInput;
    if (text == "fail:overloaded" || text == "fail:overloaded:1500ms")
      return ErrorKind::kOverloaded;
    if (text == "fail:unavailable") return ErrorKind::kUnavailable;
    if (text == "fail:deadline") return ErrorKind::kDeadlineExceeded;
    if (text == "fail:internal") return ErrorKind::kInternal;
    if (text == "fail:throw") throw std::runtime_error("backend threw");
    return std::nullopt;
  }
  static std::chrono::milliseconds retry_hint(const std::string& text) {
    return std::chrono::milliseconds(text == "fail:overloaded:1500ms" ? 1500 : 0);
  }
  std::mutex mutex_;
};

// An HTTP server on 127.0.0.1 (port 0) with the API mounted over a FakeBackend.
class ApiServer {
 public:
  explicit ApiServer(Options options = {})
      : log_(std::make_shared<spdlog::logger>("test",
                                              std::make_shared<spdlog::sinks::null_sink_mt>())),
        server_(http::HttpServerConfig{}, *log_) {
    mount(server_, backend, names_, options);
    port_ = server_.start();
  }

  httplib::Client client() const { return httplib::Client("127.0.0.1", port_); }

  // POST `path` with a JSON body; returns the status and the parsed body.
  std::pair<int, nlohmann::json> post_json(const std::string& path, const nlohmann::json& body) {
    auto res = client().Post(path, body.dump(), "application/json");
    if (!res) {
      ADD_FAILURE() << "no answer for " << path;
      return {0, nullptr};
    }
    return {res->status, nlohmann::json::parse(res->body)};
  }
  std::pair<int, nlohmann::json> post_form(const std::string& path, const httplib::Params& form) {
    auto res = client().Post(path, form);
    if (!res) {
      ADD_FAILURE() << "no answer for " << path;
      return {0, nullptr};
    }
    return {res->status, nlohmann::json::parse(res->body)};
  }

  FakeBackend backend;

 private:
  RegistryLanguageNames names_;
  std::shared_ptr<spdlog::logger> log_;
  http::HttpServer server_;
  int port_ = 0;
};

}  // namespace nmtd::libretranslate::testing
