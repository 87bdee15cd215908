#include "front/libretranslate/fields.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace nmtd::libretranslate {
namespace {

constexpr std::string_view kUnparsable =
    "The browser (or proxy) sent a request that this server could not understand.";

std::string lowercase(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Werkzeug's test: application/json or application/*+json, parameters ignored.
bool is_json_type(std::string_view content_type) {
  const std::string type = lowercase(content_type.substr(0, content_type.find(';')));
  const std::string_view t = std::string_view(type).substr(0, type.find_last_not_of(" \t") + 1);
  return t == "application/json" || (t.starts_with("application/") && t.ends_with("+json"));
}

// Form fields carry browser line endings; LibreTranslate normalises them to \n and drops a
// trailing newline (a textarea's).
std::string normalise_form_text(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r') {
      out += '\n';
      if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
    } else {
      out += s[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

RequestError not_a_number() {
  return {400, "Invalid request: alternatives parameter is not a number"};
}

// Python's int() of a string: surrounding whitespace, an optional sign, decimal digits.
int parse_int(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || end != s.data() + s.size()) throw not_a_number();
  if (ec == std::errc::result_out_of_range) return v < 0 ? 0 : std::numeric_limits<int>::max();
  return static_cast<int>(std::clamp<long long>(v, 0, std::numeric_limits<int>::max()));
}

}  // namespace

Fields::Fields(const http::HttpRequest& request) : params_(&request.params) {
  if (!is_json_type(request.header("Content-Type").value_or(""))) return;
  nlohmann::json body = nlohmann::json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) throw RequestError{400, std::string(kUnparsable)};
  if (!body.is_object()) throw RequestError{400, "Invalid JSON format"};
  json_ = std::move(body);
}

std::optional<std::string> Fields::text(std::string_view name) const {
  if (!json_) {
    const auto it = params_->find(name);
    if (it == params_->end()) return std::nullopt;
    return it->second;
  }
  const auto it = json_->find(name);
  if (it == json_->end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    throw RequestError{400,
                       "Invalid request: " + std::string(name) + " parameter must be a string"};
  }
  return it->get<std::string>();
}

std::optional<Fields::Texts> Fields::texts(std::string_view name) const {
  if (!json_) {
    auto value = text(name);
    if (!value || value->empty()) return std::nullopt;
    return Texts{{normalise_form_text(std::move(*value))}, false};
  }
  const auto it = json_->find(name);
  if (it == json_->end() || it->is_null()) return std::nullopt;
  if (it->is_string()) {
    if (it->get_ref<const std::string&>().empty()) return std::nullopt;
    return Texts{{it->get<std::string>()}, false};
  }
  const std::string wrong =
      "Invalid request: " + std::string(name) + " parameter must be a string or a list of strings";
  if (!it->is_array()) throw RequestError{400, wrong};
  if (it->empty()) return std::nullopt;
  Texts out{{}, true};
  for (const auto& item : *it) {
    if (!item.is_string()) throw RequestError{400, wrong};
    out.items.push_back(item.get<std::string>());
  }
  return out;
}

int Fields::alternatives() const {
  if (!json_) {
    const auto value = text("alternatives");
    return value ? parse_int(*value) : 0;
  }
  const auto it = json_->find("alternatives");
  if (it == json_->end() || it->is_null()) return 0;
  if (it->is_boolean()) return it->get<bool>() ? 1 : 0;
  if (it->is_number_integer()) {
    // nlohmann stores every non-negative integer as unsigned.
    if (it->is_number_unsigned()) {
      return static_cast<int>(std::min<unsigned long long>(it->get<unsigned long long>(),
                                                           std::numeric_limits<int>::max()));
    }
    return 0;  // negative
  }
  if (it->is_number_float()) {
    const double v = std::trunc(it->get<double>());
    if (!std::isfinite(v)) throw not_a_number();
    return static_cast<int>(std::clamp(v, 0.0, double(std::numeric_limits<int>::max())));
  }
  if (it->is_string()) return parse_int(it->get_ref<const std::string&>());
  throw not_a_number();
}

}  // namespace nmtd::libretranslate
