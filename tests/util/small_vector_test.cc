// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "util/small_vector.h"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

namespace quarry::util {
namespace {

// Inline up to N, then on the heap; copies, clear and iteration see the same
// elements in the same order as a std::vector fed the same way.
TEST(SmallVectorTest, BehavesLikeAVector) {
  for (int n = 0; n < 12; ++n) {
    SmallVector<int, 4> v;
    std::vector<int> want;
    for (int i = 0; i < n; ++i) {
      v.push_back(i * 7);
      want.push_back(i * 7);
      ASSERT_EQ(v.back(), i * 7);
    }
    ASSERT_EQ(v.size(), want.size());
    ASSERT_EQ(v.empty(), want.empty());
    EXPECT_EQ(std::vector<int>(v.begin(), v.end()), want);
    const SmallVector<int, 4> copy = v;
    EXPECT_EQ(std::vector<int>(copy.begin(), copy.end()), want);
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(copy[i], want[i]);
    v.clear();
    EXPECT_TRUE(v.empty());
    v.push_back(5);  // after clear: inline again
    EXPECT_EQ(std::vector<int>(v.begin(), v.end()), std::vector<int>{5});
    EXPECT_EQ(std::accumulate(copy.begin(), copy.end(), 0),
              std::accumulate(want.begin(), want.end(), 0));
  }
}

}  // namespace
}  // namespace quarry::util
