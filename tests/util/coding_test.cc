// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "util/coding.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace quarry {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

// The bytes in a heap block of exactly their size, so that ASan flags any
// read past the end (std::string would hide it behind its capacity).
class ExactBuffer {
 public:
  explicit ExactBuffer(std::string_view bytes)
      : size_(bytes.size()), data_(new char[bytes.size()]) {
    if (size_ > 0) std::memcpy(data_.get(), bytes.data(), size_);
  }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  size_t size_;
  std::unique_ptr<char[]> data_;
};

// One read from an exact-size copy of `bytes`; also checks that a failed
// read leaves the position at 0.
bool ReadOne32(std::string_view bytes, uint32_t* v) {
  const ExactBuffer buf(bytes);
  Reader r(buf.view());
  const bool ok = r.ReadVarint32(v);
  if (!ok) {
    EXPECT_EQ(r.position(), 0u);
  }
  return ok;
}

bool ReadOne64(std::string_view bytes, uint64_t* v) {
  const ExactBuffer buf(bytes);
  Reader r(buf.view());
  const bool ok = r.ReadVarint64(v);
  if (!ok) {
    EXPECT_EQ(r.position(), 0u);
  }
  return ok;
}

bool ReadOneLengthPrefixed(std::string_view bytes, std::string_view* v) {
  const ExactBuffer buf(bytes);
  Reader r(buf.view());
  return r.ReadLengthPrefixed(v);
}

// Values around every 7-bit group boundary plus the extremes.
std::vector<uint64_t> InterestingValues64() {
  std::vector<uint64_t> v = {0, 1, 2, 126, 127, 128, 129, 255, 256, 300};
  for (int bits = 7; bits < 64; bits += 7) {
    const uint64_t p = uint64_t{1} << bits;
    v.push_back(p - 1);
    v.push_back(p);
    v.push_back(p + 1);
  }
  for (int bits : {31, 32, 33, 63}) {
    const uint64_t p = uint64_t{1} << bits;
    v.push_back(p - 1);
    v.push_back(p);
  }
  v.push_back(std::numeric_limits<uint64_t>::max() - 1);
  v.push_back(std::numeric_limits<uint64_t>::max());
  return v;
}

// --- Fixed ---------------------------------------------------------------

TEST(CodingFixed, LittleEndianBytes) {
  std::string s;
  PutFixed32(&s, 0x04030201u);
  PutFixed64(&s, 0x0807060504030201ull);
  EXPECT_EQ(s, Bytes({1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(DecodeFixed32(s.data()), 0x04030201u);
  EXPECT_EQ(DecodeFixed64(s.data() + 4), 0x0807060504030201ull);
  // Unaligned decode.
  EXPECT_EQ(DecodeFixed32(s.data() + 5), 0x05040302u);
}

TEST(CodingFixed, RoundTrip) {
  std::string s;
  std::vector<uint64_t> values = InterestingValues64();
  for (uint64_t v : values) {
    PutFixed32(&s, static_cast<uint32_t>(v));
    PutFixed64(&s, v);
  }
  ASSERT_EQ(s.size(), values.size() * 12);
  Reader r(s);
  for (uint64_t v : values) {
    uint32_t v32 = 0;
    uint64_t v64 = 0;
    ASSERT_TRUE(r.ReadFixed32(&v32));
    ASSERT_TRUE(r.ReadFixed64(&v64));
    EXPECT_EQ(v32, static_cast<uint32_t>(v));
    EXPECT_EQ(v64, v);
  }
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.ok());
}

// --- Varint encoding -----------------------------------------------------

TEST(CodingVarint, KnownEncodings) {
  auto enc32 = [](uint32_t v) {
    std::string s;
    PutVarint32(&s, v);
    return s;
  };
  auto enc64 = [](uint64_t v) {
    std::string s;
    PutVarint64(&s, v);
    return s;
  };
  EXPECT_EQ(enc32(0), Bytes({0x00}));
  EXPECT_EQ(enc32(1), Bytes({0x01}));
  EXPECT_EQ(enc32(127), Bytes({0x7F}));
  EXPECT_EQ(enc32(128), Bytes({0x80, 0x01}));
  EXPECT_EQ(enc32(300), Bytes({0xAC, 0x02}));
  EXPECT_EQ(enc32(16383), Bytes({0xFF, 0x7F}));
  EXPECT_EQ(enc32(16384), Bytes({0x80, 0x80, 0x01}));
  EXPECT_EQ(enc32(0xFFFFFFFFu), Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(enc64(0xFFFFFFFFu), Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(enc64(uint64_t{1} << 63), Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                             0x80, 0x80, 0x80, 0x01}));
  EXPECT_EQ(
      enc64(std::numeric_limits<uint64_t>::max()),
      Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));
}

TEST(CodingVarint, LengthMatchesEncoding) {
  for (uint64_t v : InterestingValues64()) {
    std::string s;
    PutVarint64(&s, v);
    EXPECT_EQ(VarintLength(v), s.size()) << v;
    if (v <= std::numeric_limits<uint32_t>::max()) {
      std::string s32;
      PutVarint32(&s32, static_cast<uint32_t>(v));
      EXPECT_EQ(s32, s) << v;
    }
  }
  static_assert(VarintLength(0) == 1);
  static_assert(VarintLength(127) == 1);
  static_assert(VarintLength(128) == 2);
  static_assert(VarintLength(0xFFFFFFFFu) == 5);
  static_assert(VarintLength(~uint64_t{0}) == 10);
}

TEST(CodingVarint, RoundTripInterestingAndRandom) {
  std::vector<uint64_t> values = InterestingValues64();
  std::mt19937_64 rng(42);
  for (int i = 0; i < 5000; ++i) {
    // Random magnitudes, so that every length is well represented.
    values.push_back(rng() >> (rng() % 64));
  }
  std::string s;
  for (uint64_t v : values) {
    PutVarint64(&s, v);
    PutVarint32(&s, static_cast<uint32_t>(v));
  }
  const ExactBuffer buf(s);
  Reader r(buf.view());
  for (uint64_t v : values) {
    uint64_t v64 = 0;
    uint32_t v32 = 0;
    ASSERT_TRUE(r.ReadVarint64(&v64));
    ASSERT_TRUE(r.ReadVarint32(&v32));
    EXPECT_EQ(v64, v);
    EXPECT_EQ(v32, static_cast<uint32_t>(v));
  }
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_EQ(r.position(), s.size());
}

// --- Reader: malformed input ---------------------------------------------

TEST(CodingReader, EveryTruncationFails) {
  for (uint64_t v : InterestingValues64()) {
    std::string s64;
    PutVarint64(&s64, v);
    for (size_t len = 0; len < s64.size(); ++len) {
      const ExactBuffer buf(s64.substr(0, len));
      Reader r(buf.view());
      uint64_t out = 12345;
      EXPECT_FALSE(r.ReadVarint64(&out)) << v << " len " << len;
      EXPECT_EQ(out, 12345u);  // untouched
      EXPECT_FALSE(r.ok());
      EXPECT_EQ(r.position(), 0u);
    }
    if (v > std::numeric_limits<uint32_t>::max()) continue;
    std::string s32;
    PutVarint32(&s32, static_cast<uint32_t>(v));
    for (size_t len = 0; len < s32.size(); ++len) {
      const ExactBuffer buf(s32.substr(0, len));
      Reader r(buf.view());
      uint32_t out = 0;
      EXPECT_FALSE(r.ReadVarint32(&out)) << v << " len " << len;
    }
  }
  std::string fixed;
  PutFixed64(&fixed, 7);
  for (size_t len = 0; len < 8; ++len) {
    const ExactBuffer buf(fixed.substr(0, len));
    uint64_t v64 = 0;
    EXPECT_FALSE(Reader(buf.view()).ReadFixed64(&v64));
    if (len < 4) {
      uint32_t v32 = 0;
      EXPECT_FALSE(Reader(buf.view()).ReadFixed32(&v32));
    }
  }
}

TEST(CodingReader, Varint32Limits) {
  uint32_t v = 0;
  // Largest value: accepted.
  {
    const std::string s = Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F});
    Reader r(s);
    ASSERT_TRUE(r.ReadVarint32(&v));
    EXPECT_EQ(v, 0xFFFFFFFFu);
  }
  // 2^32: overflow.
  EXPECT_FALSE(ReadOne32(Bytes({0x80, 0x80, 0x80, 0x80, 0x10}), &v));
  // Fifth byte with extra bits.
  EXPECT_FALSE(ReadOne32(Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x7F}), &v));
  // Six bytes (over-long), even though the value would fit.
  EXPECT_FALSE(ReadOne32(Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x00}), &v));
  // Continuation bit on the fifth byte.
  EXPECT_FALSE(ReadOne32(Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x8F}), &v));
  // Non-minimal but within 5 bytes: accepted (documented).
  {
    const std::string s = Bytes({0x80, 0x00, 0x05});
    Reader r(s);
    ASSERT_TRUE(r.ReadVarint32(&v));
    EXPECT_EQ(v, 0u);
    EXPECT_EQ(r.position(), 2u);
  }
  // A varint32 read of a valid varint64 that does not fit.
  std::string big;
  PutVarint64(&big, uint64_t{1} << 40);
  EXPECT_FALSE(ReadOne32(big, &v));
}

TEST(CodingReader, Varint64Limits) {
  uint64_t v = 0;
  {
    const std::string s =
        Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
    Reader r(s);
    ASSERT_TRUE(r.ReadVarint64(&v));
    EXPECT_EQ(v, std::numeric_limits<uint64_t>::max());
  }
  // Tenth byte with bits beyond 64.
  EXPECT_FALSE(ReadOne64(
      Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}), &v));
  // Eleven bytes.
  EXPECT_FALSE(ReadOne64(
      Bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}),
      &v));
  // A long run of continuation bytes.
  EXPECT_FALSE(ReadOne64(std::string(100, '\x80'), &v));
}

TEST(CodingReader, FailureIsSticky) {
  // 0x01 is a complete varint; 0xFF starts one that never ends.
  const ExactBuffer buf(Bytes({0x01, 0xFF}));
  Reader bad(buf.view());
  uint32_t v = 0;
  ASSERT_TRUE(bad.ReadVarint32(&v));
  EXPECT_EQ(v, 1u);
  EXPECT_EQ(bad.position(), 1u);
  EXPECT_EQ(bad.remaining(), 1u);
  EXPECT_FALSE(bad.ReadVarint32(&v));
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.position(), 1u);  // where the failed read began
  EXPECT_EQ(bad.remaining(), 0u);
  EXPECT_TRUE(bad.rest().empty());
  // Everything fails afterwards, including reads that need no bytes.
  uint64_t v64 = 0;
  std::string_view sv;
  EXPECT_FALSE(bad.ReadVarint32(&v));
  EXPECT_FALSE(bad.ReadVarint64(&v64));
  EXPECT_FALSE(bad.ReadFixed32(&v));
  EXPECT_FALSE(bad.ReadFixed64(&v64));
  EXPECT_FALSE(bad.ReadBytes(0, &sv));
  EXPECT_FALSE(bad.ReadLengthPrefixed(&sv));
  EXPECT_FALSE(bad.Skip(0));
  EXPECT_EQ(bad.position(), 1u);
}

TEST(CodingReader, FailedFixedReadIsSticky) {
  const std::string s = Bytes({1, 2, 3, 4, 5});
  Reader r(s);
  uint64_t v64 = 0;
  EXPECT_FALSE(r.ReadFixed64(&v64));
  uint32_t v32 = 0;
  EXPECT_FALSE(r.ReadFixed32(&v32));  // would fit, but the reader has failed
  EXPECT_EQ(r.position(), 0u);
}

TEST(CodingReader, BytesSkipAndRest) {
  const std::string s = "hello, world";
  Reader r(s);
  EXPECT_EQ(r.remaining(), s.size());
  EXPECT_EQ(r.rest(), s);
  std::string_view sv;
  ASSERT_TRUE(r.ReadBytes(5, &sv));
  EXPECT_EQ(sv, "hello");
  EXPECT_EQ(sv.data(), s.data());  // points into the input
  ASSERT_TRUE(r.Skip(2));
  EXPECT_EQ(r.position(), 7u);
  EXPECT_EQ(r.rest(), "world");
  ASSERT_TRUE(r.ReadBytes(0, &sv));
  EXPECT_TRUE(sv.empty());
  ASSERT_TRUE(r.Skip(5));
  EXPECT_EQ(r.remaining(), 0u);
  EXPECT_TRUE(r.ok());
  EXPECT_FALSE(r.Skip(1));
  EXPECT_FALSE(r.ok());

  Reader r2(s);
  EXPECT_FALSE(r2.ReadBytes(s.size() + 1, &sv));
  Reader r3(s);
  EXPECT_FALSE(r3.Skip(std::numeric_limits<size_t>::max()));
  Reader r4(s);
  EXPECT_FALSE(r4.ReadBytes(std::numeric_limits<size_t>::max(), &sv));
}

TEST(CodingReader, LengthPrefixed) {
  std::string s;
  PutLengthPrefixed(&s, "");
  PutLengthPrefixed(&s, "abc");
  const std::string long_value(300, 'x');
  PutLengthPrefixed(&s, long_value);
  EXPECT_EQ(s.substr(0, 5), Bytes({0, 3, 'a', 'b', 'c'}));
  EXPECT_EQ(s.size(), 1 + 4 + 2 + 300u);

  const ExactBuffer buf(s);
  Reader r(buf.view());
  std::string_view sv;
  ASSERT_TRUE(r.ReadLengthPrefixed(&sv));
  EXPECT_EQ(sv, "");
  ASSERT_TRUE(r.ReadLengthPrefixed(&sv));
  EXPECT_EQ(sv, "abc");
  ASSERT_TRUE(r.ReadLengthPrefixed(&sv));
  EXPECT_EQ(sv, long_value);
  EXPECT_EQ(r.remaining(), 0u);

  // Every truncation of the last item fails and reports its start.
  const size_t last_start = 1 + 4;
  for (size_t len = last_start; len < s.size(); ++len) {
    const ExactBuffer cut(std::string_view(s).substr(0, len));
    Reader rc(cut.view());
    ASSERT_TRUE(rc.ReadLengthPrefixed(&sv));
    ASSERT_TRUE(rc.ReadLengthPrefixed(&sv));
    EXPECT_FALSE(rc.ReadLengthPrefixed(&sv)) << len;
    EXPECT_EQ(rc.position(), last_start);
  }

  // A huge declared length.
  std::string huge;
  PutVarint32(&huge, 0xFFFFFFFFu);
  huge += "abc";
  EXPECT_FALSE(ReadOneLengthPrefixed(huge, &sv));
  // A malformed length.
  EXPECT_FALSE(
      ReadOneLengthPrefixed(Bytes({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), &sv));
}

// A deliberately simple model of the varint rules, for the random test.
std::optional<std::pair<uint64_t, size_t>> ModelVarint(std::string_view in,
                                                       size_t max_bytes,
                                                       int value_bits) {
  uint64_t value = 0;
  for (size_t i = 0; i < in.size() && i < max_bytes; ++i) {
    const auto byte = static_cast<uint8_t>(in[i]);
    for (int b = 0; b < 7; ++b) {
      if ((byte >> b) & 1) {
        const size_t bit = 7 * i + static_cast<size_t>(b);
        if (bit >= static_cast<size_t>(value_bits)) return std::nullopt;
        value |= uint64_t{1} << bit;
      }
    }
    if ((byte & 0x80) == 0) return std::make_pair(value, i + 1);
  }
  return std::nullopt;
}

TEST(CodingReader, RandomBytesMatchModel) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 20000; ++iter) {
    std::string bytes(rng() % 24, '\0');
    for (char& c : bytes) {
      // Bias towards continuation bytes so that long varints are common.
      const uint32_t x = rng();
      c = static_cast<char>((x % 4 != 0) ? (0x80 | (x >> 8)) : (x >> 8));
      if (x % 16 == 0) c = static_cast<char>(0xFF);
    }
    const ExactBuffer buf(bytes);
    Reader r32(buf.view());
    Reader r64(buf.view());
    std::string_view rest32 = buf.view();
    std::string_view rest64 = buf.view();
    while (true) {
      const auto m = ModelVarint(rest32, 5, 32);
      uint32_t v = 0;
      const bool ok = r32.ReadVarint32(&v);
      ASSERT_EQ(ok, m.has_value());
      if (!ok) break;
      EXPECT_EQ(v, m->first);
      rest32.remove_prefix(m->second);
      ASSERT_EQ(r32.position(), bytes.size() - rest32.size());
    }
    while (true) {
      const auto m = ModelVarint(rest64, 10, 64);
      uint64_t v = 0;
      const bool ok = r64.ReadVarint64(&v);
      ASSERT_EQ(ok, m.has_value());
      if (!ok) break;
      EXPECT_EQ(v, m->first);
      rest64.remove_prefix(m->second);
    }
  }
}

TEST(CodingReader, RandomGarbageNeverOverreads) {
  // Mixed reads over random bytes; ASan checks the bounds, the loop checks
  // that a failing reader terminates.
  std::mt19937 rng(11);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string bytes(rng() % 40, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    const ExactBuffer buf(bytes);
    Reader r(buf.view());
    int steps = 0;
    while (r.remaining() > 0) {
      ASSERT_LT(++steps, 100);
      uint32_t v32;
      uint64_t v64;
      std::string_view sv;
      switch (rng() % 7) {
        case 0:
          r.ReadVarint32(&v32);
          break;
        case 1:
          r.ReadVarint64(&v64);
          break;
        case 2:
          r.ReadFixed32(&v32);
          break;
        case 3:
          r.ReadFixed64(&v64);
          break;
        case 4:
          r.ReadLengthPrefixed(&sv);
          break;
        case 5:
          r.ReadBytes(rng() % 8, &sv);
          break;
        default:
          r.Skip(rng() % 8);
          break;
      }
      ASSERT_LE(r.position(), bytes.size());
    }
  }
}

}  // namespace
}  // namespace quarry
