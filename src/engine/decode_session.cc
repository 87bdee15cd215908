#include "engine/decode_session.h"

#include <algorithm>
#include <mutex>

#include "common/error.h"
#include "engine/nn/encoder.h"

namespace nmtd {
namespace {

int session_steps(const TranslationOptions& options, int max_steps) {
  return std::max(max_steps, options.decoding.max_decoding_length);
}

int64_t checked_rows_per_request(const TranslationOptions& options, int64_t max_rows) {
  options.validate();
  const int64_t per_request = rows_per_input(options.decoding);
  if (max_rows < per_request)
    throw InvalidArgument("a decode session needs room for one request's " +
                          std::to_string(per_request) + " rows, got max_rows " +
                          std::to_string(max_rows));
  return per_request;
}

}  // namespace

DecodeSession::DecodeSession(Translator& translator, const TranslationOptions& options,
                             int64_t max_rows, int max_steps)
    : translator_(translator),
      options_(options),
      vocab_(translator.decode_vocab()),
      rows_per_request_(checked_rows_per_request(options, max_rows)),
      max_rows_(max_rows),
      decoder_(translator.weights_, translator.pool_, max_rows, session_steps(options, max_steps),
               &translator.progress_),
      rows_(static_cast<std::size_t>(max_rows)) {
  check_and_reserve(session_steps(options, max_steps));
}

DecodeSession::DecodeSession(Translator& translator, const TranslationOptions& options,
                             DecoderMemory memory)
    : translator_(translator),
      options_(options),
      vocab_(translator.decode_vocab()),
      rows_per_request_(checked_rows_per_request(options, memory.rows())),
      max_rows_(memory.rows()),
      decoder_(translator.weights_, translator.pool_, std::move(memory), &translator.progress_),
      rows_(static_cast<std::size_t>(decoder_.max_rows())) {
  if (options.decoding.max_decoding_length > decoder_.max_steps())
    throw InvalidArgument(
        "max_decoding_length " + std::to_string(options.decoding.max_decoding_length) +
        " exceeds the decoder memory's " + std::to_string(decoder_.max_steps()) + " steps");
  check_and_reserve(static_cast<int>(decoder_.max_steps()));
}

void DecodeSession::check_and_reserve(int steps) {
  TranslationOptions widest = options_;
  widest.decoding.max_decoding_length = steps;
  translator_.check_options(widest);
  decoding::check_vocab(vocab_, decoder_.vocab_size());
  // Greedy requests hold a row each: at most max_rows_ run at once.
  running_.reserve(static_cast<std::size_t>(max_rows_));
  just_finished_.reserve(static_cast<std::size_t>(max_rows_));
}

DecodeSession::~DecodeSession() = default;

bool DecodeSession::room_for(std::span<const int64_t> source_tokens) const {
  int64_t total = 0;
  for (const int64_t n : source_tokens) total += n;
  return static_cast<int64_t>(source_tokens.size()) <= room() &&
         total <= decoder_.memory_rows_free();
}

DecoderMemory DecodeSession::take_memory() {
  running_.clear();
  finished_.clear();
  return decoder_.take_memory();
}

int64_t DecodeSession::rows_free() const {
  int64_t held = 0;
  for (const auto& r : running_) held += r.rows;
  return max_rows_ - held;
}

int64_t DecodeSession::room() const { return rows_free() / rows_per_request_; }

bool DecodeSession::accepts(const TranslationOptions& options) const {
  return rows_per_input(options.decoding) <= max_rows_ &&
         options.decoding.max_decoding_length <= decoder_.max_steps();
}

void DecodeSession::release_locked() {
  if (rows_.plan(true)) decoder_.select_rows(rows_.origins());
}

std::vector<DecodeSession::RequestId> DecodeSession::add(const std::vector<Request>& requests) {
  std::vector<Translator::Prepared> prepared;
  prepared.reserve(requests.size());
  int64_t to_decode = 0, rows = 0;
  for (const auto& request : requests) {
    const TranslationOptions& options = request.options ? *request.options : options_;
    options.validate();
    if (!accepts(options))
      throw InvalidArgument("a request of " + std::to_string(rows_per_input(options.decoding)) +
                            " rows (beam_size " + std::to_string(options.decoding.beam_size) +
                            ") and max_decoding_length " +
                            std::to_string(options.decoding.max_decoding_length) +
                            " cannot join a decode session of " + std::to_string(max_rows_) +
                            " rows and " + std::to_string(decoder_.max_steps()) + " steps");
    prepared.push_back(translator_.prepare(request.source, request.target_prefix, options));
    if (prepared.back().result) continue;
    decoding::check_decodable(prepared.back().input, vocab_, decoder_.vocab_size());
    ++to_decode;
    rows += rows_per_input(options.decoding);
  }
  if (rows > rows_free())
    throw InvalidArgument("the decode session has " + std::to_string(rows_free()) + " rows free, " +
                          std::to_string(to_decode) + " requests of " + std::to_string(rows) +
                          " rows asked");
  std::vector<RequestId> ids;
  ids.reserve(requests.size());
  std::vector<int32_t> all_ids, lengths;
  for (auto& p : prepared) {
    ids.push_back(next_id_++);
    if (p.result) {
      finished_.push_back({ids.back(), std::move(*p.result)});
      continue;
    }
    lengths.push_back(static_cast<int32_t>(p.source_ids.size()));
    all_ids.insert(all_ids.end(), p.source_ids.begin(), p.source_ids.end());
  }
  if (lengths.empty()) return ids;

  std::lock_guard lock(translator_.mutex_);
  std::vector<float> memory;
  Encoder encoder(translator_.weights_, translator_.pool_, &translator_.progress_);
  encoder.forward(all_ids, lengths, memory);
  release_locked();
  decoder_.add_examples(memory, lengths);
  for (std::size_t i = 0; i < prepared.size(); ++i) {
    if (prepared[i].result) continue;
    // Each request is its own CT2 batch: its prefix rules look at its own prefix only.
    const DecodeInput& input = prepared[i].input;
    const DecodingOptions& options =
        requests[i].options ? requests[i].options->decoding : options_.decoding;
    running_.push_back({ids[i], options, rows_per_input(options),
                        decoding::make_search(input, vocab_, options, decoder_.vocab_size(),
                                              !input.prefix.empty())});
    rows_.add(*running_.back().search);
  }
  return ids;
}

int64_t DecodeSession::step() {
  std::lock_guard lock(translator_.mutex_);
  if (rows_.plan(false)) decoder_.select_rows(rows_.origins());
  if (rows_.empty()) return 0;
  decoder_.step_rows(rows_.ids(), decoder_.logits());
  just_finished_.clear();
  rows_.advance(decoder_.logits(), decoder_.vocab_size(), just_finished_);
  for (const auto* search : just_finished_) {
    const auto it = std::find_if(running_.begin(), running_.end(),
                                 [search](const Running& r) { return r.search.get() == search; });
    auto hyps = it->search->take_hypotheses();
    decoding::finish_hypotheses(hyps, vocab_, it->options);
    finished_.push_back({it->id, translator_.to_result(hyps)});
    running_.erase(it);
  }
  return rows_.rows();
}

void DecodeSession::drop(RequestId id) {
  const auto it =
      std::find_if(running_.begin(), running_.end(), [id](const Running& r) { return r.id == id; });
  if (it != running_.end()) {
    rows_.drop(*it->search);
    running_.erase(it);
    return;
  }
  std::erase_if(finished_, [id](const Finished& f) { return f.id == id; });
}

std::vector<DecodeSession::Finished> DecodeSession::take_finished() {
  std::vector<Finished> out;
  out.swap(finished_);
  return out;
}

int DecodeSession::steps_of(RequestId id) const {
  for (const auto& r : running_) {
    if (r.id == id) return r.search->steps();
  }
  return 0;
}

}  // namespace nmtd
