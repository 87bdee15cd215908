#include "worker/batcher.h"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>

#include "common/error.h"
#include "common/loggable.h"
#include "crash/crash_reporter.h"

namespace nmtd::worker {
namespace {

int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

}  // namespace

void EngineActivity::begin(std::vector<std::string> request_ids) {
  {
    std::lock_guard lock(mutex_);
    request_ids_ = std::move(request_ids);
  }
  started_ns_.store(now_ns(), std::memory_order_release);
}

void EngineActivity::end() {
  started_ns_.store(0, std::memory_order_release);
  std::lock_guard lock(mutex_);
  request_ids_.clear();
}

std::chrono::milliseconds EngineActivity::running_for() const {
  const int64_t started = started_ns_.load(std::memory_order_acquire);
  if (started == 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds((now_ns() - started) / 1'000'000);
}

std::chrono::milliseconds EngineActivity::without_progress() const {
  const int64_t started = started_ns_.load(std::memory_order_acquire);
  if (started == 0) return std::chrono::milliseconds(0);
  const int64_t progressed = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 progress_.last_progress().time_since_epoch())
                                 .count();
  return std::chrono::milliseconds((now_ns() - std::max(started, progressed)) / 1'000'000);
}

std::vector<std::string> EngineActivity::request_ids() const {
  std::lock_guard lock(mutex_);
  return request_ids_;
}

Batcher::Batcher(Translator& translator, AdmissionQueue& queue, TranslationCache& cache,
                 const Batching& batching, WorkerStats& stats, crash::InFlightRing& in_flight,
                 Logger& log, bool fault_injection)
    : translator_(translator),
      queue_(queue),
      cache_(cache),
      batching_(batching),
      stats_(stats),
      in_flight_(in_flight),
      log_(log),
      fault_injection_(fault_injection),
      activity_(translator.progress()) {}

Batcher::~Batcher() {
  thread_.request_stop();
  if (thread_.joinable()) thread_.join();
}

void Batcher::start() {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

void Batcher::run(std::stop_token stop) {
  pthread_setname_np(pthread_self(), "batcher");
  crash::AltStackScope alt_stack;  // a stack overflow in the engine still gets a report
  while (!stop.stop_requested()) {
    auto taken = queue_.take(batching_, stop);
    if (!taken) break;
    fail_dead_jobs(taken->dead, stats_);
    if (!taken->batch.empty()) compute(taken->batch);
  }
}

void fail_dead_jobs(std::vector<TextJob>& dead, WorkerStats& stats) {
  const auto now = Clock::now();
  // One verdict per call, taken before failing it: once failed, a call's client context may be
  // gone, so its other texts are counted by the same verdict instead of asking again.
  enum class Verdict { kNone, kExpired, kCancelled };
  std::map<const PendingCall*, Verdict> verdicts;
  for (auto& job : dead) {
    auto [it, first] = verdicts.try_emplace(job.call.get(), Verdict::kNone);
    if (first) {
      // Expired first: when a deadline passes gRPC also marks the call cancelled. A call that
      // already completed (failed through another of its texts) has nothing to count.
      if (job.call->done()) {
        it->second = Verdict::kNone;
      } else if (job.call->expired(now)) {
        it->second = Verdict::kExpired;
      } else if (job.call->cancelled()) {
        it->second = Verdict::kCancelled;
      }
    }
    if (it->second == Verdict::kExpired) {
      ++stats.texts_expired;
      job.call->fail(grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                  "the deadline passed before the request could be answered"));
    } else if (it->second == Verdict::kCancelled) {
      ++stats.texts_cancelled;
      job.call->fail(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled by the client"));
    }
  }
}

namespace {

// A real SIGSEGV with a fault address, also in sanitizer builds: UBSan would otherwise catch
// the null store itself and abort before the crash reporter sees a segfault.
[[gnu::noinline, gnu::no_sanitize("undefined")]] void write_through_null() {
  volatile int* volatile nowhere = nullptr;
  *nowhere = 1;
}

}  // namespace

bool Batcher::act_out_faults(const std::vector<TextJob>& batch) {
  if (!fault_injection_) return false;
  for (const auto& job : batch) {
    const std::string& fault = job.call->fault;
    if (fault.empty()) continue;
    log_.warn("request {}: acting out injected fault '{}'", loggable(job.call->request_id()),
              loggable(fault));
    log_.flush();
    if (fault == "segv") {
      write_through_null();
    } else if (fault == "abort") {
      std::abort();
    } else if (fault == "kill") {
      ::raise(SIGKILL);
    } else if (fault == "throw") {
      // Outside compute()'s try on purpose: it must reach std::terminate like a real escape.
      throw std::logic_error("injected fault: an exception nobody catches");
    } else if (fault.rfind("hang:", 0) == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(std::atoi(fault.c_str() + 5)));
    }
    return true;  // one fault per batch is enough
  }
  return false;
}

Backlog Batcher::running() const {
  Backlog backlog;
  backlog.running_work = running_work_.load(std::memory_order_relaxed);
  backlog.running_for = activity_.running_for();
  return backlog;
}

void Batcher::measure(const std::vector<TextJob>& batch,
                      const std::vector<TranslationResult>& results,
                      std::chrono::microseconds took) {
  const int beams = std::max(1, batch.front().options->decoding.beam_size);
  double work = 0;
  int source_tokens = 0, output_tokens = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    int out = 0;
    for (const auto& h : results[i].hypotheses)
      out = std::max(out, static_cast<int>(h.tokens.size()));
    ++out;  // the end token, decoded too
    work += ThroughputModel::done_work(batch[i].tokens(), out, beams);
    source_tokens += batch[i].tokens();
    output_tokens += out;
  }
  throughput_.record_batch(work, took, source_tokens, output_tokens);
}

void Batcher::compute(std::vector<TextJob>& batch) {
  // Shorter sources first: equal lengths decode side by side and finish together.
  std::stable_sort(batch.begin(), batch.end(),
                   [](const TextJob& a, const TextJob& b) { return a.tokens() < b.tokens(); });
  // A batch key never mixes Score items with translations.
  const ScoringOptions* scoring = batch.front().scoring.get();
  std::vector<std::vector<std::string>> sources, prefixes;
  std::set<std::string> ids;
  for (const auto& job : batch) {
    sources.push_back(job.source);
    prefixes.push_back(scoring ? job.target : std::vector<std::string>{job.target_language});
    ids.insert(job.call->request_id());
  }
  std::deque<crash::InFlightScope> in_flight;  // deque: scopes need not be movable
  for (const auto& id : ids) in_flight.emplace_back(in_flight_, id);

  double expected_work = 0;
  for (const auto& job : batch) expected_work += job.work;
  running_work_.store(expected_work, std::memory_order_relaxed);
  const auto start = Clock::now();
  activity_.begin({ids.begin(), ids.end()});
  std::vector<TranslationResult> results;
  std::vector<ScoringResult> scores;
  std::string failure;
  bool abandoned = false;
  const bool faulted = act_out_faults(batch);
  // Between steps: once every call of the batch is cancelled, expired or failed, nobody wants
  // the rest of it.
  const Translator::Abandon nobody_waits = [&batch] {
    const auto now = Clock::now();
    return std::all_of(batch.begin(), batch.end(), [now](const TextJob& job) {
      return job.call->done() || job.call->expired(now) || job.call->cancelled();
    });
  };
  try {
    if (fault_injection_) {
      for (const auto& job : batch) {
        if (job.call->fault == "error") throw Error("injected fault: engine failure");
      }
    }
    if (scoring)
      scores = translator_.score_tokens(sources, prefixes, *scoring, nobody_waits);
    else
      results =
          translator_.translate_tokens(sources, prefixes, *batch.front().options, nobody_waits);
  } catch (const Abandoned& e) {
    abandoned = true;
    failure = e.what();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  activity_.end();
  running_work_.store(0, std::memory_order_relaxed);
  const auto compute_time =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  ++stats_.batches;
  // The throughput model prices translations; scoring batches would skew it.
  if (failure.empty() && !faulted && !scoring) measure(batch, results, compute_time);

  if (abandoned) {
    log_.info("stopped a batch of {} texts after {} ms: every caller had gone ({})", batch.size(),
              compute_time.count() / 1000, failure);
    fail_dead_jobs(batch, stats_);
    return;
  }
  if (!failure.empty()) {
    std::string list;
    for (const auto& id : ids) list += (list.empty() ? "" : ",") + loggable(id);
    log_.error("engine failed on a batch of {} texts (requests {}): {}", batch.size(), list,
               failure);
    for (auto& job : batch) {
      job.call->fail(grpc::Status(
          grpc::StatusCode::INTERNAL,
          "translation engine failure (request " + job.call->request_id() + "): " + failure));
    }
    return;
  }
  stats_.texts_translated += batch.size();
  // Timing once per call, not per text: a call's compute time is the engine time of the
  // batches that served it, not that times its texts in each.
  std::set<const PendingCall*> timed;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& job = batch[i];
    if (timed.insert(job.call.get()).second) job.call->add_timing(start, compute_time);
    if (scoring) {
      job.call->set_score(job.index, std::move(scores[i]));
      continue;
    }
    if (!job.cache_key.empty()) cache_.insert(job.cache_key, results[i]);
    job.call->set_result(job.index, std::move(results[i]), false);
  }
}

}  // namespace nmtd::worker
