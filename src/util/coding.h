// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Byte-level encodings used by quarry's on-disk formats:
//
//   * Fixed32 / Fixed64: little-endian, 4 / 8 bytes, independent of the host's
//     byte order.
//   * Varint32 / Varint64: LEB128-style unsigned varints. Each byte carries 7
//     bits of the value, least significant group first; the high bit (0x80)
//     of a byte is set when more bytes follow. A varint32 is at most 5 bytes,
//     a varint64 at most 10. Examples: 0 -> 00, 127 -> 7F, 128 -> 80 01,
//     300 -> AC 02, 2^32-1 -> FF FF FF FF 0F.
//   * LengthPrefixed: a varint32 byte count followed by that many bytes.
//
// Encoding appends to a std::string. Decoding goes through Reader, which is
// bounds-checked: malformed or truncated input is reported by a false return,
// never by reading out of bounds.
#ifndef QUARRY_SRC_UTIL_CODING_H_
#define QUARRY_SRC_UTIL_CODING_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace quarry {

inline constexpr size_t kMaxVarint32Bytes = 5;
inline constexpr size_t kMaxVarint64Bytes = 10;

// --- Fixed-width integers ----------------------------------------------------

// Writes `value` little-endian into dst[0..3] / dst[0..7].
inline void EncodeFixed32(char* dst, uint32_t value) {
  if constexpr (std::endian::native == std::endian::big) {
    value = __builtin_bswap32(value);
  }
  std::memcpy(dst, &value, sizeof(value));
}

inline void EncodeFixed64(char* dst, uint64_t value) {
  if constexpr (std::endian::native == std::endian::big) {
    value = __builtin_bswap64(value);
  }
  std::memcpy(dst, &value, sizeof(value));
}

// Reads a little-endian value from ptr[0..3] / ptr[0..7]. `ptr` need not be
// aligned. The caller guarantees that the bytes exist; use Reader for input
// that has not been bounds-checked.
inline uint32_t DecodeFixed32(const char* ptr) {
  uint32_t value;
  std::memcpy(&value, ptr, sizeof(value));
  if constexpr (std::endian::native == std::endian::big) {
    value = __builtin_bswap32(value);
  }
  return value;
}

inline uint64_t DecodeFixed64(const char* ptr) {
  uint64_t value;
  std::memcpy(&value, ptr, sizeof(value));
  if constexpr (std::endian::native == std::endian::big) {
    value = __builtin_bswap64(value);
  }
  return value;
}

void PutFixed32(std::string* dst, uint32_t value);
void PutFixed64(std::string* dst, uint64_t value);

// --- Varints -----------------------------------------------------------------

// Writes the varint encoding of `value` at dst (which must have room for
// kMaxVarint32Bytes / kMaxVarint64Bytes) and returns one past the last byte
// written.
char* EncodeVarint32(char* dst, uint32_t value);
char* EncodeVarint64(char* dst, uint64_t value);

void PutVarint32(std::string* dst, uint32_t value);
void PutVarint64(std::string* dst, uint64_t value);

// The number of bytes of the varint encoding of `value` (1..10).
constexpr size_t VarintLength(uint64_t value) {
  // Each byte holds 7 bits; zero still takes one byte.
  const int bits = std::bit_width(value | 1);
  return static_cast<size_t>((bits + 6) / 7);
}

// Appends varint32(value.size()) followed by the bytes of `value`.
// value.size() must be < 2^32.
void PutLengthPrefixed(std::string* dst, std::string_view value);

// --- Reader ------------------------------------------------------------------

// A cursor over untrusted bytes. Every Read* either consumes exactly the bytes
// of one well-formed item and returns true, or returns false and consumes
// nothing. A false return puts the reader in a failed state: every later
// Read*/Skip also returns false, remaining() is 0 and rest() is empty (so a
// loop "while (r.remaining() > 0)" always ends), and position() stays at the
// offset where the failed read began (useful in Corruption messages).
//
// Varints are rejected when they are truncated, longer than their maximum
// (5 bytes for varint32, 10 for varint64), or encode a value that does not fit
// the type (a 5th varint32 byte above 0x0F, a 10th varint64 byte above 0x01).
// Non-minimal encodings within the maximum length (e.g. 80 00 for 0) are
// accepted.
//
// The Reader does not own the bytes; string_views it returns point into them.
// Not thread-safe; cheap to copy (a copy is an independent cursor).
class Reader {
 public:
  explicit Reader(std::string_view input) : input_(input) {}
  // A Reader over a temporary string would dangle as soon as the statement
  // ends; keep the bytes in a named object.
  explicit Reader(std::string&&) = delete;

  bool ReadVarint32(uint32_t* value);
  bool ReadVarint64(uint64_t* value);
  bool ReadFixed32(uint32_t* value);
  bool ReadFixed64(uint64_t* value);
  // The next n bytes.
  bool ReadBytes(size_t n, std::string_view* bytes);
  // A varint32 length followed by that many bytes (see PutLengthPrefixed).
  bool ReadLengthPrefixed(std::string_view* bytes);
  // Consumes n bytes.
  bool Skip(size_t n);

  // Bytes left to read; 0 once the reader has failed.
  size_t remaining() const { return failed_ ? 0 : input_.size() - pos_; }
  // Bytes consumed so far (the offset of the next read).
  size_t position() const { return pos_; }
  // The unread bytes; empty once the reader has failed.
  std::string_view rest() const {
    return failed_ ? std::string_view() : input_.substr(pos_);
  }
  // False once a read has failed.
  bool ok() const { return !failed_; }

 private:
  bool Fail() {
    failed_ = true;
    return false;
  }

  std::string_view input_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace quarry

#endif  // QUARRY_SRC_UTIL_CODING_H_
