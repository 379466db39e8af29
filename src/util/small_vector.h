// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// SmallVector<T, N>: a vector of trivially copyable T that keeps up to N
// elements inline and moves to the heap only beyond. Scorers hold a few
// pointers to their children; with std::vector each list was an allocation
// per query (and reserve/regrow code in every constructor).
#ifndef QUARRY_SRC_UTIL_SMALL_VECTOR_H_
#define QUARRY_SRC_UTIL_SMALL_VECTOR_H_

#include <cstddef>
#include <type_traits>
#include <vector>

namespace quarry::util {

template <class T, std::size_t N>
class SmallVector {
  static_assert(std::is_trivially_copyable_v<T>, "SmallVector holds plain values");
  static_assert(N > 0);

 public:
  SmallVector() = default;
  SmallVector(const SmallVector& o) { *this = o; }
  SmallVector& operator=(const SmallVector& o) {
    if (this != &o) {
      clear();
      for (const T& v : o) push_back(v);
    }
    return *this;
  }

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return heap_.empty() ? inline_ : heap_.data(); }
  const T* data() const { return heap_.empty() ? inline_ : heap_.data(); }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](std::size_t i) { return data()[i]; }
  const T& operator[](std::size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  void push_back(const T& v) {
    if (heap_.empty() && size_ < N) {
      inline_[size_++] = v;
      return;
    }
    PushBackToHeap(v);
  }
  void clear() {
    heap_.clear();
    size_ = 0;
  }
  // Room for n elements without regrowing (the heap is used only past N).
  void reserve(std::size_t n) {
    if (n > N) heap_.reserve(n);
  }

 private:
  // Out of line: the inline path stays a compare and a store.
  [[gnu::noinline, gnu::cold]] void PushBackToHeap(const T& v) {
    if (heap_.empty()) heap_.assign(inline_, inline_ + size_);
    heap_.push_back(v);
    ++size_;
  }

  T inline_[N];
  std::size_t size_ = 0;
  std::vector<T> heap_;  // every element once there are more than N
};

}  // namespace quarry::util

#endif  // QUARRY_SRC_UTIL_SMALL_VECTOR_H_
