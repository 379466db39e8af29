// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The in-memory Directory (NewMemoryDirectory) and FaultDirectory. Both are
// thin fronts on MemoryState, which implements the durability model described
// in fault_directory.h. One mutex guards the whole state; tests do not need
// more concurrency than that.

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/status.h"
#include "store/directory.h"
#include "store/fault_directory.h"

namespace quarry::store {
namespace internal {
namespace {

using FaultOp = FaultDirectory::FaultOp;
using CrashMode = FaultDirectory::CrashMode;

constexpr std::size_t kMaxNameLength = 255;
constexpr std::size_t kNumFaultOps = 6;

std::string_view FaultOpName(FaultOp op) {
  switch (op) {
    case FaultOp::kCreate:
      return "create";
    case FaultOp::kAppend:
      return "append";
    case FaultOp::kSync:
      return "sync";
    case FaultOp::kRename:
      return "rename";
    case FaultOp::kRemove:
      return "remove";
    case FaultOp::kSyncDir:
      return "sync directory";
  }
  return "?";
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

// SplitMix64: small, fast, and the same on every platform (unlike the
// standard distributions), so a crash seed means the same thing everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

 private:
  std::uint64_t state_;
};

}  // namespace

struct MemoryInode {
  std::string data;
  std::size_t durable_size = 0;  // data[0, durable_size) survives a crash.
  // The bytes handed to readers; shared until the next change.
  std::shared_ptr<const std::string> snapshot;
};

class MemoryState : public std::enable_shared_from_this<MemoryState> {
 public:
  explicit MemoryState(std::string description)
      : description_(std::move(description)) {
    fail_at_.fill(0);
    counts_.fill(0);
  }

  const std::string& description() const { return description_; }

  Result<std::unique_ptr<WritableFile>> Create(const std::string& name);
  Result<std::shared_ptr<const FileData>> Open(const std::string& name);
  Status Rename(const std::string& from, const std::string& to);
  Status Remove(const std::string& name);
  Result<std::vector<std::string>> List();
  Status SyncDir();
  Result<std::unique_ptr<DirectoryLock>> Lock(const std::string& name);

  // For MemoryWritableFile. `generation` is the crash generation the file
  // was created in.
  Status Append(MemoryInode* inode, const std::string& name,
                std::uint64_t generation, std::string_view data);
  Status Sync(MemoryInode* inode, const std::string& name,
              std::uint64_t generation);
  Status Close(const std::string& name, std::uint64_t generation);
  // For MemoryLock.
  void Unlock(const std::string& name, std::uint64_t token);

  void FailAfter(FaultOp op, int n);
  void ClearFaults();
  int Count(FaultOp op) const;
  void SetSpaceLimit(std::uint64_t bytes);
  std::uint64_t UsedBytes() const;
  void SimulateCrash(CrashMode mode, std::uint64_t seed);

 private:
  using Namespace = std::map<std::string, std::shared_ptr<MemoryInode>>;

  std::string PathOf(const std::string& name) const {
    return description_ + "/" + name;
  }
  Status CheckName(std::string_view op, const std::string& name) const;
  // Counts a call of kind `op` and fails it if a fault is due. Needs mu_.
  Status CountAndMaybeFail(FaultOp op, std::string_view what);
  Status CheckGeneration(std::string_view op, const std::string& name,
                         std::uint64_t generation) const;
  std::uint64_t UsedBytesLocked(const MemoryInode* extra) const;

  const std::string description_;
  mutable std::mutex mu_;
  Namespace names_;               // The current namespace.
  Namespace durable_names_;       // As of the last SyncDir().
  std::uint64_t generation_ = 0;  // Bumped by every simulated crash.
  std::map<std::string, std::uint64_t> locks_;  // Lock name -> holder token.
  std::uint64_t next_lock_token_ = 1;
  std::array<int, kNumFaultOps> counts_;
  // The call number (in counts_) that fails, or 0 for none.
  std::array<int, kNumFaultOps> fail_at_;
  std::uint64_t space_limit_ = FaultDirectory::kNoSpaceLimit;
};

namespace {

class MemoryFileData final : public FileData {
 public:
  MemoryFileData(std::string name, std::shared_ptr<const std::string> bytes)
      : FileData(std::move(name)), bytes_(std::move(bytes)) {}
  std::string_view bytes() const override { return *bytes_; }

 private:
  std::shared_ptr<const std::string> bytes_;
};

class MemoryWritableFile final : public WritableFile {
 public:
  MemoryWritableFile(std::shared_ptr<MemoryState> state,
                     std::shared_ptr<MemoryInode> inode, std::string name,
                     std::uint64_t generation)
      : state_(std::move(state)),
        inode_(std::move(inode)),
        name_(std::move(name)),
        generation_(generation) {}

  Status Append(std::string_view data) override {
    if (closed_) return ClosedError("append");
    QUARRY_RETURN_IF_ERROR(
        state_->Append(inode_.get(), name_, generation_, data));
    size_ += data.size();
    return Status::OK();
  }

  Status Sync() override {
    if (closed_) return ClosedError("sync");
    return state_->Sync(inode_.get(), name_, generation_);
  }

  Status Close() override {
    if (closed_) return ClosedError("close");
    closed_ = true;
    return state_->Close(name_, generation_);
  }

  std::uint64_t size() const override { return size_; }

 private:
  Status ClosedError(std::string_view op) const {
    return Status::IOError(std::string(op) + " " + state_->description() + "/" +
                           name_ + ": file is closed");
  }

  std::shared_ptr<MemoryState> state_;
  std::shared_ptr<MemoryInode> inode_;  // Only touched under the state's mutex.
  const std::string name_;
  const std::uint64_t generation_;
  std::uint64_t size_ = 0;
  bool closed_ = false;
};

class MemoryLock final : public DirectoryLock {
 public:
  MemoryLock(std::weak_ptr<MemoryState> state, std::string name,
             std::uint64_t token)
      : state_(std::move(state)), name_(std::move(name)), token_(token) {}
  ~MemoryLock() override {
    if (auto state = state_.lock()) state->Unlock(name_, token_);
  }
  MemoryLock(const MemoryLock&) = delete;
  MemoryLock& operator=(const MemoryLock&) = delete;

 private:
  std::weak_ptr<MemoryState> state_;
  const std::string name_;
  const std::uint64_t token_;
};

}  // namespace

Status MemoryState::CheckName(std::string_view op,
                              const std::string& name) const {
  if (IsValidName(name)) return Status::OK();
  return Status::InvalidArgument(
      std::string(op) + " in " + description_ + ": invalid file name \"" +
      name +
      "\" (want 1-255 characters from [A-Za-z0-9._-], not \".\" or \"..\")");
}

Status MemoryState::CountAndMaybeFail(FaultOp op, std::string_view what) {
  const auto i = static_cast<std::size_t>(op);
  ++counts_[i];
  if (fail_at_[i] != 0 && counts_[i] == fail_at_[i]) {
    fail_at_[i] = 0;
    return Status::IOError("injected fault: " + std::string(FaultOpName(op)) +
                           " " + std::string(what) + " (call " +
                           std::to_string(counts_[i]) + ")");
  }
  return Status::OK();
}

Status MemoryState::CheckGeneration(std::string_view op,
                                    const std::string& name,
                                    std::uint64_t generation) const {
  if (generation == generation_) return Status::OK();
  return Status::IOError(std::string(op) + " " + PathOf(name) +
                         ": the directory crashed (simulated) after this "
                         "file was created");
}

std::uint64_t MemoryState::UsedBytesLocked(const MemoryInode* extra) const {
  std::uint64_t used = 0;
  bool extra_seen = extra == nullptr;
  for (const auto& [name, inode] : names_) {
    used += inode->data.size();
    if (inode.get() == extra) extra_seen = true;
  }
  if (!extra_seen) used += extra->data.size();
  return used;
}

Result<std::unique_ptr<WritableFile>> MemoryState::Create(
    const std::string& name) {
  QUARRY_RETURN_IF_ERROR(CheckName("create", name));
  std::lock_guard<std::mutex> lock(mu_);
  QUARRY_RETURN_IF_ERROR(CountAndMaybeFail(FaultOp::kCreate, PathOf(name)));
  if (names_.count(name) != 0) {
    return Status::AlreadyExists("create " + PathOf(name) + ": file exists");
  }
  auto inode = std::make_shared<MemoryInode>();
  names_.emplace(name, inode);
  return std::unique_ptr<WritableFile>(std::make_unique<MemoryWritableFile>(
      shared_from_this(), std::move(inode), name, generation_));
}

Result<std::shared_ptr<const FileData>> MemoryState::Open(
    const std::string& name) {
  QUARRY_RETURN_IF_ERROR(CheckName("open", name));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = names_.find(name);
  if (it == names_.end()) {
    return Status::NotFound("open " + PathOf(name) +
                            ": No such file or directory");
  }
  MemoryInode& inode = *it->second;
  if (inode.snapshot == nullptr) {
    inode.snapshot = std::make_shared<const std::string>(inode.data);
  }
  return std::shared_ptr<const FileData>(
      std::make_shared<MemoryFileData>(name, inode.snapshot));
}

Status MemoryState::Rename(const std::string& from, const std::string& to) {
  QUARRY_RETURN_IF_ERROR(CheckName("rename", from));
  QUARRY_RETURN_IF_ERROR(CheckName("rename", to));
  std::lock_guard<std::mutex> lock(mu_);
  const std::string what = PathOf(from) + " to " + PathOf(to);
  QUARRY_RETURN_IF_ERROR(CountAndMaybeFail(FaultOp::kRename, what));
  auto it = names_.find(from);
  if (it == names_.end()) {
    return Status::NotFound("rename " + what + ": No such file or directory");
  }
  if (from == to) return Status::OK();
  std::shared_ptr<MemoryInode> inode = std::move(it->second);
  names_.erase(it);
  names_[to] = std::move(inode);
  return Status::OK();
}

Status MemoryState::Remove(const std::string& name) {
  QUARRY_RETURN_IF_ERROR(CheckName("remove", name));
  std::lock_guard<std::mutex> lock(mu_);
  QUARRY_RETURN_IF_ERROR(CountAndMaybeFail(FaultOp::kRemove, PathOf(name)));
  if (names_.erase(name) == 0) {
    return Status::NotFound("remove " + PathOf(name) +
                            ": No such file or directory");
  }
  return Status::OK();
}

Result<std::vector<std::string>> MemoryState::List() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  names.reserve(names_.size());
  for (const auto& entry : names_) names.push_back(entry.first);
  return names;
}

Status MemoryState::SyncDir() {
  std::lock_guard<std::mutex> lock(mu_);
  QUARRY_RETURN_IF_ERROR(CountAndMaybeFail(FaultOp::kSyncDir, description_));
  durable_names_ = names_;
  return Status::OK();
}

Result<std::unique_ptr<DirectoryLock>> MemoryState::Lock(
    const std::string& name) {
  QUARRY_RETURN_IF_ERROR(CheckName("lock", name));
  std::lock_guard<std::mutex> lock(mu_);
  if (locks_.count(name) != 0) {
    return Status::Busy("index " + description_ +
                        " is locked by another writer (lock file " +
                        PathOf(name) + ")");
  }
  if (names_.count(name) == 0)
    names_.emplace(name, std::make_shared<MemoryInode>());
  const std::uint64_t token = next_lock_token_++;
  locks_.emplace(name, token);
  return std::unique_ptr<DirectoryLock>(
      std::make_unique<MemoryLock>(weak_from_this(), name, token));
}

void MemoryState::Unlock(const std::string& name, std::uint64_t token) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = locks_.find(name);
  if (it != locks_.end() && it->second == token) locks_.erase(it);
}

Status MemoryState::Append(MemoryInode* inode, const std::string& name,
                           std::uint64_t generation, std::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  QUARRY_RETURN_IF_ERROR(CheckGeneration("append", name, generation));
  QUARRY_RETURN_IF_ERROR(CountAndMaybeFail(FaultOp::kAppend, PathOf(name)));
  if (space_limit_ != FaultDirectory::kNoSpaceLimit) {
    const std::uint64_t used = UsedBytesLocked(inode);
    if (data.size() > space_limit_ || used > space_limit_ - data.size()) {
      return Status::IOError(
          "append " + PathOf(name) + ": No space left on device (limit " +
          std::to_string(space_limit_) + " bytes, " + std::to_string(used) +
          " used, " + std::to_string(data.size()) + " more requested)");
    }
  }
  if (data.empty()) return Status::OK();
  inode->data.append(data);
  inode->snapshot.reset();
  return Status::OK();
}

Status MemoryState::Sync(MemoryInode* inode, const std::string& name,
                         std::uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  QUARRY_RETURN_IF_ERROR(CheckGeneration("sync", name, generation));
  QUARRY_RETURN_IF_ERROR(CountAndMaybeFail(FaultOp::kSync, PathOf(name)));
  inode->durable_size = inode->data.size();
  return Status::OK();
}

Status MemoryState::Close(const std::string& name, std::uint64_t generation) {
  std::lock_guard<std::mutex> lock(mu_);
  return CheckGeneration("close", name, generation);
}

void MemoryState::FailAfter(FaultOp op, int n) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto i = static_cast<std::size_t>(op);
  fail_at_[i] = n < 0 ? 0 : counts_[i] + n + 1;
}

void MemoryState::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  fail_at_.fill(0);
}

int MemoryState::Count(FaultOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<std::size_t>(op)];
}

void MemoryState::SetSpaceLimit(std::uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  space_limit_ = bytes;
}

std::uint64_t MemoryState::UsedBytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return UsedBytesLocked(nullptr);
}

void MemoryState::SimulateCrash(CrashMode mode, std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  ++generation_;
  locks_.clear();
  names_ = durable_names_;
  Rng rng(seed);
  // names_ is ordered by name, so the same seed damages the same bytes.
  for (auto& [name, inode] : names_) {
    std::string& data = inode->data;
    if (data.size() == inode->durable_size) continue;
    const std::size_t tail = data.size() - inode->durable_size;
    switch (mode) {
      case CrashMode::kDropUnsynced:
        data.resize(inode->durable_size);
        break;
      case CrashMode::kTornUnsynced:
        data.resize(inode->durable_size +
                    static_cast<std::size_t>(rng.Next() % (tail + 1)));
        break;
      case CrashMode::kGarbleUnsynced:
        for (std::size_t i = inode->durable_size; i < data.size(); ++i) {
          data[i] = static_cast<char>(rng.Next() & 0xff);
        }
        break;
    }
    // Whatever is left is what the disk holds now.
    inode->durable_size = data.size();
    inode->snapshot.reset();
  }
}

}  // namespace internal

namespace {

std::string NextDescription(std::string_view prefix) {
  static std::atomic<std::uint64_t> counter{0};
  return std::string(prefix) + std::to_string(++counter);
}

class MemoryDirectory final : public Directory {
 public:
  MemoryDirectory()
      : state_(
            std::make_shared<internal::MemoryState>(NextDescription("mem:"))) {}

  Result<std::unique_ptr<WritableFile>> Create(
      const std::string& name) override {
    return state_->Create(name);
  }
  Result<std::shared_ptr<const FileData>> Open(
      const std::string& name) override {
    return state_->Open(name);
  }
  Status Rename(const std::string& from, const std::string& to) override {
    return state_->Rename(from, to);
  }
  Status Remove(const std::string& name) override {
    return state_->Remove(name);
  }
  Result<std::vector<std::string>> List() override { return state_->List(); }
  Status SyncDir() override { return state_->SyncDir(); }
  Result<std::unique_ptr<DirectoryLock>> Lock(
      const std::string& name) override {
    return state_->Lock(name);
  }
  std::string Describe() const override { return state_->description(); }

 private:
  std::shared_ptr<internal::MemoryState> state_;
};

}  // namespace

std::shared_ptr<Directory> NewMemoryDirectory() {
  return std::make_shared<MemoryDirectory>();
}

FaultDirectory::FaultDirectory()
    : state_(std::make_shared<internal::MemoryState>(
          NextDescription("faultmem:"))) {}

FaultDirectory::~FaultDirectory() = default;

Result<std::unique_ptr<WritableFile>> FaultDirectory::Create(
    const std::string& name) {
  return state_->Create(name);
}

Result<std::shared_ptr<const FileData>> FaultDirectory::Open(
    const std::string& name) {
  return state_->Open(name);
}

Status FaultDirectory::Rename(const std::string& from, const std::string& to) {
  return state_->Rename(from, to);
}

Status FaultDirectory::Remove(const std::string& name) {
  return state_->Remove(name);
}

Result<std::vector<std::string>> FaultDirectory::List() {
  return state_->List();
}

Status FaultDirectory::SyncDir() { return state_->SyncDir(); }

Result<std::unique_ptr<DirectoryLock>> FaultDirectory::Lock(
    const std::string& name) {
  return state_->Lock(name);
}

std::string FaultDirectory::Describe() const { return state_->description(); }

void FaultDirectory::FailAfter(FaultOp op, int n) { state_->FailAfter(op, n); }

void FaultDirectory::ClearFaults() { state_->ClearFaults(); }

int FaultDirectory::Count(FaultOp op) const { return state_->Count(op); }

void FaultDirectory::SetSpaceLimit(std::uint64_t bytes) {
  state_->SetSpaceLimit(bytes);
}

std::uint64_t FaultDirectory::UsedBytes() const { return state_->UsedBytes(); }

void FaultDirectory::SimulateCrash(CrashMode mode, std::uint64_t seed) {
  state_->SimulateCrash(mode, seed);
}

std::shared_ptr<FaultDirectory> NewFaultDirectory() {
  return std::make_shared<FaultDirectory>();
}

}  // namespace quarry::store
