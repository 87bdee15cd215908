#include "front/http/chunked_framing.h"

#include <algorithm>
#include <limits>

namespace nmtd::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool ChunkedFraming::feed(std::string_view bytes) {
  while (!bytes.empty() && state_ != State::kBroken) {
    if (state_ == State::kData) {
      const auto n = static_cast<std::size_t>(
          std::min<std::uint64_t>(data_left_, static_cast<std::uint64_t>(bytes.size())));
      data_left_ -= n;
      bytes.remove_prefix(n);
      if (data_left_ == 0) state_ = State::kDataCr;
      continue;
    }
    if (state_ == State::kDone) return true;  // past the body: the next request's bytes
    if (!take(bytes.front())) state_ = State::kBroken;
    bytes.remove_prefix(1);
  }
  return state_ != State::kBroken;
}

bool ChunkedFraming::take(char c) {
  switch (state_) {
    case State::kSize:
      if (const int d = hex_value(c); d >= 0) {
        if (size_ > (std::numeric_limits<std::uint64_t>::max() >> 4)) return false;
        size_ = size_ * 16 + static_cast<std::uint64_t>(d);
        ++digits_;
        return true;
      }
      if (digits_ == 0) return false;  // no digits, or a sign, "0x", a blank before them
      state_ = State::kAfterSize;
      return take(c);
    case State::kAfterSize:
      if (c == ' ' || c == '\t') return true;
      if (c == ';') {
        state_ = State::kExtension;
        return true;
      }
      if (c != '\r') return false;
      state_ = State::kSizeLf;
      return true;
    case State::kExtension:
      if (c == '\r') {
        state_ = State::kSizeLf;
        return true;
      }
      return c == '\t' || (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
    case State::kSizeLf:
      if (c != '\n') return false;
      if (size_ == 0) {
        state_ = State::kEndCr;
      } else {
        data_left_ = size_;
        state_ = State::kData;
      }
      size_ = 0;
      digits_ = 0;
      return true;
    case State::kDataCr:
      state_ = State::kDataLf;
      return c == '\r';
    case State::kDataLf:
      state_ = State::kSize;
      return c == '\n';
    case State::kEndCr:
      state_ = State::kEndLf;
      return c == '\r';
    case State::kEndLf:
      state_ = State::kDone;
      return c == '\n';
    case State::kData:
    case State::kDone:
    case State::kBroken:
      break;
  }
  return false;
}

}  // namespace nmtd::http
