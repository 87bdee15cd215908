#pragma once
// Small helpers shared by the model-directory readers and writers: a bounded whole-file read
// and a JSON string quoter that matches Python's json.dump(ensure_ascii=True), which is what
// CTranslate2's converter uses for config.json and shared_vocabulary.json. Files are written
// with common/atomic_file.h.
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace nmtd {

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
