// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Metamorphic properties of search, checked on random corpora without any
// expected answers: relations between the results of related queries, and
// between the results of one query on related indexes.
//
//  * a phrase's hits are a subset of the AND of its words; more slop never
//    loses hits; a phrase of exact terms with slop s is within a Near window
//    of (words + s); the hits of And(a, b) are those of a intersected with b.
//  * adding documents that contain none of a query's terms does not change
//    which documents match;
//  * deleting documents removes exactly them; adding them back restores the
//    match sets (also after merging);
//  * Reopen sees new commits, while a Searcher on the old snapshot keeps
//    returning exactly what it returned before (even after the writer merged
//    and deleted the old files).
#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "index/index_internal.h"
#include "quarry/index.h"
#include "quarry/query.h"
#include "quarry/search.h"
#include "search_test_util.h"
#include "store/directory.h"

namespace quarry {
namespace {

using internal::IndexAccess;
using oracle::Oracle;
using Ids = std::set<std::string>;

class Corpus {
 public:
  Corpus(std::uint64_t seed, int docs, unsigned merge_factor = 1000)
      : rng_(seed), words_(rng_, co_), oracle_(oracle::OracleSchema()),
        dir_(store::NewMemoryDirectory()) {
    IndexWriterOptions wo;
    wo.schema = oracle::OracleSchema();
    wo.merge_factor = merge_factor;
    auto w = IndexAccess::OpenWriter(dir_, wo);
    EXPECT_TRUE(w.ok()) << w.status().ToString();
    writer_ = std::move(w).value();
    for (int i = 0; i < docs; ++i) {
      Add(oracle::RandomDocument(rng_, words_, co_, "d" + std::to_string(i)));
      if (rng_() % 60 == 0) Commit();
    }
    Commit();
  }

  void Add(const Document& d) {
    EXPECT_TRUE(writer_->Add(d).ok()) << d.id;
    oracle_.Add(d);
    added_.push_back(d);
  }
  void Commit() { EXPECT_TRUE(writer_->Commit().ok()); }

  std::unique_ptr<Searcher> Open() {
    auto r = IndexAccess::OpenReader(dir_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    auto s = Searcher::Create(*r);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return std::move(s).value();
  }

  std::mt19937_64& rng() { return rng_; }
  oracle::WordSource& words() { return words_; }
  Oracle& oracle() { return oracle_; }
  IndexWriter& writer() { return *writer_; }
  const std::shared_ptr<store::Directory>& dir() { return dir_; }
  const std::vector<Document>& added() const { return added_; }

 private:
  std::mt19937_64 rng_;
  oracle::CorpusOptions co_;
  oracle::WordSource words_;
  Oracle oracle_;
  std::shared_ptr<store::Directory> dir_;
  std::unique_ptr<IndexWriter> writer_;
  std::vector<Document> added_;
};

// Every matching id (exhaustive search); also checks Count agrees.
Ids Match(const Searcher& s, const Query& q) {
  SearchOptions o;
  o.limit = s.reader().num_docs() + 1;
  o.total_hits_threshold = std::numeric_limits<std::uint64_t>::max();
  o.load_fields = false;
  auto r = s.Search(q, o);
  EXPECT_TRUE(r.ok()) << q.ToString() << ": " << r.status().ToString();
  Ids ids;
  if (!r.ok()) return ids;
  for (const Hit& h : r->hits) ids.insert(h.id);
  auto c = s.Count(q);
  EXPECT_TRUE(c.ok() && *c == ids.size()) << q.ToString();
  return ids;
}

bool Subset(const Ids& a, const Ids& b) {
  return std::includes(b.begin(), b.end(), a.begin(), a.end());
}

std::string Diff(const Ids& a, const Ids& b) {
  std::string s;
  for (const std::string& id : a) {
    if (!b.count(id)) s += " +" + id;
  }
  for (const std::string& id : b) {
    if (!a.count(id)) s += " -" + id;
  }
  return s;
}

TEST(SearchMetamorphic, PhraseWithinAndSlopMonotoneNearAndIntersection) {
  Corpus c(7, 600);
  auto s = c.Open();
  oracle::QueryGen gen(c.rng(), c.oracle(), c.words());
  int failures = 0, nonempty = 0;
  const int kQueries = 300;
  for (int i = 0; i < kQueries && failures < 10; ++i) {
    // A phrase from a document and its words.
    const Query phrase = gen.PhraseLeaf();
    const Query::Node& n = phrase.node();
    const Ids p = Match(*s, phrase);
    if (!p.empty()) ++nonempty;
    const Ids all = Match(*s, Query::Text(n.field, n.text, DefaultOperator::kAnd));
    if (!Subset(p, all)) {
      ++failures;
      ADD_FAILURE() << phrase.ToString() << " not within its AND:" << Diff(p, all);
    }
    const Ids more = Match(*s, Query::Phrase(n.field, n.text, n.slop + 1));
    if (!Subset(p, more)) {
      ++failures;
      ADD_FAILURE() << phrase.ToString() << " loses hits with more slop:" << Diff(p, more);
    }
    // A phrase of exact single-position terms is within a Near window.
    const std::size_t fi = gen.Pick(2);  // title or body
    const std::string field = c.oracle().schema().fields()[fi].name;
    std::vector<std::string> terms = gen.TermChain(fi, 2 + gen.Pick(3));
    const std::uint32_t slop = static_cast<std::uint32_t>(gen.Pick(3));
    bool single = !terms.empty();
    for (const std::string& t : terms) {
      for (const oracle::DocData& d : c.oracle().docs()) {
        for (const oracle::FieldData& fd : d.fields) {
          auto it = fd.exact.find(t);
          if (it != fd.exact.end()) {
            for (const oracle::Occ& o : it->second) single = single && o.len == 1;
          }
        }
      }
    }
    if (single) {
      const Ids tp = Match(*s, Query::TermPhrase(field, terms, slop));
      const Ids near = Match(
          *s, Query::Near(field, terms, static_cast<std::uint32_t>(terms.size()) + slop));
      if (!Subset(tp, near)) {
        ++failures;
        ADD_FAILURE() << Query::TermPhrase(field, terms, slop).ToString()
                      << " not within its Near window:" << Diff(tp, near);
      }
    }
    // And is an intersection, Or a union, Not a complement.
    const Query a = gen.Any(2), b = gen.Any(2);
    const Ids ia = Match(*s, a), ib = Match(*s, b);
    Ids both, either;
    std::set_intersection(ia.begin(), ia.end(), ib.begin(), ib.end(),
                          std::inserter(both, both.end()));
    std::set_union(ia.begin(), ia.end(), ib.begin(), ib.end(),
                   std::inserter(either, either.end()));
    const Ids got_and = Match(*s, Query::And({a, b}));
    const Ids got_or = Match(*s, Query::Or({a, b}));
    const Ids got_not = Match(*s, Query::Not(a));
    if (got_and != both || got_or != either ||
        got_not.size() + ia.size() != s->reader().num_docs() || !Subset(got_not, Match(*s, Query::MatchAll()))) {
      ++failures;
      ADD_FAILURE() << "a = " << a.ToString() << "\nb = " << b.ToString()
                    << "\nAnd:" << Diff(got_and, both) << "\nOr:" << Diff(got_or, either)
                    << "\nNot: " << got_not.size() << " + " << ia.size();
    }
  }
  EXPECT_GT(nonempty * 10, kQueries * 5);
}

// Words made of letters the corpus vocabulary never uses.
std::string UnrelatedText(std::mt19937_64& rng, int words) {
  static const char kLetters[] = "xqwyjh";
  std::string s;
  for (int i = 0; i < words; ++i) {
    if (i) s += ' ';
    const int len = 3 + static_cast<int>(rng() % 5);
    for (int k = 0; k < len; ++k) s += kLetters[rng() % 6];
  }
  return s;
}

TEST(SearchMetamorphic, UnrelatedDocumentsDoNotChangeMatches) {
  Corpus c(8, 500);
  oracle::QueryGenOptions qo;
  qo.negations = false;  // a negative query would match the new documents
  qo.match_all = false;
  oracle::QueryGen gen(c.rng(), c.oracle(), c.words(), qo);
  std::vector<Query> queries;
  for (int i = 0; i < 400; ++i) queries.push_back(gen.Any(3));
  std::vector<Ids> before;
  {
    auto s = c.Open();
    for (const Query& q : queries) before.push_back(Match(*s, q));
  }
  // New documents, in new segments and merged with old ones.
  for (int i = 0; i < 300; ++i) {
    Document d;
    d.id = "u" + std::to_string(i);
    d.Add("title", UnrelatedText(c.rng(), 4)).Add("body", UnrelatedText(c.rng(), 30));
    if (i % 3 == 0) d.Add("tag", "unrelated");
    c.Add(d);
    if (i % 50 == 0) c.Commit();
  }
  c.Commit();
  auto s = c.Open();
  int failures = 0, nonempty = 0;
  for (std::size_t i = 0; i < queries.size() && failures < 10; ++i) {
    const Ids after = Match(*s, queries[i]);
    if (!after.empty()) ++nonempty;
    if (after != before[i]) {
      ++failures;
      ADD_FAILURE() << queries[i].ToString() << ":" << Diff(after, before[i]);
    }
  }
  EXPECT_GT(nonempty * 10, static_cast<int>(queries.size()) * 5);
  // And after merging everything into one segment.
  ASSERT_TRUE(c.writer().ForceMerge(1).ok());
  s = c.Open();
  for (std::size_t i = 0; i < queries.size() && failures < 10; ++i) {
    const Ids after = Match(*s, queries[i]);
    if (after != before[i]) {
      ++failures;
      ADD_FAILURE() << "after ForceMerge " << queries[i].ToString() << ":"
                    << Diff(after, before[i]);
    }
  }
}

TEST(SearchMetamorphic, DeleteThenReAddRestoresMatches) {
  Corpus c(9, 500, 4);
  oracle::QueryGen gen(c.rng(), c.oracle(), c.words());
  std::vector<Query> queries;
  for (int i = 0; i < 300; ++i) queries.push_back(gen.Any(3));
  std::vector<Ids> before;
  {
    auto s = c.Open();
    for (const Query& q : queries) before.push_back(Match(*s, q));
  }
  // Delete a fifth of the documents.
  std::vector<Document> docs = c.added();
  std::shuffle(docs.begin(), docs.end(), c.rng());
  docs.resize(docs.size() / 5);
  Ids deleted;
  for (const Document& d : docs) {
    ASSERT_TRUE(c.writer().Delete(d.id).ok());
    deleted.insert(d.id);
  }
  c.Commit();
  int failures = 0;
  {
    auto s = c.Open();
    for (std::size_t i = 0; i < queries.size() && failures < 10; ++i) {
      Ids want;
      std::set_difference(before[i].begin(), before[i].end(), deleted.begin(), deleted.end(),
                          std::inserter(want, want.end()));
      const Ids got = Match(*s, queries[i]);
      if (got != want) {
        ++failures;
        ADD_FAILURE() << "after delete " << queries[i].ToString() << ":" << Diff(got, want);
      }
    }
  }
  // Add them back (in a different order), with merging in between.
  std::shuffle(docs.begin(), docs.end(), c.rng());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    ASSERT_TRUE(c.writer().Add(docs[i]).ok());
    if (i % 25 == 0) c.Commit();
  }
  c.Commit();
  for (int round = 0; round < 2; ++round) {
    auto s = c.Open();
    for (std::size_t i = 0; i < queries.size() && failures < 10; ++i) {
      const Ids got = Match(*s, queries[i]);
      if (got != before[i]) {
        ++failures;
        ADD_FAILURE() << (round ? "after ForceMerge " : "after re-add ")
                      << queries[i].ToString() << ":" << Diff(got, before[i]);
      }
    }
    ASSERT_TRUE(c.writer().ForceMerge(1).ok());
  }
}

struct Snapshot {
  std::vector<std::vector<std::pair<std::string, double>>> hits;
  std::vector<std::uint64_t> totals;
};

Snapshot Take(const Searcher& s, const std::vector<Query>& queries) {
  Snapshot snap;
  SearchOptions o;
  o.limit = 20;
  o.load_fields = false;
  for (const Query& q : queries) {
    auto r = s.Search(q, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::vector<std::pair<std::string, double>> hits;
    if (r.ok()) {
      for (const Hit& h : r->hits) hits.emplace_back(h.id, h.score);
    }
    snap.hits.push_back(std::move(hits));
    auto c = s.Count(q);
    snap.totals.push_back(c.ok() ? *c : ~0ull);
  }
  return snap;
}

TEST(SearchMetamorphic, ReopenSeesNewCommitsOldSearcherUnchanged) {
  Corpus c(10, 400, 3);
  oracle::QueryGen gen(c.rng(), c.oracle(), c.words());
  std::vector<Query> queries;
  for (int i = 0; i < 200; ++i) queries.push_back(gen.Any(3));
  auto r1 = IndexAccess::OpenReader(c.dir()).value();
  auto s1 = Searcher::Create(r1).value();
  const Snapshot first = Take(*s1, queries);
  // Nothing changed: Reopen returns the same reader.
  EXPECT_EQ(r1->Reopen().value().get(), r1.get());

  // Change the index: deletions, updates, new documents, a full merge (which
  // removes the files the old reader uses).
  std::vector<Document> docs = c.added();
  std::shuffle(docs.begin(), docs.end(), c.rng());
  for (int i = 0; i < 60; ++i) {
    ASSERT_TRUE(c.writer().Delete(docs[static_cast<std::size_t>(i)].id).ok());
    c.oracle().Delete(docs[static_cast<std::size_t>(i)].id);
  }
  for (int i = 60; i < 120; ++i) {
    Document d = oracle::RandomDocument(c.rng(), c.words(), oracle::CorpusOptions{},
                                        docs[static_cast<std::size_t>(i)].id);
    ASSERT_TRUE(c.writer().Update(d).ok());
    c.oracle().Update(d);
  }
  for (int i = 0; i < 100; ++i) {
    c.Add(oracle::RandomDocument(c.rng(), c.words(), oracle::CorpusOptions{},
                                 "n" + std::to_string(i)));
  }
  c.Commit();
  ASSERT_TRUE(c.writer().ForceMerge(1).ok());
  c.oracle().PurgeDeleted();

  // The old searcher: exactly the same answers.
  EXPECT_EQ(r1->num_docs(), 400u);
  const Snapshot again = Take(*s1, queries);
  for (std::size_t i = 0; i < queries.size(); ++i) {
    EXPECT_EQ(again.hits[i], first.hits[i]) << queries[i].ToString();
    EXPECT_EQ(again.totals[i], first.totals[i]) << queries[i].ToString();
  }

  // The reopened reader sees the new commit: the oracle's answers.
  auto r2 = r1->Reopen();
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  ASSERT_NE(r2->get(), r1.get());
  EXPECT_EQ((*r2)->num_docs(), 440u);
  auto s2 = Searcher::Create(*r2).value();
  const auto doc = oracle::DocNumbers(*s2);
  int failures = 0, changed = 0;
  const Snapshot now = Take(*s2, queries);
  for (std::size_t i = 0; i < queries.size() && failures < 10; ++i) {
    if (now.totals[i] != first.totals[i]) ++changed;
    const std::string err =
        oracle::CheckQuery(*s2, c.oracle(), queries[i], doc, 0, 10);
    if (!err.empty()) {
      ++failures;
      ADD_FAILURE() << queries[i].ToString() << "\n  " << err;
    }
  }
  EXPECT_GT(changed, 30);
}

}  // namespace
}  // namespace quarry
