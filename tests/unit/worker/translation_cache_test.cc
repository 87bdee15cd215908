#include "worker/translation_cache.h"

#include <gtest/gtest.h>

namespace nmtd::worker {
namespace {

TranslationResult result(const std::string& text, float score = -0.5f) {
  TranslationResult r;
  r.hypotheses.push_back({.tokens = {"fra_Latn", "▁x"}, .score = score, .text = text});
  return r;
}

std::string key(const std::string& text) {
  return TranslationCache::key(text, "eng_Latn", "fra_Latn", TranslationOptions{});
}

TEST(TranslationCache, HitReturnsTheTextAndScoreWithoutTokens) {
  TranslationCache cache(1 << 20);
  cache.insert(key("hello"), result("bonjour", -0.25f));
  const auto hit = cache.find(key("hello"));
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->hypotheses.at(0).text, "bonjour");
  EXPECT_EQ(hit->hypotheses.at(0).score, -0.25f);
  EXPECT_TRUE(hit->hypotheses.at(0).tokens.empty());
  EXPECT_FALSE(cache.find(key("other")));
  const auto s = cache.stats();
  EXPECT_EQ(s.hits, 1u);
  EXPECT_EQ(s.misses, 1u);
  EXPECT_EQ(s.entries, 1u);
}

TEST(TranslationCache, KeysSeparateEveryFieldThatChangesTheOutput) {
  TranslationOptions beam3;
  beam3.decoding.beam_size = 3;
  TranslationOptions scores;
  scores.decoding.return_scores = true;
  TranslationOptions truncated;
  truncated.max_input_length = 5;
  const std::string base = key("a b");
  EXPECT_NE(base, TranslationCache::key("a b", "eng_Latn", "deu_Latn", {}));
  EXPECT_NE(base, TranslationCache::key("a b", "fra_Latn", "fra_Latn", {}));
  EXPECT_NE(base, TranslationCache::key("a b", "eng_Latn", "fra_Latn", beam3));
  EXPECT_NE(base, TranslationCache::key("a b", "eng_Latn", "fra_Latn", scores));
  EXPECT_NE(base, TranslationCache::key("a b", "eng_Latn", "fra_Latn", truncated));
  // Length prefixes: moving characters between fields never collides.
  EXPECT_NE(TranslationCache::key("x", "ab", "c", {}), TranslationCache::key("x", "a", "bc", {}));
  EXPECT_EQ(base, key("a b"));
}

TEST(TranslationCache, StaysWithinItsByteBoundEvictingTheLeastRecentlyUsed) {
  TranslationCache cache(4096);
  for (int i = 0; i < 100; ++i) {
    cache.insert(key("text " + std::to_string(i)), result(std::string(100, 'x')));
    ASSERT_LE(cache.stats().bytes, 4096u);
    // Keep "text 0" hot: it must survive every eviction.
    ASSERT_TRUE(cache.find(key("text 0"))) << i;
  }
  const auto s = cache.stats();
  EXPECT_GT(s.evictions, 0u);
  EXPECT_EQ(s.entries + s.evictions, 100u);
  EXPECT_FALSE(cache.find(key("text 1")));
  EXPECT_TRUE(cache.find(key("text 99")));
}

TEST(TranslationCache, AnEntryLargerThanTheCacheIsNotKept) {
  TranslationCache cache(1024);
  cache.insert(key("small"), result("s"));
  cache.insert(key("huge"), result(std::string(4096, 'h')));
  EXPECT_FALSE(cache.find(key("huge")));
  EXPECT_TRUE(cache.find(key("small")));
  EXPECT_EQ(cache.stats().evictions, 0u);
}

TEST(TranslationCache, ZeroCapacityKeepsNothing) {
  TranslationCache cache(0);
  cache.insert(key("a"), result("b"));
  EXPECT_FALSE(cache.find(key("a")));
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(TranslationCache, InsertingTheSameKeyTwiceKeepsOneCopy) {
  TranslationCache cache(1 << 20);
  cache.insert(key("a"), result("b"));
  const auto bytes = cache.stats().bytes;
  cache.insert(key("a"), result("b"));
  EXPECT_EQ(cache.stats().entries, 1u);
  EXPECT_EQ(cache.stats().bytes, bytes);
}

}  // namespace
}  // namespace nmtd::worker
