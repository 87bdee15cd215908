#include "worker/translation_cache.h"

#include <cstring>

namespace nmtd::worker {
namespace {

// Per-entry overhead: list node, hash node, the result vector and its strings.
constexpr std::size_t kEntryOverhead = 160;

std::size_t entry_bytes(const std::string& key, const TranslationResult& result) {
  std::size_t n = kEntryOverhead + 2 * key.size();  // the key is stored once, hashed views
  for (const auto& h : result.hypotheses) n += sizeof(h) + h.text.size();
  return n;
}

template <typename T>
void append_raw(std::string& out, T value) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

}  // namespace

std::string TranslationCache::key(std::string_view text, std::string_view source_language,
                                  std::string_view target_language,
                                  const TranslationOptions& options,
                                  std::span<const std::string> target_prefix) {
  // Length-prefixed fields, so no choice of text can make two different requests collide.
  std::string k;
  k.reserve(text.size() + 96);
  for (std::string_view part : {source_language, target_language, text}) {
    append_raw<uint64_t>(k, part.size());
    k.append(part);
  }
  const auto& d = options.decoding;
  append_raw(k, d.beam_size);
  append_raw(k, d.patience);
  append_raw(k, d.length_penalty);
  append_raw(k, d.max_decoding_length);
  append_raw(k, d.min_decoding_length);
  append_raw(k, d.repetition_penalty);
  append_raw(k, d.no_repeat_ngram_size);
  append_raw(k, d.num_hypotheses);
  append_raw(k, static_cast<uint8_t>(d.return_scores));
  append_raw(k, static_cast<uint8_t>(d.disable_unk));
  append_raw(k, options.max_input_length);
  // Sampling and alternatives, then the target prefix's pieces.
  append_raw(k, d.sampling_topk);
  append_raw(k, d.sampling_topp);
  append_raw(k, d.sampling_temperature);
  append_raw(k, d.sampling_seed);
  append_raw(k, static_cast<uint8_t>(d.return_alternatives));
  append_raw(k, d.min_alternative_expansion_prob);
  append_raw<uint64_t>(k, target_prefix.size());
  for (const std::string& piece : target_prefix) {
    append_raw<uint64_t>(k, piece.size());
    k.append(piece);
  }
  return k;
}

std::optional<TranslationResult> TranslationCache::find(const std::string& key) {
  std::lock_guard lock(mutex_);
  const auto it = index_.find(key);
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  ++hits_;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->result;
}

void TranslationCache::insert(const std::string& key, const TranslationResult& result) {
  TranslationResult slim;
  for (const auto& h : result.hypotheses) {
    slim.hypotheses.push_back({.tokens = {}, .score = h.score, .text = h.text});
  }
  const std::size_t bytes = entry_bytes(key, slim);
  std::lock_guard lock(mutex_);
  if (bytes > capacity_) return;
  if (const auto it = index_.find(key); it != index_.end()) {
    // Another batch computed the same text meanwhile: refresh its place, keep one copy.
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  evict_until_fits(bytes);
  lru_.push_front(Entry{key, std::move(slim), bytes});
  index_.emplace(lru_.front().key, lru_.begin());
  bytes_ += bytes;
}

void TranslationCache::evict_until_fits(std::size_t incoming) {
  while (!lru_.empty() && bytes_ + incoming > capacity_) {
    const Entry& victim = lru_.back();
    index_.erase(victim.key);
    bytes_ -= victim.bytes;
    lru_.pop_back();
    ++evictions_;
  }
}

CacheStats TranslationCache::stats() const {
  std::lock_guard lock(mutex_);
  return {.entries = lru_.size(),
          .bytes = bytes_,
          .capacity_bytes = capacity_,
          .hits = hits_,
          .misses = misses_,
          .evictions = evictions_};
}

}  // namespace nmtd::worker
