// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Fixed-width bit packing of posting blocks: exactly kBlockSize (128) uint32
// values, each stored in `bits` bits (0..32). A packed block is exactly
// PackedBytes(bits) = 16 * bits bytes; no header - the caller stores `bits`.
//
// ON-DISK LAYOUT ("4-lane vertical" layout). This is a file format: do not
// change it without a format version bump.
//
//   The block is 4*bits little-endian uint32 words W[0 .. 4*bits-1]; word W[k]
//   is bytes 4k .. 4k+3 and its bit s (s = 0 is the least significant) is bit
//   s % 8 of byte 4k + s / 8.
//
//   Value i (0 <= i < 128) belongs to lane l = i % 4 and is value number
//   j = i / 4 of that lane. Lane l owns the words W[l], W[l+4], W[l+8], ...,
//   i.e. its k-th word is W[4k + l]. Concatenating a lane's words gives a
//   32*bits-bit string whose bit 32k + s is bit s of the lane's k-th word; the
//   lane's value j occupies bits j*bits .. j*bits + bits-1 of that string,
//   least significant bit first. A value can therefore straddle two words of
//   its lane: its low bits are the top bits of one word and its high bits the
//   bottom bits of the lane's next word, 16 bytes further on.
//
//   In one formula: bit t of value i, with q = (i / 4) * bits + t, is bit
//   q % 32 of word W[4 * (q / 32) + i % 4].
//
//   Worked example, bits = 3 (48 bytes = words W[0..11]): lane 0 holds values
//   0, 4, 8, ..., 124 in W[0], W[4], W[8]; lane 1 holds 1, 5, ..., 125 in W[1],
//   W[5], W[9]; and so on.
//     value 0   -> W[0] bits 0-2     (byte 0, bits 0-2)
//     value 1   -> W[1] bits 0-2     (byte 4, bits 0-2)
//     value 4   -> W[0] bits 3-5     (byte 0, bits 3-5)
//     value 8   -> W[0] bits 6-8     (byte 0 bits 6-7, byte 1 bit 0)
//     value 40  -> lane 0 bits 30-32: low two bits in W[0] bits 30-31
//                  (byte 3 bits 6-7), high bit in W[4] bit 0 (byte 16 bit 0)
//     value 44  -> W[4] bits 1-3     (byte 16, bits 1-3)
//     value 127 -> lane 3 bits 93-95 = W[11] bits 29-31 (byte 47, bits 5-7)
//   So values[0] = 5, values[4] = 3, values[40] = 6, values[127] = 7, all
//   others 0, pack to 48 bytes that are zero except byte 0 = 0x1D (5 | 3 << 3),
//   byte 3 = 0x80 (6's low bits 0b10 at bits 30-31), byte 16 = 0x01 (6's high
//   bit) and byte 47 = 0xE0.
//
// Why this layout: unpacking is the hot loop of query evaluation. With 4
// lanes, one 16-byte load brings in one word of every lane, and each group of
// 4 consecutive values (i = 4j .. 4j+3) sits at the same bit offset in its
// lane, so a 128-bit SIMD register decodes 4 values with one shift, one mask
// (plus one shift and OR where a value straddles words) and one store - using
// only SSE2, which every x86-64 CPU has, with no shuffles. It is the same idea
// as the "vertical" layout of SIMD-BP128 (Lemire and Boytsov). The scalar code
// produces identical bytes, so the format does not depend on the CPU.
#ifndef QUARRY_SRC_INDEX_BITPACK_H_
#define QUARRY_SRC_INDEX_BITPACK_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace quarry::index {

// Values per packed block.
inline constexpr int kBlockSize = 128;
// Widest value width.
inline constexpr int kMaxBits = 32;

// Whether `bits` is a width PackBlock/UnpackBlock accept.
constexpr bool ValidBits(int bits) { return bits >= 0 && bits <= kMaxBits; }

// The size of a packed block of the given width: 16 * bits bytes (0 when
// bits is not valid).
constexpr size_t PackedBytes(int bits) {
  return ValidBits(bits) ? static_cast<size_t>(bits) * (kBlockSize / 8) : 0;
}

// The number of bits needed to represent the largest of values[0, n): 0 when
// all are zero (or n == 0), up to 32.
int MaxBits(const uint32_t* values, size_t n);

// Packs in[0, 128) into out[0, PackedBytes(bits)), in the layout above. Only
// the low `bits` bits of each value are stored (values are expected to be
// < 2^bits; higher bits are dropped). Writes exactly PackedBytes(bits) bytes
// and nothing when bits is not in [0, 32]. `in` and `out` must not overlap;
// neither needs any alignment.
void PackBlock(const uint32_t* in, int bits, uint8_t* out);

// Unpacks a block written by PackBlock: reads exactly PackedBytes(bits)
// bytes of `in` and writes out[0, 128). If bits is not in [0, 32] nothing is
// read and 128 zeros are written. The caller must have checked that
// PackedBytes(bits) bytes are available (see UnpackBlockChecked for bytes
// straight from a file). `in` and `out` must not overlap; neither needs any
// alignment.
void UnpackBlock(const uint8_t* in, int bits, uint32_t* out);

// UnpackBlock in one loop for every width (runtime shifts): about 150 bytes
// of code where UnpackBlock has an unrolled decoder of about 1 KiB per
// width, and about twice its instructions. For the first blocks a query
// decodes, when the code is not in the instruction cache. Same contract and
// results as UnpackBlock.
void UnpackBlockCompact(const uint8_t* in, int bits, uint32_t* out);

// Value i (0 <= i < 128) of a block written by PackBlock, alone: the
// layout's formula, reading at most two words of the value's lane. Same
// preconditions as UnpackBlock (bits in [0, 32], PackedBytes(bits) bytes).
inline uint32_t UnpackOne(const uint8_t* in, int bits, uint32_t i) {
  if (bits <= 0) return 0;
  const uint32_t q = (i / 4) * static_cast<uint32_t>(bits);  // bit in the lane
  const uint32_t s = q % 32;
  const uint8_t* w = in + 4 * (4 * (q / 32) + i % 4);
  auto word = [](const uint8_t* b) {
    return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 |
           static_cast<uint32_t>(b[2]) << 16 | static_cast<uint32_t>(b[3]) << 24;
  };
  uint64_t v = word(w) >> s;
  if (s + static_cast<uint32_t>(bits) > 32) v |= static_cast<uint64_t>(word(w + 16)) << (32 - s);
  return static_cast<uint32_t>(v & ((uint64_t{1} << bits) - 1));
}

// UnpackBlock for untrusted input: returns false, writing nothing, when bits
// is not in [0, 32] or `in` is shorter than PackedBytes(bits). Reads only the
// first PackedBytes(bits) bytes of `in`.
bool UnpackBlockChecked(std::string_view in, int bits, uint32_t* out);

// Turns 128 gaps into document numbers in place: out[i] = out[i-1] + 1 +
// v[i], with out[-1] + 1 = first (so out[0] = first + v[0]). Arithmetic is
// 32-bit and wraps; callers make sure it cannot (see PostingsIterator).
void PrefixSumPlusOne(uint32_t* v, uint32_t first);

namespace bitpack_internal {

// The portable implementation; byte-for-byte identical results.
void PackBlockScalar(const uint32_t* in, int bits, uint8_t* out);
void UnpackBlockScalar(const uint8_t* in, int bits, uint32_t* out);
void PrefixSumPlusOneScalar(uint32_t* v, uint32_t first);

#if defined(__SSE2__)
// The SSE2 implementation (what PackBlock/UnpackBlock use on x86-64).
void PackBlockSse2(const uint32_t* in, int bits, uint8_t* out);
void UnpackBlockSse2(const uint8_t* in, int bits, uint32_t* out);
#endif

}  // namespace bitpack_internal
}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_BITPACK_H_
