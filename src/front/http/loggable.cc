#include "front/http/loggable.h"

#include "common/loggable.h"

namespace nmtd::http {

std::string loggable(std::string_view text, std::size_t max_bytes) {
  return nmtd::loggable(text, max_bytes);
}

}  // namespace nmtd::http
