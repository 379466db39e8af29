// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// CRC-32C (Castagnoli): polynomial 0x1EDC6F41, bit-reflected (0x82F63B78),
// initial value and final XOR 0xFFFFFFFF - the CRC of iSCSI, ext4 and SSE4.2's
// crc32 instruction. Crc32c("123456789") == 0xE3069283.
//
// On x86-64 CPUs with SSE4.2 the crc32 instruction is used (chosen at run time,
// no special compiler flags needed); elsewhere a portable slicing-by-8
// implementation.
#ifndef QUARRY_SRC_UTIL_CRC32C_H_
#define QUARRY_SRC_UTIL_CRC32C_H_

#include <cstddef>
#include <cstdint>

namespace quarry {

// Returns the CRC-32C of A followed by data[0, n), given crc == Crc32c(A).
// Crc32cExtend(0, data, n) == Crc32c(data, n). `data` may be null when n == 0.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t n);

// The CRC-32C of data[0, n).
inline uint32_t Crc32c(const void* data, size_t n) {
  return Crc32cExtend(0, data, n);
}

namespace crc32c_internal {

// The two implementations behind Crc32cExtend, same contract. Exposed for
// tests and benchmarks.
uint32_t Crc32cExtendPortable(uint32_t crc, const void* data, size_t n);
// Only call when Crc32cHardwareAvailable() (it would execute an illegal
// instruction otherwise). On non-x86-64 builds this is the portable code.
uint32_t Crc32cExtendHardware(uint32_t crc, const void* data, size_t n);
// Whether this CPU can run Crc32cExtendHardware (and Crc32cExtend uses it).
bool Crc32cHardwareAvailable();

}  // namespace crc32c_internal
}  // namespace quarry

#endif  // QUARRY_SRC_UTIL_CRC32C_H_
