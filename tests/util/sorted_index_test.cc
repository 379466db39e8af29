// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "util/sorted_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace quarry::util {
namespace {

// Every size from 0 to a few levels deep, keys drawn from ranges narrow
// enough for long runs of ties, probes at, between and beyond the keys:
// LowerBound and EqualRange agree with std::lower_bound and std::equal_range.
TEST(SortedU64IndexTest, AgreesWithBinarySearch) {
  std::mt19937_64 rng(7);
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  for (std::size_t n = 0; n < 1200; n += (n < 80 ? 1 : 37)) {
    for (const std::uint64_t range : {std::uint64_t{3}, std::uint64_t{50}, kMax}) {
      std::vector<std::uint64_t> keys(n);
      for (auto& k : keys) k = range == kMax ? rng() : rng() % range;
      if (n > 2 && range != kMax) keys[n - 1] = kMax;  // the padding value itself
      std::sort(keys.begin(), keys.end());
      const SortedU64Index index(keys);
      ASSERT_EQ(index.size(), n);
      std::vector<std::uint64_t> probes = {0, 1, 2, 3, kMax, kMax - 1};
      for (int i = 0; i < 20; ++i) probes.push_back(range == kMax ? rng() : rng() % (range + 2));
      for (const std::uint64_t k : keys) probes.push_back(k);
      for (const std::uint64_t x : probes) {
        const auto lb = static_cast<std::size_t>(
            std::lower_bound(keys.begin(), keys.end(), x) - keys.begin());
        ASSERT_EQ(index.LowerBound(x), lb) << "n=" << n << " x=" << x;
        const auto [lo, hi] = std::equal_range(keys.begin(), keys.end(), x);
        const auto er = index.EqualRange(x);
        ASSERT_EQ(er.first, static_cast<std::size_t>(lo - keys.begin())) << "n=" << n;
        ASSERT_EQ(er.second, static_cast<std::size_t>(hi - keys.begin()))
            << "n=" << n << " x=" << x;
      }
      for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(index[i], keys[i]);
    }
  }
}

}  // namespace
}  // namespace quarry::util
