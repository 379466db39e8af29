// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#ifndef QUARRY_SRC_INDEX_MERGE_H_
#define QUARRY_SRC_INDEX_MERGE_H_

#include <memory>
#include <vector>

#include "index/segment_reader.h"

namespace quarry::index {

struct MergeInput {
  std::shared_ptr<const SegmentReader> reader;
  std::shared_ptr<const DeleteSet> deletes;  // may be null
};

// Writes the live documents of `inputs`, in order, as segment `number`.
// Every input file's checksum is verified first so corruption never spreads.
Result<SegmentMeta> MergeSegments(store::Directory* dir, std::uint64_t number,
                                  const Schema* schema,
                                  const std::vector<MergeInput>& inputs,
                                  int compression_level);

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_MERGE_H_
