// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The searcher against a brute-force oracle (search_test_util.h): random
// corpora (Zipf-like vocabularies, compounds, possessives, two text fields
// with different boosts and analyzers, a keyword field, several segments,
// deletions and updates) and more than 10,000 random queries of every kind.
// For each query: Count, the exhaustive ranking (every match, every score),
// pruned top-1 and top-10, and offset paging must agree with the oracle.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
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

struct Engine {
  std::shared_ptr<const IndexReader> reader;
  std::unique_ptr<Searcher> searcher;
  std::unordered_map<std::string, std::uint64_t> doc;
};

Engine OpenEngine(const std::shared_ptr<store::Directory>& dir,
                  SearcherOptions options = {}) {
  Engine e;
  auto r = IndexAccess::OpenReader(dir);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return e;
  e.reader = *r;
  auto s = Searcher::Create(e.reader, options);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  if (!s.ok()) return e;
  e.searcher = std::move(s).value();
  e.doc = oracle::DocNumbers(*e.searcher);
  EXPECT_EQ(e.doc.size(), e.reader->num_docs());
  return e;
}

// The index's statistics are the oracle's (checks the oracle's model of
// field lengths and of deleted documents before any score is compared).
void ExpectSameStatistics(const IndexReader& reader, const Oracle& o) {
  const IndexStats st = reader.Stats();
  EXPECT_EQ(st.documents, o.live_docs());
  EXPECT_EQ(st.deleted, o.deleted_in_stats());
  const auto& fields = o.schema().fields();
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (fields[f].kind != FieldKind::kText) continue;
    EXPECT_EQ(st.fields[f].documents, static_cast<std::uint64_t>(o.N(f))) << fields[f].name;
    EXPECT_EQ(st.fields[f].total_length, o.TotalLength(f)) << fields[f].name;
  }
}

struct RunStats {
  std::size_t queries = 0;
  std::size_t with_matches = 0;
  std::size_t failures = 0;
};

void RunQueries(std::uint64_t seed, const std::string& phase, Engine& e, Oracle& o,
                oracle::QueryGen& gen, std::mt19937_64& rng, int n, RunStats* stats) {
  ASSERT_TRUE(e.searcher != nullptr);
  for (int i = 0; i < n && stats->failures < 10; ++i) {
    const Query q = gen.Any(3);
    const std::size_t offset = static_cast<std::size_t>(rng() % 30);
    const std::size_t limit = 1 + static_cast<std::size_t>(rng() % 15);
    std::size_t matches = 0;
    const std::string err =
        oracle::CheckQuery(*e.searcher, o, q, e.doc, offset, limit, true, &matches);
    ++stats->queries;
    if (matches > 0) ++stats->with_matches;
    if (!err.empty()) {
      ++stats->failures;
      ADD_FAILURE() << "seed " << seed << " " << phase << " query #" << i << ": "
                    << q.ToString() << "\n  " << err;
    }
  }
}

struct Scenario {
  std::uint64_t seed;
  int docs;
  unsigned merge_factor;
  unsigned commit_every;  // a commit after ~1 in this many documents
  int queries;
};

// Builds a corpus in the index and the oracle at once.
void AddDocuments(std::mt19937_64& rng, oracle::WordSource& words, IndexWriter& w,
                  Oracle& o, int first, int count, unsigned commit_every) {
  const oracle::CorpusOptions co;
  for (int i = first; i < first + count; ++i) {
    const Document d = oracle::RandomDocument(rng, words, co, "d" + std::to_string(i));
    ASSERT_TRUE(w.Add(d).ok());
    o.Add(d);
    if (rng() % commit_every == 0) {
      ASSERT_TRUE(w.Commit().ok());
    }
  }
  ASSERT_TRUE(w.Commit().ok());
}

void RunScenario(const Scenario& sc) {
  SCOPED_TRACE("seed " + std::to_string(sc.seed));
  const auto start = std::chrono::steady_clock::now();
  std::mt19937_64 rng(sc.seed);
  const oracle::CorpusOptions co;
  oracle::WordSource words(rng, co);
  Oracle o(oracle::OracleSchema());
  auto dir = store::NewMemoryDirectory();
  IndexWriterOptions wo;
  wo.schema = oracle::OracleSchema();
  wo.ram_budget_bytes = 1 << 20;
  wo.merge_factor = sc.merge_factor;
  auto w = IndexAccess::OpenWriter(dir, wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  AddDocuments(rng, words, **w, o, 0, sc.docs, sc.commit_every);
  Engine e = OpenEngine(dir);
  ASSERT_GT(e.reader->Stats().segments, 1u);
  ExpectSameStatistics(*e.reader, o);
  oracle::QueryGen gen(rng, o, words);
  RunStats stats;
  RunQueries(sc.seed, "random", e, o, gen, rng, sc.queries, &stats);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("seed %llu: %d docs, %llu segments, %zu queries (%zu with matches), %.1f s\n",
              static_cast<unsigned long long>(sc.seed), sc.docs,
              static_cast<unsigned long long>(e.reader->Stats().segments), stats.queries,
              stats.with_matches, secs);
  // Most queries must match something, or the comparison says little.
  EXPECT_GT(stats.with_matches * 10, stats.queries * 6);
}

TEST(SearchOracle, SmallCorpusManySegments) { RunScenario({101, 200, 1000, 40, 4200}); }
TEST(SearchOracle, MediumCorpusAggressiveMerging) { RunScenario({202, 400, 3, 30, 2500}); }
TEST(SearchOracle, LargeCorpus) { RunScenario({303, 1000, 4, 160, 800}); }

// Long documents over a small vocabulary, so that phrases of common words
// match in most documents, many times, at positions past 256 (the position
// bitmaps' limit), and over compounds (tokens longer than one position).
// One segment, so the top-k bound filters thousands of candidates; and
// runs of documents that make it switch between its modes: short documents
// that repeat the two commonest words first (a high threshold early, few
// candidates pass: test the rarest list first), then long random ones,
// then short ones whose bound ties the threshold (most pass again: scan).
// Phrase queries restricted to one field, so the phrase is the root that
// hears the threshold.
TEST(SearchOracle, LongDocumentPhrases) {
  const std::uint64_t seed = 505;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  oracle::CorpusOptions co;
  co.vocabulary = 40;
  co.max_body_words = 700;
  co.max_title_words = 4;
  oracle::WordSource words(rng, co);
  Oracle o(oracle::OracleSchema());
  auto dir = store::NewMemoryDirectory();
  IndexWriterOptions wo;
  wo.schema = oracle::OracleSchema();
  auto w = IndexAccess::OpenWriter(dir, wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const std::string w0 = words.words()[0], w1 = words.words()[1];
  int next_id = 0;
  auto add = [&](const Document& d) {
    ASSERT_TRUE((*w)->Add(d).ok());
    o.Add(d);
  };
  auto add_text = [&](const std::string& text) {
    Document d;
    d.id = "s" + std::to_string(next_id++);
    d.Add("body", text);
    add(d);
  };
  auto repeat = [](const std::string& a, const std::string& b) {
    std::string t;
    for (int k = 0; k < 30; ++k) t += a + " " + b + " ";
    return t;
  };
  for (int i = 0; i < 20; ++i) add_text(repeat(w0, w1));
  for (int i = 0; i < 1100; ++i) add(oracle::RandomDocument(rng, words, co, "d" + std::to_string(i)));
  for (int i = 0; i < 700; ++i) {
    add_text(repeat(w1, w0));
  }
  for (int i = 1100; i < 1300; ++i) {
    add(oracle::RandomDocument(rng, words, co, "d" + std::to_string(i)));
  }
  ASSERT_TRUE((*w)->Commit().ok());
  ASSERT_TRUE((*w)->ForceMerge(1).ok());
  Engine e = OpenEngine(dir);
  ASSERT_EQ(e.reader->Stats().segments, 1u);
  oracle::QueryGen gen(rng, o, words);
  std::size_t body = 0;
  const auto& fields = o.schema().fields();
  while (fields[body].name != "body") ++body;
  std::size_t failures = 0, with_matches = 0;
  const int n = 150;
  for (int i = 0; i < n && failures < 10; ++i) {
    Query q = Query::MatchNone();
    const std::uint32_t slop = gen.Chance(80) ? 0 : static_cast<std::uint32_t>(gen.Pick(3));
    if (i < 10) {
      q = i % 2 == 0 ? Query::Phrase("body", w0 + " " + w1) : Query::Phrase("body", w1 + " " + w0);
    } else if (gen.Chance(60)) {
      std::vector<std::string> t = gen.TermChain(body, 2 + gen.Pick(3));
      if (t.size() < 2) continue;
      q = Query::TermPhrase("body", t, slop);
    } else {
      std::vector<std::string> t = gen.SurfaceSlice(body, 2 + gen.Pick(3));
      if (t.size() < 2) continue;
      std::string text;
      for (const std::string& s : t) text += (text.empty() ? "" : " ") + s;
      q = Query::Phrase("body", text, slop);
    }
    std::size_t matches = 0;
    const std::string err = oracle::CheckQuery(*e.searcher, o, q, e.doc,
                                               static_cast<std::size_t>(gen.Pick(20)),
                                               1 + static_cast<std::size_t>(gen.Pick(12)), true,
                                               &matches);
    with_matches += matches > 0;
    if (!err.empty()) {
      ++failures;
      ADD_FAILURE() << "query #" << i << ": " << q.ToString() << "\n  " << err;
    }
  }
  EXPECT_GT(with_matches * 10, static_cast<std::size_t>(n) * 6);
}

// Deletions and updates after commits, with no merging: the deleted
// documents stay in the statistics, which the oracle models; then
// ForceMerge(1) purges them.
TEST(SearchOracle, DeletionsUpdatesAndForceMerge) {
  const std::uint64_t seed = 404;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  const oracle::CorpusOptions co;
  oracle::WordSource words(rng, co);
  Oracle o(oracle::OracleSchema());
  auto dir = store::NewMemoryDirectory();
  IndexWriterOptions wo;
  wo.schema = oracle::OracleSchema();
  wo.ram_budget_bytes = 1 << 20;
  wo.merge_factor = 1000;  // never merges by itself
  auto w = IndexAccess::OpenWriter(dir, wo);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const int n = 400;
  AddDocuments(rng, words, **w, o, 0, n, 100);
  // Every document is in a committed segment now: delete 15%, update 10%
  // (each at most once, so that no deleted copy is ever still in RAM).
  std::vector<int> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = i;
  std::shuffle(ids.begin(), ids.end(), rng);
  for (int k = 0; k < n * 25 / 100; ++k) {
    const std::string id = "d" + std::to_string(ids[k]);
    if (k < n * 15 / 100) {
      ASSERT_TRUE((*w)->Delete(id).ok());
      o.Delete(id);
    } else {
      Document d = oracle::RandomDocument(rng, words, co, id);
      ASSERT_TRUE((*w)->Update(d).ok());
      o.Update(d);
    }
  }
  AddDocuments(rng, words, **w, o, n, 80, 40);
  {
    Engine e = OpenEngine(dir);
    ExpectSameStatistics(*e.reader, o);
    ASSERT_EQ(e.reader->Stats().deleted, o.deleted_in_stats());
    oracle::QueryGen gen(rng, o, words);
    RunStats stats;
    RunQueries(seed, "with deletions", e, o, gen, rng, 1500, &stats);
    EXPECT_GT(stats.with_matches * 10, stats.queries * 6);
    for (const auto& [id, doc] : e.doc) ASSERT_NE(o.Find(id), nullptr) << id;
  }
  ASSERT_TRUE((*w)->ForceMerge(1).ok());
  o.PurgeDeleted();
  {
    Engine e = OpenEngine(dir);
    EXPECT_EQ(e.reader->Stats().segments, 1u);
    ExpectSameStatistics(*e.reader, o);
    oracle::QueryGen gen(rng, o, words);
    RunStats stats;
    RunQueries(seed, "after ForceMerge", e, o, gen, rng, 1000, &stats);
    EXPECT_GT(stats.with_matches * 10, stats.queries * 6);
  }
}

// A hand-computed BM25 example, so that the oracle itself is checked against
// the formula of search.h, not only against the engine.
TEST(SearchOracle, HandComputedScores) {
  Schema schema;
  schema.AddText("body", false);
  Oracle o(schema);
  auto dir = store::NewMemoryDirectory();
  IndexWriterOptions wo;
  wo.schema = schema;
  auto w = IndexAccess::OpenWriter(dir, wo);
  ASSERT_TRUE(w.ok());
  const Document docs[] = {
      Document{"a", {{"body", "peace talks peace"}}},           // dl 3
      Document{"b", {{"body", "Nagorno-Karabakh peace talks"}}},  // dl 4
      Document{"c", {{"body", "talks"}}},                       // dl 1
  };
  for (const Document& d : docs) {
    ASSERT_TRUE((*w)->Add(d).ok());
    o.Add(d);
  }
  ASSERT_TRUE((*w)->Commit().ok());
  Engine e = OpenEngine(dir);
  const double k1 = 1.2, b = 0.75, N = 3, avgdl = (3.0 + 4.0 + 1.0) / 3.0;
  auto idf = [&](double df) { return std::log(1 + (N - df + 0.5) / (df + 0.5)); };
  auto tfn = [&](double tf, double dl) {
    return tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl));
  };
  struct Case {
    Query q;
    std::map<std::string, double> want;
  };
  const double karabakh = std::max(idf(1) + idf(1), idf(1));  // parts vs joined
  const Case cases[] = {
      {Query::Term("body", "peace"), {{"a", idf(2) * tfn(2, 3)}, {"b", idf(2) * tfn(1, 4)}}},
      {Query::Phrase("body", "peace talks"),
       {{"a", (idf(2) + idf(3)) * tfn(1, 3)}, {"b", (idf(2) + idf(3)) * tfn(1, 4)}}},
      {Query::Text("body", "Nagorno-Karabakh"), {{"b", karabakh * tfn(1, 4)}}},
      {Query::Phrase("body", "NagornoKarabakh peace"),
       {{"b", (idf(1) + idf(2)) * tfn(1, 4)}}},
      {Query::Boost(Query::Term("body", "talks"), 2.0f),
       {{"a", 2 * idf(3) * tfn(1, 3)}, {"b", 2 * idf(3) * tfn(1, 4)},
        {"c", 2 * idf(3) * tfn(1, 1)}}},
      {Query::Near("body", {"talks", "peace"}, 2),
       {{"a", (idf(3) + idf(2)) * tfn(2, 3)}, {"b", (idf(3) + idf(2)) * tfn(1, 4)}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.q.ToString());
    const oracle::Evaluation ev = o.Evaluate(c.q);
    ASSERT_FALSE(ev.error);
    std::map<std::string, double> got;
    for (const oracle::Match& m : ev.matches) got[m.id] = m.score;
    ASSERT_EQ(got.size(), c.want.size());
    for (const auto& [id, s] : c.want) EXPECT_NEAR(got[id], s, 1e-12) << id;
    EXPECT_EQ(oracle::CheckQuery(*e.searcher, o, c.q, e.doc, 0, 2), "");
  }
}

// More prefix expansions than SearcherOptions::max_prefix_expansions is an
// InvalidArgument error, exactly at the limit it is not.
TEST(SearchOracle, PrefixExpansionLimit) {
  Schema schema;
  schema.AddText("body", false);
  SearcherOptions so;
  so.max_prefix_expansions = 3;
  Oracle o(schema, so);
  auto dir = store::NewMemoryDirectory();
  IndexWriterOptions wo;
  wo.schema = schema;
  auto w = IndexAccess::OpenWriter(dir, wo);
  ASSERT_TRUE(w.ok());
  const Document docs[] = {
      Document{"a", {{"body", "talks talking"}}},
      Document{"b", {{"body", "talked talker tall"}}},
  };
  for (const Document& d : docs) {
    ASSERT_TRUE((*w)->Add(d).ok());
    o.Add(d);
  }
  ASSERT_TRUE((*w)->Commit().ok());
  Engine e = OpenEngine(dir, so);
  ASSERT_EQ(o.PrefixExpansions(0, "talk").size(), 4u);
  ASSERT_EQ(o.PrefixExpansions(0, "talke").size(), 2u);
  ASSERT_EQ(o.PrefixExpansions(0, "tal").size(), 5u);
  const std::pair<const char*, bool> cases[] = {
      {"talk", true},   {"tal", true},    {"TALK", true}, {"talke", false},
      {"TALKE", false}, {"talki", false}, {"x", false},   {"tall", false}};
  for (const auto& [p, too_many] : cases) {
    SCOPED_TRACE(p);
    const Query q = Query::Prefix("body", p);
    EXPECT_EQ(o.Evaluate(q).error, too_many);
    EXPECT_EQ(oracle::CheckQuery(*e.searcher, o, q, e.doc, 0, 3), "");
  }
  auto r = e.searcher->Search(Query::Prefix("body", "talk"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace quarry
