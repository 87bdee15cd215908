#pragma once
// A bounded LRU cache of finished translations. The desktop client re-translates the same UI
// strings all day, so a hit skips the engine entirely. The bound is in bytes (keys, texts and
// bookkeeping estimated), not entries: one 64 KiB text must not count like a 3-word label.
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/translator.h"

namespace nmtd::worker {

struct CacheStats {
  uint64_t entries = 0, bytes = 0, capacity_bytes = 0, hits = 0, misses = 0, evictions = 0;
};

class TranslationCache {
 public:
  explicit TranslationCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  // The key of one text under a language pair and options: every field that can change the
  // output is in it, the target prefix's pieces (after the language token) too.
  static std::string key(std::string_view text, std::string_view source_language,
                         std::string_view target_language, const TranslationOptions& options,
                         std::span<const std::string> target_prefix = {});

  std::optional<TranslationResult> find(const std::string& key);
  // Keeps hypotheses' texts and scores only (tokens are not needed to answer). An entry larger
  // than the whole capacity is not kept.
  void insert(const std::string& key, const TranslationResult& result);
  CacheStats stats() const;

 private:
  struct Entry {
    std::string key;
    TranslationResult result;
    std::size_t bytes = 0;
  };
  void evict_until_fits(std::size_t incoming);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // front = most recently used
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // views into lru_
  std::size_t bytes_ = 0;
  uint64_t hits_ = 0, misses_ = 0, evictions_ = 0;
};

}  // namespace nmtd::worker
