#include "engine/convert/hf_converter.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/error.h"
#include "common/thread_pool.h"
#include "engine/convert/hf_converter_output.h"
#include "engine/convert/model_writer.h"
#include "engine/convert/safetensors.h"
#include "engine/model/model_config.h"
#include "engine/model/model_file_util.h"
#include "engine/model/vocabulary.h"

namespace nmtd {

namespace fs = std::filesystem;

namespace {

std::string shape_str(const std::vector<int64_t>& s) {
  std::string out = "[";
  for (std::size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

nlohmann::json read_json_file(const fs::path& file) {
  if (!fs::exists(file)) throw ModelFormatError(file.string() + ": missing");
  try {
    return nlohmann::json::parse(read_text_file(file));
  } catch (const nlohmann::json::exception& e) {
    throw ModelFormatError(file.string() + ": not valid JSON: " + e.what());
  }
}

// A config value or HF's M2M100Config default when absent (as from_pretrained does).
class ConfigReader {
 public:
  ConfigReader(const nlohmann::json& j, fs::path file) : j_(j), file_(std::move(file)) {}

  int64_t integer(const char* key, int64_t def) const {
    const auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return def;
    if (!it->is_number_integer()) fail(std::string("\"") + key + "\" must be an integer");
    return it->get<int64_t>();
  }
  bool boolean(const char* key, bool def) const {
    const auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return def;
    if (!it->is_boolean()) fail(std::string("\"") + key + "\" must be true or false");
    return it->get<bool>();
  }
  std::string string(const char* key, const std::string& def) const {
    const auto it = j_.find(key);
    if (it == j_.end() || it->is_null()) return def;
    if (!it->is_string()) fail(std::string("\"") + key + "\" must be a string");
    return it->get<std::string>();
  }
  int small_int(const char* key, int64_t def) const {
    const int64_t v = integer(key, def);
    if (v < 0 || v > (1 << 24)) fail(std::string("\"") + key + "\" is out of range");
    return static_cast<int>(v);
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFormatError(file_.string() + ": " + what);
  }

 private:
  const nlohmann::json& j_;
  fs::path file_;
};

class CheckpointSource final : public WeightSource {
 public:
  explicit CheckpointSource(const SafetensorsCheckpoint& ck) : ck_(ck) {}

  void check(const SourceTensor& t) const override {
    const StTensor& st = ck_.get(t.name);
    if (st.dtype != StDType::kF32 && st.dtype != StDType::kF16 && st.dtype != StDType::kBF16)
      throw ModelFormatError(ck_.describe() + ": tensor '" + t.name + "' has dtype " +
                             std::string(st_dtype_name(st.dtype)) + " (expected F32, F16 or BF16)");
    if (st.shape != t.shape)
      throw ModelFormatError(ck_.describe() + ": tensor '" + t.name + "' has shape " +
                             shape_str(st.shape) + ", config.json implies " + shape_str(t.shape));
  }

  void read_rows(const SourceTensor& t, int64_t begin, int64_t end, float* out) const override {
    SafetensorsCheckpoint::read_rows_f32(ck_.get(t.name), begin, end, out);
  }

  void done(const SourceTensor& t) const override {
    SafetensorsCheckpoint::release(ck_.get(t.name));
  }

 private:
  const SafetensorsCheckpoint& ck_;
};

bool same_tensor(const StTensor& a, const StTensor& b) {
  return a.dtype == b.dtype && a.shape == b.shape && a.data.size() == b.data.size() &&
         (a.data.data() == b.data.data() ||
          std::memcmp(a.data.data(), b.data.data(), a.data.size()) == 0);
}

// Finds the checkpoint's naming (with or without the "model." prefix) and which tensors
// hold the three embedding matrices. Tied ones resolve to one name.
NllbHfNames resolve_names(const SafetensorsCheckpoint& ck, bool tied) {
  NllbHfNames n;
  if (ck.find("model.encoder.layers.0.fc1.weight") != nullptr)
    n.prefix = "model.";
  else if (ck.find("encoder.layers.0.fc1.weight") != nullptr)
    n.prefix = "";
  else
    throw ModelFormatError(ck.describe() +
                           ": missing tensor 'model.encoder.layers.0.fc1.weight' "
                           "(not an M2M100/NLLB checkpoint?)");
  const std::string shared = n.prefix + "shared.weight";
  auto pick = [&](const std::string& name) -> std::string {
    if (ck.find(name) != nullptr) return name;
    if (ck.find(shared) != nullptr) return shared;
    throw ModelFormatError(ck.describe() + ": missing tensor '" + name + "' (and no '" + shared +
                           "' to take it from)");
  };
  n.decoder_embed = pick(n.prefix + "decoder.embed_tokens.weight");
  n.encoder_embed = pick(n.prefix + "encoder.embed_tokens.weight");
  // With tied embeddings HF ignores a stored lm_head and uses the input embedding.
  n.lm_head = tied ? n.decoder_embed : pick("lm_head.weight");
  // Equal bytes are one tensor to CTranslate2's alias pass; say so now, so it is stored once.
  if (n.encoder_embed != n.decoder_embed &&
      same_tensor(ck.get(n.encoder_embed), ck.get(n.decoder_embed)))
    n.encoder_embed = n.decoder_embed;
  if (n.lm_head != n.decoder_embed && same_tensor(ck.get(n.lm_head), ck.get(n.decoder_embed)))
    n.lm_head = n.decoder_embed;
  return n;
}

ModelConfig make_config(const fs::path& from, const HfModelInfo& info,
                        const std::vector<std::string>& vocabulary) {
  ModelConfig c;  // NLLB defaults: <unk> <s> </s>, no source bos/eos, epsilon null
  const fs::path tc = from / "tokenizer_config.json";
  if (fs::exists(tc)) {
    const nlohmann::json j = read_json_file(tc);
    auto token = [&](const char* key, std::string& dst) {
      const auto it = j.find(key);
      if (it == j.end() || it->is_null()) return;
      if (it->is_string())
        dst = it->get<std::string>();
      else if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
        dst = (*it)["content"].get<std::string>();
      else
        throw ModelFormatError(tc.string() + ": \"" + key + "\" is not a token");
    };
    token("bos_token", c.bos_token);
    token("eos_token", c.eos_token);
    token("unk_token", c.unk_token);
  }
  const int64_t start = info.decoder_start_token_id;
  if (start < 0 || start >= static_cast<int64_t>(vocabulary.size()))
    throw ModelFormatError((from / "config.json").string() + ": decoder_start_token_id " +
                           std::to_string(start) + " is outside the vocabulary");
  c.decoder_start_token = vocabulary[static_cast<std::size_t>(start)];
  return c;
}

}  // namespace

HfModelInfo read_hf_config(const fs::path& dir) {
  const fs::path file = dir / "config.json";
  const nlohmann::json j = read_json_file(file);
  if (!j.is_object()) throw ModelFormatError(file.string() + ": not a JSON object");
  const ConfigReader r(j, file);

  const std::string type = r.string("model_type", "");
  if (type == "nllb-moe" || type == "nllb_moe")
    throw Unsupported(file.string() + ": model_type \"" + type +
                      "\": NLLB-MoE (mixture of experts) checkpoints are not supported, only "
                      "dense NLLB/M2M100 ones");
  if (type != "m2m_100")
    throw Unsupported(file.string() + ": model_type \"" + type +
                      "\" is not supported (expected \"m2m_100\", the NLLB/M2M100 architecture)");
  const std::string act = r.string("activation_function", "relu");
  if (act != "relu")
    throw Unsupported(file.string() + ": activation_function \"" + act +
                      "\" is not supported (NLLB/M2M100 use \"relu\")");
  // normalize_before is not read: HF's M2M100 is always pre-norm, and CTranslate2's
  // M2M100Loader forces normalize_before = True whatever the file says.

  HfModelInfo info;
  NllbShape& s = info.shape;
  s.d_model = r.small_int("d_model", 1024);
  s.encoder_layers = r.small_int("encoder_layers", 12);
  s.decoder_layers = r.small_int("decoder_layers", 12);
  s.heads = r.small_int("encoder_attention_heads", 16);
  const int dec_heads = r.small_int("decoder_attention_heads", 16);
  if (dec_heads != s.heads)
    r.fail("decoder_attention_heads " + std::to_string(dec_heads) +
           " differs from encoder_attention_heads " + std::to_string(s.heads) +
           " (a CTranslate2 TransformerSpec has one head count)");
  s.encoder_ffn = r.small_int("encoder_ffn_dim", 4096);
  s.decoder_ffn = r.small_int("decoder_ffn_dim", 4096);
  s.vocab_size = r.integer("vocab_size", 128112);
  s.max_positions = r.small_int("max_position_embeddings", 1024);
  // HF: embed_scale = math.sqrt(d_model) if scale_embedding else 1.0, stored as float32.
  s.embed_scale = r.boolean("scale_embedding", true)
                      ? static_cast<float>(std::sqrt(static_cast<double>(s.d_model)))
                      : 1.0f;
  info.decoder_start_token_id = r.integer("decoder_start_token_id", 2);
  info.tie_word_embeddings = r.boolean("tie_word_embeddings", true);
  try {
    s.validate();
  } catch (const InvalidArgument& e) {
    r.fail(e.what());
  }
  return info;
}

ConvertResult convert_hf_checkpoint(const ConvertOptions& options,
                                    const std::vector<std::string>& vocabulary) {
  const fs::path from = options.from;
  if (!fs::is_directory(from)) throw InvalidArgument(from.string() + " is not a directory");
  {
    // --force must never delete the checkpoint being converted.
    const auto a = fs::weakly_canonical(from), b = fs::weakly_canonical(options.out);
    const auto rel = a.lexically_relative(b);
    if (a == b || (!rel.empty() && *rel.begin() != ".."))
      throw InvalidArgument("the output directory " + options.out.string() +
                            " must not be or contain the input " + from.string());
  }
  ConvertResult result;
  result.info = read_hf_config(from);
  const NllbShape& shape = result.info.shape;
  if (static_cast<int64_t>(vocabulary.size()) != shape.vocab_size)
    throw ModelFormatError("vocabulary has " + std::to_string(vocabulary.size()) +
                           " tokens but config.json says vocab_size " +
                           std::to_string(shape.vocab_size));
  const fs::path spm = from / "sentencepiece.bpe.model";
  if (!fs::exists(spm)) throw ModelFormatError(spm.string() + ": missing");

  const SafetensorsCheckpoint ck = SafetensorsCheckpoint::open(from);
  const NllbHfNames names = resolve_names(ck, result.info.tie_word_embeddings);
  const ModelConfig config = make_config(from, result.info, vocabulary);

  StagedDirectory out(options.out, options.force);
  {
    const int threads = options.threads > 0
                            ? options.threads
                            : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    ThreadPool pool(threads);
    ModelWriter writer;
    write_nllb_model(shape, names, CheckpointSource(ck), options.quantization, pool, writer);
    writer.alias_duplicates();  // CTranslate2 also aliases coincidentally equal tensors
    writer.write(out.path() / "model.bin");
  }  // the converted weights are freed before the small files are written
  config.save(out.path());
  Vocabulary::save_json(out.path() / "shared_vocabulary.json", vocabulary);
  std::error_code ec;
  fs::copy_file(spm, out.path() / "sentencepiece.bpe.model", ec);
  if (ec) throw IoError("cannot copy " + spm.string() + ": " + ec.message());
  result.model_bytes = fs::file_size(out.path() / "model.bin");
  out.commit();
  return result;
}

}  // namespace nmtd
