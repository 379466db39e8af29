// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "index/memory_index.h"

// XXH3, header-only: see cmake/QuarryDependencies.cmake.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "index/segment_writer.h"
#include "util/coding.h"
#include "util/fast_varint.h"

namespace quarry::index {
namespace {

constexpr std::size_t kMaxIdBytes = 512;
constexpr std::size_t kMaxKeywordBytes = 512;
constexpr std::size_t kArenaChunk = 256 << 10;
constexpr std::size_t kBlockBytes = 64 << 10;  // postings slices

// EncodeVarint32 (util/coding.h), inline for the per-posting loop.
inline char* PutVarint32Inline(char* dst, std::uint32_t v) {
  while (v >= 0x80) {
    *dst++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *dst++ = static_cast<char>(v);
  return dst;
}

// The bytes of v as a varint (PutVarint32Inline).
inline std::size_t VarintLength32(std::uint32_t v) {
  return 1 + static_cast<std::size_t>((31 - std::countl_zero(v | 1)) / 7);
}

// Whether the n bytes at a and b are equal. Term keys are short: up to 16
// bytes this is two overlapping loads from each side (never reading outside
// [a, a + n) or [b, b + n)) instead of a call to memcmp.
inline bool KeyBytesEqual(const char* a, const char* b, std::size_t n) {
  if (n >= 8) {
    if (n > 16) return std::memcmp(a, b, n) == 0;
    std::uint64_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 8);
    std::memcpy(&b0, b, 8);
    std::memcpy(&a1, a + n - 8, 8);
    std::memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  if (n >= 4) {
    std::uint32_t a0, a1, b0, b1;
    std::memcpy(&a0, a, 4);
    std::memcpy(&b0, b, 4);
    std::memcpy(&a1, a + n - 4, 4);
    std::memcpy(&b1, b + n - 4, 4);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// memcpy(dst, src, n) for term bytes, most of them short: up to 16 bytes
// as two overlapping loads and stores (reading only [src, src + n)).
inline void CopyKeyBytes(char* dst, const char* src, std::size_t n) {
  if (n >= 8) {
    if (n > 16) {
      std::memcpy(dst, src, n);
      return;
    }
    std::uint64_t a, b;
    std::memcpy(&a, src, 8);
    std::memcpy(&b, src + n - 8, 8);
    std::memcpy(dst, &a, 8);
    std::memcpy(dst + n - 8, &b, 8);
  } else if (n >= 4) {
    std::uint32_t a, b;
    std::memcpy(&a, src, 4);
    std::memcpy(&b, src + n - 4, 4);
    std::memcpy(dst, &a, 4);
    std::memcpy(dst + n - 4, &b, 4);
  } else {
    for (std::size_t i = 0; i < n; ++i) dst[i] = src[i];
  }
}

// Appends each token's key to out->keys and its occurrence. The keys string
// is grown ahead in large steps and written through its data(), so a token
// costs no string append; the destructor cuts it to the bytes written.
class OccurrenceSink : public TokenSink {
 public:
  OccurrenceSink(AnalyzedDocument* out, std::size_t field)
      : out_(out), field_(field), size_(out->keys.size()) {}
  ~OccurrenceSink() override { out_->keys.resize(size_); }
  OccurrenceSink(const OccurrenceSink&) = delete;
  OccurrenceSink& operator=(const OccurrenceSink&) = delete;

  void OnToken(const TokenView& t) override {
    const bool stem = t.kind == TokenKind::kStem;
    std::string& keys = out_->keys;
    const std::size_t off = size_;
    const std::size_t length = 1 + t.term.size();
    if (length > keys.size() - off) {
      keys.resize(std::max(off + length, 2 * keys.size() + 256));
    }
    char* const dst = keys.data() + off;
    dst[0] = static_cast<char>(FieldKeyByte(field_) | (stem ? kStemFlag : 0));
    CopyKeyBytes(dst + 1, t.term.data(), t.term.size());
    size_ = off + length;
    out_->occurrences.push_back(
        {static_cast<std::uint32_t>(off), static_cast<std::uint32_t>(length), t.position,
         stem ? 0u : t.position_length});
    end_ = std::max(end_, t.position + t.position_length);
  }
  std::uint32_t end() const { return end_; }

 private:
  AnalyzedDocument* out_;
  std::size_t field_;
  std::size_t size_;  // bytes of out_->keys in use
  std::uint32_t end_ = 0;
};

}  // namespace

std::uint64_t HashKey(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

Result<DocumentAnalyzer> DocumentAnalyzer::Create(
    std::shared_ptr<const Schema> schema) {
  DocumentAnalyzer d;
  d.schema_ = std::move(schema);
  for (const FieldSpec& f : d.schema_->fields()) {
    if (f.kind == FieldKind::kText) {
      auto a = Analyzer::Create(f.analyzer);
      if (!a.ok()) return a.status();
      d.analyzers_.push_back(std::make_unique<Analyzer>(std::move(a).value()));
    } else {
      d.analyzers_.push_back(nullptr);
    }
  }
  return d;
}

Status DocumentAnalyzer::Analyze(const Document& doc, AnalyzedDocument* out) {
  if (doc.id.empty() || doc.id.size() > kMaxIdBytes) {
    return Status::InvalidArgument("document id must be 1-512 bytes, got " +
                                   std::to_string(doc.id.size()));
  }
  const auto& fields = schema_->fields();
  out->id = doc.id;
  out->stored.clear();
  out->keys.clear();
  out->occurrences.clear();
  out->lengths.assign(fields.size(), 0);
  out->keys.push_back(static_cast<char>(kIdKeyByte));  // IdKey(doc.id)
  out->keys.append(doc.id);
  out->occurrences.push_back({0, static_cast<std::uint32_t>(out->keys.size()), 0, 0});
  std::vector<std::uint32_t>& next_pos = next_pos_;
  next_pos.assign(fields.size(), 0);
  for (const auto& [name, value] : doc.fields) {
    const auto f = schema_->Find(name);
    if (!f) {
      return Status::InvalidArgument("document '" + doc.id + "': unknown field '" +
                                     name + "'");
    }
    const FieldSpec& spec = fields[*f];
    if (spec.stored || spec.kind == FieldKind::kStored) {
      AppendStoredField(&out->stored, static_cast<std::uint32_t>(*f + 1), value);
    }
    if (spec.kind == FieldKind::kText) {
      OccurrenceSink sink(out, *f);
      const std::uint32_t base = next_pos[*f];
      QUARRY_RETURN_IF_ERROR(analyzers_[*f]->Analyze(value, sink, base));
      if (sink.end() > base) {
        out->lengths[*f] += sink.end() - base;
        if (sink.end() > kMaxPosition - 2 * kValueGap) {
          return Status::InvalidArgument("document '" + doc.id + "': field '" +
                                         name + "' has too many positions");
        }
        next_pos[*f] = sink.end() + kValueGap;
      }
    } else if (spec.kind == FieldKind::kKeyword) {
      if (value.empty() || value.size() > kMaxKeywordBytes) {
        return Status::InvalidArgument("document '" + doc.id + "': keyword field '" +
                                       name + "' values must be 1-512 bytes");
      }
      const auto off = static_cast<std::uint32_t>(out->keys.size());
      out->keys += TermKey(*f, value);
      out->occurrences.push_back(
          {off, static_cast<std::uint32_t>(out->keys.size() - off), 0, 0});
    }
  }
  GroupTerms(out);
  return Status::OK();
}

void DocumentAnalyzer::GroupTerms(AnalyzedDocument* out) {
  const AnalyzedDocument::Occurrence* const occ = out->occurrences.data();
  const std::size_t n = out->occurrences.size();
  auto& terms = out->terms;
  terms.clear();
  if (table_.size() < 2 * n) {
    table_.assign(std::bit_ceil(std::max<std::size_t>(64, 2 * n)), 0);
  }
  const std::size_t mask = table_.size() - 1;
  std::uint32_t* const table = table_.data();
  const char* const keys = out->keys.data();  // offsets were checked as they were made
  // Each term's occurrences as a chain: its first and last occurrence, and
  // each occurrence's next one of the same term (grown only, never cleared:
  // every entry read is written first).
  if (next_.size() < n) {
    next_.resize(n);
    first_.resize(n);
    last_.resize(n);
  }
  std::uint32_t* const next = next_.data();
  std::uint32_t* const first = first_.data();
  std::uint32_t* const last = last_.data();
  used_slots_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t key_offset = occ[i].key_offset, key_length = occ[i].key_length;
    const char* const key = keys + key_offset;
    const std::uint64_t h = XXH3_64bits(key, key_length);  // HashKey
    std::size_t slot = h & mask;
    std::uint32_t term;
    for (;;) {
      const std::uint32_t e = table[slot];
      if (e == 0) {
        terms.push_back({key_offset, key_length, h, 0, 0, 0});
        term = static_cast<std::uint32_t>(terms.size() - 1);
        table[slot] = term + 1;
        used_slots_.push_back(static_cast<std::uint32_t>(slot));
        first[term] = static_cast<std::uint32_t>(i);
        break;
      }
      const AnalyzedDocument::Term& t = terms[e - 1];
      if (t.hash == h && t.key_length == key_length &&
          KeyBytesEqual(keys + t.key_offset, key, key_length)) {
        term = e - 1;
        next[last[term]] = static_cast<std::uint32_t>(i);
        break;
      }
      slot = (slot + 1) & mask;
    }
    last[term] = static_cast<std::uint32_t>(i);
    ++terms[term].freq;
  }
  for (std::uint32_t slot : used_slots_) table[slot] = 0;
  // Each term's positions, its occurrences in their original order along
  // its chain, encoded (at most two varints per occurrence: the buffer is
  // grown to that, and never cut, so that it is not cleared again for every
  // document).
  if (out->positions.size() < 2 * kMaxVarint32Bytes * n) {
    out->positions.resize(2 * kMaxVarint32Bytes * n);
  }
  char* const base = out->positions.data();
  char* p = base;
  for (std::size_t ti = 0; ti < terms.size(); ++ti) {
    AnalyzedDocument::Term& t = terms[ti];
    t.pos_offset = static_cast<std::uint32_t>(p - base);
    std::uint32_t i = first[ti];
    if (occ[i].length > 0) {
      std::uint32_t prev = 0;
      for (std::uint32_t j = 0;;) {
        const auto& o = occ[i];
        p = PutVarint32Inline(p, ((o.position - prev) << 1) | (o.length > 1 ? 1u : 0u));
        if (o.length > 1) p = PutVarint32Inline(p, o.length);
        prev = o.position;
        if (++j == t.freq) break;
        i = next[i];
      }
    }
    t.pos_length = static_cast<std::uint32_t>(p - base) - t.pos_offset;
  }
}

MemoryIndex::MemoryIndex(std::shared_ptr<const Schema> schema)
    : schema_(std::move(schema)), table_(1024), lengths_(schema_->fields().size()) {
  memory_ += table_.size() * sizeof(Slot);
}

MemoryIndex::~MemoryIndex() {
  for (const auto& [p, size] : blocks_) FreeLarge(p, size);
}

// Room for one more block before allocating it, so that recording it cannot
// throw and leak it.
void MemoryIndex::ReserveBlock() {
  if (blocks_.size() == blocks_.capacity()) blocks_.reserve(2 * blocks_.size() + 16);
}

char* MemoryIndex::NewBlock(std::size_t base, std::size_t* size) {
  *size = std::max(base, std::min(kLargeBytes, memory_ / 4));
  ReserveBlock();
  char* p = static_cast<char*>(AllocateLarge(*size));
  blocks_.emplace_back(p, *size);
  memory_ += *size;
  return p;
}

std::string_view MemoryIndex::Copy(std::string_view bytes) {
  if (bytes.size() > arena_left_) {
    if (bytes.size() > kArenaChunk / 4) {
      // A large value gets a chunk of its own; the current chunk stays.
      ReserveBlock();
      char* p = static_cast<char*>(AllocateLarge(bytes.size()));
      blocks_.emplace_back(p, bytes.size());
      memory_ += bytes.size();
      std::memcpy(p, bytes.data(), bytes.size());
      return std::string_view(p, bytes.size());
    }
    arena_next_ = NewBlock(kArenaChunk, &arena_left_);
  }
  if (!bytes.empty()) std::memcpy(arena_next_, bytes.data(), bytes.size());
  std::string_view v(arena_next_, bytes.size());
  arena_next_ += bytes.size();
  arena_left_ -= bytes.size();
  return v;
}

char* MemoryIndex::NewSlice(std::size_t bytes) {
  if (bytes > block_left_) {
    block_next_ = NewBlock(kBlockBytes, &block_left_);
  }
  char* s = block_next_;
  block_next_ += bytes;
  block_left_ -= bytes;
  return s;
}

void MemoryIndex::Append(Term& t, const char* data, std::size_t n) {
  while (n > 0) {
    if (t.tail == t.end) {
      if (t.level < kMaxSliceLevel) ++t.level;
      const std::size_t size = SliceBytes(t.level);
      char* next = NewSlice(size);
      std::memcpy(t.end, &next, kLinkBytes);
      t.tail = next;
      t.end = next + size - kLinkBytes;
    }
    const std::size_t k = std::min(n, static_cast<std::size_t>(t.end - t.tail));
    std::memcpy(t.tail, data, k);
    t.tail += k;
    data += k;
    n -= k;
  }
}

std::string_view MemoryIndex::Gather(const Term& t, std::string* scratch) const {
  const char* slice = t.head;
  int level = 0;
  const char* payload_end = slice + SliceBytes(level) - kLinkBytes;
  if (payload_end == t.end) {
    // One slice (most terms): the stream is in place.
    return std::string_view(slice, static_cast<std::size_t>(t.tail - slice));
  }
  scratch->clear();
  for (;;) {
    if (payload_end == t.end) {
      scratch->append(slice, static_cast<std::size_t>(t.tail - slice));
      return *scratch;
    }
    scratch->append(slice, static_cast<std::size_t>(payload_end - slice));
    std::memcpy(&slice, payload_end, kLinkBytes);
    if (level < kMaxSliceLevel) ++level;
    payload_end = slice + SliceBytes(level) - kLinkBytes;
  }
}

void MemoryIndex::GrowTable() {
  std::vector<Slot, LargeAllocator<Slot>> bigger(table_.size() * 2);
  const std::size_t mask = bigger.size() - 1;
  for (const Slot& s : table_) {
    if (s.term == 0) continue;
    std::size_t i = s.hash32 & mask;
    while (bigger[i].term != 0) i = (i + 1) & mask;
    bigger[i] = s;
  }
  memory_ += (bigger.size() - table_.size()) * sizeof(Slot);
  table_.swap(bigger);
}

inline MemoryIndex::Term& MemoryIndex::Intern(std::string_view key, std::uint64_t hash) {
  const auto hash32 = static_cast<std::uint32_t>(hash);
  const std::size_t mask = table_.size() - 1;
  std::size_t i = hash32 & mask;
  for (;;) {
    const Slot& s = table_[i];
    if (s.term == 0) break;
    if (s.hash32 == hash32) {
      Term& t = terms_[s.term - 1];
      if (t.key_length == key.size() && KeyBytesEqual(t.key, key.data(), key.size())) {
        return t;
      }
    }
    i = (i + 1) & mask;
  }
  return AddTerm(key, hash32, i);
}

MemoryIndex::Term& MemoryIndex::AddTerm(std::string_view key, std::uint32_t hash32,
                                        std::size_t i) {
  if (2 * (terms_.size() + 1) > table_.size()) {
    GrowTable();
    const std::size_t mask = table_.size() - 1;
    i = hash32 & mask;
    while (table_[i].term != 0) i = (i + 1) & mask;
  }
  const std::string_view copy = Copy(key);
  Term t;
  t.key = copy.data();
  t.key_length = static_cast<std::uint32_t>(copy.size());
  t.head = t.tail = NewSlice(SliceBytes(0));
  t.end = t.head + SliceBytes(0) - kLinkBytes;
  const std::size_t capacity = terms_.capacity();
  terms_.push_back(t);
  memory_ += (terms_.capacity() - capacity) * sizeof(Term);
  table_[i] = {hash32, static_cast<std::uint32_t>(terms_.size())};
  return terms_.back();
}

const MemoryIndex::Term* MemoryIndex::Lookup(std::string_view key,
                                             std::uint64_t hash) const {
  const auto hash32 = static_cast<std::uint32_t>(hash);
  const std::size_t mask = table_.size() - 1;
  for (std::size_t i = hash32 & mask;; i = (i + 1) & mask) {
    const Slot& s = table_[i];
    if (s.term == 0) return nullptr;
    if (s.hash32 != hash32) continue;
    const Term& t = terms_[s.term - 1];
    if (t.key_length == key.size() && std::memcmp(t.key, key.data(), key.size()) == 0) {
      return &t;
    }
  }
}

std::int64_t MemoryIndex::Find(std::string_view id) const {
  // The id's term lists every buffered document with this id; only the
  // last can be live (an Update deletes the earlier ones).
  const std::string key = IdKey(id);
  const Term* t = Lookup(key, HashKey(key));
  if (t == nullptr || t->df == 0 || deleted_[t->last_doc]) return -1;
  return t->last_doc;
}

void MemoryIndex::Delete(std::uint32_t doc) { deleted_[doc] = true; }

std::uint32_t MemoryIndex::live_docs() const {
  return static_cast<std::uint32_t>(
      std::count(deleted_.begin(), deleted_.end(), false));
}

std::uint32_t MemoryIndex::Add(const AnalyzedDocument& doc) {
  const auto n = static_cast<std::uint32_t>(ids_.size());
  deleted_.push_back(false);
  stored_.push_back(Copy(doc.stored));
  // The per-document vectors (amortized).
  memory_ += 40;
  for (std::size_t f = 0; f < lengths_.size(); ++f) {
    if (schema_->fields()[f].kind == FieldKind::kText) {
      lengths_[f].push_back(doc.lengths[f]);
      memory_ += 4;
    }
  }
  const std::string_view keys(doc.keys);
  char head[2 * kMaxVarint32Bytes];
  // The hashes are known in advance: fetch the table slot of the term a few
  // places ahead while this one is interned (the table is far larger than
  // the caches, so nearly every lookup of a rare term misses).
  constexpr std::size_t kPrefetchAhead = 8;
  const std::size_t num_terms = doc.terms.size();
  for (std::size_t k = 0; k < num_terms; ++k) {
    if (k + kPrefetchAhead < num_terms) {
      __builtin_prefetch(&table_[doc.terms[k + kPrefetchAhead].hash & (table_.size() - 1)]);
    }
    if (k + kPrefetchAhead / 2 < num_terms) {
      // That slot has arrived by now: fetch its term (usually the one).
      const Slot& s = table_[doc.terms[k + kPrefetchAhead / 2].hash & (table_.size() - 1)];
      if (s.term != 0) __builtin_prefetch(&terms_[s.term - 1]);
    }
    const AnalyzedDocument::Term& dt = doc.terms[k];
    Term& t = Intern(keys.substr(dt.key_offset, dt.key_length), dt.hash);
    if (k == 0) {
      // The id's term comes first (DocumentAnalyzer::Analyze): its key in
      // the arena, after the namespace byte, is the id.
      ids_.emplace_back(t.key + 1, t.key_length - 1);
    }
    const std::uint32_t gap = t.df == 0 ? n + 1 : n - t.last_doc;
    // Room for two full-size varints, or else (a term's first slice has only
    // 8 bytes) for the posting's exact size.
    const auto room = static_cast<std::size_t>(t.end - t.tail);
    if (room >= 2 * kMaxVarint32Bytes + dt.pos_length ||
        room >= VarintLength32(gap) + VarintLength32(dt.freq) + dt.pos_length) {
      // Usually the slice has room for the whole posting: write it in place.
      char* p = PutVarint32Inline(t.tail, gap);
      p = PutVarint32Inline(p, dt.freq);
      const char* pos = doc.positions.data() + dt.pos_offset;
      if (dt.pos_length <= 16) {
        for (std::uint32_t i = 0; i < dt.pos_length; ++i) p[i] = pos[i];
      } else {
        std::memcpy(p, pos, dt.pos_length);
      }
      t.tail = p + dt.pos_length;
    } else {
      char* p = PutVarint32Inline(head, gap);
      p = PutVarint32Inline(p, dt.freq);
      Append(t, head, static_cast<std::size_t>(p - head));
      Append(t, doc.positions.data() + dt.pos_offset, dt.pos_length);
    }
    t.last_doc = n;
    ++t.df;
  }
  return n;
}

// Sorts terms whose keys share their first `depth` bytes by 8 key bytes at a
// time, as a big-endian number (zero-padded past the end) plus how many of
// the 8 bytes exist (9: more follow). That pair orders keys as their bytes
// do (a zero-padded key that ties is a prefix of the other, and the shorter
// count sorts first), and two distinct keys tie only when both go on past
// the 8 bytes: each such run is sorted by its next 8 bytes. So comparisons
// never go to the keys in the arena (ids and other keys with long common
// prefixes made a string comparison of most pairs).
void MemoryIndex::SortTerms(SortableTerm* begin, SortableTerm* end, std::size_t depth) const {
  for (SortableTerm* s = begin; s != end; ++s) {
    const Term& t = terms_[s->id];
    const std::size_t left = t.key_length - depth;  // keys in the range are longer than depth
    const std::size_t n = std::min<std::size_t>(8, left);
    std::uint64_t word = 0;
    for (std::size_t j = 0; j < n; ++j) {
      word |= std::uint64_t{static_cast<unsigned char>(t.key[depth + j])} << (56 - 8 * j);
    }
    s->word = word;
    s->count = static_cast<std::uint32_t>(std::min<std::size_t>(9, left));
  }
  std::sort(begin, end, [](const SortableTerm& a, const SortableTerm& b) {
    return a.word != b.word ? a.word < b.word : a.count < b.count;
  });
  for (SortableTerm* run = begin; run != end;) {
    SortableTerm* next = run + 1;
    while (next != end && next->word == run->word && next->count == run->count) ++next;
    if (next - run > 1 && run->count == 9) SortTerms(run, next, depth + 8);
    run = next;
  }
}

Result<SegmentMeta> MemoryIndex::Flush(store::Directory* dir, std::uint64_t number,
                                       int compression_level) const {
  const std::uint32_t total = num_docs();
  std::vector<std::uint32_t> remap(total, kNoMoreDocs);
  std::uint32_t live = 0;
  for (std::uint32_t d = 0; d < total; ++d) {
    if (!deleted_[d]) remap[d] = live++;
  }
  auto writer = SegmentWriter::Create(dir, number, schema_.get(), live, compression_level);
  if (!writer.ok()) return writer.status();
  SegmentWriter& w = **writer;

  // Terms in key order (SortTerms).
  std::vector<SortableTerm> sorted(terms_.size());
  for (std::uint32_t i = 0; i < sorted.size(); ++i) sorted[i].id = i;
  SortTerms(sorted.data(), sorted.data() + sorted.size(), 0);
  std::string stream;
  for (std::size_t ti = 0; ti < sorted.size(); ++ti) {
    // The terms are visited at random: fetch ahead.
    if (ti + 8 < sorted.size()) __builtin_prefetch(&terms_[sorted[ti + 8].id]);
    if (ti + 4 < sorted.size()) {
      const Term& ahead = terms_[sorted[ti + 4].id];
      __builtin_prefetch(ahead.key);
      __builtin_prefetch(ahead.head);
    }
    const Term& t = terms_[sorted[ti].id];
    const std::string_view key(t.key, t.key_length);
    const int norm_field = KeyNormField(*schema_, key);
    QUARRY_RETURN_IF_ERROR(w.AddBufferedTerm(
        key, Gather(t, &stream), t.df, remap.data(), total,
        norm_field >= 0 ? lengths_[static_cast<std::size_t>(norm_field)].data() : nullptr));
  }
  std::vector<std::uint32_t> lengths;
  for (std::size_t f = 0; f < lengths_.size(); ++f) {
    if (schema_->fields()[f].kind != FieldKind::kText) continue;
    lengths.clear();
    for (std::uint32_t d = 0; d < total; ++d) {
      if (!deleted_[d]) lengths.push_back(lengths_[f][d]);
    }
    QUARRY_RETURN_IF_ERROR(w.AddNorms(f, lengths));
  }
  for (std::uint32_t d = 0; d < total; ++d) {
    if (!deleted_[d]) QUARRY_RETURN_IF_ERROR(w.AddStored(ids_[d], stored_[d]));
  }
  return w.Finish();
}

}  // namespace quarry::index
