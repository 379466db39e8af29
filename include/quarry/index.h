// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The index: documents in, immutable segments out, all-or-nothing commits,
// readers on consistent snapshots.
//
//   auto writer = quarry::IndexWriter::Open("/data/news", {.schema = ...});
//   writer->Add(doc);  writer->Update(doc);  writer->Delete("id-7");
//   writer->Commit();  // durable: survives a crash or a killed process
//
//   auto reader = quarry::IndexReader::Open("/data/news");
//   reader->Get("id-7");
//   reader = reader->Reopen();  // sees the newest commit; cheap
//
// Commit protocol: new segment files are written and fsynced, then a commit
// manifest `commit_<generation>` is written under a temporary name, fsynced,
// renamed into place, and the directory is fsynced. Opening an index picks the
// newest commit whose checksum is valid. One writer per index (a lock file;
// a second writer gets Busy; the lock of a killed process is released by the
// kernel). Any number of readers, in any number of processes.
#ifndef QUARRY_INDEX_H_
#define QUARRY_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/schema.h"
#include "quarry/status.h"

namespace quarry {

namespace internal {
class IndexAccess;  // tests and tools reach internals through this
}  // namespace internal

struct IndexWriterOptions {
  // The schema of a new index. Required to create an index; when opening an
  // existing index it must be empty or equal to the saved schema.
  std::optional<Schema> schema;

  // Create the index (directory and first empty commit) if it does not exist.
  bool create_if_missing = true;

  // Buffered documents are flushed to a new segment when the writer's memory
  // use passes this many bytes.
  std::size_t ram_budget_bytes = 256u << 20;

  // Threads used to analyze the documents of one AddBatch/UpdateBatch call.
  // 0 means one per hardware thread.
  unsigned analysis_threads = 1;

  // Tiered merging: segments are grouped into size tiers (a factor of
  // merge_factor apart); when a tier holds merge_factor segments they are
  // merged into one. Keeps the segment count logarithmic in the index size.
  unsigned merge_factor = 10;

  // Compression level for stored fields (zstd, 1..19).
  int stored_compression_level = 3;
};

struct IndexStats {
  std::uint64_t generation = 0;     // commit generation
  std::uint64_t documents = 0;      // live documents
  std::uint64_t deleted = 0;        // deleted but not yet merged away
  std::uint64_t segments = 0;
  std::uint64_t terms = 0;          // sum over segments
  std::uint64_t bytes_on_disk = 0;  // files of the commit
  struct Field {
    std::string name;
    std::uint64_t total_length = 0;  // sum of positions over live docs' fields
    std::uint64_t documents = 0;     // documents with a value
  };
  std::vector<Field> fields;
};

class IndexReader;

// Not thread-safe: one thread at a time drives a writer (AddBatch uses
// several threads internally).
class IndexWriter {
 public:
  static Result<std::unique_ptr<IndexWriter>> Open(const std::string& path,
                                                   IndexWriterOptions options);
  ~IndexWriter();  // rolls back uncommitted changes and releases the lock

  // Adds a new document. AlreadyExists if a document with this id exists
  // (committed or added since).
  Status Add(const Document& doc);
  // Replaces the document with this id, or adds it.
  Status Update(const Document& doc);
  // Deletes the document with this id; NotFound if there is none.
  Status Delete(std::string_view id);
  // Updates (upserts) many documents, analyzing them on
  // options.analysis_threads threads. Stops at the first invalid document
  // (nothing of the batch after it is applied; what came before is kept).
  Status UpdateBatch(std::span<const Document> docs);

  // Makes every change since the last commit durable and visible to readers
  // that open or reopen afterwards. On error nothing of this commit is
  // visible and the previous commit is intact; the writer may retry.
  Status Commit();
  // Discards every change since the last commit.
  Status Rollback();
  // Merges until at most `max_segments` segments remain, then commits.
  Status ForceMerge(std::size_t max_segments = 1);

  // Documents buffered in memory and bytes used.
  std::size_t buffered_documents() const;
  std::size_t buffered_bytes() const;
  IndexStats Stats() const;
  const Schema& schema() const;

  class Impl;

 private:
  friend class internal::IndexAccess;
  explicit IndexWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// An immutable snapshot of one commit. Thread-safe: any number of threads
// may use one reader. Files it uses stay readable while it lives, even when a
// writer commits, merges and deletes them.
class IndexReader : public std::enable_shared_from_this<IndexReader> {
 public:
  static Result<std::shared_ptr<const IndexReader>> Open(const std::string& path);

  // A reader on the newest commit, sharing unchanged segments with this one;
  // returns this reader itself when nothing changed.
  Result<std::shared_ptr<const IndexReader>> Reopen() const;

  // The stored fields of a document by id; NotFound if absent or deleted.
  Result<StoredDocument> Get(std::string_view id) const;

  IndexStats Stats() const;
  const Schema& schema() const;
  std::uint64_t generation() const;
  std::uint64_t num_docs() const;  // live documents

  class Impl;
  ~IndexReader();

 private:
  friend class internal::IndexAccess;
  explicit IndexReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The result of Check(): each problem names the file and the offset.
struct CheckReport {
  std::vector<std::string> problems;
  std::uint64_t files_checked = 0;
  std::uint64_t bytes_checked = 0;
  bool ok() const { return problems.empty(); }
};

// Verifies every checksum and structural invariant of the newest commit (or
// reports that no valid commit exists). Returns an error Status only when the
// check itself cannot run (e.g. the directory is missing); corruption found
// is in the report.
Result<CheckReport> CheckIndex(const std::string& path);

}  // namespace quarry

#endif  // QUARRY_INDEX_H_
