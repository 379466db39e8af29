// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Memory for large buffers that are filled once and then read at random (the
// memory index's term table, term array and postings blocks). Requests of at
// least kLargeBytes come straight from mmap, 2 MiB-aligned and, on Linux,
// marked for transparent huge pages, so that first touches fault in 2 MiB at
// a time instead of 4 KiB (page faults were a tenth of indexing time);
// smaller ones come from operator new. Elsewhere (and under
// AddressSanitizer) everything comes from operator new.
#ifndef QUARRY_SRC_UTIL_LARGE_ALLOC_H_
#define QUARRY_SRC_UTIL_LARGE_ALLOC_H_

#include <cstddef>
#include <new>

namespace quarry {

inline constexpr std::size_t kLargeBytes = std::size_t{2} << 20;

// Never null (throws std::bad_alloc like operator new). Free with the same
// size.
void* AllocateLarge(std::size_t bytes);
void FreeLarge(void* p, std::size_t bytes) noexcept;

// A std::allocator for vectors that may grow large.
template <class T>
struct LargeAllocator {
  using value_type = T;
  LargeAllocator() = default;
  template <class U>
  LargeAllocator(const LargeAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(AllocateLarge(n * sizeof(T))); }
  void deallocate(T* p, std::size_t n) noexcept { FreeLarge(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const LargeAllocator<U>&) const noexcept { return true; }
};

}  // namespace quarry

#endif  // QUARRY_SRC_UTIL_LARGE_ALLOC_H_
