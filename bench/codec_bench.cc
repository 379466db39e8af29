// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// codec_bench: throughput of quarry's low-level codecs.
//
//   unpack/<impl>/<bits>   UnpackBlock on 128-value blocks; items/s counts
//                          decoded integers. <impl> is "public" (UnpackBlock,
//                          what the index uses), "sse2" or "scalar".
//   pack/<bits>            PackBlock, items/s = integers packed.
//   crc32c/<impl>/<bytes>  Crc32cExtend over one buffer; bytes/s.
//   varint32_decode        Reader::ReadVarint32 over mixed-length varints.
//
// Unpack benchmarks cycle through kWorkingSetBlocks packed blocks (at most
// 64 * 512 B = 32 KiB: L1/L2 resident, as when a query scans a posting list
// that is being read sequentially) and consume every output value, so the
// compiler cannot drop the work.
//
// Answer checks: before timing, every block is unpacked with each
// implementation and compared with the original values; a mismatch fails the
// benchmark (SkipWithError), and the program then exits with status 1.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "index/bitpack.h"
#include "util/coding.h"
#include "util/crc32c.h"

namespace {

using quarry::index::kBlockSize;
using quarry::index::PackedBytes;

constexpr int kWorkingSetBlocks = 64;

bool g_failed = false;

using UnpackFn = void (*)(const uint8_t*, int, uint32_t*);

struct PackedSet {
  std::vector<uint32_t> values;  // kWorkingSetBlocks * 128
  std::vector<uint8_t> bytes;    // kWorkingSetBlocks * PackedBytes(bits)
};

PackedSet MakePackedSet(int bits) {
  PackedSet set;
  std::mt19937 rng(static_cast<uint32_t>(bits) * 7919u + 1);
  const uint32_t mask = bits == 32 ? ~0u : (1u << bits) - 1;
  set.values.resize(static_cast<size_t>(kWorkingSetBlocks) * kBlockSize);
  for (uint32_t& v : set.values) v = rng() & mask;
  const size_t block_bytes = PackedBytes(bits);
  set.bytes.resize(kWorkingSetBlocks * block_bytes + 1);
  for (int b = 0; b < kWorkingSetBlocks; ++b) {
    quarry::index::PackBlock(set.values.data() + b * kBlockSize, bits,
                             set.bytes.data() + b * block_bytes);
  }
  return set;
}

void BM_Unpack(benchmark::State& state, UnpackFn unpack) {
  const int bits = static_cast<int>(state.range(0));
  const PackedSet set = MakePackedSet(bits);
  const size_t block_bytes = PackedBytes(bits);
  alignas(64) std::array<uint32_t, kBlockSize> out;

  for (int b = 0; b < kWorkingSetBlocks; ++b) {
    unpack(set.bytes.data() + b * block_bytes, bits, out.data());
    for (int i = 0; i < kBlockSize; ++i) {
      if (out[static_cast<size_t>(i)] !=
          set.values[static_cast<size_t>(b * kBlockSize + i)]) {
        g_failed = true;
        state.SkipWithError("unpacked values differ from the packed ones");
        return;
      }
    }
  }

  for (auto _ : state) {
    for (int b = 0; b < kWorkingSetBlocks; ++b) {
      unpack(set.bytes.data() + b * block_bytes, bits, out.data());
      benchmark::DoNotOptimize(out.data());
      benchmark::ClobberMemory();
    }
  }
  state.SetItemsProcessed(state.iterations() * kWorkingSetBlocks * kBlockSize);
}

void BM_Pack(benchmark::State& state) {
  const int bits = static_cast<int>(state.range(0));
  const PackedSet set = MakePackedSet(bits);
  const size_t block_bytes = PackedBytes(bits);
  std::vector<uint8_t> out(kWorkingSetBlocks * block_bytes + 1);
  for (auto _ : state) {
    for (int b = 0; b < kWorkingSetBlocks; ++b) {
      quarry::index::PackBlock(set.values.data() + b * kBlockSize, bits,
                               out.data() + b * block_bytes);
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  if (out != set.bytes) {
    g_failed = true;
    state.SkipWithError("PackBlock is not deterministic");
  }
  state.SetItemsProcessed(state.iterations() * kWorkingSetBlocks * kBlockSize);
}

using CrcFn = uint32_t (*)(uint32_t, const void*, size_t);

void BM_Crc32c(benchmark::State& state, CrcFn crc) {
  const size_t n = static_cast<size_t>(state.range(0));
  std::string data(n, '\0');
  std::mt19937 rng(1);
  for (char& c : data) c = static_cast<char>(rng());
  if (crc(0, data.data(), n) !=
      quarry::crc32c_internal::Crc32cExtendPortable(0, data.data(), n)) {
    g_failed = true;
    state.SkipWithError("CRC differs from the portable implementation");
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(crc(0, data.data(), n));
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(n));
}

void BM_Varint32Decode(benchmark::State& state) {
  std::mt19937 rng(3);
  std::string encoded;
  constexpr int kCount = 4096;
  uint64_t expected_sum = 0;
  for (int i = 0; i < kCount; ++i) {
    // Mostly small values, like document-id gaps.
    const uint32_t v = rng() >> (rng() % 32);
    expected_sum += v;
    quarry::PutVarint32(&encoded, v);
  }
  for (auto _ : state) {
    quarry::Reader reader(encoded);
    uint64_t sum = 0;
    uint32_t v = 0;
    while (reader.ReadVarint32(&v)) sum += v;
    if (sum != expected_sum || reader.position() != encoded.size()) {
      g_failed = true;
      state.SkipWithError("varint decode mismatch");
      return;
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kCount);
}

void Register() {
  const std::vector<int> widths = {1, 5, 8, 12, 17, 32};
  struct Impl {
    const char* name;
    UnpackFn fn;
  };
  std::vector<Impl> impls = {{"public", &quarry::index::UnpackBlock}};
#if defined(__SSE2__)
  impls.push_back({"sse2", &quarry::index::bitpack_internal::UnpackBlockSse2});
#endif
  impls.push_back(
      {"scalar", &quarry::index::bitpack_internal::UnpackBlockScalar});
  for (const Impl& impl : impls) {
    auto* b = benchmark::RegisterBenchmark(
        (std::string("unpack/") + impl.name).c_str(),
        [fn = impl.fn](benchmark::State& st) { BM_Unpack(st, fn); });
    for (int w : widths) b->Arg(w);
  }
  auto* p = benchmark::RegisterBenchmark("pack", &BM_Pack);
  for (int w : widths) p->Arg(w);

  struct Crc {
    const char* name;
    CrcFn fn;
    bool available;
  };
  const Crc crcs[] = {
      {"dispatch", &quarry::Crc32cExtend, true},
      {"hardware", &quarry::crc32c_internal::Crc32cExtendHardware,
       quarry::crc32c_internal::Crc32cHardwareAvailable()},
      {"portable", &quarry::crc32c_internal::Crc32cExtendPortable, true},
  };
  for (const Crc& c : crcs) {
    if (!c.available) continue;
    benchmark::RegisterBenchmark(
        (std::string("crc32c/") + c.name).c_str(),
        [fn = c.fn](benchmark::State& st) { BM_Crc32c(st, fn); })
        ->Arg(64)
        ->Arg(4096)
        ->Arg(1 << 20);
  }
  benchmark::RegisterBenchmark("varint32_decode", &BM_Varint32Decode);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  Register();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_failed) {
    std::fprintf(stderr, "codec_bench: an answer check failed\n");
    return 1;
  }
  return 0;
}
