#include "crash/in_flight_ring.h"

#include <stdexcept>

#include "crash/report_writer.h"

namespace nmtd::crash {
namespace {

constexpr std::uint32_t kFree = 0;
constexpr std::uint32_t kWriting = 1;
constexpr std::uint32_t kBusy = 2;
constexpr std::uint32_t kStateMask = 3;
constexpr std::uint32_t kGenerationStep = 4;

}  // namespace

InFlightRing::InFlightRing(std::size_t slots)
    : slots_(std::make_unique<Slot[]>(slots)), count_(slots) {
  if (slots == 0) throw std::invalid_argument("InFlightRing needs at least one slot");
}

InFlightRing::Token InFlightRing::begin(std::string_view request_id) noexcept {
  const std::size_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (std::size_t i = 0; i < count_; ++i) {
    const std::size_t index = (start + i) % count_;
    Slot& slot = slots_[index];
    std::uint32_t state = slot.state.load(std::memory_order_relaxed);
    if ((state & kStateMask) != kFree) continue;
    const std::uint32_t claimed = ((state & ~kStateMask) + kGenerationStep) | kWriting;
    if (!slot.state.compare_exchange_strong(state, claimed, std::memory_order_acquire,
                                            std::memory_order_relaxed)) {
      continue;
    }
    // Seqlock writer: the "writing" state must be visible before any of the new bytes.
    std::atomic_thread_fence(std::memory_order_release);
    const std::size_t len = request_id.size() < kMaxIdBytes ? request_id.size() : kMaxIdBytes;
    for (std::size_t w = 0; w < kWords; ++w) {
      std::uint64_t word = 0;
      for (std::size_t b = 0; b < 8; ++b) {
        const std::size_t at = w * 8 + b;
        std::uint64_t byte = 0;
        if (at < len) {
          byte = static_cast<unsigned char>(request_id[at]);
          // A client-chosen id must not be able to forge lines in a crash report.
          if (byte < 0x20 || byte == 0x7f) byte = '?';
        } else if (at == kMaxIdBytes) {
          byte = len;
        }
        word |= byte << (8 * b);
      }
      slot.words[w].store(word, std::memory_order_relaxed);
    }
    slot.state.store((claimed & ~kStateMask) | kBusy, std::memory_order_release);
    busy_.fetch_add(1, std::memory_order_relaxed);
    return index;
  }
  overflows_.fetch_add(1, std::memory_order_relaxed);
  return kNoSlot;
}

void InFlightRing::end(Token token) noexcept {
  if (token >= count_) return;  // kNoSlot included
  Slot& slot = slots_[token];
  const std::uint32_t state = slot.state.load(std::memory_order_relaxed);
  if ((state & kStateMask) != kBusy) return;  // not ours to free (a double end)
  slot.state.store(state & ~kStateMask, std::memory_order_release);
  busy_.fetch_sub(1, std::memory_order_relaxed);
}

std::size_t InFlightRing::write_ids(int fd) const noexcept {
  std::size_t written = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    const Slot& slot = slots_[i];
    const std::uint32_t before = slot.state.load(std::memory_order_acquire);
    if ((before & kStateMask) != kBusy) continue;
    char line[2 + kMaxIdBytes + 1];
    line[0] = ' ';
    line[1] = ' ';
    char* id = line + 2;
    std::uint64_t words[kWords];
    for (std::size_t w = 0; w < kWords; ++w) {
      words[w] = slot.words[w].load(std::memory_order_relaxed);
    }
    // Seqlock reader: keep the copy only if the slot was not freed or reclaimed meanwhile.
    std::atomic_thread_fence(std::memory_order_acquire);
    if (slot.state.load(std::memory_order_relaxed) != before) continue;
    for (std::size_t at = 0; at < kMaxIdBytes; ++at) {
      id[at] = static_cast<char>(words[at / 8] >> (8 * (at % 8)));
    }
    std::size_t len = static_cast<std::size_t>(words[kWords - 1] >> 56);
    if (len > kMaxIdBytes) len = kMaxIdBytes;
    id[len] = '\n';
    detail::write_all(fd, line, 2 + len + 1);
    ++written;
  }
  return written;
}

}  // namespace nmtd::crash
