#pragma once
// The ids of the requests being computed right now, readable from a signal handler.
//
// A crash report names the requests that were in flight, so that a request that kills the
// process can be found and replayed. The ring has a fixed number of fixed-size slots, all
// allocated by the constructor: begin() and end() never allocate and never lock, and
// write_ids() is async-signal-safe. Each slot has its own atomic state word (free -> writing ->
// busy, plus a generation count) used like a seqlock: a reader copies a busy slot and keeps the
// copy only if the state word did not change meanwhile, so a slot being rewritten or freed by
// another thread (or by the interrupted thread itself) is never printed torn.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

namespace nmtd::crash {

class InFlightRing {
 public:
  // Ids longer than this are truncated (a crash report needs the prefix, not all of it).
  static constexpr std::size_t kMaxIdBytes = 63;

  explicit InFlightRing(std::size_t slots = 256);
  InFlightRing(const InFlightRing&) = delete;
  InFlightRing& operator=(const InFlightRing&) = delete;

  using Token = std::size_t;
  static constexpr Token kNoSlot = SIZE_MAX;

  // Records `request_id` as in flight. Returns kNoSlot (and counts an overflow) when every
  // slot is busy: the request runs anyway, it just will not appear in a crash report.
  Token begin(std::string_view request_id) noexcept;
  // Frees the slot begin() returned; end(kNoSlot) does nothing.
  void end(Token token) noexcept;

  // Async-signal-safe: writes one "  <id>\n" line per busy slot to `fd` with write(2).
  // Returns the number of ids written.
  std::size_t write_ids(int fd) const noexcept;

  std::size_t busy() const noexcept { return busy_.load(std::memory_order_relaxed); }
  std::uint64_t overflows() const noexcept { return overflows_.load(std::memory_order_relaxed); }
  std::size_t slots() const noexcept { return count_; }

 private:
  static constexpr std::size_t kWords = 8;  // 64 bytes: up to 63 id bytes and a length byte

  // One cache line per slot, so that threads claiming neighbouring slots do not contend.
  struct alignas(64) Slot {
    // Low 2 bits: kFree, kWriting or kBusy; the rest counts claims (so a reader can tell a
    // slot that was freed and claimed again while it was reading).
    std::atomic<std::uint32_t> state{0};
    // The id's bytes, little-endian packed; byte 63 is the length. Atomic words (relaxed)
    // rather than a char array, so that a concurrent reader is not a data race.
    std::atomic<std::uint64_t> words[kWords]{};
  };

  std::unique_ptr<Slot[]> slots_;
  std::size_t count_;
  std::atomic<std::size_t> next_{0};  // where the next claim starts looking
  std::atomic<std::size_t> busy_{0};
  std::atomic<std::uint64_t> overflows_{0};
};

// Marks a request as in flight for the lifetime of the scope. Neither copyable nor movable
// (keep several in a std::deque with emplace_back).
class InFlightScope {
 public:
  InFlightScope(InFlightRing& ring, std::string_view request_id) noexcept
      : ring_(ring), token_(ring.begin(request_id)) {}
  ~InFlightScope() { ring_.end(token_); }
  InFlightScope(const InFlightScope&) = delete;
  InFlightScope& operator=(const InFlightScope&) = delete;

 private:
  InFlightRing& ring_;
  InFlightRing::Token token_;
};

}  // namespace nmtd::crash
