#include "cli/batched_translation.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "common/error.h"

namespace nmtd::cli {

namespace {

// Lines that may share a batch: same options and language pair. The source language is the
// first source token.
bool same_batch(const EngineRequest& a, const EngineRequest& b) {
  const auto source_language = [](const EngineRequest& r) {
    return r.source_tokens.empty() ? std::string() : r.source_tokens.front();
  };
  return a.options == b.options && a.target == b.target && source_language(a) == source_language(b);
}

// A line's share of a batch (and of the read-ahead window), as CTranslate2 counts it.
std::size_t cost_of(const LineJob& job, BatchType type) {
  if (type == BatchType::kExamples || !job.request) return 1;
  return std::max<std::size_t>(1, job.request->source_tokens.size());
}

std::string message_of(const std::exception& e) {
  if (dynamic_cast<const Error*>(&e) != nullptr) return e.what();
  return std::string("internal error: ") + e.what();
}

// One engine call for `batch` (indices into `jobs`, all in one group). When it fails, each
// line is tried alone, so that only the lines the engine refuses get an error.
void run_batch(std::vector<LineJob>& jobs, const std::vector<std::size_t>& batch,
               const EngineCall& engine) {
  std::vector<std::vector<std::string>> sources, prefixes;
  for (const std::size_t i : batch) {
    sources.push_back(jobs[i].request->source_tokens);
    prefixes.push_back({jobs[i].request->target});
    const auto& forced = jobs[i].request->target_prefix;
    prefixes.back().insert(prefixes.back().end(), forced.begin(), forced.end());
  }
  try {
    auto results = engine(sources, prefixes, jobs[batch.front()].request->options);
    if (results.size() != batch.size())
      throw Error("the engine returned " + std::to_string(results.size()) + " results for " +
                  std::to_string(batch.size()) + " inputs");
    for (std::size_t k = 0; k < batch.size(); ++k) jobs[batch[k]].result = std::move(results[k]);
  } catch (const std::exception& e) {
    if (batch.size() == 1) {
      jobs[batch.front()].error = message_of(e);
      return;
    }
    for (const std::size_t i : batch) run_batch(jobs, {i}, engine);
  }
}

}  // namespace

BatchType parse_batch_type(std::string_view name) {
  if (name == "examples") return BatchType::kExamples;
  if (name == "tokens") return BatchType::kTokens;
  throw InvalidArgument("--batch-type must be examples or tokens, got '" + std::string(name) + "'");
}

void BatchingOptions::validate() const {
  if (max_batch_size < 1 || max_batch_size > kMaxBatchSizeLimit)
    throw InvalidArgument("--max-batch-size must be between 1 and " +
                          std::to_string(kMaxBatchSizeLimit) + ", got " +
                          std::to_string(max_batch_size));
}

std::size_t BatchingOptions::read_ahead() const {
  const auto size = static_cast<std::size_t>(max_batch_size);
  return size == 1 ? 1 : size * 16;
}

EngineCall engine_call(Translator& translator) {
  return [&translator](const std::vector<std::vector<std::string>>& sources,
                       const std::vector<std::vector<std::string>>& target_prefixes,
                       const TranslationOptions& options) {
    return translator.translate_tokens(sources, target_prefixes, options);
  };
}

void translate_jobs(std::vector<LineJob>& jobs, const EngineCall& engine,
                    const BatchingOptions& batching) {
  std::vector<std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (!jobs[i].request) continue;
    auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) {
      return same_batch(*jobs[g.front()].request, *jobs[i].request);
    });
    if (group == groups.end())
      groups.push_back({i});
    else
      group->push_back(i);
  }
  const auto max_size = static_cast<std::size_t>(batching.max_batch_size);
  for (auto& group : groups) {
    // Longest first, as CTranslate2 does: lines of a batch have similar lengths, so little
    // of each batch is padding.
    std::stable_sort(group.begin(), group.end(), [&](std::size_t a, std::size_t b) {
      return jobs[a].request->source_tokens.size() > jobs[b].request->source_tokens.size();
    });
    std::vector<std::size_t> batch;
    std::size_t batch_cost = 0;
    for (const std::size_t i : group) {
      const std::size_t cost = cost_of(jobs[i], batching.batch_type);
      if (!batch.empty() && batch_cost + cost > max_size) {
        run_batch(jobs, batch, engine);
        batch.clear();
        batch_cost = 0;
      }
      batch.push_back(i);
      batch_cost += cost;
    }
    if (!batch.empty()) run_batch(jobs, batch, engine);
  }
}

void translate_lines(LineSource& in, const std::function<LineJob(const std::string&)>& parse,
                     const EngineCall& engine, const std::function<void(const LineJob&)>& write,
                     const BatchingOptions& batching) {
  const std::size_t window_limit = batching.read_ahead();
  std::vector<LineJob> window;
  std::string line;
  bool end = false;
  while (!end) {
    window.clear();
    std::size_t window_cost = 0;
    // The first line of a window is waited for; the others are taken only if already there.
    while (window_cost < window_limit && (window.empty() || in.ready())) {
      if (!in.next(line)) {
        end = true;
        break;
      }
      window.push_back(parse(line));
      window_cost += cost_of(window.back(), batching.batch_type);
    }
    translate_jobs(window, engine, batching);
    for (const LineJob& job : window) write(job);
  }
}

}  // namespace nmtd::cli
