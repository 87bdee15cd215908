#pragma once
// Follows a chunked request body (RFC 9112 7.1) as it is read and tells at the first byte that
// breaks the grammar. httplib 0.11.4 reads chunk sizes with strtoul ("0x5", "+5", " 5" pass)
// and ends a body early, as if complete, when a chunk's data is longer than its size says: a
// truncated body would reach the handler and be answered 200. The server checks the bytes
// httplib reads against this and fails the read (400) instead.
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace nmtd::http {

class ChunkedFraming {
 public:
  // Takes the body's next bytes; false once they break the grammar (and from then on). Trailer
  // fields are refused too: the server reads none.
  bool feed(std::string_view bytes);
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State {
    kSize,       // hex digits of a chunk size
    kAfterSize,  // blanks before ';' or CR
    kExtension,  // a chunk extension, up to CR
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kEndCr,  // after the last chunk: the empty line that ends the body
    kEndLf,
    kDone,
    kBroken,
  };
  bool take(char c);

  State state_ = State::kSize;
  std::uint64_t size_ = 0;
  int digits_ = 0;
  std::uint64_t data_left_ = 0;
};

}  // namespace nmtd::http
