#include "common/atomic_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <system_error>

#include "common/error.h"

namespace nmtd {

void write_file_atomically(const std::filesystem::path& path, std::string_view text) {
  const std::filesystem::path temp = std::filesystem::path(path).concat(".tmp");
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) {
      const int err = errno;
      std::error_code ignored;
      std::filesystem::remove(temp, ignored);
      throw IoError("cannot write " + temp.string() + ": " + std::strerror(err));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temp, path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    throw IoError("cannot rename " + temp.string() + " to " + path.string() + ": " + ec.message());
  }
}

}  // namespace nmtd
