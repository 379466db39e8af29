// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// An inline varint32 reader over a byte pointer, for the writer's hot loops
// (a memory index's postings streams, position entries): the same encodings
// accepted as Reader::ReadVarint32 (util/coding.h), with a one-byte fast path.
#ifndef QUARRY_SRC_UTIL_FAST_VARINT_H_
#define QUARRY_SRC_UTIL_FAST_VARINT_H_

#include <cstdint>

namespace quarry {

// Reads a varint32 at *p (at most 5 bytes, the fifth at most 0x0F) and
// advances *p past it; false, with *p unchanged, if it is malformed or runs
// past `end`.
inline bool NextVarint32(const std::uint8_t** p, const std::uint8_t* end,
                         std::uint32_t* value) {
  const std::uint8_t* q = *p;
  if (q < end && *q < 0x80) {
    *value = *q;
    *p = q + 1;
    return true;
  }
  std::uint32_t result = 0;
  for (int i = 0; i < 5 && q < end; ++i, ++q) {
    const std::uint8_t byte = *q;
    if (i == 4) {
      if (byte > 0x0F) return false;
      *value = result | (static_cast<std::uint32_t>(byte) << 28);
      *p = q + 1;
      return true;
    }
    result |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
    if (byte < 0x80) {
      *value = result;
      *p = q + 1;
      return true;
    }
  }
  return false;
}

}  // namespace quarry

#endif  // QUARRY_SRC_UTIL_FAST_VARINT_H_
