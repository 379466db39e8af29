// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "util/crc32c.h"

#include <array>
#include <cstring>

#include "util/coding.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace quarry {
namespace crc32c_internal {
namespace {

constexpr uint32_t kReflectedPolynomial = 0x82F63B78;

// kTables[k][b] is the CRC register after feeding byte b followed by k zero
// bytes into a zero register (no pre/post inversion). kTables[0] is the
// classic byte-at-a-time table; slicing-by-8 combines one lookup per byte of
// an 8-byte word.
using Tables = std::array<std::array<uint32_t, 256>, 8>;

constexpr Tables MakeTables() {
  Tables t{};
  for (uint32_t b = 0; b < 256; ++b) {
    uint32_t crc = b;
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc >> 1) ^ ((crc & 1) ? kReflectedPolynomial : 0);
    }
    t[0][b] = crc;
  }
  for (size_t k = 1; k < t.size(); ++k) {
    for (uint32_t b = 0; b < 256; ++b) {
      const uint32_t prev = t[k - 1][b];
      t[k][b] = (prev >> 8) ^ t[0][prev & 0xFF];
    }
  }
  return t;
}

constexpr Tables kTables = MakeTables();
static_assert(kTables[0][1] == 0xF26B8303, "CRC-32C table");
static_assert(kTables[0][128] == kReflectedPolynomial, "CRC-32C table");

inline uint32_t StepByte(uint32_t crc, uint8_t byte) {
  return (crc >> 8) ^ kTables[0][(crc ^ byte) & 0xFF];
}

}  // namespace

uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  const uint8_t* const end = p + n;
  uint32_t l = ~crc;
  // Byte at a time up to 8-byte alignment, then 8 bytes per step.
  while (p != end && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    l = StepByte(l, *p++);
  }
  while (end - p >= 8) {
    const uint32_t lo = l ^ DecodeFixed32(reinterpret_cast<const char*>(p));
    const uint32_t hi = DecodeFixed32(reinterpret_cast<const char*>(p + 4));
    l = kTables[7][lo & 0xFF] ^ kTables[6][(lo >> 8) & 0xFF] ^
        kTables[5][(lo >> 16) & 0xFF] ^ kTables[4][lo >> 24] ^
        kTables[3][hi & 0xFF] ^ kTables[2][(hi >> 8) & 0xFF] ^
        kTables[1][(hi >> 16) & 0xFF] ^ kTables[0][hi >> 24];
    p += 8;
  }
  while (p != end) l = StepByte(l, *p++);
  return ~l;
}

#if defined(__x86_64__)

__attribute__((target("sse4.2"))) uint32_t Crc32cExtendHardware(
    uint32_t crc, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  const uint8_t* const end = p + n;
  uint32_t l32 = ~crc;
  while (p != end && (reinterpret_cast<uintptr_t>(p) & 7) != 0) {
    l32 = _mm_crc32_u8(l32, *p++);
  }
  uint64_t l64 = l32;
  // The crc32 instruction has a latency of ~3 cycles; unrolling lets the
  // loop overhead hide behind it.
  while (end - p >= 32) {
    uint64_t w[4];
    std::memcpy(w, p, sizeof(w));
    l64 = _mm_crc32_u64(l64, w[0]);
    l64 = _mm_crc32_u64(l64, w[1]);
    l64 = _mm_crc32_u64(l64, w[2]);
    l64 = _mm_crc32_u64(l64, w[3]);
    p += 32;
  }
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, sizeof(w));
    l64 = _mm_crc32_u64(l64, w);
    p += 8;
  }
  l32 = static_cast<uint32_t>(l64);
  while (p != end) l32 = _mm_crc32_u8(l32, *p++);
  return ~l32;
}

bool Crc32cHardwareAvailable() {
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return available;
}

#else  // !__x86_64__

uint32_t Crc32cExtendHardware(uint32_t crc, const void* data, size_t n) {
  return Crc32cExtendPortable(crc, data, n);
}

bool Crc32cHardwareAvailable() { return false; }

#endif  // __x86_64__

}  // namespace crc32c_internal

uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n) {
  return crc32c_internal::Crc32cHardwareAvailable()
             ? crc32c_internal::Crc32cExtendHardware(crc, data, n)
             : crc32c_internal::Crc32cExtendPortable(crc, data, n);
}

}  // namespace quarry
