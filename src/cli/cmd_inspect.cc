// `nmtd inspect DIR [--json]`: what a CTranslate2 model directory holds, read with the same
// readers the engine uses, so a directory inspect accepts is one the engine can load.
#include <algorithm>
#include <charconv>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/flags.h"
#include "common/error.h"
#include "engine/model/legacy_names.h"
#include "engine/model/model_config.h"
#include "engine/model/model_file.h"
#include "engine/model/vocabulary.h"
#include "lang/languages.h"

namespace nmtd::cli {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

bool is_float(DType t) { return t == DType::kF32 || t == DType::kF16 || t == DType::kBF16; }
bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

DType most_common(const std::map<DType, int>& counts) {
  return std::max_element(counts.begin(), counts.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; })
      ->first;
}

// CTranslate2's inference of the saved compute type: the dtype of the "weight" variables,
// refined for int8 by the dtype of the other float tensors (quantization scales excluded).
std::string storage_type(const ModelFile& m) {
  std::map<DType, int> weights, others;
  for (const Variable& v : m.variables()) {
    if (v.is_scalar()) continue;
    if (ends_with(v.name, "weight")) {
      ++weights[v.dtype];
    } else if (is_float(v.dtype) && v.name.find("_scale") == std::string::npos) {
      ++others[v.dtype];
    }
  }
  if (weights.empty()) return "float32";
  const DType w = most_common(weights);
  if (w != DType::kI8) return std::string(dtype_name(w == DType::kI32 ? DType::kF32 : w));
  const DType o = others.empty() ? DType::kF32 : most_common(others);
  if (o == DType::kF16) return "int8_float16";
  if (o == DType::kBF16) return "int8_bfloat16";
  return "int8";  // int8_float32, which CTranslate2 also calls "int8"
}

// Number of layer_N scopes under `stack` ("encoder" or "decoder"), aliases included.
int count_layers(const ModelFile& m, const std::string& stack) {
  const std::string prefix = stack + "/layer_";
  int layers = 0;
  auto visit = [&](const std::string& name) {
    if (name.rfind(prefix, 0) != 0) return;
    int n = 0;
    std::size_t i = prefix.size();
    if (i >= name.size() || name[i] < '0' || name[i] > '9') return;
    for (; i < name.size() && name[i] >= '0' && name[i] <= '9' && n < 100000; ++i)
      n = n * 10 + (name[i] - '0');
    layers = std::max(layers, n + 1);
  };
  for (const Variable& v : m.variables()) visit(v.name);
  for (const auto& a : m.aliases()) visit(a.first);
  return layers;
}

// 1e-5f printed as 1e-05, not as the double nearest the float (9.999999747378752e-06).
double short_double(float f) {
  char buf[32];
  const auto end = std::to_chars(buf, buf + sizeof(buf), f).ptr;
  double d = 0;
  std::from_chars(buf, end, d);
  return d;
}

json shape_dim(const ModelFile& m, const char* name, std::size_t axis) {
  const Variable* v = m.find(name);
  if (v == nullptr || v->shape.size() <= axis) return nullptr;
  return v->shape[axis];
}

json num_heads(const ModelFile& m) {
  if (const Variable* v = m.find("encoder/num_heads")) return static_cast<int64_t>(m.scalar(*v));
  if (const auto implied = m.implied_num_heads()) return *implied;
  return nullptr;
}

std::string vocabulary_file(const fs::path& dir) {
  for (const char* name : {"shared_vocabulary.json", "shared_vocabulary.txt",
                           "target_vocabulary.json", "target_vocabulary.txt"}) {
    std::error_code ec;
    if (fs::exists(dir / name, ec)) return name;
  }
  return "";
}

json describe(const fs::path& dir) {
  const ModelFile m = ModelFile::open(dir / "model.bin");
  const ModelConfig config = ModelConfig::load(dir, m);
  const Vocabulary vocab = Vocabulary::load(dir, config.unk_token);

  json r;
  r["directory"] = dir.string();
  r["binary_version"] = m.binary_version();
  r["spec"] = m.spec_name();
  r["spec_revision"] = m.spec_revision();
  r["storage_type"] = storage_type(m);
  r["variables"] = m.variables().size();
  r["aliases"] = m.aliases().size();
  r["encoder_layers"] = count_layers(m, "encoder");
  r["decoder_layers"] = count_layers(m, "decoder");
  r["d_model"] = shape_dim(m, "decoder/embeddings/weight", 1);
  r["num_heads"] = num_heads(m);
  r["ffn_dim"] = shape_dim(m, "encoder/layer_0/ffn/linear_0/weight", 0);
  r["embedding_rows"] = shape_dim(m, "decoder/embeddings/weight", 0);
  r["vocabulary_file"] = vocabulary_file(dir);
  r["vocabulary_size"] = vocab.size();
  json codes = json::array();
  for (const std::string_view code : lang::nllb_codes())
    if (vocab.find(code) >= 0) codes.push_back(code);
  r["languages"] = {{"count", codes.size()}, {"codes", codes}};
  r["config"] = {{"unk_token", config.unk_token},
                 {"bos_token", config.bos_token},
                 {"eos_token", config.eos_token},
                 {"decoder_start_token",
                  config.decoder_start_token ? json(*config.decoder_start_token) : json(nullptr)},
                 {"add_source_bos", config.add_source_bos},
                 {"add_source_eos", config.add_source_eos},
                 {"layer_norm_epsilon", short_double(config.layer_norm_epsilon)}};
  json files = json::object();
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::error_code ec;
    if (entry.is_regular_file(ec)) files[entry.path().filename().string()] = entry.file_size(ec);
  }
  r["files"] = files;

  json warnings = json::array();
  if (!is_transformer_spec(m.spec_name()))
    warnings.push_back("spec " + m.spec_name() + " is readable but nmtd runs TransformerSpec only");
  for (const auto& name : m.duplicate_names())
    warnings.push_back("variable '" + name + "' is stored more than once (the first is used)");
  for (const auto& name : m.dangling_aliases())
    warnings.push_back("alias '" + name + "' points to a missing variable (ignored)");
  if (m.trailing_bytes() > 0)
    warnings.push_back(std::to_string(m.trailing_bytes()) + " bytes after the alias section");
  if (const auto rows = r["embedding_rows"];
      rows.is_number() && rows.get<int64_t>() != static_cast<int64_t>(vocab.size()))
    warnings.push_back("the vocabulary has " + vocab.size_text() + " but the embeddings have " +
                       rows.dump() + " rows");
  r["warnings"] = warnings;
  return r;
}

std::string text_of(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

void print_text(const json& r) {
  auto line = [](const char* key, const std::string& value) {
    std::printf("%-18s %s\n", key, value.c_str());
  };
  line("directory", text_of(r["directory"]));
  line("spec", text_of(r["spec"]) + " revision " + text_of(r["spec_revision"]) +
                   ", binary version " + text_of(r["binary_version"]));
  line("storage type", text_of(r["storage_type"]));
  line("variables", text_of(r["variables"]) + " (+ " + text_of(r["aliases"]) + " aliases)");
  line("layers",
       text_of(r["encoder_layers"]) + " encoder, " + text_of(r["decoder_layers"]) + " decoder");
  line("d_model", text_of(r["d_model"]));
  line("heads", text_of(r["num_heads"]));
  line("ffn", text_of(r["ffn_dim"]));
  line("vocabulary",
       text_of(r["vocabulary_size"]) + " tokens (" + text_of(r["vocabulary_file"]) + ")");
  const json& langs = r["languages"];
  // Joined with append(): GCC 12 raises a false -Wrestrict on `"" + std::string` chains.
  std::string codes;
  for (const auto& c : langs["codes"]) {
    if (!codes.empty()) codes.push_back(' ');
    codes.append(c.get<std::string>());
  }
  const bool all = langs["count"].get<std::size_t>() == lang::kNllbLanguageCount;
  line("languages", text_of(langs["count"]) + " of " + std::to_string(lang::kNllbLanguageCount) +
                        " NLLB codes" +
                        (all             ? " (all)"
                         : codes.empty() ? ""
                                         : ": " + codes));
  std::string cfg;
  for (const auto& [k, v] : r["config"].items()) {
    if (!cfg.empty()) cfg.push_back(' ');
    cfg.append(k).append("=").append(text_of(v));
  }
  line("config", cfg);
  std::printf("files\n");
  for (const auto& [name, size] : r["files"].items())
    std::printf("  %-32s %12s bytes\n", name.c_str(), size.dump().c_str());
  for (const auto& w : r["warnings"]) std::printf("warning: %s\n", w.get<std::string>().c_str());
}

}  // namespace

int cmd_inspect(const Args& args) {
  Flags flags("inspect",
              "DIR [--json]\n\nDescribes a CTranslate2 model directory (model.bin, config.json, "
              "vocabulary):\nspec, storage type, shape, vocabulary, NLLB languages, files and "
              "config.\nExits 1 with the reason when the directory cannot be loaded.");
  flags.toggle("json", "print one JSON object instead of text");
  if (!flags.parse(args)) return 0;
  if (flags.positional().size() != 1)
    throw InvalidArgument("expected one model directory (see nmtd inspect --help)");
  fs::path dir = flags.positional()[0];
  std::error_code ec;
  if (fs::is_regular_file(dir, ec) && dir.filename() == "model.bin")
    dir = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
  if (!fs::is_directory(dir, ec)) throw ModelFormatError(dir.string() + ": not a model directory");
  if (!fs::exists(dir / "model.bin", ec)) {
    const bool hf = fs::exists(dir / "model.safetensors", ec);
    throw ModelFormatError(dir.string() + ": no model.bin, so not a CTranslate2 model directory" +
                           (hf ? std::string(" (it holds a Hugging Face checkpoint: nmtd convert "
                                             "makes a model directory from it)")
                               : std::string()));
  }
  const json r = describe(dir);
  if (flags.on("json")) {
    std::printf("%s\n", r.dump(2).c_str());
  } else {
    print_text(r);
  }
  return 0;
}

}  // namespace nmtd::cli
