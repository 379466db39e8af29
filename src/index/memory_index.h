// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The writer's in-memory buffer: documents analyzed but not yet in a segment.
// Analysis (the expensive part) produces an AnalyzedDocument on any thread:
// besides the raw token occurrences it groups them by term (one entry per
// distinct term of the document, with the key's hash and the term's positions
// already in the segment's .pos encoding), so that the writer's thread does
// as little as possible. The MemoryIndex then inverts it on the writer's
// thread: each distinct term key is looked up once per document in an
// open-addressing table (8-byte slots: 32 hash bits and the term index;
// keys in an arena), and the posting (doc gap, frequency, position bytes)
// is appended to the term's stream, a chain of slices in large shared
// blocks. Flush() sorts the terms and streams
// them through a SegmentWriter, copying the position bytes verbatim.
#ifndef QUARRY_SRC_INDEX_MEMORY_INDEX_H_
#define QUARRY_SRC_INDEX_MEMORY_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/segment_format.h"
#include "quarry/analyzer.h"
#include "quarry/schema.h"
#include "store/directory.h"
#include "util/large_alloc.h"

namespace quarry::index {

// One document, analyzed: term occurrences, field lengths, stored bytes.
struct AnalyzedDocument {
  std::string id;
  std::string stored;                   // stored-document form (no id)
  std::vector<std::uint32_t> lengths;   // per schema field (text: positions)
  std::string keys;                     // concatenated term keys
  struct Occurrence {
    std::uint32_t key_offset, key_length;
    std::uint32_t position, length;     // length 0: no positions
  };
  std::vector<Occurrence> occurrences;  // in the order the analyzers made them
  // The distinct terms of the document, in order of first occurrence: key
  // (in `keys`), HashKey(key), frequency, and the term's positions in the
  // .pos encoding (segment_writer.cc) in `positions`, empty for terms
  // without positions. Bytes of `positions` past the terms' are scratch.
  struct Term {
    std::uint32_t key_offset, key_length;
    std::uint64_t hash;
    std::uint32_t freq;
    std::uint32_t pos_offset, pos_length;
  };
  std::vector<Term> terms;
  std::string positions;
};

// The hash of a term key used to group and intern terms.
std::uint64_t HashKey(std::string_view key);

// Analyzes documents for one schema. Not thread-safe; one per thread.
class DocumentAnalyzer {
 public:
  static Result<DocumentAnalyzer> Create(std::shared_ptr<const Schema> schema);
  Status Analyze(const Document& doc, AnalyzedDocument* out);

 private:
  DocumentAnalyzer() = default;
  // Fills out->terms and out->positions from out->occurrences.
  void GroupTerms(AnalyzedDocument* out);

  std::shared_ptr<const Schema> schema_;
  std::vector<std::unique_ptr<Analyzer>> analyzers_;  // per field (text only)
  // Scratch for GroupTerms: an open-addressing table of term index + 1
  // (0: empty), the slots used; per term its first and last occurrence,
  // per occurrence the next one of its term.
  std::vector<std::uint32_t> table_;
  std::vector<std::uint32_t> used_slots_;
  std::vector<std::uint32_t> first_;
  std::vector<std::uint32_t> last_;
  std::vector<std::uint32_t> next_;
  std::vector<std::uint32_t> next_pos_;  // Analyze: next position per field
};

// Not thread-safe.
class MemoryIndex {
 public:
  explicit MemoryIndex(std::shared_ptr<const Schema> schema);
  ~MemoryIndex();
  MemoryIndex(const MemoryIndex&) = delete;
  MemoryIndex& operator=(const MemoryIndex&) = delete;

  // Adds a document (as DocumentAnalyzer made it: the id's term first);
  // returns its number in this buffer.
  std::uint32_t Add(const AnalyzedDocument& doc);
  // Marks a buffered document deleted (it is left out at flush).
  void Delete(std::uint32_t doc);
  // The buffered document with this id, or -1.
  std::int64_t Find(std::string_view id) const;

  std::uint32_t num_docs() const { return static_cast<std::uint32_t>(ids_.size()); }
  std::uint32_t live_docs() const;
  // Every byte the buffer holds: arena, posting blocks, tables.
  std::size_t memory_bytes() const { return memory_; }

  // Writes the live documents as segment `number`. The caller clears or
  // discards the MemoryIndex afterwards.
  Result<SegmentMeta> Flush(store::Directory* dir, std::uint64_t number,
                            int compression_level) const;

 private:
  // A term's postings are a chain of slices in blocks_: each slice holds
  // payload bytes and, in its last kLinkBytes, the address of the next slice
  // (written when the slice is full). Slices grow with each link up to
  // kMaxSliceLevel. The stream is DocGap:varint Freq:varint PosBytes, per
  // document, where the first gap is doc + 1.
  struct Term {
    const char* key;       // in arena_
    char* head;            // first slice
    char* tail;            // where the next byte goes
    char* end;             // end of the current slice's payload
    std::uint32_t key_length;
    std::uint32_t last_doc = 0;
    std::uint32_t df = 0;
    std::uint8_t level = 0;  // of the current slice
  };
  // 8 bytes, so that the table (far larger than the caches) costs fewer
  // cache lines and pages; the key is in the term. The slot index and the
  // check both come from the hash's low 32 bits (a table of more than 2^32
  // slots would only probe longer).
  struct Slot {
    std::uint32_t hash32;     // the low 32 bits of the key's hash
    std::uint32_t term;       // index + 1; 0: empty
  };
  static constexpr std::size_t kLinkBytes = sizeof(char*);
  static constexpr int kMaxSliceLevel = 7;
  static constexpr std::size_t SliceBytes(int level) { return std::size_t{16} << level; }

  struct SortableTerm {
    std::uint64_t word;   // key bytes [depth, depth + 8), big-endian
    std::uint32_t count;  // how many of them exist; 9: the key goes on
    std::uint32_t id;     // in terms_
  };
  void SortTerms(SortableTerm* begin, SortableTerm* end, std::size_t depth) const;

  Term& Intern(std::string_view key, std::uint64_t hash);
  // Intern's new term, to go in the empty slot i (unless the table grows).
  [[gnu::noinline]] Term& AddTerm(std::string_view key, std::uint32_t hash32, std::size_t i);
  // The term with this key, or null.
  const Term* Lookup(std::string_view key, std::uint64_t hash) const;
  void GrowTable();
  char* NewSlice(std::size_t bytes);
  void Append(Term& t, const char* data, std::size_t n);
  // The term's postings stream: in place when it is one slice, else
  // copied out of its slices into *scratch.
  std::string_view Gather(const Term& t, std::string* scratch) const;
  std::string_view Copy(std::string_view bytes);

  // A new arena chunk or postings block: `base` bytes, or a quarter of
  // what the buffer holds when that is more, up to kLargeBytes (large
  // buffers get huge pages: util/large_alloc.h; a buffer of 8 MiB or more
  // gets only 2 MiB blocks).
  char* NewBlock(std::size_t base, std::size_t* size);
  void ReserveBlock();

  std::shared_ptr<const Schema> schema_;
  std::vector<std::pair<char*, std::size_t>> blocks_;  // arena chunks and postings blocks
  std::size_t arena_left_ = 0;
  char* arena_next_ = nullptr;
  std::size_t block_left_ = 0;
  char* block_next_ = nullptr;
  // Power-of-two size, at most half full.
  std::vector<Slot, LargeAllocator<Slot>> table_;
  std::vector<Term, LargeAllocator<Term>> terms_;
  std::vector<std::string_view> ids_;  // in arena_ (the id terms' keys)
  std::vector<bool> deleted_;
  std::vector<std::string_view> stored_;  // in arena_
  std::vector<std::vector<std::uint32_t>> lengths_;  // per field, per doc
  std::size_t memory_ = 0;
};

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_MEMORY_INDEX_H_
