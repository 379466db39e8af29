// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The Searcher's own behaviour: query forms on a small hand-written corpus,
// and the pruned execution paths (block-max, MaxScore) against exhaustive
// evaluation on generated corpora large enough for many 128-doc blocks.
// The brute-force and Xapian oracles live in oracle_test / xapian_oracle_test.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>

#include "index/index_internal.h"
#include "quarry/search.h"
#include "store/directory.h"

namespace quarry {
namespace {

std::shared_ptr<const IndexReader> BuildIndex(const std::vector<Document>& docs,
                                              Schema schema = Schema::Default(),
                                              std::size_t commit_every = 0) {
  IndexWriterOptions o;
  o.schema = schema;
  auto dir = std::shared_ptr<store::Directory>(store::NewMemoryDirectory());
  auto w = internal::IndexAccess::OpenWriter(dir, o);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  for (std::size_t i = 0; i < docs.size(); ++i) {
    EXPECT_TRUE((*w)->Add(docs[i]).ok());
    if (commit_every && (i + 1) % commit_every == 0) {
      EXPECT_TRUE((*w)->Commit().ok());
    }
  }
  EXPECT_TRUE((*w)->Commit().ok());
  auto r = internal::IndexAccess::OpenReader(dir);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return *r;
}

std::vector<std::string> Ids(const SearchResult& r) {
  std::vector<std::string> ids;
  for (const Hit& h : r.hits) ids.push_back(h.id);
  return ids;
}

std::set<std::string> IdSet(const Searcher& s, const Query& q) {
  SearchOptions o;
  o.limit = 1000;
  o.total_hits_threshold = UINT64_MAX;
  auto r = s.Search(q, o);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return {};
  auto ids = Ids(*r);
  return {ids.begin(), ids.end()};
}

Document Doc(std::string id, std::string title, std::string body) {
  Document d;
  d.id = std::move(id);
  d.Add("title", std::move(title));
  d.Add("body", std::move(body));
  return d;
}

class SearcherSmall : public testing::Test {
 protected:
  void SetUp() override {
    reader_ = BuildIndex({
        Doc("a", "Talks on Nagorno-Karabakh", "Jeyhun Bayramov met officials in Baku."),
        Doc("b", "Border news", "Nagorno Karabakh was discussed by Bayramov."),
        Doc("c", "Opinion", "NagornoKarabakh is written as one word here."),
        Doc("d", "Turkey", "Türkiye’s foreign minister visited İstanbul."),
        Doc("e", "Sports", "The match ended in a draw."),
        Doc("f", "Bayram", "Holiday greetings for Bayram."),
    });
    auto s = Searcher::Create(reader_);
    ASSERT_TRUE(s.ok());
    searcher_ = std::move(*s);
  }
  std::shared_ptr<const IndexReader> reader_;
  std::unique_ptr<Searcher> searcher_;
};

TEST_F(SearcherSmall, TermsAndEntities) {
  EXPECT_EQ(IdSet(*searcher_, Query::Text("", "Bayramov")), (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Text("", "bayram")), (std::set<std::string>{"f"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Text("", "Nagorno-Karabakh")),
            (std::set<std::string>{"a", "b", "c"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Phrase("", "Nagorno Karabakh")),
            (std::set<std::string>{"a", "b"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Text("", "NagornoKarabakh")),
            (std::set<std::string>{"a", "c"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Text("", "Turkiye")), (std::set<std::string>{"d"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Text("", "istanbul")), (std::set<std::string>{"d"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Phrase("", "Jeyhun Bayramov")),
            (std::set<std::string>{"a"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Phrase("body", "Bayramov Jeyhun")),
            (std::set<std::string>{}));
  EXPECT_EQ(IdSet(*searcher_, Query::Phrase("body", "Jeyhun officials", 1)),
            (std::set<std::string>{}));
  EXPECT_EQ(IdSet(*searcher_, Query::Phrase("body", "Jeyhun officials", 2)),
            (std::set<std::string>{"a"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Near("body", {"officials", "bayramov"}, 3)),
            (std::set<std::string>{"a"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Near("body", {"officials", "bayramov"}, 2)),
            (std::set<std::string>{}));
  EXPECT_EQ(IdSet(*searcher_, Query::Prefix("", "Bayr")),
            (std::set<std::string>{"a", "b", "f"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Term("title", "bayram")), (std::set<std::string>{"f"}));
}

TEST_F(SearcherSmall, BooleanForms) {
  EXPECT_EQ(IdSet(*searcher_, Query::And({Query::Text("", "Bayramov"),
                                          Query::Text("", "Baku")})),
            (std::set<std::string>{"a"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Bool({{Occur::kMust, Query::Text("", "Bayramov")},
                                           {Occur::kMustNot, Query::Text("", "Baku")}})),
            (std::set<std::string>{"b"}));
  EXPECT_EQ(IdSet(*searcher_, Query::Not(Query::Text("", "Bayramov"))),
            (std::set<std::string>{"c", "d", "e", "f"}));
  EXPECT_EQ(IdSet(*searcher_, Query::MatchAll()).size(), 6u);
  EXPECT_TRUE(IdSet(*searcher_, Query::MatchNone()).empty());
  // Punctuation-only text is empty and drops out of the Boolean query.
  EXPECT_EQ(IdSet(*searcher_, Query::And({Query::Text("", "Bayramov"), Query::Text("", "--")})),
            (std::set<std::string>{"a", "b"}));
  // An optional clause adds to the score of required matches only.
  auto r = searcher_->Search(Query::Bool({{Occur::kMust, Query::Text("", "Bayramov")},
                                          {Occur::kShould, Query::Text("", "Jeyhun")}}));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(Ids(*r), (std::vector<std::string>{"a", "b"}));
  EXPECT_GT(r->hits[0].score, r->hits[1].score);
}

TEST_F(SearcherSmall, CountPagingExplainErrors) {
  const Query q = Query::Text("", "Bayramov Bayram Karabakh");
  auto n = searcher_->Count(q);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 3u);  // a, b (karabakh as a part), f; c has only the joined word
  SearchOptions o;
  o.limit = 2;
  auto all = searcher_->Search(q, SearchOptions{});
  auto p1 = searcher_->Search(q, o);
  o.offset = 2;
  auto p2 = searcher_->Search(q, o);
  ASSERT_TRUE(all.ok() && p1.ok() && p2.ok());
  EXPECT_EQ(all->total_hits, 3u);
  std::vector<std::string> joined = Ids(*p1);
  for (const auto& id : Ids(*p2)) joined.push_back(id);
  EXPECT_EQ(joined, Ids(*all));
  for (const Hit& h : all->hits) {
    auto e = searcher_->Explain(q, h.id);
    ASSERT_TRUE(e.ok());
    EXPECT_NEAR(e->value, h.score, 1e-9 * h.score) << e->ToString();
  }
  auto e = searcher_->Explain(q, "e");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->value, 0);
  EXPECT_EQ(searcher_->Explain(q, "nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(searcher_->Search(Query::Text("nofield", "x")).status().code(),
            StatusCode::kInvalidArgument);
  SearcherOptions tight;
  tight.max_prefix_expansions = 1;
  auto s2 = Searcher::Create(reader_, tight);
  ASSERT_TRUE(s2.ok());
  auto pr = (*s2)->Search(Query::Prefix("", "b"));
  EXPECT_EQ(pr.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(pr.status().message().find("more than 1"), std::string::npos);
  EXPECT_EQ(searcher_->Search(Query::Boost(Query::Text("", "x"), -1)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_F(SearcherSmall, StoredFieldsAndSnippets) {
  SearchOptions o;
  o.fields = {"title"};
  o.snippet_fields = {"body"};
  auto r = searcher_->Search(Query::Phrase("", "Jeyhun Bayramov"), o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->hits.size(), 1u);
  ASSERT_EQ(r->hits[0].fields.size(), 1u);
  EXPECT_EQ(r->hits[0].fields[0].second, "Talks on Nagorno-Karabakh");
  ASSERT_EQ(r->hits[0].snippets.size(), 1u);
  EXPECT_NE(r->hits[0].snippets[0].text.find("<b>Jeyhun Bayramov</b>"), std::string::npos)
      << r->hits[0].snippets[0].text;
}

// Top-k of a query evaluated exhaustively (every match scored and counted)
// and with pruning from the first hit on (total_hits_threshold 0).
std::pair<Result<SearchResult>, Result<SearchResult>> ExactAndPruned(const Searcher& s,
                                                                     const Query& q,
                                                                     std::size_t k) {
  SearchOptions exact;
  exact.limit = k;
  exact.total_hits_threshold = UINT64_MAX;
  exact.load_fields = false;
  SearchOptions pruned = exact;
  pruned.total_hits_threshold = 0;
  return {s.Search(q, exact), s.Search(q, pruned)};
}

// A generated corpus with long posting lists: the pruned paths must return
// exactly what exhaustive evaluation returns.
class SearcherPruning : public testing::TestWithParam<int> {};

TEST_P(SearcherPruning, PrunedEqualsExhaustive) {
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  std::vector<std::string> vocab;
  for (int i = 0; i < 300; ++i) vocab.push_back("w" + std::to_string(i));
  // Zipf-like: word i with weight 1/(i+1).
  std::vector<double> weights;
  for (int i = 0; i < 300; ++i) weights.push_back(1.0 / (i + 1));
  std::discrete_distribution<int> pick(weights.begin(), weights.end());
  std::vector<Document> docs;
  for (int d = 0; d < 3000; ++d) {
    std::string body, title;
    const int len = 1 + static_cast<int>(rng() % 60);
    for (int i = 0; i < len; ++i) body += vocab[static_cast<std::size_t>(pick(rng))] + " ";
    for (int i = 0; i < 3; ++i) title += vocab[static_cast<std::size_t>(pick(rng))] + " ";
    docs.push_back(Doc("d" + std::to_string(d), title, body));
  }
  auto reader = BuildIndex(docs, Schema::Default(), 1300);
  auto s = Searcher::Create(reader);
  ASSERT_TRUE(s.ok());
  auto word = [&] { return vocab[static_cast<std::size_t>(pick(rng))]; };
  std::vector<Query> queries;
  for (int i = 0; i < 25; ++i) {
    queries.push_back(Query::Text("", word()));
    queries.push_back(Query::Text("", word() + " " + word() + " " + word()));
    queries.push_back(Query::Text("", word() + " " + word(), DefaultOperator::kAnd));
    queries.push_back(Query::Text("body", word() + " " + word() + " " + word() + " " +
                                              word() + " " + word()));
    queries.push_back(Query::Phrase("body", word() + " " + word()));
    // Phrase bounds: per block (BlockBound) and per candidate (Confirm skips
    // documents below the threshold without reading positions).
    queries.push_back(Query::Phrase("body", word() + " " + word() + " " + word(), 2));
    queries.push_back(Query::Phrase("", word() + " " + word()));
    queries.push_back(Query::Bool({{Occur::kMust, Query::Phrase("body", word() + " " + word())},
                                   {Occur::kMustNot, Query::Text("", word())}}));
    queries.push_back(Query::Or({Query::Phrase("body", word() + " " + word()),
                                 Query::Phrase("body", word() + " " + word())}));
    queries.push_back(Query::Bool({{Occur::kMust, Query::Text("", word())},
                                   {Occur::kShould, Query::Text("", word())},
                                   {Occur::kMustNot, Query::Text("", word())}}));
  }
  std::size_t pruned_phrases = 0;  // phrase queries whose pruned total is a bound
  for (const Query& q : queries) {
    for (std::size_t k : {1u, 10u, 100u}) {
      auto [a, b] = ExactAndPruned(**s, q, k);
      ASSERT_TRUE(a.ok() && b.ok());
      ASSERT_EQ(Ids(*a), Ids(*b)) << q.ToString() << " k=" << k;
      for (std::size_t i = 0; i < a->hits.size(); ++i) {
        ASSERT_EQ(a->hits[i].score, b->hits[i].score);
      }
      EXPECT_TRUE(a->total_exact);
      EXPECT_LE(b->total_hits, a->total_hits);
      if (b->total_exact) {
        EXPECT_EQ(b->total_hits, a->total_hits);
      } else if (q.kind() == Query::Kind::kPhrase && q.node().field == "body") {
        ++pruned_phrases;  // one field's phrase alone: the PhraseScorer is the root
      }
      auto n = (*s)->Count(q);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(*n, a->total_hits) << q.ToString();
    }
  }
  // The pruned paths were taken for phrases, not just allowed.
  EXPECT_GT(pruned_phrases, 20u);
}

INSTANTIATE_TEST_SUITE_P(Seeds, SearcherPruning, testing::Values(1, 2));

// MaxScore: a rare clause is essential while a frequent one is not (its early
// blocks cannot beat the threshold); when the rare clause runs out, later
// blocks of the frequent clause may still hold better documents (found on the
// full enwiki index, where `10 1005` lost a document near the end).
TEST(SearcherMaxScore, KeepsGoingAfterTheEssentialClausesEnd) {
  std::mt19937 rng(5);
  std::vector<Document> docs;
  for (int d = 0; d < 4000; ++d) {
    std::string body;
    int len = 30 + static_cast<int>(rng() % 60);
    if (d == 3950) {
      for (int i = 0; i < 20; ++i) body += "common ";
      len = 2;
    } else if (d % 4 == 0) {
      body = "common ";
    }
    if (d == 7 || d == 101 || d == 201 || d == 301 || d == 401) {
      body += "rare ";  // long documents: above every other common one, below d3950
      len = 300;
    }
    if (d == 501) {
      body += "rare ";  // the last one cannot compete: the threshold stays
      len = 3000;
    }
    for (int i = 0; i < len; ++i) body += "f" + std::to_string(rng() % 500) + " ";
    docs.push_back(Doc("d" + std::to_string(d), "", body));
  }
  auto reader = BuildIndex(docs, Schema::Default(), 100000);
  auto s = Searcher::Create(reader);
  ASSERT_TRUE(s.ok());
  const Query q = Query::Or({Query::Term("body", "common"), Query::Term("body", "rare")});
  for (std::size_t k : {5u, 10u, 20u}) {
    auto [a, b] = ExactAndPruned(**s, q, k);
    ASSERT_TRUE(a.ok() && b.ok());
    const std::vector<std::string> ids = Ids(*a);
    // The test is about this document (the best one).
    ASSERT_NE(std::find(ids.begin(), ids.end(), "d3950"), ids.end());
    EXPECT_EQ(Ids(*a), Ids(*b)) << "k=" << k;
  }
}

// Count() of conjunctions and disjunctions of terms takes a bitmap when the
// lists are long (and, for AND, of similar length) and iterates otherwise.
// Both must give the exact number: checked against a count made here, with
// and without deleted documents, for pairs and triples of every shape.
TEST(SearcherCount, BitmapAndIteratedCountsAgree) {
  const int n = 6000;
  // term -> which documents hold it
  const std::vector<std::pair<std::string, int>> terms = {
      {"every", 1}, {"half", 2}, {"third", 3}, {"tenth", 10}, {"rare", 97}, {"single", 5000}};
  auto holds = [&](int d, int every) { return every == 5000 ? d == 4321 : d % every == 0; };
  std::vector<Document> docs;
  for (int d = 0; d < n; ++d) {
    std::string body = "x" + std::to_string(d % 7);
    for (const auto& [t, every] : terms) {
      if (holds(d, every)) body += " " + t;
    }
    docs.push_back(Doc("d" + std::to_string(d), "", body));
  }
  IndexWriterOptions o;
  o.schema = Schema::Default();
  auto dir = std::shared_ptr<store::Directory>(store::NewMemoryDirectory());
  auto w = internal::IndexAccess::OpenWriter(dir, o);
  ASSERT_TRUE(w.ok());
  for (const Document& d : docs) ASSERT_TRUE((*w)->Add(d).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  std::set<int> deleted;
  for (int pass = 0; pass < 2; ++pass) {
    auto r = internal::IndexAccess::OpenReader(dir);
    ASSERT_TRUE(r.ok());
    auto s = Searcher::Create(*r);
    ASSERT_TRUE(s.ok());
    for (std::size_t i = 0; i < terms.size(); ++i) {
      for (std::size_t j = i + 1; j < terms.size(); ++j) {
        for (std::size_t k = j; k <= terms.size(); ++k) {  // k == j: a pair
          std::vector<std::size_t> pick = {i, j};
          if (k > j && k < terms.size()) pick.push_back(k);
          if (k > j && k == terms.size()) continue;
          std::vector<Query> clauses;
          std::string label;
          for (std::size_t t : pick) {
            clauses.push_back(Query::Term("body", terms[t].first));
            label += terms[t].first + " ";
          }
          std::uint64_t want_and = 0, want_or = 0;
          for (int d = 0; d < n; ++d) {
            if (deleted.count(d)) continue;
            bool all = true, any = false;
            for (std::size_t t : pick) {
              const bool h = holds(d, terms[t].second);
              all = all && h;
              any = any || h;
            }
            want_and += all;
            want_or += any;
          }
          auto a = (*s)->Count(Query::And(clauses));
          auto b = (*s)->Count(Query::Or(clauses));
          ASSERT_TRUE(a.ok() && b.ok());
          EXPECT_EQ(*a, want_and) << "AND " << label << "pass " << pass;
          EXPECT_EQ(*b, want_or) << "OR " << label << "pass " << pass;
          // The iterating path (Search counts every match) agrees.
          SearchOptions so;
          so.limit = 3;
          so.total_hits_threshold = UINT64_MAX;
          auto sa = (*s)->Search(Query::And(clauses), so);
          ASSERT_TRUE(sa.ok());
          EXPECT_EQ(sa->total_hits, want_and) << "AND " << label << "pass " << pass;
        }
      }
    }
    if (pass == 1) break;
    // Second pass: delete every 5th document and the single one.
    for (int d = 0; d < n; d += 5) {
      Status st = (*w)->Delete("d" + std::to_string(d));
      ASSERT_TRUE(st.ok()) << st.ToString();
      deleted.insert(d);
    }
    ASSERT_TRUE((*w)->Delete("d4321").ok());
    deleted.insert(4321);
    ASSERT_TRUE((*w)->Commit().ok());
  }
}

}  // namespace
}  // namespace quarry
