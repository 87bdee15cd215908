#pragma once
// Helpers for the converter and make-test-model tests: a temporary directory, whole-file
// I/O, a safetensors writer, the fixture conversion, running the nmtd binary, and a
// comparison of two CTranslate2 model directories.
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "engine/convert/quantize.h"

namespace nmtd::convtest {

namespace fs = std::filesystem;

inline const fs::path kFixture = fs::path(NMTD_TEST_DATA) / "tiny-nllb-s1";

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& bytes);

struct StEntry {
  std::string name;
  std::string dtype;  // "F32", "F16", ...
  std::vector<int64_t> shape;
  std::string data;
};
// A safetensors file: u64 header length, JSON header (padded to 8 bytes), data.
std::string make_safetensors(const std::vector<StEntry>& entries);
// The fixture's hf/model.safetensors as entries (float32).
std::vector<StEntry> fixture_entries();
// Copies the fixture's hf/ files except model.safetensors into `dir`.
void copy_hf_side_files(const fs::path& dir);

// Library path of `nmtd convert` (vocabulary + conversion), 2 threads.
void convert(const fs::path& hf, const fs::path& out, Quantization q, bool force = false);

// Runs `NMTD_BINARY args` with a shell; returns the exit status, output in `output`.
int run_nmtd(const std::string& args, std::string* output = nullptr);

// Expects equal model directories: model.bin variables, dtypes, shapes and bytes (position
// encodings within `pos_tolerance`, or one 16-bit code apart for float16/bfloat16 tables),
// aliases, config.json, shared_vocabulary.json and sentencepiece.bpe.model byte for byte.
void expect_same_model_dir(const fs::path& expected, const fs::path& actual,
                           double pos_tolerance = 2e-4);

}  // namespace nmtd::convtest
