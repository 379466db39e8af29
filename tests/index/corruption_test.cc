// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Damaged files. For every kind of file a committed index has (commit_N,
// .si, .tim, .doc, .pos, .nrm, .fdt, .del), every file of that kind is in turn
//   * changed in one byte (header, body and footer offsets),
//   * truncated (to 0, into the header, to half, into the footer),
//   * replaced by the same-named file of another index built the same way,
//   * removed;
// then opening a reader, opening a writer and Check must report it with a
// message that names the file (Corruption for damaged bytes), and never
// crash, hang or trip a sanitizer. A reader may open when only body bytes
// changed (checksums of big files are verified by Check, not on open); then
// reading every document must not crash, and Check must report the file.
// A writer that opens on such an index must refuse to merge the damage into
// a new segment, and no failed open may replace the index with a new one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "fault_test_util.h"  // tests/index/
#include "index/format.h"
#include "index/index_internal.h"
#include "quarry/index.h"
#include "store/directory.h"

namespace quarry {
namespace {

using faulttest::CheckProblems;
using faulttest::Contains;
using faulttest::DiffReader;
using faulttest::MakeDoc;
using faulttest::Model;
using faulttest::ModelPut;
using internal::IndexAccess;

IndexWriterOptions Options() {
  IndexWriterOptions o;
  o.schema = faulttest::SmallSchema();
  return o;
}

// Three segments: s1 (200 documents: two stored-field chunks, dictionary
// blocks, a full posting block with a skip table for "news"), s2 (60) and
// s3 (2 updates); deletions in s1 and s2; positions in every segment.
Model BuildIndex(const std::shared_ptr<store::Directory>& dir) {
  Model m;
  auto w = IndexAccess::OpenWriter(dir, Options());
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  if (!w.ok()) return m;
  IndexWriter& writer = **w;
  auto add = [&](const Document& d) {
    Status s = writer.Update(d);
    EXPECT_TRUE(s.ok()) << s.ToString();
    ModelPut(&m, d);
  };
  for (int i = 0; i < 200; ++i) add(MakeDoc("d" + std::to_string(i), 0));
  EXPECT_TRUE(writer.Commit().ok());
  for (int i = 200; i < 260; ++i) add(MakeDoc("d" + std::to_string(i), 0));
  EXPECT_TRUE(writer.Commit().ok());
  for (const char* id : {"d3", "d50", "d130", "d210", "d250"}) {
    EXPECT_TRUE(writer.Delete(id).ok());
    m.erase(id);
  }
  add(MakeDoc("d10", 1));
  add(MakeDoc("d220", 1));
  EXPECT_TRUE(writer.Commit().ok());
  return m;
}

std::string Read(store::Directory* dir, const std::string& name) {
  auto f = dir->Open(name);
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  return f.ok() ? std::string((*f)->bytes()) : std::string();
}

void Write(store::Directory* dir, const std::string& name,
           const std::string& bytes) {
  Status s = dir->Remove(name);
  ASSERT_TRUE(s.ok() || s.code() == StatusCode::kNotFound) << s.ToString();
  auto f = dir->Create(name);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_TRUE((*f)->Append(bytes).ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
}

std::set<std::string> Names(store::Directory* dir) {
  auto names = dir->List();
  EXPECT_TRUE(names.ok());
  std::set<std::string> out;
  if (names.ok()) {
    for (const std::string& n : *names) {
      if (n != index::kLockFile) out.insert(n);
    }
  }
  return out;
}

// The kind of an index file: "commit", "del" or the segment extension.
std::string KindOf(const std::string& name) {
  if (name.rfind("commit_", 0) == 0) return "commit";
  return name.substr(name.rfind('.') + 1);
}

const char* const kKinds[] = {"commit", "si",  "tim", "doc",
                              "pos",    "nrm", "fdt", "del"};

class CorruptionTest : public testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    dir_ = store::NewMemoryDirectory();
    model_ = BuildIndex(dir_);
    other_ = store::NewMemoryDirectory();
    const Model other_model = BuildIndex(other_);
    ASSERT_FALSE(HasFailure());
    ASSERT_EQ(model_, other_model);
    ASSERT_EQ(CheckProblems(dir_.get()), "");
    auto r = IndexAccess::OpenReader(dir_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(DiffReader(**r, model_), "");
    const auto& segs = IndexAccess::Segments(**r);
    ASSERT_EQ(segs.size(), 3u);
    std::size_t with_deletes = 0;
    for (const auto& s : segs) with_deletes += s.deletes != nullptr;
    ASSERT_EQ(with_deletes, 2u);
    for (const std::string& f :
         index::CommitFiles(IndexAccess::GetCommit(**r))) {
      if (KindOf(f) == GetParam()) files_.push_back(f);
    }
    ASSERT_FALSE(files_.empty());
    // Same names in the other index.
    const std::set<std::string> names = Names(dir_.get());
    ASSERT_EQ(names, Names(other_.get()));
    for (const std::string& f : files_) ASSERT_EQ(names.count(f), 1u) << f;
  }

  // Every id of the index and a few that never existed or were deleted.
  std::vector<std::string> AllIds() const {
    std::vector<std::string> ids;
    for (int i = 0; i < 262; ++i) ids.push_back("d" + std::to_string(i));
    ids.push_back("nosuchdoc");
    return ids;
  }

  // With `name` damaged (as `what` says): the damage is reported, naming
  // the file. `open_must_fail`: damage the reader must see on open.
  void ExpectReported(const std::string& name, const std::string& what,
                      bool open_must_fail, bool check_writer,
                      StatusCode code = StatusCode::kCorruption) {
    const std::string context = name + ": " + what;
    // A reader.
    auto r = IndexAccess::OpenReader(dir_);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), code)
          << context << ": " << r.status().ToString();
      EXPECT_TRUE(Contains(r.status().message(), name))
          << context << ": the reader's error does not name the file: "
          << r.status().ToString();
    } else {
      EXPECT_FALSE(open_must_fail) << context << ": the reader opened";
      ReadEverything(**r, context);
    }
    // Check.
    auto report = IndexAccess::Check(dir_.get());
    ASSERT_TRUE(report.ok()) << context << ": " << report.status().ToString();
    EXPECT_FALSE(report->ok()) << context << ": Check found nothing";
    bool named = false;
    std::string all;
    for (const std::string& p : report->problems) {
      named |= Contains(p, name);
      all += "\n  " + p;
    }
    EXPECT_TRUE(named) << context << ": no problem names the file:" << all;
    if (check_writer) ExpectWriterRefuses(name, context, code);
  }

  // Reading everything a reader offers must not crash; errors are
  // Corruption (or NotFound for ids whose id term is damaged).
  void ReadEverything(const IndexReader& reader, const std::string& context) {
    (void)reader.Stats();
    (void)reader.num_docs();
    for (const std::string& id : AllIds()) {
      auto got = reader.Get(id);
      if (!got.ok()) {
        EXPECT_TRUE(got.status().code() == StatusCode::kNotFound ||
                    got.status().code() == StatusCode::kCorruption)
            << context << ": Get(" << id << "): " << got.status().ToString();
      }
    }
    (void)faulttest::ReadAll(reader);
    for (const internal::ReaderSegment& s : IndexAccess::Segments(reader)) {
      auto it = s.reader->Terms();
      std::vector<index::PosEntry> positions;
      while (it.Next()) {
        auto p = s.reader->Postings(it.key(), it.info());
        for (std::uint32_t d = p.Next(); d != index::kNoMoreDocs;
             d = p.Next()) {
          (void)s.reader->Norm(0, d);
          (void)s.reader->Norm(1, d);
          if (!p.Positions(&positions).ok()) break;
        }
        auto q = s.reader->Postings(it.key(), it.info());
        for (std::uint32_t d = q.Advance(7); d != index::kNoMoreDocs;
             d = q.Advance(d + 50)) {
        }
      }
      (void)s.reader->ForEachStored(
          [](std::uint32_t, std::string_view, std::string_view) { return Status::OK(); });
      // Id() decodes the id table itself (search results look ids up).
      for (std::uint32_t d = 0; d < s.reader->max_doc(); ++d) (void)s.reader->Id(d);
    }
  }

  // A writer must not open on damage a reader sees on open (and must not
  // replace the index with a fresh one); if it opens, it must not merge the
  // damaged file into a new segment.
  void ExpectWriterRefuses(const std::string& name, const std::string& context,
                           StatusCode code) {
    const std::set<std::string> before = Names(dir_.get());
    {
      auto w = IndexAccess::OpenWriter(dir_, Options());
      if (!w.ok()) {
        EXPECT_EQ(w.status().code(), code)
            << context << ": " << w.status().ToString();
        EXPECT_TRUE(Contains(w.status().message(), name))
            << context << ": the writer's error does not name the file: "
            << w.status().ToString();
      } else {
        Status s = (*w)->ForceMerge(1);
        EXPECT_EQ(s.code(), StatusCode::kCorruption)
            << context << ": merging a damaged segment: " << s.ToString();
        EXPECT_TRUE(Contains(s.message(), name))
            << context << ": " << s.ToString();
      }
    }
    // Nothing of the index was removed or replaced.
    const std::set<std::string> after = Names(dir_.get());
    for (const std::string& n : before) {
      if (n.find(".tmp") == std::string::npos) {
        EXPECT_EQ(after.count(n), 1u)
            << context << ": the writer removed " << n;
      }
    }
    for (const std::string& n : after) {
      std::uint64_t gen;
      if (index::ParseCommitFile(n, &gen)) {
        EXPECT_EQ(before.count(n), 1u) << context << ": the writer wrote " << n;
      }
    }
  }

  std::shared_ptr<store::Directory> dir_, other_;
  Model model_;
  std::vector<std::string> files_;
};

TEST_P(CorruptionTest, FlippedByte) {
  for (const std::string& name : files_) {
    const std::string original = Read(dir_.get(), name);
    const std::size_t size = original.size();
    ASSERT_GE(size, index::kHeaderSize + index::kFooterSize) << name;
    std::set<std::size_t> offsets = {0, 1,  3,  4,  7,
                                     8, 11, 12, 19, 27};  // header
    for (std::size_t i = size - index::kFooterSize; i < size; ++i)
      offsets.insert(i);
    const std::size_t body = size - index::kHeaderSize - index::kFooterSize;
    for (std::size_t k = 0; k < 16 && body > 0; ++k) {
      offsets.insert(index::kHeaderSize + body * k / 16);
    }
    faulttest::Rng rng(size);
    for (int k = 0; k < 4 && body > 0; ++k) {
      offsets.insert(index::kHeaderSize + rng.Uniform(body));
    }
    const unsigned char masks[] = {0x01, 0x80, 0xFF, 0x10, 0x42};
    std::size_t n = 0;
    for (std::size_t at : offsets) {
      std::string bad = original;
      const unsigned char mask = masks[n % 5];
      bad[at] = static_cast<char>(bad[at] ^ mask);
      Write(dir_.get(), name, bad);
      ExpectReported(name,
                     "byte " + std::to_string(at) + " of " +
                         std::to_string(size) + " xor " + std::to_string(mask),
                     false, n % 5 == 0);
      ++n;
      if (HasFatalFailure()) return;
    }
    Write(dir_.get(), name, original);
  }
  // Restored: clean again.
  EXPECT_EQ(CheckProblems(dir_.get()), "");
}

TEST_P(CorruptionTest, Truncated) {
  for (const std::string& name : files_) {
    const std::string original = Read(dir_.get(), name);
    const std::size_t size = original.size();
    std::set<std::size_t> lengths = {
        0,  1,  4,        8,        12,       27,       28,      29,
        35, 36, size / 2, size - 9, size - 8, size - 5, size - 1};
    for (std::size_t len : lengths) {
      if (len >= size) continue;
      Write(dir_.get(), name, original.substr(0, len));
      ExpectReported(
          name,
          "truncated to " + std::to_string(len) + " of " + std::to_string(size),
          true, true);
      if (HasFatalFailure()) return;
    }
    Write(dir_.get(), name, original);
  }
  EXPECT_EQ(CheckProblems(dir_.get()), "");
}

TEST_P(CorruptionTest, FromAnotherIndex) {
  for (const std::string& name : files_) {
    const std::string original = Read(dir_.get(), name);
    const std::string foreign = Read(other_.get(), name);
    ASSERT_NE(original, foreign) << name;
    Write(dir_.get(), name, foreign);
    ExpectReported(name, "replaced by the same file of another index", true,
                   true);
    if (HasFatalFailure()) return;
    Write(dir_.get(), name, original);
  }
  EXPECT_EQ(CheckProblems(dir_.get()), "");
}

TEST_P(CorruptionTest, Missing) {
  for (const std::string& name : files_) {
    const std::string original = Read(dir_.get(), name);
    ASSERT_TRUE(dir_->Remove(name).ok());
    // NotFound: without its only commit there is no index at all; without
    // another file the commit cannot be opened.
    auto r = IndexAccess::OpenReader(dir_);
    ASSERT_FALSE(r.ok()) << name << ": the reader opened without it";
    EXPECT_EQ(r.status().code(), StatusCode::kNotFound)
        << name << ": " << r.status().ToString();
    if (KindOf(name) != "commit") {
      EXPECT_TRUE(Contains(r.status().message(), name))
          << r.status().ToString();
      auto report = IndexAccess::Check(dir_.get());
      ASSERT_TRUE(report.ok()) << report.status().ToString();
      bool named = false;
      for (const std::string& p : report->problems) named |= Contains(p, name);
      EXPECT_TRUE(named) << name << ": Check does not name the missing file";
      ExpectWriterRefuses(name, name + " missing", StatusCode::kNotFound);
    }
    Write(dir_.get(), name, original);
    if (HasFatalFailure()) return;
  }
  EXPECT_EQ(CheckProblems(dir_.get()), "");
}

// One changed byte in a full posting block can make its frequencies 32 bits
// wide: documents then claim billions of occurrences. Reading their
// positions must report corruption, not try to allocate for billions.
TEST(CorruptionBlockTest, HugeFrequencyInAFullBlock) {
  auto dir = store::NewMemoryDirectory();
  Model m;
  {
    auto w = IndexAccess::OpenWriter(dir, Options());
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    // "news" 1-3 times in every document: its full blocks pack frequencies
    // with 2 bits and doc gaps with 0 bits, 34 bytes a block.
    for (int i = 0; i < 2000; ++i) {
      Document d;
      d.id = "h" + std::to_string(i);
      std::string body;
      for (int k = 0; k <= i % 3; ++k) body += "news ";
      d.Add("body", body + "x" + std::to_string(i));
      ASSERT_TRUE((*w)->Add(d).ok());
      ModelPut(&m, d);
    }
    ASSERT_TRUE((*w)->Commit().ok());
  }
  auto r = IndexAccess::OpenReader(dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(IndexAccess::Segments(**r).size(), 1u);
  const index::SegmentReader& seg = *IndexAccess::Segments(**r)[0].reader;
  auto info = seg.Find(index::TermKey(1, "news"));
  ASSERT_TRUE(info.ok() && info->has_value());
  ASSERT_EQ((*info)->doc_freq, 2000u);
  const std::string name = seg.doc_name();
  const std::string original = Read(dir.get(), name);
  const std::size_t at =
      (*info)->doc_offset + 1;  // FreqBits of the first block
  ASSERT_EQ(original[(*info)->doc_offset], 0);
  ASSERT_EQ(original[at], 2);
  for (const char bits : {28, 31, 32}) {
    std::string bad = original;
    bad[at] = bits;
    Write(dir.get(), name, bad);
    const std::string context = name + ": FreqBits " + std::to_string(bits);
    auto damaged = IndexAccess::OpenReader(dir);
    ASSERT_TRUE(damaged.ok()) << context << ": " << damaged.status().ToString();
    const index::SegmentReader& s = *IndexAccess::Segments(**damaged)[0].reader;
    auto p = s.Postings(index::TermKey(1, "news"), **info);
    std::vector<index::PosEntry> positions;
    std::uint64_t total = 0;
    for (std::uint32_t d = p.Next(); d != index::kNoMoreDocs; d = p.Next()) {
      if (!p.Positions(&positions).ok()) break;
      total += positions.size();
    }
    EXPECT_LE(total, 4000u) << context;
    Status st = p.status();
    EXPECT_EQ(st.code(), StatusCode::kCorruption)
        << context << ": " << st.ToString();
    EXPECT_TRUE(Contains(st.message(), name))
        << context << ": " << st.ToString();
    const std::string problems = CheckProblems(dir.get());
    EXPECT_TRUE(Contains(problems, name)) << context << ": " << problems;
  }
  Write(dir.get(), name, original);
  EXPECT_EQ(CheckProblems(dir.get()), "");
}

INSTANTIATE_TEST_SUITE_P(AllKinds, CorruptionTest, testing::ValuesIn(kKinds),
                         [](const testing::TestParamInfo<const char*>& p) {
                           return std::string(p.param);
                         });

}  // namespace
}  // namespace quarry
