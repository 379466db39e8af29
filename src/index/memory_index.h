// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The writer's in-memory buffer: documents analyzed but not yet in a segment.
// Analysis (the expensive part) produces an AnalyzedDocument on any thread;
// the MemoryIndex then inverts it on the writer's thread: each term key is
// interned once, and its postings (doc gaps, frequencies, positions) are
// appended to a per-term byte stream. Flush() sorts the terms and streams
// them through a SegmentWriter.
#ifndef QUARRY_SRC_INDEX_MEMORY_INDEX_H_
#define QUARRY_SRC_INDEX_MEMORY_INDEX_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "index/segment_format.h"
#include "quarry/analyzer.h"
#include "quarry/schema.h"
#include "store/directory.h"

namespace quarry::index {

// One document, analyzed: term occurrences, field lengths, stored bytes.
struct AnalyzedDocument {
  std::string id;
  std::string stored;                   // stored-document form
  std::vector<std::uint32_t> lengths;   // per schema field (text: positions)
  std::string keys;                     // concatenated term keys
  struct Occurrence {
    std::uint32_t key_offset, key_length;
    std::uint32_t position, length;     // length 0: no positions
  };
  std::vector<Occurrence> occurrences;
};

// Analyzes documents for one schema. Not thread-safe; one per thread.
class DocumentAnalyzer {
 public:
  static Result<DocumentAnalyzer> Create(std::shared_ptr<const Schema> schema);
  Status Analyze(const Document& doc, AnalyzedDocument* out);

 private:
  DocumentAnalyzer() = default;
  std::shared_ptr<const Schema> schema_;
  std::vector<std::unique_ptr<Analyzer>> analyzers_;  // per field (text only)
};

// Not thread-safe.
class MemoryIndex {
 public:
  explicit MemoryIndex(std::shared_ptr<const Schema> schema);

  // Adds a document; returns its number in this buffer.
  std::uint32_t Add(const AnalyzedDocument& doc);
  // Marks a buffered document deleted (it is left out at flush).
  void Delete(std::uint32_t doc);
  // The buffered document with this id, or -1.
  std::int64_t Find(std::string_view id) const;

  std::uint32_t num_docs() const { return static_cast<std::uint32_t>(ids_.size()); }
  std::uint32_t live_docs() const;
  std::size_t memory_bytes() const { return memory_; }

  // Writes the live documents as segment `number`. The caller clears or
  // discards the MemoryIndex afterwards.
  Result<SegmentMeta> Flush(store::Directory* dir, std::uint64_t number,
                            int compression_level) const;

 private:
  struct Term {
    std::string_view key;           // in arena_
    std::string postings;           // DocGap:varint Freq:varint Pos*
    std::uint32_t last_doc = 0;
    std::uint32_t df = 0;
  };
  std::uint32_t Intern(std::string_view key);
  std::string_view Copy(std::string_view bytes);

  std::shared_ptr<const Schema> schema_;
  std::vector<std::unique_ptr<char[]>> arena_;
  std::size_t arena_left_ = 0;
  char* arena_next_ = nullptr;
  // std::hash<string_view> (not a wrapper): libstdc++ then caches each
  // node's hash, so walking a bucket chain compares hashes, not keys.
  using Hash = std::hash<std::string_view>;
  std::unordered_map<std::string_view, std::uint32_t, Hash> term_ids_;
  std::vector<Term> terms_;
  std::vector<std::string_view> ids_;  // in arena_
  std::unordered_map<std::string_view, std::uint32_t, Hash> id_to_doc_;
  std::vector<bool> deleted_;
  std::vector<std::string> stored_;
  std::vector<std::vector<std::uint32_t>> lengths_;  // per field, per doc
  std::size_t memory_ = 0;
  // Scratch for Add.
  std::vector<std::uint64_t> order_;
};

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_MEMORY_INDEX_H_
