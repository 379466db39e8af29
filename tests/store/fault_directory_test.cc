// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// FaultDirectory: injected failures, the space limit and simulated crashes;
// and the file-system lock surviving its owner's SIGKILL.
#include "store/fault_directory.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "quarry/status.h"
#include "store/directory.h"

namespace quarry::store {
namespace {

using FaultOp = FaultDirectory::FaultOp;
using CrashMode = FaultDirectory::CrashMode;

class FaultDirectoryTest : public testing::Test {
 protected:
  // Creates `name` with `synced` made durable by Sync() and `unsynced`
  // appended after it; the file is closed.
  void Write(const std::string& name, const std::string& synced,
             const std::string& unsynced = "") {
    auto file = dir_->Create(name);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    ASSERT_TRUE((*file)->Append(synced).ok());
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Append(unsynced).ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  // The bytes of `name`, or "<missing>".
  std::string Read(const std::string& name) {
    auto data = dir_->Open(name);
    if (!data.ok()) {
      EXPECT_EQ(data.status().code(), StatusCode::kNotFound);
      return "<missing>";
    }
    return std::string((*data)->bytes());
  }

  std::set<std::string> Names() {
    auto names = dir_->List();
    EXPECT_TRUE(names.ok());
    if (!names.ok()) return {};
    return std::set<std::string>(names->begin(), names->end());
  }

  std::shared_ptr<FaultDirectory> dir_ = NewFaultDirectory();
};

bool IsInjected(const Status& s) {
  return s.code() == StatusCode::kIOError &&
         s.message().find("injected fault") != std::string::npos;
}

// --- FailAfter --------------------------------------------------------------

// Runs one call of kind `op` (the i-th of the test) and returns its status.
// Preparation (files to rename or remove, a writer to append to) happens
// through calls of other kinds, so it is not counted.
class FaultOpTest : public FaultDirectoryTest,
                    public testing::WithParamInterface<FaultOp> {
 protected:
  void SetUp() override {
    auto file = dir_->Create("writer");
    ASSERT_TRUE(file.ok());
    writer_ = std::move(*file);
    for (int i = 0; i < 8; ++i) {
      ASSERT_TRUE(dir_->Lock("f" + std::to_string(i)).ok());  // Makes a file.
    }
  }

  Status Do(int i) {
    const std::string name = "f" + std::to_string(i);
    switch (GetParam()) {
      case FaultOp::kCreate: {
        auto file = dir_->Create("new" + std::to_string(i));
        if (!file.ok()) return file.status();
        return (*file)->Close();
      }
      case FaultOp::kAppend:
        return writer_->Append("x");
      case FaultOp::kSync:
        return writer_->Sync();
      case FaultOp::kRename:
        return dir_->Rename(name, name + ".renamed");
      case FaultOp::kRemove:
        return dir_->Remove(name);
      case FaultOp::kSyncDir:
        return dir_->SyncDir();
    }
    return Status::Internal("unknown op");
  }

  std::unique_ptr<WritableFile> writer_;
};

TEST_P(FaultOpTest, FailsTheCallAfterN) {
  const FaultOp op = GetParam();
  const int before = dir_->Count(op);
  dir_->FailAfter(op, 2);
  EXPECT_TRUE(Do(0).ok());
  EXPECT_TRUE(Do(1).ok());
  Status failed = Do(2);
  EXPECT_TRUE(IsInjected(failed)) << failed.ToString();
  EXPECT_TRUE(Do(3).ok()) << "a fault fires once";
  EXPECT_EQ(dir_->Count(op), before + 4);

  dir_->FailAfter(op, 0);
  EXPECT_TRUE(IsInjected(Do(4)));
  EXPECT_TRUE(Do(5).ok());

  dir_->FailAfter(op, 0);
  dir_->ClearFaults();
  EXPECT_TRUE(Do(6).ok());
  dir_->FailAfter(op, 0);
  dir_->FailAfter(op, -1);
  EXPECT_TRUE(Do(7).ok());
  EXPECT_EQ(dir_->Count(op), before + 8);
}

TEST_P(FaultOpTest, OtherKindsAreNotAffected) {
  const FaultOp op = GetParam();
  for (FaultOp other :
       {FaultOp::kCreate, FaultOp::kAppend, FaultOp::kSync, FaultOp::kRename,
        FaultOp::kRemove, FaultOp::kSyncDir}) {
    if (other != op) dir_->FailAfter(other, 0);
  }
  EXPECT_TRUE(Do(0).ok());
}

INSTANTIATE_TEST_SUITE_P(AllKinds, FaultOpTest,
                         testing::Values(FaultOp::kCreate, FaultOp::kAppend,
                                         FaultOp::kSync, FaultOp::kRename,
                                         FaultOp::kRemove, FaultOp::kSyncDir),
                         [](const testing::TestParamInfo<FaultOp>& param_info) {
                           switch (param_info.param) {
                             case FaultOp::kCreate:
                               return "Create";
                             case FaultOp::kAppend:
                               return "Append";
                             case FaultOp::kSync:
                               return "Sync";
                             case FaultOp::kRename:
                               return "Rename";
                             case FaultOp::kRemove:
                               return "Remove";
                             case FaultOp::kSyncDir:
                               return "SyncDir";
                           }
                           return "Unknown";
                         });

TEST_F(FaultDirectoryTest, FailedCreateCreatesNothing) {
  dir_->FailAfter(FaultOp::kCreate, 0);
  auto file = dir_->Create("a");
  ASSERT_FALSE(file.ok());
  EXPECT_TRUE(IsInjected(file.status()));
  EXPECT_NE(file.status().message().find("a"), std::string::npos);
  EXPECT_TRUE(Names().empty());
  EXPECT_TRUE(dir_->Create("a").ok());
}

TEST_F(FaultDirectoryTest, FailedAppendAppendsNothing) {
  auto file = dir_->Create("a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  dir_->FailAfter(FaultOp::kAppend, 0);
  EXPECT_TRUE(IsInjected((*file)->Append("def")));
  EXPECT_EQ((*file)->size(), 3u);
  EXPECT_EQ(Read("a"), "abc");
  ASSERT_TRUE((*file)->Append("ghi").ok());
  EXPECT_EQ(Read("a"), "abcghi");
}

TEST_F(FaultDirectoryTest, FailedSyncMakesNothingDurable) {
  auto file = dir_->Create("a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("durable").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("+lost").ok());
  dir_->FailAfter(FaultOp::kSync, 0);
  EXPECT_TRUE(IsInjected((*file)->Sync()));
  ASSERT_TRUE(dir_->SyncDir().ok());
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  EXPECT_EQ(Read("a"), "durable");
}

TEST_F(FaultDirectoryTest, FailedRenameAndRemoveChangeNothing) {
  Write("a", "A");
  Write("b", "B");
  dir_->FailAfter(FaultOp::kRename, 0);
  EXPECT_TRUE(IsInjected(dir_->Rename("a", "b")));
  EXPECT_EQ(Read("a"), "A");
  EXPECT_EQ(Read("b"), "B");
  dir_->FailAfter(FaultOp::kRemove, 0);
  EXPECT_TRUE(IsInjected(dir_->Remove("a")));
  EXPECT_EQ(Names(), (std::set<std::string>{"a", "b"}));
}

TEST_F(FaultDirectoryTest, FailedSyncDirMakesNothingDurable) {
  Write("old", "1");
  ASSERT_TRUE(dir_->SyncDir().ok());
  Write("new", "2");
  dir_->FailAfter(FaultOp::kSyncDir, 0);
  EXPECT_TRUE(IsInjected(dir_->SyncDir()));
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  EXPECT_EQ(Names(), std::set<std::string>{"old"});
}

TEST_F(FaultDirectoryTest, CountsEveryCallOfAKind) {
  EXPECT_EQ(dir_->Count(FaultOp::kCreate), 0);
  Write("a", "x");
  EXPECT_EQ(dir_->Count(FaultOp::kCreate), 1);
  EXPECT_EQ(dir_->Count(FaultOp::kAppend), 2);  // Write() appends twice.
  EXPECT_EQ(dir_->Count(FaultOp::kSync), 1);
  EXPECT_FALSE(dir_->Create("a").ok());  // AlreadyExists still counts.
  EXPECT_EQ(dir_->Count(FaultOp::kCreate), 2);
  EXPECT_FALSE(dir_->Create("a/b").ok());  // A bad name does not.
  EXPECT_EQ(dir_->Count(FaultOp::kCreate), 2);
  EXPECT_EQ(dir_->Count(FaultOp::kRename), 0);
  EXPECT_EQ(dir_->Count(FaultOp::kRemove), 0);
  EXPECT_EQ(dir_->Count(FaultOp::kSyncDir), 0);
}

TEST_F(FaultDirectoryTest, FaultsAreThreadSafe) {
  std::vector<std::thread> threads;
  std::atomic<int> injected{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto file = dir_->Create("t" + std::to_string(t));
      if (!file.ok()) return;
      for (int i = 0; i < 200; ++i) {
        Status s = (*file)->Append("0123456789");
        if (IsInjected(s)) ++injected;
      }
    });
  }
  for (int i = 0; i < 20; ++i) {
    dir_->FailAfter(FaultOp::kAppend, 5);
    (void)dir_->Count(FaultOp::kAppend);
    std::this_thread::yield();
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(injected.load(), 20);
  EXPECT_EQ(dir_->Count(FaultOp::kAppend), 800);
}

// --- Space limit ------------------------------------------------------------

TEST_F(FaultDirectoryTest, SpaceLimitActsLikeAFullDisk) {
  dir_->SetSpaceLimit(100);
  auto a = dir_->Create("a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Append(std::string(60, 'a')).ok());
  ASSERT_TRUE((*a)->Sync().ok());
  auto b = dir_->Create("b");
  ASSERT_TRUE(b.ok());
  ASSERT_TRUE((*b)->Append(std::string(30, 'b')).ok());
  EXPECT_EQ(dir_->UsedBytes(), 90u);

  Status full = (*a)->Append(std::string(20, 'A'));
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.code(), StatusCode::kIOError);
  EXPECT_NE(full.message().find("No space left"), std::string::npos)
      << full.message();
  EXPECT_NE(full.message().find("/a"), std::string::npos) << full.message();
  // Nothing was appended; earlier data is intact.
  EXPECT_EQ((*a)->size(), 60u);
  EXPECT_EQ(Read("a"), std::string(60, 'a'));
  EXPECT_EQ(Read("b"), std::string(30, 'b'));

  // What still fits, fits exactly.
  ASSERT_TRUE((*a)->Append(std::string(10, 'A')).ok());
  EXPECT_FALSE((*b)->Append("!").ok());
  EXPECT_TRUE((*b)->Append("").ok());

  // Removing a file frees its space.
  ASSERT_TRUE((*b)->Close().ok());
  ASSERT_TRUE(dir_->Remove("b").ok());
  EXPECT_EQ(dir_->UsedBytes(), 70u);
  ASSERT_TRUE((*a)->Append(std::string(30, 'A')).ok());
  EXPECT_EQ(Read("a"), std::string(60, 'a') + std::string(40, 'A'));

  // So does lifting the limit.
  dir_->SetSpaceLimit(FaultDirectory::kNoSpaceLimit);
  EXPECT_TRUE((*a)->Append(std::string(1000, 'z')).ok());
}

TEST_F(FaultDirectoryTest, SpaceLimitCountsUnlinkedFileBeingWritten) {
  dir_->SetSpaceLimit(10);
  auto a = dir_->Create("a");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE((*a)->Append("12345678").ok());
  ASSERT_TRUE(dir_->Remove("a").ok());
  EXPECT_FALSE((*a)->Append("abc").ok());
  EXPECT_TRUE((*a)->Append("ab").ok());
}

// --- Simulated crashes ------------------------------------------------------

TEST_F(FaultDirectoryTest, CrashDropsUnsyncedBytes) {
  Write("seg_1.doc", "synced bytes", " and some that were never synced");
  Write("all_synced", "everything");
  Write("nothing_synced", "", "all of it unsynced");
  ASSERT_TRUE(dir_->SyncDir().ok());
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 42);
  EXPECT_EQ(Read("seg_1.doc"), "synced bytes");
  EXPECT_EQ(Read("all_synced"), "everything");
  EXPECT_EQ(Read("nothing_synced"), "");
}

TEST_F(FaultDirectoryTest, CrashKeepsEverySyncedPrefix) {
  auto file = dir_->Create("log");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(dir_->SyncDir().ok());
  ASSERT_TRUE((*file)->Append("one;").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("two;").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Append("three;").ok());
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 0);
  EXPECT_EQ(Read("log"), "one;two;");
}

TEST_F(FaultDirectoryTest, CrashTearsUnsyncedTail) {
  const std::string synced = "header-and-synced-part|";
  const std::string unsynced(64, 'u');
  std::set<std::size_t> lengths;
  for (std::uint64_t seed = 0; seed < 32; ++seed) {
    dir_ = NewFaultDirectory();
    Write("f", synced, unsynced);
    ASSERT_TRUE(dir_->SyncDir().ok());
    dir_->SimulateCrash(CrashMode::kTornUnsynced, seed);
    const std::string after = Read("f");
    ASSERT_GE(after.size(), synced.size());
    ASSERT_LE(after.size(), synced.size() + unsynced.size());
    EXPECT_EQ(after, (synced + unsynced).substr(0, after.size()));
    lengths.insert(after.size());

    // The same seed tears the same way.
    auto again = NewFaultDirectory();
    std::swap(again, dir_);
    Write("f", synced, unsynced);
    ASSERT_TRUE(dir_->SyncDir().ok());
    dir_->SimulateCrash(CrashMode::kTornUnsynced, seed);
    EXPECT_EQ(Read("f"), after);
  }
  // Different seeds tear at different places, and usually mid-tail.
  EXPECT_GT(lengths.size(), 8u);
  EXPECT_TRUE(std::any_of(lengths.begin(), lengths.end(), [&](std::size_t n) {
    return n > synced.size() && n < synced.size() + unsynced.size();
  }));
}

TEST_F(FaultDirectoryTest, CrashGarblesUnsyncedTail) {
  const std::string synced = "good bytes|";
  const std::string unsynced(64, 'u');
  Write("f", synced, unsynced);
  ASSERT_TRUE(dir_->SyncDir().ok());
  dir_->SimulateCrash(CrashMode::kGarbleUnsynced, 7);
  const std::string after = Read("f");
  ASSERT_EQ(after.size(), synced.size() + unsynced.size());
  EXPECT_EQ(after.substr(0, synced.size()), synced);
  EXPECT_NE(after.substr(synced.size()), unsynced);
  // The damage is now what the disk holds: a second crash changes nothing.
  dir_->SimulateCrash(CrashMode::kGarbleUnsynced, 8);
  EXPECT_EQ(Read("f"), after);
}

TEST_F(FaultDirectoryTest, FullySyncedFilesSurviveEveryMode) {
  for (CrashMode mode : {CrashMode::kDropUnsynced, CrashMode::kTornUnsynced,
                         CrashMode::kGarbleUnsynced}) {
    dir_ = NewFaultDirectory();
    Write("f", std::string(5000, 'q'));
    ASSERT_TRUE(dir_->SyncDir().ok());
    dir_->SimulateCrash(mode, 99);
    EXPECT_EQ(Read("f"), std::string(5000, 'q'));
  }
}

TEST_F(FaultDirectoryTest, DirectoryOpsBeforeSyncDirAreUndone) {
  Write("kept", "k");
  Write("removed", "r");
  Write("renamed", "n");
  ASSERT_TRUE(dir_->SyncDir().ok());

  Write("created", "c");  // Synced data, but the name is not durable.
  ASSERT_TRUE(dir_->Remove("removed").ok());
  ASSERT_TRUE(dir_->Rename("renamed", "renamed.2").ok());
  EXPECT_EQ(Names(), (std::set<std::string>{"kept", "created", "renamed.2"}));

  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  EXPECT_EQ(Names(), (std::set<std::string>{"kept", "removed", "renamed"}));
  EXPECT_EQ(Read("removed"), "r");
  EXPECT_EQ(Read("renamed"), "n");
  EXPECT_EQ(Read("created"), "<missing>");
}

TEST_F(FaultDirectoryTest, DirectoryOpsAfterSyncDirSurvive) {
  Write("removed", "r");
  Write("renamed", "n");
  ASSERT_TRUE(dir_->SyncDir().ok());
  Write("created", "c");
  ASSERT_TRUE(dir_->Remove("removed").ok());
  ASSERT_TRUE(dir_->Rename("renamed", "renamed.2").ok());
  ASSERT_TRUE(dir_->SyncDir().ok());

  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  EXPECT_EQ(Names(), (std::set<std::string>{"created", "renamed.2"}));
  EXPECT_EQ(Read("created"), "c");
  EXPECT_EQ(Read("renamed.2"), "n");
}

// The commit protocol's crash window: the new manifest is written, synced
// and renamed over the old one, but the directory is not synced yet.
TEST_F(FaultDirectoryTest, RenameWithoutSyncDirRevertsToOldNames) {
  Write("CURRENT", "manifest 1");
  ASSERT_TRUE(dir_->SyncDir().ok());

  Write("CURRENT.tmp", "manifest 2");
  ASSERT_TRUE(dir_->Rename("CURRENT.tmp", "CURRENT").ok());
  EXPECT_EQ(Read("CURRENT"), "manifest 2");
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  EXPECT_EQ(Read("CURRENT"), "manifest 1");
  EXPECT_EQ(Names(), std::set<std::string>{"CURRENT"});

  // Same, but the temporary name was made durable before the rename: both
  // old names come back with their synced bytes.
  Write("CURRENT.tmp", "manifest 2");
  ASSERT_TRUE(dir_->SyncDir().ok());
  ASSERT_TRUE(dir_->Rename("CURRENT.tmp", "CURRENT").ok());
  dir_->SimulateCrash(CrashMode::kGarbleUnsynced, 1);
  EXPECT_EQ(Read("CURRENT"), "manifest 1");
  EXPECT_EQ(Read("CURRENT.tmp"), "manifest 2");

  // With the final SyncDir the new manifest is the one that survives.
  ASSERT_TRUE(dir_->Rename("CURRENT.tmp", "CURRENT").ok());
  ASSERT_TRUE(dir_->SyncDir().ok());
  dir_->SimulateCrash(CrashMode::kTornUnsynced, 1);
  EXPECT_EQ(Read("CURRENT"), "manifest 2");
  EXPECT_EQ(Names(), std::set<std::string>{"CURRENT"});
}

TEST_F(FaultDirectoryTest, UnsyncedFileWithDurableNameComesBackEmpty) {
  auto file = dir_->Create("a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE(dir_->SyncDir().ok());
  ASSERT_TRUE((*file)->Append("never synced").ok());
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  EXPECT_EQ(Read("a"), "");
}

TEST_F(FaultDirectoryTest, WritersFromBeforeACrashFail) {
  auto file = dir_->Create("a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE(dir_->SyncDir().ok());
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);

  for (const Status& s :
       {(*file)->Append("def"), (*file)->Sync(), (*file)->Close()}) {
    EXPECT_EQ(s.code(), StatusCode::kIOError);
    EXPECT_NE(s.message().find("crashed"), std::string::npos) << s.message();
  }
  EXPECT_EQ(Read("a"), "abc");

  // New writers work normally.
  auto fresh = dir_->Create("b");
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE((*fresh)->Append("new").ok());
  EXPECT_TRUE((*fresh)->Sync().ok());
  EXPECT_TRUE((*fresh)->Close().ok());
  EXPECT_EQ(Read("b"), "new");
}

TEST_F(FaultDirectoryTest, CrashReleasesLocks) {
  auto lock = dir_->Lock("LOCK");
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(dir_->Lock("LOCK").status().code(), StatusCode::kBusy);
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  auto after = dir_->Lock("LOCK");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  // Dropping the stale lock must not release the new holder's lock.
  lock->reset();
  EXPECT_EQ(dir_->Lock("LOCK").status().code(), StatusCode::kBusy);
  after->reset();
  EXPECT_TRUE(dir_->Lock("LOCK").ok());
}

TEST_F(FaultDirectoryTest, ReadersKeepTheirSnapshotAcrossACrash) {
  Write("a", "synced", "+unsynced");
  auto data = dir_->Open("a");
  ASSERT_TRUE(data.ok());
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);  // "a" never SyncDir'd.
  EXPECT_EQ((*data)->bytes(), "synced+unsynced");
  EXPECT_EQ(Read("a"), "<missing>");
}

TEST_F(FaultDirectoryTest, FaultSettingsSurviveACrash) {
  dir_->SetSpaceLimit(5);
  dir_->FailAfter(FaultOp::kCreate, 1);
  dir_->SimulateCrash(CrashMode::kDropUnsynced, 1);
  auto a = dir_->Create("a");
  ASSERT_TRUE(a.ok());
  EXPECT_FALSE((*a)->Append("123456").ok());
  EXPECT_TRUE(IsInjected(dir_->Create("b").status()));
  EXPECT_EQ(dir_->Count(FaultOp::kCreate), 2);
}

// --- FsDirectory: a killed writer's lock ------------------------------------

class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = testing::TempDir();
    if (pattern.empty() || pattern.back() != '/') pattern += '/';
    pattern += "quarry_lock_test_XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    if (::mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(FsDirectoryLock, ReleasedWhenOwnerIsKilled) {
  ScratchDir scratch;
  ASSERT_FALSE(scratch.path().empty());
  auto dir = OpenFsDirectory(scratch.path(), /*create=*/false);
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Child: take the lock, tell the parent, then wait to be killed.
    ::close(pipe_fds[0]);
    auto lock = (*dir)->Lock("LOCK");
    const char report = lock.ok() ? 'L' : 'E';
    if (::write(pipe_fds[1], &report, 1) != 1) ::_exit(2);
    for (;;) ::pause();
  }
  ::close(pipe_fds[1]);
  char report = 0;
  ssize_t n;
  do {
    n = ::read(pipe_fds[0], &report, 1);
  } while (n < 0 && errno == EINTR);
  ::close(pipe_fds[0]);

  Status busy;
  if (n == 1 && report == 'L') busy = (*dir)->Lock("LOCK").status();

  ::kill(pid, SIGKILL);
  int wait_status = 0;
  pid_t waited;
  do {
    waited = ::waitpid(pid, &wait_status, 0);
  } while (waited < 0 && errno == EINTR);

  ASSERT_EQ(n, 1) << "child died before reporting";
  ASSERT_EQ(report, 'L') << "child could not take the lock";
  EXPECT_EQ(busy.code(), StatusCode::kBusy) << busy.ToString();
  EXPECT_NE(busy.message().find("locked by another writer"), std::string::npos);
  ASSERT_EQ(waited, pid);
  EXPECT_TRUE(WIFSIGNALED(wait_status));
  EXPECT_EQ(WTERMSIG(wait_status), SIGKILL);

  // The kernel dropped the dead child's lock; the lock file itself remains.
  auto lock = (*dir)->Lock("LOCK");
  EXPECT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_TRUE(std::filesystem::exists(scratch.path() + "/LOCK"));
}

}  // namespace
}  // namespace quarry::store
