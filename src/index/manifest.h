// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Commit manifests: `commit_<generation>`, the root of an index state.
//
//   Body    := Generation:fixed64 NextSegment:fixed64 Schema:lp
//              SegmentCount:varint Segment^SegmentCount
//   Segment := Number:varint64 Id[16] MaxDoc:varint DelGen:varint64
//              DelCount:varint
// (framed as format.h says: header kind "CMIT" with a random id, CRC footer)
//
// Writing: `commit_<gen>.tmp` is written and fsynced, renamed to
// `commit_<gen>`, and the directory is fsynced. If that last fsync fails, the
// new name is removed again (best effort) so that a failed commit is never
// the newest one.
#ifndef QUARRY_SRC_INDEX_MANIFEST_H_
#define QUARRY_SRC_INDEX_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "index/segment_format.h"
#include "quarry/status.h"
#include "store/directory.h"

namespace quarry::index {

struct CommitSegment {
  SegmentMeta meta;
  std::uint64_t del_gen = 0;    // 0: no deletions file
  std::uint32_t del_count = 0;
};

struct Commit {
  std::uint64_t generation = 0;
  std::uint64_t next_segment = 1;
  std::string schema;  // Schema::Serialize()
  std::vector<CommitSegment> segments;
};

Status WriteCommit(store::Directory* dir, const Commit& commit);
Result<Commit> ReadCommit(store::Directory* dir, std::uint64_t generation);

// The generations of all commit files present, newest first.
Result<std::vector<std::uint64_t>> ListCommits(store::Directory* dir);

// The newest commit that reads and verifies. `problems` (if not null) gets a
// line for every newer commit that did not. NotFound if there is no commit
// file at all; Corruption (naming the files) if none is valid.
Result<Commit> ReadNewestCommit(store::Directory* dir,
                                std::vector<std::string>* problems = nullptr);

// Every file name a commit refers to.
std::vector<std::string> CommitFiles(const Commit& commit);

// An error opening a file that `commit` refers to, with the commit file
// named too: when a segment file does not match the commit (wrong segment
// id or document count), either file may be the wrong one.
Status InCommit(const Commit& commit, const Status& s);

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_MANIFEST_H_
