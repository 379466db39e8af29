// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Scorers: per-segment iterators over matching documents that can score the
// current document and bound the scores of a range of documents (block-max).
//
//   TermScorer         one posting list; BM25; bounds from skip entries
//   ConjunctionScorer  leap-frog from the cheapest child; sum of scores
//   DisjunctionScorer  union; sum of the children on the document
//   ReqOptScorer       required part, optional part adds to the score
//   ReqExclScorer      required part minus excluded documents
//   PhraseScorer       a conjunction (or a tree of alternatives) as the
//                      approximation, then positions: phrases, compounds,
//                      slop, Near
//   AllScorer          every document, score 0
//
// Scores of a composite are summed in clause order, in double precision, so
// that every execution strategy (exhaustive, block-max, MaxScore) computes
// bit-identical scores for a document.
#ifndef QUARRY_SRC_SEARCH_SCORER_H_
#define QUARRY_SRC_SEARCH_SCORER_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "index/segment_reader.h"
#include "quarry/search.h"
#include "util/small_vector.h"

namespace quarry::search {

using index::kNoMoreDocs;
inline constexpr std::uint32_t kNotStarted = 0xFFFFFFFEu;
inline constexpr std::uint32_t kLastDoc = 0xFFFFFFFDu;  // "to the end" for bounds
// Counting through a bitmap (CountByBitmap): a conjunction when its rarest
// list holds at least 1/kAndBitmapMinDensity of the segment and is at most
// kAndBitmapMaxSkew times shorter than its commonest; a disjunction when its
// lists hold at least 1/kOrBitmapMinDensity of the segment together. Tuned
// on enwiki (ARCHITECTURE.md, "Counting").
inline constexpr std::uint64_t kAndBitmapMinDensity = 2048;
inline constexpr std::uint64_t kAndBitmapMaxSkew = 48;
inline constexpr std::uint64_t kOrBitmapMinDensity = 64;
// Conjunctions of terms scan pairs of blocks (ScanCommon) unless the second
// shortest list is more than kScanCommonMaxSkew times longer than the
// shortest; then they look the shortest one's documents up (measured on
// enwiki: the crossover is near 6).
inline constexpr std::uint64_t kScanCommonMaxSkew = 6;

// True when a scorer at `doc` must move to reach `target`.
inline bool Behind(std::uint32_t doc, std::uint32_t target) {
  return doc < target || doc == kNotStarted;
}

class Scorer {
 public:
  // The final classes that callers test for (As<T>()); kOther for the rest.
  enum class Kind : std::uint8_t { kOther, kTerm, kAll, kConjunction, kDisjunction };
  virtual ~Scorer() = default;
  Kind kind() const { return kind_; }
  // Scorers are built and dropped by every query, in the same few sizes:
  // freed blocks wait in a small per-thread cache for the next query
  // instead of going back through malloc's bins (whose bookkeeping is what
  // a query meeting cold caches waits on).
  static void* operator new(std::size_t size);
  static void operator delete(void* p, std::size_t size) noexcept;
  std::uint32_t doc() const { return doc_; }
  virtual std::uint32_t Next() = 0;
  // First matching document >= target (target > doc()).
  virtual std::uint32_t Advance(std::uint32_t target) = 0;
  // The score of the current document.
  virtual double Score() = 0;
  // An upper bound of every score this scorer can produce.
  virtual double MaxScore() const = 0;
  // An upper bound of the scores of documents in [target, *up_to]; sets
  // *up_to >= target (kLastDoc: to the end). Must not move the scorer.
  virtual double BlockBound(std::uint32_t target, std::uint32_t* up_to) {
    (void)target;
    *up_to = kLastDoc;
    return MaxScore();
  }
  virtual std::uint64_t Cost() const = 0;
  virtual Explanation Explain() = 0;
  // The collector's promise: from now on only documents scoring above
  // `theta` (within Competitive()'s tolerance) can enter the results, so the
  // scorer may skip documents whose bound is below it without verifying
  // them. Thresholds never decrease. Only the root is told.
  virtual void SetMinCompetitive(double theta) { (void)theta; }
  // True once the scorer skipped a possibly matching document that way
  // (totals are then a lower bound).
  virtual bool Pruned() const { return false; }
  // Only matching matters from now on, never Score() (counting): phrases
  // may stop at their first occurrence. Composites pass it down.
  virtual void CountOnly() {}
  // Corruption met by this scorer or any scorer below it, or OK.
  virtual Status status() const { return Status::OK(); }

 protected:
  explicit Scorer(Kind kind = Kind::kOther) : kind_(kind) {}
  std::uint32_t doc_ = kNotStarted;

 private:
  Kind kind_;
};

// `s` as the final scorer class T when it is one (a test of kind(), not a
// dynamic_cast), else null.
template <class T>
T* As(Scorer* s) {
  return s != nullptr && s->kind() == T::kKind ? static_cast<T*>(s) : nullptr;
}

// BM25 parameters of one leaf, fixed per query.
struct Bm25 {
  double weight = 0;   // boost * idf * (k1 + 1)
  double kconst = 0;   // k1 * (1 - b)       (k1 without norms)
  double kdl = 0;      // k1 * b / avgdl     (0 without norms)
  double idf = 0, boost = 0, avgdl = 0, n = 0, df = 0, k1 = 0, b = 0;
  int norm_field = -1;

  double Score(double tf, double dl) const { return weight * tf / (tf + kconst + kdl * dl); }
  // The field length the score of `doc` uses (0 without norms).
  double Length(const index::SegmentReader& seg, std::uint32_t doc) const {
    return norm_field >= 0 ? seg.Norm(static_cast<std::size_t>(norm_field), doc) : 0.0;
  }
  // The best score of any posting under a (frequency, field length) pair.
  double PairBound(std::uint64_t freq, std::uint32_t norm) const {
    if (freq == 0) return 0;
    return Score(static_cast<double>(freq), norm_field >= 0 ? static_cast<double>(norm) : 0.0);
  }
};

// Can a document whose score is at most `bound` still enter results whose
// minimum is `threshold`? (A relative tolerance keeps rounding in bounds from
// dropping a tie.)
inline bool Competitive(double bound, double threshold) {
  return bound + std::abs(bound) * 1e-9 > threshold;
}

// A threshold for per-frequency tables of competitive lengths: a little
// below theta - minus (a table built for it never rejects a score s for
// which Competitive(s + minus, theta) holds), rounded down to 5 significant
// bits so that tables, which are rebuilt whenever their threshold changes,
// survive small changes; -infinity when that is not positive.
inline double TableThreshold(double theta, double minus = 0) {
  const double x = theta * (1 - 2e-9) - minus;
  if (!(x > 0)) return -std::numeric_limits<double>::infinity();
  int e = 0;
  const double m = std::frexp(x, &e);  // x = m * 2^e, 0.5 <= m < 1
  return std::ldexp(std::floor(m * 32) / 32, e);
}

// A per-document bound test: could a document with this frequency (of the
// term the bound is built on) and this field length score above the
// threshold? BM25 falls as the length grows, so the answer is "length <=
// the longest competitive length at that frequency", kept per frequency
// and recomputed when the threshold has changed (solved from the formula,
// then settled with the very Score() and Competitive() a direct test would
// use, by a binary search if the guess is off). One norm lookup and one
// comparison per document instead of a division.
class LengthBound {
 public:
  LengthBound(const Bm25* bm25, const index::SegmentReader* seg) : bm25_(bm25), seg_(seg) {
    std::fill_n(theta_of_, kCap, -1e300);
  }
  void SetThreshold(double theta) { theta_ = theta; }
  bool Pass(std::uint32_t freq, std::uint32_t doc) {
    bool ok;
    if (freq < kCap) {
      if (theta_of_[freq] != theta_) Compute(freq);
      // No length competes at this frequency: the norm is not read.
      ok = max_len_[freq] >= 0 && bm25_->Length(*seg_, doc) <= max_len_[freq];
    } else {
      ok = Competitive(bm25_->Score(freq, bm25_->Length(*seg_, doc)), theta_);
    }
    rejected_ |= !ok;
    ++tests_;
    passes_ += ok;
    return ok;
  }
  // Pass() given the document's length, without the counters.
  bool Admits(std::uint32_t freq, double len) {
    if (freq < kCap) {
      if (theta_of_[freq] != theta_) Compute(freq);
      return len <= max_len_[freq];
    }
    return Competitive(bm25_->Score(freq, len), theta_);
  }
  // True once Pass() said no.
  bool rejected() const { return rejected_; }
  // Tests and passes since the last ResetCounts().
  std::uint64_t tests() const { return tests_; }
  std::uint64_t passes() const { return passes_; }
  void ResetCounts() { tests_ = passes_ = 0; }

 private:
  static constexpr std::uint32_t kCap = 64;
  void Compute(std::uint32_t freq);
  const Bm25* bm25_;
  const index::SegmentReader* seg_;
  double theta_ = -1e300;
  bool rejected_ = false;
  std::uint64_t tests_ = 0, passes_ = 0;
  double max_len_[kCap];   // -1: no length is competitive
  double theta_of_[kCap];  // the threshold max_len_ was computed for
};

class TermScorer final : public Scorer {
 public:
  static constexpr Kind kKind = Kind::kTerm;
  TermScorer(const index::SegmentReader* seg, std::string_view key,
             const index::TermInfo& info, const Bm25* bm25, std::string_view field_name,
             std::string_view term, bool stem);
  std::uint32_t Next() override { return doc_ = it_.Next(); }
  std::uint32_t Advance(std::uint32_t target) override { return doc_ = it_.Advance(target); }
  double Score() override { return bm25_->Score(it_.freq(), bm25_->Length(*seg_, doc_)); }
  // Score() given the current document's field length (Length()), which
  // terms of one field can share.
  double ScoreWithLength(double length) { return bm25_->Score(it_.freq(), length); }
  double Length() const { return bm25_->Length(*seg_, doc_); }
  int norm_field() const { return bm25_->norm_field; }
  double MaxScore() const override { return max_; }
  double BlockBound(std::uint32_t target, std::uint32_t* up_to) override;
  std::uint64_t Cost() const override { return it_.doc_freq(); }
  Explanation Explain() override;
  index::PostingsIterator& postings() { return it_; }
  // After the iterator was moved directly (ConjunctionScorer's fast path).
  void SyncDoc() { doc_ = it_.doc(); }
  Status status() const override { return it_.status(); }
  std::uint32_t freq() { return it_.freq(); }
  const Bm25* bm25() const { return bm25_; }
  const index::SegmentReader* segment() const { return seg_; }

 private:
  const index::SegmentReader* seg_;
  index::PostingsIterator it_;
  const Bm25* bm25_;
  double max_;
  // Explain()'s label "field:term" ("field:~stem"), built only there; the
  // views point into the schema and the plan, which outlive the scorer.
  std::string_view field_name_, term_;
  bool stem_;
};

class AllScorer final : public Scorer {
 public:
  static constexpr Kind kKind = Kind::kAll;
  explicit AllScorer(std::uint32_t max_doc) : Scorer(kKind), max_doc_(max_doc) {}
  std::uint32_t Next() override {
    return Advance(doc_ == kNotStarted ? 0 : doc_ + 1);
  }
  std::uint32_t Advance(std::uint32_t target) override {
    return doc_ = target < max_doc_ ? target : kNoMoreDocs;
  }
  double Score() override { return 0; }
  double MaxScore() const override { return 0; }
  std::uint64_t Cost() const override { return max_doc_; }
  Explanation Explain() override { return {0, "match all", {}}; }

 private:
  std::uint32_t max_doc_;
};

class ConjunctionScorer final : public Scorer {
 public:
  static constexpr Kind kKind = Kind::kConjunction;
  explicit ConjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);
  std::uint32_t Next() override;
  std::uint32_t Advance(std::uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_; }
  double BlockBound(std::uint32_t target, std::uint32_t* up_to) override;
  std::uint64_t Cost() const override { return by_cost_[0]->Cost(); }
  Explanation Explain() override;
  const std::vector<std::unique_ptr<Scorer>>& children() const { return children_; }
  void CountOnly() override {
    for (auto& c : children_) c->CountOnly();
  }
  Status status() const override {
    for (const auto& c : children_) QUARRY_RETURN_IF_ERROR(c->status());
    return Status::OK();
  }
  // Counts the matches not in `del` (may be null) of a conjunction of terms
  // whose lists are all long and of similar length, through a bitmap of the
  // segment's max_doc documents: every block is decoded once and no branch
  // depends on the data, where leap-frogging would mispredict at almost
  // every step. Returns false, without moving, when the scorer is not such
  // a conjunction or was started (then iterate); afterwards it is exhausted.
  bool CountByBitmap(std::uint32_t max_doc, const index::DeleteSet* del,
                     std::uint64_t* count);
  // From now on, skips documents where `filter` rejects the frequency of
  // `on` (one of the children, a TermScorer), tested as soon as `on` sits
  // on the document, before the remaining children are moved. Only for a
  // conjunction of terms; returns false (nothing changes) otherwise.
  bool SetFilter(const TermScorer* on, LengthBound* filter);
  // As the root of top-k collection: a conjunction of two terms of one
  // field then skips documents whose (frequency, frequency, length) cannot
  // score above theta, by a table of the longest competitive length per
  // frequency pair (built lazily, again whenever theta changes): a lookup
  // instead of two BM25 divisions for most matches.
  void SetMinCompetitive(double theta) override;
  bool Pruned() const override { return pair_rejected_; }

 private:
  static constexpr std::uint32_t kPairCap = 16;
  // Can the current document (of a two-term same-field conjunction)
  // compete with pair_theta_?
  bool PairCompetitive();
  void ComputePair(std::uint32_t fa, std::uint32_t fb);
  std::uint32_t Filter(std::uint32_t d) {
    while (pair_on_ && d != kNoMoreDocs && !PairCompetitive()) d = DoNext(d + 1);
    return d;
  }
  std::uint32_t DoNext(std::uint32_t target);
  // Does the filter let the current document through (true without one)?
  // `i`: the index in postings_ of the list just moved onto it.
  bool Filtered(std::size_t i, std::uint32_t d) {
    return i == filter_on_ && !filter_->Pass(postings_[i]->freq(), d);
  }
  std::uint32_t DoNextTerms(std::uint32_t target);
  std::vector<std::unique_ptr<Scorer>> children_;  // clause order
  util::SmallVector<Scorer*, 4> by_cost_;
  // When every child (two or more) is a TermScorer: their postings in cost
  // order, moved directly (inline block steps, no virtual calls), and the
  // scorers to sync afterwards.
  util::SmallVector<index::PostingsIterator*, 4> postings_;
  util::SmallVector<TermScorer*, 4> terms_;
  // The common documents of the two cheapest postings in their current
  // blocks (ScanCommon), served in order; resume_: the first document the
  // scan did not cover.
  std::uint32_t buf_docs_[index::kPostingBlock];
  std::uint8_t buf_ia_[index::kPostingBlock];
  std::uint8_t buf_ib_[index::kPostingBlock];
  std::uint32_t buf_pos_ = 0, buf_len_ = 0, resume_ = 0;
  // The two shortest lists differ by more than kScanCommonMaxSkew: look the
  // shortest one's documents up instead of scanning blocks.
  bool leapfrog_ = false;
  // SetFilter's test, and the index in postings_ it applies to (none:
  // past the end).
  LengthBound* filter_ = nullptr;
  std::size_t filter_on_ = SIZE_MAX;
  // With a filter on the shortest list, the mode follows the filter's pass
  // rate, measured over windows of tests: when it rejects most documents,
  // testing each document of the shortest list first (leap-frogging only
  // from those that pass) beats scanning both lists; scan_leapfrog_ keeps
  // the mode chosen without a filter.
  bool scan_leapfrog_ = false;
  void ChooseMode();
  // Set when every child is a term of the same field: the children in
  // clause order, scored with one field-length lookup.
  util::SmallVector<TermScorer*, 4> same_field_;
  double max_ = 0;
  // SetMinCompetitive's pair table (pair_on_: in use); -1: no length
  // competes; pair_theta_of_: the threshold an entry was built for.
  bool pair_on_ = false, pair_rejected_ = false;
  double pair_theta_ = 0;
  // The table lives on the heap, allocated on the first SetMinCompetitive:
  // most conjunctions never fill the top-k (4 KiB less to allocate).
  struct PairTable {
    double len[kPairCap][kPairCap];
    double theta_of[kPairCap][kPairCap];
  };
  std::unique_ptr<PairTable> pair_;
};

class DisjunctionScorer final : public Scorer {
 public:
  static constexpr Kind kKind = Kind::kDisjunction;
  explicit DisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children);
  std::uint32_t Next() override;
  std::uint32_t Advance(std::uint32_t target) override;
  double Score() override;
  double MaxScore() const override { return max_; }
  double BlockBound(std::uint32_t target, std::uint32_t* up_to) override;
  std::uint64_t Cost() const override { return cost_; }
  Explanation Explain() override;
  std::vector<std::unique_ptr<Scorer>>& children() { return children_; }
  void CountOnly() override {
    for (auto& c : children_) c->CountOnly();
  }
  Status status() const override {
    for (const auto& c : children_) QUARRY_RETURN_IF_ERROR(c->status());
    return Status::OK();
  }
  // As ConjunctionScorer::CountByBitmap, for a disjunction of terms whose
  // lists are long together: the union's bits are set, then counted.
  bool CountByBitmap(std::uint32_t max_doc, const index::DeleteSet* del,
                     std::uint64_t* count);

 private:
  std::uint32_t Min();
  std::vector<std::unique_ptr<Scorer>> children_;
  double max_ = 0;
  std::uint64_t cost_ = 0;
};

class ReqOptScorer final : public Scorer {
 public:
  ReqOptScorer(std::unique_ptr<Scorer> req, std::unique_ptr<Scorer> opt)
      : req_(std::move(req)), opt_(std::move(opt)) {}
  std::uint32_t Next() override { return doc_ = req_->Next(); }
  std::uint32_t Advance(std::uint32_t target) override { return doc_ = req_->Advance(target); }
  double Score() override;
  double MaxScore() const override { return req_->MaxScore() + opt_->MaxScore(); }
  double BlockBound(std::uint32_t target, std::uint32_t* up_to) override;
  std::uint64_t Cost() const override { return req_->Cost(); }
  Explanation Explain() override;
  void CountOnly() override { req_->CountOnly(); }  // opt_ is never asked
  Status status() const override {
    QUARRY_RETURN_IF_ERROR(req_->status());
    return opt_->status();
  }

 private:
  bool OptHere();
  std::unique_ptr<Scorer> req_, opt_;
};

class ReqExclScorer final : public Scorer {
 public:
  ReqExclScorer(std::unique_ptr<Scorer> req, std::unique_ptr<Scorer> excl)
      : req_(std::move(req)), excl_(std::move(excl)) {}
  std::uint32_t Next() override { return Skip(req_->Next()); }
  std::uint32_t Advance(std::uint32_t target) override { return Skip(req_->Advance(target)); }
  double Score() override { return req_->Score(); }
  double MaxScore() const override { return req_->MaxScore(); }
  double BlockBound(std::uint32_t target, std::uint32_t* up_to) override {
    return req_->BlockBound(target, up_to);
  }
  void SetMinCompetitive(double theta) override { req_->SetMinCompetitive(theta); }
  bool Pruned() const override { return req_->Pruned(); }
  void CountOnly() override {
    req_->CountOnly();
    excl_->CountOnly();
  }
  std::uint64_t Cost() const override { return req_->Cost(); }
  Explanation Explain() override { return req_->Explain(); }
  Status status() const override {
    QUARRY_RETURN_IF_ERROR(req_->status());
    return excl_->status();
  }

 private:
  std::uint32_t Skip(std::uint32_t d);
  std::unique_ptr<Scorer> req_, excl_;
};

// Phrases (with alternatives per word and slop) and Near, verified on
// positions after a cheaper approximation matched.
class PhraseScorer final : public Scorer {
 public:
  struct Alt {
    std::vector<TermScorer*> terms;  // owned inside `approx`
    Scorer* conj;                    // positioned on a doc iff all terms are
  };
  struct Word {
    std::vector<Alt> alts;
    std::uint32_t need = 1;  // Near: how many times the term is listed
  };
  // Phrase: words in order. Near: one word per term (single alternative of
  // one term), near = true, slop = window.
  PhraseScorer(std::unique_ptr<Scorer> approx, std::vector<Word> words, bool near,
               std::uint32_t slop, const Bm25* bm25, const index::SegmentReader* seg,
               std::string label);
  std::uint32_t Next() override { return Confirm(approx_->Next()); }
  std::uint32_t Advance(std::uint32_t target) override {
    return Confirm(approx_->Advance(target));
  }
  double Score() override { return bm25_->Score(freq_, bm25_->Length(*seg_, doc_)); }
  // freq / (freq + K) < 1.
  double MaxScore() const override { return bm25_->weight; }
  // Phrases (not Near): a phrase occurs at most as often as the first terms
  // of its first word's alternatives, so their (frequency, length) bounds
  // bound the phrase's score; for one-term words also as often as each of
  // bound_terms_ (the least of their bounds is used). The same holds per
  // document, which lets candidates below the threshold be skipped without
  // reading positions.
  double BlockBound(std::uint32_t target, std::uint32_t* up_to) override;
  void SetMinCompetitive(double theta) override;
  bool Pruned() const override { return pruned_ || (bound_ && bound_->rejected()); }
  void CountOnly() override { count_only_ = true; }
  std::uint64_t Cost() const override { return approx_->Cost(); }
  Explanation Explain() override;
  Status status() const override {
    QUARRY_RETURN_IF_ERROR(status_);
    return approx_->status();
  }

 private:
  std::uint32_t Confirm(std::uint32_t d);
  std::uint32_t Frequency();
  // The frequency when every word is one term and every token on the
  // document is one position long (most exact phrases): a linear merge of
  // upos_.
  std::uint32_t UnitFrequency();
  bool MatchFrom(std::size_t w, std::uint32_t start, std::uint32_t budget);
  bool AltEnds(std::size_t w, std::size_t a, std::size_t t, std::uint32_t p,
               std::vector<std::uint32_t>* ends);

  std::unique_ptr<Scorer> approx_;
  std::vector<Word> words_;
  bool near_;
  std::uint32_t slop_;
  const Bm25* bm25_;
  const index::SegmentReader* seg_;
  std::string label_;
  std::uint32_t freq_ = 0;
  double min_competitive_ = -1e300;
  bool pruned_ = false;
  // Positions of each (word, alt, term) on the current document; `here`
  // says whether the alternative is on the document.
  std::vector<std::vector<std::vector<std::vector<index::PosEntry>>>> pos_;
  std::vector<std::vector<char>> here_;
  // Exact phrases of one-term words: each word's positions on the current
  // document, when all of them are one position long.
  std::vector<std::vector<std::uint32_t>> upos_;
  // Scratch (kept to avoid allocating per document): candidate starts, and
  // the ends of word w's alternatives while MatchFrom(w) runs.
  std::vector<std::uint32_t> starts_;
  std::vector<std::vector<std::uint32_t>> ends_;
  std::vector<std::size_t> cursor_;
  bool unit_words_ = false;  // exact phrase of single-term words
  // Once a threshold is set, exact phrases of one-term words hand the
  // per-document bound to their conjunction (SetFilter), which tests it
  // before moving the other words' lists.
  std::unique_ptr<LengthBound> bound_;
  bool filtering_ = false;
  // Exact phrases of one-term words: the words whose frequency bounds the
  // phrase's (the first, and each later one while no word before it has
  // tokens longer than one position), and the rarest of them.
  std::vector<TermScorer*> bound_terms_;
  TermScorer* bound_term_ = nullptr;
  bool count_only_ = false;  // frequency 1 at the first occurrence
  Status status_;
};

}  // namespace quarry::search

#endif  // QUARRY_SRC_SEARCH_SCORER_H_
