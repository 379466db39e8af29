// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Model-based test: random sequences of add, update, delete, commit,
// rollback, force-merge and writer reopen, checked after every commit
// against an in-memory model of what each live document contains: its
// stored fields, and every term with its positions (or frequency) as the
// analyzer produces them.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "index/index_internal.h"
#include "index/memory_index.h"
#include "quarry/index.h"
#include "store/directory.h"

namespace quarry {
namespace {

using internal::IndexAccess;

// term key -> positions ("p:l" strings) or, for terms without positions, freq
using DocTerms = std::map<std::string, std::vector<std::string>>;

Schema ModelSchema() {
  Schema s;
  AnalyzerOptions stemmed;
  stemmed.stem_language = "english";
  s.AddText("title", true).AddText("body", false, stemmed).AddKeyword("tag", true);
  return s;
}

const char* kWords[] = {"peace", "talks", "Bayramov", "Nagorno-Karabakh", "Türkiye’s",
                        "running", "runs", "U.S.", "3,000", "İstanbul", "東京都",
                        "ภาษาไทย", "O'Brien", "the", "on", "a", "agreement",
                        "Armenia", "Azerbaijan", "border", "COVID-19", "e-mail"};

std::string RandomText(std::mt19937& rng, int max_words) {
  std::string s;
  const int n = static_cast<int>(rng() % static_cast<unsigned>(max_words));
  for (int i = 0; i < n; ++i) {
    if (!s.empty()) s += ' ';
    s += kWords[rng() % std::size(kWords)];
  }
  return s;
}

Document RandomDoc(std::mt19937& rng, const std::string& id) {
  Document d;
  d.id = id;
  if (rng() % 4 != 0) d.Add("title", RandomText(rng, 6));
  d.Add("body", RandomText(rng, 40));
  if (rng() % 3 == 0) d.Add("body", RandomText(rng, 10));  // multi-valued
  if (rng() % 2 == 0) d.Add("tag", rng() % 2 ? "world" : "sport");
  return d;
}

DocTerms ExpectedTerms(index::DocumentAnalyzer& a, const Schema& schema,
                       const Document& d) {
  index::AnalyzedDocument ad;
  EXPECT_TRUE(a.Analyze(d, &ad).ok());
  DocTerms out;
  std::map<std::string, int> freq;
  for (const auto& o : ad.occurrences) {
    const std::string key = ad.keys.substr(o.key_offset, o.key_length);
    if (index::KeyHasPositions(schema, key)) {
      out[key].push_back(std::to_string(o.position) + ":" + std::to_string(o.length));
    } else {
      ++freq[key];
    }
  }
  for (auto& [key, positions] : out) std::sort(positions.begin(), positions.end());
  for (const auto& [key, f] : freq) out[key] = {"freq=" + std::to_string(f)};
  return out;
}

StoredDocument ExpectedStored(const Schema& schema, const Document& d) {
  StoredDocument s;
  s.id = d.id;
  for (const auto& [name, value] : d.fields) {
    if (schema.fields()[*schema.Find(name)].stored) s.fields.emplace_back(name, value);
  }
  return s;
}

// Reads every live document's terms back from the index.
std::map<std::string, DocTerms> ActualTerms(const IndexReader& reader) {
  std::map<std::string, DocTerms> out;
  const Schema& schema = reader.schema();
  for (const auto& seg : IndexAccess::Segments(reader)) {
    std::vector<std::string> ids(seg.reader->max_doc());
    for (std::uint32_t d = 0; d < seg.reader->max_doc(); ++d) {
      auto id = seg.reader->Id(d);
      EXPECT_TRUE(id.ok()) << id.status().ToString();
      if (id.ok()) ids[d] = std::string(*id);
    }
    auto it = seg.reader->Terms();
    std::vector<index::PosEntry> positions;
    while (it.Next()) {
      auto p = seg.reader->Postings(it.key(), it.info());
      for (std::uint32_t d = p.Next(); d != index::kNoMoreDocs; d = p.Next()) {
        if (seg.deletes && seg.deletes->IsDeleted(d)) continue;
        auto& list = out[ids[d]][std::string(it.key())];
        if (index::KeyHasPositions(schema, it.key())) {
          EXPECT_TRUE(p.Positions(&positions).ok());
          EXPECT_EQ(positions.size(), p.freq());
          for (const auto& e : positions) {
            list.push_back(std::to_string(e.position) + ":" + std::to_string(e.length));
          }
          std::sort(list.begin(), list.end());
        } else {
          list.push_back("freq=" + std::to_string(p.freq()));
        }
      }
      EXPECT_TRUE(p.status().ok()) << p.status().ToString();
    }
    EXPECT_TRUE(it.status().ok()) << it.status().ToString();
  }
  return out;
}

struct ModelDoc {
  Document doc;
  DocTerms terms;  // what the analyzer makes of it
};

void CheckAgainstModel(const std::shared_ptr<store::Directory>& dir,
                       const std::map<std::string, ModelDoc>& model,
                       bool deep, int step) {
  SCOPED_TRACE("after step " + std::to_string(step));
  auto reader = IndexAccess::OpenReader(dir);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  const Schema& schema = (*reader)->schema();
  ASSERT_EQ((*reader)->num_docs(), model.size());
  for (const auto& [id, m] : model) {
    auto got = (*reader)->Get(id);
    ASSERT_TRUE(got.ok()) << id << ": " << got.status().ToString();
    const StoredDocument want = ExpectedStored(schema, m.doc);
    ASSERT_EQ(got->id, want.id);
    ASSERT_EQ(got->fields, want.fields) << id;
  }
  if (!deep) return;
  const auto actual = ActualTerms(**reader);
  ASSERT_EQ(actual.size(), model.size());
  for (const auto& [id, m] : model) {
    auto it = actual.find(id);
    ASSERT_NE(it, actual.end()) << id;
    ASSERT_EQ(it->second, m.terms) << "terms of " << id;
  }
  auto report = IndexAccess::Check(dir.get());
  ASSERT_TRUE(report.ok());
  for (const auto& p : report->problems) ADD_FAILURE() << p;
}

class ModelTest : public testing::TestWithParam<int> {};

TEST_P(ModelTest, RandomOperations) {
  const int seed = GetParam();
  std::mt19937 rng(static_cast<unsigned>(seed));
  auto dir = store::NewMemoryDirectory();
  IndexWriterOptions options;
  options.schema = ModelSchema();
  options.ram_budget_bytes = 64 << 10;  // flush often
  options.merge_factor = 3;             // merge often
  options.analysis_threads = seed % 2 ? 2 : 1;
  auto w = IndexAccess::OpenWriter(dir, options);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  std::unique_ptr<IndexWriter> writer = std::move(w).value();
  auto schema = std::make_shared<const Schema>(ModelSchema());
  auto analyzer = index::DocumentAnalyzer::Create(schema);
  ASSERT_TRUE(analyzer.ok());

  std::map<std::string, ModelDoc> committed, current;
  auto model = [&](const Document& d) {
    return ModelDoc{d, ExpectedTerms(*analyzer, *schema, d)};
  };
  int next_id = 0, commits = 0;
  auto random_existing = [&]() -> std::string {
    if (current.empty()) return "none";
    auto it = current.begin();
    std::advance(it, static_cast<long>(rng() % current.size()));
    return it->first;
  };
  constexpr int kSteps = 1000;
  for (int step = 0; step < kSteps; ++step) {
    const unsigned op = rng() % 100;
    if (op < 35) {  // add a new document
      const std::string id = "d" + std::to_string(next_id++);
      Document d = RandomDoc(rng, id);
      ASSERT_TRUE(writer->Add(d).ok());
      current[id] = model(d);
    } else if (op < 40) {  // add an existing id: refused
      if (current.empty()) continue;
      const std::string id = random_existing();
      ASSERT_EQ(writer->Add(RandomDoc(rng, id)).code(), StatusCode::kAlreadyExists);
    } else if (op < 60) {  // update (existing or new)
      const std::string id = rng() % 4 ? random_existing() : "d" + std::to_string(next_id++);
      Document d = RandomDoc(rng, id);
      ASSERT_TRUE(writer->Update(d).ok());
      current[id] = model(d);
    } else if (op < 68) {  // batch update
      std::vector<Document> batch;
      for (int k = 0; k < 20; ++k) {
        const std::string id = rng() % 2 ? random_existing() : "d" + std::to_string(next_id++);
        batch.push_back(RandomDoc(rng, id));
      }
      ASSERT_TRUE(writer->UpdateBatch(batch).ok());
      for (const Document& d : batch) current[d.id] = model(d);
    } else if (op < 78) {  // delete
      const std::string id = random_existing();
      const Status s = writer->Delete(id);
      if (current.erase(id)) {
        ASSERT_TRUE(s.ok()) << s.ToString();
      } else {
        ASSERT_EQ(s.code(), StatusCode::kNotFound);
      }
    } else if (op < 90) {  // commit
      ASSERT_TRUE(writer->Commit().ok());
      committed = current;
      ++commits;
      CheckAgainstModel(dir, committed, commits % 3 == 0, step);
      if (HasFatalFailure()) return;
    } else if (op < 94) {  // rollback
      ASSERT_TRUE(writer->Rollback().ok());
      current = committed;
    } else if (op < 97) {  // force merge (commits)
      ASSERT_TRUE(writer->ForceMerge(1 + rng() % 2).ok());
      committed = current;
      CheckAgainstModel(dir, committed, true, step);
      if (HasFatalFailure()) return;
    } else {  // close the writer (dropping uncommitted changes) and reopen
      writer.reset();
      auto again = IndexAccess::OpenWriter(dir, options);
      ASSERT_TRUE(again.ok()) << again.status().ToString();
      writer = std::move(again).value();
      current = committed;
    }
  }
  ASSERT_TRUE(writer->Commit().ok());
  CheckAgainstModel(dir, current, true, kSteps);
  EXPECT_GT(commits, 40);
}

INSTANTIATE_TEST_SUITE_P(Seeds, ModelTest, testing::Values(1, 2, 3));

}  // namespace
}  // namespace quarry
