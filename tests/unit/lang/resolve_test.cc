// resolve(): every NLLB code, ISO code, alias and BCP-47 form the docs promise, and errors for
// everything else without crashing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "common/error.h"
#include "lang/languages.h"

namespace nmtd::lang {
namespace {

using ::testing::HasSubstr;

std::string resolved(std::string_view code) {
  const auto r = resolve(code);
  return r ? std::string(r.language->code) : "error: " + r.error;
}

std::string upper(std::string s) {
  for (char& c : s)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return s;
}

TEST(Registry, Has202DistinctNllbLanguages) {
  ASSERT_EQ(all_languages().size(), 202u);
  std::set<std::string_view> codes;
  for (const auto& info : all_languages()) {
    codes.insert(info.code);
    EXPECT_EQ(std::string(info.iso639_3) + "_" + std::string(info.script), info.code);
    EXPECT_FALSE(info.english_name.empty()) << info.code;
    EXPECT_TRUE(info.iso639_1.empty() || info.iso639_1.size() == 2) << info.code;
  }
  EXPECT_EQ(codes.size(), 202u);
}

TEST(Resolve, EveryNllbCodeResolvesToItselfInAnyCase) {
  for (const auto& info : all_languages()) {
    const std::string code(info.code);
    std::string lower = code;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string dashed = code;
    dashed[3] = '-';
    for (const auto& form : {code, lower, upper(code), dashed})
      EXPECT_EQ(resolved(form), code) << form;
  }
}

TEST(Resolve, EveryTagAliasAndIsoCodeTheDocsListResolves) {
  for (const auto& info : all_languages()) {
    EXPECT_EQ(resolved(info.tag), info.code) << "tag " << info.tag;
    EXPECT_EQ(resolved(upper(info.tag)), info.code) << "tag " << info.tag;
    for (auto alias : info.aliases) {
      // A bare alias shared by two scripts ("zh", "ku") goes to the script default; the docs
      // list it under that row only. Every alias resolves to a row of some language, though.
      const auto r = resolve(alias);
      ASSERT_TRUE(r) << alias << ": " << r.error;
      if (alias.find('-') != std::string_view::npos) {
        EXPECT_EQ(r.language, &info) << alias;
      }
    }
  }
}

TEST(Resolve, BaketaCodesAsItsContractSays) {
  // ../shared/reference/baketa-contract.md: the old server's table, kept.
  EXPECT_EQ(resolved("en"), "eng_Latn");
  EXPECT_EQ(resolved("ja"), "jpn_Jpan");
  EXPECT_EQ(resolved("zh"), "zho_Hans");
  EXPECT_EQ(resolved("zh-CN"), "zho_Hans");
  EXPECT_EQ(resolved("zh-cn"), "zho_Hans");
  EXPECT_EQ(resolved("zh-TW"), "zho_Hant");
  EXPECT_EQ(resolved("zh-tw"), "zho_Hant");
  EXPECT_EQ(resolved("ko"), "kor_Hang");
  EXPECT_EQ(resolved("es"), "spa_Latn");
  EXPECT_EQ(resolved("fr"), "fra_Latn");
  EXPECT_EQ(resolved("de"), "deu_Latn");
  EXPECT_EQ(resolved("ru"), "rus_Cyrl");
  EXPECT_EQ(resolved("ar"), "arb_Arab");
  EXPECT_EQ(resolved("EN"), "eng_Latn");
}

TEST(Resolve, MacrolanguagesGoToTheMemberNllbTrained) {
  const std::pair<const char*, const char*> cases[] = {
      {"no", "nob_Latn"},    {"nb", "nob_Latn"},  {"nn", "nno_Latn"},      {"nor", "nob_Latn"},
      {"ms", "zsm_Latn"},    {"msa", "zsm_Latn"}, {"fa", "pes_Arab"},      {"fas", "pes_Arab"},
      {"fa-AF", "prs_Arab"}, {"prs", "prs_Arab"}, {"ar", "arb_Arab"},      {"ara", "arb_Arab"},
      {"ar-EG", "arb_Arab"}, {"arz", "arz_Arab"}, {"uz", "uzn_Latn"},      {"et", "est_Latn"},
      {"ekk", "est_Latn"},   {"lv", "lvs_Latn"},  {"sw", "swh_Latn"},      {"swa", "swh_Latn"},
      {"mn", "khk_Cyrl"},    {"ku", "kmr_Latn"},  {"ku-Latn", "kmr_Latn"}, {"ku-Arab", "ckb_Arab"},
      {"ckb", "ckb_Arab"},   {"ps", "pbt_Arab"},  {"az", "azj_Latn"},      {"az-Arab", "azb_Arab"},
      {"az-IR", "azb_Arab"}, {"sq", "als_Latn"},  {"om", "gaz_Latn"},      {"mg", "plt_Latn"},
      {"ne", "npi_Deva"},    {"qu", "quy_Latn"},  {"ay", "ayr_Latn"},      {"yi", "ydd_Hebr"},
      {"ff", "fuv_Latn"},    {"or", "ory_Orya"},  {"kr", "knc_Latn"},      {"tl", "tgl_Latn"},
      {"fil", "tgl_Latn"},   {"cmn", "zho_Hans"}, {"yue", "yue_Hant"},     {"zh-yue", "yue_Hant"},
  };
  for (const auto& [code, nllb] : cases) EXPECT_EQ(resolved(code), nllb) << code;
}

TEST(Resolve, Bcp47TagsWithScriptsAndRegions) {
  const std::pair<const char*, const char*> cases[] = {
      {"zh-Hans", "zho_Hans"},      {"zh-Hant", "zho_Hant"},    {"zh_hant", "zho_Hant"},
      {"zh-SG", "zho_Hans"},        {"zh-HK", "zho_Hant"},      {"zh-MO", "zho_Hant"},
      {"zh-Hant-TW", "zho_Hant"},   {"zh-Hans-CN", "zho_Hans"}, {"zh-Hans-TW", "zho_Hans"},
      {"pt", "por_Latn"},           {"pt-BR", "por_Latn"},      {"pt-PT", "por_Latn"},
      {"pt_br", "por_Latn"},        {"en-US", "eng_Latn"},      {"en-GB", "eng_Latn"},
      {"en_us", "eng_Latn"},        {"es-419", "spa_Latn"},     {"de-CH-1996", "deu_Latn"},
      {"en-Latn-US", "eng_Latn"},   {"ja-JP", "jpn_Jpan"},      {"ja-Jpan", "jpn_Jpan"},
      {"ko-KR", "kor_Hang"},        {"ko-Kore", "kor_Hang"},    {"sr", "srp_Cyrl"},
      {"sr-Cyrl", "srp_Cyrl"},      {"sr-Latn", "srp_Cyrl"},    {"sr-Latn-RS", "srp_Cyrl"},
      {"sr-RS", "srp_Cyrl"},        {"ks", "kas_Arab"},         {"ks-Deva", "kas_Deva"},
      {"kas_deva", "kas_Deva"},     {"ace", "ace_Latn"},        {"ace-Arab", "ace_Arab"},
      {"bjn", "bjn_Latn"},          {"bjn-Arab", "bjn_Arab"},   {"knc-Arab", "knc_Arab"},
      {"taq", "taq_Latn"},          {"taq-Tfng", "taq_Tfng"},   {"he", "heb_Hebr"},
      {"iw", "heb_Hebr"},           {"in", "ind_Latn"},         {"jw", "jav_Latn"},
      {"fre", "fra_Latn"},          {"ger", "deu_Latn"},        {"chi", "zho_Hans"},
      {"zh-x-private", "zho_Hans"}, {"pb", "por_Latn"},         {"zt", "zho_Hant"},
  };
  for (const auto& [code, nllb] : cases) EXPECT_EQ(resolved(code), nllb) << code;
}

TEST(Resolve, TagsAreWhatLibreTranslateShows) {
  EXPECT_EQ(find_language("zho_Hans")->tag, "zh-Hans");
  EXPECT_EQ(find_language("zho_Hant")->tag, "zh-Hant");
  EXPECT_EQ(find_language("jpn_Jpan")->tag, "ja");
  EXPECT_EQ(find_language("ace_Arab")->tag, "ace-Arab");
  EXPECT_EQ(find_language("acm_Arab")->tag, "acm");
  EXPECT_EQ(find_language("kas_Deva")->tag, "ks-Deva");
}

TEST(Resolve, NamesAndDirection) {
  const auto* ar = find_language("ar");
  ASSERT_TRUE(ar);
  EXPECT_TRUE(ar->right_to_left);
  EXPECT_EQ(ar->english_name, "Modern Standard Arabic");
  EXPECT_EQ(ar->native_name, "العربية");
  EXPECT_TRUE(find_language("he")->right_to_left);
  EXPECT_TRUE(find_language("ydd_Hebr")->right_to_left);
  EXPECT_FALSE(find_language("ja")->right_to_left);
  EXPECT_FALSE(find_language("tzm_Tfng")->right_to_left);
  EXPECT_EQ(find_language("ja")->iso639_1, "ja");
  EXPECT_EQ(find_language("ja")->iso639_3, "jpn");
  EXPECT_EQ(find_language("ja")->script, "Jpan");
}

TEST(Resolve, UnknownCodesGiveAnErrorThatNamesThemAndSaysWhereToLook) {
  for (const char* code :
       {"xx", "klingon", "zz-ZZ", "eng_Xxxx", "q", "abcd", "e1", "en--US", "-", "_", "en-", "-en",
        "zh-Hant-TW-toolongvariant", "123", "en US", " en", "en\n", "en;DROP", "x-private"}) {
    const auto r = resolve(code);
    EXPECT_FALSE(r) << code;
    EXPECT_THAT(r.error, HasSubstr("docs/languages.md")) << code;
  }
  EXPECT_THAT(resolve("xx").error, HasSubstr("\"xx\""));
  EXPECT_THAT(resolve("en\n").error, HasSubstr("en\\x0a"));
}

TEST(Resolve, AScriptNllbDoesNotHaveIsRefusedNamingTheOnesItHas) {
  const auto r = resolve("ja-Latn");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error, HasSubstr("jpn_Jpan"));
  EXPECT_THAT(resolve("zh-Latn").error, HasSubstr("zho_Hans, zho_Hant"));
  EXPECT_FALSE(resolve("uz-Cyrl"));  // NLLB has Uzbek in Latin only
  EXPECT_FALSE(resolve("yue-Hans"));
}

TEST(Resolve, EmptyLongAndInvalidUtf8CodesFailWithoutCrashing) {
  EXPECT_THAT(resolve("").error, HasSubstr("empty language code"));
  const std::string long_code(100000, 'a');
  const auto r = resolve(long_code);
  EXPECT_FALSE(r);
  EXPECT_LT(r.error.size(), 400u);
  for (std::string_view bad :
       {std::string_view("\xff\xfe", 2), std::string_view("e\x80n", 3),
        std::string_view("\xe6\x97", 2), std::string_view("en\0", 3), std::string_view("日本語")}) {
    const auto b = resolve(bad);
    EXPECT_FALSE(b);
    EXPECT_THAT(b.error, HasSubstr("\\x"));  // shown escaped, never as raw bytes
  }
}

TEST(Resolve, AutoIsNotALanguageButIsRecognised) {
  EXPECT_TRUE(is_auto("auto"));
  EXPECT_TRUE(is_auto("AUTO"));
  EXPECT_TRUE(is_auto("Auto"));
  EXPECT_FALSE(is_auto("autos"));
  EXPECT_FALSE(is_auto(""));
  const auto r = resolve("auto");
  EXPECT_FALSE(r);
  EXPECT_THAT(r.error, HasSubstr("detect"));
}

TEST(Resolve, OrThrowThrowsInvalidArgument) {
  EXPECT_EQ(resolve_or_throw("ja").code, "jpn_Jpan");
  EXPECT_THROW(resolve_or_throw("nope"), InvalidArgument);
}

}  // namespace
}  // namespace nmtd::lang
