// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// One generic packer/unpacker, written against a tiny 4-lane vector
// interface, fully unrolled per bit width at compile time (every shift count
// is a constant). Two vector backends: SSE2 (x86-64) and plain scalar code.
#include "index/bitpack.h"

#include <array>
#include <bit>
#include <cstring>
#include <utility>

#include "util/coding.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define QUARRY_BITPACK_INLINE inline __attribute__((always_inline))

namespace quarry::index {
namespace {

constexpr int kLanes = 4;
constexpr int kValuesPerLane = kBlockSize / kLanes;  // 32
constexpr int kBytesPerWordGroup = kLanes * 4;       // 16: one word per lane

static_assert(kValuesPerLane == 32,
              "every lane must end on a word boundary for any width");

constexpr uint32_t LowMask(int bits) {
  return bits >= 32 ? ~uint32_t{0} : (uint32_t{1} << bits) - 1;
}

// --- Vector backends -------------------------------------------------------
//
// Each backend provides: Zero, Splat, LoadWords/StoreWords (4 little-endian
// on-disk words), LoadValues/StoreValues (4 host uint32), And, Or and
// ShiftLeft<S>/ShiftRight<S> (0 <= S < 32) on every lane.

struct ScalarVec {
  uint32_t lane[kLanes];

  static QUARRY_BITPACK_INLINE ScalarVec Zero() { return {{0, 0, 0, 0}}; }
  static QUARRY_BITPACK_INLINE ScalarVec Splat(uint32_t x) {
    return {{x, x, x, x}};
  }
  static QUARRY_BITPACK_INLINE ScalarVec LoadWords(const uint8_t* p) {
    ScalarVec v;
    for (int i = 0; i < kLanes; ++i) {
      v.lane[i] = DecodeFixed32(reinterpret_cast<const char*>(p) + 4 * i);
    }
    return v;
  }
  static QUARRY_BITPACK_INLINE void StoreWords(uint8_t* p, ScalarVec v) {
    for (int i = 0; i < kLanes; ++i) {
      EncodeFixed32(reinterpret_cast<char*>(p) + 4 * i, v.lane[i]);
    }
  }
  static QUARRY_BITPACK_INLINE ScalarVec LoadValues(const uint32_t* p) {
    ScalarVec v;
    std::memcpy(v.lane, p, sizeof(v.lane));
    return v;
  }
  static QUARRY_BITPACK_INLINE void StoreValues(uint32_t* p, ScalarVec v) {
    std::memcpy(p, v.lane, sizeof(v.lane));
  }
  static QUARRY_BITPACK_INLINE ScalarVec And(ScalarVec a, ScalarVec b) {
    for (int i = 0; i < kLanes; ++i) a.lane[i] &= b.lane[i];
    return a;
  }
  static QUARRY_BITPACK_INLINE ScalarVec Or(ScalarVec a, ScalarVec b) {
    for (int i = 0; i < kLanes; ++i) a.lane[i] |= b.lane[i];
    return a;
  }
  template <int S>
  static QUARRY_BITPACK_INLINE ScalarVec ShiftLeft(ScalarVec a) {
    static_assert(S >= 0 && S < 32);
    for (int i = 0; i < kLanes; ++i) a.lane[i] <<= S;
    return a;
  }
  template <int S>
  static QUARRY_BITPACK_INLINE ScalarVec ShiftRight(ScalarVec a) {
    static_assert(S >= 0 && S < 32);
    for (int i = 0; i < kLanes; ++i) a.lane[i] >>= S;
    return a;
  }
};

#if defined(__SSE2__)
// x86 is little-endian, so on-disk words and host values load the same way.
struct Sse2Vec {
  __m128i v;

  static QUARRY_BITPACK_INLINE Sse2Vec Zero() { return {_mm_setzero_si128()}; }
  static QUARRY_BITPACK_INLINE Sse2Vec Splat(uint32_t x) {
    return {_mm_set1_epi32(static_cast<int>(x))};
  }
  static QUARRY_BITPACK_INLINE Sse2Vec LoadWords(const uint8_t* p) {
    return {_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))};
  }
  static QUARRY_BITPACK_INLINE void StoreWords(uint8_t* p, Sse2Vec a) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), a.v);
  }
  static QUARRY_BITPACK_INLINE Sse2Vec LoadValues(const uint32_t* p) {
    return {_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))};
  }
  static QUARRY_BITPACK_INLINE void StoreValues(uint32_t* p, Sse2Vec a) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), a.v);
  }
  static QUARRY_BITPACK_INLINE Sse2Vec And(Sse2Vec a, Sse2Vec b) {
    return {_mm_and_si128(a.v, b.v)};
  }
  static QUARRY_BITPACK_INLINE Sse2Vec Or(Sse2Vec a, Sse2Vec b) {
    return {_mm_or_si128(a.v, b.v)};
  }
  template <int S>
  static QUARRY_BITPACK_INLINE Sse2Vec ShiftLeft(Sse2Vec a) {
    static_assert(S >= 0 && S < 32);
    if constexpr (S == 0) {
      return a;
    } else {
      return {_mm_slli_epi32(a.v, S)};
    }
  }
  template <int S>
  static QUARRY_BITPACK_INLINE Sse2Vec ShiftRight(Sse2Vec a) {
    static_assert(S >= 0 && S < 32);
    if constexpr (S == 0) {
      return a;
    } else {
      return {_mm_srli_epi32(a.v, S)};
    }
  }
};
#endif  // __SSE2__

// --- Generic packing -------------------------------------------------------
//
// Step J handles values 4J .. 4J+3 (value J of every lane), which occupy bits
// J*B .. J*B+B-1 of each lane's bit string: word J*B/32 of the lane, starting
// at bit J*B%32.

template <class V, int B, int J>
QUARRY_BITPACK_INLINE void PackStep(const uint32_t* __restrict__ in,
                                    uint8_t* __restrict__ out, V& acc) {
  constexpr int kShift = (J * B) % 32;
  constexpr int kWord = (J * B) / 32;
  V v = V::LoadValues(in + kLanes * J);
  if constexpr (B < 32) v = V::And(v, V::Splat(LowMask(B)));
  if constexpr (kShift == 0) {
    acc = v;
  } else {
    acc = V::Or(acc, V::template ShiftLeft<kShift>(v));
  }
  if constexpr (kShift + B >= 32) {
    // The lane word is full: write it out, carrying any spill-over bits.
    V::StoreWords(out + kBytesPerWordGroup * kWord, acc);
    if constexpr (kShift + B > 32) {
      acc = V::template ShiftRight<32 - kShift>(v);
    }
  }
}

template <class V, int B, int... J>
QUARRY_BITPACK_INLINE void PackSteps(const uint32_t* __restrict__ in,
                                     uint8_t* __restrict__ out,
                                     std::integer_sequence<int, J...>) {
  V acc = V::Zero();
  (PackStep<V, B, J>(in, out, acc), ...);
}

template <class V, int B>
void PackBits(const uint32_t* __restrict__ in, uint8_t* __restrict__ out) {
  if constexpr (B > 0) {
    PackSteps<V, B>(in, out, std::make_integer_sequence<int, kValuesPerLane>{});
  }
}

template <class V, int B, int J>
QUARRY_BITPACK_INLINE void UnpackStep(const uint8_t* __restrict__ in,
                                      uint32_t* __restrict__ out, V& cur) {
  constexpr int kShift = (J * B) % 32;
  constexpr int kWord = (J * B) / 32;
  V v = V::template ShiftRight<kShift>(cur);
  if constexpr (kShift + B > 32) {
    // Straddles: the high bits are the low bits of the lane's next word.
    cur = V::LoadWords(in + kBytesPerWordGroup * (kWord + 1));
    v = V::Or(v, V::template ShiftLeft<32 - kShift>(cur));
  } else if constexpr (kShift + B == 32 && J + 1 < kValuesPerLane) {
    cur = V::LoadWords(in + kBytesPerWordGroup * (kWord + 1));
  }
  // When the value ends exactly at the top of the word the shift already
  // cleared everything above it.
  if constexpr (kShift + B != 32) v = V::And(v, V::Splat(LowMask(B)));
  V::StoreValues(out + kLanes * J, v);
}

template <class V, int B, int... J>
QUARRY_BITPACK_INLINE void UnpackSteps(const uint8_t* __restrict__ in,
                                       uint32_t* __restrict__ out,
                                       std::integer_sequence<int, J...>) {
  V cur = V::LoadWords(in);
  (UnpackStep<V, B, J>(in, out, cur), ...);
}

template <class V, int B>
void UnpackBits(const uint8_t* __restrict__ in, uint32_t* __restrict__ out) {
  if constexpr (B == 0) {
    std::memset(out, 0, kBlockSize * sizeof(uint32_t));
  } else {
    UnpackSteps<V, B>(in, out,
                      std::make_integer_sequence<int, kValuesPerLane>{});
  }
}

using PackFn = void (*)(const uint32_t*, uint8_t*);
using UnpackFn = void (*)(const uint8_t*, uint32_t*);

// Dispatch tables indexed by bit width.
template <class V, int... B>
constexpr std::array<PackFn, sizeof...(B)> MakePackTable(
    std::integer_sequence<int, B...>) {
  return {&PackBits<V, B>...};
}

template <class V, int... B>
constexpr std::array<UnpackFn, sizeof...(B)> MakeUnpackTable(
    std::integer_sequence<int, B...>) {
  return {&UnpackBits<V, B>...};
}

template <class V>
constexpr auto kPackTable =
    MakePackTable<V>(std::make_integer_sequence<int, kMaxBits + 1>{});

template <class V>
constexpr auto kUnpackTable =
    MakeUnpackTable<V>(std::make_integer_sequence<int, kMaxBits + 1>{});

template <class V>
QUARRY_BITPACK_INLINE void Pack(const uint32_t* in, int bits, uint8_t* out) {
  if (!ValidBits(bits)) return;
  kPackTable<V>[static_cast<size_t>(bits)](in, out);
}

template <class V>
QUARRY_BITPACK_INLINE void Unpack(const uint8_t* in, int bits, uint32_t* out) {
  if (!ValidBits(bits)) {
    std::memset(out, 0, kBlockSize * sizeof(uint32_t));
    return;
  }
  kUnpackTable<V>[static_cast<size_t>(bits)](in, out);
}

#if defined(__SSE2__)
using NativeVec = Sse2Vec;
#else
using NativeVec = ScalarVec;
#endif

}  // namespace

int MaxBits(const uint32_t* values, size_t n) {
  uint32_t all = 0;
  for (size_t i = 0; i < n; ++i) all |= values[i];
  return static_cast<int>(std::bit_width(all));
}

void PackBlock(const uint32_t* in, int bits, uint8_t* out) {
  Pack<NativeVec>(in, bits, out);
}

void UnpackBlock(const uint8_t* in, int bits, uint32_t* out) {
  Unpack<NativeVec>(in, bits, out);
}

void UnpackBlockCompact(const uint8_t* in, int bits, uint32_t* out) {
#if defined(__SSE2__)
  if (bits <= 0 || bits > kMaxBits) {
    std::memset(out, 0, kBlockSize * sizeof(uint32_t));
    return;
  }
  // Step j takes value j of each lane from bit `shift` of the lanes' current
  // word, and the high bits from the next word when it straddles. Lane
  // strings are 32 * bits bits, whole words, so the last value ends a word
  // and no word past PackedBytes(bits) is read.
  const __m128i mask = _mm_set1_epi32(static_cast<int>(LowMask(bits)));
  const uint8_t* w = in;
  __m128i cur = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
  int shift = 0;
  for (int j = 0; j < kBlockSize / kLanes; ++j) {
    __m128i v = _mm_srl_epi32(cur, _mm_cvtsi32_si128(shift));
    shift += bits;
    if (shift >= 32 && j + 1 < kBlockSize / kLanes) {
      shift -= 32;
      w += kBytesPerWordGroup;
      cur = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w));
      if (shift > 0) v = _mm_or_si128(v, _mm_sll_epi32(cur, _mm_cvtsi32_si128(bits - shift)));
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + kLanes * j), _mm_and_si128(v, mask));
  }
#else
  UnpackBlock(in, bits, out);
#endif
}

bool UnpackBlockChecked(std::string_view in, int bits, uint32_t* out) {
  if (!ValidBits(bits) || in.size() < PackedBytes(bits)) return false;
  Unpack<NativeVec>(reinterpret_cast<const uint8_t*>(in.data()), bits, out);
  return true;
}

namespace bitpack_internal {

void PackBlockScalar(const uint32_t* in, int bits, uint8_t* out) {
  Pack<ScalarVec>(in, bits, out);
}

void UnpackBlockScalar(const uint8_t* in, int bits, uint32_t* out) {
  Unpack<ScalarVec>(in, bits, out);
}

#if defined(__SSE2__)
void PackBlockSse2(const uint32_t* in, int bits, uint8_t* out) {
  Pack<Sse2Vec>(in, bits, out);
}

void UnpackBlockSse2(const uint8_t* in, int bits, uint32_t* out) {
  Unpack<Sse2Vec>(in, bits, out);
}
#endif

}  // namespace bitpack_internal
}  // namespace quarry::index

namespace quarry::index {

void bitpack_internal::PrefixSumPlusOneScalar(uint32_t* v, uint32_t first) {
  uint32_t next = first;
  for (int i = 0; i < kBlockSize; ++i) {
    v[i] += next;
    next = v[i] + 1;
  }
}

void PrefixSumPlusOne(uint32_t* v, uint32_t first) {
#if defined(__SSE2__)
  // Four lanes at a time: add 1 to every gap, an in-register prefix sum
  // (shift by one lane, add; shift by two, add), then the running total.
  const __m128i one = _mm_set1_epi32(1);
  __m128i carry = _mm_set1_epi32(static_cast<int>(first - 1));
  for (int i = 0; i < kBlockSize; i += 4) {
    __m128i x = _mm_add_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(v + i)), one);
    x = _mm_add_epi32(x, _mm_slli_si128(x, 4));
    x = _mm_add_epi32(x, _mm_slli_si128(x, 8));
    x = _mm_add_epi32(x, carry);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(v + i), x);
    carry = _mm_shuffle_epi32(x, 0xFF);
  }
#else
  bitpack_internal::PrefixSumPlusOneScalar(v, first);
#endif
}

}  // namespace quarry::index
