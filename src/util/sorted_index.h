// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// SortedU64Index: lower_bound over a sorted array of 64-bit keys in a few
// cache lines. A binary search over n keys touches about log2(n) lines, each
// a miss when the caches are cold (a query arriving after other work); here
// the keys are the leaves of a static B-tree of 8-key (64-byte) nodes, and
// every level above holds the largest key of each node below, so a search
// reads one line per level: 5 for 22,000 keys instead of 15.
#ifndef QUARRY_SRC_UTIL_SORTED_INDEX_H_
#define QUARRY_SRC_UTIL_SORTED_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

namespace quarry::util {

class SortedU64Index {
 public:
  static constexpr std::size_t kNode = 8;  // keys per node: one cache line

  SortedU64Index() = default;
  // `keys` must be sorted (ties allowed).
  explicit SortedU64Index(std::vector<std::uint64_t> keys) : n_(keys.size()) {
    constexpr std::uint64_t kPad = std::numeric_limits<std::uint64_t>::max();
    levels_.push_back(std::move(keys));
    levels_[0].resize(RoundUp(n_), kPad);
    while (levels_.back().size() > kNode) {
      const std::vector<std::uint64_t>& below = levels_.back();
      std::vector<std::uint64_t> up;
      up.reserve(RoundUp(below.size() / kNode));
      for (std::size_t i = kNode - 1; i < below.size(); i += kNode) up.push_back(below[i]);
      up.resize(RoundUp(up.size()), kPad);
      levels_.push_back(std::move(up));
    }
  }

  std::size_t size() const { return n_; }
  std::uint64_t operator[](std::size_t i) const { return levels_[0][i]; }

  // The first index whose key is >= x (size() if none).
  std::size_t LowerBound(std::uint64_t x) const {
    if (n_ == 0) return 0;
    std::size_t node = 0;
    for (std::size_t l = levels_.size(); l-- > 0;) {
      // A padding key above names a node that does not exist: every key
      // is below x.
      if (node * kNode >= levels_[l].size()) return n_;
      const std::uint64_t* k = levels_[l].data() + node * kNode;
      std::size_t i = 0;
      for (std::size_t j = 0; j < kNode; ++j) i += k[j] < x;  // keys rise: a count
      if (i == kNode) return n_;  // only at the root: every key is below x
      node = node * kNode + i;
    }
    return node < n_ ? node : n_;
  }

  // [LowerBound(x), first index whose key is > x).
  std::pair<std::size_t, std::size_t> EqualRange(std::uint64_t x) const {
    const std::size_t lo = LowerBound(x);
    std::size_t hi = lo;
    // Ties are few: look in the rest of lo's node before searching again.
    const std::size_t node_end = (lo / kNode + 1) * kNode;
    while (hi < n_ && hi < node_end && levels_[0][hi] == x) ++hi;
    if (hi < n_ && hi == node_end && levels_[0][hi] == x) {
      hi = x == std::numeric_limits<std::uint64_t>::max() ? n_ : LowerBound(x + 1);
    }
    return {lo, hi};
  }

 private:
  static std::size_t RoundUp(std::size_t n) { return (n + kNode - 1) / kNode * kNode; }

  std::size_t n_ = 0;
  // levels_[0]: the keys, padded with the largest value to whole nodes;
  // levels_[l + 1][j]: the last key of node j of level l. The last level
  // is one node.
  std::vector<std::vector<std::uint64_t>> levels_;
};

}  // namespace quarry::util

#endif  // QUARRY_SRC_UTIL_SORTED_INDEX_H_
