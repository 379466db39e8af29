// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// FaultDirectory: an in-memory Directory that models what a disk promises and
// what it does not, and injects failures. For tests only.
//
// The model (shared with NewMemoryDirectory(), which is the same machinery
// without the knobs):
//   * A file is an inode holding its current bytes and how many of them are
//     durable. WritableFile::Sync() makes all current bytes durable. Files are
//     append-only, so the durable bytes are always a prefix of the current
//     bytes. Appends are visible to Open() at once (there is no buffer).
//   * The namespace is a current map name -> inode and a durable map, a copy
//     of the current map taken by the last SyncDir(). Create, Rename, Remove
//     and the lock file made by Lock() change only the current map.
//   * Open() returns a snapshot: it shares immutable bytes and never changes,
//     whatever later happens to the file, its name or the directory (even a
//     simulated crash).
//   * An unlinked inode can still be written through an open WritableFile.
//
// Faults (all thread-safe):
//   * FailAfter(op, n): counting from now, calls 1..n of kind `op` behave
//     normally and call n+1 fails with IOError("injected fault: ..."); then
//     the fault is spent. n = 0 fails the next call; a negative n cancels the
//     pending fault for `op`. One pending fault per kind; a new FailAfter for
//     the same kind replaces it. A failed call has no effect at all: a failed
//     Create creates nothing, Append appends nothing, Sync makes nothing
//     durable, Rename/Remove change nothing, SyncDir makes nothing durable.
//     A call counts (see Count()) once it passes the checks every Directory
//     makes (valid names; for WritableFile calls, a file that is still open
//     and was created after the last crash); whether it would then succeed
//     (NotFound, AlreadyExists, no space) does not matter. The fault check
//     comes before the space check. Close(), Open(), List() and Lock() are
//     never failed.
//   * SetSpaceLimit(bytes): the sum of the current sizes of the files in the
//     current namespace (plus the file being appended to, if it is unlinked)
//     may not exceed `bytes`. An Append that would exceed it fails with
//     IOError("... No space left on device ...") and appends nothing: the
//     file's bytes and size() are unchanged and smaller appends may still
//     succeed. kNoSpaceLimit removes the limit.
//   * SimulateCrash(mode, seed): as if power were lost and the machine came
//     back up.
//       - The current namespace becomes the durable map: creations, renames
//         and removals since the last SyncDir() are undone. A file that was
//         created and synced but whose name was never made durable by a
//         SyncDir() is gone; a file renamed over another without a later
//         SyncDir() is back under its old name, and the replaced file is back.
//       - Every surviving inode keeps its durable bytes. Its unsynced tail
//         (the bytes past the durable prefix) is
//           kDropUnsynced:   dropped;
//           kTornUnsynced:   cut to a random prefix of itself (0..all bytes);
//           kGarbleUnsynced: kept at its length but overwritten with random
//                            bytes.
//         Whatever remains is then durable. The randomness comes only from
//         `seed` (and the files, visited in name order), so a crash is
//         reproducible.
//       - Every WritableFile created before the crash fails all further
//         Append/Sync/Close calls with IOError("... crashed ...").
//       - Every held DirectoryLock is released; destroying an old lock object
//         afterwards does not release a lock taken after the crash.
//       - Open FileData snapshots, fault settings, counts and the space limit
//         are unaffected.
//   * Lock(name): one holder per lock name per directory object; a second
//     Lock() of the same name is Busy until the holder is destroyed. Lock()
//     creates an empty file `name` if it is missing (like the file-system
//     lock file); that creation is not durable until SyncDir().
#ifndef QUARRY_SRC_STORE_FAULT_DIRECTORY_H_
#define QUARRY_SRC_STORE_FAULT_DIRECTORY_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "quarry/status.h"
#include "store/directory.h"

namespace quarry::store {

namespace internal {
class MemoryState;
}  // namespace internal

class FaultDirectory : public Directory {
 public:
  enum class FaultOp { kCreate, kAppend, kSync, kRename, kRemove, kSyncDir };
  enum class CrashMode { kDropUnsynced, kTornUnsynced, kGarbleUnsynced };

  static constexpr std::uint64_t kNoSpaceLimit =
      std::numeric_limits<std::uint64_t>::max();

  // An empty directory with no faults and no space limit.
  FaultDirectory();
  ~FaultDirectory() override;
  FaultDirectory(const FaultDirectory&) = delete;
  FaultDirectory& operator=(const FaultDirectory&) = delete;

  // Directory.
  Result<std::unique_ptr<WritableFile>> Create(
      const std::string& name) override;
  Result<std::shared_ptr<const FileData>> Open(
      const std::string& name) override;
  Status Rename(const std::string& from, const std::string& to) override;
  Status Remove(const std::string& name) override;
  Result<std::vector<std::string>> List() override;
  Status SyncDir() override;
  Result<std::unique_ptr<DirectoryLock>> Lock(const std::string& name) override;
  std::string Describe() const override;

  // Fault injection; see the top of this file.
  void FailAfter(FaultOp op, int n);
  void ClearFaults();  // Cancels pending faults; counts are kept.
  int Count(FaultOp op) const;
  void SetSpaceLimit(std::uint64_t bytes);
  // The bytes the space limit is checked against.
  std::uint64_t UsedBytes() const;
  void SimulateCrash(CrashMode mode, std::uint64_t seed);

 private:
  std::shared_ptr<internal::MemoryState> state_;
};

// A fresh FaultDirectory with no faults set.
std::shared_ptr<FaultDirectory> NewFaultDirectory();

}  // namespace quarry::store

#endif  // QUARRY_SRC_STORE_FAULT_DIRECTORY_H_
