// The other routes (/languages, /detect, /frontend/settings, /health, /, the disabled ones),
// API keys, and the CORS headers every answer of the API carries.
#include <gtest/gtest.h>

#include "unit/front/libretranslate/fake_backend.h"

namespace nmtd::libretranslate {
namespace {

using nlohmann::json;
using testing::ApiServer;

void expect_cors(const httplib::Response& res) {
  EXPECT_EQ(res.get_header_value("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(res.get_header_value("Access-Control-Allow-Headers"), "Authorization, Content-Type");
  EXPECT_EQ(res.get_header_value("Access-Control-Expose-Headers"), "Authorization");
  EXPECT_EQ(res.get_header_value("Access-Control-Allow-Methods"), "GET, POST");
  EXPECT_EQ(res.get_header_value("Access-Control-Allow-Credentials"), "true");
  EXPECT_EQ(res.get_header_value("Access-Control-Max-Age"), "1728000");
}

TEST(Languages, CodesNamesAndTargetsInTheBackendsOrder) {
  ApiServer s;
  auto res = s.client().Get("/languages");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  expect_cors(*res);
  const json all = {"en", "fr", "zh-Hans", "zh-Hant", "pt", "de"};
  const json expected = {
      {{"code", "en"}, {"name", "English"}, {"targets", all}},
      {{"code", "fr"}, {"name", "French"}, {"targets", all}},
      {{"code", "zh-Hans"}, {"name", "Chinese (Simplified)"}, {"targets", all}},
      {{"code", "zh-Hant"}, {"name", "Chinese (Traditional)"}, {"targets", all}},
      {{"code", "pt"}, {"name", "Portuguese"}, {"targets", all}},
      {{"code", "de"}, {"name", "German"}, {"targets", {"en", "de"}}},
  };
  EXPECT_EQ(json::parse(res->body), expected);
}

httplib::Request get_with_body(const std::string& path, std::string type, std::string body) {
  httplib::Request r;
  r.method = "GET";
  r.path = path;
  r.headers = {{"Content-Type", std::move(type)}};
  r.body = std::move(body);
  return r;
}

TEST(Languages, ToleratesABody) {
  ApiServer s;
  // Mastodon: a JSON Content-Type and no body; LibreTranslate-py: a form body on a GET; the
  // Docker healthcheck: JSON {} on /health.
  for (const auto& r :
       {get_with_body("/languages", "application/json", ""),
        get_with_body("/languages", "application/x-www-form-urlencoded", "api_key=abc"),
        get_with_body("/health", "application/json", "{}")}) {
    auto res = s.client().send(r);
    ASSERT_TRUE(res) << r.path << " " << r.body;
    EXPECT_EQ(res->status, 200) << r.path << " " << r.body;
  }
}

// Reference §5.7: a keep-alive connection must survive a GET with a body (the HTTP server reads
// the body away after answering).
TEST(Languages, KeepAliveSurvivesAGetWithABody) {
  ApiServer s;
  httplib::Client c = s.client();
  c.set_keep_alive(true);
  auto res =
      c.send(get_with_body("/languages", "application/x-www-form-urlencoded", "api_key=abc"));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  res = c.Get("/frontend/settings");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

TEST(Detect, BestCandidateAsAnArray) {
  ApiServer s;
  auto [status, body] =
      s.post_json("/detect", {{"q", "bonjour tout le monde"}, {"format", "text"}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, json::parse(R"([{"confidence": 90.0, "language": "fr"}])"));
  std::tie(status, body) = s.post_form("/detect", {{"q", "hello"}});
  EXPECT_EQ(body, json::parse(R"([{"confidence": 50.0, "language": "en"}])"));
  // A list: confidences averaged per language; nothing detected -> en, 0.
  std::tie(status, body) = s.post_json("/detect", {{"q", {"bonjour", "bonjour ???"}}});
  EXPECT_EQ(body, json::parse(R"([{"confidence": 90.0, "language": "fr"}])"));
  std::tie(status, body) = s.post_json("/detect", {{"q", "???"}});
  EXPECT_EQ(status, 200);
  EXPECT_EQ(body, json::parse(R"([{"confidence": 0.0, "language": "en"}])"));
}

TEST(Detect, Refusals) {
  ApiServer s;
  auto [status, body] = s.post_json("/detect", {{"q", ""}});
  EXPECT_EQ(status, 400);
  EXPECT_EQ(body, json({{"error", "Invalid request: missing q parameter"}}));
  std::tie(status, body) = s.post_json("/detect", {{"q", "fail:overloaded"}});
  EXPECT_EQ(status, 429);
  EXPECT_EQ(body, json({{"error", "backend says no: fail:overloaded"}}));
}

TEST(Settings, LibreTranslatesKeys) {
  Options options;
  options.char_limit = 200;
  options.frontend_target = "fr";
  ApiServer s(options);
  auto res = s.client().Get("/frontend/settings");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  expect_cors(*res);
  EXPECT_EQ(json::parse(res->body),
            json::parse(R"({"charLimit": 200, "frontendTimeout": 500, "apiKeys": false,
                            "keyRequired": false, "suggestions": false, "filesTranslation": false,
                            "supportedFilesFormat": [],
                            "language": {"source": {"code": "auto", "name": "Auto Detect"},
                                         "target": {"code": "fr", "name": "French"}}})"));
}

TEST(ApiKeys, IgnoredUnlessConfigured) {
  ApiServer s;
  EXPECT_EQ(s.post_json("/translate",
                        {{"q", "x"}, {"source", "en"}, {"target", "fr"}, {"api_key", "whatever"}})
                .first,
            200);
}

TEST(ApiKeys, ConfiguredKeysAreRequiredOnTranslateAndDetect) {
  Options options;
  options.api_keys = std::make_shared<ApiKeys>(std::vector<ApiKey>{{.key = "k1"}});
  ApiServer s(options);
  const json req = {{"q", "x"}, {"source", "en"}, {"target", "fr"}};
  for (const std::string path : {"/translate", "/detect"}) {
    auto [status, body] = s.post_json(path, req);
    EXPECT_EQ(status, 400) << path;
    EXPECT_EQ(body, json({{"error", "Please contact the server operator to get an API key"}}));
    json with_key = req;
    with_key["api_key"] = "nope";
    std::tie(status, body) = s.post_json(path, with_key);
    EXPECT_EQ(status, 403) << path;
    EXPECT_EQ(body, json({{"error", "Invalid API key"}}));
    with_key["api_key"] = "k1";
    EXPECT_EQ(s.post_json(path, with_key).first, 200) << path;
  }
  // The key is checked before anything else, and forms carry it too.
  EXPECT_EQ(s.post_form("/translate", {{"api_key", "nope"}}).first, 403);
  EXPECT_EQ(
      s.post_form("/translate", {{"q", "x"}, {"source", "en"}, {"target", "fr"}, {"api_key", "k1"}})
          .first,
      200);
  // /languages and /frontend/settings need none.
  EXPECT_EQ(s.client().Get("/languages")->status, 200);
  const auto settings = json::parse(s.client().Get("/frontend/settings")->body);
  EXPECT_EQ(settings["apiKeys"], true);
  EXPECT_EQ(settings["keyRequired"], true);
}

TEST(ApiKeys, EachKeyHasItsOwnRequestsPerMinute) {
  Options options;
  options.api_keys = std::make_shared<ApiKeys>(
      std::vector<ApiKey>{{.key = "limited", .requests_per_minute = 3}, {.key = "free"}});
  ApiServer s(options);
  const json batch = {
      {"q", {"a", "b"}}, {"source", "en"}, {"target", "fr"}, {"api_key", "limited"}};
  EXPECT_EQ(s.post_json("/translate", batch).first, 200);  // 2 of 3: a batch counts per text
  const auto [status, body] = s.post_json("/translate", batch);
  EXPECT_EQ(status, 429);
  EXPECT_EQ(body, json({{"error", "Slowdown: 3 per 1 minute"}}));
  EXPECT_EQ(s.post_json("/detect", {{"q", "x"}, {"api_key", "limited"}}).first, 200);  // 3 of 3
  EXPECT_EQ(s.post_json("/detect", {{"q", "x"}, {"api_key", "limited"}}).first, 429);
  for (int i = 0; i < 5; ++i)  // another key's use is its own
    EXPECT_EQ(s.post_json("/detect", {{"q", "x"}, {"api_key", "free"}}).first, 200);
}

TEST(ApiKeys, AReplacedKeySetTakesEffectAtOnce) {
  Options options;
  options.api_keys = std::make_shared<ApiKeys>(std::vector<ApiKey>{{.key = "old"}});
  ApiServer s(options);
  EXPECT_EQ(s.post_json("/detect", {{"q", "x"}, {"api_key", "old"}}).first, 200);
  options.api_keys->replace({{.key = "new"}});
  EXPECT_EQ(s.post_json("/detect", {{"q", "x"}, {"api_key", "old"}}).first, 403);
  EXPECT_EQ(s.post_json("/detect", {{"q", "x"}, {"api_key", "new"}}).first, 200);
}

TEST(ApiKeys, LinkInTheMissingKeyText) {
  Options options;
  options.api_keys = std::make_shared<ApiKeys>(std::vector<ApiKey>{{.key = "k1"}});
  options.get_api_key_link = "https://example.org/keys";
  ApiServer s(options);
  EXPECT_EQ(s.post_json("/detect", {{"q", "x"}}).second["error"],
            "Visit https://example.org/keys to get an API key");
}

TEST(Cors, OnAnswersErrorsAndPreflight) {
  ApiServer s;
  auto res = s.client().Post("/translate", "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400);
  expect_cors(*res);
  for (const std::string path : {"/translate", "/detect", "/languages", "/frontend/settings"}) {
    res = s.client().Options(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path;
    EXPECT_TRUE(res->body.empty()) << path;
    EXPECT_FALSE(res->get_header_value("Allow").empty()) << path;
    expect_cors(*res);
  }
}

TEST(OtherRoutes, HealthDisabledFeaturesAndWrongMethods) {
  ApiServer s;
  auto res = s.client().Get("/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body), json({{"status", "ok"}}));
  auto [status, body] = s.post_json("/suggest", {{"q", "x"}});
  EXPECT_EQ(status, 403);
  EXPECT_EQ(body, json({{"error", "Suggestions are disabled on this server."}}));
  std::tie(status, body) = s.post_form("/translate_file", {{"source", "en"}});
  EXPECT_EQ(status, 403);
  EXPECT_EQ(body, json({{"error", "Files translation are disabled on this server."}}));
  res = s.client().Get("/translate");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
  EXPECT_TRUE(json::parse(res->body).contains("error"));
  EXPECT_EQ(s.post_json("/languages", json::object()).first, 405);
}

TEST(WebPage, ServedSelfContainedAtRoot) {
  ApiServer s;
  auto res = s.client().Get("/");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "text/html; charset=utf-8");
  const std::string& page = res->body;
  for (const std::string part :
       {"<!doctype html>", "id=\"q\"", "id=\"source\"", "id=\"target\"", "id=\"translate\"",
        "id=\"result\"", "\"languages\"", "\"translate\"", "\"status\"", "<svg", "</html>"}) {
    EXPECT_NE(page.find(part), std::string::npos) << part;
  }
  // Nothing fetched from elsewhere: no URL with a scheme, no src/href to another host.
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("src="), std::string::npos);

  Options off;
  off.web_page = false;
  ApiServer without(off);
  EXPECT_EQ(without.client().Get("/")->status, 404);
}

}  // namespace
}  // namespace nmtd::libretranslate
