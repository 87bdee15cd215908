#include "front/dispatch/piece_dispatch.h"

#include <algorithm>

namespace nmtd::front {

namespace {

// Failures that concern the whole request rather than the texts of one call: the pieces not
// sent yet would meet them too.
bool stops_request(grpc::StatusCode code) {
  return code == grpc::StatusCode::DEADLINE_EXCEEDED || code == grpc::StatusCode::CANCELLED ||
         code == grpc::StatusCode::UNAVAILABLE || code == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

}  // namespace

DispatchLimits DispatchLimits::for_workers(int queue_capacity, int workers) {
  DispatchLimits limits;
  const auto capacity = static_cast<std::size_t>(std::max(1, queue_capacity));
  limits.texts_per_call = std::clamp<std::size_t>(capacity / 4, 1, 64);
  limits.texts_in_flight = std::max(limits.texts_per_call,
                                    capacity / 2 * static_cast<std::size_t>(std::max(1, workers)));
  return limits;
}

PieceDispatch::PieceDispatch(Parts parts, const std::vector<std::string>& pieces,
                             nmt::v1::TranslateRequest call,
                             std::chrono::system_clock::time_point deadline,
                             const grpc::CallbackServerContext* client, OnAnswer on_answer,
                             std::function<void()> on_finished)
    : parts_(parts),
      pieces_(pieces),
      call_(std::move(call)),
      deadline_(deadline),
      client_(client),
      on_answer_(std::move(on_answer)),
      on_finished_(std::move(on_finished)) {}

void PieceDispatch::start() {
  if (pieces_.size() > parts_.limits.texts_in_flight) {
    large_ = true;
    parts_.large_requests.fetch_add(1);
  }
  pump();
}

void PieceDispatch::pump() {
  std::vector<Chunk> ready;
  std::optional<std::pair<std::size_t, std::size_t>> unsent;
  CallOutcome why;
  bool finish = false;
  {
    std::lock_guard lock(mutex_);
    if (!stopped_ && client_cancelled())
      stopped_ =
          CallOutcome{grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the call")};
    const auto& limits = parts_.limits;
    // A large request's share; it grows back as the others finish (each always has a call out,
    // so it comes back here).
    const std::size_t in_flight =
        large_ ? std::max<std::size_t>(
                     1, limits.texts_in_flight / std::max<std::size_t>(1, parts_.large_requests))
               : limits.texts_in_flight;
    while (!stopped_ && next_ < pieces_.size() && texts_out_ < in_flight) {
      const std::size_t room = std::min(limits.texts_per_call, in_flight - texts_out_);
      Chunk chunk{.first = next_, .last = next_, .index = chunks_made_++};
      std::size_t bytes = 0;
      while (chunk.last < pieces_.size() && chunk.last - chunk.first < room &&
             (chunk.last == chunk.first ||
              bytes + pieces_[chunk.last].size() <= limits.bytes_per_call))
        bytes += pieces_[chunk.last++].size();
      next_ = chunk.last;
      texts_out_ += chunk.last - chunk.first;
      ++chunks_out_;
      ready.push_back(chunk);
    }
    if (!finished_ && chunks_out_ == 0 && ready.empty() && (next_ == pieces_.size() || stopped_)) {
      finished_ = true;
      finish = true;
      if (next_ < pieces_.size()) {
        unsent.emplace(next_, pieces_.size());
        why = *stopped_;
        next_ = pieces_.size();
      }
    }
  }
  for (auto& chunk : ready) send(chunk);
  if (!finish) return;
  if (large_) parts_.large_requests.fetch_sub(1);
  if (unsent) on_answer_(unsent->first, unsent->second, why, nullptr);
  on_finished_();
}

void PieceDispatch::send(Chunk chunk) {
  nmt::v1::TranslateRequest call = call_;
  for (std::size_t p = chunk.first; p < chunk.last; ++p) call.add_texts(pieces_[p]);
  const bool whole = chunk.first == 0 && chunk.last == pieces_.size();
  if (!call.request_id().empty() && !whole)
    call.set_request_id(call.request_id() + "#" + std::to_string(chunk.index));
  {
    std::lock_guard lock(mutex_);
    calls_.emplace(chunk.index, std::weak_ptr<ForwardedCall>());
  }
  auto self = shared_from_this();
  const auto forwarded = parts_.forwarder.forward(
      std::move(call), deadline_,
      [self, chunk](const CallOutcome& outcome, nmt::v1::TranslateResponse&& response) {
        self->on_reply(chunk, outcome, std::move(response));
      },
      client_);
  bool cancel_now = false;
  {
    std::lock_guard lock(mutex_);
    // No entry: answered already, from within forward().
    if (const auto it = calls_.find(chunk.index); it != calls_.end()) {
      it->second = forwarded;
      cancel_now = cancelled_;  // cancel() came while forward() ran and did not see the call
    }
  }
  if (cancel_now && forwarded) forwarded->cancel();
}

void PieceDispatch::cancel() {
  std::vector<std::shared_ptr<ForwardedCall>> in_flight;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    cancelled_ = true;
    if (!stopped_)
      stopped_ = CallOutcome{grpc::Status(grpc::StatusCode::CANCELLED, "the client went away")};
    for (const auto& [index, call] : calls_)
      if (auto c = call.lock()) in_flight.push_back(std::move(c));
  }
  // Each answers CANCELLED through on_reply(), which settles its pieces.
  for (const auto& call : in_flight) call->cancel();
}

void PieceDispatch::on_reply(Chunk chunk, const CallOutcome& outcome,
                             nmt::v1::TranslateResponse&& response) {
  const grpc::Status& status = outcome.status;
  bool cancelled = false;
  {
    std::lock_guard lock(mutex_);
    calls_.erase(chunk.index);
    cancelled = cancelled_;
  }
  if (cancelled || client_cancelled())
    return settle(chunk,
                  {grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the call")},
                  nullptr);
  // With no worker ready the refusal is the front's hold queue's, which is meant to be final.
  if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
      parts_.forwarder.workers_ready() > 0) {
    // Every worker's queue is full right now. The call alone fits a queue (it is at most half
    // of one), so it will be taken once earlier texts are done: wait, within the deadline.
    chunk.backoff = chunk.backoff.count() == 0
                        ? parts_.limits.backoff_initial
                        : std::min(chunk.backoff * 2, parts_.limits.backoff_max);
    const auto wake = RetryTimer::Clock::now() + chunk.backoff;
    if (std::chrono::system_clock::now() + chunk.backoff < deadline_) {
      auto self = shared_from_this();
      parts_.timer.at(wake, [self, chunk] { self->resend(chunk); });
      return;
    }
    // The worker's own hint, else the wait this dispatch would have tried next.
    return settle(
        chunk,
        {grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                      status.error_message() +
                          " (the workers' queues stayed full until the request's deadline)"),
         std::max(outcome.retry_after, chunk.backoff)},
        nullptr);
  }
  if (status.ok() && response.translations_size() != static_cast<int>(chunk.last - chunk.first))
    return settle(
        chunk,
        {grpc::Status(grpc::StatusCode::INTERNAL,
                      "a worker answered " + std::to_string(response.translations_size()) +
                          " translations for " + std::to_string(chunk.last - chunk.first) +
                          " texts")},
        nullptr);
  settle(chunk, outcome, status.ok() ? &response : nullptr);
}

void PieceDispatch::resend(Chunk chunk) {
  std::optional<CallOutcome> stopped;
  {
    std::lock_guard lock(mutex_);
    stopped = stopped_;
  }
  if (client_cancelled())
    stopped =
        CallOutcome{grpc::Status(grpc::StatusCode::CANCELLED, "the client cancelled the call")};
  if (stopped) return settle(chunk, *stopped, nullptr);
  send(chunk);
}

void PieceDispatch::settle(const Chunk& chunk, const CallOutcome& outcome,
                           const nmt::v1::TranslateResponse* response) {
  if (!outcome.status.ok() && stops_request(outcome.status.error_code())) {
    std::lock_guard lock(mutex_);
    if (!stopped_) stopped_ = outcome;  // with its hint: the pieces not sent would meet it too
  }
  on_answer_(chunk.first, chunk.last, outcome, response);
  {
    std::lock_guard lock(mutex_);
    texts_out_ -= chunk.last - chunk.first;
    --chunks_out_;
  }
  pump();
}

}  // namespace nmtd::front
