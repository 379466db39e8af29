// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The Directory seam: everything the index reads or writes goes through it.
// Three implementations:
//   * FsDirectory     - a POSIX directory: mmap for reads, fsync on Sync(),
//                       fsync of the directory itself on SyncDir(), an
//                       flock()-based writer lock (the kernel drops it when a
//                       process dies, so a killed writer's lock is recovered
//                       without anyone deleting files).
//   * MemoryDirectory - in memory, for tests.
//   * FaultDirectory  - an in-memory directory with durability semantics that
//                       injects failures (see fault_directory.h: the
//                       N-th write/sync/rename/dir-sync fails, a size limit
//                       for "disk full", and SimulateCrash() which drops or
//                       damages bytes that were never synced). Tests only.
//
// File names are flat (no subdirectories) and consist of [A-Za-z0-9._-].
#ifndef QUARRY_SRC_STORE_DIRECTORY_H_
#define QUARRY_SRC_STORE_DIRECTORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/status.h"

namespace quarry::store {

// The bytes of a file opened for reading. Immutable; safe to share between
// threads. Stays valid (and keeps the file's bytes alive, e.g. the mapping)
// as long as a shared_ptr to it exists, even if the file is removed.
class FileData {
 public:
  virtual ~FileData() = default;
  virtual std::string_view bytes() const = 0;
  const std::string& name() const { return name_; }

 protected:
  explicit FileData(std::string name) : name_(std::move(name)) {}

 private:
  std::string name_;
};

// A file being written, append-only. Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fsync).
  virtual Status Sync() = 0;
  // Closes the file; further calls fail. Does not sync.
  virtual Status Close() = 0;
  virtual std::uint64_t size() const = 0;
};

// Held while a writer owns the index; released on destruction.
class DirectoryLock {
 public:
  virtual ~DirectoryLock() = default;
};

// Thread-safe: any number of threads may call a Directory concurrently.
class Directory {
 public:
  virtual ~Directory() = default;

  // Creates `name` for writing. Fails with AlreadyExists if it exists.
  virtual Result<std::unique_ptr<WritableFile>> Create(const std::string& name) = 0;
  // Opens `name` for reading. NotFound if it does not exist.
  virtual Result<std::shared_ptr<const FileData>> Open(const std::string& name) = 0;
  // Atomically renames `from` to `to`, replacing `to` if it exists.
  virtual Status Rename(const std::string& from, const std::string& to) = 0;
  // Removes `name`. NotFound if it does not exist.
  virtual Status Remove(const std::string& name) = 0;
  // The names of all files, in no particular order.
  virtual Result<std::vector<std::string>> List() = 0;
  // Makes creations, renames and removals durable (fsync of the directory).
  virtual Status SyncDir() = 0;
  // Takes the exclusive writer lock named `name`. Busy if another writer (in
  // this or another process) holds it.
  virtual Result<std::unique_ptr<DirectoryLock>> Lock(const std::string& name) = 0;
  // A human-readable description for error messages ("/path/to/index").
  virtual std::string Describe() const = 0;
};

// Opens (creating if `create` and missing) a file-system directory.
Result<std::shared_ptr<Directory>> OpenFsDirectory(const std::string& path,
                                                   bool create);

// A fresh, empty in-memory directory.
std::shared_ptr<Directory> NewMemoryDirectory();

}  // namespace quarry::store

#endif  // QUARRY_SRC_STORE_DIRECTORY_H_
