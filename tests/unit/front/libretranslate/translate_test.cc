// POST /translate: every request shape LibreTranslate's clients send, every answer shape, and
// the checks in LibreTranslate's order with its texts.
#include <gtest/gtest.h>

#include "unit/front/libretranslate/fake_backend.h"

namespace nmtd::libretranslate {
namespace {

using nlohmann::json;
using testing::ApiServer;

TEST(Translate, JsonStringAnswersAString) {
  ApiServer s;
  const auto [status, body] =
      s.post_json("/translate", {{"q", "Hello world"}, {"source", "en"}, {"target", "fr"}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body,
            json({{"translatedText", "HELLO WORLD"}}));  // no detectedLanguage, no alternatives
  ASSERT_EQ(s.backend.requests.size(), 1u);
  EXPECT_EQ(s.backend.requests[0].source, "eng_Latn");
  EXPECT_EQ(s.backend.requests[0].target, "fra_Latn");
  EXPECT_EQ(s.backend.requests[0].alternatives, 0);
}

TEST(Translate, JsonListAnswersAListInOrder) {
  ApiServer s;
  const auto [status, body] = s.post_json(
      "/translate", {{"q", {"one", "  two  ", "   "}}, {"source", "EN"}, {"target", "zh-Hans"}});
  EXPECT_EQ(status, 200);
  // Texts are trimmed; one of spaces only comes back as it was, without a backend call.
  EXPECT_EQ(body["translatedText"], json({"ONE", "TWO", "   "}));
  ASSERT_EQ(s.backend.requests.size(), 1u);
  EXPECT_EQ(s.backend.requests[0].texts, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(s.backend.requests[0].target, "zho_Hans");
}

TEST(Translate, FormUrlencodedAndMultipart) {
  ApiServer s;
  // LibreTranslate-py, .NET and Go: urlencoded, api_key possibly empty; line endings normalised
  // and the trailing newline dropped.
  auto [status, body] = s.post_form(
      "/translate", {{"q", "a\r\nb\n"}, {"source", "en"}, {"target", "fr"}, {"api_key", ""}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, json({{"translatedText", "A\nB"}}));

  // The web UI: multipart with alternatives=3, format and an empty api_key.
  const httplib::MultipartFormDataItems parts = {
      {"q", "Hello", "", ""},     {"source", "auto", "", ""},    {"target", "de", "", ""},
      {"format", "text", "", ""}, {"alternatives", "3", "", ""}, {"api_key", "", "", ""}};
  auto res = s.client().Post("/translate", parts);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(json::parse(res->body),
            json({{"translatedText", "HELLO"},
                  {"alternatives", {"HELLO 1", "HELLO 2", "HELLO 3"}},
                  {"detectedLanguage", {{"confidence", 50.0}, {"language", "en"}}}}));
}

TEST(Translate, QueryStringWinsOverFormButNotOverJson) {
  ApiServer s;
  auto res = s.client().Post("/translate?target=de", "q=x&source=en&target=fr",
                             "application/x-www-form-urlencoded");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(s.backend.requests.back().target, "deu_Latn");
  res = s.client().Post("/translate?target=de",
                        json({{"q", "x"}, {"source", "en"}, {"target", "fr"}}).dump(),
                        "application/json; charset=utf-8");
  ASSERT_TRUE(res);
  EXPECT_EQ(s.backend.requests.back().target, "fra_Latn");
}

TEST(Translate, AutoAddsDetectedLanguagePerItem) {
  ApiServer s;
  auto [status, body] =
      s.post_json("/translate", {{"q", "bonjour"}, {"source", "auto"}, {"target", "en"}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["detectedLanguage"], json({{"confidence", 90.0}, {"language", "fr"}}));
  EXPECT_EQ(s.backend.requests.back().source, "auto");

  // Mastodon: a list, html, api_key null; detectedLanguage is a list, one per input.
  std::tie(status, body) = s.post_json("/translate", {{"q", {"bonjour <b>toi</b>", "hi", ""}},
                                                      {"source", "auto"},
                                                      {"target", "de"},
                                                      {"format", "html"},
                                                      {"api_key", nullptr}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["translatedText"], json({"BONJOUR <b>TOI</b>", "HI", ""}));
  EXPECT_EQ(body["detectedLanguage"], json({{{"confidence", 90.0}, {"language", "fr"}},
                                            {{"confidence", 50.0}, {"language", "en"}},
                                            {{"confidence", 0.0}, {"language", "en"}}}));
  EXPECT_FALSE(body.contains("alternatives"));
}

TEST(Translate, AlternativesShapes) {
  ApiServer s;
  auto [status, body] = s.post_json(
      "/translate", {{"q", {"a", "b"}}, {"source", "en"}, {"target", "fr"}, {"alternatives", "2"}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["alternatives"],
            json::array({json::array({"A 1", "A 2"}), json::array({"B 1", "B 2"})}));
  EXPECT_EQ(s.backend.requests.back().alternatives, 2);
  // JSON int() semantics: true is 1, 2.7 is 2, negative is 0 (key absent).
  std::tie(status, body) = s.post_json(
      "/translate", {{"q", "a"}, {"source", "en"}, {"target", "fr"}, {"alternatives", true}});
  EXPECT_EQ(body["alternatives"], json({"A 1"}));
  std::tie(status, body) = s.post_json(
      "/translate", {{"q", "a"}, {"source", "en"}, {"target", "fr"}, {"alternatives", 2.7}});
  EXPECT_EQ(body["alternatives"], json({"A 1", "A 2"}));
  std::tie(status, body) = s.post_json(
      "/translate", {{"q", "a"}, {"source", "en"}, {"target", "fr"}, {"alternatives", -4}});
  EXPECT_EQ(status, 200);
  EXPECT_FALSE(body.contains("alternatives"));
  // html: always [] ([[],[]] for a list), and the backend is not asked for any.
  std::tie(status, body) = s.post_json("/translate", {{"q", {"<i>a</i>", "b"}},
                                                      {"source", "en"},
                                                      {"target", "fr"},
                                                      {"format", "html"},
                                                      {"alternatives", 3}});
  EXPECT_EQ(body["alternatives"], json({json::array(), json::array()}));
  EXPECT_EQ(s.backend.requests.back().alternatives, 0);
}

TEST(Translate, HtmlKeepsMarkupScriptAndEntities) {
  ApiServer s;
  const std::string html =
      "<!-- note --><p class=\"x > y\" title='hi'>Tom &amp; <b>Jerry</b>&nbsp;!</p>"
      "<script>if (a < b) alert('hi');</script><style>p{color:red}</style> <br/>bye &lt;3";
  auto [status, body] = s.post_json(
      "/translate", {{"q", html}, {"source", "en"}, {"target", "fr"}, {"format", "html"}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["translatedText"],
            "<!-- note --><p class=\"x > y\" title='hi'>TOM &amp; <b>JERRY</b>&nbsp;!</p>"
            "<script>if (a < b) alert('hi');</script><style>p{color:red}</style> <br/>BYE &lt;3");
  EXPECT_EQ(s.backend.requests.back().texts,
            (std::vector<std::string>{"Tom &", "Jerry", "bye <3"}));
}

TEST(Translate, SameSourceAndTargetIsIdentity) {
  ApiServer s;
  auto [status, body] =
      s.post_json("/translate", {{"q", "Hello"}, {"source", "en"}, {"target", "EN"}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body["translatedText"], "Hello");
  EXPECT_TRUE(s.backend.requests.empty());
}

TEST(Translate, LanguageAliases) {
  ApiServer s;
  for (const auto& [code, nllb] :
       std::vector<std::pair<std::string, std::string>>{{"zh", "zho_Hans"},
                                                        {"ZH-HANS", "zho_Hans"},
                                                        {"zt", "zho_Hant"},
                                                        {"zh-Hant", "zho_Hant"},
                                                        {"pb", "por_Latn"},
                                                        {"pt-BR", "por_Latn"},
                                                        {"pt", "por_Latn"}}) {
    auto [status, body] =
        s.post_json("/translate", {{"q", "x"}, {"source", "en"}, {"target", code}});
    EXPECT_EQ(status, 200) << code;
    EXPECT_EQ(s.backend.requests.back().target, nllb) << code;
  }
}

struct Refusal {
  json request;
  int status;
  std::string error;
};

TEST(Translate, RefusalsInLibreTranslatesOrderAndWords) {
  Options options;
  options.char_limit = 5;
  options.batch_limit = 2;
  options.alternatives_limit = 3;
  ApiServer s(options);
  const json ok = {{"q", "x"}, {"source", "en"}, {"target", "fr"}};
  const auto with = [&](json patch) {
    json r = ok;
    r.merge_patch(patch);
    return r;
  };
  const std::vector<Refusal> cases = {
      {json::object(), 400, "Invalid request: missing q parameter"},
      {with({{"q", ""}}), 400, "Invalid request: missing q parameter"},
      {with({{"q", json::array()}}), 400, "Invalid request: missing q parameter"},
      {with({{"q", nullptr}, {"source", nullptr}}), 400, "Invalid request: missing q parameter"},
      {with({{"source", nullptr}}), 400, "Invalid request: missing source parameter"},
      {with({{"source", ""}, {"target", nullptr}}), 400,
       "Invalid request: missing source parameter"},
      {with({{"target", nullptr}}), 400, "Invalid request: missing target parameter"},
      {with({{"alternatives", "two"}}), 400,
       "Invalid request: alternatives parameter is not a number"},
      {with({{"alternatives", 4}}), 400, "Invalid request: alternatives parameter must be <= 3"},
      {with({{"q", {"a", "b", "c"}}}), 400, "Invalid request: request (3) exceeds text limit (2)"},
      // Characters, not bytes: 5 × é is 10 bytes and passes; 6 characters do not.
      {with({{"q", "éééééé"}}), 400, "Invalid request: request (6) exceeds text limit (5)"},
      {with({{"q", {"ok", "toolong"}}}), 400,
       "Invalid request: request (7) exceeds text limit (5)"},
      {with({{"source", "XX"}}), 400, "xx is not supported"},
      {with({{"target", "auto"}}), 400, "auto is not supported"},
      {with({{"target", "qq"}, {"format", "HTML"}}), 400, "qq is not supported"},
      {with({{"format", "HTML"}}), 400, "HTML format is not supported"},
      {with({{"q", 5}}), 400, "Invalid request: q parameter must be a string or a list of strings"},
      {with({{"q", {"a", 1}}}), 400,
       "Invalid request: q parameter must be a string or a list of strings"},
      {with({{"source", 1}}), 400, "Invalid request: source parameter must be a string"},
  };
  for (const Refusal& c : cases) {
    const auto [status, body] = s.post_json("/translate", c.request);
    EXPECT_EQ(status, c.status) << c.request;
    EXPECT_EQ(body, json({{"error", c.error}})) << c.request;
  }
  EXPECT_EQ(s.post_json("/translate", with({{"q", "ééééé"}})).first, 200);
}

TEST(Translate, BackendFailuresKeepTheirKind) {
  ApiServer s;
  const std::vector<Refusal> cases = {
      {"fail:invalid", 400, "backend says no: fail:invalid"},
      {"fail:overloaded", 429, "backend says no: fail:overloaded"},
      {{"fine", "fail:unavailable"}, 503, "backend says no: fail:unavailable"},
      {"fail:deadline", 504, "backend says no: fail:deadline"},
      {"fail:internal", 500, "backend says no: fail:internal"},
  };
  for (const Refusal& c : cases) {
    for (const std::string format : {"text", "html"}) {
      const auto [status, body] = s.post_json(
          "/translate", {{"q", c.request}, {"source", "en"}, {"target", "fr"}, {"format", format}});
      EXPECT_EQ(status, c.status) << c.request;
      EXPECT_EQ(body, json({{"error", c.error}})) << c.request;
    }
  }
}

TEST(Translate, AnOverloadWithARetryHintSaysRetryAfterInWholeSecondsRoundedUp) {
  ApiServer s;
  for (const std::string format : {"text", "html"}) {
    const auto hinted = s.client().Post("/translate",
                                        json({{"q", "fail:overloaded:1500ms"},
                                              {"source", "en"},
                                              {"target", "fr"},
                                              {"format", format}})
                                            .dump(),
                                        "application/json");
    ASSERT_TRUE(hinted);
    EXPECT_EQ(hinted->status, 429);
    EXPECT_EQ(hinted->get_header_value("Retry-After"), "2") << format;
    EXPECT_EQ(hinted->get_header_value("Access-Control-Allow-Origin"), "*");
  }
  // No hint, no header: a guess would be worse than none.
  const auto plain = s.client().Post(
      "/translate", json({{"q", "fail:overloaded"}, {"source", "en"}, {"target", "fr"}}).dump(),
      "application/json");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 429);
  EXPECT_FALSE(plain->has_header("Retry-After"));
}

TEST(Translate, FormRefusals) {
  ApiServer s;
  auto [status, body] = s.post_form(
      "/translate", {{"q", "x"}, {"source", "en"}, {"target", "fr"}, {"alternatives", "2.5"}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], "Invalid request: alternatives parameter is not a number");
  std::tie(status, body) = s.post_form("/translate", {{"source", "en"}, {"target", "fr"}});
  EXPECT_EQ(body["error"], "Invalid request: missing q parameter");
  // A JSON text sent as text/plain is not parsed.
  auto res = s.client().Post("/translate", json({{"q", "x"}}).dump(), "text/plain");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  EXPECT_EQ(json::parse(res->body)["error"], "Invalid request: missing q parameter");
}

TEST(Translate, BadJsonBodies) {
  ApiServer s;
  const std::string unparsable =
      "The browser (or proxy) sent a request that this server could not understand.";
  for (const auto& [text, error] :
       std::vector<std::pair<std::string, std::string>>{{"", unparsable},
                                                        {"{\"q\":", unparsable},
                                                        {"[1]", "Invalid JSON format"},
                                                        {"null", "Invalid JSON format"},
                                                        {"3", "Invalid JSON format"}}) {
    auto res = s.client().Post("/translate", text, "application/vnd.api+json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << text;
    EXPECT_EQ(json::parse(res->body), json({{"error", error}})) << text;
  }
}

TEST(Translate, ABackendThatThrowsIsA500WithTheErrorShape) {
  ApiServer s;
  const auto [status, body] =
      s.post_json("/translate", {{"q", "fail:throw"}, {"source", "en"}, {"target", "fr"}});
  EXPECT_EQ(status, 500);
  EXPECT_TRUE(body.contains("error"));
}

TEST(Translate, BackendCharLimitIsTheStricter) {
  ApiServer s;
  s.backend.settings_.char_limit = 3;
  const auto [status, body] =
      s.post_json("/translate", {{"q", "abcd"}, {"source", "en"}, {"target", "fr"}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body["error"], "Invalid request: request (4) exceeds text limit (3)");
}

}  // namespace
}  // namespace nmtd::libretranslate
