// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// A real writer process killed with SIGKILL, again and again. kill_child
// (its path comes from $QUARRY_KILL_CHILD, else from the build) writes
// numbered rounds of documents to an index on the file system and reports
// each round on stdout once its commit returned. After every kill:
//   * IndexReader::Open succeeds and CheckIndex is clean;
//   * the index is exactly the state after some round k', where k' is the
//     last round the child reported, or the one after it (killed after the
//     commit became durable but before it could report);
//   * a reader opened after the previous kill still reads its snapshot,
//     although the writer since deleted the files under it;
// and the next child carries on from there. Finally, a writer cleans up
// whatever the killed writers left behind.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "fault_test_util.h"  // tests/index/
#include "index/index_internal.h"
#include "quarry/index.h"

extern char** environ;

namespace quarry {
namespace {

using faulttest::DiffReader;
using faulttest::KillRoundOf;
using faulttest::KillStateAfter;

std::string ChildPath() {
  if (const char* env = std::getenv("QUARRY_KILL_CHILD");
      env != nullptr && *env != '\0') {
    return env;
  }
#ifdef KILL_CHILD_PATH
  return KILL_CHILD_PATH;
#else
  return "";
#endif
}

struct ChildRun {
  std::vector<int> reported;  // rounds, in the order reported
  std::string output;         // everything the child wrote to stdout
  bool killed = false;        // by our SIGKILL (not exited by itself)
  int status = 0;             // from waitpid
};

using Clock = std::chrono::steady_clock;

// Starts the child on `index`; once it has run for `run_ms` milliseconds
// (counted from its first report if `from_first_report`), kills it with
// SIGKILL and collects what it reported.
ChildRun RunChild(const std::string& child, const std::string& index,
                  int run_ms, bool from_first_report) {
  ChildRun out;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe2: " << std::strerror(errno);
    return out;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> argv = {const_cast<char*>(child.c_str()),
                             const_cast<char*>(index.c_str()), nullptr};
  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, child.c_str(), &actions, nullptr,
                               argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    ADD_FAILURE() << "posix_spawn " << child << ": " << std::strerror(rc);
    return out;
  }
  auto deadline = Clock::now() + std::chrono::milliseconds(run_ms);
  if (from_first_report) deadline = Clock::now() + std::chrono::seconds(20);
  bool eof = false;
  char buf[256];
  while (!eof) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - Clock::now())
                          .count();
    if (left <= 0) break;
    pollfd p = {fds[0], POLLIN, 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    const ssize_t got = ::read(fds[0], buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      eof = true;
      break;
    }
    out.output.append(buf, static_cast<std::size_t>(got));
    if (from_first_report && out.output.find('\n') != std::string::npos) {
      from_first_report = false;
      deadline = Clock::now() + std::chrono::milliseconds(run_ms);
    }
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.status = status;
  out.killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  // Whatever it wrote before dying.
  for (;;) {
    const ssize_t got = ::read(fds[0], buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;
    out.output.append(buf, static_cast<std::size_t>(got));
  }
  ::close(fds[0]);
  std::size_t start = 0;
  for (std::size_t nl; (nl = out.output.find('\n', start)) != std::string::npos;
       start = nl + 1) {
    out.reported.push_back(
        std::atoi(out.output.substr(start, nl - start).c_str()));
  }
  return out;
}

TEST(KillTest, KilledWriterAlwaysLeavesACommittedRound) {
  const std::string child = ChildPath();
  ASSERT_FALSE(child.empty())
      << "set QUARRY_KILL_CHILD to the kill_child binary";
  ASSERT_EQ(::access(child.c_str(), X_OK), 0) << child << " is not executable";
  const std::string path =
      testing::TempDir() + "quarry_kill_test_" + std::to_string(::getpid());
  std::filesystem::remove_all(path);
  {
    // Round 0: an empty index, so that there is always one to open.
    auto w = IndexWriter::Open(path, faulttest::KillWriterOptions());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }
  faulttest::Rng rng(static_cast<std::uint64_t>(::getpid()));
  const auto start = Clock::now();
  int round = 0;  // the verified state
  int kills = 0, mid_run_kills = 0;
  // A reader from the cycle before: it keeps reading its snapshot although
  // later writers committed, merged and deleted its files.
  std::shared_ptr<const IndexReader> held;
  int held_round = 0;
  for (int cycle = 0; cycle < 100; ++cycle) {
    const double elapsed =
        std::chrono::duration<double>(Clock::now() - start).count();
    if (kills >= 30 && (elapsed > 25 || kills >= 40)) break;
    // Half the kills at a random moment of the child's life (often while
    // it starts up or opens the index), half a random moment after it has
    // committed a round (while it writes the next ones).
    const bool after_report = cycle % 2 == 1;
    const int run_ms = after_report ? static_cast<int>(rng.Uniform(60))
                                    : 5 + static_cast<int>(rng.Uniform(196));
    const ChildRun run = RunChild(child, path, run_ms, after_report);
    const std::string context =
        "cycle " + std::to_string(cycle) + " (killed " +
        std::to_string(run_ms) + " ms " +
        (after_report ? "after its first report" : "after start") +
        ", started at round " + std::to_string(round) + ")";
    ASSERT_TRUE(run.killed)
        << context << ": the child was not killed by SIGKILL (status "
        << run.status << "); it reported: " << run.output;
    ++kills;
    int last = round;
    for (int r : run.reported) {
      EXPECT_EQ(r, last + 1)
          << context << ": rounds out of order: " << run.output;
      last = r;
    }
    if (!run.reported.empty()) ++mid_run_kills;
    auto reader = IndexReader::Open(path);
    ASSERT_TRUE(reader.ok()) << context << ": " << reader.status().ToString();
    auto report = CheckIndex(path);
    ASSERT_TRUE(report.ok()) << context << ": " << report.status().ToString();
    for (const std::string& p : report->problems)
      ADD_FAILURE() << context << ": " << p;
    const int found = KillRoundOf(**reader);
    ASSERT_GE(found, last) << context << ": the child reported round " << last
                           << " committed, the index holds round " << found;
    ASSERT_LE(found, last + 1)
        << context << ": the child reported only up to round " << last
        << ", the index holds round " << found;
    ASSERT_EQ(DiffReader(**reader, KillStateAfter(found)), "")
        << context << ": the index is not the state after round " << found;
    if (held) {
      EXPECT_EQ(DiffReader(*held, KillStateAfter(held_round)), "")
          << context << ": a reader opened at round " << held_round
          << " changed";
    }
    held = *reader;
    held_round = found;
    round = found;
  }
  EXPECT_GE(kills, 30);
  EXPECT_GE(mid_run_kills, 10)
      << "too few kills while the child was committing";
  EXPECT_GE(round, 10) << "the children made too little progress";
  // A writer (open, close) removes everything the killed ones left behind.
  {
    auto w = IndexWriter::Open(path, faulttest::KillWriterOptions());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
  }
  auto reader = IndexReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ(DiffReader(**reader, KillStateAfter(round)), "");
  std::set<std::string> want;
  for (const std::string& f :
       index::CommitFiles(internal::IndexAccess::GetCommit(**reader))) {
    want.insert(f);
  }
  want.insert(std::string(index::kLockFile));
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(want.count(name), 1u) << "left behind: " << name;
  }
  std::filesystem::remove_all(path);
}

}  // namespace
}  // namespace quarry
