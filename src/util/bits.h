// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Bit counting without a library call. The library is built for baseline
// x86-64, which has no POPCNT instruction, so std::popcount becomes a call
// to libgcc; these inline forms are branch-free and a dozen instructions.
#ifndef QUARRY_SRC_UTIL_BITS_H_
#define QUARRY_SRC_UTIL_BITS_H_

#include <bit>
#include <cstdint>

namespace quarry::util {

// The number of set bits of x.
inline int PopCount64(std::uint64_t x) {
#if defined(__POPCNT__)
  return std::popcount(x);
#else
  x = x - ((x >> 1) & 0x5555555555555555ull);
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
  return static_cast<int>((x * 0x0101010101010101ull) >> 56);
#endif
}

// The number of set bits of x when only the top bit of each byte may be set.
inline int PopCountByteTops(std::uint64_t x) {
  return static_cast<int>(((x >> 7) * 0x0101010101010101ull) >> 56);
}

}  // namespace quarry::util

#endif  // QUARRY_SRC_UTIL_BITS_H_
