// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// SortedU64Index: lower_bound over a sorted array of 64-bit keys in a few
// cache lines. A binary search over n keys touches about log2(n) lines, each
// a miss when the caches are cold (a query arriving after other work); here
// the keys are the leaves of a static B-tree of 8-key nodes, each one
// cache line and aligned to one, and every level above holds the largest key
// of each node below, so a search reads one line per level: 5 for 22,000
// keys instead of 15.
#ifndef QUARRY_SRC_UTIL_SORTED_INDEX_H_
#define QUARRY_SRC_UTIL_SORTED_INDEX_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

namespace quarry::util {

class SortedU64Index {
 public:
  static constexpr std::size_t kNode = 8;  // keys per node: one cache line

  SortedU64Index() = default;
  // `keys` must be sorted (ties allowed).
  explicit SortedU64Index(const std::vector<std::uint64_t>& keys) : n_(keys.size()) {
    if (n_ == 0) return;
    // Level sizes in nodes, leaves first; a level above holds the last key
    // of each node below.
    std::size_t total = 0;
    for (std::size_t s = Nodes(n_);; s = Nodes(s)) {
      levels_.push_back({total, s});
      total += s;
      if (s == 1) break;
    }
    nodes_.resize(total);
    for (Node& node : nodes_) std::fill(std::begin(node.k), std::end(node.k), kPad);
    for (std::size_t i = 0; i < n_; ++i) nodes_[i / kNode].k[i % kNode] = keys[i];
    for (std::size_t l = 1; l < levels_.size(); ++l) {
      for (std::size_t j = 0; j < levels_[l - 1].size; ++j) {
        nodes_[levels_[l].first + j / kNode].k[j % kNode] =
            nodes_[levels_[l - 1].first + j].k[kNode - 1];
      }
    }
  }

  std::size_t size() const { return n_; }
  std::uint64_t operator[](std::size_t i) const { return nodes_[i / kNode].k[i % kNode]; }

  // The first index whose key is >= x (size() if none).
  std::size_t LowerBound(std::uint64_t x) const {
    if (n_ == 0) return 0;
    std::size_t node = 0;  // within its level
    for (std::size_t l = levels_.size(); l-- > 0;) {
      // A padding key above names a node that does not exist: every key
      // is below x.
      if (node >= levels_[l].size) return n_;
      const std::uint64_t* k = nodes_[levels_[l].first + node].k;
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
    while (hi < n_ && hi < node_end && (*this)[hi] == x) ++hi;
    if (hi < n_ && hi == node_end && (*this)[hi] == x) {
      hi = x == kPad ? n_ : LowerBound(x + 1);
    }
    return {lo, hi};
  }

 private:
  static constexpr std::uint64_t kPad = std::numeric_limits<std::uint64_t>::max();
  static std::size_t Nodes(std::size_t keys) { return (keys + kNode - 1) / kNode; }

  // One cache line, aligned to one: a node's keys are read with one miss.
  struct alignas(64) Node {
    std::uint64_t k[kNode];
  };
  struct Level {
    std::size_t first;  // its first node in nodes_
    std::size_t size;   // nodes
  };

  std::size_t n_ = 0;
  // The leaves (the keys, padded with the largest value to whole nodes),
  // then each level above, up to the root (one node).
  std::vector<Node> nodes_;
  std::vector<Level> levels_;
};

}  // namespace quarry::util

#endif  // QUARRY_SRC_UTIL_SORTED_INDEX_H_
