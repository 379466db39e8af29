// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "index/segment_reader.h"

#include <zstd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#define QUARRY_SKIP_HW 1
#endif

#include <algorithm>
#include <atomic>
#include <bit>
#include <cstring>

#include "index/bitpack.h"
#include "util/bits.h"
#include "util/coding.h"

namespace quarry::index {
namespace {

enum FileSlot : std::size_t { kSi = 0, kTim, kDoc, kPos, kNrm, kFdt };

#if defined(QUARRY_SKIP_HW)
bool CpuHasPopcntBmi2() {
  static const bool available = [] {
    __builtin_cpu_init();
    // Zen 1 and 2 implement PDEP in microcode (tens of cycles per set
    // bit): the SSE2 loops are faster there.
    return __builtin_cpu_supports("popcnt") != 0 && __builtin_cpu_supports("bmi2") != 0 &&
           __builtin_cpu_is("znver1") == 0 && __builtin_cpu_is("znver2") == 0;
  }();
  return available;
}
std::atomic<bool> g_skip_hw{CpuHasPopcntBmi2()};

// Skips *n position entries of a term without lengths (every byte with its
// top bit clear ends one entry), 64 bytes at a time: one POPCNT per step and
// one PDEP to find the n-th end. Stops when fewer than 64 bytes remain;
// *n says how many entries are still to be skipped.
__attribute__((target("popcnt,bmi2"))) const std::uint8_t* SkipUnitEntriesHw(
    const std::uint8_t* p, const std::uint8_t* end, std::uint64_t* n_io) {
  std::uint64_t n = *n_io;
  while (n > 0 && end - p >= 64) {
    const auto* q = reinterpret_cast<const __m128i*>(p);
    auto top_bits = [q](int k) {  // the top bits of bytes 16k..16k+15
      return static_cast<std::uint64_t>(
                 static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_loadu_si128(q + k))))
             << (16 * k);
    };
    const std::uint64_t ends = ~(top_bits(0) | top_bits(1) | top_bits(2) | top_bits(3));
    const auto count = static_cast<std::uint64_t>(__builtin_popcountll(ends));
    if (count < n) {
      n -= count;
      p += 64;
      continue;
    }
    p += __builtin_ctzll(_pdep_u64(std::uint64_t{1} << (n - 1), ends)) + 1;  // the n-th end
    n = 0;
  }
  *n_io = n;
  return p;
}
#endif

#if defined(__SSE2__)
// One step of ScanCommon's W-wide block scan, after the compares: writes the
// matches of da[i, i+W) (lanes set in `mask`; rot[k]: the rotation of the
// second window that matched lane k, so the match is db[j + (k+rot[k]) % W])
// at docs/ia/ib[*n], in increasing order.
template <std::uint32_t W>
inline void WriteWindowMatches(unsigned mask, const std::uint32_t* rot, const std::uint32_t* da,
                               std::uint32_t i, std::uint32_t j, std::uint32_t* docs,
                               std::uint8_t* ia, std::uint8_t* ib, std::uint32_t* n) {
  for (; mask != 0; mask &= mask - 1) {
    const auto k = static_cast<std::uint32_t>(std::countr_zero(mask));
    docs[*n] = da[i + k];
    ia[*n] = static_cast<std::uint8_t>(i + k);
    ib[*n] = static_cast<std::uint8_t>(j + ((k + rot[k]) & (W - 1)));
    ++*n;
  }
}
// Then moves on: i by W when da[i+W-1] <= db[j+W-1], j by W when
// db[j+W-1] <= da[i+W-1], without a branch (the expectation of one half
// makes GCC use setcc instead of a jump).
template <std::uint32_t W>
inline void AdvanceWindows(const std::uint32_t* da, const std::uint32_t* db, std::uint32_t* i,
                           std::uint32_t* j) {
  constexpr int kShift = std::countr_zero(W);
  const std::uint32_t x = da[*i + W - 1], y = db[*j + W - 1];
  *i += static_cast<std::uint32_t>(__builtin_expect_with_probability(x <= y, 1, 0.5)) << kShift;
  *j += static_cast<std::uint32_t>(__builtin_expect_with_probability(y <= x, 1, 0.5)) << kShift;
}
#endif

#if defined(QUARRY_SKIP_HW)
bool CpuHasAvx2() {
  static const bool available = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return available;
}
std::atomic<bool> g_scan_avx2{CpuHasAvx2()};

// ScanCommon's first loop with AVX2: eight documents of a against eight of
// b (b in its eight rotations), then the side whose eighth document is
// smaller (both, when equal) moves on by eight; the argument is the one of
// the four-wide loop in ScanCommon. Continues from *i_io, *j_io and *n_io
// and leaves them where it stopped (fewer than eight left on a side).
__attribute__((target("avx2"))) void IntersectAvx2(const std::uint32_t* da, std::uint32_t na,
                                                     const std::uint32_t* db, std::uint32_t nb,
                                                     std::uint32_t* docs, std::uint8_t* ia,
                                                     std::uint8_t* ib, std::uint32_t* i_io,
                                                     std::uint32_t* j_io, std::uint32_t* n_io) {
  std::uint32_t i = *i_io, j = *j_io, n = *n_io;
  // Lane k of rotation r takes b's lane (k + r) % 8.
  const __m256i r1 = _mm256_setr_epi32(1, 2, 3, 4, 5, 6, 7, 0);
  const __m256i r2 = _mm256_setr_epi32(2, 3, 4, 5, 6, 7, 0, 1);
  const __m256i r3 = _mm256_setr_epi32(3, 4, 5, 6, 7, 0, 1, 2);
  const __m256i r4 = _mm256_setr_epi32(4, 5, 6, 7, 0, 1, 2, 3);
  const __m256i r5 = _mm256_setr_epi32(5, 6, 7, 0, 1, 2, 3, 4);
  const __m256i r6 = _mm256_setr_epi32(6, 7, 0, 1, 2, 3, 4, 5);
  const __m256i r7 = _mm256_setr_epi32(7, 0, 1, 2, 3, 4, 5, 6);
  while (i + 8 <= na && j + 8 <= nb) {
    const __m256i va = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(da + i));
    const __m256i vb = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(db + j));
    const __m256i c0 = _mm256_cmpeq_epi32(va, vb);
    const __m256i c1 = _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r1));
    const __m256i c2 = _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r2));
    const __m256i c3 = _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r3));
    const __m256i c4 = _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r4));
    const __m256i c5 = _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r5));
    const __m256i c6 = _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r6));
    const __m256i c7 = _mm256_cmpeq_epi32(va, _mm256_permutevar8x32_epi32(vb, r7));
    const __m256i any = _mm256_or_si256(
        _mm256_or_si256(_mm256_or_si256(c0, c1), _mm256_or_si256(c2, c3)),
        _mm256_or_si256(_mm256_or_si256(c4, c5), _mm256_or_si256(c6, c7)));
    unsigned mask = static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(any)));
    if (mask != 0) {
      // The rotation that matched, per lane.
      // (A lambda would not be compiled for AVX2.) Bit 0 of the rotation
      // is set by rotations 1, 3, 5, 7, bit 1 by 2, 3, 6, 7, bit 2 by 4-7.
      const __m256i odd = _mm256_or_si256(_mm256_or_si256(c1, c3), _mm256_or_si256(c5, c7));
      const __m256i twos = _mm256_or_si256(_mm256_or_si256(c2, c3), _mm256_or_si256(c6, c7));
      const __m256i fours = _mm256_or_si256(_mm256_or_si256(c4, c5), _mm256_or_si256(c6, c7));
      const __m256i rot_v = _mm256_or_si256(
          _mm256_and_si256(odd, _mm256_set1_epi32(1)),
          _mm256_or_si256(_mm256_and_si256(twos, _mm256_set1_epi32(2)),
                          _mm256_and_si256(fours, _mm256_set1_epi32(4))));
      alignas(32) std::uint32_t rot[8];
      _mm256_store_si256(reinterpret_cast<__m256i*>(rot), rot_v);
      WriteWindowMatches<8>(mask, rot, da, i, j, docs, ia, ib, &n);
    }
    AdvanceWindows<8>(da, db, &i, &j);
  }
  *i_io = i;
  *j_io = j;
  *n_io = n;
}
#endif

// A varint read at *pos in `data` (bounds-checked).
bool GetVarint32Slow(std::string_view data, std::size_t* pos, std::uint32_t* v) {
  if (*pos > data.size()) return false;
  Reader r(data.substr(*pos));
  if (!r.ReadVarint32(v)) return false;
  *pos += r.position();
  return true;
}
// Positions and tails are mostly one-byte varints: decode those inline.
inline bool GetVarint32(std::string_view data, std::size_t* pos, std::uint32_t* v) {
  if (*pos < data.size()) {
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data()) + *pos;
    if (p[0] < 0x80) {
      *v = p[0];
      ++*pos;
      return true;
    }
    if (data.size() - *pos >= 5) {  // the encodings Reader accepts, unchecked bytes
      std::uint32_t result = 0;
      for (int i = 0; i < 5; ++i) {
        const std::uint8_t c = p[i];
        if (i == 4 && c > 0x0F) return false;
        result |= static_cast<std::uint32_t>(c & 0x7Fu) << (7 * i);
        if (c < 0x80) {
          *v = result;
          *pos += static_cast<std::size_t>(i) + 1;
          return true;
        }
      }
      return false;
    }
  }
  return GetVarint32Slow(data, pos, v);
}
bool GetVarint64Slow(std::string_view data, std::size_t* pos, std::uint64_t* v) {
  if (*pos > data.size()) return false;
  Reader r(data.substr(*pos));
  if (!r.ReadVarint64(v)) return false;
  *pos += r.position();
  return true;
}
// Dictionary entries are runs of short varints: up to four bytes inline.
inline bool GetVarint64(std::string_view data, std::size_t* pos, std::uint64_t* v) {
  std::size_t at = *pos;
  std::uint64_t result = 0;
  for (int shift = 0; shift < 28 && at < data.size(); shift += 7, ++at) {
    const auto b = static_cast<std::uint8_t>(data[at]);
    result |= std::uint64_t{b & 0x7Fu} << shift;
    if (b < 0x80) {
      *v = result;
      *pos = at + 1;
      return true;
    }
  }
  return GetVarint64Slow(data, pos, v);
}

// Does the zstd frame at data[pos, pos+len) declare exactly `raw_len` bytes?
// Checked before allocating, so a damaged length cannot ask for gigabytes.
bool FrameSizeMatches(std::string_view data, std::size_t pos, std::uint64_t len,
                      std::uint64_t raw_len) {
  const unsigned long long n = ZSTD_getFrameContentSize(data.data() + pos, len);
  return n != ZSTD_CONTENTSIZE_ERROR && n != ZSTD_CONTENTSIZE_UNKNOWN && n == raw_len;
}

// The first 8 bytes of `key` as a big-endian number, zero-padded: ordering
// keys by it agrees with their byte order (ties aside).
inline std::uint64_t KeyPrefix8(std::string_view key) {
  std::uint64_t v = 0;
  const std::size_t n = std::min<std::size_t>(key.size(), 8);
  for (std::size_t i = 0; i < n; ++i) {
    v |= std::uint64_t{static_cast<std::uint8_t>(key[i])} << (56 - 8 * i);
  }
  return v;
}

}  // namespace

Status SegmentReader::Corrupt(std::size_t file, std::string_view what,
                              std::uint64_t offset) const {
  std::string msg = files_[file]->name();
  msg.append(": ").append(what).append(" at offset ").append(std::to_string(offset));
  return Status::Corruption(std::move(msg));
}

Result<std::shared_ptr<const SegmentReader>> SegmentReader::Open(
    store::Directory* dir, const SegmentMeta& meta,
    std::shared_ptr<const Schema> schema) {
  std::shared_ptr<SegmentReader> r(new SegmentReader());
  r->meta_ = meta;
  r->schema_ = std::move(schema);
  QUARRY_RETURN_IF_ERROR(r->Load(dir));
  return std::shared_ptr<const SegmentReader>(std::move(r));
}

Status SegmentReader::Load(store::Directory* dir) {
  const std::string_view kinds[] = {kKindInfo, kKindTerms, kKindPostings,
                                    kKindPositions, kKindNorms, kKindStored};
  const std::vector<std::string> names = SegmentFiles(meta_.number);
  std::string_view bodies[6];
  for (std::size_t i = 0; i < names.size(); ++i) {
    auto f = dir->Open(names[i]);
    if (!f.ok()) return f.status();
    files_.push_back(*f);
    auto body = CheckFraming((*f)->bytes(), names[i], kinds[i], &meta_.id);
    if (!body.ok()) return body.status();
    bodies[i] = *body;
  }
  // Segment info (small: verify its checksum now).
  QUARRY_RETURN_IF_ERROR(VerifyChecksum(files_[kSi]->bytes(), names[kSi]));
  {
    Reader r(bodies[kSi]);
    std::uint32_t max_doc, nfields;
    std::uint64_t terms;
    if (!r.ReadFixed32(&max_doc) || !r.ReadFixed64(&terms) ||
        !r.ReadVarint32(&nfields)) {
      return Corrupt(kSi, "truncated segment info", kHeaderSize);
    }
    if (max_doc != meta_.max_doc) {
      return Corrupt(kSi, "document count " + std::to_string(max_doc) +
                              " differs from the commit's " +
                              std::to_string(meta_.max_doc),
                     kHeaderSize);
    }
    if (nfields != schema_->fields().size()) {
      return Corrupt(kSi, "field count mismatch", kHeaderSize);
    }
    num_terms_ = terms;
    stats_.resize(nfields);
    for (FieldStats& fs : stats_) {
      if (!r.ReadVarint64(&fs.total_length) || !r.ReadVarint32(&fs.doc_count)) {
        return Corrupt(kSi, "truncated field stats", kHeaderSize + r.position());
      }
    }
  }
  // Term dictionary: trailer and block index.
  tim_ = files_[kTim]->bytes();
  {
    const std::string_view body = bodies[kTim];
    if (body.size() < 20) return Corrupt(kTim, "too short", 0);
    const char* t = body.data() + body.size() - 20;
    const std::uint64_t nterms = DecodeFixed64(t);
    const std::uint32_t nblocks = DecodeFixed32(t + 8);
    const std::uint64_t index_off = DecodeFixed64(t + 12);
    const std::uint64_t index_end = kHeaderSize + body.size() - 20;
    if (nterms != num_terms_ || index_off < kHeaderSize || index_off > index_end ||
        nblocks > nterms || (nterms > 0 && nblocks == 0) ||
        nterms > static_cast<std::uint64_t>(nblocks) * kTermsPerDictBlock) {
      return Corrupt(kTim, "bad dictionary trailer", index_end);
    }
    blocks_end_ = index_off;
    Reader r(tim_.substr(index_off, index_end - index_off));
    block_keys_.reserve(nblocks);
    std::vector<std::uint64_t> prefixes;
    prefixes.reserve(nblocks);
    block_offsets_.reserve(nblocks);
    for (std::uint32_t b = 0; b < nblocks; ++b) {
      std::string_view key;
      std::uint64_t off;
      if (!r.ReadLengthPrefixed(&key) || !r.ReadVarint64(&off) || key.empty() ||
          off < kHeaderSize || off >= blocks_end_ ||
          (b > 0 && (key <= block_keys_.back() || off <= block_offsets_.back()))) {
        return Corrupt(kTim, "bad dictionary block index entry " + std::to_string(b),
                       index_off + r.position());
      }
      block_keys_.emplace_back(key);
      prefixes.push_back(KeyPrefix8(key));
      block_offsets_.push_back(off);
    }
    if (r.remaining() != 0) return Corrupt(kTim, "trailing bytes in block index", index_off);
    block_prefixes_ = util::SortedU64Index(std::move(prefixes));
  }
  doc_body_ = bodies[kDoc];
  pos_body_ = bodies[kPos];
  // Norms.
  {
    const std::string_view body = bodies[kNrm];
    std::size_t at = 0;
    norm_bits_.assign(schema_->fields().size(), 0);
    norm_bytes_.assign(schema_->fields().size(), {});
    for (std::size_t f = 0; f < schema_->fields().size(); ++f) {
      if (schema_->fields()[f].kind != FieldKind::kText) continue;
      if (at >= body.size()) return Corrupt(kNrm, "truncated norms", kHeaderSize + at);
      const int bits = static_cast<std::uint8_t>(body[at]);
      if (bits > 32) return Corrupt(kNrm, "bad norm width", kHeaderSize + at);
      const std::uint64_t bytes =
          (static_cast<std::uint64_t>(meta_.max_doc) * bits + 7) / 8 + 8;
      if (body.size() - at - 1 < bytes) {
        return Corrupt(kNrm, "truncated norms", kHeaderSize + at);
      }
      norm_bits_[f] = bits;
      norm_bytes_[f] = body.substr(at + 1, bytes);
      at += 1 + bytes;
    }
    if (at != body.size()) return Corrupt(kNrm, "trailing bytes", kHeaderSize + at);
  }
  // Stored fields: trailer and chunk index.
  fdt_ = files_[kFdt]->bytes();
  {
    const std::string_view body = bodies[kFdt];
    if (body.size() < kStoredTrailerSize) return Corrupt(kFdt, "too short", 0);
    const char* t = body.data() + body.size() - kStoredTrailerSize;
    const std::uint32_t nchunks = DecodeFixed32(t);
    const std::uint64_t index_off = DecodeFixed64(t + 4);
    const std::uint64_t ids_off = DecodeFixed64(t + 12);
    const std::uint64_t ids_len = DecodeFixed64(t + 20);
    const std::uint64_t index_end = kHeaderSize + body.size() - kStoredTrailerSize;
    const std::uint64_t groups = (std::uint64_t{meta_.max_doc} + kIdGroupDocs - 1) / kIdGroupDocs;
    if (index_off < kHeaderSize || index_off > index_end ||
        (index_end - index_off) != static_cast<std::uint64_t>(nchunks) * 12 ||
        (meta_.max_doc > 0 && nchunks == 0) || nchunks > meta_.max_doc ||
        ids_off < kHeaderSize || ids_off > index_off ||
        ids_len > index_off - ids_off ||
        index_off - ids_off - ids_len != groups * 8) {
      return Corrupt(kFdt, "bad stored-fields trailer", index_end);
    }
    chunks_end_ = ids_off;
    id_bytes_ = fdt_.substr(ids_off, ids_len);
    id_group_bases_ = fdt_.data() + ids_off + ids_len;
    for (std::uint32_t c = 0; c < nchunks; ++c) {
      const char* e = fdt_.data() + index_off + 12ull * c;
      const std::uint32_t first = DecodeFixed32(e);
      const std::uint64_t off = DecodeFixed64(e + 4);
      if ((c == 0 && first != 0) || first >= meta_.max_doc ||
          (c > 0 && first <= chunk_first_doc_.back()) || off < kHeaderSize ||
          off >= chunks_end_ || (c > 0 && off <= chunk_offset_.back())) {
        return Corrupt(kFdt, "bad chunk index entry " + std::to_string(c),
                       index_off + 12ull * c);
      }
      chunk_first_doc_.push_back(first);
      chunk_offset_.push_back(off);
    }
  }
  return Status::OK();
}

bool SegmentReader::DecodeEntry(std::size_t* pos, std::string* key,
                                TermInfo* info, bool first) const {
  const std::string_view data = tim_.substr(0, blocks_end_);
  std::uint32_t shared, suffix_len;
  if (!GetVarint32(data, pos, &shared) || !GetVarint32(data, pos, &suffix_len)) {
    return false;
  }
  if (shared > key->size() || (first && shared != 0) ||
      suffix_len > data.size() - *pos) {
    return false;
  }
  key->resize(shared);
  key->append(data.substr(*pos, suffix_len));
  *pos += suffix_len;
  std::uint64_t doc_off, pos_off, max_freq_long;
  if (!GetVarint32(data, pos, &info->doc_freq) ||
      !GetVarint64(data, pos, &info->total_freq) ||
      !GetVarint64(data, pos, &doc_off) ||
      !GetVarint64(data, pos, &info->doc_length) ||
      !GetVarint64(data, pos, &pos_off) ||
      !GetVarint64(data, pos, &max_freq_long) ||
      !GetVarint32(data, pos, &info->min_norm) || (max_freq_long >> 1) > UINT32_MAX) {
    return false;
  }
  info->max_freq = static_cast<std::uint32_t>(max_freq_long >> 1);
  info->long_tokens = (max_freq_long & 1) != 0;
  if (first) {
    info->doc_offset = doc_off;
    info->pos_offset = pos_off;
  } else {
    info->doc_offset += doc_off;
    info->pos_offset += pos_off;
  }
  return EntryValid(*info) && !key->empty();
}

SegmentReader::TermIterator SegmentReader::Terms(std::string_view from) const {
  TermIterator it;
  it.seg_ = this;
  if (block_keys_.empty()) return it;
  // The last block whose first key is <= from.
  auto up = std::upper_bound(block_keys_.begin(), block_keys_.end(), from,
                             [](std::string_view a, const std::string& b) { return a < b; });
  it.block_ = up == block_keys_.begin()
                  ? 0
                  : static_cast<std::uint32_t>(up - block_keys_.begin() - 1);
  it.pos_ = 0;
  it.left_ = 0;
  if (!from.empty()) {
    // Skip entries before `from`.
    TermIterator probe = it;
    while (probe.Next()) {
      if (probe.key() >= from) {
        // Rewind by one: make Next() return this entry again.
        probe.status_ = Status::OK();
        it = probe;
        it.pending_first_ = true;
        return it;
      }
    }
    it = probe;  // exhausted (or corrupt)
  }
  return it;
}

bool SegmentReader::TermIterator::Next() {
  if (pending_first_) {
    pending_first_ = false;
    return true;
  }
  if (seg_ == nullptr || !status_.ok()) return false;
  const SegmentReader& s = *seg_;
  if (left_ == 0) {
    if (started_) ++block_;
    started_ = true;
    if (block_ >= s.block_offsets_.size()) return false;
    pos_ = s.block_offsets_[block_];
    std::uint32_t count;
    if (!GetVarint32(s.tim_.substr(0, s.blocks_end_), &pos_, &count) || count == 0 ||
        count > kTermsPerDictBlock) {
      status_ = s.Corrupt(kTim, "bad dictionary block", s.block_offsets_[block_]);
      return false;
    }
    left_ = count;
    key_.clear();
    const std::size_t at = pos_;
    if (!s.DecodeEntry(&pos_, &key_, &info_, true) || key_ != s.block_keys_[block_]) {
      status_ = s.Corrupt(kTim, "bad dictionary entry", at);
      return false;
    }
    --left_;
    return true;
  }
  const std::string prev = key_;
  const std::size_t at = pos_;
  if (!s.DecodeEntry(&pos_, &key_, &info_, false) || key_ <= prev ||
      (block_ + 1 < s.block_keys_.size() && key_ >= s.block_keys_[block_ + 1])) {
    status_ = s.Corrupt(kTim, "bad dictionary entry", at);
    return false;
  }
  --left_;
  return true;
}

namespace {

// Raw-pointer varint helpers for the dictionary scan (bounds-checked; the
// same encodings as Reader: at most 10 bytes, the last one at most 1).
// GetVarint64's (view, offset) form decodes the same bytes, but Find on it
// ran 25-30% more instructions (callgrind), and Find is in every query.
inline bool ScanVarint(const std::uint8_t*& p, const std::uint8_t* end, std::uint64_t* v) {
  std::uint64_t result = 0;
  for (int i = 0; i < 10 && p < end; ++i) {
    const std::uint8_t b = *p++;
    if (i == 9 && b > 1) return false;
    result |= std::uint64_t{b & 0x7Fu} << (7 * i);
    if (b < 0x80) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::optional<TermInfo>> SegmentReader::Find(std::string_view key) const {
  if (block_keys_.empty()) return std::optional<TermInfo>();
  // Blocks whose prefix is below key's have smaller keys, those whose
  // prefix is above have larger ones: only the blocks sharing key's prefix
  // need string compares.
  const std::uint64_t kp = KeyPrefix8(key);
  const auto [plo, phi] = block_prefixes_.EqualRange(kp);
  auto up = std::upper_bound(block_keys_.begin() + static_cast<std::ptrdiff_t>(plo),
                             block_keys_.begin() + static_cast<std::ptrdiff_t>(phi), key,
                             [](std::string_view a, const std::string& b) { return a < b; });
  if (up == block_keys_.begin()) return std::optional<TermInfo>();
  const std::size_t block = static_cast<std::size_t>(up - block_keys_.begin() - 1);
  // Scan the block without building its keys, decoding only the running
  // offsets of entries that are not the one. `match` is the length of the
  // common prefix of `key` and the previous entry's key, which is smaller
  // than `key`; an entry sharing `shared` bytes with the previous one is
  // smaller than `key` when shared > match, larger when shared < match
  // (keys rise), and otherwise decided by its suffix.
  const std::string_view data = tim_.substr(0, blocks_end_);
  const auto* base = reinterpret_cast<const std::uint8_t*>(data.data());
  const std::uint8_t* const end = base + data.size();
  const std::uint8_t* p = base + std::min<std::size_t>(block_offsets_[block], data.size());
  std::uint64_t count;
  if (!ScanVarint(p, end, &count) || count == 0 || count > kTermsPerDictBlock) {
    return Corrupt(kTim, "bad dictionary block", block_offsets_[block]);
  }
  std::size_t match = 0, len = 0;  // len: the previous key's length
  std::uint64_t doc_offset = 0, pos_offset = 0;
  for (std::uint64_t e = 0; e < count; ++e) {
    const std::uint8_t* const at = p;
    std::uint64_t shared, suffix_len;
    if (!ScanVarint(p, end, &shared) || !ScanVarint(p, end, &suffix_len) || shared > len ||
        (e == 0 && shared != 0) || suffix_len > static_cast<std::uint64_t>(end - p) ||
        shared + suffix_len == 0) {
      return Corrupt(kTim, "bad dictionary entry", static_cast<std::uint64_t>(at - base));
    }
    const char* suffix = reinterpret_cast<const char*>(p);
    p += suffix_len;
    // The entry's numbers (DecodeEntry's order): doc_freq, total_freq,
    // doc_offset delta, doc_length, pos_offset delta, max_freq << 1 |
    // long_tokens, min_norm. One loop instead of seven inlined decoders:
    // this code runs cold at the start of most queries, where its size
    // costs more than the loop.
    std::uint64_t f[7];
    const std::uint8_t* const nums = p;
    // When all seven are one byte (most entries: rare terms, short lists),
    // only the two offset deltas are taken, with no branch per byte; the
    // rest only for the entry found.
    std::uint64_t w = 0;
    const bool small = std::endian::native == std::endian::little && end - p >= 8 &&
                       (std::memcpy(&w, p, 8), (w & 0x0080808080808080ull) == 0);
    if (small) {
      f[2] = (w >> 16) & 0x7F;
      f[4] = (w >> 32) & 0x7F;
      p += 7;
    } else {
      bool ok = true;
      for (int j = 0; j < 7 && ok; ++j) {
        if (p < end && *p < 0x80) {
          f[j] = *p++;
        } else {
          ok = ScanVarint(p, end, &f[j]);
        }
      }
      if (!ok) return Corrupt(kTim, "bad dictionary entry", static_cast<std::uint64_t>(at - base));
    }
    doc_offset = e == 0 ? f[2] : doc_offset + f[2];
    pos_offset = e == 0 ? f[4] : pos_offset + f[4];
    len = static_cast<std::size_t>(shared + suffix_len);
    if (shared > match) continue;  // still below key
    if (shared < match) break;     // passed key
    // shared == match: compare the suffix with key[match..].
    std::size_t i = 0;
    const std::size_t room = key.size() - match;
    while (i < suffix_len && i < room && suffix[i] == key[match + i]) ++i;
    if (i == suffix_len && i == room) {  // found: DecodeEntry's checks
      if (small) {
        for (int j = 0; j < 7; ++j) f[j] = nums[j];
      }
      TermInfo info;
      info.doc_freq = static_cast<std::uint32_t>(f[0]);
      info.total_freq = f[1];
      info.doc_length = f[3];
      info.max_freq = static_cast<std::uint32_t>(f[5] >> 1);
      info.long_tokens = (f[5] & 1) != 0;
      info.min_norm = static_cast<std::uint32_t>(f[6]);
      info.doc_offset = doc_offset;
      info.pos_offset = pos_offset;
      // What DecodeEntry's 32-bit reads refuse, then its checks.
      if (f[0] > UINT32_MAX || (f[5] >> 1) > UINT32_MAX || f[6] > UINT32_MAX ||
          !EntryValid(info)) {
        return Corrupt(kTim, "bad dictionary entry", static_cast<std::uint64_t>(at - base));
      }
      return std::optional<TermInfo>(info);
    }
    if (i == room) break;  // key is a proper prefix of the entry: passed
    if (i < suffix_len &&
        static_cast<unsigned char>(suffix[i]) > static_cast<unsigned char>(key[match + i])) {
      break;  // passed key
    }
    match += i;  // the entry is below key (a prefix of it, or smaller there)
  }
  return std::optional<TermInfo>();
}

Result<StoredDocument> SegmentReader::Stored(std::uint32_t doc) const {
  if (doc >= meta_.max_doc) return Status::InvalidArgument("doc out of range");
  const auto it = std::upper_bound(chunk_first_doc_.begin(), chunk_first_doc_.end(), doc);
  const std::size_t c = static_cast<std::size_t>(it - chunk_first_doc_.begin()) - 1;
  std::size_t pos = chunk_offset_[c];
  const std::string_view data = fdt_.substr(0, chunks_end_);
  std::uint32_t ndocs;
  std::uint64_t raw_len, comp_len;
  if (!GetVarint32(data, &pos, &ndocs) || !GetVarint64(data, &pos, &raw_len) ||
      !GetVarint64(data, &pos, &comp_len) || comp_len > data.size() - pos ||
      raw_len > (std::uint64_t{1} << 32) || ndocs == 0 ||
      doc - chunk_first_doc_[c] >= ndocs ||
      !FrameSizeMatches(data, pos, comp_len, raw_len)) {
    return Corrupt(kFdt, "bad stored-fields chunk", chunk_offset_[c]);
  }
  std::string raw(raw_len, '\0');
  const std::size_t n = ZSTD_decompress(raw.data(), raw.size(), data.data() + pos, comp_len);
  if (ZSTD_isError(n) || n != raw_len) {
    return Corrupt(kFdt, "bad compressed chunk", pos);
  }
  Reader r(raw);
  std::string_view bytes;
  for (std::uint32_t d = chunk_first_doc_[c]; d <= doc; ++d) {
    if (!r.ReadLengthPrefixed(&bytes)) {
      return Corrupt(kFdt, "bad document in chunk", chunk_offset_[c]);
    }
  }
  auto id = Id(doc);
  if (!id.ok()) return id.status();
  StoredDocument out;
  out.id = std::move(*id);
  Reader f(bytes);
  const auto& fields = schema_->fields();
  while (f.remaining() > 0) {
    std::uint32_t no;
    std::string_view value;
    if (!f.ReadVarint32(&no) || !f.ReadLengthPrefixed(&value) || no == 0 ||
        no > fields.size()) {
      return Corrupt(kFdt, "bad stored field", chunk_offset_[c]);
    }
    out.fields.emplace_back(fields[no - 1].name, std::string(value));
  }
  return out;
}

bool SegmentReader::NextId(std::uint32_t doc, std::size_t* pos, std::string* id) const {
  if (doc % kIdGroupDocs == 0) {
    const std::uint64_t base =
        DecodeFixed64(id_group_bases_ + 8ull * (doc / kIdGroupDocs));
    if (base > id_bytes_.size()) return false;
    *pos = static_cast<std::size_t>(base);
    id->clear();
  }
  // A group ends where the next begins (or at the end of the id bytes).
  std::uint64_t end = id_bytes_.size();
  const std::uint32_t group = doc / kIdGroupDocs;
  if (std::uint64_t{group + 1} * kIdGroupDocs < meta_.max_doc) {
    end = DecodeFixed64(id_group_bases_ + 8ull * (group + 1));
    if (end > id_bytes_.size()) return false;
  }
  if (*pos > end) return false;
  const std::string_view group_bytes = id_bytes_.substr(0, static_cast<std::size_t>(end));
  std::uint32_t shared, length;
  std::string_view suffix;
  if (!GetVarint32(group_bytes, pos, &shared) || shared > id->size() ||
      (doc % kIdGroupDocs == 0 && shared != 0) ||
      !GetVarint32(group_bytes, pos, &length) || length > group_bytes.size() - *pos ||
      shared + length == 0 || shared + length > kIdMaxBytes) {
    return false;
  }
  suffix = group_bytes.substr(*pos, length);
  *pos += length;
  id->resize(shared);
  id->append(suffix);
  return true;
}

Result<std::string> SegmentReader::Id(std::uint32_t doc) const {
  if (doc >= meta_.max_doc) return Status::InvalidArgument("doc out of range");
  // NextId's decoding, with the group's bounds read once and the id built
  // in a buffer: a search looks up an id per hit.
  const std::uint32_t first = doc - doc % kIdGroupDocs;
  const std::uint32_t group = doc / kIdGroupDocs;
  std::uint64_t end = id_bytes_.size();
  if (std::uint64_t{group + 1} * kIdGroupDocs < meta_.max_doc) {
    end = DecodeFixed64(id_group_bases_ + 8ull * (group + 1));
  }
  std::size_t pos = static_cast<std::size_t>(
      std::min<std::uint64_t>(DecodeFixed64(id_group_bases_ + 8ull * group), id_bytes_.size()));
  // 16 bytes of slack: short suffixes are copied as 16 fixed bytes.
  char buf[kIdMaxBytes + 16];
  std::uint32_t len = 0;
  // The group's bytes; every entry ends within them, so pos stays <= end.
  const bool group_ok = end <= id_bytes_.size() && pos <= end;
  const std::string_view g =
      id_bytes_.substr(0, group_ok ? static_cast<std::size_t>(end) : 0);
  for (std::uint32_t d = first; d <= doc; ++d) {
    std::uint32_t shared = 0, length = 0;
    const bool ok = group_ok && GetVarint32(g, &pos, &shared) && shared <= len &&
                    (d != first || shared == 0) && GetVarint32(g, &pos, &length) &&
                    length <= g.size() - pos && shared + length != 0 &&
                    shared + length <= kIdMaxBytes;
    if (!ok) {
      return Corrupt(kFdt, "bad id table entry for document " + std::to_string(d),
                     static_cast<std::uint64_t>(id_bytes_.data() - fdt_.data()) + pos);
    }
    if (length <= 16 && g.size() - pos >= 16) {
      std::memcpy(buf + shared, g.data() + pos, 16);  // a fixed-size copy
    } else {
      std::memcpy(buf + shared, g.data() + pos, length);
    }
    pos += length;
    len = shared + length;
  }
  return std::string(buf, len);
}

Status SegmentReader::ForEachStored(
    const std::function<Status(std::uint32_t, std::string_view, std::string_view)>& fn)
    const {
  const std::string_view data = fdt_.substr(0, chunks_end_);
  std::string raw;
  std::string id;
  std::size_t id_pos = 0;
  std::uint32_t doc = 0;
  for (std::size_t c = 0; c < chunk_offset_.size(); ++c) {
    std::size_t pos = chunk_offset_[c];
    std::uint32_t ndocs;
    std::uint64_t raw_len, comp_len;
    if (!GetVarint32(data, &pos, &ndocs) || !GetVarint64(data, &pos, &raw_len) ||
        !GetVarint64(data, &pos, &comp_len) || comp_len > data.size() - pos ||
        raw_len > (std::uint64_t{1} << 32) || ndocs == 0 ||
        chunk_first_doc_[c] != doc || !FrameSizeMatches(data, pos, comp_len, raw_len) ||
        (c + 1 < chunk_offset_.size() && chunk_offset_[c + 1] != pos + comp_len)) {
      return Corrupt(kFdt, "bad stored-fields chunk", chunk_offset_[c]);
    }
    raw.resize(raw_len);
    const std::size_t n = ZSTD_decompress(raw.data(), raw.size(), data.data() + pos, comp_len);
    if (ZSTD_isError(n) || n != raw_len) {
      return Corrupt(kFdt, "bad compressed chunk", pos);
    }
    Reader r(raw);
    for (std::uint32_t i = 0; i < ndocs; ++i, ++doc) {
      std::string_view bytes;
      if (doc >= meta_.max_doc || !r.ReadLengthPrefixed(&bytes)) {
        return Corrupt(kFdt, "bad document in chunk", chunk_offset_[c]);
      }
      if (!NextId(doc, &id_pos, &id)) {
        return Corrupt(kFdt, "bad id table entry for document " + std::to_string(doc),
                       static_cast<std::uint64_t>(id_bytes_.data() - fdt_.data()) + id_pos);
      }
      QUARRY_RETURN_IF_ERROR(fn(doc, id, bytes));
    }
    if (r.remaining() != 0) {
      return Corrupt(kFdt, "trailing bytes in chunk", chunk_offset_[c]);
    }
  }
  if (doc != meta_.max_doc) {
    return Corrupt(kFdt, "stored documents missing", chunks_end_);
  }
  return Status::OK();
}

void SetPositionSkipHardware(bool on) {
#if defined(QUARRY_SKIP_HW)
  g_skip_hw.store(on && CpuHasPopcntBmi2(), std::memory_order_relaxed);
#else
  (void)on;
#endif
}

void SetScanCommonAvx2(bool on) {
#if defined(QUARRY_SKIP_HW)
  g_scan_avx2.store(on && CpuHasAvx2(), std::memory_order_relaxed);
#else
  (void)on;
#endif
}

bool ScanCommonAvx2() {
#if defined(QUARRY_SKIP_HW)
  return g_scan_avx2.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

bool PositionSkipHardware() {
#if defined(QUARRY_SKIP_HW)
  return g_skip_hw.load(std::memory_order_relaxed);
#else
  return false;
#endif
}

// ---- PostingsIterator ------------------------------------------------------

PostingsIterator::PostingsIterator(const SegmentReader* segment,
                                   std::string_view key, const TermInfo& info)
    : seg_(segment), info_(info),
      has_positions_(KeyHasPositions(segment->schema(), key)) {
  freqs_[0] = 0;
  num_blocks_ = (info.doc_freq + kPostingBlock - 1) / kPostingBlock;
  const std::string_view body = segment->doc_body_;
  const std::uint64_t off = info.doc_offset;
  const std::uint64_t skip_len =
      info.doc_freq >= kPostingBlock ? std::uint64_t{num_blocks_} * kSkipEntrySize : 0;
  if (off < kHeaderSize || off - kHeaderSize > body.size() ||
      info.doc_length > body.size() - (off - kHeaderSize) ||
      skip_len > body.size() - (off - kHeaderSize) - info.doc_length) {
    Fail("postings out of range", off);
    return;
  }
  doc_bytes_ = body.substr(off - kHeaderSize, info.doc_length);
  skip_bytes_ = body.substr(off - kHeaderSize + info.doc_length, skip_len);
  if (has_positions_) {
    const std::string_view pbody = segment->pos_body_;
    if (info.pos_offset < kHeaderSize || info.pos_offset - kHeaderSize > pbody.size()) {
      Fail("positions out of range", info.pos_offset);
      return;
    }
    pos_bytes_ = pbody.substr(info.pos_offset - kHeaderSize);
  }
}

std::uint32_t PostingsIterator::Fail(std::string_view what, std::uint64_t offset) {
  if (status_.ok()) {
    std::string msg = seg_->doc_name();
    msg.append(": ").append(what).append(" at offset ").append(std::to_string(offset));
    status_ = Status::Corruption(std::move(msg));
  }
  doc_ = kNoMoreDocs;
  count_ = 0;
  block_ = num_blocks_;
  return doc_;
}

bool PostingsIterator::LoadBlock(std::uint32_t k) {
  block_ = k;
  idx_ = 0;
  const std::uint32_t full = info_.doc_freq / kPostingBlock;
  std::int64_t prev = -1;
  std::uint64_t offset = 0;
  std::uint32_t pos_start = 0;
  if (!skip_bytes_.empty()) {
    const char* e = skip_bytes_.data() + std::size_t{k} * kSkipEntrySize;
    offset = DecodeFixed32(e + 4);
    pos_start = DecodeFixed32(e + 8);
    if (k > 0) prev = DecodeFixed32(e - kSkipEntrySize);
  }
  const std::uint64_t abs = info_.doc_offset + offset;
  if (offset > doc_bytes_.size()) {
    Fail("bad skip entry", abs);
    return false;
  }
  if (k < full) {
    if (doc_bytes_.size() - offset < 2) {
      Fail("truncated block", abs);
      return false;
    }
    const auto* p = reinterpret_cast<const std::uint8_t*>(doc_bytes_.data() + offset);
    const int db = p[0], fb = p[1];
    if (db > 32 || fb > 32 ||
        doc_bytes_.size() - offset - 2 < PackedBytes(db) + PackedBytes(fb)) {
      Fail("bad block header", abs);
      return false;
    }
    // The first blocks of a list are decoded by the one-loop decoder, the
    // rest by the unrolled one of their width: a short query decodes a
    // block or two per term, usually with the decoders' code out of the
    // caches, and then fetches a few lines of code instead of about 16 per
    // width; a long scan pays the slower loop only at its start.
    if (loads_ <= kCompactLoads) ++loads_;
    UnpackCurrent(p + 2, db, docs_);
    freq_packed_ = p + 2 + PackedBytes(db);
    freq_bits_ = fb;
    freqs_ready_ = false;
    freq_reads_ = 0;
    count_ = kPostingBlock;
    // d[i] = d[i-1] + 1 + delta[i]. Documents rise strictly, so checking the
    // last one bounds them all, provided no sum wraps: with deltas below
    // 2^24 and prev below 2^31 - 1 the 32-bit prefix sum cannot; otherwise
    // sum in 64 bits.
    if (db <= 24 && prev < (std::int64_t{1} << 31) - 1) {
      PrefixSumPlusOne(docs_, static_cast<std::uint32_t>(prev + 1));
      if (docs_[kPostingBlock - 1] >= seg_->max_doc()) {
        Fail("document id out of range", abs);
        return false;
      }
    } else {
      std::uint64_t next = static_cast<std::uint64_t>(prev + 1);
      for (std::uint32_t i = 0; i < kPostingBlock; ++i) {
        const std::uint64_t d = next + docs_[i];
        docs_[i] = static_cast<std::uint32_t>(d);
        next = d + 1;
      }
      if (next - 1 >= seg_->max_doc()) {
        Fail("document id out of range", abs);
        return false;
      }
    }
    if (docs_[kPostingBlock - 1] != DecodeFixed32(skip_bytes_.data() + std::size_t{k} * kSkipEntrySize)) {
      Fail("block does not match its skip entry", abs);
      return false;
    }
  } else {
    freqs_ready_ = true;
    count_ = info_.doc_freq - full * kPostingBlock;
    std::size_t at = offset;
    for (std::uint32_t i = 0; i < count_; ++i) {
      std::uint32_t v, f = 1;
      if (!GetVarint32(doc_bytes_, &at, &v) ||
          ((v & 1) == 0 && (!GetVarint32(doc_bytes_, &at, &f) || f < 2))) {
        Fail("bad tail posting", info_.doc_offset + at);
        return false;
      }
      if (f > info_.max_freq) {
        Fail("frequency above the term's bound", info_.doc_offset + at);
        return false;
      }
      const std::int64_t d = prev + 1 + (v >> 1);
      if (d >= seg_->max_doc()) {
        Fail("document id out of range", info_.doc_offset + at);
        return false;
      }
      docs_[i] = static_cast<std::uint32_t>(d);
      freqs_[i] = f;
      prev = d;
    }
  }
  pos_cursor_ = pos_start;
  pos_cursor_idx_ = 0;
  cum_ready_ = false;
  return true;
}

void PostingsIterator::UnpackCurrent(const std::uint8_t* in, int bits,
                                     std::uint32_t* out) const {
  if (loads_ <= kCompactLoads) {
    UnpackBlockCompact(in, bits, out);
  } else {
    UnpackBlock(in, bits, out);
  }
}

std::uint32_t PostingsIterator::FreqUnpacked() {
  // Four single reads cost about what unpacking the block does.
  if (idx_ < count_ && count_ == kPostingBlock && freq_packed_ != nullptr && freq_reads_ < 4) {
    ++freq_reads_;
    const std::uint32_t f = UnpackOne(freq_packed_, freq_bits_, idx_);  // stored minus one
    if (f >= info_.max_freq) {
      Fail("frequency above the term's bound",
           info_.doc_offset + static_cast<std::uint64_t>(
                                  freq_packed_ - reinterpret_cast<const std::uint8_t*>(doc_bytes_.data())));
      return 0;
    }
    return f + 1;
  }
  DecodeFreqs();
  return idx_ < count_ ? freqs_[idx_] : 0;
}

void PostingsIterator::DecodeFreqs() {
  freqs_ready_ = true;
  if (count_ != kPostingBlock || freq_packed_ == nullptr) return;
  UnpackCurrent(freq_packed_, freq_bits_, freqs_);
  // Stored minus one; none may exceed the term's bound. No value of a block
  // packed in fewer bits than the bound needs can exceed it.
  bool above = info_.max_freq == 0;
  const bool check = freq_bits_ >= 32 || (std::uint64_t{1} << freq_bits_) > info_.max_freq;
#if defined(__SSE2__)
  // Unsigned comparison through a bias: v > max_freq - 1.
  const __m128i bias = _mm_set1_epi32(INT32_MIN);
  const __m128i limit = _mm_set1_epi32(static_cast<std::int32_t>((info_.max_freq - 1) ^ 0x80000000u));
  const __m128i one = _mm_set1_epi32(1);
  __m128i over = _mm_setzero_si128();
  auto* f = reinterpret_cast<__m128i*>(freqs_);
  for (std::uint32_t i = 0; i < kPostingBlock / 4; ++i) {
    const __m128i v = _mm_loadu_si128(f + i);
    over = _mm_or_si128(over, _mm_cmpgt_epi32(_mm_xor_si128(v, bias), limit));
    _mm_storeu_si128(f + i, _mm_add_epi32(v, one));
  }
  above = above || (check && _mm_movemask_epi8(over) != 0);
#else
  std::uint32_t fmax = 0;
  for (std::uint32_t i = 0; i < kPostingBlock; ++i) {
    fmax = std::max(fmax, freqs_[i]);
    freqs_[i] += 1;
  }
  above = above || (check && fmax >= info_.max_freq);
#endif
  if (above) {
    Fail("frequency above the term's bound",
         info_.doc_offset + static_cast<std::uint64_t>(freq_packed_ - reinterpret_cast<const std::uint8_t*>(doc_bytes_.data())));
    return;
  }
}

// cum_[i] = the entries of the block's documents before document i, in
// 32 bits: used only while 128 frequencies cannot reach 2^32 (max_freq
// below 2^24).
void PostingsIterator::BuildCumulative() {
  cum_ready_ = true;
  cum_[0] = 0;
#if defined(__SSE2__)
  if (count_ == kPostingBlock) {
    __m128i carry = _mm_setzero_si128();
    const auto* f = reinterpret_cast<const __m128i*>(freqs_);
    for (std::uint32_t i = 0; i < kPostingBlock / 4; ++i) {
      __m128i v = _mm_loadu_si128(f + i);
      v = _mm_add_epi32(v, _mm_slli_si128(v, 4));
      v = _mm_add_epi32(v, _mm_slli_si128(v, 8));
      v = _mm_add_epi32(v, carry);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(cum_ + 1 + 4 * i), v);
      carry = _mm_shuffle_epi32(v, 0xFF);
    }
    return;
  }
#endif
  for (std::uint32_t i = 0; i < count_; ++i) cum_[i + 1] = cum_[i] + freqs_[i];
}

std::uint32_t PostingsIterator::NextSlow() {
  if (!started_) {
    started_ = true;
    if (num_blocks_ == 0 || !status_.ok()) return doc_ = kNoMoreDocs;
    if (!LoadBlock(0)) return doc_;
    return doc_ = docs_[0];
  }
  if (doc_ == kNoMoreDocs) return doc_;
  if (++idx_ < count_) return doc_ = docs_[idx_];
  if (block_ + 1 >= num_blocks_) return doc_ = kNoMoreDocs;
  if (!LoadBlock(block_ + 1)) return doc_;
  return doc_ = docs_[0];
}

std::uint32_t PostingsIterator::AdvanceSlow(std::uint32_t target) {
  if (!started_) {
    if (NextSlow() == kNoMoreDocs) return doc_;
  }
  if (doc_ == kNoMoreDocs || doc_ >= target) return doc_;
  // Find the block that may hold target.
  if (!skip_bytes_.empty() &&
      DecodeFixed32(skip_bytes_.data() + std::size_t{block_} * kSkipEntrySize) < target) {
    std::uint32_t k = block_ + 1;
    // Galloping search over the skip entries.
    std::uint32_t step = 1, lo = k, hi = k;
    while (hi < num_blocks_ &&
           DecodeFixed32(skip_bytes_.data() + std::size_t{hi} * kSkipEntrySize) < target) {
      lo = hi + 1;
      hi += step;
      step *= 2;
    }
    hi = std::min(hi, num_blocks_);
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      if (DecodeFixed32(skip_bytes_.data() + std::size_t{mid} * kSkipEntrySize) < target) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo >= num_blocks_) return doc_ = kNoMoreDocs;
    if (!LoadBlock(lo)) return doc_;
    // The block's last document (its skip entry, checked by LoadBlock) is
    // >= target: a branch-free binary search over the fresh block, where
    // the target lies anywhere.
    if (docs_[count_ - 1] >= target) {
      const std::uint32_t* base = docs_;
      std::uint32_t len = count_;
      while (len > 1) {
        const std::uint32_t half = len / 2;
        base = base[half - 1] < target ? base + half : base;
        len -= half;
      }
      idx_ = static_cast<std::uint32_t>(base - docs_);
      return doc_ = *base;
    }
  }
  while (docs_[idx_] < target) {
    if (++idx_ >= count_) {
      if (block_ + 1 >= num_blocks_) return doc_ = kNoMoreDocs;
      if (!LoadBlock(block_ + 1)) return doc_;
    }
  }
  return doc_ = docs_[idx_];
}

std::uint32_t PostingsIterator::ScanCommon(PostingsIterator& a, PostingsIterator& b,
                                           std::uint32_t* docs, std::uint8_t* ia,
                                           std::uint8_t* ib, std::uint32_t* resume) {
  std::uint32_t i = a.idx_, j = b.idx_, n = 0;
  const std::uint32_t na = a.count_, nb = b.count_;
  const std::uint32_t* const da = a.docs_;
  const std::uint32_t* const db = b.docs_;
#if defined(QUARRY_SKIP_HW)
  if (g_scan_avx2.load(std::memory_order_relaxed)) {
    IntersectAvx2(da, na, db, nb, docs, ia, ib, &i, &j, &n);
  }
#endif
#if defined(__SSE2__)
  // Four against four: every document of da[i, i+4) is compared with every
  // one of db[j, j+4) (the second vector in its four rotations); then the
  // side whose fourth document is smaller (both, when equal) moves on by
  // four. Documents are strictly increasing within a block, so each
  // document matches at most one of the other side, no pair of windows is
  // compared twice, and matches come out in increasing order. The rest
  // (fewer than four left on a side) goes through the scalar loop below.
  while (i + 4 <= na && j + 4 <= nb) {
    const __m128i va = _mm_loadu_si128(reinterpret_cast<const __m128i*>(da + i));
    const __m128i vb = _mm_loadu_si128(reinterpret_cast<const __m128i*>(db + j));
    // Lane k of cr: da[i+k] == db[j + (k+r) % 4].
    const __m128i c0 = _mm_cmpeq_epi32(va, vb);
    const __m128i c1 = _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(0, 3, 2, 1)));
    const __m128i c2 = _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m128i c3 = _mm_cmpeq_epi32(va, _mm_shuffle_epi32(vb, _MM_SHUFFLE(2, 1, 0, 3)));
    const __m128i any = _mm_or_si128(_mm_or_si128(c0, c1), _mm_or_si128(c2, c3));
    unsigned mask = static_cast<unsigned>(_mm_movemask_ps(_mm_castsi128_ps(any)));
    if (mask != 0) {
      // The rotation that matched, per lane.
      alignas(16) std::uint32_t rot[4];
      _mm_store_si128(reinterpret_cast<__m128i*>(rot),
                      _mm_or_si128(_mm_and_si128(c1, _mm_set1_epi32(1)),
                                   _mm_or_si128(_mm_and_si128(c2, _mm_set1_epi32(2)),
                                                _mm_and_si128(c3, _mm_set1_epi32(3)))));
      WriteWindowMatches<4>(mask, rot, da, i, j, docs, ia, ib, &n);
    }
    AdvanceWindows<4>(da, db, &i, &j);
  }
#endif
  while (i < na && j < nb) {
    const std::uint32_t x = da[i], y = db[j];
    docs[n] = x;
    ia[n] = static_cast<std::uint8_t>(i);
    ib[n] = static_cast<std::uint8_t>(j);
    n += x == y;
    i += x <= y;
    j += y <= x;
  }
  // Every common document below *resume has been written. When one block
  // is used up, the other's next document may already be covered (a
  // four-wide window moves on as a whole, after its matches were written),
  // so the used-up block's last document + 1 bounds it from below.
  if (i < na) {
    *resume = std::max(da[i], db[nb - 1] + 1);
  } else if (j < nb) {
    *resume = std::max(db[j], da[na - 1] + 1);
  } else {
    *resume = std::max(da[na - 1], db[nb - 1]) + 1;
  }
  a.MoveTo(std::min(i, na - 1));
  b.MoveTo(std::min(j, nb - 1));
  return n;
}

namespace {
PostingsIterator::BlockBound MakeBound(std::uint32_t last, std::uint32_t f0, std::uint32_t n0,
                                       std::uint32_t f1, std::uint32_t n1) {
  return {last, std::max(f0, f1), std::min(n0, n1), {f0, f1}, {n0, n1}};
}
}  // namespace

PostingsIterator::BlockBound PostingsIterator::ShallowBound(std::uint32_t target) {
  if (!status_.ok() || num_blocks_ == 0) return MakeBound(kNoMoreDocs, 0, 0, 0, 0);
  if (skip_bytes_.empty()) {
    return MakeBound(kNoMoreDocs - 1, info_.max_freq, info_.min_norm, info_.max_freq,
                     info_.min_norm);
  }
  auto last = [&](std::uint32_t k) {
    return DecodeFixed32(skip_bytes_.data() + std::size_t{k} * kSkipEntrySize);
  };
  std::uint32_t k = shallow_;
  if (block_ != UINT32_MAX && block_ > k) k = block_;
  while (k < num_blocks_ && last(k) < target) ++k;
  shallow_ = k;
  if (k >= num_blocks_) return MakeBound(kNoMoreDocs, 0, 0, 0, 0);
  const char* e = skip_bytes_.data() + std::size_t{k} * kSkipEntrySize;
  return MakeBound(DecodeFixed32(e), DecodeFixed32(e + 12), DecodeFixed32(e + 16),
                   DecodeFixed32(e + 20), DecodeFixed32(e + 24));
}

PostingsIterator::BlockBound PostingsIterator::CurrentBound() const {
  if (!status_.ok() || num_blocks_ == 0 || block_ >= num_blocks_) {
    return MakeBound(kNoMoreDocs, 0, 0, 0, 0);
  }
  if (skip_bytes_.empty()) {
    return MakeBound(kNoMoreDocs - 1, info_.max_freq, info_.min_norm, info_.max_freq,
                     info_.min_norm);
  }
  const char* e = skip_bytes_.data() + std::size_t{block_} * kSkipEntrySize;
  return MakeBound(DecodeFixed32(e), DecodeFixed32(e + 12), DecodeFixed32(e + 16),
                   DecodeFixed32(e + 20), DecodeFixed32(e + 24));
}

// Finds where the current document's position entries start (*at), skipping
// those of the earlier documents of this block. False (status_ set) on bad
// bytes.
bool PostingsIterator::SeekPositionsSlow(std::size_t* at_out) {
  std::size_t at = pos_cursor_;
  if (!freqs_ready_) {
    DecodeFreqs();
    if (!status_.ok()) return false;
  }
  if (pos_cursor_idx_ == idx_ + 1) {
    at = cur_pos_start_;  // positions of the current document, again
    pos_cursor_idx_ = idx_;
  }
  // Skip the entries of the documents in between by scanning bytes: an
  // entry is a varint whose lowest bit says a length varint follows. (The
  // skipped bytes are not validated here; Check() decodes every entry.)
  std::uint64_t n = 0;
  if (pos_cursor_idx_ < idx_) {
    if (info_.max_freq < (1u << 24)) {
      if (!cum_ready_) BuildCumulative();
      n = cum_[idx_] - cum_[pos_cursor_idx_];
      pos_cursor_idx_ = idx_;
    } else {
      for (; pos_cursor_idx_ < idx_; ++pos_cursor_idx_) n += freqs_[pos_cursor_idx_];
    }
  }
  const auto* base = reinterpret_cast<const std::uint8_t*>(pos_bytes_.data());
  const std::uint8_t* p = base + std::min(at, pos_bytes_.size());
  const std::uint8_t* const end = base + pos_bytes_.size();
#if defined(__SSE2__)
  if (!info_.long_tokens) {
    // No entry of this term carries a length: every byte with its top bit
    // clear ends one entry. With POPCNT and PDEP, 64 bytes at a time up to
    // the entry; else 64 bytes at a time while more entries than that are
    // to be skipped, then 16.
#if defined(QUARRY_SKIP_HW)
    if (n > 0 && g_skip_hw.load(std::memory_order_relaxed)) p = SkipUnitEntriesHw(p, end, &n);
#endif
    while (n >= 64 && end - p >= 64) {
      const auto* q = reinterpret_cast<const __m128i*>(p);
      auto top_bits = [q](int k) {  // the top bits of bytes 16k..16k+15
        return static_cast<std::uint64_t>(
                   static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_loadu_si128(q + k))))
               << (16 * k);
      };
      const std::uint64_t cont = top_bits(0) | top_bits(1) | top_bits(2) | top_bits(3);
      n -= static_cast<std::uint64_t>(util::PopCount64(~cont));  // <= 64 <= n
      p += 64;
    }
    while (n > 0 && end - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      std::uint64_t ends = ~static_cast<std::uint64_t>(_mm_movemask_epi8(v)) & 0xFFFF;
      const auto count = static_cast<std::uint64_t>(util::PopCount64(ends));
      if (count < n) {
        n -= count;
        p += 16;
        continue;
      }
      for (std::uint64_t k = 1; k < n; ++k) ends &= ends - 1;  // the n-th end
      p += std::countr_zero(ends) + 1;
      n = 0;
    }
  }
#endif
  while (n > 0) {
    // Eight bytes at a time while no entry in them carries a length: each
    // byte with its top bit clear then ends one entry. Entry starts are
    // the first byte and each byte after an end; a start whose lowest bit
    // is set has a length varint after it (then one entry is skipped
    // byte by byte).
    if (end - p >= 8) {
      std::uint64_t w;
      std::memcpy(&w, p, 8);
      const std::uint64_t ends = ~w & 0x8080808080808080ull;
      const std::uint64_t starts = ((ends >> 7) << 8) | 1u;
      if ((w & starts & 0x0101010101010101ull) == 0) {
        const auto count = static_cast<std::uint64_t>(util::PopCountByteTops(ends));
        std::uint64_t e = ends;
        if (count > n) {
          for (std::uint64_t k = 1; k < n; ++k) e &= e - 1;  // the n-th end
          p += std::countr_zero(e) / 8 + 1;
          n = 0;
        } else {  // count >= 1: a varint has at most 5 bytes
          p += (63 - std::countl_zero(e)) / 8 + 1;
          n -= count;
        }
        continue;
      }
    }
    if (p == end) return SkipFail("truncated positions", static_cast<std::size_t>(p - base));
    std::uint8_t b = *p++;
    const bool has_length = b & 1;
    while (b & 0x80) {
      if (p == end) return SkipFail("truncated positions", static_cast<std::size_t>(p - base));
      b = *p++;
    }
    if (has_length) {
      do {
        if (p == end) return SkipFail("truncated positions", static_cast<std::size_t>(p - base));
        b = *p++;
      } while (b & 0x80);
    }
    --n;
  }
  at = static_cast<std::size_t>(p - base);
  cur_pos_start_ = at;
  *at_out = at;
  return true;
}

bool PostingsIterator::SkipFail(const char* what, std::size_t at) {
  status_ = Status::Corruption(seg_->pos_name() + ": " + what + " at offset " +
                               std::to_string(info_.pos_offset + at));
  return false;
}

Status PostingsIterator::PositionsFail(const char* what, std::size_t at) {
  SkipFail(what, at);
  return status_;
}

Status PostingsIterator::Positions(std::vector<PosEntry>* out) {
  out->clear();
  if (!has_positions_ || doc_ == kNoMoreDocs) return status_;
  std::size_t at = 0;
  if (!SeekPositions(&at)) return status_;
  std::uint32_t p = 0;
  // Each entry takes at least one byte: never reserve beyond what exists.
  out->reserve(std::min<std::size_t>(freqs_[idx_], pos_bytes_.size() - std::min(at, pos_bytes_.size())));
  for (std::uint32_t i = 0; i < freqs_[idx_]; ++i) {
    std::uint32_t v, len = 1;
    if (!GetVarint32(pos_bytes_, &at, &v) ||
        ((v & 1) && (!GetVarint32(pos_bytes_, &at, &len) || len < 2))) {
      return PositionsFail("bad position", at);
    }
    if ((v >> 1) > UINT32_MAX - p) return PositionsFail("position overflow", at);
    p += v >> 1;
    out->push_back({p, len});
  }
  pos_cursor_ = at;
  pos_cursor_idx_ = idx_ + 1;
  return Status::OK();
}

Status PostingsIterator::PositionBits(std::uint64_t bits[4], bool* fits) {
  bits[0] = bits[1] = bits[2] = bits[3] = 0;
  *fits = true;
  const std::uint32_t n = has_positions_ && doc_ != kNoMoreDocs ? freq() : 0;
  if (n == 0) return status_;
  std::size_t at = 0;
  if (!SeekPositions(&at)) return status_;
  const auto* const base = reinterpret_cast<const std::uint8_t*>(pos_bytes_.data());
  const std::uint8_t* s = base + at;
  const std::uint8_t* const end = base + pos_bytes_.size();
  std::uint64_t b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  // Sets the bit of position q (none when q >= 256), without a branch.
  auto set = [&](std::uint64_t q) {
    const std::uint64_t bit = std::uint64_t{1} << (q & 63);
    const std::uint64_t word = q >> 6;
    b0 |= word == 0 ? bit : 0;
    b1 |= word == 1 ? bit : 0;
    b2 |= word == 2 ? bit : 0;
    b3 |= word == 3 ? bit : 0;
  };
  std::uint64_t p = 0;
  std::uint32_t i = 0;
  bool ok = true;
  while (i < n) {
    // Up to eight one-byte entries without lengths: no byte has its top
    // (continuation) or lowest (length) bit set. Bytes past the entries
    // are masked to gaps of 0, which set the last bit again.
    if (end - s >= 8) {
      const std::uint32_t r = std::min<std::uint32_t>(n - i, 8);
      std::uint64_t w;
      std::memcpy(&w, s, 8);
      if (r < 8) w &= (std::uint64_t{1} << (8 * r)) - 1;
      if ((w & 0x8181818181818181ull) == 0) {
        for (int k = 0; k < 8; ++k) {
          p += (w >> (8 * k + 1)) & 0x3f;
          set(p);
        }
        s += r;
        i += r;
        if (p >= 256) {
          ok = false;
          break;
        }
        continue;
      }
    }
    std::size_t off = static_cast<std::size_t>(s - base);
    std::uint32_t v;
    if (!GetVarint32(pos_bytes_, &off, &v)) return PositionsFail("bad position", off);
    s = base + off;
    p += v >> 1;
    ++i;
    if ((v & 1) || p >= 256) {  // a longer token, or past the bitmap
      ok = false;
      break;
    }
    set(p);
  }
  if (!ok) {
    *fits = false;
    pos_cursor_ = cur_pos_start_;  // the next call starts over at this document
    pos_cursor_idx_ = idx_;
    return Status::OK();
  }
  bits[0] = b0;
  bits[1] = b1;
  bits[2] = b2;
  bits[3] = b3;
  pos_cursor_ = static_cast<std::size_t>(s - base);
  pos_cursor_idx_ = idx_ + 1;
  return Status::OK();
}

bool PostingsIterator::AdjacentPair(PostingsIterator& first, PostingsIterator& second,
                                    std::vector<std::uint32_t>* scratch, bool* found,
                                    bool* unit) {
  *found = false;
  *unit = true;
  if (!first.has_positions_ || !second.has_positions_ || first.doc_ == kNoMoreDocs ||
      second.doc_ == kNoMoreDocs) {
    return first.status_.ok() && second.status_.ok();
  }
  const std::uint32_t nf = first.freq(), ns = second.freq();
  if (!first.status_.ok() || !second.status_.ok()) return false;
  if (nf == 0 || ns == 0) return true;
  // The shorter word's positions become keys: p + 1 for each of its
  // positions p. The longer word's entry q continues one when q (first
  // word shorter) or q + 2 (second word shorter) equals a key.
  const bool first_short = nf <= ns;
  PostingsIterator& s = first_short ? first : second;
  PostingsIterator& l = first_short ? second : first;
  const std::uint32_t n = first_short ? nf : ns;
  const std::uint32_t m = first_short ? ns : nf;
  std::size_t at = 0;
  if (!s.SeekPositions(&at)) return false;
  if (scratch->size() < n) scratch->resize(n);
  std::uint32_t* const keys = scratch->data();
  if (!s.DecodeUnitEntries(at, n, 1, keys, unit)) return false;
  if (!*unit) return true;  // the caller falls back
  if (!l.SeekPositions(&at)) return false;
  const auto* base = reinterpret_cast<const std::uint8_t*>(l.pos_bytes_.data());
  const std::size_t size = l.pos_bytes_.size();
  const std::uint32_t* key = keys;
  const std::uint32_t* const keys_end = keys + n;
  std::uint64_t q = first_short ? 0 : 2;
  bool complete = true;  // every entry read: the cursor can stay past them
  std::uint32_t i = 0;
  bool stop = false;
#if defined(__SSE2__)
  if (n <= 4) {
    // Up to four keys in one register: each entry of the longer word is
    // compared with all of them at once, with no merge pointer whose steps
    // the branch predictor cannot guess. One-byte entries without lengths
    // (almost all of a frequent word's); any other entry hands over to the
    // loop below, which may start its merge at the first key.
    const __m128i kv = _mm_setr_epi32(
        static_cast<int>(keys[0]), static_cast<int>(keys[std::min<std::uint32_t>(1, n - 1)]),
        static_cast<int>(keys[std::min<std::uint32_t>(2, n - 1)]),
        static_cast<int>(keys[n - 1]));
    const std::uint64_t last = keys[n - 1];
    for (; i < m && at < size; ++i) {
      const std::uint8_t b = base[at];
      if ((b & 0x81) != 0) break;
      ++at;
      q += b >> 1;
      if (q > last ||
          _mm_movemask_epi8(_mm_cmpeq_epi32(kv, _mm_set1_epi32(static_cast<int>(q)))) != 0) {
        *found = q <= last;
        complete = i + 1 == m;
        stop = true;
        break;
      }
    }
  }
#endif
  for (; !stop && i < m; ++i) {
    std::uint32_t v;
    if (at < size && base[at] < 0x80) {
      v = base[at++];
    } else if (!GetVarint32(l.pos_bytes_, &at, &v)) {
      return l.SkipFail("bad position", at);
    }
    if (v & 1) {
      *unit = false;
      complete = false;
      break;
    }
    q += v >> 1;
    while (*key < q) {
      if (++key == keys_end) break;
    }
    if (key == keys_end || *key == q) {
      *found = key != keys_end;
      complete = i + 1 == m;
      break;
    }
  }
  if (complete) {
    l.pos_cursor_ = at;
    l.pos_cursor_idx_ = l.idx_ + 1;
  } else {
    l.pos_cursor_ = l.cur_pos_start_;  // stopped early: the next call starts over here
    l.pos_cursor_idx_ = l.idx_;
  }
  return true;
}

Status PostingsIterator::UnitPositions(std::vector<std::uint32_t>* out, bool* unit) {
  *unit = true;
  const std::uint32_t n = has_positions_ && doc_ != kNoMoreDocs ? freq() : 0;
  out->resize(n);  // never larger than the document's frequency (<= its length)
  if (n == 0) {
    out->clear();
    return status_;
  }
  std::size_t at = 0;
  if (!SeekPositions(&at)) return status_;
  DecodeUnitEntries(at, n, 0, out->data(), unit);
  return status_;
}

bool PostingsIterator::DecodeUnitEntries(std::size_t at, std::uint32_t n, std::uint32_t p,
                                         std::uint32_t* dst, bool* unit) {
  const auto* base = reinterpret_cast<const std::uint8_t*>(pos_bytes_.data());
  const std::size_t size = pos_bytes_.size();
  std::uint32_t i = 0;
  // Eight one-byte entries without lengths at a time: no byte has its top
  // (continuation) or lowest (length) bit set. The position cannot
  // overflow: the eight gaps add up to at most 8 * 63.
  while (n - i >= 8 && size - at >= 8 && p <= UINT32_MAX - 8 * 63) {
    std::uint64_t w;
    std::memcpy(&w, base + at, 8);
    if ((w & 0x8181818181818181ull) != 0) break;
    for (int k = 0; k < 8; ++k) {
      p += static_cast<std::uint32_t>(w >> (8 * k + 1)) & 0x3f;
      dst[i + static_cast<std::uint32_t>(k)] = p;
    }
    i += 8;
    at += 8;
  }
  for (; i < n; ++i) {
    std::uint32_t v;
    if (at < size && base[at] < 0x80) {
      v = base[at++];
    } else if (!GetVarint32(pos_bytes_, &at, &v)) {
      return SkipFail("bad position", at);
    }
    if (v & 1) {
      *unit = false;  // a token longer than one position
      pos_cursor_ = cur_pos_start_;  // the next reader starts over at this document
      pos_cursor_idx_ = idx_;
      return true;
    }
    if ((v >> 1) > UINT32_MAX - p) return SkipFail("position overflow", at);
    p += v >> 1;
    dst[i] = p;
  }
  pos_cursor_ = at;
  pos_cursor_idx_ = idx_ + 1;
  return true;
}

// ---- DeleteSet ---------------------------------------------------------------

Result<std::shared_ptr<const DeleteSet>> DeleteSet::Load(
    store::Directory* dir, const SegmentMeta& meta, std::uint64_t gen,
    std::uint32_t expected_count) {
  const std::string name = DeletesFile(meta.number, gen);
  auto f = dir->Open(name);
  if (!f.ok()) return f.status();
  const std::string_view bytes = (*f)->bytes();
  auto body = CheckFraming(bytes, name, kKindDeletes, &meta.id);
  if (!body.ok()) return body.status();
  QUARRY_RETURN_IF_ERROR(VerifyChecksum(bytes, name));
  Reader r(*body);
  std::uint32_t max_doc, count;
  std::string_view bitmap;
  if (!r.ReadFixed32(&max_doc) || !r.ReadFixed32(&count) || max_doc != meta.max_doc ||
      count != expected_count || !r.ReadBytes((std::size_t{max_doc} + 7) / 8, &bitmap) ||
      r.remaining() != 0) {
    return Status::Corruption(name + ": bad deletions header at offset " +
                              std::to_string(kHeaderSize));
  }
  auto d = std::make_shared<DeleteSet>(max_doc);
  for (std::uint32_t doc = 0; doc < max_doc; ++doc) {
    if ((static_cast<std::uint8_t>(bitmap[doc >> 3]) >> (doc & 7)) & 1u) d->Delete(doc);
  }
  if (d->count() != count) {
    return Status::Corruption(name + ": deletion count mismatch at offset " +
                              std::to_string(kHeaderSize + 4));
  }
  return std::shared_ptr<const DeleteSet>(std::move(d));
}

Status DeleteSet::Write(store::Directory* dir, const SegmentMeta& meta,
                        std::uint64_t gen) const {
  std::string out;
  PutHeader(&out, kKindDeletes, meta.id);
  PutFixed32(&out, max_doc_);
  PutFixed32(&out, count_);
  std::string bitmap((std::size_t{max_doc_} + 7) / 8, '\0');
  for (std::uint32_t doc = 0; doc < max_doc_; ++doc) {
    if (IsDeleted(doc)) bitmap[doc >> 3] = static_cast<char>(bitmap[doc >> 3] | (1 << (doc & 7)));
  }
  out += bitmap;
  PutFooter(&out);
  const std::string name = DeletesFile(meta.number, gen);
  dir->Remove(name).IgnoreError();  // a leftover from a failed attempt
  auto f = dir->Create(name);
  if (!f.ok()) return f.status();
  QUARRY_RETURN_IF_ERROR((*f)->Append(out));
  QUARRY_RETURN_IF_ERROR((*f)->Sync());
  return (*f)->Close();
}

}  // namespace quarry::index
