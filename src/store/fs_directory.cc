// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// FsDirectory: a Directory on a POSIX file-system directory.
//
//   * Writes go through a 64 KiB user-space buffer that is flushed when full,
//     on Sync() and on Close(). On Linux, each further MiB written is handed
//     to the kernel's write-back at once (sync_file_range, WRITE only: a
//     hint that makes nothing durable and waits for nothing), so that a
//     segment's five files are mostly on disk before their fdatasyncs
//     instead of being written one file at a time inside them (the waits
//     of a ~0.7 s Reuters build went from a median 64 ms to 37 ms).
//     A write or fsync error is sticky: once one has been reported, every
//     later Append/Sync reports it again, because the file's contents on
//     disk are no longer known (after a failed fsync the kernel may already
//     have dropped the dirty pages).
//   * Reads map the whole file (PROT_READ, MAP_SHARED). Files are append-only
//     and never rewritten, so the mapped bytes do not change under a reader;
//     the mapping outlives a Remove() or a Rename() over the name.
//   * Lock() takes flock(LOCK_EX | LOCK_NB) on a lock file. The lock belongs
//     to the open file description, so a second Lock() in the same process is
//     Busy too, and the kernel drops the lock when the holder dies. Note that
//     a child forked while a lock is held shares the description and so keeps
//     the lock alive until it exits or execs (the fd is O_CLOEXEC).

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/status.h"
#include "store/directory.h"

namespace quarry::store {
namespace {

constexpr std::size_t kWriteBufferSize = 64 * 1024;
// Bytes written between two write-back hints (see the top).
constexpr std::uint64_t kWritebackBytes = 1 << 20;
constexpr std::size_t kMaxNameLength = 255;

// strerror_r comes in a GNU flavour (returns char*) and an XSI flavour
// (returns int); these overloads accept either.
[[maybe_unused]] std::string StrerrorResult(const char* s,
                                            const char* /*buf*/) {
  return s;
}
[[maybe_unused]] std::string StrerrorResult(int rc, const char* buf) {
  return rc == 0 ? std::string(buf) : std::string("unknown error");
}

std::string ErrnoText(int err) {
  char buf[256] = {};
  std::string text = StrerrorResult(strerror_r(err, buf, sizeof(buf)), buf);
  return text;
}

// "<op> <path>: <strerror>", with a code that says what kind of failure it
// is. Disk-full, I/O errors and anything unexpected are IOError.
Status ErrnoStatus(std::string_view op, const std::string& path, int err) {
  std::string msg;
  msg.reserve(op.size() + path.size() + 40);
  msg.append(op).append(" ").append(path).append(": ").append(ErrnoText(err));
  switch (err) {
    case ENOENT:
      return Status::NotFound(std::move(msg));
    case EEXIST:
      return Status::AlreadyExists(std::move(msg));
    default:
      return Status::IOError(std::move(msg));
  }
}

bool IsValidName(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  if (name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Writes all of [data, data + size) to fd, retrying short writes and EINTR.
// Returns 0 or an errno value.
int WriteFully(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (n == 0) return EIO;  // No progress and no error: give up, don't spin.
    data += n;
    size -= static_cast<std::size_t>(n);
  }
  return 0;
}

int SyncFd(int fd) {
  for (;;) {
#if defined(__linux__)
    const int rc = ::fdatasync(fd);
#else
    const int rc = ::fsync(fd);
#endif
    if (rc == 0) return 0;
    if (errno != EINTR) return errno;
  }
}

class FsFileData final : public FileData {
 public:
  // `addr` may be null (with `size` 0) for an empty file.
  FsFileData(std::string name, void* addr, std::size_t size)
      : FileData(std::move(name)), addr_(addr), size_(size) {}
  ~FsFileData() override {
    if (addr_ != nullptr) ::munmap(addr_, size_);
  }
  FsFileData(const FsFileData&) = delete;
  FsFileData& operator=(const FsFileData&) = delete;

  std::string_view bytes() const override {
    if (addr_ == nullptr) return {};
    return {static_cast<const char*>(addr_), size_};
  }

 private:
  void* addr_;
  std::size_t size_;
};

class FsWritableFile final : public WritableFile {
 public:
  FsWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {
    buffer_.reserve(kWriteBufferSize);
  }
  ~FsWritableFile() override {
    if (fd_ >= 0) {
      // Best effort: a file dropped without Close() keeps what was appended.
      if (error_.ok()) FlushBuffer().IgnoreError();
      ::close(fd_);
    }
  }
  FsWritableFile(const FsWritableFile&) = delete;
  FsWritableFile& operator=(const FsWritableFile&) = delete;

  Status Append(std::string_view data) override {
    QUARRY_RETURN_IF_ERROR(CheckUsable("append"));
    if (data.size() <= kWriteBufferSize - buffer_.size()) {
      buffer_.append(data);
      size_ += data.size();
      return Status::OK();
    }
    QUARRY_RETURN_IF_ERROR(FlushBuffer());
    if (data.size() >= kWriteBufferSize) {
      // Large appends bypass the buffer.
      const int err = WriteFully(fd_, data.data(), data.size());
      if (err != 0) return Fail(ErrnoStatus("write", path_, err));
      Written(data.size());
    } else {
      buffer_.append(data);
    }
    size_ += data.size();
    return Status::OK();
  }

  Status Sync() override {
    QUARRY_RETURN_IF_ERROR(CheckUsable("sync"));
    QUARRY_RETURN_IF_ERROR(FlushBuffer());
    const int err = SyncFd(fd_);
    if (err != 0) return Fail(ErrnoStatus("fsync", path_, err));
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) {
      return Status::IOError("close " + path_ + ": file is already closed");
    }
    Status s = error_;
    if (s.ok()) s = FlushBuffer();
    // Never retry close(): on Linux the descriptor is gone even on EINTR.
    if (::close(fd_) != 0 && s.ok()) s = ErrnoStatus("close", path_, errno);
    fd_ = -1;
    buffer_.clear();
    buffer_.shrink_to_fit();
    return s;
  }

  std::uint64_t size() const override { return size_; }

 private:
  Status CheckUsable(std::string_view op) const {
    if (fd_ < 0) {
      return Status::IOError(std::string(op) + " " + path_ +
                             ": file is closed");
    }
    return error_;
  }

  Status Fail(Status s) {
    error_ = s;
    return s;
  }

  Status FlushBuffer() {
    if (buffer_.empty()) return Status::OK();
    const int err = WriteFully(fd_, buffer_.data(), buffer_.size());
    const std::size_t n = buffer_.size();
    buffer_.clear();
    if (err != 0) return Fail(ErrnoStatus("write", path_, err));
    Written(n);
    return Status::OK();
  }

  // `n` more bytes reached the file: past kWritebackBytes since the last
  // hint, start their write-back (errors are ignored: fdatasync reports them).
  void Written(std::size_t n) {
    written_ += n;
#if defined(__linux__)
    if (written_ - writeback_from_ >= kWritebackBytes) {
      ::sync_file_range(fd_, static_cast<off_t>(writeback_from_),
                        static_cast<off_t>(written_ - writeback_from_), SYNC_FILE_RANGE_WRITE);
      writeback_from_ = written_;
    }
#endif
  }

  int fd_;
  const std::string path_;
  std::string buffer_;
  std::uint64_t size_ = 0;
  std::uint64_t written_ = 0;         // bytes written to fd_
  std::uint64_t writeback_from_ = 0;  // write-back started below this
  Status error_;  // Sticky: the first write/fsync failure.
};

class FsDirectoryLock final : public DirectoryLock {
 public:
  explicit FsDirectoryLock(int fd) : fd_(fd) {}
  ~FsDirectoryLock() override { ::close(fd_); }  // Releases the flock.
  FsDirectoryLock(const FsDirectoryLock&) = delete;
  FsDirectoryLock& operator=(const FsDirectoryLock&) = delete;

 private:
  int fd_;
};

class FsDirectory final : public Directory {
 public:
  explicit FsDirectory(std::string path) : path_(std::move(path)) {}

  Result<std::unique_ptr<WritableFile>> Create(
      const std::string& name) override {
    QUARRY_RETURN_IF_ERROR(CheckName("create", name));
    std::string path = PathOf(name);
    int fd;
    do {
      fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoStatus("create", path, errno);
    return std::unique_ptr<WritableFile>(
        std::make_unique<FsWritableFile>(fd, std::move(path)));
  }

  Result<std::shared_ptr<const FileData>> Open(
      const std::string& name) override {
    QUARRY_RETURN_IF_ERROR(CheckName("open", name));
    const std::string path = PathOf(name);
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoStatus("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return ErrnoStatus("fstat", path, err);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::IOError("open " + path + ": not a regular file");
    }
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size == 0) {
      ::close(fd);
      return std::shared_ptr<const FileData>(
          std::make_shared<FsFileData>(name, nullptr, 0));
    }
    if (size > SIZE_MAX) {
      ::close(fd);
      return Status::IOError("mmap " + path + ": file too large to map");
    }
    void* addr = ::mmap(nullptr, static_cast<std::size_t>(size), PROT_READ,
                        MAP_SHARED, fd, 0);
    const int err = errno;
    ::close(fd);  // The mapping keeps the file alive.
    if (addr == MAP_FAILED) return ErrnoStatus("mmap", path, err);
    return std::shared_ptr<const FileData>(std::make_shared<FsFileData>(
        name, addr, static_cast<std::size_t>(size)));
  }

  Status Rename(const std::string& from, const std::string& to) override {
    QUARRY_RETURN_IF_ERROR(CheckName("rename", from));
    QUARRY_RETURN_IF_ERROR(CheckName("rename", to));
    const std::string from_path = PathOf(from);
    const std::string to_path = PathOf(to);
    if (::rename(from_path.c_str(), to_path.c_str()) != 0) {
      return ErrnoStatus("rename", from_path + " to " + to_path, errno);
    }
    return Status::OK();
  }

  Status Remove(const std::string& name) override {
    QUARRY_RETURN_IF_ERROR(CheckName("remove", name));
    const std::string path = PathOf(name);
    if (::unlink(path.c_str()) != 0) return ErrnoStatus("remove", path, errno);
    return Status::OK();
  }

  Result<std::vector<std::string>> List() override {
    DIR* dir = ::opendir(path_.c_str());
    if (dir == nullptr) return ErrnoStatus("list", path_, errno);
    std::vector<std::string> names;
    for (;;) {
      errno = 0;
      const struct dirent* entry = ::readdir(dir);
      if (entry == nullptr) {
        const int err = errno;
        ::closedir(dir);
        if (err != 0) return ErrnoStatus("list", path_, err);
        break;
      }
      const std::string_view name = entry->d_name;
      if (name == "." || name == "..") continue;
      names.emplace_back(name);
    }
    return names;
  }

  Status SyncDir() override {
    int fd;
    do {
      fd = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoStatus("open directory", path_, errno);
    int err = 0;
    for (;;) {
      if (::fsync(fd) == 0) break;
      if (errno != EINTR) {
        err = errno;
        break;
      }
    }
    ::close(fd);
    if (err != 0) return ErrnoStatus("fsync directory", path_, err);
    return Status::OK();
  }

  Result<std::unique_ptr<DirectoryLock>> Lock(
      const std::string& name) override {
    QUARRY_RETURN_IF_ERROR(CheckName("lock", name));
    const std::string path = PathOf(name);
    int fd;
    do {
      fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return ErrnoStatus("open lock file", path, errno);
    int rc;
    do {
      rc = ::flock(fd, LOCK_EX | LOCK_NB);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Busy("index " + path_ +
                            " is locked by another writer (lock file " + path +
                            ")");
      }
      return ErrnoStatus("flock", path, err);
    }
    return std::unique_ptr<DirectoryLock>(
        std::make_unique<FsDirectoryLock>(fd));
  }

  std::string Describe() const override { return path_; }

 private:
  std::string PathOf(const std::string& name) const {
    if (path_ == "/") return path_ + name;
    return path_ + "/" + name;
  }

  Status CheckName(std::string_view op, const std::string& name) const {
    if (IsValidName(name)) return Status::OK();
    return Status::InvalidArgument(
        std::string(op) + " in " + path_ + ": invalid file name \"" + name +
        "\" (want 1-255 characters from [A-Za-z0-9._-], not \".\" or \"..\")");
  }

  const std::string path_;
};

}  // namespace

Result<std::shared_ptr<Directory>> OpenFsDirectory(const std::string& path,
                                                   bool create) {
  if (path.empty()) {
    return Status::InvalidArgument("open directory: empty path");
  }
  std::string clean = path;
  while (clean.size() > 1 && clean.back() == '/') clean.pop_back();

  struct stat st;
  if (::stat(clean.c_str(), &st) != 0) {
    const int err = errno;
    if (err != ENOENT || !create) {
      return ErrnoStatus("open directory", clean, err);
    }
    if (::mkdir(clean.c_str(), 0755) != 0 && errno != EEXIST) {
      return ErrnoStatus("create directory", clean, errno);
    }
    if (::stat(clean.c_str(), &st) != 0) {
      return ErrnoStatus("open directory", clean, errno);
    }
  }
  if (!S_ISDIR(st.st_mode)) {
    return Status::InvalidArgument("open directory " + clean +
                                   ": not a directory");
  }
  return std::shared_ptr<Directory>(std::make_shared<FsDirectory>(clean));
}

}  // namespace quarry::store
