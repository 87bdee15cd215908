#include "unit/engine/convert/convert_test_util.h"

#include <gtest/gtest.h>
#include <stdio.h>  // popen
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engine/convert/hf_converter.h"
#include "engine/convert/safetensors.h"
#include "engine/dtype.h"
#include "engine/model/model_file.h"
#include "engine/text/nllb_vocab_builder.h"

namespace nmtd::convtest {

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "nmtd-convert-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

std::string make_safetensors(const std::vector<StEntry>& entries) {
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}};
  std::string data;
  for (const auto& e : entries) {
    header[e.name] = {{"dtype", e.dtype},
                      {"shape", e.shape},
                      {"data_offsets", {data.size(), data.size() + e.data.size()}}};
    data += e.data;
  }
  std::string h = header.dump();
  h.resize((h.size() + 7) / 8 * 8, ' ');  // as safetensors pads, so the data is aligned
  std::string out(8, '\0');
  uint64_t n = h.size();
  std::memcpy(out.data(), &n, 8);
  return out + h + data;
}

std::vector<StEntry> fixture_entries() {
  const SafetensorsFile f(kFixture / "hf" / "model.safetensors");
  std::vector<StEntry> out;
  for (const auto& [name, t] : f.tensors())
    out.push_back({name, std::string(st_dtype_name(t.dtype)), t.shape,
                   std::string(reinterpret_cast<const char*>(t.data.data()), t.data.size())});
  return out;
}

void copy_hf_side_files(const fs::path& dir) {
  for (const char* name : {"config.json", "tokenizer_config.json", "special_tokens_map.json",
                           "sentencepiece.bpe.model"})
    fs::copy_file(kFixture / "hf" / name, dir / name, fs::copy_options::overwrite_existing);
}

void convert(const fs::path& hf, const fs::path& out, Quantization q, bool force) {
  const HfModelInfo info = read_hf_config(hf);
  const auto vocabulary = nllb_vocabulary_for_hf(hf, info.shape.vocab_size);
  ConvertOptions o;
  o.from = hf;
  o.out = out;
  o.quantization = q;
  o.force = force;
  o.threads = 2;
  convert_hf_checkpoint(o, vocabulary);
}

int run_nmtd(const std::string& args, std::string* output) {
  const std::string cmd = std::string("'") + NMTD_BINARY + "' " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) throw std::runtime_error("popen failed");
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  const int status = ::pclose(p);
  if (output != nullptr) *output = out;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

namespace {

float element(std::span<const std::byte> bytes, DType dt, std::size_t i) {
  if (dt == DType::kF32) {
    float f;
    std::memcpy(&f, bytes.data() + 4 * i, 4);
    return f;
  }
  uint16_t h;
  std::memcpy(&h, bytes.data() + 2 * i, 2);
  return dt == DType::kF16 ? half_to_float(h) : bfloat16_to_float(h);
}

void expect_close_positions(const Variable& v, std::span<const std::byte> a,
                            std::span<const std::byte> b, double tol) {
  const auto n = static_cast<std::size_t>(v.num_elements());
  std::size_t bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const float x = element(a, v.dtype, i), y = element(b, v.dtype, i);
    bool ok = std::fabs(x - y) <= tol;
    if (!ok && v.dtype != DType::kF32) {
      // A float32 difference below the tolerance can still round to neighbouring 16-bit codes.
      uint16_t hx, hy;
      std::memcpy(&hx, a.data() + 2 * i, 2);
      std::memcpy(&hy, b.data() + 2 * i, 2);
      ok = std::abs(int{hx} - int{hy}) <= 1;
    }
    if (!ok && bad++ < 5) ADD_FAILURE() << v.name << "[" << i << "]: " << x << " vs " << y;
  }
  EXPECT_EQ(bad, 0u) << v.name;
}

}  // namespace

void expect_same_model_dir(const fs::path& expected, const fs::path& actual, double pos_tol) {
  const ModelFile a = ModelFile::open(expected / "model.bin");
  const ModelFile b = ModelFile::open(actual / "model.bin");
  EXPECT_EQ(a.binary_version(), b.binary_version());
  EXPECT_EQ(a.spec_name(), b.spec_name());
  EXPECT_EQ(a.spec_revision(), b.spec_revision());
  EXPECT_EQ(a.file_size(), b.file_size());
  EXPECT_EQ(a.aliases(), b.aliases());
  ASSERT_EQ(a.variables().size(), b.variables().size());
  for (std::size_t i = 0; i < a.variables().size(); ++i) {
    const Variable& va = a.variables()[i];
    const Variable& vb = b.variables()[i];
    ASSERT_EQ(va.name, vb.name);
    EXPECT_EQ(va.dtype, vb.dtype) << va.name;
    EXPECT_EQ(va.shape, vb.shape) << va.name;
    const auto pa = a.payload(va), pb = b.payload(vb);
    ASSERT_EQ(pa.size(), pb.size()) << va.name;
    if (va.name.ends_with("position_encodings/encodings"))
      expect_close_positions(va, pa, pb, pos_tol);
    else
      EXPECT_EQ(std::memcmp(pa.data(), pb.data(), pa.size()), 0) << va.name << " differs";
  }
  for (const char* f : {"config.json", "shared_vocabulary.json", "sentencepiece.bpe.model"})
    EXPECT_EQ(read_file(expected / f), read_file(actual / f)) << f << " differs";
}

}  // namespace nmtd::convtest
