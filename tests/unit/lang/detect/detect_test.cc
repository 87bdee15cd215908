// Cld2Detector: the right language with confidence on real sentences, and no language (with a
// reason) for text that cannot tell.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>
#include <vector>

// compact_lang_det.h uses FILE without including <cstdio>: it must come first.
// clang-format off
#include <cstdio>
#include <cld2/public/compact_lang_det.h>
// clang-format on

#include "lang/detect/detector.h"

namespace nmtd::lang {
namespace {

using ::testing::HasSubstr;

struct Sample {
  const char* expected;
  const char* text;
};

constexpr Sample kSamples[] = {
    {"eng_Latn", "The weather is lovely today, shall we go for a walk in the park?"},
    {"fra_Latn", "Bonjour tout le monde, comment allez-vous aujourd'hui ?"},
    {"deu_Latn", "Guten Morgen, wie geht es Ihnen heute? Das Wetter ist schön."},
    {"spa_Latn", "¿Dónde está la biblioteca? Necesito estudiar para el examen de mañana."},
    {"jpn_Jpan", "ファイルを保存しますか？変更は失われます。"},
    {"zho_Hans", "今天天气很好，我们去公园散步吧。"},
    {"zho_Hant", "今天天氣很好，我們去公園散步吧。"},
    {"kor_Hang", "오늘 날씨가 정말 좋네요. 공원에 산책하러 갈까요?"},
    {"rus_Cyrl", "Сегодня хорошая погода, пойдём гулять в парк."},
    {"arb_Arab", "الطقس جميل اليوم، هل نذهب في نزهة إلى الحديقة؟"},
    {"hin_Deva", "आज मौसम बहुत अच्छा है, चलो पार्क में घूमने चलते हैं।"},
    {"tha_Thai", "วันนี้อากาศดีมาก เราไปเดินเล่นที่สวนสาธารณะกันเถอะ"},
    {"ell_Grek", "Σήμερα ο καιρός είναι πολύ ωραίος, πάμε μια βόλτα στο πάρκο;"},
    {"heb_Hebr", "היום מזג האוויר יפה מאוד, בוא נצא לטייל בפארק."},
    {"tur_Latn", "Bugün hava çok güzel, parkta yürüyüşe çıkalım mı?"},
    {"por_Latn", "Hoje o tempo está ótimo, vamos passear no parque?"},
};

TEST(Cld2Detector, FindsTheLanguageOfSentencesInManyScripts) {
  const Cld2Detector detector;
  for (const auto& s : kSamples) {
    const auto r = detector.detect(s.text);
    ASSERT_TRUE(r.language) << s.expected << ": " << r.reason;
    EXPECT_EQ(r.language->code, s.expected) << s.text;
    EXPECT_TRUE(r.reliable) << s.expected;
    EXPECT_GE(r.confidence, 0.8) << s.expected;
    EXPECT_LE(r.confidence, 1.0) << s.expected;
    EXPECT_THAT(r.reason, HasSubstr(std::string(r.language->english_name)));
  }
}

TEST(Cld2Detector, TextThatCannotTellGivesNoLanguageAndAReason) {
  const Cld2Detector detector;
  for (const char* text :
       {"ok", "", "   \n\t", "123", "12.5 + 7 = 19.5", "😀😀🎉", "🎮 ⭐⭐⭐", "!!!", "Start", "はい"}) {
    const auto r = detector.detect(text);
    EXPECT_EQ(r.language, nullptr) << text;
    EXPECT_FALSE(r.reliable) << text;
    EXPECT_EQ(r.confidence, 0) << text;
    EXPECT_FALSE(r.reason.empty()) << text;
  }
  EXPECT_THAT(detector.detect("").reason, HasSubstr("empty"));
  EXPECT_THAT(detector.detect("123").reason, HasSubstr("no letters"));
  EXPECT_THAT(detector.detect("😀😀🎉").reason, HasSubstr("no letters"));
  EXPECT_THAT(detector.detect("ok").reason, HasSubstr("too little text"));
  // Callers answer a letterless text differently (LibreTranslate: unchanged, 0 %).
  for (const char* text : {"123", "12.5 + 7 = 19.5", "😀😀🎉", "🎮 ⭐⭐⭐", "!!!"})
    EXPECT_TRUE(detector.detect(text).no_letters) << text;
  for (const char* text : {"ok", "", "Start", "はい", "Hello world, how are you today?"})
    EXPECT_FALSE(detector.detect(text).no_letters) << text;
}

TEST(Cld2Detector, ShortTextStillOffersAGuess) {
  const Cld2Detector detector;
  const auto r = detector.detect("はい");
  EXPECT_EQ(r.language, nullptr);
  ASSERT_TRUE(r.guess) << r.reason;
  EXPECT_EQ(r.guess->code, "jpn_Jpan");
  EXPECT_THAT(r.reason, HasSubstr("Japanese"));
  EXPECT_EQ(detector.detect("123").guess, nullptr);
}

TEST(Cld2Detector, InvalidUtf8IsNoLanguage) {
  const Cld2Detector detector;
  const auto r = detector.detect("Bonjour tout le monde \xff\xfe comment allez-vous");
  EXPECT_EQ(r.language, nullptr);
  EXPECT_THAT(r.reason, HasSubstr("UTF-8"));
}

TEST(Cld2Detector, LanguagesNllbLacksAreNamedNotMapped) {
  const Cld2Detector detector;
  // Cherokee: CLD2 knows it by its syllabary; NLLB-200 does not have it.
  const auto r = detector.detect("ᏣᎳᎩ ᎦᏬᏂᎯᏍᏗ ᎠᏂᏴᏫᏯ ᏧᏬᏪᎳᏅᎯ ᎨᏒᎢ ᏣᎳᎩ ᎠᏰᎵ ᏗᏂᏃᏫᏍᏗ ᎠᏂᏣᎳᎩ");
  EXPECT_EQ(r.language, nullptr);
  EXPECT_FALSE(r.reliable);
  EXPECT_THAT(r.reason, HasSubstr("CHEROKEE (chr)"));
}

TEST(Cld2Detector, ExaminesOnlyTheFirstBytesCutAtACharacterBoundary) {
  // French first, then far more Japanese: only the head decides. 4095 forces a cut inside a
  // 3-byte character, which must not turn into "invalid UTF-8".
  std::string text;
  while (text.size() < 600) text += "Bonjour tout le monde, comment allez-vous aujourd'hui ? ";
  std::string tail;
  while (tail.size() < 100000) tail += "ファイルを保存しますか？変更は失われます。";
  const Cld2Detector small({.max_bytes = 601});
  EXPECT_EQ(small.detect(text + tail).language, find_language("fr"));
  const Cld2Detector detector;
  const auto r = detector.detect(tail);
  ASSERT_TRUE(r.language) << r.reason;
  EXPECT_EQ(r.language->code, "jpn_Jpan");
  const Cld2Detector odd({.max_bytes = 4095});
  ASSERT_TRUE(odd.detect(tail).language) << odd.detect(tail).reason;
}

TEST(Cld2Detector, IsSafeFromManyThreads) {
  // CLD2 is reentrant as long as its tables are the compiled-in constant ones (we never load
  // dynamic data); many threads must get the answers one thread gets.
  ASSERT_FALSE(CLD2::isDataDynamic());
  const Cld2Detector detector;
  std::vector<std::thread> threads;
  std::vector<int> wrong(8, 0);
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 50; ++round)
        for (const auto& s : kSamples) {
          const auto r = detector.detect(s.text);
          if (!r.language || r.language->code != s.expected) ++wrong[t];
        }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 8; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
}

TEST(LanguageDetector, IsAnInterfaceCallersCanFake) {
  struct Fixed final : LanguageDetector {
    DetectionResult detect(std::string_view) const override {
      return {find_language("ja"), 1.0, true, "fixed", nullptr};
    }
  };
  const Fixed fixed;
  const LanguageDetector& d = fixed;
  EXPECT_EQ(d.detect("anything").language->code, "jpn_Jpan");
}

}  // namespace
}  // namespace nmtd::lang
