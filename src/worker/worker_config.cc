#include "worker/worker_config.h"

#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace nmtd::worker {
namespace {

using Json = nlohmann::json;

void require(bool ok, const std::string& message) {
  if (!ok) throw InvalidArgument(message);
}

// Reads one JSON value into a setting, naming the key when the type is wrong.
class Reader {
 public:
  Reader(const std::filesystem::path& file, std::string key, const Json& value)
      : key_(key), where_(file.string() + ": \"" + key + "\""), value_(value) {}

  template <typename T>
  void integer(T& out, long long min, long long max) const {
    require(value_.is_number_integer(), where_ + " must be an integer");
    const long long v = value_.get<long long>();
    require(v >= min && v <= max, where_ + " must be in [" + std::to_string(min) + ", " +
                                      std::to_string(max) + "], got " + std::to_string(v));
    out = static_cast<T>(v);
  }
  void real(float& out) const {
    require(value_.is_number(), where_ + " must be a number");
    out = value_.get<float>();
  }
  void real(double& out) const {
    require(value_.is_number(), where_ + " must be a number");
    out = value_.get<double>();
  }
  void boolean(bool& out) const {
    require(value_.is_boolean(), where_ + " must be true or false");
    out = value_.get<bool>();
  }
  void string(std::string& out) const {
    require(value_.is_string(), where_ + " must be a string");
    out = value_.get<std::string>();
  }
  void path(std::filesystem::path& out) const {
    std::string s;
    string(s);
    out = s;
  }
  void millis(std::chrono::milliseconds& out) const {
    long long v = 0;
    integer(v, 1, 7LL * 24 * 3600 * 1000);
    out = std::chrono::milliseconds(v);
  }
  const Json& json() const { return value_; }
  const std::string& key() const { return key_; }

 private:
  std::string key_;
  std::string where_;
  const Json& value_;
};

using Setter = std::function<void(const Reader&)>;

void apply_object(const std::filesystem::path& file, const std::string& prefix, const Json& obj,
                  const std::map<std::string, Setter>& setters) {
  require(obj.is_object(),
          file.string() + ": " + (prefix.empty() ? "the file" : prefix) + " must be a JSON object");
  for (const auto& [key, value] : obj.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    const auto it = setters.find(key);
    if (it == setters.end()) {
      std::string known;
      for (const auto& [k, _] : setters) known += (known.empty() ? "" : ", ") + k;
      throw InvalidArgument(file.string() + ": unknown setting \"" + name + "\" (known" +
                            (prefix.empty() ? "" : " in " + prefix) + ": " + known + ")");
    }
    it->second(Reader(file, name, value));
  }
}

constexpr long long kIntMax = 2147483647;
constexpr long long kBytesMax = 1LL << 40;

}  // namespace

void WorkerConfig::validate() const {
  require(threads >= 0, "threads must be >= 0, got " + std::to_string(threads));
  require(queue_capacity >= 1, "queue_capacity must be >= 1");
  require(limits.max_texts_per_request >= 1, "limits.max_texts_per_request must be >= 1");
  require(limits.max_texts_per_request <= queue_capacity,
          "limits.max_texts_per_request (" + std::to_string(limits.max_texts_per_request) +
              ") must not exceed queue_capacity (" + std::to_string(queue_capacity) +
              "): such a request could never be queued");
  require(limits.max_text_bytes >= 1 && limits.max_request_bytes >= limits.max_text_bytes,
          "limits.max_request_bytes must be >= limits.max_text_bytes >= 1");
  require(limits.max_message_bytes > limits.max_request_bytes,
          "limits.max_message_bytes must exceed limits.max_request_bytes, so that an oversized "
          "request gets the precise INVALID_ARGUMENT answer");
  require(limits.max_text_tokens >= 3, "limits.max_text_tokens must be >= 3");
  require(batching.max_batch_texts >= 1, "batching.max_batch_texts must be >= 1");
  require(batching.max_batch_tokens >= limits.max_text_tokens,
          "batching.max_batch_tokens must be >= limits.max_text_tokens, so that every text fits "
          "a batch");
  require(batching.max_wait.count() >= 0, "batching.max_wait_us must be >= 0");
  require(default_deadline.count() > 0 && drain_timeout.count() > 0 &&
              engine_stall_limit.count() > 0 && monitor_interval.count() > 0,
          "durations must be > 0");
  require(max_gpu_memory_percent > 0 && max_gpu_memory_percent <= 100,
          "max_gpu_memory_percent must be in (0, 100]");
  default_options.validate();
}

void apply_config_file(const std::filesystem::path& file, WorkerConfig& c) {
  std::ifstream in(file);
  if (!in) throw IoError("cannot read config file " + file.string());
  Json root;
  try {
    root = Json::parse(in);
  } catch (const Json::parse_error& e) {
    throw InvalidArgument(file.string() + ": not valid JSON: " + e.what());
  }
  auto& d = c.default_options.decoding;
  const std::map<std::string, Setter> limits = {
      {"max_texts_per_request",
       [&](const Reader& r) { r.integer(c.limits.max_texts_per_request, 1, kIntMax); }},
      {"max_text_bytes",
       [&](const Reader& r) { r.integer(c.limits.max_text_bytes, 1, kBytesMax); }},
      {"max_request_bytes",
       [&](const Reader& r) { r.integer(c.limits.max_request_bytes, 1, kBytesMax); }},
      {"max_text_tokens",
       [&](const Reader& r) { r.integer(c.limits.max_text_tokens, 3, kIntMax); }},
      {"max_message_bytes",
       [&](const Reader& r) { r.integer(c.limits.max_message_bytes, 1, kIntMax); }},
  };
  const std::map<std::string, Setter> batching = {
      {"max_batch_texts",
       [&](const Reader& r) { r.integer(c.batching.max_batch_texts, 1, kIntMax); }},
      {"max_batch_tokens",
       [&](const Reader& r) { r.integer(c.batching.max_batch_tokens, 1, kIntMax); }},
      {"max_wait_us",
       [&](const Reader& r) {
         long long us = 0;
         r.integer(us, 0, 10'000'000);
         c.batching.max_wait = std::chrono::microseconds(us);
       }},
  };
  const std::map<std::string, Setter> decoding = {
      {"beam_size", [&](const Reader& r) { r.integer(d.beam_size, 1, kIntMax); }},
      {"patience", [&](const Reader& r) { r.real(d.patience); }},
      {"length_penalty", [&](const Reader& r) { r.real(d.length_penalty); }},
      {"max_decoding_length",
       [&](const Reader& r) { r.integer(d.max_decoding_length, 1, kIntMax); }},
      {"min_decoding_length",
       [&](const Reader& r) { r.integer(d.min_decoding_length, 0, kIntMax); }},
      {"repetition_penalty", [&](const Reader& r) { r.real(d.repetition_penalty); }},
      {"no_repeat_ngram_size",
       [&](const Reader& r) { r.integer(d.no_repeat_ngram_size, 0, kIntMax); }},
      {"num_hypotheses", [&](const Reader& r) { r.integer(d.num_hypotheses, 1, kIntMax); }},
      {"disable_unk", [&](const Reader& r) { r.boolean(d.disable_unk); }},
      {"max_input_length",
       [&](const Reader& r) { r.integer(c.default_options.max_input_length, 0, kIntMax); }},
  };
  const std::map<std::string, Setter> top = {
      {"model", [&](const Reader& r) { r.path(c.model_dir); }},
      {"listen", [&](const Reader& r) { r.string(c.listen); }},
      {"state_dir", [&](const Reader& r) { r.path(c.state_dir); }},
      {"threads", [&](const Reader& r) { r.integer(c.threads, 0, 1024); }},
      {"compute_type", [&](const Reader& r) { r.string(c.compute_type); }},
      {"log_level", [&](const Reader& r) { r.string(c.log_level); }},
      {"queue_capacity", [&](const Reader& r) { r.integer(c.queue_capacity, 1, kIntMax); }},
      {"cache_bytes", [&](const Reader& r) { r.integer(c.cache_bytes, 0, kBytesMax); }},
      {"default_deadline_ms", [&](const Reader& r) { r.millis(c.default_deadline); }},
      {"drain_timeout_ms", [&](const Reader& r) { r.millis(c.drain_timeout); }},
      {"engine_stall_ms", [&](const Reader& r) { r.millis(c.engine_stall_limit); }},
      {"monitor_interval_ms", [&](const Reader& r) { r.millis(c.monitor_interval); }},
      {"max_open_fds", [&](const Reader& r) { r.integer(c.max_open_fds, 1, kIntMax); }},
      {"max_threads", [&](const Reader& r) { r.integer(c.max_threads, 1, kIntMax); }},
      {"max_rss_bytes", [&](const Reader& r) { r.integer(c.max_rss_bytes, 0, kBytesMax); }},
      {"max_gpu_memory_percent", [&](const Reader& r) { r.real(c.max_gpu_memory_percent); }},
      {"limits", [&](const Reader& r) { apply_object(file, r.key(), r.json(), limits); }},
      {"batching", [&](const Reader& r) { apply_object(file, r.key(), r.json(), batching); }},
      {"decoding", [&](const Reader& r) { apply_object(file, r.key(), r.json(), decoding); }},
  };
  apply_object(file, "", root, top);
}

}  // namespace nmtd::worker
