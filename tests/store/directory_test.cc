// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// One conformance suite for every Directory implementation, plus a few
// FsDirectory-only checks (opening the directory, write errors).
#include "store/directory.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "quarry/status.h"
#include "store/fault_directory.h"

namespace quarry::store {
namespace {

// A fresh temporary directory, removed (with its contents) on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = testing::TempDir();
    if (pattern.empty() || pattern.back() != '/') pattern += '/';
    pattern += "quarry_dir_test_XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const char* made = ::mkdtemp(buf.data());
    EXPECT_NE(made, nullptr) << "mkdtemp " << pattern;
    if (made != nullptr) path_ = made;
  }
  ~TempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The implementations under test. Each Make() returns a fresh, empty
// directory that stays valid as long as the environment object lives.
struct FsEnv {
  TempDir temp;
  std::shared_ptr<Directory> Make() {
    auto dir = OpenFsDirectory(temp.path() + "/index", /*create=*/true);
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    return dir.ok() ? *dir : nullptr;
  }
};

struct MemoryEnv {
  std::shared_ptr<Directory> Make() { return NewMemoryDirectory(); }
};

struct FaultEnv {
  std::shared_ptr<Directory> Make() { return NewFaultDirectory(); }
};

class EnvNames {
 public:
  template <typename T>
  static std::string GetName(int /*i*/) {
    if constexpr (std::is_same_v<T, FsEnv>) return "Fs";
    if constexpr (std::is_same_v<T, MemoryEnv>) return "Memory";
    if constexpr (std::is_same_v<T, FaultEnv>) return "Fault";
    return "Unknown";
  }
};

template <typename Env>
class DirectoryTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = env_.Make();
    ASSERT_NE(dir_, nullptr);
  }

  // Writes `content` to a new file `name` (appending in `chunk`-sized
  // pieces), syncs and closes it.
  void WriteFile(const std::string& name, const std::string& content,
                 std::size_t chunk = 1000) {
    auto file = dir_->Create(name);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    for (std::size_t pos = 0; pos < content.size(); pos += chunk) {
      const std::string_view piece =
          std::string_view(content).substr(pos, chunk);
      ASSERT_TRUE((*file)->Append(piece).ok());
    }
    EXPECT_EQ((*file)->size(), content.size());
    ASSERT_TRUE((*file)->Sync().ok());
    ASSERT_TRUE((*file)->Close().ok());
  }

  std::string ReadFile(const std::string& name) {
    auto data = dir_->Open(name);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    if (!data.ok()) return "<error>";
    return std::string((*data)->bytes());
  }

  std::set<std::string> ListSet() {
    auto names = dir_->List();
    EXPECT_TRUE(names.ok()) << names.status().ToString();
    if (!names.ok()) return {};
    return std::set<std::string>(names->begin(), names->end());
  }

  Env env_;
  std::shared_ptr<Directory> dir_;
};

using Implementations = testing::Types<FsEnv, MemoryEnv, FaultEnv>;
TYPED_TEST_SUITE(DirectoryTest, Implementations, EnvNames);

// Deterministic pseudo-random bytes.
std::string PatternBytes(std::size_t n, std::uint32_t seed) {
  std::string s(n, '\0');
  std::uint32_t x = seed * 2654435761u + 1;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return s;
}

TYPED_TEST(DirectoryTest, RoundTrip) {
  auto file = this->dir_->Create("seg_1.doc");
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  EXPECT_EQ((*file)->size(), 0u);
  ASSERT_TRUE((*file)->Append("hello").ok());
  ASSERT_TRUE((*file)->Append("").ok());
  ASSERT_TRUE((*file)->Append(", world").ok());
  EXPECT_EQ((*file)->size(), 12u);
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());

  auto data = this->dir_->Open("seg_1.doc");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ((*data)->bytes(), "hello, world");
  EXPECT_EQ((*data)->name(), "seg_1.doc");
}

TYPED_TEST(DirectoryTest, EmptyFile) {
  auto file = this->dir_->Create("empty");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Close().ok());
  auto data = this->dir_->Open("empty");
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_TRUE((*data)->bytes().empty());
  EXPECT_EQ((*data)->bytes().size(), 0u);
}

TYPED_TEST(DirectoryTest, LargeFileInMixedAppends) {
  const std::string content = PatternBytes(5 * 1024 * 1024 + 17, 7);
  auto file = this->dir_->Create("big.bin");
  ASSERT_TRUE(file.ok());
  // Mix tiny appends, appends around the 64 KiB buffer size and huge ones.
  const std::size_t sizes[] = {1, 3, 65535, 65536, 65537, 100, 1 << 20, 7};
  std::size_t pos = 0;
  for (std::size_t i = 0; pos < content.size(); ++i) {
    const std::size_t n =
        std::min(sizes[i % std::size(sizes)], content.size() - pos);
    ASSERT_TRUE((*file)->Append(std::string_view(content).substr(pos, n)).ok());
    pos += n;
    ASSERT_EQ((*file)->size(), pos);
  }
  ASSERT_TRUE((*file)->Sync().ok());
  ASSERT_TRUE((*file)->Close().ok());
  auto data = this->dir_->Open("big.bin");
  ASSERT_TRUE(data.ok());
  ASSERT_EQ((*data)->bytes().size(), content.size());
  EXPECT_TRUE((*data)->bytes() == content);
}

TYPED_TEST(DirectoryTest, CloseWithoutSyncKeepsBytesVisible) {
  auto file = this->dir_->Create("a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ(this->ReadFile("a"), "abc");
}

TYPED_TEST(DirectoryTest, DroppedWriterKeepsAppendedBytes) {
  {
    auto file = this->dir_->Create("a");
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->Append("xyz").ok());
  }  // Destroyed without Close().
  EXPECT_EQ(this->ReadFile("a"), "xyz");
}

TYPED_TEST(DirectoryTest, ClosedFileRejectsCalls) {
  auto file = this->dir_->Create("a");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ((*file)->Append("d").code(), StatusCode::kIOError);
  EXPECT_EQ((*file)->Sync().code(), StatusCode::kIOError);
  EXPECT_EQ((*file)->Close().code(), StatusCode::kIOError);
  EXPECT_EQ((*file)->size(), 3u);
  EXPECT_EQ(this->ReadFile("a"), "abc");
}

TYPED_TEST(DirectoryTest, CreateExistingIsAlreadyExists) {
  this->WriteFile("a", "first");
  auto again = this->dir_->Create("a");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("a"), std::string::npos);
  EXPECT_EQ(this->ReadFile("a"), "first");

  // Also while the first writer is still open.
  auto open_writer = this->dir_->Create("b");
  ASSERT_TRUE(open_writer.ok());
  EXPECT_EQ(this->dir_->Create("b").status().code(),
            StatusCode::kAlreadyExists);
}

TYPED_TEST(DirectoryTest, MissingFiles) {
  auto data = this->dir_->Open("nope");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kNotFound);
  EXPECT_NE(data.status().message().find("nope"), std::string::npos);
  EXPECT_EQ(this->dir_->Remove("nope").code(), StatusCode::kNotFound);
  EXPECT_EQ(this->dir_->Rename("nope", "other").code(), StatusCode::kNotFound);
  EXPECT_TRUE(this->ListSet().empty());
}

TYPED_TEST(DirectoryTest, RenameReplacesTarget) {
  this->WriteFile("MANIFEST", "old");
  this->WriteFile("MANIFEST.tmp", "new");
  ASSERT_TRUE(this->dir_->Rename("MANIFEST.tmp", "MANIFEST").ok());
  EXPECT_EQ(this->ReadFile("MANIFEST"), "new");
  EXPECT_EQ(this->dir_->Open("MANIFEST.tmp").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(this->ListSet(), std::set<std::string>{"MANIFEST"});

  // Renaming to a fresh name and to itself.
  ASSERT_TRUE(this->dir_->Rename("MANIFEST", "m2").ok());
  EXPECT_EQ(this->ReadFile("m2"), "new");
  ASSERT_TRUE(this->dir_->Rename("m2", "m2").ok());
  EXPECT_EQ(this->ReadFile("m2"), "new");
  ASSERT_TRUE(this->dir_->SyncDir().ok());
}

TYPED_TEST(DirectoryTest, ListAndRemove) {
  EXPECT_TRUE(this->ListSet().empty());
  this->WriteFile("a", "1");
  this->WriteFile("b.x", "2");
  this->WriteFile("c_3-4", "");
  EXPECT_EQ(this->ListSet(), (std::set<std::string>{"a", "b.x", "c_3-4"}));
  ASSERT_TRUE(this->dir_->Remove("b.x").ok());
  EXPECT_EQ(this->ListSet(), (std::set<std::string>{"a", "c_3-4"}));
  EXPECT_EQ(this->dir_->Remove("b.x").code(), StatusCode::kNotFound);
  ASSERT_TRUE(this->dir_->SyncDir().ok());
  auto names = this->dir_->List();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names->size(), 2u);  // No duplicates, no "." or "..".
}

TYPED_TEST(DirectoryTest, ReaderKeepsBytesAfterRemove) {
  const std::string content = PatternBytes(200000, 3);
  this->WriteFile("seg", content);
  auto data = this->dir_->Open("seg");
  ASSERT_TRUE(data.ok());
  ASSERT_TRUE(this->dir_->Remove("seg").ok());
  EXPECT_TRUE((*data)->bytes() == content);
  // The name is free again; a new file does not disturb the old reader.
  this->WriteFile("seg", "different");
  EXPECT_TRUE((*data)->bytes() == content);
  EXPECT_EQ(this->ReadFile("seg"), "different");
}

TYPED_TEST(DirectoryTest, ReaderKeepsBytesAfterReplaceByRename) {
  this->WriteFile("CURRENT", "generation 1");
  auto old_reader = this->dir_->Open("CURRENT");
  ASSERT_TRUE(old_reader.ok());
  this->WriteFile("CURRENT.tmp", "generation 2, longer");
  ASSERT_TRUE(this->dir_->Rename("CURRENT.tmp", "CURRENT").ok());
  EXPECT_EQ((*old_reader)->bytes(), "generation 1");
  EXPECT_EQ(this->ReadFile("CURRENT"), "generation 2, longer");
}

TYPED_TEST(DirectoryTest, ReaderDoesNotSeeLaterAppends) {
  auto file = this->dir_->Create("log");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("abc").ok());
  ASSERT_TRUE((*file)->Sync().ok());  // Sync also flushes any buffer.
  auto reader = this->dir_->Open("log");
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*file)->Append("def").ok());
  ASSERT_TRUE((*file)->Close().ok());
  EXPECT_EQ((*reader)->bytes(), "abc");
  EXPECT_EQ(this->ReadFile("log"), "abcdef");
}

TYPED_TEST(DirectoryTest, ReaderOutlivesDirectory) {
  this->WriteFile("a", "still here");
  auto data = this->dir_->Open("a");
  ASSERT_TRUE(data.ok());
  this->dir_.reset();
  EXPECT_EQ((*data)->bytes(), "still here");
}

TYPED_TEST(DirectoryTest, ConcurrentCreatesAndOpens) {
  constexpr int kThreads = 4;
  constexpr int kFilesPerThread = 25;
  std::shared_ptr<Directory> dir = this->dir_;
  std::atomic<int> failures{0};
  std::atomic<int> contested_wins{0};
  auto content_of = [](int t, int i) {
    return PatternBytes(static_cast<std::size_t>(100 + 977 * i),
                        static_cast<std::uint32_t>(t * 1000 + i));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kFilesPerThread; ++i) {
        const std::string name =
            "t" + std::to_string(t) + "_" + std::to_string(i);
        const std::string content = content_of(t, i);
        auto file = dir->Create(name);
        if (!file.ok() || !(*file)->Append(content).ok() ||
            !(*file)->Sync().ok() || !(*file)->Close().ok()) {
          ++failures;
          continue;
        }
        // Read back our own file and, when it exists, a neighbour's.
        auto mine = dir->Open(name);
        if (!mine.ok() || (*mine)->bytes() != content) ++failures;
        const int other = (t + 1) % kThreads;
        auto theirs =
            dir->Open("t" + std::to_string(other) + "_" + std::to_string(i));
        // A neighbour's file may be missing, or seen mid-write (a prefix:
        // the file system shows bytes as they are flushed), but never with
        // wrong bytes.
        if (theirs.ok()) {
          const std::string expect = content_of(other, i);
          const std::string_view seen = (*theirs)->bytes();
          if (seen.size() > expect.size() ||
              expect.compare(0, seen.size(), seen) != 0) {
            ++failures;
          }
        } else if (theirs.status().code() != StatusCode::kNotFound) {
          ++failures;
        }
        // Everyone races for the same name; exactly one may win each.
        auto contested = dir->Create("contested_" + std::to_string(i));
        if (contested.ok()) {
          ++contested_wins;
          if (!(*contested)->Close().ok()) ++failures;
        } else if (contested.status().code() != StatusCode::kAlreadyExists) {
          ++failures;
        }
        if (!dir->List().ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(contested_wins.load(), kFilesPerThread);
  EXPECT_EQ(
      this->ListSet().size(),
      static_cast<std::size_t>(kThreads * kFilesPerThread + kFilesPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kFilesPerThread; ++i) {
      EXPECT_TRUE(this->ReadFile("t" + std::to_string(t) + "_" +
                                 std::to_string(i)) == content_of(t, i));
    }
  }
}

TYPED_TEST(DirectoryTest, LockIsExclusiveUntilReleased) {
  auto lock = this->dir_->Lock("LOCK");
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  auto second = this->dir_->Lock("LOCK");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kBusy);
  EXPECT_NE(second.status().message().find("locked by another writer"),
            std::string::npos)
      << second.status().message();
  EXPECT_NE(second.status().message().find(this->dir_->Describe()),
            std::string::npos);

  // A different lock name is independent.
  auto other = this->dir_->Lock("OTHER.lock");
  EXPECT_TRUE(other.ok()) << other.status().ToString();

  // The lock file exists, like a file-system lock file.
  EXPECT_EQ(this->ListSet().count("LOCK"), 1u);

  lock->reset();
  auto third = this->dir_->Lock("LOCK");
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TYPED_TEST(DirectoryTest, LockFromAnotherThreadIsBusy) {
  auto lock = this->dir_->Lock("LOCK");
  ASSERT_TRUE(lock.ok());
  StatusCode code = StatusCode::kOk;
  std::thread th([&] { code = this->dir_->Lock("LOCK").status().code(); });
  th.join();
  EXPECT_EQ(code, StatusCode::kBusy);
}

TYPED_TEST(DirectoryTest, InvalidNamesAreRejected) {
  this->WriteFile("good", "x");
  const std::string bad_names[] = {"",
                                   ".",
                                   "..",
                                   "a/b",
                                   "../x",
                                   "/abs",
                                   "a b",
                                   "tab\t",
                                   "caf\xc3\xa9",
                                   std::string("nul\0x", 5),
                                   "star*",
                                   "back\\slash",
                                   std::string(256, 'a')};
  for (const std::string& bad : bad_names) {
    SCOPED_TRACE("name \"" + bad + "\"");
    EXPECT_EQ(this->dir_->Create(bad).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(this->dir_->Open(bad).status().code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(this->dir_->Remove(bad).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(this->dir_->Rename("good", bad).code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(this->dir_->Rename(bad, "good").code(),
              StatusCode::kInvalidArgument);
    EXPECT_EQ(this->dir_->Lock(bad).status().code(),
              StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(this->ListSet(), std::set<std::string>{"good"});

  // Edge cases that are valid.
  for (const std::string& good :
       {std::string("-"), std::string("_"), std::string("a..b"),
        std::string(".hidden"), std::string(255, 'z'),
        std::string("ABC-xyz_0.9")}) {
    SCOPED_TRACE("name \"" + good + "\"");
    auto file = this->dir_->Create(good);
    ASSERT_TRUE(file.ok()) << file.status().ToString();
    ASSERT_TRUE((*file)->Close().ok());
    EXPECT_TRUE(this->dir_->Open(good).ok());
  }
}

TYPED_TEST(DirectoryTest, DescribeIsNonEmpty) {
  EXPECT_FALSE(this->dir_->Describe().empty());
}

// --- FsDirectory only ------------------------------------------------------

TEST(FsDirectory, OpenCreatesOnlyWhenAsked) {
  TempDir temp;
  const std::string path = temp.path() + "/idx";
  auto missing = OpenFsDirectory(path, /*create=*/false);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(path), std::string::npos);

  auto made = OpenFsDirectory(path + "/", /*create=*/true);
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  EXPECT_EQ((*made)->Describe(), path);
  EXPECT_TRUE(std::filesystem::is_directory(path));

  auto reopened = OpenFsDirectory(path, /*create=*/false);
  ASSERT_TRUE(reopened.ok());
  auto file = (*made)->Create("f");
  ASSERT_TRUE(file.ok());
  ASSERT_TRUE((*file)->Append("shared").ok());
  ASSERT_TRUE((*file)->Close().ok());
  auto data = (*reopened)->Open("f");
  ASSERT_TRUE(data.ok());
  EXPECT_EQ((*data)->bytes(), "shared");
}

TEST(FsDirectory, NotADirectory) {
  TempDir temp;
  const std::string path = temp.path() + "/plain";
  std::ofstream(path) << "x";
  auto dir = OpenFsDirectory(path, /*create=*/true);
  ASSERT_FALSE(dir.ok());
  EXPECT_EQ(dir.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(dir.status().message().find("not a directory"), std::string::npos);

  EXPECT_FALSE(OpenFsDirectory("", true).ok());
  // A missing parent is an error, not a crash.
  auto deep = OpenFsDirectory(temp.path() + "/no/such/parent", true);
  EXPECT_FALSE(deep.ok());
}

TEST(FsDirectory, OpenOfDirectoryEntryFails) {
  TempDir temp;
  auto dir = OpenFsDirectory(temp.path(), false);
  ASSERT_TRUE(dir.ok());
  ASSERT_TRUE(std::filesystem::create_directory(temp.path() + "/sub"));
  auto data = (*dir)->Open("sub");
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), StatusCode::kIOError);
  EXPECT_NE(data.status().message().find("/sub"), std::string::npos);
}

// The kernel refuses writes past RLIMIT_FSIZE with EFBIG, which exercises the
// same error path as ENOSPC/EIO: an IOError naming the file, no crash, and a
// sticky error afterwards.
TEST(FsDirectory, WriteErrorsBecomeIOError) {
  TempDir temp;
  auto dir = OpenFsDirectory(temp.path(), false);
  ASSERT_TRUE(dir.ok());
  auto file = (*dir)->Create("big");
  ASSERT_TRUE(file.ok());

  struct rlimit old_limit;
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  if (old_limit.rlim_cur != RLIM_INFINITY && old_limit.rlim_cur < 1024 * 1024) {
    GTEST_SKIP() << "RLIMIT_FSIZE already small";
  }
  auto old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 100000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);

  const std::string chunk(70000, 'x');
  Status first = (*file)->Append(chunk);   // Large: written directly.
  Status second = (*file)->Append(chunk);  // Crosses the limit.
  Status sync = (*file)->Sync();
  Status close = (*file)->Close();

  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  ::signal(SIGXFSZ, old_handler);

  EXPECT_TRUE(first.ok()) << first.ToString();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.code(), StatusCode::kIOError);
  EXPECT_NE(second.message().find(temp.path() + "/big"), std::string::npos)
      << second.message();
  EXPECT_NE(second.message().find("write"), std::string::npos);
  // The error sticks: the bytes on disk are no longer known.
  EXPECT_EQ(sync, second);
  EXPECT_EQ(close, second);
}

}  // namespace
}  // namespace quarry::store
