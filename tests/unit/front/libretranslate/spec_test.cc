// GET /spec: the Swagger 2.0 document that API explorers and clients read, checked against the
// routes the API really serves.
#include <gtest/gtest.h>

#include <set>
#include <utility>

#include "unit/front/libretranslate/fake_backend.h"

namespace nmtd::libretranslate {
namespace {

using nlohmann::json;
using testing::ApiServer;

// Every route mount() adds but the web page and /spec itself, with its method.
const std::set<std::pair<std::string, std::string>> kApiRoutes = {
    {"/translate", "post"},        {"/detect", "post"}, {"/languages", "get"},
    {"/frontend/settings", "get"}, {"/health", "get"},  {"/translate_file", "post"},
    {"/suggest", "post"},
};

json get_spec(const ApiServer& s) {
  auto res = s.client().Get("/spec");
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("Access-Control-Allow-Origin"), "*");
  return json::parse(res->body);  // throws (and fails the test) unless it is JSON
}

TEST(Spec, IsASwagger2DocumentNamingEveryRoute) {
  ApiServer s;
  const json spec = get_spec(s);
  EXPECT_EQ(spec.value("swagger", ""), "2.0");
  EXPECT_EQ(spec["info"].value("title", ""), "LibreTranslate");
  ASSERT_TRUE(spec.contains("paths") && spec["paths"].is_object()) << spec.dump();
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, operations] : spec["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      documented.emplace(path, method);
      EXPECT_TRUE(operation.contains("responses")) << method << " " << path;
    }
  }
  EXPECT_EQ(documented, kApiRoutes);
}

TEST(Spec, EveryDocumentedRouteIsServedWithTheDocumentedParameters) {
  ApiServer s;
  const json spec = get_spec(s);
  auto c = s.client();
  for (const auto& [path, operations] : spec["paths"].items()) {
    for (const auto& [method, operation] : operations.items()) {
      const auto res = method == "get" ? c.Get(path) : c.Post(path, "", "application/json");
      ASSERT_TRUE(res) << method << " " << path;
      EXPECT_NE(res->status, 404) << method << " " << path;
      EXPECT_NE(res->status, 405) << method << " " << path;
      EXPECT_TRUE(operation["responses"].contains(std::to_string(res->status)))
          << method << " " << path << " answered " << res->status << ", not documented";
    }
  }
  // /translate's parameters, which clients build forms from.
  std::set<std::string> names;
  for (const json& p : spec["paths"]["/translate"]["post"]["parameters"]) names.insert(p["name"]);
  EXPECT_EQ(names,
            (std::set<std::string>{"q", "source", "target", "format", "alternatives", "api_key"}));
  // Each $ref names a definition the document has.
  const std::string text = spec.dump();
  for (std::size_t at = text.find("#/definitions/"); at != std::string::npos;
       at = text.find("#/definitions/", at + 1)) {
    const auto start = at + std::string("#/definitions/").size();
    const std::string name = text.substr(start, text.find('"', start) - start);
    EXPECT_TRUE(spec["definitions"].contains(name)) << name;
  }
}

}  // namespace
}  // namespace nmtd::libretranslate
