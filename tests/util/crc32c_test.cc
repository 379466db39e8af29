// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "util/crc32c.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace quarry {
namespace {

using crc32c_internal::Crc32cExtendHardware;
using crc32c_internal::Crc32cExtendPortable;
using crc32c_internal::Crc32cHardwareAvailable;

using ExtendFn = uint32_t (*)(uint32_t, const void*, size_t);

// Bit-at-a-time reference, independent of the implementation's tables.
uint32_t ReferenceCrc32c(uint32_t crc, const uint8_t* p, size_t n) {
  crc = ~crc;
  for (size_t i = 0; i < n; ++i) {
    crc ^= p[i];
    for (int b = 0; b < 8; ++b) {
      crc = (crc & 1) ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
    }
  }
  return ~crc;
}

struct Impl {
  const char* name;
  ExtendFn extend;
};

// The implementations this machine can run.
std::vector<Impl> Impls() {
  std::vector<Impl> impls = {{"portable", &Crc32cExtendPortable},
                             {"dispatch", &Crc32cExtend}};
  if (Crc32cHardwareAvailable()) {
    impls.push_back({"hardware", &Crc32cExtendHardware});
  }
  return impls;
}

TEST(Crc32c, HardwarePathIsTestedWhereExpected) {
#if defined(__x86_64__)
  // Every x86-64 machine this project targets has SSE4.2; if this fails the
  // hardware path is silently untested.
  EXPECT_TRUE(Crc32cHardwareAvailable());
#else
  EXPECT_FALSE(Crc32cHardwareAvailable());
#endif
}

TEST(Crc32c, StandardVectors) {
  for (const Impl& impl : Impls()) {
    SCOPED_TRACE(impl.name);
    auto crc = [&](const void* p, size_t n) { return impl.extend(0, p, n); };
    EXPECT_EQ(crc("123456789", 9), 0xE3069283u);
    EXPECT_EQ(crc("", 0), 0u);
    EXPECT_EQ(crc(nullptr, 0), 0u);
    EXPECT_EQ(crc("a", 1), 0xC1D04330u);

    uint8_t buf[32];
    std::memset(buf, 0, sizeof(buf));
    EXPECT_EQ(crc(buf, sizeof(buf)), 0x8A9136AAu);
    std::memset(buf, 0xFF, sizeof(buf));
    EXPECT_EQ(crc(buf, sizeof(buf)), 0x62A8AB43u);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(i);
    EXPECT_EQ(crc(buf, sizeof(buf)), 0x46DD794Eu);
    for (int i = 0; i < 32; ++i) buf[i] = static_cast<uint8_t>(31 - i);
    EXPECT_EQ(crc(buf, sizeof(buf)), 0x113FDB5Cu);
  }
  EXPECT_EQ(Crc32c("123456789", 9), 0xE3069283u);
}

TEST(Crc32c, ExtendWithNothingIsIdentity) {
  for (const Impl& impl : Impls()) {
    SCOPED_TRACE(impl.name);
    EXPECT_EQ(impl.extend(0xE3069283u, nullptr, 0), 0xE3069283u);
    EXPECT_EQ(impl.extend(0x12345678u, "", 0), 0x12345678u);
  }
}

TEST(Crc32c, RandomBuffersAllSizesAndAlignments) {
  std::mt19937 rng(1234);
  std::vector<size_t> sizes;
  for (size_t n = 0; n <= 300; ++n) sizes.push_back(n);
  for (size_t n : {511u, 512u, 513u, 1023u, 4096u, 4099u, 65536u + 7u}) {
    sizes.push_back(n);
  }
  const std::vector<Impl> impls = Impls();
  for (size_t n : sizes) {
    for (size_t align = 0; align < 16; ++align) {
      if (n > 4096 && align % 5 != 0) continue;  // keep the big ones quick
      // Exact-size heap block so ASan catches any overread.
      std::unique_ptr<uint8_t[]> block(new uint8_t[n + align]);
      uint8_t* p = block.get() + align;
      for (size_t i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(rng());
      const uint32_t seed = (n % 3 == 0) ? 0 : static_cast<uint32_t>(rng());
      const uint32_t want = ReferenceCrc32c(seed, p, n);
      for (const Impl& impl : impls) {
        ASSERT_EQ(impl.extend(seed, p, n), want)
            << impl.name << " n=" << n << " align=" << align;
      }
    }
  }
}

TEST(Crc32c, ExtendComposes) {
  std::mt19937 rng(99);
  std::vector<uint8_t> data(2000);
  for (uint8_t& b : data) b = static_cast<uint8_t>(rng());
  for (const Impl& impl : Impls()) {
    SCOPED_TRACE(impl.name);
    for (size_t total : {0u, 1u, 7u, 8u, 9u, 63u, 64u, 65u, 1000u, 2000u}) {
      const uint32_t whole = impl.extend(0, data.data(), total);
      for (size_t split = 0; split <= total; ++split) {
        if (total > 100 && split % 37 != 0 && split != total) continue;
        const uint32_t a = impl.extend(0, data.data(), split);
        ASSERT_EQ(impl.extend(a, data.data() + split, total - split), whole)
            << "total=" << total << " split=" << split;
      }
    }
    // Three pieces, via the public function and across implementations.
    const uint32_t a = Crc32c(data.data(), 10);
    const uint32_t ab = Crc32cExtendPortable(a, data.data() + 10, 500);
    const uint32_t abc = impl.extend(ab, data.data() + 510, 1490);
    EXPECT_EQ(abc, Crc32c(data.data(), data.size()));
  }
}

TEST(Crc32c, DetectsSingleBitFlips) {
  std::string s(100, 'q');
  const uint32_t base = Crc32c(s.data(), s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    for (int b = 0; b < 8; ++b) {
      std::string t = s;
      t[i] = static_cast<char>(t[i] ^ (1 << b));
      EXPECT_NE(Crc32c(t.data(), t.size()), base);
    }
  }
}

}  // namespace
}  // namespace quarry
