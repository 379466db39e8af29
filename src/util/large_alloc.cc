// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "util/large_alloc.h"

#include <cstdint>

// Under AddressSanitizer everything comes from operator new, which it checks.
#if defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
#define QUARRY_LARGE_MMAP 1
#include <sys/mman.h>
#include <unistd.h>
#endif

namespace quarry {

#if defined(QUARRY_LARGE_MMAP)

void* AllocateLarge(std::size_t bytes) {
  if (bytes < kLargeBytes) return ::operator new(bytes);
  // Map 2 MiB more than asked and trim, so the block starts on a huge page.
  const std::size_t span = bytes + kLargeBytes;
  void* m = mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) throw std::bad_alloc();
  const auto base = reinterpret_cast<std::uintptr_t>(m);
  const std::uintptr_t start = (base + kLargeBytes - 1) & ~(std::uintptr_t{kLargeBytes} - 1);
  const auto page = static_cast<std::uintptr_t>(sysconf(_SC_PAGESIZE));
  const std::uintptr_t end = (start + bytes + page - 1) & ~(page - 1);
  if (start > base) munmap(m, start - base);
  if (base + span > end) munmap(reinterpret_cast<void*>(end), base + span - end);
  void* p = reinterpret_cast<void*>(start);
  madvise(p, end - start, MADV_HUGEPAGE);  // a hint: failure is harmless
  return p;
}

void FreeLarge(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  if (bytes < kLargeBytes) {
    ::operator delete(p);
    return;
  }
  munmap(p, bytes);
}

#else

void* AllocateLarge(std::size_t bytes) { return ::operator new(bytes); }
void FreeLarge(void* p, std::size_t) noexcept { ::operator delete(p); }

#endif

}  // namespace quarry
