#include "front/dispatch/translation_facade.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "common/error.h"

namespace nmtd::front {

namespace {

bool writes_without_spaces(std::string_view nllb) {
  for (const char* script :
       {"_Jpan", "_Hans", "_Hant", "_Thai", "_Khmr", "_Laoo", "_Mymr", "_Tibt"})
    if (nllb.ends_with(script)) return true;
  return false;
}

text_split::SentenceSpacing spacing_for(std::string_view source, std::string_view target) {
  if (writes_without_spaces(target)) return text_split::SentenceSpacing::kNone;
  if (writes_without_spaces(source)) return text_split::SentenceSpacing::kSpace;
  return text_split::SentenceSpacing::kKeep;
}

struct PieceResult {
  bool done = false;
  grpc::Status status;
  std::chrono::milliseconds retry_after{0};
  std::vector<std::string> hypotheses;  // best first
  float score = 0;
  bool scored = false;
};

// One translate() call in flight: the split texts, the distinct pieces and their results.
struct Job {
  FacadeRequest request;
  TranslationFacade::Done done;
  std::vector<std::optional<text_split::SplitText>> splits;
  std::vector<TextOutcome> outcomes;
  std::vector<std::string> pieces;                 // distinct
  std::vector<std::vector<std::size_t>> piece_of;  // per text: its pieces' indices in `pieces`
  std::mutex mutex;
  std::vector<PieceResult> results;
  std::size_t pieces_failed = 0;
  grpc::Status first_failure;
  // Pieces went to the workers in several calls: the request is served only when all are, so
  // the largest hint is the one to give.
  std::chrono::milliseconds largest_retry_after{0};

  void record(std::size_t first, std::size_t last, const CallOutcome& outcome,
              const nmt::v1::TranslateResponse* response);
  void assemble();
};

void Job::record(std::size_t first, std::size_t last, const CallOutcome& outcome,
                 const nmt::v1::TranslateResponse* response) {
  const grpc::Status& status = outcome.status;
  std::lock_guard lock(mutex);
  largest_retry_after = std::max(largest_retry_after, outcome.retry_after);
  for (std::size_t p = first; p < last; ++p) {
    PieceResult& r = results[p];
    r.done = true;
    r.status = status;
    r.retry_after = outcome.retry_after;
    if (!status.ok() || !response) continue;
    const auto& tr = response->translations(static_cast<int>(p - first));
    if (tr.hypotheses_size() == 0) r.hypotheses.push_back(tr.text());
    for (const auto& h : tr.hypotheses()) r.hypotheses.push_back(h.text());
    if (tr.hypotheses_size() > 0 && request.options.return_scores()) {
      r.score = tr.hypotheses(0).score();
      r.scored = true;
    }
  }
  if (!status.ok()) {
    if (pieces_failed == 0) first_failure = status;
    pieces_failed += last - first;
  }
}

void Job::assemble() {
  // No worker could serve any of it: one status says why, rather than the same error per text.
  if (!pieces.empty() && pieces_failed == pieces.size()) {
    const bool refused = first_failure.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED;
    return done({first_failure, refused ? largest_retry_after : std::chrono::milliseconds(0)}, {});
  }
  const auto spacing = spacing_for(request.source, request.target);
  std::size_t alternatives = 0;
  if (request.options.has_num_hypotheses() && request.options.num_hypotheses() > 1)
    alternatives = static_cast<std::size_t>(request.options.num_hypotheses()) - 1;
  for (std::size_t t = 0; t < outcomes.size(); ++t) {
    TextOutcome& out = outcomes[t];
    if (!out.status.ok() || !splits[t]) continue;
    const auto& ids = piece_of[t];
    out.pieces = static_cast<int>(ids.size());
    std::vector<std::string> best;
    double score_sum = 0;
    bool scored = !ids.empty();
    for (const std::size_t id : ids) {
      const PieceResult& r = results[id];
      if (!r.status.ok()) {
        if (out.status.ok()) out.status = r.status;
        out.retry_after = std::max(out.retry_after, r.retry_after);
        continue;  // the text's other refused pieces may hint later
      }
      best.push_back(r.hypotheses.empty() ? std::string() : r.hypotheses.front());
      score_sum += r.score;
      scored = scored && r.scored;
    }
    if (out.status.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED)
      out.retry_after = std::chrono::milliseconds(0);
    if (!out.status.ok()) continue;
    out.translation = ids.empty() ? std::string() : splits[t]->join(best, spacing);
    if (scored) out.score = static_cast<float>(score_sum / static_cast<double>(ids.size()));
    for (std::size_t k = 1; k <= alternatives; ++k) {
      std::vector<std::string> kth;
      for (const std::size_t id : ids) {
        const auto& h = results[id].hypotheses;
        kth.push_back(k < h.size() ? h[k] : (h.empty() ? std::string() : h.front()));
      }
      out.alternatives.push_back(splits[t]->join(kth, spacing));
    }
  }
  done({grpc::Status::OK}, std::move(outcomes));
}

}  // namespace

TranslationFacade::TranslationFacade(Forwarder& forwarder, std::size_t max_text_bytes,
                                     DispatchLimits limits)
    : forwarder_(forwarder),
      max_text_bytes_(max_text_bytes),
      limits_(limits),
      splitter_(
          text_split::SplitOptions{.max_text_bytes = max_text_bytes, .max_piece_bytes = 1000}) {}

TranslationFacade::Cancel TranslationFacade::translate(FacadeRequest request, Done done) {
  auto job = std::make_shared<Job>();
  job->done = std::move(done);
  const std::size_t n = request.texts.size();
  job->outcomes.resize(n);
  job->splits.resize(n);
  job->piece_of.resize(n);
  std::map<std::string, std::size_t> index;
  for (std::size_t t = 0; t < n; ++t) {
    try {
      job->splits[t] = splitter_.split(request.texts[t], request.source);
    } catch (const InvalidArgument& e) {
      job->outcomes[t].status = grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                             "text " + std::to_string(t) + ": " + e.what());
      continue;
    }
    for (const auto& piece : job->splits[t]->pieces()) {
      const auto [it, fresh] = index.try_emplace(piece, job->pieces.size());
      if (fresh) job->pieces.push_back(piece);
      job->piece_of[t].push_back(it->second);
    }
  }
  job->results.resize(job->pieces.size());
  job->request = std::move(request);
  if (job->pieces.empty()) {
    job->assemble();
    return [] {};
  }

  nmt::v1::TranslateRequest call;
  call.set_source_language(job->request.source);
  call.set_target_language(job->request.target);
  *call.mutable_options() = job->request.options;
  call.set_request_id(job->request.request_id);
  // One deadline for the whole request, however many waves it takes.
  const auto deadline = forwarder_.deadline_or_default(job->request.deadline);
  // The dispatch holds the job through its callbacks, and the job does not hold the dispatch.
  auto dispatch = std::make_shared<PieceDispatch>(
      PieceDispatch::Parts{forwarder_, timer_, limits_, large_requests_}, job->pieces,
      std::move(call), deadline, job->request.client,
      [job](std::size_t first, std::size_t last, const CallOutcome& outcome,
            const nmt::v1::TranslateResponse* response) {
        job->record(first, last, outcome, response);
      },
      [job] { job->assemble(); });
  dispatch->start();
  // Not an owner: the dispatch lives only as long as its calls and backoffs.
  return [weak = std::weak_ptr<PieceDispatch>(dispatch)] {
    if (const auto live = weak.lock()) live->cancel();
  };
}

}  // namespace nmtd::front
