#include "engine/model/model_file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/utf8.h"

namespace nmtd {

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::string read_text_file(const std::filesystem::path& path) {
  // O_NONBLOCK and a regular-file check before any read: a FIFO (or a device such as
  // /dev/zero) put in a model folder must be an error at once, not a read that never ends.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) throw IoError("cannot open " + path.string() + ": " + errno_text());
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw IoError(S_ISDIR(st.st_mode) ? "is a directory: " + path.string()
                                      : "not a regular file: " + path.string());
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string err = errno_text();
      ::close(fd);
      throw IoError("cannot read " + path.string() + ": " + err);
    }
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return text;
}

namespace {

void append_u16_escape(std::string& out, uint32_t unit) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(unit >> shift) & 0xF];
}

// Decodes one UTF-8 sequence at s[i]; returns the code point and advances i. Rejects
// overlong forms, surrogates and values above U+10FFFF, as Python's strict decoder does.
uint32_t decode_utf8(std::string_view s, std::size_t& i) {
  const Utf8Char c = decode_utf8_char(s.substr(i));
  if (c.length == 0) throw InvalidArgument("invalid UTF-8 sequence at byte " + std::to_string(i));
  i += c.length;
  return c.code_point;
}

}  // namespace

std::string python_json_quote(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size() + 2);
  out += '"';
  std::size_t i = 0;
  while (i < utf8.size()) {
    const uint32_t cp = decode_utf8(utf8, i);
    switch (cp) {
      case '"':
        out += "\\\"";
        continue;
      case '\\':
        out += "\\\\";
        continue;
      case '\n':
        out += "\\n";
        continue;
      case '\r':
        out += "\\r";
        continue;
      case '\t':
        out += "\\t";
        continue;
      case '\b':
        out += "\\b";
        continue;
      case '\f':
        out += "\\f";
        continue;
      default:
        break;
    }
    if (cp >= 0x20 && cp <= 0x7E) {
      out += static_cast<char>(cp);
    } else if (cp < 0x10000) {
      append_u16_escape(out, cp);  // includes DEL (0x7f): Python escapes all of [^ -~]
    } else {
      const uint32_t v = cp - 0x10000;
      append_u16_escape(out, 0xD800 | (v >> 10));
      append_u16_escape(out, 0xDC00 | (v & 0x3FF));
    }
  }
  out += '"';
  return out;
}

std::string python_float_repr(double v) {
  // json.dump writes these for non-finite floats (allow_nan=True).
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  std::string sci(buf, res.ptr);  // e.g. "-1.2345e-05": shortest round-trip digits
  std::string sign;
  if (!sci.empty() && sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  const std::size_t epos = sci.find('e');
  std::string digits = sci.substr(0, epos);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the '.'
  const int exp = std::stoi(sci.substr(epos + 1));
  // Built with append(): GCC 12 warns (-Wrestrict, a known false positive) on chains of
  // std::string operator+ here.
  std::string out = sign;
  if (exp < -4 || exp >= 16) {
    out.append(digits, 0, 1);
    if (digits.size() > 1) out.append(".").append(digits, 1);
    const int a = exp < 0 ? -exp : exp;
    out.append(exp < 0 ? "e-" : "e+");
    if (a < 10) out.push_back('0');
    out.append(std::to_string(a));
  } else if (exp < 0) {
    out.append("0.").append(static_cast<std::size_t>(-exp - 1), '0').append(digits);
  } else {
    const auto int_len = static_cast<std::size_t>(exp) + 1;
    if (digits.size() <= int_len) {
      out.append(digits).append(int_len - digits.size(), '0').append(".0");
    } else {
      out.append(digits, 0, int_len).append(".").append(digits, int_len);
    }
  }
  return out;
}

}  // namespace nmtd
