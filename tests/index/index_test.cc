// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The index end to end: add, update, delete, commit, rollback, reopen,
// merge, check; on the file system and in memory.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <set>
#include <span>

#include "index/index_internal.h"
#include "quarry/index.h"
#include "store/directory.h"

namespace quarry {
namespace {

using internal::IndexAccess;

Schema TestSchema() {
  Schema s;
  s.AddText("title", true).AddText("body", true).AddKeyword("tag", true).AddStored("url");
  return s;
}

Document Doc(std::string id, std::string title, std::string body) {
  Document d;
  d.id = std::move(id);
  d.Add("title", std::move(title)).Add("body", std::move(body));
  return d;
}

class IndexTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = store::NewMemoryDirectory();
    IndexWriterOptions o;
    o.schema = TestSchema();
    auto w = IndexAccess::OpenWriter(dir_, o);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    writer_ = std::move(w).value();
  }
  std::shared_ptr<const IndexReader> Reader() {
    auto r = IndexAccess::OpenReader(dir_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : nullptr;
  }
  void ExpectClean() {
    auto report = IndexAccess::Check(dir_.get());
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    for (const auto& p : report->problems) ADD_FAILURE() << p;
  }
  std::shared_ptr<store::Directory> dir_;
  std::unique_ptr<IndexWriter> writer_;
};

TEST_F(IndexTest, AddCommitGet) {
  ASSERT_TRUE(writer_->Add(Doc("a", "Peace talks", "Jeyhun Bayramov met Pashinyan.")).ok());
  Document b = Doc("b", "Nagorno-Karabakh", "Talks resumed in Türkiye’s capital.");
  b.Add("tag", "world").Add("url", "https://example.com/b");
  ASSERT_TRUE(writer_->Add(b).ok());
  EXPECT_EQ(writer_->Add(Doc("a", "x", "y")).code(), StatusCode::kAlreadyExists);
  // Nothing is visible before the commit.
  EXPECT_EQ(Reader()->num_docs(), 0u);
  ASSERT_TRUE(writer_->Commit().ok());
  auto r = Reader();
  EXPECT_EQ(r->num_docs(), 2u);
  auto got = r->Get("b");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, "b");
  EXPECT_EQ(got->Get("title"), "Nagorno-Karabakh");
  EXPECT_EQ(got->Get("url"), "https://example.com/b");
  EXPECT_EQ(got->Get("tag"), "world");
  EXPECT_EQ(r->Get("zzz").status().code(), StatusCode::kNotFound);
  ExpectClean();
}

// The memory index sorts its terms 8 key bytes at a time (MemoryIndex::
// SortTerms): keys with long common prefixes, embedded zero bytes, 0xFF
// bytes and every length around the 8-byte steps must come out in byte
// order (the segment writer rejects any other), and every id and keyword
// value must be found again.
TEST_F(IndexTest, TermsWithLongCommonPrefixesSortByTheirBytes) {
  std::mt19937 rng(11);
  const std::string alphabet("ab\0\xFF", 4);
  const std::string prefixes[] = {"", "x", "shared-", "sharedprefix-0000", "sharedprefix-0000-"};
  std::set<std::string> ids, tags;
  while (ids.size() < 2000) {
    std::string id = prefixes[rng() % 5];
    const int len = static_cast<int>(rng() % 20);
    for (int k = 0; k < len; ++k) id.push_back(alphabet[rng() % 4]);
    if (id.empty()) continue;
    ids.insert(id);
  }
  for (const std::string& id : ids) {
    Document d = Doc(id, "t", "b");
    std::string tag = id.substr(0, 1 + rng() % id.size());
    d.Add("tag", tag);
    tags.insert("\x03" + tag);  // the tag field's key byte (field 2)
    ASSERT_TRUE(writer_->Add(d).ok());
  }
  ASSERT_TRUE(writer_->Commit().ok());
  auto r = Reader();
  ASSERT_EQ(r->num_docs(), ids.size());
  for (const std::string& id : ids) {
    auto got = r->Get(id);
    ASSERT_TRUE(got.ok()) << testing::PrintToString(id);
    EXPECT_EQ(got->id, id);
  }
  // The dictionary holds the id keys and the tag keys in byte order.
  std::vector<std::string> want, got;
  for (const std::string& id : ids) want.push_back(std::string(1, '\0') + id);
  want.insert(want.end(), tags.begin(), tags.end());
  const auto& segs = IndexAccess::Segments(*r);
  ASSERT_EQ(segs.size(), 1u);
  auto it = segs[0].reader->Terms();
  while (it.Next()) {
    const std::string_view key = it.key();
    if (!key.empty() && (key[0] == '\0' || key[0] == '\x03')) got.emplace_back(key);
  }
  ASSERT_TRUE(it.status().ok()) << it.status().ToString();
  std::sort(want.begin(), want.end());
  EXPECT_EQ(got, want);
  ExpectClean();
}

TEST_F(IndexTest, UpdateDeleteRollback) {
  ASSERT_TRUE(writer_->Add(Doc("a", "one", "first")).ok());
  ASSERT_TRUE(writer_->Add(Doc("b", "two", "second")).ok());
  ASSERT_TRUE(writer_->Commit().ok());
  ASSERT_TRUE(writer_->Update(Doc("a", "one v2", "first again")).ok());
  ASSERT_TRUE(writer_->Delete("b").ok());
  EXPECT_EQ(writer_->Delete("b").code(), StatusCode::kNotFound);
  ASSERT_TRUE(writer_->Rollback().ok());
  auto r = Reader();
  EXPECT_EQ(r->num_docs(), 2u);
  EXPECT_EQ(r->Get("a")->Get("title"), "one");
  ASSERT_TRUE(writer_->Update(Doc("a", "one v2", "first again")).ok());
  ASSERT_TRUE(writer_->Delete("b").ok());
  ASSERT_TRUE(writer_->Commit().ok());
  auto r2 = r->Reopen();
  ASSERT_TRUE(r2.ok());
  EXPECT_EQ((*r2)->num_docs(), 1u);
  EXPECT_EQ((*r2)->Get("a")->Get("title"), "one v2");
  EXPECT_EQ((*r2)->Get("b").status().code(), StatusCode::kNotFound);
  // The old snapshot is unchanged.
  EXPECT_EQ(r->Get("a")->Get("title"), "one");
  EXPECT_EQ(r->num_docs(), 2u);
  ExpectClean();
}

TEST_F(IndexTest, ManySegmentsMergeAndForceMerge) {
  std::mt19937 rng(5);
  for (int c = 0; c < 25; ++c) {
    for (int i = 0; i < 40; ++i) {
      const int id = c * 40 + i;
      std::string body;
      for (int w = 0; w < 30; ++w) body += "w" + std::to_string(rng() % 300) + " ";
      ASSERT_TRUE(writer_->Update(Doc("d" + std::to_string(id), "title " + std::to_string(id), body)).ok());
    }
    if (c % 3 == 0) {
      ASSERT_TRUE(writer_->Delete("d" + std::to_string(c * 40)).ok());
    }
    ASSERT_TRUE(writer_->Commit().ok()) << c;
  }
  EXPECT_LT(writer_->Stats().segments, 20u);
  ExpectClean();
  ASSERT_TRUE(writer_->ForceMerge(1).ok());
  auto r = Reader();
  EXPECT_EQ(r->Stats().segments, 1u);
  EXPECT_EQ(r->num_docs(), 1000u - 9u);
  EXPECT_EQ(r->Stats().deleted, 0u);
  EXPECT_EQ(r->Get("d999")->Get("title"), "title 999");
  EXPECT_EQ(r->Get("d120").status().code(), StatusCode::kNotFound);
  ExpectClean();
}

TEST_F(IndexTest, SecondWriterIsBusy) {
  IndexWriterOptions o;
  auto w2 = IndexAccess::OpenWriter(dir_, o);
  EXPECT_EQ(w2.status().code(), StatusCode::kBusy);
}

TEST_F(IndexTest, SchemaMismatchIsRejected) {
  writer_.reset();
  IndexWriterOptions o;
  Schema other;
  other.AddText("text");
  o.schema = other;
  auto w = IndexAccess::OpenWriter(dir_, o);
  EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(IndexTest, LostCommitIsNotReplacedByAnEmptyIndex) {
  ASSERT_TRUE(writer_->Add(Doc("a", "one", "first")).ok());
  ASSERT_TRUE(writer_->Commit().ok());
  writer_.reset();
  auto names = dir_->List();
  ASSERT_TRUE(names.ok());
  for (const std::string& n : *names) {
    if (n.rfind("commit_", 0) == 0) {
      ASSERT_TRUE(dir_->Remove(n).ok());
    }
  }
  IndexWriterOptions o;
  o.schema = TestSchema();
  auto w = IndexAccess::OpenWriter(dir_, o);
  EXPECT_EQ(w.status().code(), StatusCode::kCorruption) << w.status().ToString();
  // The segment files are still there.
  auto after = dir_->List();
  ASSERT_TRUE(after.ok());
  bool has_segment = false;
  for (const std::string& n : *after) has_segment |= n.rfind("s1.", 0) == 0;
  EXPECT_TRUE(has_segment);
}

TEST_F(IndexTest, BadDocuments) {
  EXPECT_EQ(writer_->Add(Doc("", "t", "b")).code(), StatusCode::kInvalidArgument);
  Document d = Doc("x", "t", "b");
  d.Add("nosuchfield", "v");
  EXPECT_EQ(writer_->Add(d).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(writer_->Add(Doc(std::string(600, 'x'), "t", "b")).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(IndexTest, ForeignFilesAreLeftAlone) {
  for (const char* name : {"s1.txt", "s2023_notes.md", "summary.tmp", "notes"}) {
    auto f = dir_->Create(name);
    ASSERT_TRUE(f.ok());
    ASSERT_TRUE((*f)->Close().ok());
  }
  ASSERT_TRUE(writer_->Add(Doc("a", "one", "first")).ok());
  ASSERT_TRUE(writer_->Commit().ok());
  writer_.reset();  // rollback and cleanup
  IndexWriterOptions o;
  auto w = IndexAccess::OpenWriter(dir_, o);  // cleanup on open
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  auto names = dir_->List();
  ASSERT_TRUE(names.ok());
  const std::set<std::string> have(names->begin(), names->end());
  for (const char* name : {"s1.txt", "s2023_notes.md", "summary.tmp", "notes"}) {
    EXPECT_TRUE(have.count(name)) << name << " was deleted";
  }
}

TEST_F(IndexTest, GenerationsAreNeverReused) {
  ASSERT_TRUE(writer_->Add(Doc("a", "one", "first")).ok());
  ASSERT_TRUE(writer_->Commit().ok());
  const auto g1 = Reader()->generation();
  ASSERT_TRUE(writer_->Delete("a").ok());
  ASSERT_TRUE(writer_->Rollback().ok());
  ASSERT_TRUE(writer_->Commit().ok());  // an empty commit still moves on
  const auto g2 = Reader()->generation();
  EXPECT_GT(g2, g1);
}

// A writer over `dir` with the test schema, `threads` analysis threads and
// the given RAM budget.
Result<std::unique_ptr<IndexWriter>> OpenBatchWriter(const std::shared_ptr<store::Directory>& dir,
                                                     unsigned threads,
                                                     std::size_t ram_budget_bytes) {
  IndexWriterOptions o;
  o.schema = TestSchema();
  o.analysis_threads = threads;
  o.ram_budget_bytes = ram_budget_bytes;
  return IndexAccess::OpenWriter(dir, o);
}

// UpdateBatch on 1, 2 and 3 analysis threads: the documents are applied in
// input order (a repeated id keeps its last version), with flushes in the
// middle of the batch, and the index is the same whatever the thread count.
TEST(IndexBatch, ThreadsApplyInInputOrder) {
  std::vector<Document> docs;
  for (int i = 0; i < 1500; ++i) {
    docs.push_back(Doc("n" + std::to_string(i % 1000), "Headline " + std::to_string(i),
                       "version " + std::to_string(i) + " of the peace talks, round " +
                           std::to_string(i % 37)));
  }
  std::uint64_t first_bytes = 0, first_terms = 0;
  for (unsigned threads : {1u, 2u, 3u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    auto dir = store::NewMemoryDirectory();
    auto w = OpenBatchWriter(dir, threads, 1u << 20);  // flushes inside the batch
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    // In pieces of different sizes: 1 document, a partial chunk, the rest.
    const std::span<const Document> all(docs);
    ASSERT_TRUE((*w)->UpdateBatch(all.subspan(0, 1)).ok());
    ASSERT_TRUE((*w)->UpdateBatch(all.subspan(1, 20)).ok());
    ASSERT_TRUE((*w)->UpdateBatch(all.subspan(21)).ok());
    ASSERT_TRUE((*w)->ForceMerge(1).ok());
    auto r = IndexAccess::OpenReader(dir);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->num_docs(), 1000u);
    for (int id : {0, 7, 499, 500, 999}) {
      const int last = id < 500 ? id + 1000 : id;
      EXPECT_EQ((*r)->Get("n" + std::to_string(id))->Get("title"),
                "Headline " + std::to_string(last));
    }
    const IndexStats st = (*w)->Stats();
    EXPECT_EQ(st.segments, 1u);
    if (threads == 1) {
      first_bytes = st.bytes_on_disk;
      first_terms = st.terms;
    } else {
      EXPECT_EQ(st.bytes_on_disk, first_bytes);
      EXPECT_EQ(st.terms, first_terms);
    }
  }
}

// A bad document stops the batch: everything before it is applied, nothing
// after it, whatever the thread count.
TEST(IndexBatch, StopsAtTheFirstBadDocument) {
  std::vector<Document> docs;
  for (int i = 0; i < 1000; ++i) {
    docs.push_back(Doc(i == 537 ? "" : "n" + std::to_string(i), "t", "b " + std::to_string(i)));
  }
  for (unsigned threads : {1u, 2u, 3u}) {
    SCOPED_TRACE("threads " + std::to_string(threads));
    auto dir = store::NewMemoryDirectory();
    auto w = OpenBatchWriter(dir, threads, IndexWriterOptions().ram_budget_bytes);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    EXPECT_EQ((*w)->UpdateBatch(docs).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ((*w)->buffered_documents(), 537u);
    ASSERT_TRUE((*w)->Commit().ok());
    auto r = IndexAccess::OpenReader(dir);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*r)->num_docs(), 537u);
    EXPECT_TRUE((*r)->Get("n536").ok());
    EXPECT_FALSE((*r)->Get("n538").ok());
  }
}

TEST(IndexFs, CreateReopenOnDisk) {
  const std::string path = testing::TempDir() + "/quarry_index_fs_test";
  std::filesystem::remove_all(path);
  {
    IndexWriterOptions o;
    o.schema = Schema::Default();
    auto w = IndexWriter::Open(path, o);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    std::vector<Document> docs;
    for (int i = 0; i < 3000; ++i) {
      docs.push_back(Doc("n" + std::to_string(i), "Headline " + std::to_string(i),
                         "Azerbaijan and Armenia peace talks, round " + std::to_string(i)));
    }
    ASSERT_TRUE((*w)->UpdateBatch(docs).ok());
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto r = IndexReader::Open(path);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->num_docs(), 3000u);
  EXPECT_EQ((*r)->Get("n2999")->Get("title"), "Headline 2999");
  auto report = CheckIndex(path);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok());
  std::filesystem::remove_all(path);
}

}  // namespace
}  // namespace quarry
