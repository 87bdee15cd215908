// LibreTranslate's HTTP API on `nmtd serve`'s HTTP port: the request and response shapes its
// documentation and real clients use, every NLLB language, and the web page in a real browser.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/serve_process.h"
#include "support/translator_client.h"

namespace nmtd::testing {
namespace {

using ::testing::HasSubstr;
using json = nlohmann::json;

class LibreTranslate : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    serve_ = std::make_unique<ServeProcess>(shared_test_model(),
                                            std::vector<std::string>{"--workers", "1"});
    ASSERT_TRUE(serve_->wait_serving()) << serve_->stderr_text();
  }
  static void TearDownTestSuite() { serve_.reset(); }

  static httplib::Client client() {
    httplib::Client c("127.0.0.1", serve_->http_port());
    c.set_read_timeout(std::chrono::seconds(60));
    return c;
  }
  static json post_json(const std::string& path, const json& body, int expected = 200) {
    auto c = client();
    auto r = c.Post(path, body.dump(), "application/json");
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, expected) << r->body;
    return json::parse(r->body);
  }
  static std::unique_ptr<ServeProcess> serve_;
};
std::unique_ptr<ServeProcess> LibreTranslate::serve_;

TEST_F(LibreTranslate, TranslateTakesTheDocumentedShapes) {
  auto one = post_json("/translate", {{"q", "Hello world."}, {"source", "en"}, {"target", "fr"}});
  ASSERT_TRUE(one["translatedText"].is_string());
  const auto expected = engine_translations({"Hello world."}, {"--beam-size", "2"});
  EXPECT_EQ(one["translatedText"], expected.front());

  auto list = post_json(
      "/translate", {{"q", {"Hello world.", "Good morning."}}, {"source", "en"}, {"target", "fr"}});
  ASSERT_TRUE(list["translatedText"].is_array());
  EXPECT_EQ(list["translatedText"].size(), 2u);
  EXPECT_EQ(list["translatedText"][0], one["translatedText"]);

  auto c = client();  // form-encoded, as curl and many scripts send it
  auto form = c.Post("/translate", "q=Hello%20world.&source=en&target=fr&api_key=ignored",
                     "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 200);
  EXPECT_EQ(json::parse(form->body)["translatedText"], one["translatedText"]);

  auto alternatives =
      post_json("/translate",
                {{"q", "Hello world."}, {"source", "en"}, {"target", "fr"}, {"alternatives", 2}});
  EXPECT_TRUE(alternatives["alternatives"].is_array());

  auto detected =
      post_json("/translate", {{"q", "Bonjour tout le monde, comment allez-vous aujourd'hui ?"},
                               {"source", "auto"},
                               {"target", "en"}});
  EXPECT_EQ(detected["detectedLanguage"]["language"], "fr");
  EXPECT_GT(detected["detectedLanguage"]["confidence"].get<double>(), 50.0);

  auto html = post_json("/translate", {{"q", "<p>Hello <b>world</b> &amp; friends</p>"},
                                       {"source", "en"},
                                       {"target", "fr"},
                                       {"format", "html"}});
  const std::string h = html["translatedText"];
  EXPECT_TRUE(h.starts_with("<p>") && h.ends_with("</p>")) << h;
  EXPECT_THAT(h, HasSubstr("<b>"));
}

// Browser extensions send emoji, numbers and punctuation with source "auto": LibreTranslate
// answers them unchanged, detected as English at 0 %, and so must nmtd (not a 400).
TEST_F(LibreTranslate, AutoKeepsATextWithoutLettersAsItWas) {
  const json undetected = {{"confidence", 0.0}, {"language", "en"}};
  for (const char* text : {"😀🎉", "12345", "!!! ??? ...", "🎮 ⭐⭐⭐ 100%"}) {
    auto one = post_json("/translate", {{"q", text}, {"source", "auto"}, {"target", "fr"}});
    EXPECT_EQ(one["translatedText"], text);
    EXPECT_EQ(one["detectedLanguage"], undetected) << text;
  }
  const std::string sentence = "Bonjour tout le monde, comment allez-vous aujourd'hui ?";
  auto list =
      post_json("/translate", {{"q", {"👍", sentence, "42"}}, {"source", "auto"}, {"target", "en"}});
  ASSERT_EQ(list["translatedText"].size(), 3u) << list;
  EXPECT_EQ(list["translatedText"][0], "👍");
  EXPECT_NE(list["translatedText"][1], sentence);  // translated
  EXPECT_EQ(list["translatedText"][2], "42");
  EXPECT_EQ(list["detectedLanguage"][0], undetected);
  EXPECT_EQ(list["detectedLanguage"][1]["language"], "fr");
  EXPECT_EQ(list["detectedLanguage"][2], undetected);
  auto html = post_json(
      "/translate",
      {{"q", "<p>🎉 <b>2026</b></p>"}, {"source", "auto"}, {"target", "fr"}, {"format", "html"}});
  EXPECT_EQ(html["translatedText"], "<p>🎉 <b>2026</b></p>");
  EXPECT_EQ(html["detectedLanguage"], undetected);
}

TEST_F(LibreTranslate, ErrorsHaveLibreTranslatesBodies) {
  auto missing = post_json("/translate", {{"source", "en"}, {"target", "fr"}}, 400);
  EXPECT_THAT(missing["error"].get<std::string>(), HasSubstr("q"));
  auto unknown =
      post_json("/translate", {{"q", "x"}, {"source", "en"}, {"target", "klingon"}}, 400);
  EXPECT_THAT(unknown["error"].get<std::string>(), HasSubstr("klingon"));
  auto too_long = post_json(
      "/translate", {{"q", std::string(10'001, 'a')}, {"source", "en"}, {"target", "fr"}}, 400);
  EXPECT_TRUE(too_long["error"].is_string());
}

// Python's requests, browsers and proxies reuse a connection after an error answer, as they may
// when it does not say Connection: close: the next request on it must be answered.
TEST_F(LibreTranslate, AnErrorAnswerKeepsTheConnection) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(serve_->http_port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string received;
  // Sends a request and returns its answer's status line and headers (its body read away).
  const auto exchange = [&](const std::string& request) -> std::string {
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size()))
      return "send failed";
    for (;;) {
      if (const auto end = received.find("\r\n\r\n"); end != std::string::npos) {
        const auto at = received.find("Content-Length: ");
        const std::size_t length = at < end ? std::stoul(received.substr(at + 16)) : 0;
        if (received.size() >= end + 4 + length) {
          std::string head = received.substr(0, end + 4);
          received.erase(0, end + 4 + length);
          return head;
        }
      }
      pollfd p{fd, POLLIN, 0};
      char buffer[4096];
      const ssize_t n = ::poll(&p, 1, 60'000) > 0 ? ::recv(fd, buffer, sizeof buffer, 0) : -1;
      if (n <= 0) return "closed";
      received.append(buffer, static_cast<std::size_t>(n));
    }
  };
  const auto post = [](const std::string& path, const std::string& body) {
    return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
           "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  };
  EXPECT_THAT(exchange("GET /languages HTTP/1.1\r\nHost: x\r\n\r\n"), HasSubstr(" 200 "));
  EXPECT_THAT(exchange(post("/translate", R"({"q": "Hello", "source": "en", "target": "fr"})")),
              HasSubstr(" 200 "));
  const std::string error = exchange(post("/translate", R"({"q": )"));
  EXPECT_THAT(error, HasSubstr(" 400 "));
  EXPECT_THAT(error, ::testing::Not(HasSubstr("Connection: close")));
  EXPECT_THAT(exchange(post("/detect", R"({"q": "Das ist ein ganz normaler deutscher Satz."})")),
              HasSubstr(" 200 "));
  ::close(fd);
}

TEST_F(LibreTranslate, LanguagesDetectAndSettings) {
  auto c = client();
  auto languages = c.Get("/languages");
  ASSERT_TRUE(languages);
  const auto list = json::parse(languages->body);
  ASSERT_GE(list.size(), 200u);
  for (const auto& l : list) {
    EXPECT_TRUE(l["code"].is_string());
    EXPECT_TRUE(l["name"].is_string());
    EXPECT_TRUE(l["targets"].is_array());
  }
  auto detect =
      post_json("/detect", {{"q", "Das ist ein ganz normaler deutscher Satz über das Wetter."}});
  ASSERT_TRUE(detect.is_array());
  EXPECT_EQ(detect[0]["language"], "de");
  auto settings = c.Get("/frontend/settings");
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->status, 200);
  EXPECT_TRUE(json::parse(settings->body).contains("charLimit"));
}

TEST_F(LibreTranslate, EveryLanguageRoutesBothWays) {
  auto c = client();
  const auto list = json::parse(c.Get("/languages")->body);
  int answered = 0;
  for (const auto& l : list) {
    const std::string code = l["code"];
    for (const auto& [source, target] :
         {std::pair{std::string("en"), code}, std::pair{code, std::string("en")}}) {
      auto r =
          c.Post("/translate", json{{"q", "Hello"}, {"source", source}, {"target", target}}.dump(),
                 "application/json");
      ASSERT_TRUE(r);
      EXPECT_EQ(r->status, 200) << source << " -> " << target << ": " << r->body;
      answered += r->status == 200;
    }
  }
  EXPECT_EQ(answered, 2 * static_cast<int>(list.size()));
}

// The page at / in a real browser: a link that fills the form translates, and the result shows.
TEST_F(LibreTranslate, WebPageTranslatesInAHeadlessBrowser) {
  const char* browser = nullptr;
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser"})
    if (std::filesystem::exists(candidate)) browser = candidate;
  if (!browser) GTEST_SKIP() << "no chromium (scripts/setup installs Debian's)";
  const auto expected =
      post_json("/translate", {{"q", "Hello world."}, {"source", "en"}, {"target", "fr"}});
  const std::string url = "http://127.0.0.1:" + std::to_string(serve_->http_port()) +
                          "/#q=Hello%20world.&source=en&target=fr";
  const auto profile = serve_->dir() / "chromium-profile";
  const std::string command = std::string(browser) +
                              " --headless=new --no-sandbox --disable-gpu --no-first-run"
                              " --user-data-dir=" +
                              profile.string() + " --virtual-time-budget=20000 --dump-dom '" + url +
                              "' 2>/dev/null";
  std::string dom;
  if (FILE* pipe = ::popen(command.c_str(), "r")) {
    char buffer[4096];
    while (const std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe)) dom.append(buffer, n);
    ::pclose(pipe);
  }
  ASSERT_THAT(dom, HasSubstr("id=\"result\"")) << dom.substr(0, 2000);
  const std::string translated = expected["translatedText"];
  ASSERT_FALSE(translated.empty());
  // The DOM escapes &, < and >; the random model's output may hold them.
  std::string escaped;
  for (const char ch : translated) {
    if (ch == '&')
      escaped += "&amp;";
    else if (ch == '<')
      escaped += "&lt;";
    else if (ch == '>')
      escaped += "&gt;";
    else
      escaped += ch;
  }
  EXPECT_THAT(dom, HasSubstr(escaped)) << "the page did not show the translation";
}

// Polls `condition` every 20 ms for up to `timeout`.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

TEST(LibreTranslateKeys, KeysOfTheKeyFileAreRequiredAndSighupRereadsThem) {
  const TempDir keys_dir("keys");
  const auto file = keys_dir.path() / "keys.txt";
  std::ofstream(file) << "# keys of the test\nfirst 2\n";
  ServeProcess serve(shared_test_model(), {"--workers", "1", "--api-keys-file", file.string()});
  ASSERT_TRUE(serve.wait_serving()) << serve.stderr_text();
  httplib::Client c("127.0.0.1", serve.http_port());
  c.set_read_timeout(std::chrono::seconds(60));
  const auto detect = [&](const char* key) {
    json body = {{"q", "Hello, how are you today?"}};
    if (key != nullptr) body["api_key"] = key;
    const auto r = c.Post("/detect", body.dump(), "application/json");
    return r ? r->status : -1;
  };
  const auto settings = c.Get("/frontend/settings");
  ASSERT_TRUE(settings);
  EXPECT_EQ(json::parse(settings->body)["keyRequired"], true);
  EXPECT_EQ(detect(nullptr), 400);
  EXPECT_EQ(detect("second"), 403);
  EXPECT_EQ(detect("first"), 200);
  EXPECT_EQ(detect("first"), 200);
  EXPECT_EQ(detect("first"), 429);  // its 2 requests per minute are spent

  // A file with an error is not half-applied: the keys in force stay.
  std::ofstream(file) << "second 1 too many words\n";
  serve.signal(SIGHUP);
  EXPECT_TRUE(
      eventually([&] { return serve.stderr_text().find("NOT reloaded") != std::string::npos; },
                 std::chrono::seconds(10)))
      << serve.stderr_text();
  EXPECT_EQ(detect("second"), 403);
  std::ofstream(file) << "second\n";
  serve.signal(SIGHUP);
  EXPECT_TRUE(eventually(
      [&] { return serve.stderr_text().find("1 API keys reloaded") != std::string::npos; },
      std::chrono::seconds(10)))
      << serve.stderr_text();
  EXPECT_EQ(detect("second"), 200);
  EXPECT_EQ(detect("first"), 403);
  EXPECT_TRUE(serve.running());  // SIGHUP no longer ends the front
}

}  // namespace
}  // namespace nmtd::testing
