#pragma once
// Steady load on a server from a few client threads, counting what was sent and how it ended,
// so a test can say "every request was answered" in numbers.
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {

class Load {
 public:
  Load(const ServeProcess& serve, int clients,
       std::chrono::milliseconds deadline = std::chrono::seconds(30)) {
    for (int c = 0; c < clients; ++c) {
      threads_.emplace_back([this, &serve, c, deadline](std::stop_token stop) {
        auto stub = serve.stub();
        for (int i = 0; !stop.stop_requested(); ++i) {
          auto request = make_request({"Load " + std::to_string(c) + " / " + std::to_string(i)});
          request.mutable_options()->set_max_decoding_length(6);
          nmt::v1::TranslateResponse response;
          ++sent_;
          const auto status = translate(*stub, request, response, {.deadline = deadline, .metadata = {}});
          std::lock_guard lock(mutex_);
          if (status.ok() && response.translations_size() == 1) {
            ++answered_;
          } else {
            ++failed_;
            failures_[std::to_string(static_cast<int>(status.error_code())) + " " +
                      status.error_message()]++;
          }
        }
      });
    }
  }
  // Stops the clients after their calls in flight end.
  void stop() {
    for (auto& t : threads_) t.request_stop();
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  ~Load() { stop(); }

  int sent() const { return sent_; }
  int answered() const {
    std::lock_guard lock(mutex_);
    return answered_;
  }
  int failed() const {
    std::lock_guard lock(mutex_);
    return failed_;
  }
  std::string failures() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [what, n] : failures_) out += std::to_string(n) + "x " + what + "\n";
    return out;
  }

 private:
  std::atomic<int> sent_{0};
  mutable std::mutex mutex_;
  int answered_ = 0;
  int failed_ = 0;
  std::map<std::string, int> failures_;
  std::vector<std::jthread> threads_;
};

}  // namespace nmtd::testing
