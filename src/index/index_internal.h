// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The index's internals, for quarry's own tests and tools: writers and
// readers over any Directory (memory, fault injection), and the segments of a
// reader.
#ifndef QUARRY_SRC_INDEX_INDEX_INTERNAL_H_
#define QUARRY_SRC_INDEX_INDEX_INTERNAL_H_

#include <memory>
#include <vector>

#include "index/manifest.h"
#include "index/segment_reader.h"
#include "quarry/index.h"
#include "store/directory.h"

namespace quarry::internal {

struct ReaderSegment {
  index::CommitSegment meta;
  std::shared_ptr<const index::SegmentReader> reader;
  std::shared_ptr<const index::DeleteSet> deletes;  // may be null
};

class IndexAccess {
 public:
  static Result<std::unique_ptr<IndexWriter>> OpenWriter(
      std::shared_ptr<store::Directory> dir, IndexWriterOptions options);
  static Result<std::shared_ptr<const IndexReader>> OpenReader(
      std::shared_ptr<store::Directory> dir);
  static Result<CheckReport> Check(store::Directory* dir);
  static const std::vector<ReaderSegment>& Segments(const IndexReader& reader);
  static const index::Commit& GetCommit(const IndexReader& reader);
};

}  // namespace quarry::internal

#endif  // QUARRY_SRC_INDEX_INDEX_INTERNAL_H_
