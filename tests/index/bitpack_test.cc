// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "index/bitpack.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace quarry::index {
namespace {

using Block = std::array<uint32_t, kBlockSize>;
using PackFn = void (*)(const uint32_t*, int, uint8_t*);
using UnpackFn = void (*)(const uint8_t*, int, uint32_t*);

struct Codec {
  const char* name;
  PackFn pack;
  UnpackFn unpack;
};

std::vector<Codec> Codecs() {
  std::vector<Codec> codecs = {
      {"public", &PackBlock, &UnpackBlock},
      {"scalar", &bitpack_internal::PackBlockScalar,
       &bitpack_internal::UnpackBlockScalar},
      // The one-loop decoder, against the same packer.
      {"compact", &PackBlock, &UnpackBlockCompact},
  };
#if defined(__SSE2__)
  codecs.push_back({"sse2", &bitpack_internal::PackBlockSse2,
                    &bitpack_internal::UnpackBlockSse2});
#endif
  return codecs;
}

uint32_t Mask(int bits) {
  return bits == 32 ? ~uint32_t{0} : (uint32_t{1} << bits) - 1;
}

// The layout exactly as bitpack.h documents it, one bit at a time:
// bit t of value i, with q = (i / 4) * bits + t, is bit q % 32 of
// little-endian word W[4 * (q / 32) + i % 4].
std::vector<uint8_t> ReferencePack(const Block& values, int bits) {
  std::vector<uint8_t> out(static_cast<size_t>(16 * bits), 0);
  for (int i = 0; i < kBlockSize; ++i) {
    for (int t = 0; t < bits; ++t) {
      if (((values[i] >> t) & 1) == 0) continue;
      const int q = (i / 4) * bits + t;
      const int word = 4 * (q / 32) + i % 4;
      const int bit = q % 32;
      out[static_cast<size_t>(4 * word + bit / 8)] |=
          static_cast<uint8_t>(1u << (bit % 8));
    }
  }
  return out;
}

Block RandomBlock(std::mt19937& rng, int bits) {
  Block b;
  for (uint32_t& v : b) v = rng() & Mask(bits);
  return b;
}

// Packs into a buffer with guard bytes on both sides, checks the guards and
// the bytes against the reference, and returns the packed bytes.
std::vector<uint8_t> CheckedPack(const Codec& codec, const Block& values,
                                 int bits) {
  constexpr size_t kGuard = 32;
  constexpr uint8_t kGuardByte = 0xA5;
  const size_t packed = PackedBytes(bits);
  std::vector<uint8_t> buf(kGuard + packed + kGuard, kGuardByte);
  codec.pack(values.data(), bits, buf.data() + kGuard);
  for (size_t i = 0; i < kGuard; ++i) {
    EXPECT_EQ(buf[i], kGuardByte) << "byte before block, bits=" << bits;
    EXPECT_EQ(buf[kGuard + packed + i], kGuardByte)
        << "byte after block, bits=" << bits;
  }
  return {buf.begin() + kGuard, buf.begin() + kGuard + packed};
}

// Unpacks from an exact-size heap block (so ASan catches overreads), into
// an output with guard values on both sides.
Block CheckedUnpack(const Codec& codec, const std::vector<uint8_t>& bytes,
                    int bits, size_t misalign = 0) {
  std::unique_ptr<uint8_t[]> in(new uint8_t[bytes.size() + misalign]);
  if (!bytes.empty())
    std::memcpy(in.get() + misalign, bytes.data(), bytes.size());
  constexpr uint32_t kGuard = 0xDEADBEEF;
  std::vector<uint32_t> out(kBlockSize + 2, kGuard);
  codec.unpack(in.get() + misalign, bits, out.data() + 1);
  EXPECT_EQ(out.front(), kGuard);
  EXPECT_EQ(out.back(), kGuard);
  Block b;
  std::memcpy(b.data(), out.data() + 1, sizeof(b));
  return b;
}

TEST(BitpackSizes, PackedBytes) {
  static_assert(kBlockSize == 128);
  static_assert(PackedBytes(0) == 0);
  static_assert(PackedBytes(1) == 16);
  static_assert(PackedBytes(3) == 48);
  static_assert(PackedBytes(32) == 512);
  static_assert(PackedBytes(33) == 0);
  static_assert(PackedBytes(-1) == 0);
  for (int bits = 0; bits <= 32; ++bits) {
    EXPECT_EQ(PackedBytes(bits), static_cast<size_t>(16 * bits));
  }
}

TEST(BitpackMaxBits, Widths) {
  EXPECT_EQ(MaxBits(nullptr, 0), 0);
  Block b{};
  EXPECT_EQ(MaxBits(b.data(), b.size()), 0);
  b[77] = 1;
  EXPECT_EQ(MaxBits(b.data(), b.size()), 1);
  for (int bits = 1; bits <= 32; ++bits) {
    const uint32_t top = uint32_t{1} << (bits - 1);
    b.fill(0);
    b[static_cast<size_t>(bits * 3) % kBlockSize] = top;
    EXPECT_EQ(MaxBits(b.data(), b.size()), bits);
    b[5] = Mask(bits);
    EXPECT_EQ(MaxBits(b.data(), b.size()), bits);
  }
  const uint32_t odd[] = {3, 0, 129, 5};
  EXPECT_EQ(MaxBits(odd, 4), 8);
  EXPECT_EQ(MaxBits(odd, 2), 2);  // only the first n count
}

TEST(BitpackLayout, WorkedExampleFromHeader) {
  Block values{};
  values[0] = 5;
  values[4] = 3;
  values[40] = 6;
  values[127] = 7;
  std::vector<uint8_t> want(48, 0);
  want[0] = 0x1D;
  want[3] = 0x80;
  want[16] = 0x01;
  want[47] = 0xE0;
  EXPECT_EQ(ReferencePack(values, 3), want);
  for (const Codec& codec : Codecs()) {
    SCOPED_TRACE(codec.name);
    EXPECT_EQ(CheckedPack(codec, values, 3), want);
    EXPECT_EQ(CheckedUnpack(codec, want, 3), values);
  }
}

TEST(BitpackLayout, MatchesReferenceForEveryWidth) {
  std::mt19937 rng(2026);
  for (const Codec& codec : Codecs()) {
    SCOPED_TRACE(codec.name);
    for (int bits = 0; bits <= 32; ++bits) {
      for (int rep = 0; rep < 4; ++rep) {
        const Block values = RandomBlock(rng, bits);
        ASSERT_EQ(CheckedPack(codec, values, bits), ReferencePack(values, bits))
            << "bits=" << bits;
      }
    }
  }
}

TEST(BitpackRoundTrip, RandomValuesEveryWidth) {
  std::mt19937 rng(17);
  for (const Codec& codec : Codecs()) {
    SCOPED_TRACE(codec.name);
    for (int bits = 0; bits <= 32; ++bits) {
      for (int rep = 0; rep < 20; ++rep) {
        const Block values = RandomBlock(rng, bits);
        const std::vector<uint8_t> packed = CheckedPack(codec, values, bits);
        ASSERT_EQ(packed.size(), static_cast<size_t>(16 * bits));
        ASSERT_EQ(CheckedUnpack(codec, packed, bits, rep % 16), values)
            << "bits=" << bits;
      }
    }
  }
}

// UnpackOne reads every value of every width as the block unpack does,
// straddling values and 32-bit values included.
TEST(BitpackUnpackOne, EveryValueOfEveryWidth) {
  std::mt19937 rng(29);
  for (int bits = 0; bits <= 32; ++bits) {
    for (int rep = 0; rep < 5; ++rep) {
      Block values = RandomBlock(rng, bits);
      if (bits > 0 && rep == 0) values.fill(bits == 32 ? UINT32_MAX : (1u << bits) - 1);
      std::vector<uint8_t> packed(PackedBytes(bits));
      PackBlock(values.data(), bits, packed.data());
      for (uint32_t i = 0; i < 128; ++i) {
        ASSERT_EQ(UnpackOne(packed.data(), bits, i), values[i]) << "bits=" << bits << " i=" << i;
      }
    }
  }
}

TEST(BitpackRoundTrip, Extremes) {
  for (const Codec& codec : Codecs()) {
    SCOPED_TRACE(codec.name);
    for (int bits = 0; bits <= 32; ++bits) {
      const uint32_t max = Mask(bits);
      std::vector<Block> blocks(4);
      blocks[0].fill(0);
      blocks[1].fill(max);
      for (int i = 0; i < kBlockSize; ++i) {
        blocks[2][i] = (i % 2 == 0) ? max : 0;
        blocks[3][i] = (i % 3 == 0) ? 0 : max;
      }
      for (const Block& values : blocks) {
        const std::vector<uint8_t> packed = CheckedPack(codec, values, bits);
        EXPECT_EQ(packed, ReferencePack(values, bits)) << "bits=" << bits;
        EXPECT_EQ(CheckedUnpack(codec, packed, bits), values)
            << "bits=" << bits;
      }
      // All-max packs to all-ones bytes.
      const std::vector<uint8_t> ones = CheckedPack(codec, blocks[1], bits);
      for (uint8_t byte : ones) ASSERT_EQ(byte, 0xFF) << "bits=" << bits;
    }
  }
}

TEST(BitpackRoundTrip, BoundaryValues) {
  const uint32_t interesting[] = {0,   1,   127,         128,
                                  129, 255, 0x7FFFFFFFu, 0xFFFFFFFFu};
  for (const Codec& codec : Codecs()) {
    SCOPED_TRACE(codec.name);
    Block values;
    for (int i = 0; i < kBlockSize; ++i) {
      values[i] = interesting[(i * 5 + i / 8) % 8];
    }
    const int bits = MaxBits(values.data(), values.size());
    EXPECT_EQ(bits, 32);
    EXPECT_EQ(CheckedUnpack(codec, CheckedPack(codec, values, bits), bits),
              values);
    // The same values without the two largest fit in 8 bits.
    for (uint32_t& v : values) {
      if (v > 255) v = 129;
    }
    EXPECT_EQ(MaxBits(values.data(), values.size()), 8);
    EXPECT_EQ(CheckedUnpack(codec, CheckedPack(codec, values, 8), 8), values);
  }
}

TEST(BitpackRoundTrip, HighBitsAreMasked) {
  std::mt19937 rng(5);
  for (const Codec& codec : Codecs()) {
    SCOPED_TRACE(codec.name);
    for (int bits = 0; bits < 32; ++bits) {
      Block values;
      for (uint32_t& v : values) v = rng() | ~Mask(bits);  // junk above
      Block masked = values;
      for (uint32_t& v : masked) v &= Mask(bits);
      const std::vector<uint8_t> packed = CheckedPack(codec, values, bits);
      EXPECT_EQ(packed, ReferencePack(masked, bits)) << "bits=" << bits;
      EXPECT_EQ(CheckedUnpack(codec, packed, bits), masked);
    }
  }
}

TEST(BitpackImplementations, ScalarAndSse2Agree) {
#if defined(__SSE2__)
  std::mt19937 rng(8);
  for (int bits = 0; bits <= 32; ++bits) {
    for (int rep = 0; rep < 50; ++rep) {
      const Block values = RandomBlock(rng, bits);
      std::vector<uint8_t> a(PackedBytes(bits) + 1, 0);
      std::vector<uint8_t> b(PackedBytes(bits) + 1, 0);
      bitpack_internal::PackBlockScalar(values.data(), bits, a.data());
      bitpack_internal::PackBlockSse2(values.data(), bits, b.data());
      ASSERT_EQ(a, b) << "bits=" << bits;
      // Unpacking arbitrary bytes (not just packed ones) agrees too.
      for (uint8_t& byte : a) byte = static_cast<uint8_t>(rng());
      Block ua;
      Block ub;
      bitpack_internal::UnpackBlockScalar(a.data(), bits, ua.data());
      bitpack_internal::UnpackBlockSse2(a.data(), bits, ub.data());
      ASSERT_EQ(ua, ub) << "bits=" << bits;
      for (uint32_t v : ua) ASSERT_EQ(v & ~Mask(bits), 0u);
    }
  }
#else
  GTEST_SKIP() << "no SSE2 in this build";
#endif
}

TEST(BitpackPrefixSum, GapsBecomeDocuments) {
  std::mt19937 rng(11);
  for (int bits : {0, 1, 7, 16, 24}) {
    for (uint32_t first : {0u, 1u, 127u, 1000000u}) {
      const Block gaps = RandomBlock(rng, bits);
      Block expected;
      uint64_t d = first;
      for (int i = 0; i < kBlockSize; ++i) {
        d += gaps[i];
        expected[i] = static_cast<uint32_t>(d);
        ++d;
      }
      Block fast = gaps;
      PrefixSumPlusOne(fast.data(), first);
      EXPECT_EQ(fast, expected) << "bits " << bits << " first " << first;
      Block scalar = gaps;
      bitpack_internal::PrefixSumPlusOneScalar(scalar.data(), first);
      EXPECT_EQ(scalar, expected) << "bits " << bits << " first " << first;
    }
  }
  // All gaps zero: consecutive documents from `first`.
  Block zeros{};
  PrefixSumPlusOne(zeros.data(), 5);
  for (int i = 0; i < kBlockSize; ++i) EXPECT_EQ(zeros[i], 5u + i);
}

TEST(BitpackUntrusted, InvalidWidthsAreHarmless) {
  for (const Codec& codec : Codecs()) {
    SCOPED_TRACE(codec.name);
    for (int bits : {-1, 33, 64, 1 << 30}) {
      Block out;
      out.fill(7);
      codec.unpack(nullptr, bits, out.data());  // reads nothing
      for (uint32_t v : out) EXPECT_EQ(v, 0u);
      Block in;
      in.fill(1);
      codec.pack(in.data(), bits, nullptr);  // writes nothing
    }
  }
}

TEST(BitpackUntrusted, CheckedUnpack) {
  std::mt19937 rng(3);
  const Block values = RandomBlock(rng, 9);
  std::vector<uint8_t> packed(PackedBytes(9));
  PackBlock(values.data(), 9, packed.data());
  const std::string bytes(packed.begin(), packed.end());

  Block out;
  ASSERT_TRUE(UnpackBlockChecked(bytes, 9, out.data()));
  EXPECT_EQ(out, values);
  // Extra trailing bytes are fine (and ignored).
  ASSERT_TRUE(UnpackBlockChecked(bytes + "xyz", 9, out.data()));
  EXPECT_EQ(out, values);
  // Too short, or a bad width: false, output untouched.
  out.fill(42);
  for (size_t len = 0; len < bytes.size(); len += 13) {
    const std::unique_ptr<char[]> cut(new char[len + 1]);
    std::memcpy(cut.get(), bytes.data(), len);
    EXPECT_FALSE(
        UnpackBlockChecked(std::string_view(cut.get(), len), 9, out.data()));
  }
  EXPECT_FALSE(UnpackBlockChecked(bytes, 33, out.data()));
  EXPECT_FALSE(UnpackBlockChecked(bytes, -1, out.data()));
  for (uint32_t v : out) EXPECT_EQ(v, 42u);
  // Width 0 needs no bytes at all.
  ASSERT_TRUE(UnpackBlockChecked(std::string_view(), 0, out.data()));
  for (uint32_t v : out) EXPECT_EQ(v, 0u);
}

}  // namespace
}  // namespace quarry::index
