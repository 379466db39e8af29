// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// A full disk (FaultDirectory::SetSpaceLimit). With the limit anywhere from
// "no byte left" to "just enough", for a commit (which flushes and merges), a
// force merge, a flush triggered by adds, and the creation of an index:
//   * the call fails with an IOError that says there is no space;
//   * the last commit is intact: a reader sees exactly it, Check is clean;
//   * the failed call has no effect (an Add that fails added nothing), and a
//     rollback gives back every byte the failed attempt took;
//   * once there is space again the writer commits, and what it commits is
//     exactly what it was given; a crash after the failure loses nothing that
//     was committed.
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
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
using CrashMode = FaultDirectory::CrashMode;

constexpr char kNoSpace[] = "No space left on device";

IndexWriterOptions Options() {
  IndexWriterOptions o;
  o.schema = faulttest::SmallSchema();
  o.merge_factor = 3;
  o.stored_compression_level = 1;
  o.ram_budget_bytes = 1u << 20;  // the smallest: adds flush soon
  return o;
}

// A writer on a FaultDirectory with models of what is committed and what is
// pending.
struct Env {
  std::shared_ptr<FaultDirectory> dir = store::NewFaultDirectory();
  std::unique_ptr<IndexWriter> writer;
  Model committed, pending;
  std::uint64_t gen = 0;

  void Open() {
    auto w = IndexAccess::OpenWriter(dir, Options());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    writer = std::move(w).value();
    gen = writer->Stats().generation;
  }
  void Update(const Document& d) {
    Status s = writer->Update(d);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ModelPut(&pending, d);
  }
  void Delete(const std::string& id) {
    Status s = writer->Delete(id);
    ASSERT_TRUE(s.ok()) << s.ToString();
    pending.erase(id);
  }
  void Committed() {
    EXPECT_GT(writer->Stats().generation, gen);
    gen = writer->Stats().generation;
    committed = pending;
  }
  void Commit() {
    Status s = writer->Commit();
    ASSERT_TRUE(s.ok()) << s.ToString();
    Committed();
  }
};

// The committed state the tests start from: two segments (one more flush
// makes a tier of three: the next commit merges), with deletions.
void Build(Env* e) {
  e->Open();
  ASSERT_FALSE(testing::Test::HasFatalFailure());
  for (int i = 0; i < 10; ++i) e->Update(MakeDoc("b" + std::to_string(i), 0));
  e->Commit();
  for (int i = 10; i < 16; ++i) e->Update(MakeDoc("b" + std::to_string(i), 0));
  e->Delete("b2");
  e->Update(MakeDoc("b4", 1));
  e->Commit();
}

void ExpectIndex(const std::shared_ptr<store::Directory>& dir,
                 const Model& want, std::uint64_t gen,
                 const std::string& context) {
  auto r = IndexAccess::OpenReader(dir);
  ASSERT_TRUE(r.ok()) << context << ": " << r.status().ToString();
  EXPECT_EQ((*r)->generation(), gen) << context;
  EXPECT_EQ(DiffReader(**r, want), "") << context;
  EXPECT_EQ(CheckProblems(dir.get()), "") << context;
}

void ExpectNoSpace(const Status& s, const std::string& context) {
  EXPECT_EQ(s.code(), StatusCode::kIOError) << context << ": " << s.ToString();
  EXPECT_TRUE(Contains(s.message(), kNoSpace))
      << context << ": " << s.ToString();
}

enum class Phase { kCommit, kForceMerge };

// The changes of a phase (no I/O: they stay buffered) and the call that
// writes them.
void Changes(Env* e, Phase phase) {
  if (phase == Phase::kCommit) {
    for (int i = 0; i < 8; ++i) e->Update(MakeDoc("n" + std::to_string(i), 0));
    e->Update(MakeDoc("b1", 2));
    e->Update(MakeDoc("b12", 2));
    e->Delete("b5");
    e->Delete("b13");
  } else {
    for (int i = 0; i < 3; ++i) e->Update(MakeDoc("m" + std::to_string(i), 0));
    e->Delete("b7");
  }
}
Status Write(Env* e, Phase phase) {
  return phase == Phase::kCommit ? e->writer->Commit()
                                 : e->writer->ForceMerge(1);
}

class DiskFullTest : public testing::TestWithParam<Phase> {};

// Every space limit from "nothing left" up to the first that suffices.
TEST_P(DiskFullTest, EveryLimitUntilItFits) {
  const Phase phase = GetParam();
  bool fitted = false;
  int failures = 0;
  for (std::uint64_t extra = 0; !fitted && extra < (1u << 20);
       extra += extra < 64 ? 1 : 29) {
    const std::string context =
        "limit: " + std::to_string(extra) + " bytes free";
    Env e;
    Build(&e);
    ASSERT_FALSE(HasFatalFailure());
    const std::uint64_t base_used = e.dir->UsedBytes();
    e.dir->SetSpaceLimit(base_used + extra);
    Changes(&e, phase);
    ASSERT_FALSE(HasFatalFailure());
    Status s = Write(&e, phase);
    if (s.ok()) {
      fitted = true;
      e.Committed();
      ExpectIndex(e.dir, e.committed, e.gen, context + " [fits]");
      ASSERT_FALSE(HasFailure());
      break;
    }
    ++failures;
    ExpectNoSpace(s, context);
    ExpectIndex(e.dir, e.committed, e.gen, context + " [after the failure]");
    ASSERT_FALSE(HasFailure());
    std::unique_ptr<IndexWriter> zombie;
    switch (failures % 3) {
      case 0: {
        // More space: the same call succeeds and writes exactly the changes.
        e.dir->SetSpaceLimit(FaultDirectory::kNoSpaceLimit);
        s = Write(&e, phase);
        ASSERT_TRUE(s.ok())
            << context << ": retry with space: " << s.ToString();
        e.Committed();
        ExpectIndex(e.dir, e.committed, e.gen,
                    context + " [retried with space]");
        break;
      }
      case 1: {
        // A rollback gives back all the space the failed attempt took; with
        // more space, another change commits.
        s = e.writer->Rollback();
        ASSERT_TRUE(s.ok()) << s.ToString();
        e.pending = e.committed;
        EXPECT_EQ(e.dir->UsedBytes(), base_used)
            << context << ": space not given back";
        ExpectIndex(e.dir, e.committed, e.gen, context + " [rolled back]");
        e.dir->SetSpaceLimit(FaultDirectory::kNoSpaceLimit);
        e.Delete("b0");
        e.Commit();
        ExpectIndex(e.dir, e.committed, e.gen,
                    context + " [commit after rollback]");
        break;
      }
      case 2: {
        // Power loss while the disk is full: the last commit survives, and
        // with space again a new writer commits on top of it.
        e.dir->SimulateCrash(static_cast<CrashMode>(extra % 3), extra + 1);
        zombie = std::move(e.writer);
        e.dir->SetSpaceLimit(FaultDirectory::kNoSpaceLimit);
        ExpectIndex(e.dir, e.committed, e.gen, context + " [after crash]");
        e.pending = e.committed;
        e.Open();
        ASSERT_FALSE(HasFatalFailure());
        EXPECT_EQ(e.writer->Stats().generation, e.gen);
        Changes(&e, phase);
        ASSERT_TRUE(Write(&e, phase).ok());
        e.Committed();
        ExpectIndex(e.dir, e.committed, e.gen,
                    context + " [after crash, with space]");
        break;
      }
    }
    ASSERT_FALSE(HasFailure()) << context;
  }
  EXPECT_TRUE(fitted);
  EXPECT_GT(failures, 20) << "the sweep should fail at many points";
}

INSTANTIATE_TEST_SUITE_P(Phases, DiskFullTest,
                         testing::Values(Phase::kCommit, Phase::kForceMerge),
                         [](const testing::TestParamInfo<Phase>& p) {
                           return std::string(p.param == Phase::kCommit
                                                  ? "Commit"
                                                  : "ForceMerge");
                         });

// A document with a large, incompressible stored field (no analysis cost).
Document BigDoc(int i) {
  Document d = MakeDoc("big" + std::to_string(i), 0);
  faulttest::Rng rng(static_cast<std::uint64_t>(i) + 77);
  std::string url(8192, '\0');
  for (char& c : url) c = static_cast<char>('a' + rng.Uniform(26));
  d.fields.back().second = url;
  return d;
}

// Adds that fill the writer's buffer flush it; when the disk is full, the
// add that triggered the flush fails and has no effect.
TEST(DiskFullAddTest, FlushDuringAdds) {
  for (int op = 0; op < 2; ++op) {
    const bool use_update = op == 1;
    const std::string context = use_update ? "Update" : "Add";
    Env e;
    Build(&e);
    ASSERT_FALSE(HasFatalFailure());
    e.dir->SetSpaceLimit(e.dir->UsedBytes() + (64u << 10));
    int failed_at = -1;
    for (int i = 0; i < 400; ++i) {
      const Document d = BigDoc(i);
      Status s = use_update ? e.writer->Update(d) : e.writer->Add(d);
      if (!s.ok()) {
        ExpectNoSpace(s, context + " #" + std::to_string(i));
        failed_at = i;
        break;
      }
      ModelPut(&e.pending, d);
    }
    ASSERT_GT(failed_at, 0) << context << ": the buffer never flushed";
    ExpectIndex(e.dir, e.committed, e.gen, context + " [after the failure]");
    // With space, a commit writes exactly the documents whose calls
    // returned OK; the failed one was not added.
    e.dir->SetSpaceLimit(FaultDirectory::kNoSpaceLimit);
    e.Commit();
    ASSERT_FALSE(HasFatalFailure());
    ExpectIndex(e.dir, e.committed, e.gen, context + " [committed with space]");
    // And it can be added now.
    const Document d = BigDoc(failed_at);
    Status s = e.writer->Add(d);
    EXPECT_TRUE(s.ok()) << context << ": adding the failed document again: "
                        << s.ToString();
    ModelPut(&e.pending, d);
    e.Commit();
    ExpectIndex(e.dir, e.committed, e.gen,
                context + " [failed document added]");
  }
}

// An update whose flush fails must not have deleted the old version either.
TEST(DiskFullAddTest, FailedUpdateKeepsOldVersion) {
  Env e;
  Build(&e);
  ASSERT_FALSE(HasFatalFailure());
  e.dir->SetSpaceLimit(e.dir->UsedBytes() + (64u << 10));
  int i = 0;
  Status s;
  for (; i < 400; ++i) {
    // Fill the buffer with documents, then replace an existing one.
    const Document d = BigDoc(i);
    s = e.writer->Update(d);
    if (!s.ok()) break;
    ModelPut(&e.pending, d);
  }
  ASSERT_FALSE(s.ok());
  // The buffer is still over budget: updating a committed document must
  // fail without deleting it.
  Document b3 = MakeDoc("b3", 7);
  s = e.writer->Update(b3);
  ExpectNoSpace(s, "Update(b3)");
  e.dir->SetSpaceLimit(FaultDirectory::kNoSpaceLimit);
  e.Commit();
  ASSERT_FALSE(HasFatalFailure());
  ExpectIndex(e.dir, e.committed, e.gen, "after a failed Update(b3)");
  EXPECT_EQ(e.committed.at("b3"), MakeDoc("b3", 0).fields);
}

// Creating an index on a full disk fails cleanly and leaves nothing that
// stops a later creation.
TEST(DiskFullCreateTest, CreateIndex) {
  auto dir = store::NewFaultDirectory();
  std::uint64_t limit = 0;
  for (; limit < 4096; ++limit) {
    dir->SetSpaceLimit(limit);
    auto w = IndexAccess::OpenWriter(dir, Options());
    if (w.ok()) break;
    ExpectNoSpace(w.status(), "limit " + std::to_string(limit));
    // No half-made index: a reader finds none.
    auto r = IndexAccess::OpenReader(dir);
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound)
        << r.status().ToString();
    ASSERT_FALSE(HasFailure());
  }
  ASSERT_GT(limit, 0u);
  ASSERT_LT(limit, 4096u);
  dir->SetSpaceLimit(FaultDirectory::kNoSpaceLimit);
  Env e;
  e.dir = dir;
  e.Open();
  ASSERT_FALSE(HasFatalFailure());
  e.Update(MakeDoc("x", 0));
  e.Commit();
  ExpectIndex(dir, e.committed, e.gen, "created after the disk had room");
}

}  // namespace
}  // namespace quarry
