# Turns a binary file into a C++ source defining
#   std::span<const std::byte> nmtd::<SYMBOL>()
# so that the program needs no data file at run time.
# Usage: cmake -DINPUT=file -DOUTPUT=file.cc -DSYMBOL=name -P embed_file.cmake
file(READ "${INPUT}" hex HEX)
string(LENGTH "${hex}" hex_len)
math(EXPR size "${hex_len} / 2")
# 32 bytes per line keeps the generated file readable in a diff or an editor.
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
# (CMake's regex has no {n} repetition, so the 32-byte pattern is spelled out.)
string(REPEAT "0x..," 32 line_pattern)
string(REGEX REPLACE "(${line_pattern})" "\\1\n" bytes "${bytes}")
get_filename_component(name "${INPUT}" NAME)
file(WRITE "${OUTPUT}.tmp" "// Generated from ${name} by cmake/embed_file.cmake. Do not edit.
#include <cstddef>
#include <span>

namespace nmtd {
namespace {
alignas(16) constexpr unsigned char kData[${size}] = {
${bytes}
};
}  // namespace

std::span<const std::byte> ${SYMBOL}() { return std::as_bytes(std::span(kData)); }

}  // namespace nmtd
")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
