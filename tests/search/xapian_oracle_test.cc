// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Matching semantics against Xapian (GPL: linked into this test only). The
// documents of a random corpus without compounds are tokenized by quarry's
// Analyzer and added to an in-memory Xapian database with the same
// positions (add_posting(term, position + 1); stems as positionless terms of
// their own prefix). Random queries are translated to Xapian::Query (term,
// AND, OR, AND_NOT, PHRASE with window = words + slop, NEAR, WILDCARD) and
// the matching document sets must be equal: Xapian's, the searcher's and the
// brute-force oracle's (so the oracle is checked by an independent engine).
#include <gtest/gtest.h>
#include <xapian.h>

#include <chrono>
#include <cstdio>
#include <limits>
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

// Xapian term prefixes per schema field: exact terms, stems.
std::string ExactPrefix(const Schema& s, std::size_t f) {
  return s.fields()[f].kind == FieldKind::kKeyword ? "K" + std::to_string(f) + ":"
                                                   : "X" + std::to_string(f) + ":";
}
std::string StemPrefix(std::size_t f) { return "Z" + std::to_string(f) + ":"; }

class XapianCorpus {
 public:
  XapianCorpus() : db_(std::string(), Xapian::DB_BACKEND_INMEMORY) {}

  // Adds the oracle's (live) documents with the oracle's tokens.
  void Build(const Oracle& o) {
    const Schema& schema = o.schema();
    for (const oracle::DocData& d : o.docs()) {
      if (!d.live) continue;
      Xapian::Document doc;
      doc.set_data(d.id);
      for (std::size_t f = 0; f < schema.fields().size(); ++f) {
        const oracle::FieldData& fd = d.fields[f];
        if (schema.fields()[f].kind == FieldKind::kKeyword) {
          for (const std::string& v : fd.values) doc.add_term(ExactPrefix(schema, f) + v);
          continue;
        }
        for (const Token& t : fd.tokens) {
          if (t.kind == TokenKind::kStem) {
            doc.add_term(StemPrefix(f) + t.term);
          } else {
            doc.add_posting(ExactPrefix(schema, f) + t.term, t.position + 1);
          }
        }
      }
      db_.add_document(doc);
    }
    db_.commit();
  }

  std::set<std::string> Run(const Xapian::Query& q) {
    Xapian::Enquire enquire(db_);
    enquire.set_query(q);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    std::set<std::string> out;
    const Xapian::MSet mset = enquire.get_mset(0, db_.get_doccount());
    for (auto it = mset.begin(); it != mset.end(); ++it) out.insert(it.get_document().get_data());
    return out;
  }

 private:
  Xapian::WritableDatabase db_;
};

// Translates a quarry Query (over single-part words) to Xapian. Words are
// analyzed with quarry's Analyzer for each field.
class Translator {
 public:
  explicit Translator(const Schema& schema) : schema_(schema) {
    for (const FieldSpec& f : schema.fields()) {
      if (f.kind == FieldKind::kText) {
        analyzers_.push_back(std::make_unique<Analyzer>(Analyzer::Create(f.analyzer).value()));
      } else {
        analyzers_.push_back(nullptr);
      }
    }
  }

  // Set when the query used something the translation does not cover.
  std::string problem;

  Xapian::Query Translate(const Query& q) {
    const Query::Node& n = q.node();
    switch (n.kind) {
      case Query::Kind::kMatchAll:
        return Xapian::Query::MatchAll;
      case Query::Kind::kMatchNone:
        return Xapian::Query::MatchNothing;
      case Query::Kind::kTerm: {
        std::vector<Xapian::Query> per;
        for (std::size_t f : Fields(n.field)) {
          if (n.term_kind == TermKind::kStem) {
            if (schema_.fields()[f].kind == FieldKind::kText) {
              per.emplace_back(StemPrefix(f) + n.text);
            }
          } else {
            per.emplace_back(ExactPrefix(schema_, f) + n.text);
          }
        }
        return Or(per);
      }
      case Query::Kind::kText: {
        // Per field, one Xapian query per word; on "" word i may match in
        // any field when the fields agree on the number of words.
        const std::vector<std::size_t> fields = Fields(n.field);
        std::vector<std::vector<Xapian::Query>> per;
        for (std::size_t f : fields) {
          const bool stems = !schema_.fields()[f].analyzer.stem_language.empty();
          std::vector<Xapian::Query> words;
          for (const QueryWord& w : Words(f, n.text)) {
            words.emplace_back(stems ? StemPrefix(f) + w.stems.at(0)
                                     : ExactPrefix(schema_, f) + w.parts[0]);
          }
          per.push_back(std::move(words));
        }
        const auto op = n.op == DefaultOperator::kAnd ? Xapian::Query::OP_AND
                                                      : Xapian::Query::OP_OR;
        bool same = true;
        for (const auto& p : per) same = same && p.size() == per[0].size();
        if (fields.size() > 1 && same) {
          std::vector<Xapian::Query> words;
          for (std::size_t i = 0; i < per[0].size(); ++i) {
            std::vector<Xapian::Query> any;
            for (const auto& p : per) any.push_back(p[i]);
            words.push_back(Or(any));
          }
          if (words.empty()) return Xapian::Query::MatchNothing;
          return Xapian::Query(op, words.begin(), words.end());
        }
        std::vector<Xapian::Query> fieldq;
        for (const auto& p : per) {
          if (!p.empty()) fieldq.emplace_back(op, p.begin(), p.end());
        }
        return Or(fieldq);
      }
      case Query::Kind::kPhrase:
      case Query::Kind::kTermPhrase: {
        std::vector<Xapian::Query> per;
        for (std::size_t f : Fields(n.field)) {
          std::vector<std::string> terms;
          if (n.kind == Query::Kind::kPhrase) {
            for (const QueryWord& w : Words(f, n.text)) terms.push_back(w.parts[0]);
          } else {
            terms = n.terms;
          }
          if (terms.empty()) continue;
          per.push_back(Positional(Xapian::Query::OP_PHRASE, f, terms,
                                   static_cast<Xapian::termcount>(terms.size() + n.slop)));
        }
        return Or(per);
      }
      case Query::Kind::kNear: {
        std::vector<Xapian::Query> per;
        if (n.slop == 0 || n.terms.empty()) return Xapian::Query::MatchNothing;
        for (std::size_t f : Fields(n.field)) {
          per.push_back(Positional(Xapian::Query::OP_NEAR, f, n.terms, n.slop));
        }
        return Or(per);
      }
      case Query::Kind::kPrefix: {
        std::vector<Xapian::Query> per;
        for (std::size_t f : Fields(n.field)) {
          std::string p = n.text;
          if (schema_.fields()[f].kind == FieldKind::kText) {
            auto words = Words(f, n.text);
            if (words.size() != 1) {
              problem = "prefix '" + n.text + "' is not one word";
              continue;
            }
            p = words[0].parts[0];
          }
          per.emplace_back(Xapian::Query::OP_WILDCARD, ExactPrefix(schema_, f) + p, 0,
                           Xapian::Query::WILDCARD_LIMIT_ERROR, Xapian::Query::OP_OR);
        }
        return Or(per);
      }
      case Query::Kind::kBoost:
        return Translate(n.clauses.at(0).query);
      case Query::Kind::kBool: {
        std::vector<Xapian::Query> must, should, must_not;
        for (const Query::Clause& c : n.clauses) {
          Xapian::Query x = Translate(c.query);
          (c.occur == Occur::kMust ? must : c.occur == Occur::kShould ? should : must_not)
              .push_back(x);
        }
        if (n.clauses.empty()) return Xapian::Query::MatchNothing;
        Xapian::Query base;
        if (!must.empty()) {
          // With must clauses, should clauses only score: they are left out
          // (Xapian 1.4.22 gets `a AND (b AND_MAYBE (x PHRASE y))` under
          // AND_NOT wrong: a document matching it is also returned by
          // `<alldocuments> AND_NOT` it).
          base = Xapian::Query(Xapian::Query::OP_AND, must.begin(), must.end());
        } else if (!should.empty()) {
          base = Or(should);
        } else {
          base = Xapian::Query::MatchAll;
        }
        if (!must_not.empty()) {
          base = Xapian::Query(Xapian::Query::OP_AND_NOT, base, Or(must_not));
        }
        return base;
      }
    }
    return Xapian::Query::MatchNothing;
  }

 private:
  std::vector<std::size_t> Fields(const std::string& name) {
    std::vector<std::size_t> out;
    for (std::size_t f = 0; f < schema_.fields().size(); ++f) {
      const FieldSpec& spec = schema_.fields()[f];
      if (name.empty() ? spec.kind == FieldKind::kText : spec.name == name) out.push_back(f);
    }
    return out;
  }

  std::vector<QueryWord> Words(std::size_t f, const std::string& text) {
    auto q = analyzers_[f]->AnalyzeQuery(text);
    if (!q.ok()) {
      problem = q.status().ToString();
      return {};
    }
    for (const QueryWord& w : q->words) {
      if (w.parts.size() != 1) problem = "compound word in '" + text + "'";
    }
    return q->words;
  }

  static Xapian::Query Or(const std::vector<Xapian::Query>& qs) {
    if (qs.empty()) return Xapian::Query::MatchNothing;
    return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
  }

  Xapian::Query Positional(Xapian::Query::op op, std::size_t f,
                           const std::vector<std::string>& terms, Xapian::termcount window) {
    if (schema_.fields()[f].kind != FieldKind::kText) return Xapian::Query::MatchNothing;
    if (terms.size() == 1) return Xapian::Query(ExactPrefix(schema_, f) + terms[0]);
    std::vector<Xapian::Query> sub;
    for (const std::string& t : terms) sub.emplace_back(ExactPrefix(schema_, f) + t);
    return Xapian::Query(op, sub.begin(), sub.end(), window);
  }

  const Schema& schema_;
  std::vector<std::unique_ptr<Analyzer>> analyzers_;
};

oracle::CorpusOptions NoCompounds() {
  oracle::CorpusOptions co;
  co.compounds = false;
  co.possessives = false;
  return co;
}

std::string Describe(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::string s;
  int n = 0;
  for (const std::string& id : a) {
    if (!b.count(id) && n++ < 5) s += " +" + id;
  }
  for (const std::string& id : b) {
    if (!a.count(id) && n++ < 10) s += " -" + id;
  }
  return s;
}

struct Setup {
  std::mt19937_64 rng;
  oracle::CorpusOptions co = NoCompounds();
  oracle::WordSource words;
  Oracle o;
  XapianCorpus xapian;
  std::shared_ptr<store::Directory> dir = store::NewMemoryDirectory();
  std::shared_ptr<const IndexReader> reader;
  std::unique_ptr<Searcher> searcher;

  Setup(std::uint64_t seed, int docs, bool engine)
      : rng(seed), words(rng, co), o(oracle::OracleSchema()) {
    std::unique_ptr<IndexWriter> writer;
    if (engine) {
      IndexWriterOptions wo;
      wo.schema = oracle::OracleSchema();
      wo.ram_budget_bytes = 1 << 20;
      wo.merge_factor = 4;
      writer = IndexAccess::OpenWriter(dir, wo).value();
    }
    for (int i = 0; i < docs; ++i) {
      const Document d = oracle::RandomDocument(rng, words, co, "x" + std::to_string(i));
      o.Add(d);
      if (writer) {
        EXPECT_TRUE(writer->Add(d).ok());
        if (rng() % 100 == 0) {
          EXPECT_TRUE(writer->Commit().ok());
        }
      }
    }
    for (const oracle::DocData& d : o.docs()) {
      for (const oracle::FieldData& fd : d.fields) {
        for (const Token& t : fd.tokens) {
          EXPECT_NE(t.kind, TokenKind::kJoined) << "compound in the Xapian corpus: " << t.term;
        }
      }
    }
    xapian.Build(o);
    if (writer) {
      EXPECT_TRUE(writer->Commit().ok());
      reader = IndexAccess::OpenReader(dir).value();
      searcher = Searcher::Create(reader).value();
    }
  }
};

void Compare(std::uint64_t seed, int docs, int queries, bool engine) {
  SCOPED_TRACE("seed " + std::to_string(seed));
  const auto start = std::chrono::steady_clock::now();
  Setup s(seed, docs, engine);
  oracle::QueryGenOptions qo;
  qo.boosts = false;
  oracle::QueryGen gen(s.rng, s.o, s.words, qo);
  Translator tr(s.o.schema());
  int failures = 0, nonempty = 0;
  for (int i = 0; i < queries && failures < 10; ++i) {
    const Query q = gen.Any(3);
    tr.problem.clear();
    const Xapian::Query xq = tr.Translate(q);
    ASSERT_EQ(tr.problem, "") << q.ToString();
    const std::set<std::string> want = s.xapian.Run(xq);
    if (!want.empty()) ++nonempty;
    std::set<std::string> got;
    if (engine) {
      SearchOptions so;
      so.limit = static_cast<std::size_t>(docs) + 1;
      so.total_hits_threshold = std::numeric_limits<std::uint64_t>::max();
      so.load_fields = false;
      auto r = s.searcher->Search(q, so);
      if (!r.ok()) {
        ++failures;
        ADD_FAILURE() << "seed " << seed << " query #" << i << " " << q.ToString() << ": "
                      << r.status().ToString();
        continue;
      }
      for (const Hit& h : r->hits) got.insert(h.id);
      auto count = s.searcher->Count(q);
      if (!count.ok() || *count != want.size()) {
        ++failures;
        ADD_FAILURE() << "seed " << seed << " query #" << i << " " << q.ToString()
                      << ": Count " << (count.ok() ? std::to_string(*count) : "error")
                      << ", Xapian " << want.size();
      }
    } else {
      const oracle::Evaluation ev = s.o.Evaluate(q);
      ASSERT_FALSE(ev.error) << ev.error_message;
      for (const oracle::Match& m : ev.matches) got.insert(m.id);
    }
    if (got != want) {
      ++failures;
      ADD_FAILURE() << "seed " << seed << " query #" << i << " " << q.ToString() << "\n  "
                    << (engine ? "searcher" : "oracle") << " " << got.size() << " vs Xapian "
                    << want.size() << " (" << xq.get_description() << "):"
                    << Describe(got, want);
    }
  }
  std::printf("%s vs Xapian, seed %llu: %d docs, %d queries (%d match), %.1f s\n",
              engine ? "searcher" : "oracle", static_cast<unsigned long long>(seed), docs,
              queries, nonempty,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  EXPECT_GT(nonempty * 10, queries * 6);
}

TEST(SearchXapian, OracleMatchesXapian) {
  Compare(11, 400, 1500, false);
  Compare(12, 1500, 1500, false);
}

TEST(SearchXapian, SearcherMatchesXapian) {
  Compare(21, 400, 2000, true);
  Compare(22, 1500, 2000, true);
}

}  // namespace
}  // namespace quarry
