#include "worker/batcher.h"

#include <pthread.h>

#include <algorithm>
#include <deque>
#include <set>

#include "common/error.h"
#include "common/loggable.h"
#include "crash/crash_reporter.h"

namespace nmtd::worker {
namespace {

// Decoder steps a session is sized for at least: the default max_decoding_length, so that
// texts with default options join any session their beam size fits. A text asking for more
// steps than the running session has waits until it drains.
constexpr int kSessionSteps = 256;

std::string joined(const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + loggable(id);
  return list;
}

}  // namespace

// One decode session as the batcher drives it: the texts in it, their calls and request ids,
// and the throughput measured since the last text finished.
class Batcher::Session {
 public:
  Session(Batcher& batcher, std::unique_ptr<DecodeSession> decode)
      : b_(batcher), decode_(std::move(decode)), period_start_(Clock::now()) {}
  ~Session() {
    b_.running_work_.store(0, std::memory_order_relaxed);
    b_.activity_.end();
  }

  std::size_t live() const { return live_.size(); }
  DecoderMemory take_memory() { return decode_->take_memory(); }

  // Encodes the texts and lets their rows join the running ones.
  void admit(std::vector<TextJob> jobs) {
    if (jobs.empty()) return;
    ++b_.stats_.batches;
    // Their work counts as running from now, not from after the next step: admission must see
    // it while their encoder runs, which at the full shape takes seconds.
    double joining = 0;
    for (const auto& job : jobs) joining += job.work;
    b_.running_work_.store(b_.running_work_.load(std::memory_order_relaxed) + joining,
                           std::memory_order_relaxed);
    for (const auto& job : jobs) enter(job);
    publish_request_ids();
    std::string failure;
    try {
      // Outside any catch of std::exception: a test's uncaught exception must escape.
      if (b_.faults_ && b_.faults_->act_out(jobs)) period_faulted_ = true;
    } catch (const Error& e) {
      failure = e.what();
    }
    std::vector<DecodeSession::RequestId> ids;
    if (failure.empty()) {
      std::vector<DecodeSession::Request> requests;
      requests.reserve(jobs.size());
      for (const auto& job : jobs) {
        std::vector<std::string> prefix{job.target_language};
        prefix.insert(prefix.end(), job.target_prefix.begin(), job.target_prefix.end());
        requests.push_back({job.source, std::move(prefix), job.options.get()});
      }
      try {
        ids = decode_->add(requests);
      } catch (const std::exception& e) {
        failure = e.what();
      }
    }
    if (!failure.empty()) {
      fail_engine(jobs, failure);
      return;
    }
    const auto encoded = Clock::now();
    for (std::size_t i = 0; i < jobs.size(); ++i) {
      period_work_ += jobs[i].tokens();
      jobs[i].decoding_since = encoded;
      live_.emplace(ids[i], std::move(jobs[i]));
    }
    answer(decode_->take_finished());
  }

  // Texts of the queue that may join now, within the row budget and the batching limits.
  void join_from_queue() {
    const int texts = b_.batching_.max_batch_texts - static_cast<int>(live_.size());
    const int tokens = b_.batching_.max_batch_tokens - tokens_;
    auto taken = b_.queue_.take_joining(
        // A Score item never joins a decode: it is scored in a batch of its own. Texts of any
        // beam size join, within the session's free rows.
        [this](const TextJob& job) { return !job.scoring && decode_->accepts(*job.options); },
        texts, tokens, [](const TextJob& job) { return rows_per_input(job.options->decoding); },
        decode_->rows_free());
    fail_dead_jobs(taken.dead, b_.stats_);
    admit(std::move(taken.batch));
  }

  // Between steps: the rows of texts nobody waits for leave.
  void drop_dead() {
    const auto now = Clock::now();
    std::vector<TextJob> dead;
    int most_steps = 0;
    Clock::time_point earliest = now;
    for (auto it = live_.begin(); it != live_.end();) {
      if (!is_dead(it->second, now)) {
        ++it;
        continue;
      }
      most_steps = std::max(most_steps, decode_->steps_of(it->first));
      earliest = std::min(earliest, it->second.decoding_since);
      decode_->drop(it->first);
      leave(it->second);
      dead.push_back(std::move(it->second));
      it = live_.erase(it);
    }
    if (dead.empty()) return;
    std::vector<std::string> ids;
    for (const auto& job : dead) ids.push_back(job.call->request_id());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    // How far they got, and since when: what admission's estimate is to be set against.
    b_.log_.info(
        "stopped {} texts mid-decode: their callers had gone ({}); at most {} steps run, the "
        "earliest in the decode for {} ms, {} texts in the session",
        dead.size(), joined(ids), most_steps,
        std::chrono::duration_cast<std::chrono::milliseconds>(now - earliest).count(),
        live_.size() + dead.size());
    fail_dead_jobs(dead, b_.stats_);
    publish_request_ids();
  }

  // One decoder step; false when the engine failed (every text in the session then has).
  bool step() {
    int64_t rows = 0;
    const auto started = Clock::now();
    try {
      rows = decode_->step();
    } catch (const std::exception& e) {
      std::vector<TextJob> all;
      for (auto& [id, job] : live_) all.push_back(std::move(job));
      live_.clear();
      fail_engine(all, e.what());
      return false;
    }
    period_work_ += static_cast<double>(rows);
    if (rows > 0 && !period_faulted_)
      b_.throughput_.record_step(
          std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started), rows);
    answer(decode_->take_finished());
    update_running_work();
    return true;
  }

 private:
  struct CallSpan {
    Clock::time_point joined;
    int texts = 0;
  };
  struct InFlight {
    InFlight(crash::InFlightRing& ring, const std::string& id) : scope(ring, id) {}
    int texts = 0;
    crash::InFlightScope scope;
  };

  void enter(const TextJob& job) {
    tokens_ += job.tokens();
    auto& span = calls_.try_emplace(job.call.get(), CallSpan{Clock::now()}).first->second;
    ++span.texts;
    ++in_flight_.try_emplace(job.call->request_id(), b_.in_flight_, job.call->request_id())
          .first->second.texts;
  }

  // The text leaves the session; returns the engine time of its call when it was the call's
  // last text in it.
  std::optional<std::pair<Clock::time_point, std::chrono::microseconds>> leave(const TextJob& job) {
    tokens_ -= job.tokens();
    std::optional<std::pair<Clock::time_point, std::chrono::microseconds>> timing;
    const auto call = calls_.find(job.call.get());
    if (call != calls_.end() && --call->second.texts == 0) {
      timing.emplace(call->second.joined, std::chrono::duration_cast<std::chrono::microseconds>(
                                              Clock::now() - call->second.joined));
      calls_.erase(call);
    }
    const auto flight = in_flight_.find(job.call->request_id());
    if (flight != in_flight_.end() && --flight->second.texts == 0) in_flight_.erase(flight);
    return timing;
  }

  void answer(std::vector<DecodeSession::Finished> finished) {
    if (finished.empty()) return;
    int source_tokens = 0, output_tokens = 0;
    for (auto& f : finished) {
      auto node = live_.extract(f.id);
      if (node.empty()) continue;
      TextJob& job = node.mapped();
      int out = 0;
      for (const auto& h : f.result.hypotheses)
        out = std::max(out, static_cast<int>(h.tokens.size()));
      source_tokens += job.tokens();
      output_tokens += out + 1;  // the end token, decoded too
      if (!period_faulted_) {
        b_.throughput_.record_text(job.tokens(), out + 1);
        b_.throughput_.record_pace(std::chrono::duration_cast<std::chrono::microseconds>(
                                       Clock::now() - job.decoding_since),
                                   out + 1);
      }
      if (!job.cache_key.empty()) b_.cache_.insert(job.cache_key, f.result);
      ++b_.stats_.texts_translated;
      // Timing once per call, before its last result may complete it.
      if (const auto timing = leave(job)) job.call->add_timing(timing->first, timing->second);
      job.call->set_result(job.index, std::move(f.result), false);
    }
    publish_request_ids();
    const auto now = Clock::now();
    if (!period_faulted_ && output_tokens > 0) {
      b_.throughput_.record_batch(
          period_work_, std::chrono::duration_cast<std::chrono::microseconds>(now - period_start_),
          source_tokens, output_tokens);
    }
    period_start_ = now;
    period_work_ = 0;
    period_faulted_ = false;
  }

  void fail_engine(std::vector<TextJob>& jobs, const std::string& failure) {
    std::vector<std::string> ids;
    for (const auto& job : jobs) ids.push_back(job.call->request_id());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    b_.log_.error("engine failed on a batch of {} texts (requests {}): {}", jobs.size(),
                  joined(ids), failure);
    for (auto& job : jobs) {
      leave(job);
      job.call->fail(grpc::Status(
          grpc::StatusCode::INTERNAL,
          "translation engine failure (request " + job.call->request_id() + "): " + failure));
    }
    publish_request_ids();
  }

  // What is left of the running texts' expected work, for deadline-aware admission.
  void update_running_work() {
    double left = 0;
    for (const auto& [id, job] : live_) {
      const int beams = std::max(1, job.options->decoding.beam_size);
      left += std::max(
          0.0, job.work - ThroughputModel::done_work(job.tokens(), decode_->steps_of(id), beams));
    }
    b_.running_work_.store(left, std::memory_order_relaxed);
  }

  void publish_request_ids() {
    std::vector<std::string> ids;
    ids.reserve(in_flight_.size());
    for (const auto& [id, flight] : in_flight_) ids.push_back(id);
    b_.activity_.set_request_ids(std::move(ids));
  }

  Batcher& b_;
  std::unique_ptr<DecodeSession> decode_;
  std::map<DecodeSession::RequestId, TextJob> live_;
  std::map<const PendingCall*, CallSpan> calls_;
  std::map<std::string, InFlight> in_flight_;
  int tokens_ = 0;
  Clock::time_point period_start_;
  double period_work_ = 0;
  bool period_faulted_ = false;
};

Batcher::Batcher(Translator& translator, AdmissionQueue& queue, TranslationCache& cache,
                 const DecodeMemoryPlan& memory, WorkerStats& stats, crash::InFlightRing& in_flight,
                 Logger& log, EngineFaults* faults)
    : translator_(translator),
      queue_(queue),
      cache_(cache),
      memory_plan_(memory),
      batching_(memory.batching),
      stats_(stats),
      in_flight_(in_flight),
      log_(log),
      faults_(faults),
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
  if (memory_plan_.lent) {
    try {
      memory_ = translator_.decoder_memory(memory_plan_.shape);
    } catch (const std::exception& e) {
      log_.error("could not make the decoder memory resident ({}); the first batch tries again",
                 e.what());
    }
  }
  log_.info("{}", memory_plan_.summary());
  while (!stop.stop_requested()) {
    auto taken = queue_.take(batching_, stop);
    if (!taken) break;
    fail_dead_jobs(taken->dead, stats_);
    if (taken->batch.empty()) continue;
    // A batch key never mixes Score items with translations.
    if (taken->batch.front().scoring)
      score(std::move(taken->batch));
    else
      drive(std::move(taken->batch), stop);
  }
}

Backlog Batcher::running() const {
  Backlog backlog;
  // Refreshed after every decoder step: what is left, not what the session began with.
  backlog.running_work = running_work_.load(std::memory_order_relaxed);
  backlog.max_rows = memory_plan_.lent ? memory_plan_.shape.rows
                                       : static_cast<int64_t>(batching_.max_batch_texts) * 2;
  return backlog;
}

void Batcher::drive(std::vector<TextJob> first, std::stop_token stop) {
  const TranslationOptions& options = *first.front().options;
  bool lent = false;
  std::unique_ptr<DecodeSession> decode;
  try {
    decode = open_session(options, static_cast<int64_t>(first.size()), lent);
  } catch (const std::exception& e) {
    log_.error("could not open a decode session for {} texts: {}", first.size(), e.what());
    for (auto& job : first) {
      job.call->fail(grpc::Status(
          grpc::StatusCode::INTERNAL,
          "translation engine failure (request " + job.call->request_id() + "): " + e.what()));
    }
    return;
  }
  activity_.begin({});
  Session session(*this, std::move(decode));
  session.admit(std::move(first));
  for (;;) {
    session.drop_dead();
    if (!stop.stop_requested()) session.join_from_queue();
    if (session.live() == 0) break;
    if (!session.step()) break;
  }
  if (lent) memory_ = session.take_memory();
}

std::unique_ptr<DecodeSession> Batcher::open_session(const TranslationOptions& options,
                                                     int64_t texts, bool& lent) {
  // Rows per text: beam_size, or more for alternatives and sampled hypotheses.
  const auto beams = std::max<int64_t>(1, rows_per_input(options.decoding));
  const int max_steps = static_cast<int>(
      std::min<int64_t>(std::max(options.decoding.max_decoding_length, kSessionSteps),
                        translator_.info().max_target_positions));
  // Made again when a session that failed to open lost it (or run() could not make it).
  if (memory_plan_.lent && !memory_) memory_ = translator_.decoder_memory(memory_plan_.shape);
  lent = memory_ && texts * beams <= memory_->rows() &&
         options.decoding.max_decoding_length <= memory_->steps();
  if (!lent) {
    return translator_.open_session(
        options, std::max<int64_t>(1, batching_.max_batch_texts) * beams, max_steps);
  }
  DecoderMemory memory = std::move(*memory_);
  memory_.reset();
  return translator_.open_session(options, std::move(memory));
}

void Batcher::score(std::vector<TextJob> batch) {
  std::vector<std::vector<std::string>> sources, targets;
  std::set<std::string> ids;
  for (const auto& job : batch) {
    sources.push_back(job.source);
    targets.push_back(job.target);
    ids.insert(job.call->request_id());
  }
  std::deque<crash::InFlightScope> in_flight;  // deque: scopes need not be movable
  for (const auto& id : ids) in_flight.emplace_back(in_flight_, id);
  const auto start = Clock::now();
  activity_.begin({ids.begin(), ids.end()});
  // Between steps: once every call of the batch is cancelled, expired or failed, nobody wants
  // the rest of it.
  const Translator::Abandon nobody_waits = [&batch] {
    const auto now = Clock::now();
    return std::all_of(batch.begin(), batch.end(),
                       [now](const TextJob& job) { return is_dead(job, now); });
  };
  std::vector<ScoringResult> scores;
  std::string failure;
  bool abandoned = false;
  try {
    scores = translator_.score_tokens(sources, targets, *batch.front().scoring, nobody_waits);
  } catch (const Abandoned& e) {
    abandoned = true;
    failure = e.what();
  } catch (const std::exception& e) {
    failure = e.what();
  }
  activity_.end();
  const auto took = std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start);
  ++stats_.batches;
  // The throughput model prices translations; scoring batches would skew it, so none is kept.
  if (abandoned) {
    log_.info("stopped a batch of {} Score items after {} ms: every caller had gone ({})",
              batch.size(), took.count() / 1000, failure);
    fail_dead_jobs(batch, stats_);
    return;
  }
  if (!failure.empty()) {
    log_.error("engine failed on a batch of {} Score items (requests {}): {}", batch.size(),
               joined({ids.begin(), ids.end()}), failure);
    for (auto& job : batch) {
      job.call->fail(grpc::Status(
          grpc::StatusCode::INTERNAL,
          "scoring engine failure (request " + job.call->request_id() + "): " + failure));
    }
    return;
  }
  // Timing once per call, not per item.
  std::set<const PendingCall*> timed;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto& job = batch[i];
    if (timed.insert(job.call.get()).second) job.call->add_timing(start, took);
    job.call->set_score(job.index, std::move(scores[i]));
  }
}

}  // namespace nmtd::worker
