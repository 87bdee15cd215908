#pragma once
// Small helpers shared by the model-directory readers and writers: an atomic file writer
// (so a crash or a full disk never leaves a half-written model.bin behind under its real
// name) and a JSON string quoter that matches Python's json.dump(ensure_ascii=True), which
// is what CTranslate2's converter uses for config.json and shared_vocabulary.json.
#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace nmtd {

// Writes to a temporary file beside `path` and renames it over `path` on commit(). If the
// object is destroyed without commit() (an exception), the temporary file is removed.
// Small writes are buffered; large ones go straight to the file so a multi-GB model is
// never held twice in memory. Every failure throws IoError naming the path.
class AtomicFile {
 public:
  explicit AtomicFile(std::filesystem::path path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(std::span<const std::byte> bytes);
  void write(std::string_view bytes);
  // Flushes, fsyncs and renames the temporary file to the final path.
  void commit();

 private:
  void flush();
  void write_fd(const char* data, std::size_t size);

  std::filesystem::path path_;
  std::string tmp_path_;
  int fd_ = -1;
  std::string buffer_;
};

// Writes `bytes` to `path` atomically (AtomicFile in one call).
void write_file_atomic(const std::filesystem::path& path, std::string_view bytes);

// Reads a whole (small) file. Throws IoError naming the path.
std::string read_text_file(const std::filesystem::path& path);

// `utf8` as a quoted JSON string, escaped exactly as Python's json.dumps with
// ensure_ascii=True does: \" \\ \n \r \t \b \f, other bytes outside 0x20..0x7e as \u00xx,
// non-ASCII as \uxxxx (lowercase hex) with surrogate pairs beyond the BMP.
// Throws InvalidArgument on invalid UTF-8 (Python strings cannot hold it).
std::string python_json_quote(std::string_view utf8);

// A double as Python's repr() writes it (shortest round-trip digits; scientific notation
// when the exponent is < -4 or >= 16, e.g. 1e-05, 0.0001, 1e+16).
std::string python_float_repr(double v);

}  // namespace nmtd
