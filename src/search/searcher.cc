// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The Searcher: Query -> PlanNode (rewrite.cc) -> per-query statistics and
// BM25 parameters -> one Scorer tree per segment -> collection.
//
// Collection strategies, all returning the same documents:
//  * exhaustive: every match scored and counted (while fewer than
//    total_hits_threshold matches were seen, and always for Count());
//  * block-max: once the top-k heap is full and the threshold is reached,
//    the root scorer's bound over the block holding the next candidate
//    (sum of per-block (max freq, min length) bounds of its terms) is
//    compared with the heap's minimum; non-competitive blocks are skipped
//    without decoding;
//  * block-max MaxScore for a pure disjunction at the root: per window of
//    documents (up to the nearest block end of any clause), clauses whose
//    bounds sum to at most the threshold become non-essential; candidates
//    come only from essential clauses, and non-essential clauses are
//    consulted (in decreasing bound order) only while the document can still
//    enter the top k.
// A document whose score equals the heap minimum never enters (earlier
// documents win ties), so pruning with "bound <= threshold" is exact; bounds
// are compared with a relative margin of 1e-9 against rounding.
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <type_traits>
#include <unordered_map>

#include "index/index_internal.h"
#include "index/segment_format.h"
#include "quarry/search.h"
#include "search/plan.h"
#include "search/scorer.h"
#include "util/small_vector.h"

namespace quarry {

using index::DeleteSet;
using index::SegmentReader;
using index::TermInfo;
using internal::ReaderSegment;
using search::As;
using search::AllScorer;
using search::Bm25;
using search::Competitive;
using search::ConjunctionScorer;
using search::DisjunctionScorer;
using search::kLastDoc;
using search::kNoMoreDocs;
using search::PhraseScorer;
using search::PlanNode;
using search::ReqExclScorer;
using search::ReqOptScorer;
using search::Scorer;
using search::TableThreshold;
using search::TermScorer;

namespace {

struct AnalyzerSet {
  std::vector<std::optional<Analyzer>> per_field;
};

struct FieldStat {
  double n = 0;
  double avgdl = 1;
  bool norms = false;
};

// The k best (score, doc) pairs; ties go to the smaller doc.
class TopK {
 public:
  explicit TopK(std::size_t k) : k_(k) { heap_.reserve(std::min<std::size_t>(k, 1 << 16)); }
  TopK(const TopK&) = delete;
  TopK& operator=(const TopK&) = delete;
  bool full() const { return k_ > 0 && heap_.size() == k_; }
  std::size_t k() const { return k_; }
  double Threshold() const {
    return full() ? heap_[0].score : -std::numeric_limits<double>::infinity();
  }
  // Returns true if the threshold changed.
  bool Add(double score, std::uint64_t doc) {
    if (k_ == 0) return false;
    if (heap_.size() < k_) {
      heap_.push_back({score, doc});
      std::push_heap(heap_.begin(), heap_.end(), Better);
      return heap_.size() == k_;
    }
    if (!(score > heap_[0].score)) return false;
    std::pop_heap(heap_.begin(), heap_.end(), Better);
    heap_.back() = {score, doc};
    std::push_heap(heap_.begin(), heap_.end(), Better);
    return true;
  }
  struct Entry {
    double score;
    std::uint64_t doc;
  };
  // The entries, best first; the heap is spent.
  std::span<const Entry> Sorted() {
    std::sort(heap_.begin(), heap_.end(), Better);
    return {heap_.data(), heap_.size()};
  }

 private:
  static bool Better(const Entry& a, const Entry& b) {
    return a.score > b.score || (a.score == b.score && a.doc < b.doc);
  }
  std::size_t k_;
  // Inline for the usual top 10 or 20: no allocation per query.
  util::SmallVector<Entry, 20> heap_;
};

struct TermStat {
  std::string key;
  std::uint64_t df = 0;      // over the snapshot
  std::size_t first = 0;     // its per-segment entries in TermTable::infos
};

// BM25 parameters of one leaf of the plan.
struct LeafParams {
  const PlanNode* node;
  Bm25 bm25;
  std::size_t term;  // kTerm leaves: the term's place in TermTable::list
};

// The distinct terms of a query, each looked up once in every segment:
// found by a linear scan while few (most queries), by a hash table beyond.
struct TermTable {
  static constexpr std::size_t kLinear = 16;
  std::vector<TermStat> list;
  // list.size() x segments; inline for the first few terms of one segment.
  util::SmallVector<std::optional<TermInfo>, 4> infos;
  // Past kLinear terms (allocated only then).
  std::unique_ptr<std::unordered_map<std::string, std::size_t>> index;

  const TermStat* Find(std::string_view key) const {
    if (!index) {
      for (const TermStat& t : list) {
        if (t.key == key) return &t;
      }
      return nullptr;
    }
    const auto it = index->find(std::string(key));
    return it == index->end() ? nullptr : &list[it->second];
  }
  // The entry of `key` in segment s (nullopt: not there).
  const std::optional<TermInfo>& Info(const TermStat& t, std::size_t s) const {
    return infos[t.first + s];
  }
  void Add(TermStat t) {
    list.push_back(std::move(t));
    if (list.size() > kLinear) {
      if (!index) {
        index = std::make_unique<std::unordered_map<std::string, std::size_t>>();
        for (std::size_t i = 0; i < list.size(); ++i) index->emplace(list[i].key, i);
      } else {
        index->emplace(list.back().key, list.size() - 1);
      }
    }
  }
};

}  // namespace

class Searcher::Impl {
 public:
  std::shared_ptr<const IndexReader> reader;
  SearcherOptions options;
  const std::vector<ReaderSegment>* segs = nullptr;
  std::vector<std::uint64_t> bases;
  std::vector<FieldStat> fstats;
  std::uint64_t total_docs = 0;

  std::mutex mu;
  std::vector<std::unique_ptr<AnalyzerSet>> pool;

  const Schema& schema() const { return reader->schema(); }

  Result<std::unique_ptr<AnalyzerSet>> Acquire() {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!pool.empty()) {
        auto s = std::move(pool.back());
        pool.pop_back();
        return s;
      }
    }
    auto set = std::make_unique<AnalyzerSet>();
    const auto& fields = schema().fields();
    set->per_field.resize(fields.size());
    for (std::size_t f = 0; f < fields.size(); ++f) {
      if (fields[f].kind != FieldKind::kText) continue;
      QUARRY_ASSIGN_OR_RETURN(Analyzer a, Analyzer::Create(fields[f].analyzer));
      set->per_field[f].emplace(std::move(a));
    }
    return set;
  }
  void Release(std::unique_ptr<AnalyzerSet> set) {
    std::lock_guard<std::mutex> lock(mu);
    if (pool.size() < 64) pool.push_back(std::move(set));
  }
  // The analyzers of one call: a set is taken from the pool at the first
  // use (a query of exact terms needs none) and given back at the end.
  class Analyzers {
   public:
    explicit Analyzers(Impl* impl) : impl_(impl) {}
    Analyzers(const Analyzers&) = delete;
    Analyzers& operator=(const Analyzers&) = delete;
    ~Analyzers() {
      if (set_) impl_->Release(std::move(set_));
    }
    Result<Analyzer*> For(std::size_t f) {
      if (!set_) {
        QUARRY_ASSIGN_OR_RETURN(set_, impl_->Acquire());
      }
      return &*set_->per_field[f];
    }

   private:
    Impl* impl_;
    std::unique_ptr<AnalyzerSet> set_;
  };

  // The pieces of one query execution. Built in place and never moved:
  // `leaf` is keyed by the addresses of the plan's nodes.
  struct Prepared {
    Prepared() = default;
    Prepared(const Prepared&) = delete;
    Prepared& operator=(const Prepared&) = delete;

    PlanNode plan;
    // False for counting: idf (a logarithm per term) is left at 0.
    bool scores = true;
    TermTable terms;
    // BM25 parameters per leaf, sorted by node address once Prepare is done.
    util::SmallVector<LeafParams, 4> leaf;
    const LeafParams& Params(const PlanNode* node) const {
      const auto* it = std::lower_bound(
          leaf.begin(), leaf.end(), node, [](const LeafParams& e, const PlanNode* n) {
            return std::less<const PlanNode*>()(e.node, n);
          });
      return *it;  // every leaf of the plan has its parameters
    }
  };

  Status Prepare(const Query& query, Analyzers* analyzers, Prepared* p) const {
    search::AnalyzerFor an = [analyzers](std::size_t f) { return analyzers->For(f); };
    search::PrefixExpander expand = [&](std::size_t f, const std::string& prefix,
                                        std::size_t limit)
        -> Result<std::vector<std::string>> { return Expand(f, prefix, limit); };
    QUARRY_RETURN_IF_ERROR(search::Rewrite(query, schema(), an, expand, options, &p->plan));
    p->terms.list.reserve(CountLeaves(p->plan));
    QUARRY_RETURN_IF_ERROR(PrepareNode(p->plan, p));
    const auto by_node = [](const LeafParams& a, const LeafParams& b) {
      return std::less<const PlanNode*>()(a.node, b.node);
    };
    // Leaves of one Boolean node come in address order already.
    if (!std::is_sorted(p->leaf.begin(), p->leaf.end(), by_node)) {
      std::sort(p->leaf.begin(), p->leaf.end(), by_node);
    }
    return Status::OK();
  }

  // The nodes PrepareNode gives parameters.
  static std::size_t CountLeaves(const PlanNode& n) {
    switch (n.kind) {
      case PlanNode::Kind::kTerm:
      case PlanNode::Kind::kPhrase:
      case PlanNode::Kind::kNear:
        return 1;
      case PlanNode::Kind::kBool: {
        std::size_t c = 0;
        for (const PlanNode& ch : n.must) c += CountLeaves(ch);
        for (const PlanNode& ch : n.should) c += CountLeaves(ch);
        for (const PlanNode& ch : n.must_not) c += CountLeaves(ch);
        return c;
      }
      default:
        return 0;
    }
  }

  Result<std::vector<std::string>> Expand(std::size_t f, const std::string& prefix,
                                          std::size_t limit) const {
    const std::string kp = index::TermKey(f, prefix);
    std::set<std::string> out;
    for (const ReaderSegment& rs : *segs) {
      SegmentReader::TermIterator it = rs.reader->Terms(kp);
      while (it.Next()) {
        const std::string_view key = it.key();
        if (key.substr(0, kp.size()) != kp) break;
        out.emplace(key.substr(1));
        if (out.size() > limit) break;
      }
      QUARRY_RETURN_IF_ERROR(it.status());
      if (out.size() > limit) break;
    }
    return std::vector<std::string>(out.begin(), out.end());
  }

  // The term's place in p->terms.list.
  Result<std::size_t> Lookup(std::size_t f, const std::string& term, bool stem,
                             Prepared* p) const {
    std::string key = index::TermKey(f, term, stem);
    if (const TermStat* t = p->terms.Find(key)) {
      return static_cast<std::size_t>(t - p->terms.list.data());
    }
    TermStat st;
    st.first = p->terms.infos.size();
    for (std::size_t s = 0; s < segs->size(); ++s) {
      QUARRY_ASSIGN_OR_RETURN(std::optional<TermInfo> info, (*segs)[s].reader->Find(key));
      if (info) st.df += info->doc_freq;
      p->terms.infos.push_back(info);
    }
    st.key = std::move(key);
    p->terms.Add(std::move(st));
    return p->terms.list.size() - 1;
  }

  double Idf(const Prepared& p, std::size_t f, double df) const {
    if (!p.scores) return 0;
    const double n = fstats[f].n;
    return std::log(1.0 + (n - df + 0.5) / (df + 0.5));
  }

  void MakeParams(Prepared* p, const PlanNode* node, std::size_t f, double idf, double df,
                  double boost, std::size_t term = SIZE_MAX) const {
    Bm25 b;
    const FieldStat& fs = fstats[f];
    b.idf = idf;
    b.boost = boost;
    b.df = df;
    b.n = fs.n;
    b.k1 = options.k1;
    b.b = options.b;
    b.avgdl = fs.avgdl;
    b.weight = boost * idf * (options.k1 + 1);
    if (fs.norms) {
      b.norm_field = static_cast<int>(f);
      b.kconst = options.k1 * (1 - options.b);
      b.kdl = options.k1 * options.b / fs.avgdl;
    } else {
      b.kconst = options.k1;
      b.kdl = 0;
    }
    p->leaf.push_back({node, b, term});  // each node is prepared once
  }

  Status PrepareNode(const PlanNode& n, Prepared* p) const {
    switch (n.kind) {
      case PlanNode::Kind::kTerm: {
        QUARRY_ASSIGN_OR_RETURN(const std::size_t t, Lookup(n.field, n.term, n.stem, p));
        const double df = static_cast<double>(p->terms.list[t].df);
        MakeParams(p, &n, n.field, Idf(*p, n.field, df), df, n.boost, t);
        return Status::OK();
      }
      case PlanNode::Kind::kPhrase:
      case PlanNode::Kind::kNear:
        return PreparePositional(n, p);
      case PlanNode::Kind::kBool:
        for (const PlanNode& c : n.must) QUARRY_RETURN_IF_ERROR(PrepareNode(c, p));
        for (const PlanNode& c : n.should) QUARRY_RETURN_IF_ERROR(PrepareNode(c, p));
        for (const PlanNode& c : n.must_not) QUARRY_RETURN_IF_ERROR(PrepareNode(c, p));
        return Status::OK();
      default:
        return Status::OK();
    }
  }

  // Phrase and Near leaves, out of line: the path of term leaves and
  // Boolean nodes stays small (it runs with cold caches in most queries).
  [[gnu::noinline]] Status PreparePositional(const PlanNode& n, Prepared* p) const {
    switch (n.kind) {
      case PlanNode::Kind::kPhrase: {
        double idf = 0;
        for (const search::PhraseWord& w : n.words) {
          double best = 0;
          for (const auto& alt : w.alternatives) {
            double sum = 0;
            for (const std::string& t : alt) {
              QUARRY_ASSIGN_OR_RETURN(const std::size_t i, Lookup(n.field, t, false, p));
              sum += Idf(*p, n.field, static_cast<double>(p->terms.list[i].df));
            }
            best = std::max(best, sum);
          }
          idf += best;
        }
        MakeParams(p, &n, n.field, idf, -1, n.boost);
        return Status::OK();
      }
      case PlanNode::Kind::kNear: {
        double idf = 0;
        for (const std::string& t : n.terms) {
          QUARRY_ASSIGN_OR_RETURN(const std::size_t i, Lookup(n.field, t, false, p));
          idf += Idf(*p, n.field, static_cast<double>(p->terms.list[i].df));
        }
        MakeParams(p, &n, n.field, idf, -1, n.boost);
        return Status::OK();
      }
      default:
        return Status::OK();
    }
  }

  // What scorers of one segment are built from.
  struct SegCtx {
    std::size_t seg = 0;
    const SegmentReader* reader = nullptr;
    const Prepared* prep = nullptr;
  };

  std::string Label(const PlanNode& n) const { return n.ToString(schema()); }

  // The scorer of term table entry t (null: not in this segment).
  std::unique_ptr<TermScorer> MakeTerm(const TermStat& t, std::size_t f, const std::string& term,
                                       bool stem, const Bm25* params, SegCtx* ctx) const {
    const std::optional<TermInfo>& info = ctx->prep->terms.Info(t, ctx->seg);
    if (!info) return nullptr;
    return std::make_unique<TermScorer>(ctx->reader, t.key, *info, params,
                                        schema().fields()[f].name, term, stem);
  }
  // A term of a phrase or Near leaf, found by its key.
  std::unique_ptr<TermScorer> MakeTerm(std::size_t f, const std::string& term,
                                       const Bm25* params, SegCtx* ctx) const {
    const TermStat* t = ctx->prep->terms.Find(index::TermKey(f, term));
    if (t == nullptr) return nullptr;
    return MakeTerm(*t, f, term, false, params, ctx);
  }

  std::unique_ptr<Scorer> Build(const PlanNode& n, SegCtx* ctx) const {
    switch (n.kind) {
      case PlanNode::Kind::kAll:
        return std::make_unique<AllScorer>(ctx->reader->max_doc());
      case PlanNode::Kind::kNone:
        return nullptr;
      case PlanNode::Kind::kTerm: {
        const LeafParams& lp = ctx->prep->Params(&n);
        return MakeTerm(ctx->prep->terms.list[lp.term], n.field, n.term, n.stem, &lp.bm25,
                        ctx);
      }
      case PlanNode::Kind::kPhrase:
        return BuildPhrase(n, ctx);
      case PlanNode::Kind::kNear:
        return BuildNear(n, ctx);
      case PlanNode::Kind::kBool:
        return BuildBool(n, ctx);
    }
    return nullptr;
  }

  [[gnu::noinline]] std::unique_ptr<Scorer> BuildPhrase(const PlanNode& n, SegCtx* ctx) const {
    const Bm25* params = &ctx->prep->Params(&n).bm25;
    std::vector<PhraseScorer::Word> words;
    std::vector<std::unique_ptr<Scorer>> word_approx;
    for (const search::PhraseWord& w : n.words) {
      PhraseScorer::Word pw;
      std::vector<std::unique_ptr<Scorer>> alts;
      for (const auto& alt : w.alternatives) {
        std::vector<std::unique_ptr<Scorer>> ts;
        PhraseScorer::Alt pa;
        bool ok = !alt.empty();
        for (const std::string& t : alt) {
          auto s = MakeTerm(n.field, t, params, ctx);
          if (!s) {
            ok = false;
            break;
          }
          pa.terms.push_back(s.get());
          ts.push_back(std::move(s));
        }
        if (!ok) continue;
        std::unique_ptr<Scorer> conj =
            ts.size() == 1 ? std::move(ts[0])
                           : std::make_unique<ConjunctionScorer>(std::move(ts));
        pa.conj = conj.get();
        pw.alts.push_back(std::move(pa));
        alts.push_back(std::move(conj));
      }
      if (alts.empty()) return nullptr;
      word_approx.push_back(alts.size() == 1
                                ? std::move(alts[0])
                                : std::make_unique<DisjunctionScorer>(std::move(alts)));
      words.push_back(std::move(pw));
    }
    std::unique_ptr<Scorer> approx =
        word_approx.size() == 1
            ? std::move(word_approx[0])
            : std::make_unique<ConjunctionScorer>(std::move(word_approx));
    auto ps = std::make_unique<PhraseScorer>(std::move(approx), std::move(words), false,
                                             n.slop, params, ctx->reader, Label(n));
    return ps;
  }

  [[gnu::noinline]] std::unique_ptr<Scorer> BuildNear(const PlanNode& n, SegCtx* ctx) const {
    const Bm25* params = &ctx->prep->Params(&n).bm25;
    std::vector<std::string> distinct = n.terms;
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    std::vector<PhraseScorer::Word> words;
    std::vector<std::unique_ptr<Scorer>> ts;
    for (const std::string& t : distinct) {
      auto s = MakeTerm(n.field, t, params, ctx);
      if (!s) return nullptr;
      PhraseScorer::Word w;
      w.need = static_cast<std::uint32_t>(std::count(n.terms.begin(), n.terms.end(), t));
      w.alts.push_back({{s.get()}, s.get()});
      words.push_back(std::move(w));
      ts.push_back(std::move(s));
    }
    std::unique_ptr<Scorer> approx =
        ts.size() == 1 ? std::move(ts[0])
                       : std::make_unique<ConjunctionScorer>(std::move(ts));
    auto ps = std::make_unique<PhraseScorer>(std::move(approx), std::move(words), true,
                                             n.slop, params, ctx->reader, Label(n));
    return ps;
  }

  std::unique_ptr<Scorer> BuildBool(const PlanNode& n, SegCtx* ctx) const {
    std::vector<std::unique_ptr<Scorer>> must, should, must_not;
    must.reserve(n.must.size());
    for (const PlanNode& c : n.must) {
      auto s = Build(c, ctx);
      if (!s) return nullptr;
      must.push_back(std::move(s));
    }
    for (const PlanNode& c : n.should) {
      if (auto s = Build(c, ctx)) should.push_back(std::move(s));
    }
    for (const PlanNode& c : n.must_not) {
      if (auto s = Build(c, ctx)) must_not.push_back(std::move(s));
    }
    std::unique_ptr<Scorer> base;
    if (!n.must.empty()) {
      base = must.size() == 1 ? std::move(must[0])
                              : std::make_unique<ConjunctionScorer>(std::move(must));
      if (!should.empty()) {
        base = std::make_unique<ReqOptScorer>(std::move(base), Combine(std::move(should)));
      }
    } else if (!n.should.empty()) {
      if (should.empty()) return nullptr;
      base = Combine(std::move(should));
    } else {
      base = std::make_unique<AllScorer>(ctx->reader->max_doc());
    }
    if (!must_not.empty()) {
      base = std::make_unique<ReqExclScorer>(std::move(base), Combine(std::move(must_not)));
    }
    return base;
  }

  // The scorer tree of the whole plan on segment s (null: no match there).
  std::unique_ptr<Scorer> BuildRoot(const Prepared& prep, std::size_t s) const {
    SegCtx ctx;
    ctx.seg = s;
    ctx.reader = (*segs)[s].reader.get();
    ctx.prep = &prep;
    return Build(prep.plan, &ctx);
  }

  static std::unique_ptr<Scorer> Combine(std::vector<std::unique_ptr<Scorer>> v) {
    if (v.size() == 1) return std::move(v[0]);
    return std::make_unique<DisjunctionScorer>(std::move(v));
  }

  struct Counters {
    std::uint64_t count = 0;
    std::uint64_t threshold = 0;
    bool exact = true;
  };

  static void CollectGeneric(Scorer* root, const DeleteSet* del, std::uint64_t base,
                             TopK* top, Counters* c) {
    bool prune = c->count >= c->threshold;
    std::uint32_t up_to = 0;
    double bound = 0;
    bool have_bound = false;
    if (prune && top->full()) root->SetMinCompetitive(top->Threshold());
    std::uint32_t d = root->Next();
    while (d != kNoMoreDocs) {
      if (prune && top->full()) {
        if (!have_bound || d > up_to) {
          bound = root->BlockBound(d, &up_to);
          have_bound = true;
        }
        if (!Competitive(bound, top->Threshold())) {
          // Find the next competitive block from the skip data alone, then
          // decode only that one.
          c->exact = false;
          const double theta = top->Threshold();
          std::uint32_t t;
          do {
            if (up_to >= kLastDoc) return;
            t = up_to + 1;
            bound = root->BlockBound(t, &up_to);
          } while (!Competitive(bound, theta));
          d = root->Advance(t);
          continue;
        }
      }
      if (!del || !del->IsDeleted(d)) {
        ++c->count;
        const bool changed = top->Add(root->Score(), base + d);
        if (!prune && c->count >= c->threshold) {
          prune = true;
          if (top->full()) root->SetMinCompetitive(top->Threshold());
        } else if (prune && changed) {
          root->SetMinCompetitive(top->Threshold());
        }
      }
      d = root->Next();
    }
    if (root->Pruned()) c->exact = false;
  }

  // Moves the non-essential clauses cl[order[0, ness)] to d; whether any of
  // them is on it.
  template <class S>
  static bool AdvanceOthers(const std::vector<S*>& cl, const std::vector<std::size_t>& order,
                            std::size_t ness, std::uint32_t d) {
    bool on_d = false;
    for (std::size_t j = ness; j-- > 0;) {
      S* o = cl[order[j]];
      if (search::Behind(o->doc(), d)) o->Advance(d);
      on_d |= o->doc() == d;
    }
    return on_d;
  }
  // The score of document d: clause `on` with field length len, plus every
  // other clause on d, summed in clause order as every other path does, so
  // that the score is bit-identical.
  static double SumInClauseOrder(const std::vector<TermScorer*>& cl, std::size_t on, double len,
                                 std::uint32_t d) {
    double total = 0;
    for (std::size_t i = 0; i < cl.size(); ++i) {
      if (i == on) {
        total += cl[i]->ScoreWithLength(len);
      } else if (cl[i]->doc() == d) {
        total += cl[i]->Score();
      }
    }
    return total;
  }

  // Block-max MaxScore over the clauses `cl` of a root disjunction. S is
  // Scorer, or TermScorer (a final class) when every clause is a term, so
  // that the per-document calls are direct and inlined.
  template <class S>
  static void CollectMaxScore(const std::vector<S*>& cl, const DeleteSet* del,
                              std::uint64_t base, TopK* top, Counters* c) {
    const std::size_t n = cl.size();
    std::vector<double> bb(n), prefix(n + 1), scores(n);
    std::vector<char> matched(n);
    std::vector<std::size_t> order(n);
    // With term clauses, a document that only one essential clause matches
    // is first tested against that clause's LengthBounds (see below).
    constexpr bool kTerms = std::is_same_v<S, TermScorer>;
    std::vector<search::LengthBound> with_rest, alone;
    if constexpr (kTerms) {
      with_rest.reserve(n);
      alone.reserve(n);
      for (TermScorer* t : cl) {
        with_rest.emplace_back(t->bm25(), t->segment());
        alone.emplace_back(t->bm25(), t->segment());
      }
    }
    for (auto& s : cl) s->Next();
    std::uint32_t target = 0;
    for (;;) {
      std::uint32_t m = kNoMoreDocs;
      for (auto& s : cl) m = std::min(m, s->doc());
      if (m == kNoMoreDocs) return;
      target = std::max(target, m);
      const bool prune = c->count >= c->threshold && top->full();
      const double theta = top->Threshold();
      std::uint32_t wend = kLastDoc;
      for (std::size_t i = 0; i < n; ++i) {
        order[i] = i;
        if (cl[i]->doc() == kNoMoreDocs) {
          bb[i] = 0;
        } else if (prune) {
          std::uint32_t u;
          bb[i] = cl[i]->BlockBound(target, &u);
          wend = std::min(wend, u);
        } else {
          bb[i] = cl[i]->MaxScore();
        }
      }
      std::sort(order.begin(), order.end(),
                [&](std::size_t a, std::size_t b) { return bb[a] < bb[b]; });
      prefix[0] = 0;
      for (std::size_t j = 0; j < n; ++j) prefix[j + 1] = prefix[j] + bb[order[j]];
      std::size_t ness = 0;
      if (prune) {
        while (ness < n && !Competitive(prefix[ness + 1], theta)) ++ness;
        // Documents only non-essential clauses match are never visited.
        if (ness > 0) c->exact = false;
      }
      if constexpr (kTerms) {
        // A document that, of the essential clauses, only clause i matches
        // can compete only if score_i > theta / (1 + 1e-9) - prefix[ness]
        // (the test below, with the bounds of the non-essential clauses),
        // and, when no non-essential clause matches it either, only if
        // score_i > theta. The LengthBounds get thresholds a little lower
        // (never rejecting what the exact tests let through), rounded down
        // to 5 significant bits so that their tables, rebuilt whenever the
        // threshold changes, survive most windows.
        if (prune) {
          const double t1 = TableThreshold(theta, prefix[ness]);
          const double t0 = TableThreshold(theta);
          for (std::size_t j = ness; j < n; ++j) {
            with_rest[order[j]].SetThreshold(t1);
            alone[order[j]].SetThreshold(t0);
          }
        }
      }
      if (ness == n) {  // nothing in this window can compete
        c->exact = false;
        if (wend >= kLastDoc) return;
        target = wend + 1;
        for (auto& s : cl) {
          if (search::Behind(s->doc(), target)) s->Advance(target);
        }
        continue;
      }
      if constexpr (kTerms) {
        if (prune && ness + 1 == n) {
          // One essential clause: run over its decoded block's arrays in
          // this window with the two LengthBound tests (advancing the
          // non-essential clauses only for documents that pass the first),
          // none of the general loop's bookkeeping; the iterator moves only
          // to a document that may compete. Same decisions, same scores,
          // same order as the loop below.
          const std::size_t on = order[ness];
          TermScorer* t = cl[on];
          if (search::Behind(t->doc(), target)) t->Advance(target);
          search::LengthBound& wr = with_rest[on];
          std::uint32_t d = t->doc();
          bool rose = false;
          std::uint32_t last = d;
          const search::Bm25& bm = *t->bm25();
          const index::SegmentReader& seg = *t->segment();
          index::PostingsIterator& it = t->postings();
          while (d != kNoMoreDocs && d <= wend) {
            const std::uint32_t *docs, *freqs;
            std::uint32_t k;
            const std::uint32_t cnt = it.Block(&docs, &freqs, &k);
            bool rejected = false, others = false;
            double len = 0;
            for (; k < cnt; ++k) {
              const std::uint32_t x = docs[k];
              if (x > wend) break;
              if (del && del->IsDeleted(x)) continue;
              len = bm.Length(seg, x);
              if (!wr.Admits(freqs[k], len)) {
                rejected = true;
                continue;
              }
              others = AdvanceOthers(cl, order, ness, x);
              if (others || alone[on].Admits(freqs[k], len)) break;
              rejected = true;
            }
            if (rejected) c->exact = false;
            if (k == cnt) {  // the rest of the block cannot compete
              it.MoveTo(cnt - 1);
              t->SyncDoc();
              last = t->doc();
              d = t->Next();
              continue;
            }
            it.MoveTo(k);
            t->SyncDoc();
            d = t->doc();
            if (d > wend) break;
            last = d;
            const double total =
                others ? SumInClauseOrder(cl, on, len, d) : t->ScoreWithLength(len);
            ++c->count;
            rose = top->Add(total, base + d);
            d = t->Next();
            if (rose) break;
          }
          if (rose) {
            target = last + 1;  // re-partition with the new minimum
            continue;
          }
          if (wend >= kLastDoc) {
            c->exact = false;
            return;
          }
          target = wend + 1;
          continue;
        }
      }
      bool recompute = false;
      while (!recompute) {
        std::uint32_t d = kNoMoreDocs;
        for (std::size_t j = ness; j < n; ++j) {
          S* s = cl[order[j]];
          if (search::Behind(s->doc(), target)) s->Advance(target);
          d = std::min(d, s->doc());
        }
        if (d == kNoMoreDocs || d > wend) {
          // The essential clauses have nothing more in this window. The
          // others could not compete here, but their later blocks may (a
          // frequent clause's better block after a rare clause ran out).
          if (wend >= kLastDoc) {
            if (ness > 0) c->exact = false;
            return;
          }
          target = wend + 1;
          break;
        }
        bool take = !del || !del->IsDeleted(d);
        bool handled = false;
        if constexpr (kTerms) {
          if (take && prune) {
            std::size_t on = n, hits = 0;
            for (std::size_t j = ness; j < n; ++j) {
              const std::size_t i = order[j];
              if (cl[i]->doc() == d) {
                on = i;
                ++hits;
              }
            }
            if (hits == 1) {
              // Most documents match one clause and cannot compete: table
              // lookups (one norm read) decide that instead of BM25
              // divisions. First with the bounds of the non-essential
              // clauses, then, when none of them is on the document, alone.
              handled = true;
              TermScorer* t = cl[on];
              const double len = t->Length();
              const std::uint32_t f = t->freq();
              bool others = false;
              if (with_rest[on].Admits(f, len)) {
                others = AdvanceOthers(cl, order, ness, d);
                take = others || alone[on].Admits(f, len);
              } else {
                take = false;
              }
              if (!take) {
                c->exact = false;
              } else {
                const double total =
                    others ? SumInClauseOrder(cl, on, len, d) : t->ScoreWithLength(len);
                ++c->count;
                if (top->Add(total, base + d)) recompute = true;
              }
            }
          }
        }
        double partial = 0;
        if (take && !handled) {
          std::fill(matched.begin(), matched.end(), 0);
          for (std::size_t j = ness; j < n; ++j) {
            const std::size_t i = order[j];
            if (cl[i]->doc() == d) {
              scores[i] = cl[i]->Score();
              partial += scores[i];
              matched[i] = 1;
            }
          }
        }
        if (take && !handled) {
          double rest = prefix[ness];
          for (std::size_t j = ness; j-- > 0;) {
            if (prune && !Competitive(partial + rest, theta)) {
              take = false;
              c->exact = false;
              break;
            }
            const std::size_t i = order[j];
            rest -= bb[i];
            S* s = cl[i];
            if (search::Behind(s->doc(), d)) s->Advance(d);
            if (s->doc() == d) {
              scores[i] = s->Score();
              partial += scores[i];
              matched[i] = 1;
            }
          }
          if (take) {
            ++c->count;
            double total = 0;
            for (std::size_t i = 0; i < n; ++i) {
              if (matched[i]) total += scores[i];
            }
            const bool changed = top->Add(total, base + d);
            // Re-partition when the threshold rose, or when pruning starts.
            if (prune ? changed : (c->count >= c->threshold && top->full())) {
              recompute = true;
            }
          }
        }
        for (std::size_t j = ness; j < n; ++j) {
          S* s = cl[order[j]];
          if (s->doc() == d) s->Next();
        }
        target = d + 1;
      }
    }
  }

  // The snippet fields of `options` (*snippet_fields) and its field names,
  // checked against the schema.
  [[gnu::noinline]] Status CheckFields(const SearchOptions& so,
                                       std::vector<std::size_t>* snippet_fields) const {
    for (const std::string& name : so.snippet_fields) {
      auto f = schema().Find(name);
      if (!f || schema().fields()[*f].kind != FieldKind::kText ||
          !schema().fields()[*f].stored) {
        return Status::InvalidArgument("snippets need a stored text field; '" + name +
                                       "' is not one");
      }
      snippet_fields->push_back(*f);
    }
    for (const std::string& name : so.fields) {
      if (!schema().Find(name)) return Status::InvalidArgument("unknown field '" + name + "'");
    }
    return Status::OK();
  }

  // A hit's id, stored fields and snippets from its stored document.
  [[gnu::noinline]] Status LoadStored(const SegmentReader& seg, std::uint32_t local,
                                      const std::vector<std::size_t>& snippet_fields,
                                      const SearchOptions& so, const Prepared& prep,
                                      Analyzers* analyzers, Hit* hit) const {
    QUARRY_ASSIGN_OR_RETURN(StoredDocument sd, seg.Stored(local));
    hit->id = std::move(sd.id);
    for (std::size_t f : snippet_fields) {
      const std::string& name = schema().fields()[f].name;
      auto value = sd.Get(name);
      if (!value) continue;
      QUARRY_ASSIGN_OR_RETURN(Analyzer * analyzer, analyzers->For(f));
      hit->snippets.push_back(search::MakeSnippet(*analyzer, name, *value,
                                                  search::HighlightFor(prep.plan, f),
                                                  so.snippet));
    }
    if (so.load_fields) {
      for (auto& [name, value] : sd.fields) {
        if (so.fields.empty() ||
            std::find(so.fields.begin(), so.fields.end(), name) !=
                so.fields.end()) {
          hit->fields.emplace_back(std::move(name), std::move(value));
        }
      }
    }
    return Status::OK();
  }

  Status Run(const Prepared& prep, TopK* top, Counters* c) const {
    for (std::size_t s = 0; s < segs->size(); ++s) {
      const ReaderSegment& rs = (*segs)[s];
      std::unique_ptr<Scorer> root = BuildRoot(prep, s);
      if (!root) continue;
      const DeleteSet* del = rs.deletes && rs.deletes->count() ? rs.deletes.get() : nullptr;
      auto* disj = As<DisjunctionScorer>(root.get());
      if (disj && top->k() > 0 && c->threshold < UINT64_MAX) {
        std::vector<Scorer*> clauses;
        std::vector<TermScorer*> terms;
        for (auto& ch : disj->children()) {
          clauses.push_back(ch.get());
          if (auto* t = As<TermScorer>(ch.get())) terms.push_back(t);
        }
        if (terms.size() == clauses.size()) {
          CollectMaxScore(terms, del, bases[s], top, c);
        } else {
          CollectMaxScore(clauses, del, bases[s], top, c);
        }
      } else {
        CollectGeneric(root.get(), del, bases[s], top, c);
      }
      QUARRY_RETURN_IF_ERROR(root->status());
    }
    return Status::OK();
  }
};

Searcher::Searcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Searcher::~Searcher() = default;

Result<std::unique_ptr<Searcher>> Searcher::Create(std::shared_ptr<const IndexReader> reader,
                                                   SearcherOptions options) {
  if (!reader) return Status::InvalidArgument("Searcher::Create: no reader");
  if (!(options.k1 >= 0) || !std::isfinite(options.k1) || !(options.b >= 0) ||
      !(options.b <= 1)) {
    return Status::InvalidArgument("BM25 parameters: need k1 >= 0 and 0 <= b <= 1");
  }
  auto impl = std::make_unique<Impl>();
  impl->reader = std::move(reader);
  impl->options = options;
  impl->segs = &internal::IndexAccess::Segments(*impl->reader);
  const auto& fields = impl->schema().fields();
  impl->fstats.resize(fields.size());
  std::vector<double> total(fields.size(), 0), count(fields.size(), 0);
  for (const ReaderSegment& rs : *impl->segs) {
    impl->bases.push_back(impl->total_docs);
    impl->total_docs += rs.reader->max_doc();
    for (std::size_t f = 0; f < fields.size(); ++f) {
      total[f] += static_cast<double>(rs.reader->field_stats(f).total_length);
      count[f] += rs.reader->field_stats(f).doc_count;
    }
  }
  for (std::size_t f = 0; f < fields.size(); ++f) {
    FieldStat& fs = impl->fstats[f];
    if (fields[f].kind == FieldKind::kText) {
      fs.norms = true;
      fs.n = count[f];
      fs.avgdl = count[f] > 0 && total[f] > 0 ? total[f] / count[f] : 1.0;
    } else {
      fs.n = static_cast<double>(impl->total_docs);
    }
  }
  return std::unique_ptr<Searcher>(new Searcher(std::move(impl)));
}

const IndexReader& Searcher::reader() const { return *impl_->reader; }
const SearcherOptions& Searcher::options() const { return impl_->options; }

Result<Query> Searcher::Parse(std::string_view text, QueryParseOptions options,
                              std::size_t* error_offset) const {
  if (options.fields.empty()) {
    for (const FieldSpec& f : impl_->schema().fields()) {
      if (f.kind != FieldKind::kStored) options.fields.push_back(f.name);
    }
  }
  return ParseQuery(text, options, error_offset);
}

Result<SearchResult> Searcher::Search(const Query& query, const SearchOptions& options) const {
  Impl::Analyzers analyzers(impl_.get());
  Impl::Prepared prep;
  QUARRY_RETURN_IF_ERROR(impl_->Prepare(query, &analyzers, &prep));
  const std::size_t k = options.limit > SIZE_MAX - options.offset
                            ? SIZE_MAX
                            : options.offset + options.limit;
  TopK top(std::min<std::size_t>(k, impl_->total_docs));
  Impl::Counters c;
  c.threshold = options.total_hits_threshold;
  QUARRY_RETURN_IF_ERROR(impl_->Run(prep, &top, &c));

  SearchResult result;
  result.total_hits = c.count;
  result.total_exact = c.exact;
  const std::span<const TopK::Entry> entries = top.Sorted();
  std::vector<std::size_t> snippet_fields;
  if (!options.snippet_fields.empty() || !options.fields.empty()) {
    QUARRY_RETURN_IF_ERROR(impl_->CheckFields(options, &snippet_fields));
  }
  if (entries.size() > options.offset) result.hits.reserve(entries.size() - options.offset);
  for (std::size_t i = options.offset; i < entries.size(); ++i) {
    Hit hit;
    hit.score = entries[i].score;
    hit.doc = entries[i].doc;
    const auto it = std::upper_bound(impl_->bases.begin(), impl_->bases.end(), hit.doc);
    const std::size_t s = static_cast<std::size_t>(it - impl_->bases.begin()) - 1;
    const auto local = static_cast<std::uint32_t>(hit.doc - impl_->bases[s]);
    const index::SegmentReader& seg = *(*impl_->segs)[s].reader;
    if (snippet_fields.empty() && !options.load_fields) {
      // The id alone comes from the id table: no chunk to decompress.
      QUARRY_ASSIGN_OR_RETURN(hit.id, seg.Id(local));
      result.hits.push_back(std::move(hit));
      continue;
    }
    QUARRY_RETURN_IF_ERROR(
        impl_->LoadStored(seg, local, snippet_fields, options, prep, &analyzers, &hit));
    result.hits.push_back(std::move(hit));
  }
  return result;
}

Result<std::uint64_t> Searcher::Count(const Query& query) const {
  // One exact term of one field, in segments without deletions: the sum of
  // its document frequencies, without planning the query.
  const Query::Node& qn = query.node();
  if (qn.kind == Query::Kind::kTerm && !qn.field.empty() && !qn.text.empty() &&
      impl_->options.max_leaves >= 1) {
    const auto f = impl_->schema().Find(qn.field);
    const bool clean = std::all_of(impl_->segs->begin(), impl_->segs->end(),
                                   [](const ReaderSegment& rs) {
                                     return !rs.deletes || rs.deletes->count() == 0;
                                   });
    if (f && clean && impl_->schema().fields()[*f].kind != FieldKind::kStored) {
      const bool stem = impl_->schema().fields()[*f].kind == FieldKind::kText &&
                        qn.term_kind == TermKind::kStem;
      const std::string key = index::TermKey(*f, qn.text, stem);
      std::uint64_t count = 0;
      for (const ReaderSegment& rs : *impl_->segs) {
        QUARRY_ASSIGN_OR_RETURN(std::optional<TermInfo> info, rs.reader->Find(key));
        if (info) count += info->doc_freq;
      }
      return count;
    }
  }
  Impl::Analyzers analyzers(impl_.get());
  Impl::Prepared prep;
  prep.scores = false;
  QUARRY_RETURN_IF_ERROR(impl_->Prepare(query, &analyzers, &prep));
  std::uint64_t count = 0;
  // A single term: its document frequency where nothing is deleted.
  const TermStat* single = nullptr;
  if (prep.plan.kind == search::PlanNode::Kind::kTerm) {
    single = &prep.terms.list[prep.Params(&prep.plan).term];
  }
  for (std::size_t s = 0; s < impl_->segs->size(); ++s) {
    const ReaderSegment& rs = (*impl_->segs)[s];
    const DeleteSet* del = rs.deletes && rs.deletes->count() ? rs.deletes.get() : nullptr;
    if (single && !del) {
      if (const auto& info = prep.terms.Info(*single, s)) count += info->doc_freq;
      continue;
    }
    std::unique_ptr<Scorer> root = impl_->BuildRoot(prep, s);
    if (!root) continue;
    if (!del) {
      if (auto* t = As<TermScorer>(root.get())) {
        count += t->Cost();  // doc_freq
        continue;
      }
      if (As<AllScorer>(root.get())) {
        count += rs.reader->max_doc();
        continue;
      }
    }
    std::uint64_t n = 0;
    auto* conj = As<ConjunctionScorer>(root.get());
    auto* disj = As<DisjunctionScorer>(root.get());
    if ((conj && conj->CountByBitmap(rs.reader->max_doc(), del, &n)) ||
        (disj && disj->CountByBitmap(rs.reader->max_doc(), del, &n))) {
      QUARRY_RETURN_IF_ERROR(root->status());
      count += n;
      continue;
    }
    root->CountOnly();
    for (std::uint32_t d = root->Next(); d != kNoMoreDocs; d = root->Next()) {
      if (!del || !del->IsDeleted(d)) ++count;
    }
    QUARRY_RETURN_IF_ERROR(root->status());
  }
  return count;
}

Result<Explanation> Searcher::Explain(const Query& query, std::string_view id) const {
  Impl::Analyzers analyzers(impl_.get());
  Impl::Prepared prep;
  QUARRY_RETURN_IF_ERROR(impl_->Prepare(query, &analyzers, &prep));
  const std::string key = index::IdKey(id);
  for (std::size_t s = 0; s < impl_->segs->size(); ++s) {
    const ReaderSegment& rs = (*impl_->segs)[s];
    QUARRY_ASSIGN_OR_RETURN(std::optional<TermInfo> info, rs.reader->Find(key));
    if (!info) continue;
    index::PostingsIterator it = rs.reader->Postings(key, *info);
    std::uint32_t local = kNoMoreDocs;
    for (std::uint32_t d = it.Next(); d != kNoMoreDocs; d = it.Next()) {
      if (!rs.deletes || !rs.deletes->IsDeleted(d)) {
        local = d;
        break;
      }
    }
    QUARRY_RETURN_IF_ERROR(it.status());
    if (local == kNoMoreDocs) continue;
    std::unique_ptr<Scorer> root = impl_->BuildRoot(prep, s);
    if (!root || root->Advance(local) != local) {
      if (root) QUARRY_RETURN_IF_ERROR(root->status());
      return Explanation{0, "no match: " + prep.plan.ToString(impl_->schema()), {}};
    }
    Explanation e = root->Explain();
    QUARRY_RETURN_IF_ERROR(root->status());
    return e;
  }
  return Status::NotFound("no document with id '" + std::string(id) + "'");
}

}  // namespace quarry
