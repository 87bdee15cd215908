#pragma once
// Where `nmtd translate` reads its lines: standard input, or the TEXT arguments. The batcher
// reads ahead only while more lines are already there (ready()), so that a pipe fed by a
// person gets each answer at once while a file is read a whole window at a time.
#include <cstddef>
#include <string>
#include <vector>

namespace nmtd::cli {

class LineSource {
 public:
  virtual ~LineSource() = default;
  // The next line without its '\n' (a last line without one counts); false at the end.
  // Waits for the line when none is there yet.
  virtual bool next(std::string& line) = 0;
  // True when next() would return without waiting for more input.
  virtual bool ready() = 0;
};

// Lines of a file descriptor (standard input). Does not own or close the descriptor.
// Throws IoError when reading fails.
class FdLineSource final : public LineSource {
 public:
  explicit FdLineSource(int fd) : fd_(fd) {}
  bool next(std::string& line) override;
  bool ready() override;

 private:
  bool line_buffered() const;
  void read_more();

  int fd_;
  std::string buffer_;
  std::size_t start_ = 0;  // first byte of buffer_ not yet returned
  bool end_ = false;
};

// Lines given in memory: always ready.
class ListLineSource final : public LineSource {
 public:
  explicit ListLineSource(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  bool next(std::string& line) override;
  bool ready() override { return true; }

 private:
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
};

}  // namespace nmtd::cli
