#include "engine/model/model_config.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "common/atomic_file.h"
#include "common/error.h"
#include "engine/model/model_file.h"
#include "engine/model/model_file_util.h"

namespace nmtd {

namespace {

// Python's default when a converter leaves layer_norm_epsilon unset (null in the file).
constexpr float kDefaultLayerNormEpsilon = 1e-5f;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw ModelFormatError(file.string() + ": " + what);
}

nlohmann::json parse_config(const std::filesystem::path& file) {
  std::string text;
  try {
    text = read_text_file(file);
  } catch (const IoError& e) {
    fail(file, std::string("cannot read: ") + e.what());
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(file, std::string("not valid JSON: ") + e.what());
  }
  if (!j.is_object()) fail(file, "expected a JSON object, found " + std::string(j.type_name()));
  return j;
}

// CTranslate2 reads the token keys with config["..."].get<std::string>(), so for a binary
// version 6 model they are required strings.
std::string required_string(const nlohmann::json& j, const char* key,
                            const std::filesystem::path& file) {
  const auto it = j.find(key);
  if (it == j.end()) fail(file, std::string("missing key \"") + key + "\" (expected a string)");
  if (!it->is_string())
    fail(file, std::string("key \"") + key + "\" should be a string, found " + it->type_name());
  return it->get<std::string>();
}

// The add_source_* flags: absent means Python's default, false.
bool optional_bool(const nlohmann::json& j, const char* key, const std::filesystem::path& file) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return false;
  if (!it->is_boolean())
    fail(file,
         std::string("key \"") + key + "\" should be true or false, found " + it->type_name());
  return it->get<bool>();
}

float read_epsilon(const nlohmann::json& j, const std::filesystem::path& file) {
  const auto it = j.find("layer_norm_epsilon");
  if (it == j.end() || it->is_null()) return kDefaultLayerNormEpsilon;
  if (!it->is_number())
    fail(file, std::string("key \"layer_norm_epsilon\" should be a number or null, found ") +
                   it->type_name());
  const double v = it->get<double>();
  if (!(v >= 0.0 && v < 1.0))
    fail(file, "layer_norm_epsilon " + std::to_string(v) + " is not in [0, 1)");
  return static_cast<float>(v);
}

// A legacy boolean attribute (an int8 scalar): CTranslate2's get_flag_with_default.
bool flag(const ModelFile& model, std::string_view name, bool fallback) {
  return model.scalar_or(name, fallback ? 1.0 : 0.0) != 0.0;
}

// The double whose shortest repr matches the float's (1e-6f -> 1e-06, not 9.99999997e-07),
// which is what a Python converter holding the user's value would have written.
double float_as_short_double(float f) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof(buf), f);
  double d = 0;
  std::from_chars(buf, r.ptr, d);
  return d;
}

}  // namespace

ModelConfig ModelConfig::load(const std::filesystem::path& dir, const ModelFile& model) {
  const auto file = dir / "config.json";
  std::error_code ec;
  const bool exists = std::filesystem::exists(file, ec);
  ModelConfig c;
  if (model.binary_version() >= 6) {
    if (!exists)
      fail(file, "missing: a binary version " + std::to_string(model.binary_version()) +
                     " model needs config.json beside model.bin");
    const nlohmann::json j = parse_config(file);
    c.unk_token = required_string(j, "unk_token", file);
    c.bos_token = required_string(j, "bos_token", file);
    c.eos_token = required_string(j, "eos_token", file);
    c.add_source_bos = optional_bool(j, "add_source_bos", file);
    c.add_source_eos = optional_bool(j, "add_source_eos", file);
    // Null (or absent, which CTranslate2 reads as null) means the caller supplies the
    // start token as the first token of the target prefix.
    const auto start = j.find("decoder_start_token");
    if (start == j.end() || start->is_null()) {
      c.decoder_start_token.reset();
    } else if (start->is_string()) {
      c.decoder_start_token = start->get<std::string>();
    } else {
      fail(file, std::string("key \"decoder_start_token\" should be a string or null, found ") +
                     start->type_name());
    }
    c.layer_norm_epsilon = read_epsilon(j, file);
    return c;
  }
  // Binary version < 6: the tokens and flags are model attributes (CTranslate2's
  // SequenceToSequenceModel::initialize). A config.json may still set layer_norm_epsilon.
  const auto attr = [&model](const char* name, const char* fallback) {
    return model.string_attribute(name).value_or(fallback);
  };
  c.unk_token = attr("unk_token", "<unk>");
  c.bos_token = attr("bos_token", "<s>");
  c.eos_token = attr("eos_token", "</s>");
  c.add_source_bos = flag(model, "with_source_bos", false);
  c.add_source_eos = flag(model, "with_source_eos", false);
  if (flag(model, "user_decoder_start_tokens", false)) {
    c.decoder_start_token.reset();
  } else {
    c.decoder_start_token = flag(model, "with_target_bos", true) ? c.bos_token : c.eos_token;
  }
  if (exists) c.layer_norm_epsilon = read_epsilon(parse_config(file), file);
  return c;
}

void ModelConfig::save(const std::filesystem::path& dir) const {
  // Byte for byte what json.dump(indent=2, sort_keys=True) + "\n" writes for NLLB. The
  // default epsilon is written as null, as the converter leaves it unset.
  const auto quote = [](const std::string& s) { return python_json_quote(s); };
  std::string out = "{\n";
  out += "  \"add_source_bos\": " + std::string(add_source_bos ? "true" : "false") + ",\n";
  out += "  \"add_source_eos\": " + std::string(add_source_eos ? "true" : "false") + ",\n";
  out += "  \"bos_token\": " + quote(bos_token) + ",\n";
  out += "  \"decoder_start_token\": " +
         (decoder_start_token ? quote(*decoder_start_token) : std::string("null")) + ",\n";
  out += "  \"eos_token\": " + quote(eos_token) + ",\n";
  out += "  \"layer_norm_epsilon\": " +
         (layer_norm_epsilon == kDefaultLayerNormEpsilon
              ? std::string("null")
              : python_float_repr(float_as_short_double(layer_norm_epsilon))) +
         ",\n";
  out += "  \"multi_query_attention\": false,\n";
  out += "  \"unk_token\": " + quote(unk_token) + "\n";
  out += "}\n";
  write_file_atomically(dir / "config.json", out);
}

}  // namespace nmtd
