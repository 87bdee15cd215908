#pragma once
// Typed errors thrown by engine code. Thread and RPC boundaries catch `nmtd::Error`
// and turn it into a status; anything else reaching a boundary is a bug.
#include <stdexcept>
#include <string>

namespace nmtd {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The input from a user or client is wrong (unknown language, bad option value...).
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

// A model file or directory cannot be read: names the file and what was expected.
class ModelFormatError : public Error {
 public:
  using Error::Error;
};

// A valid request that this build or device cannot do (e.g. float16 compute on CPU).
class Unsupported : public Error {
 public:
  using Error::Error;
};

// An I/O failure outside the model format (cannot open, cannot write).
class IoError : public Error {
 public:
  using Error::Error;
};

// The caller said, between two steps of a running call, that nobody wants its result any more.
class Abandoned : public Error {
 public:
  using Error::Error;
};

}  // namespace nmtd
