#include "worker/call_response.h"

namespace nmtd::worker {

void fill_response(const std::string& request_id, const CallResult& result,
                   nmt::v1::TranslateResponse& response) {
  response.set_request_id(request_id);
  response.set_queue_time_us(result.queue_time_us);
  response.set_compute_time_us(result.compute_time_us);
  for (std::size_t i = 0; i < result.results.size(); ++i) {
    auto* t = response.add_translations();
    const auto& hyps = result.results[i].hypotheses;
    if (!hyps.empty()) t->set_text(hyps.front().text);
    for (const auto& h : hyps) {
      auto* out = t->add_hypotheses();
      out->set_text(h.text);
      out->set_score(h.score);
    }
    t->set_from_cache(result.from_cache[i]);
  }
}

}  // namespace nmtd::worker
