// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Crash safety of the index, on FaultDirectory. A workload of adds, updates,
// deletes, commits, merges and rollbacks runs on a committed index while
//   * the N-th call of one kind (append, sync, rename, dir sync, create,
//     remove) fails, for every N the workload reaches: the writer must report
//     an IOError (never crash), and then
//       - after a simulated power loss (every crash mode, several seeds) the
//         index reopens, without repair, at exactly the last commit that
//         returned OK, and Check finds nothing;
//       - without a crash, retrying the failed call, or rolling back, leaves
//         a consistent index that survives a later crash;
//   * the power fails just before the M-th mutating directory call, for
//     every M (nothing the writer does afterwards reaches the disk);
//   * the power fails between two operations;
//   * a flush inside Add fails; a crashed writer's garbage cannot be removed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "fault_test_util.h"  // tests/index/
#include "index/index_internal.h"
#include "quarry/index.h"
#include "store/directory.h"
#include "store/fault_directory.h"

namespace quarry {
namespace {

using faulttest::CheckProblems;
using faulttest::Contains;
using faulttest::DiffReader;
using faulttest::MakeDoc;
using faulttest::Model;
using faulttest::ModelPut;
using internal::IndexAccess;
using store::FaultDirectory;
using FaultOp = FaultDirectory::FaultOp;
using CrashMode = FaultDirectory::CrashMode;

constexpr FaultOp kAllOps[] = {FaultOp::kAppend, FaultOp::kSync,
                               FaultOp::kRename, FaultOp::kSyncDir,
                               FaultOp::kCreate, FaultOp::kRemove};
constexpr CrashMode kAllModes[] = {CrashMode::kDropUnsynced,
                                   CrashMode::kTornUnsynced,
                                   CrashMode::kGarbleUnsynced};

const char* OpName(FaultOp op) {
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
      return "syncdir";
  }
  return "?";
}

const char* ModeName(CrashMode m) {
  switch (m) {
    case CrashMode::kDropUnsynced:
      return "drop";
    case CrashMode::kTornUnsynced:
      return "torn";
    case CrashMode::kGarbleUnsynced:
      return "garble";
  }
  return "?";
}

IndexWriterOptions Options() {
  IndexWriterOptions o;
  o.schema = faulttest::SmallSchema();
  o.merge_factor = 3;  // merges happen inside ordinary commits
  o.ram_budget_bytes = 1u << 20;
  o.stored_compression_level = 1;  // cheap; the runs are many
  return o;
}

// ---- Workloads --------------------------------------------------------------

struct Op {
  enum Kind { kAdd, kUpdate, kDelete, kCommit, kForceMerge, kRollback };
  Kind kind;
  Document doc;                  // kAdd, kUpdate
  std::string id;                // kDelete
  std::size_t max_segments = 1;  // kForceMerge

  std::string Describe() const {
    switch (kind) {
      case kAdd:
        return "Add(" + doc.id + ")";
      case kUpdate:
        return "Update(" + doc.id + ")";
      case kDelete:
        return "Delete(" + id + ")";
      case kCommit:
        return "Commit()";
      case kForceMerge:
        return "ForceMerge(" + std::to_string(max_segments) + ")";
      case kRollback:
        return "Rollback()";
    }
    return "?";
  }
};

Op AddOp(Document d) { return {Op::kAdd, std::move(d), {}, 1}; }
Op UpdateOp(Document d) { return {Op::kUpdate, std::move(d), {}, 1}; }
Op DeleteOp(std::string id) { return {Op::kDelete, {}, std::move(id), 1}; }
Op CommitOp() { return {Op::kCommit, {}, {}, 1}; }
Op ForceMergeOp(std::size_t n) { return {Op::kForceMerge, {}, {}, n}; }
Op RollbackOp() { return {Op::kRollback, {}, {}, 1}; }

// The committed state every run starts from: two segments, deletions in the
// first.
std::vector<Op> SetupOps() {
  std::vector<Op> ops;
  for (int i = 0; i < 12; ++i)
    ops.push_back(AddOp(MakeDoc("s" + std::to_string(i), 0)));
  ops.push_back(CommitOp());
  for (int i = 12; i < 18; ++i)
    ops.push_back(AddOp(MakeDoc("s" + std::to_string(i), 0)));
  ops.push_back(DeleteOp("s3"));
  ops.push_back(DeleteOp("s7"));
  ops.push_back(UpdateOp(MakeDoc("s5", 1)));
  ops.push_back(CommitOp());
  return ops;
}

// Rounds of random adds, updates and deletes, each ending in a commit, a
// force merge or a rollback. Generated as if nothing failed; when something
// did, an op's expected outcome is taken from the actual state (a delete of
// a missing id must be NotFound, and so on).
std::vector<Op> Workload() {
  faulttest::Rng rng(2026);
  std::vector<std::string> live;
  for (int i = 0; i < 18; ++i) {
    if (i != 3 && i != 7) live.push_back("s" + std::to_string(i));
  }
  std::vector<Op> ops;
  int next_id = 0;
  std::uint64_t version = 2;
  for (int round = 0; round < 8; ++round) {
    const std::size_t n = 2 + rng.Uniform(4);
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t pick = rng.Uniform(10);
      if (pick < 5 || live.size() < 4) {
        const std::string id = "w" + std::to_string(next_id++);
        ops.push_back(AddOp(MakeDoc(id, 0)));
        live.push_back(id);
      } else if (pick < 8) {
        ops.push_back(
            UpdateOp(MakeDoc(live[rng.Uniform(live.size())], version++)));
      } else {
        const std::size_t k = rng.Uniform(live.size());
        ops.push_back(DeleteOp(live[k]));
        live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    if (round == 2) {
      ops.push_back(ForceMergeOp(1));
    } else if (round == 5) {
      ops.push_back(ForceMergeOp(2));
    } else if (round == 4) {
      // Changes thrown away, then a commit of something else.
      ops.push_back(RollbackOp());
      ops.push_back(UpdateOp(MakeDoc("s0", version++)));
      ops.push_back(CommitOp());
    } else {
      ops.push_back(CommitOp());
    }
  }
  return ops;
}

// ---- Running ops against a model -------------------------------------------

class Harness {
 public:
  // Opens a writer on `dir`.
  Status Open(std::shared_ptr<store::Directory> dir) {
    auto w = IndexAccess::OpenWriter(std::move(dir), Options());
    if (!w.ok()) return w.status();
    writer_ = std::move(w).value();
    committed_gen_ = writer_->Stats().generation;
    return Status::OK();
  }

  // Runs `op`. Adds, updates and deletes must have exactly the outcome the
  // model predicts (reported through gtest) unless they fail with an
  // IOError (a flush inside Add), which is for the caller to judge, as are
  // failed commits. Successful commits update the committed model. Returns
  // the writer's status.
  Status Apply(const Op& op) {
    Status s;
    switch (op.kind) {
      case Op::kAdd: {
        const bool exists = pending_.count(op.doc.id) != 0;
        s = writer_->Add(op.doc);
        if (s.code() == StatusCode::kIOError)
          break;  // a flush failed: for the caller
        EXPECT_EQ(s.code(),
                  exists ? StatusCode::kAlreadyExists : StatusCode::kOk)
            << op.Describe() << ": " << s.ToString();
        if (s.ok()) ModelPut(&pending_, op.doc);
        break;
      }
      case Op::kUpdate:
        s = writer_->Update(op.doc);
        if (s.code() == StatusCode::kIOError) break;
        EXPECT_TRUE(s.ok()) << op.Describe() << ": " << s.ToString();
        if (s.ok()) ModelPut(&pending_, op.doc);
        break;
      case Op::kDelete: {
        const bool exists = pending_.count(op.id) != 0;
        s = writer_->Delete(op.id);
        EXPECT_EQ(s.code(), exists ? StatusCode::kOk : StatusCode::kNotFound)
            << op.Describe() << ": " << s.ToString();
        if (s.ok()) pending_.erase(op.id);
        break;
      }
      case Op::kCommit:
      case Op::kForceMerge:
        s = op.kind == Op::kCommit ? writer_->Commit()
                                   : writer_->ForceMerge(op.max_segments);
        if (s.ok()) Committed();
        break;
      case Op::kRollback:
        s = writer_->Rollback();
        EXPECT_TRUE(s.ok()) << s.ToString();
        pending_ = committed_;
        break;
    }
    return s;
  }

  // After a successful commit.
  void Committed() {
    const std::uint64_t gen = writer_->Stats().generation;
    EXPECT_GT(gen, committed_gen_)
        << "a successful commit must advance the generation";
    committed_gen_ = gen;
    committed_ = pending_;
  }

  IndexWriter* writer() { return writer_.get(); }
  std::unique_ptr<IndexWriter> TakeWriter() { return std::move(writer_); }
  const Model& pending() const { return pending_; }
  const Model& committed() const { return committed_; }
  std::uint64_t committed_gen() const { return committed_gen_; }

 private:
  std::unique_ptr<IndexWriter> writer_;
  Model pending_;
  Model committed_;
  std::uint64_t committed_gen_ = 0;
};

// Runs the setup on a fresh directory; every op must succeed.
void SetUpIndex(Harness* h, std::shared_ptr<store::Directory> dir) {
  Status s = h->Open(std::move(dir));
  ASSERT_TRUE(s.ok()) << s.ToString();
  for (const Op& op : SetupOps()) {
    s = h->Apply(op);
    ASSERT_TRUE(s.ok()) << op.Describe() << ": " << s.ToString();
  }
}

// A reader on `dir` holds exactly `want` at generation `gen`, and Check
// finds nothing.
void ExpectIndex(const std::shared_ptr<store::Directory>& dir,
                 const Model& want, std::uint64_t gen,
                 const std::string& context) {
  auto r = IndexAccess::OpenReader(dir);
  ASSERT_TRUE(r.ok()) << context
                      << ": opening a reader: " << r.status().ToString();
  EXPECT_EQ((*r)->generation(), gen) << context;
  EXPECT_EQ(DiffReader(**r, want), "") << context;
  EXPECT_EQ(CheckProblems(dir.get()), "") << context;
}

// After a crash: the index is exactly `want` (generation `gen`), passes
// Check, and a new writer opens without repair, sees it, and commits on top.
void ExpectRecovered(const std::shared_ptr<FaultDirectory>& dir,
                     const Model& want, std::uint64_t gen,
                     const std::string& context) {
  dir->ClearFaults();
  ExpectIndex(dir, want, gen, context + " [after crash]");
  if (testing::Test::HasFailure()) return;
  Harness h;
  Status s = h.Open(dir);
  ASSERT_TRUE(s.ok()) << context << ": reopening the writer: " << s.ToString();
  EXPECT_EQ(h.writer()->Stats().documents, want.size()) << context;
  EXPECT_EQ(h.writer()->Stats().generation, gen) << context;
  // The new writer's model starts from what it found.
  Model m = want;
  Document d = MakeDoc("after-crash", 9);
  s = h.writer()->Update(d);
  ASSERT_TRUE(s.ok()) << context << ": " << s.ToString();
  ModelPut(&m, d);
  if (!want.empty()) {
    const std::string victim = want.begin()->first;
    s = h.writer()->Delete(victim);
    ASSERT_TRUE(s.ok()) << context << ": Delete(" << victim
                        << "): " << s.ToString();
    m.erase(victim);
  }
  s = h.writer()->Commit();
  ASSERT_TRUE(s.ok()) << context << ": commit after recovery: " << s.ToString();
  ExpectIndex(dir, m, h.writer()->Stats().generation,
              context + " [commit after recovery]");
}

// An error caused by an injected fault (or a simulated power loss): IOError
// that says so.
void ExpectIOError(const Status& s, std::string_view marker,
                   const std::string& context) {
  EXPECT_EQ(s.code(), StatusCode::kIOError) << context << ": " << s.ToString();
  EXPECT_TRUE(Contains(s.message(), marker)) << context << ": " << s.ToString();
}

// ---- Faults: the N-th call of one kind fails
// ---------------------------------

enum class After { kCrash, kRetry, kRollback };

struct FaultRun {
  FaultOp op;
  int n;
  After after;
  CrashMode mode = CrashMode::kDropUnsynced;
  std::uint64_t seed = 0;

  std::string Describe() const {
    std::string s =
        std::string(OpName(op)) + " #" + std::to_string(n) + " fails, then ";
    switch (after) {
      case After::kCrash:
        return s + "crash(" + ModeName(mode) + ", seed " +
               std::to_string(seed) + ")";
      case After::kRetry:
        return s + "retry";
      case After::kRollback:
        return s + "rollback";
    }
    return s;
  }
};

// How many calls of each kind the workload makes after the setup.
std::vector<int> CountCalls() {
  auto dir = store::NewFaultDirectory();
  Harness h;
  SetUpIndex(&h, dir);
  std::vector<int> before, out;
  for (FaultOp op : kAllOps) before.push_back(dir->Count(op));
  for (const Op& op : Workload()) {
    Status s = h.Apply(op);
    EXPECT_TRUE(s.ok()) << op.Describe() << ": " << s.ToString();
  }
  for (std::size_t i = 0; i < std::size(kAllOps); ++i) {
    out.push_back(dir->Count(kAllOps[i]) - before[i]);
  }
  // The workload ends with its writer still open; Count includes nothing of
  // its destruction.
  return out;
}

// Returns whether a writer call failed.
bool RunFault(const FaultRun& run) {
  const std::string context = run.Describe();
  auto dir = store::NewFaultDirectory();
  Harness h;
  SetUpIndex(&h, dir);
  if (testing::Test::HasFatalFailure()) return false;
  const int count_before = dir->Count(run.op);
  dir->FailAfter(run.op, run.n);
  const std::vector<Op> ops = Workload();
  Status failure;
  std::size_t failed_at = ops.size();
  for (std::size_t i = 0; i < ops.size(); ++i) {
    Status s = h.Apply(ops[i]);
    if (!s.ok()) {
      failure = s;
      failed_at = i;
      break;
    }
  }
  if (dir->Count(run.op) <= count_before + run.n) {
    ADD_FAILURE() << context << ": the fault was never reached";
    return false;
  }
  dir->ClearFaults();
  const std::string where =
      context + (failed_at < ops.size()
                     ? ", failed at op " + std::to_string(failed_at) + " " +
                           ops[failed_at].Describe()
                     : ", no op failed");
  if (!failure.ok()) {
    ExpectIOError(failure, "injected fault", where);
    // Without a crash, the last commit is intact and visible.
    ExpectIndex(dir, h.committed(), h.committed_gen(), where + " [no crash]");
  }
  std::unique_ptr<IndexWriter> zombie;
  switch (run.after) {
    case After::kCrash:
      // The process dies with its writer: it never runs again (destroyed
      // only at the end, when nothing is checked any more).
      dir->SimulateCrash(run.mode, run.seed);
      zombie = h.TakeWriter();
      ExpectRecovered(dir, h.committed(), h.committed_gen(), where);
      break;
    case After::kRetry:
    case After::kRollback:
      if (!failure.ok()) {
        const Op& op = ops[failed_at];
        Status s;
        if (run.after == After::kRollback) {
          s = h.Apply(RollbackOp());
          if (!s.ok()) {
            ADD_FAILURE() << where << ": rollback: " << s.ToString();
            return true;
          }
          s = h.Apply(UpdateOp(MakeDoc("after-rollback", 3)));
          if (!s.ok()) {
            ADD_FAILURE() << where << ": " << s.ToString();
            return true;
          }
          s = h.Apply(CommitOp());
        } else {
          // Retry what failed: a commit or a force merge.
          s = h.Apply(op.kind == Op::kForceMerge ? op : CommitOp());
        }
        if (!s.ok()) {
          ADD_FAILURE() << where << ": retry: " << s.ToString();
          return true;
        }
        ExpectIndex(dir, h.committed(), h.committed_gen(),
                    where + " [after retry]");
        // The rest of the workload still works.
        for (std::size_t i = failed_at + 1; i < ops.size(); ++i) {
          s = h.Apply(ops[i]);
          if (!s.ok()) {
            ADD_FAILURE() << where << ": " << ops[i].Describe() << ": "
                          << s.ToString();
            return true;
          }
        }
      }
      ExpectIndex(dir, h.committed(), h.committed_gen(),
                  where + " [end of workload]");
      dir->SimulateCrash(run.mode, run.seed);
      zombie = h.TakeWriter();
      ExpectRecovered(dir, h.committed(), h.committed_gen(),
                      where + " [final crash]");
      break;
  }
  return !failure.ok();
}

TEST(CrashTest, WorkloadRunsCleanly) {
  auto dir = store::NewFaultDirectory();
  Harness h;
  SetUpIndex(&h, dir);
  ASSERT_FALSE(testing::Test::HasFatalFailure());
  for (const Op& op : Workload()) {
    Status s = h.Apply(op);
    ASSERT_TRUE(s.ok()) << op.Describe() << ": " << s.ToString();
  }
  ExpectIndex(dir, h.committed(), h.committed_gen(), "clean workload");
  // The workload merges: fewer segments than commits.
  EXPECT_LE(h.writer()->Stats().segments, 4u);
}

class FaultTest : public testing::TestWithParam<FaultOp> {};

TEST_P(FaultTest, EveryCallFailsInTurn) {
  const FaultOp op = GetParam();
  const std::vector<int> counts = CountCalls();
  ASSERT_FALSE(HasFatalFailure());
  const std::size_t k = static_cast<std::size_t>(
      std::find(std::begin(kAllOps), std::end(kAllOps), op) -
      std::begin(kAllOps));
  const int calls = counts[k];
  ASSERT_GT(calls, 0) << OpName(op) << " is never called by the workload";
  // Kinds the workload calls rarely (rename, dir sync) get every crash mode
  // with two seeds for every N; the frequent ones rotate the crash modes
  // over N. Without a crash, a retry and a rollback alternate; both end in a
  // crash too.
  // Every failed call must surface as an error, except failed removals:
  // removing garbage is best effort.
  const bool must_fail = op != FaultOp::kRemove;
  const bool all_modes = calls <= 16;
  std::uint64_t seed = static_cast<std::uint64_t>(op) * 100000 + 1;
  for (int n = 0; n < calls; ++n) {
    std::vector<FaultRun> runs;
    if (all_modes) {
      for (CrashMode mode : kAllModes) {
        for (int s = 0; s < 2; ++s)
          runs.push_back({op, n, After::kCrash, mode, seed++});
      }
      runs.push_back({op, n, After::kRetry, kAllModes[n % 3], seed++});
      runs.push_back({op, n, After::kRollback, kAllModes[(n + 1) % 3], seed++});
    } else {
      runs.push_back({op, n, After::kCrash, kAllModes[n % 3], seed++});
      runs.push_back({op, n, n % 2 == 0 ? After::kRetry : After::kRollback,
                      kAllModes[(n + 1) % 3], seed++});
    }
    for (const FaultRun& run : runs) {
      const bool failed = RunFault(run);
      if (HasFatalFailure()) return;
      if (must_fail) {
        EXPECT_TRUE(failed)
            << run.Describe() << ": no writer call reported the failure";
      }
      if (HasFailure()) return;  // one failing run says enough
    }
  }
}

INSTANTIATE_TEST_SUITE_P(AllOps, FaultTest, testing::ValuesIn(kAllOps),
                         [](const testing::TestParamInfo<FaultOp>& p) {
                           return std::string(OpName(p.param));
                         });

// ---- Power loss just before the M-th mutating call
// ---------------------------

class CrashingDirectory;

class CrashingFile final : public store::WritableFile {
 public:
  CrashingFile(std::shared_ptr<CrashingDirectory> dir, std::string name,
               std::unique_ptr<store::WritableFile> base)
      : dir_(std::move(dir)), name_(std::move(name)), base_(std::move(base)) {}
  Status Append(std::string_view data) override;
  Status Sync() override;
  Status Close() override;
  std::uint64_t size() const override { return base_->size(); }

 private:
  std::shared_ptr<CrashingDirectory> dir_;
  std::string name_;
  std::unique_ptr<store::WritableFile> base_;
};

// Wraps a FaultDirectory. Counts every mutating call (create, append, sync,
// close, rename, remove, dir sync); just before the armed one, the power
// fails (SimulateCrash), and from then on every mutating call fails: the
// writer's process is dead, nothing it does reaches the disk.
class CrashingDirectory final
    : public store::Directory,
      public std::enable_shared_from_this<CrashingDirectory> {
 public:
  explicit CrashingDirectory(std::shared_ptr<FaultDirectory> base)
      : base_(std::move(base)) {}

  // Counting restarts; the power fails before call `at` (0-based) from now.
  void Arm(long at, CrashMode mode, std::uint64_t seed) {
    std::lock_guard<std::mutex> l(mu_);
    calls_ = 0;
    crash_at_ = at;
    mode_ = mode;
    seed_ = seed;
  }
  long calls() const {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }
  bool crashed() const {
    std::lock_guard<std::mutex> l(mu_);
    return crashed_;
  }

  Status Step(const std::string& what) {
    std::lock_guard<std::mutex> l(mu_);
    if (!crashed_ && calls_++ == crash_at_) {
      base_->SimulateCrash(mode_, seed_);
      crashed_ = true;
    }
    if (crashed_) return Status::IOError(what + ": simulated power loss");
    return Status::OK();
  }

  Result<std::unique_ptr<store::WritableFile>> Create(
      const std::string& name) override {
    QUARRY_RETURN_IF_ERROR(Step("create " + name));
    auto f = base_->Create(name);
    if (!f.ok()) return f.status();
    return std::unique_ptr<store::WritableFile>(std::make_unique<CrashingFile>(
        shared_from_this(), name, std::move(f).value()));
  }
  Result<std::shared_ptr<const store::FileData>> Open(
      const std::string& name) override {
    return base_->Open(name);
  }
  Status Rename(const std::string& from, const std::string& to) override {
    QUARRY_RETURN_IF_ERROR(Step("rename " + from));
    return base_->Rename(from, to);
  }
  Status Remove(const std::string& name) override {
    QUARRY_RETURN_IF_ERROR(Step("remove " + name));
    return base_->Remove(name);
  }
  Result<std::vector<std::string>> List() override { return base_->List(); }
  Status SyncDir() override {
    QUARRY_RETURN_IF_ERROR(Step("sync dir"));
    return base_->SyncDir();
  }
  Result<std::unique_ptr<store::DirectoryLock>> Lock(
      const std::string& name) override {
    return base_->Lock(name);
  }
  std::string Describe() const override { return base_->Describe(); }

 private:
  std::shared_ptr<FaultDirectory> base_;
  mutable std::mutex mu_;
  long calls_ = 0;
  long crash_at_ = -1;
  bool crashed_ = false;
  CrashMode mode_ = CrashMode::kDropUnsynced;
  std::uint64_t seed_ = 0;
};

Status CrashingFile::Append(std::string_view data) {
  QUARRY_RETURN_IF_ERROR(dir_->Step("append " + name_));
  return base_->Append(data);
}
Status CrashingFile::Sync() {
  QUARRY_RETURN_IF_ERROR(dir_->Step("sync " + name_));
  return base_->Sync();
}
Status CrashingFile::Close() {
  QUARRY_RETURN_IF_ERROR(dir_->Step("close " + name_));
  return base_->Close();
}

// Runs setup (unarmed) and then the workload with the power failing before
// mutating call `at`; returns the number of mutating calls the workload made
// when `at` is -1.
long RunPowerLoss(long at, CrashMode mode, std::uint64_t seed) {
  const std::string context = "power loss before call " + std::to_string(at) +
                              " (" + ModeName(mode) + ", seed " +
                              std::to_string(seed) + ")";
  auto base = store::NewFaultDirectory();
  auto dir = std::make_shared<CrashingDirectory>(base);
  Harness h;
  SetUpIndex(&h, dir);
  if (testing::Test::HasFatalFailure()) return 0;
  dir->Arm(at, mode, seed);
  std::string last_op = "setup";
  for (const Op& op : Workload()) {
    const bool was_crashed = dir->crashed();
    Status s = h.Apply(op);
    if (!dir->crashed()) {
      EXPECT_TRUE(s.ok()) << context << ": " << op.Describe() << ": "
                          << s.ToString();
      last_op = op.Describe();
    } else if (!s.ok()) {
      ExpectIOError(s, "simulated power loss", context + ": " + op.Describe());
    } else if (was_crashed) {
      // Nothing can be committed once the power is gone.
      EXPECT_TRUE(op.kind != Op::kCommit && op.kind != Op::kForceMerge)
          << context << ": " << op.Describe() << " returned OK after the crash";
    }
  }
  if (at < 0) return dir->calls();
  EXPECT_TRUE(dir->crashed())
      << context << ": the crash point was never reached";
  std::unique_ptr<IndexWriter> zombie = h.TakeWriter();
  ExpectRecovered(base, h.committed(), h.committed_gen(),
                  context + ", last OK op " + last_op);
  return 0;
}

TEST(PowerLossTest, BeforeEveryMutatingCall) {
  const long calls = RunPowerLoss(-1, CrashMode::kDropUnsynced, 0);
  ASSERT_FALSE(HasFatalFailure());
  ASSERT_GT(calls, 50);
  for (long at = 0; at < calls; ++at) {
    const CrashMode mode = kAllModes[at % 3];
    RunPowerLoss(at, mode, static_cast<std::uint64_t>(at) * 7919 + 1);
    if (HasFatalFailure()) return;
  }
}

// Power loss between two operations, with no fault: every prefix of the
// workload, every crash mode.
TEST(PowerLossTest, BetweenOperations) {
  const std::vector<Op> ops = Workload();
  std::uint64_t seed = 100;
  for (std::size_t stop = 0; stop <= ops.size(); ++stop) {
    for (CrashMode mode : kAllModes) {
      const std::string context = "crash (" + std::string(ModeName(mode)) +
                                  ") after " + std::to_string(stop) + " ops";
      auto dir = store::NewFaultDirectory();
      Harness h;
      SetUpIndex(&h, dir);
      ASSERT_FALSE(HasFatalFailure());
      for (std::size_t i = 0; i < stop; ++i) {
        Status s = h.Apply(ops[i]);
        ASSERT_TRUE(s.ok())
            << context << ": " << ops[i].Describe() << ": " << s.ToString();
      }
      dir->SimulateCrash(mode, seed++);
      std::unique_ptr<IndexWriter> zombie = h.TakeWriter();
      ExpectRecovered(dir, h.committed(), h.committed_gen(), context);
      if (HasFatalFailure()) return;
    }
  }
}

// A crash while a failed commit's leftovers are still around, followed by a
// second crash during recovery's first commit: the index still opens at the
// last good commit every time.
TEST(PowerLossTest, CrashDuringRecovery) {
  for (std::uint64_t seed = 1; seed <= 6; ++seed) {
    const CrashMode mode = kAllModes[seed % 3];
    auto dir = store::NewFaultDirectory();
    Harness h;
    SetUpIndex(&h, dir);
    ASSERT_FALSE(HasFatalFailure());
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(h.Apply(AddOp(MakeDoc("x" + std::to_string(i), 0))).ok());
    }
    dir->FailAfter(FaultOp::kSyncDir, 0);
    ExpectIOError(h.Apply(CommitOp()), "injected fault", "first commit");
    dir->SimulateCrash(mode, seed);
    std::unique_ptr<IndexWriter> zombie1 = h.TakeWriter();
    const Model want = h.committed();
    const std::uint64_t gen = h.committed_gen();
    // Recovery: a new writer that dies in its first commit's rename.
    Harness h2;
    ASSERT_TRUE(h2.Open(dir).ok());
    ASSERT_TRUE(h2.Apply(UpdateOp(MakeDoc("y", 0))).ok());
    dir->FailAfter(FaultOp::kRename, 0);
    ExpectIOError(h2.Apply(CommitOp()), "injected fault", "recovery commit");
    dir->SimulateCrash(mode, seed + 100);
    std::unique_ptr<IndexWriter> zombie2 = h2.TakeWriter();
    ExpectRecovered(dir, want, gen, "seed " + std::to_string(seed));
    if (HasFatalFailure()) return;
  }
}

// Adds that fill the buffer flush it from inside Add. When that flush fails,
// the Add reports the IOError and has no effect; nothing is committed; the
// writer goes on.
TEST(CrashTest, FlushInsideAddFails) {
  for (FaultOp op : {FaultOp::kCreate, FaultOp::kAppend, FaultOp::kSync}) {
    for (int n = 0; n < 12; n += 5) {
      const std::string context =
          std::string(OpName(op)) + " #" + std::to_string(n);
      auto dir = store::NewFaultDirectory();
      Harness h;
      SetUpIndex(&h, dir);
      ASSERT_FALSE(HasFatalFailure());
      dir->FailAfter(op, n);
      int failed = -1;
      Document failed_doc;
      for (int i = 0; i < 400 && failed < 0; ++i) {
        // 8 KiB of incompressible stored bytes: 1 MiB after ~128 adds.
        Document d = MakeDoc("big" + std::to_string(i), 0);
        faulttest::Rng rng(static_cast<std::uint64_t>(i));
        std::string url(8192, 'a');
        for (char& c : url) c = static_cast<char>('a' + rng.Uniform(26));
        d.fields.back().second = url;
        Status s = h.Apply(AddOp(d));
        if (!s.ok()) {
          ExpectIOError(s, "injected fault",
                        context + ": Add #" + std::to_string(i));
          failed = i;
          failed_doc = d;
        }
      }
      ASSERT_GE(failed, 0) << context << ": no add flushed";
      dir->ClearFaults();
      ExpectIndex(dir, h.committed(), h.committed_gen(),
                  context + " [after the failure]");
      // The failed document was not added: adding it again works.
      ASSERT_TRUE(h.Apply(AddOp(failed_doc)).ok()) << context;
      ASSERT_TRUE(h.Apply(CommitOp()).ok()) << context;
      ExpectIndex(dir, h.committed(), h.committed_gen(),
                  context + " [committed]");
      dir->SimulateCrash(kAllModes[static_cast<std::size_t>(n) % 3],
                         static_cast<std::uint64_t>(n));
      std::unique_ptr<IndexWriter> zombie = h.TakeWriter();
      ExpectRecovered(dir, h.committed(), h.committed_gen(), context);
      if (HasFatalFailure()) return;
    }
  }
}

// A failed commit can leave durable files of a segment no commit refers to.
// A new writer removes them; when a removal fails too, the leftover must not
// make the new writer's commits fail.
TEST(PowerLossTest, LeftoverSegmentFilesThatCannotBeRemoved) {
  for (int fail_remove = 0; fail_remove < 8; ++fail_remove) {
    const std::string context =
        "remove #" + std::to_string(fail_remove) + " fails";
    auto dir = store::NewFaultDirectory();
    Harness h;
    SetUpIndex(&h, dir);
    ASSERT_FALSE(HasFatalFailure());
    for (int i = 0; i < 4; ++i) {
      ASSERT_TRUE(h.Apply(AddOp(MakeDoc("x" + std::to_string(i), 0))).ok());
    }
    // The commit's directory sync fails; the writer takes the commit back,
    // and the segment it flushed becomes durable garbage.
    dir->FailAfter(FaultOp::kSyncDir, 0);
    ExpectIOError(h.Apply(CommitOp()), "injected fault", context);
    dir->SimulateCrash(CrashMode::kDropUnsynced, 1);
    std::unique_ptr<IndexWriter> zombie = h.TakeWriter();
    // A new writer, one of whose removals of that garbage fails.
    dir->FailAfter(FaultOp::kRemove, fail_remove);
    Harness h2;
    Status s = h2.Open(dir);
    ASSERT_TRUE(s.ok()) << context << ": " << s.ToString();
    dir->ClearFaults();
    Model m = h.committed();
    for (int i = 0; i < 3; ++i) {
      const Document d = MakeDoc("y" + std::to_string(i), 0);
      ASSERT_TRUE(h2.writer()->Update(d).ok());
      ModelPut(&m, d);
    }
    s = h2.writer()->Commit();
    ASSERT_TRUE(s.ok()) << context
                        << ": commit next to the leftover: " << s.ToString();
    ExpectIndex(dir, m, h2.writer()->Stats().generation, context);
    ASSERT_TRUE(h2.writer()->ForceMerge(1).ok()) << context;
    ExpectIndex(dir, m, h2.writer()->Stats().generation, context + " [merged]");
  }
}

}  // namespace
}  // namespace quarry
