#pragma once
// Owned, 64-byte aligned, zero-initialised raw storage (SIMD loads want the alignment).
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>

namespace nmtd {

class AlignedBuffer {
 public:
  static constexpr std::size_t kAlignment = 64;

  // Tag for storage the caller fills completely itself: skipping the zeroing saves a
  // single-threaded pass (and its page faults) over hundreds of MiB at model load.
  struct Uninitialized {};

  AlignedBuffer() = default;
  explicit AlignedBuffer(std::size_t bytes) : AlignedBuffer(bytes, Uninitialized{}) {
    if (data_) std::memset(data_.get(), 0, rounded(bytes));
  }
  AlignedBuffer(std::size_t bytes, Uninitialized) : size_(bytes) {
    if (bytes == 0) return;
    void* p = std::aligned_alloc(kAlignment, rounded(bytes));
    if (p == nullptr) throw std::bad_alloc();
    data_.reset(static_cast<std::byte*>(p));
  }

  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }
  std::size_t size() const { return size_; }
  template <class T>
  T* as() {
    return reinterpret_cast<T*>(data_.get());
  }
  template <class T>
  const T* as() const {
    return reinterpret_cast<const T*>(data_.get());
  }

 private:
  static std::size_t rounded(std::size_t bytes) {
    return (bytes + kAlignment - 1) / kAlignment * kAlignment;
  }
  struct Free {
    void operator()(std::byte* p) const { std::free(p); }
  };
  std::unique_ptr<std::byte, Free> data_;
  std::size_t size_ = 0;
};

}  // namespace nmtd
