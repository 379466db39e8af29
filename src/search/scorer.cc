// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "search/scorer.h"

#include <algorithm>
#include <cstdio>
#include <limits>
#include <new>

#include "util/bits.h"

// AddressSanitizer (GCC's macro, clang's feature test).
#if defined(__SANITIZE_ADDRESS__)
#define QUARRY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define QUARRY_ASAN 1
#endif
#endif

namespace quarry::search {
namespace {

#if !defined(QUARRY_ASAN)
// The per-thread cache behind Scorer's operator new/delete: freed blocks by
// size class (multiples of 64 bytes up to 8 KiB), at most kPerClass each.
// A block freed by another thread than the one that allocated it just joins
// that thread's cache: every block comes from ::operator new.
class ScorerBlocks {
 public:
  static constexpr std::size_t kGrain = 64, kClasses = 128, kPerClass = 16;
  ScorerBlocks() = default;
  ScorerBlocks(const ScorerBlocks&) = delete;
  ScorerBlocks& operator=(const ScorerBlocks&) = delete;
  ~ScorerBlocks() {
    for (std::size_t c = 0; c < kClasses; ++c) {
      while (Free* f = head_[c]) {
        head_[c] = f->next;
        ::operator delete(f);
      }
    }
  }
  static std::size_t ClassOf(std::size_t size) { return (size + kGrain - 1) / kGrain - 1; }
  void* Get(std::size_t size) {
    const std::size_t c = ClassOf(size);
    if (c >= kClasses) return ::operator new(size);
    if (Free* f = head_[c]) {
      head_[c] = f->next;
      --count_[c];
      return f;
    }
    return ::operator new((c + 1) * kGrain);
  }
  void Put(void* p, std::size_t size) {
    const std::size_t c = ClassOf(size);
    if (c >= kClasses) return ::operator delete(p);
    if (count_[c] >= kPerClass) return ::operator delete(p);
    head_[c] = new (p) Free{head_[c]};
    ++count_[c];
  }

 private:
  struct Free {
    Free* next;
  };
  Free* head_[kClasses] = {};
  std::uint8_t count_[kClasses] = {};
};

ScorerBlocks& ThreadScorerBlocks() {
  thread_local ScorerBlocks blocks;
  return blocks;
}
#endif  // !QUARRY_ASAN

std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

Explanation Bm25Explain(const Bm25& p, const std::string& label, double tf, double dl,
                        bool has_norms, const char* tf_name) {
  Explanation e;
  e.value = p.Score(tf, dl);
  e.description = "weight(" + label + ")";
  e.details.push_back({p.boost, "boost", {}});
  e.details.push_back({p.idf,
                       p.df < 0 ? std::string("idf = sum of the idfs of its words")
                                : "idf = ln(1 + (N - df + 0.5) / (df + 0.5)), N = " +
                                      Num(p.n) + ", df = " + Num(p.df),
                       {}});
  std::string d = std::string("tf part = ") + tf_name + " * (k1 + 1) / (" + tf_name +
                  " + k1 * (1 - b + b * dl / avgdl)), " + tf_name + " = " + Num(tf) +
                  ", k1 = " + Num(p.k1) + ", b = " + Num(p.b);
  if (has_norms) {
    d += ", dl = " + Num(dl) + ", avgdl = " + Num(p.avgdl);
  } else {
    d += ", no field length (dl / avgdl = 1)";
  }
  e.details.push_back({e.value / std::max(p.boost * p.idf, 1e-300), d, {}});
  return e;
}

}  // namespace

// Under AddressSanitizer every block goes straight to the allocator, so that
// a scorer used after it was freed is still caught.
#if defined(QUARRY_ASAN)
void* Scorer::operator new(std::size_t size) { return ::operator new(size); }
void Scorer::operator delete(void* p, std::size_t /*size*/) noexcept { ::operator delete(p); }
#else
void* Scorer::operator new(std::size_t size) { return ThreadScorerBlocks().Get(size); }
void Scorer::operator delete(void* p, std::size_t size) noexcept {
  ThreadScorerBlocks().Put(p, size);
}
#endif

// ---------------------------------------------------------------- TermScorer

TermScorer::TermScorer(const index::SegmentReader* seg, std::string_view key,
                       const index::TermInfo& info, const Bm25* bm25,
                       std::string_view field_name, std::string_view term, bool stem)
    : Scorer(kKind),
      seg_(seg),
      it_(seg->Postings(key, info)),
      bm25_(bm25),
      field_name_(field_name),
      term_(term),
      stem_(stem) {
  max_ = bm25_->PairBound(info.max_freq, info.min_norm);
}

double TermScorer::BlockBound(std::uint32_t target, std::uint32_t* up_to) {
  const index::PostingsIterator::BlockBound b = it_.ShallowBound(target);
  *up_to = b.last_doc >= kLastDoc ? kLastDoc : b.last_doc;
  return std::max(bm25_->PairBound(b.freq[0], b.norm[0]), bm25_->PairBound(b.freq[1], b.norm[1]));
}

Explanation TermScorer::Explain() {
  const std::string label =
      std::string(field_name_) + ":" + (stem_ ? "~" : "") + std::string(term_);
  return Bm25Explain(*bm25_, label, it_.freq(), bm25_->Length(*seg_, doc_),
                     bm25_->norm_field >= 0, "tf");
}

// --------------------------------------------------------- ConjunctionScorer

ConjunctionScorer::ConjunctionScorer(std::vector<std::unique_ptr<Scorer>> children)
    : Scorer(kKind), children_(std::move(children)) {
  for (auto& c : children_) {
    by_cost_.push_back(c.get());
    max_ += c->MaxScore();
  }
  // A stable insertion sort: a handful of children, and no buffer to
  // allocate (std::stable_sort's).
  for (std::size_t i = 1; i < by_cost_.size(); ++i) {
    Scorer* x = by_cost_[i];
    const std::uint64_t cost = x->Cost();
    std::size_t j = i;
    for (; j > 0 && by_cost_[j - 1]->Cost() > cost; --j) by_cost_[j] = by_cost_[j - 1];
    by_cost_[j] = x;
  }
  for (Scorer* c : by_cost_) {
    auto* t = by_cost_.size() >= 2 ? As<TermScorer>(c) : nullptr;
    if (!t) {
      postings_.clear();
      terms_.clear();
      break;
    }
    terms_.push_back(t);
    postings_.push_back(&t->postings());
  }
  leapfrog_ = !postings_.empty() &&
              postings_[1]->doc_freq() / kScanCommonMaxSkew > postings_[0]->doc_freq();
  if (!terms_.empty()) {
    for (auto& c : children_) same_field_.push_back(static_cast<TermScorer*>(c.get()));
    for (TermScorer* t : same_field_) {
      if (t->norm_field() != same_field_[0]->norm_field()) {
        same_field_.clear();
        break;
      }
    }
  }
}

namespace {

// The longest length len in [0, 2^32) with ok(len), for an ok() that holds
// at 0 and, once false, stays false for longer lengths; -1 when ok(0) is
// false. `guess` (negative: none) is an estimate from the formula: the
// tests around it settle the rounding, a binary search covers a bad guess.
template <class Ok>
double LongestCompetitive(const Ok& ok, double guess) {
  if (!ok(0)) return -1;
  std::uint64_t lo = 0, hi = std::uint64_t{UINT32_MAX} + 1;  // ok(lo); past hi: no
  if (guess >= 0 && guess < static_cast<double>(UINT32_MAX) - 2) {
    const auto g = static_cast<std::uint64_t>(guess);
    if (ok(static_cast<double>(g))) {
      lo = g;
      if (!ok(static_cast<double>(g + 1))) hi = g + 1;
    } else {
      hi = g;
      if (g > 0 && ok(static_cast<double>(g - 1))) lo = g - 1;
    }
  }
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (ok(static_cast<double>(mid))) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return static_cast<double>(lo);
}

}  // namespace

void LengthBound::Compute(std::uint32_t freq) {
  const double theta = theta_;
  auto ok = [&](double len) {
    return Competitive(bm25_->Score(static_cast<double>(freq), len), theta);
  };
  // Solving Score(f, L) = theta for L gives the guess (the threshold changes
  // often while the results fill up, so this is worth more than a plain
  // search).
  double guess = -1;
  const double f = static_cast<double>(freq);
  if (bm25_->kdl > 0 && theta > 0) {
    guess = (bm25_->weight * f / theta - f - bm25_->kconst) / bm25_->kdl;
  }
  max_len_[freq] = LongestCompetitive(ok, guess);
  theta_of_[freq] = theta;
}

bool ConjunctionScorer::SetFilter(const TermScorer* on, LengthBound* filter) {
  for (std::size_t i = 0; i < terms_.size(); ++i) {
    if (terms_[i] == on) {
      filter_ = filter;
      filter_on_ = i;
      scan_leapfrog_ = leapfrog_;
      return true;
    }
  }
  return false;
}

void ConjunctionScorer::ChooseMode() {
  // Measured on enwiki phrases: testing the shortest list's documents first
  // wins when the filter passes fewer than 1 in 8 of them.
  constexpr std::uint64_t kWindow = 512;
  if (filter_on_ != 0 || scan_leapfrog_ || filter_->tests() < kWindow) return;
  const bool lf = filter_->passes() * 8 < filter_->tests();
  filter_->ResetCounts();
  if (lf != leapfrog_) {
    // Called between documents, when every list sits on the last document
    // served (or before it): either mode can go on from the target.
    leapfrog_ = lf;
    buf_pos_ = buf_len_ = 0;
    resume_ = 0;
  }
}

std::uint32_t ConjunctionScorer::DoNextTerms(std::uint32_t target) {
  const std::size_t n = postings_.size();
  index::PostingsIterator& a = *postings_[0];
  std::uint32_t d = kNoMoreDocs;
  if (filter_ != nullptr) ChooseMode();
  if (leapfrog_) {
    // Lists of very different lengths: each document of the shortest list
    // is looked up in the others (skip entries, then the decoded block),
    // instead of scanning whole blocks of the long ones.
    d = a.Advance(target);
    while (d != kNoMoreDocs) {
      if (Filtered(0, d)) {
        d = a.Next();
        continue;
      }
      std::size_t i = 1;
      for (; i < n; ++i) {
        const std::uint32_t x = postings_[i]->Advance(d);
        if (x != d) {
          d = x == kNoMoreDocs ? kNoMoreDocs : a.Advance(x);
          break;
        }
        if (Filtered(i, d)) {
          d = a.Next();
          break;
        }
      }
      if (i == n) break;
    }
  } else {
    index::PostingsIterator& b = *postings_[1];
    for (;;) {
      // Serve the buffered common documents of the current blocks.
      while (buf_pos_ < buf_len_ && buf_docs_[buf_pos_] < target) ++buf_pos_;
      if (buf_pos_ < buf_len_) {
        const std::uint32_t k = buf_pos_++;
        d = buf_docs_[k];
        a.MoveTo(buf_ia_[k]);
        b.MoveTo(buf_ib_[k]);
        if (Filtered(0, d) || Filtered(1, d)) continue;
        std::size_t i = 2;
        std::uint32_t x = d;
        bool rejected = false;
        for (; i < n; ++i) {
          x = postings_[i]->Advance(d);
          if (x != d) break;
          if (Filtered(i, d)) {
            rejected = true;
            break;
          }
        }
        if (rejected) continue;
        if (i == n) break;
        if (x == kNoMoreDocs) {
          d = kNoMoreDocs;
          break;
        }
        target = x;
        continue;
      }
      // Refill from the first document not yet covered.
      buf_pos_ = buf_len_ = 0;
      const std::uint32_t from = std::max(target, resume_);
      if (a.Advance(from) == kNoMoreDocs || b.Advance(from) == kNoMoreDocs) {
        d = kNoMoreDocs;
        break;
      }
      buf_len_ = index::PostingsIterator::ScanCommon(a, b, buf_docs_, buf_ia_, buf_ib_, &resume_);
    }
  }
  for (TermScorer* t : terms_) t->SyncDoc();
  return doc_ = d;
}

namespace {

// Sets the bit of every document of `it` (which must not have moved).
// Documents are below the segment's max_doc (LoadBlock checks).
void SetBits(index::PostingsIterator* it, std::vector<std::uint64_t>* bits) {
  std::uint64_t* b = bits->data();
  const std::uint32_t* docs;
  std::uint32_t m;
  while ((m = it->NextBlock(&docs)) > 0) {
    for (std::uint32_t i = 0; i < m; ++i) b[docs[i] >> 6] |= std::uint64_t{1} << (docs[i] & 63);
  }
}

void ClearDeleted(const index::DeleteSet* del, std::vector<std::uint64_t>* bits) {
  if (!del) return;
  const std::vector<std::uint64_t>& dw = del->words();
  const std::size_t n = std::min(bits->size(), dw.size());
  for (std::size_t w = 0; w < n; ++w) (*bits)[w] &= ~dw[w];
}

}  // namespace

bool ConjunctionScorer::CountByBitmap(std::uint32_t max_doc, const index::DeleteSet* del,
                                      std::uint64_t* count) {
  const std::size_t n = postings_.size();
  if (n == 0 || doc_ != kNotStarted) return false;
  const std::uint64_t rarest = postings_[0]->doc_freq();
  const std::uint64_t commonest = postings_[n - 1]->doc_freq();
  // Leap-frogging wins when the rarest list is short (few blocks of the
  // others are touched) or much shorter than the others.
  if (rarest < max_doc / kAndBitmapMinDensity || rarest * kAndBitmapMaxSkew < commonest) {
    return false;
  }
  const std::size_t words = (std::size_t{max_doc} + 63) / 64;
  // Two lists holding fewer documents than the bitmap has words: the block
  // scan (Next) instead. Their bits would land on distinct cache lines, a
  // miss each when the query meets cold caches, where the scan reads both
  // lists in order (and/low+low counts in search_bench: 0.26-0.29 of
  // Xapian's time with a bitmap, 0.25-0.26 scanning).
  if (n == 2 && postings_[0]->doc_freq() + postings_[1]->doc_freq() < words) return false;
  std::vector<std::uint64_t> bits(words, 0), next;
  SetBits(postings_[0], &bits);
  ClearDeleted(del, &bits);
  const std::uint32_t* docs;
  std::uint32_t m;
  std::uint64_t c = 0;
  for (std::size_t k = 1; k < n; ++k) {
    const bool last = k + 1 == n;
    if (!last) next.assign(words, 0);
    while ((m = postings_[k]->NextBlock(&docs)) > 0) {
      for (std::uint32_t i = 0; i < m; ++i) {
        const std::uint32_t d = docs[i];
        const std::uint64_t b = (bits[d >> 6] >> (d & 63)) & 1u;
        if (last) {
          c += b;
        } else {
          next[d >> 6] |= b << (d & 63);
        }
      }
    }
    if (!last) bits.swap(next);
  }
  for (TermScorer* t : terms_) t->SyncDoc();
  doc_ = kNoMoreDocs;
  *count = c;
  return true;
}

bool DisjunctionScorer::CountByBitmap(std::uint32_t max_doc, const index::DeleteSet* del,
                                      std::uint64_t* count) {
  if (doc_ != kNotStarted) return false;
  std::vector<TermScorer*> terms;
  std::uint64_t total = 0;
  for (auto& c : children_) {
    auto* t = As<TermScorer>(c.get());
    if (!t || t->doc() != kNotStarted) return false;
    terms.push_back(t);
    total += t->Cost();
  }
  if (total < max_doc / kOrBitmapMinDensity) return false;
  std::vector<std::uint64_t> bits((std::size_t{max_doc} + 63) / 64, 0);
  for (TermScorer* t : terms) {
    SetBits(&t->postings(), &bits);
    t->SyncDoc();
  }
  ClearDeleted(del, &bits);
  std::uint64_t c = 0;
  for (std::uint64_t w : bits) c += static_cast<std::uint64_t>(util::PopCount64(w));
  doc_ = kNoMoreDocs;
  *count = c;
  return true;
}

std::uint32_t ConjunctionScorer::DoNext(std::uint32_t target) {
  if (!postings_.empty()) return DoNextTerms(target);
  Scorer* lead = by_cost_[0];
  std::uint32_t d = Behind(lead->doc(), target) ? lead->Advance(target) : lead->doc();
  for (;;) {
    if (d == kNoMoreDocs) return doc_ = d;
    bool all = true;
    for (std::size_t i = 1; i < by_cost_.size(); ++i) {
      Scorer* o = by_cost_[i];
      std::uint32_t x = o->doc();
      if (Behind(x, d)) x = o->Advance(d);
      if (x != d) {
        if (x == kNoMoreDocs) return doc_ = kNoMoreDocs;
        d = lead->Advance(x);
        all = false;
        break;
      }
    }
    if (all) return doc_ = d;
  }
}

std::uint32_t ConjunctionScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  return Filter(DoNext(doc_ == kNotStarted ? 0 : doc_ + 1));
}

std::uint32_t ConjunctionScorer::Advance(std::uint32_t target) {
  if (doc_ == kNoMoreDocs) return doc_;
  return Filter(DoNext(target));
}

void ConjunctionScorer::SetMinCompetitive(double theta) {
  if (same_field_.size() != 2) return;
  if (!pair_on_) {
    pair_on_ = true;
    pair_ = std::make_unique<PairTable>();
    std::fill_n(&pair_->theta_of[0][0], kPairCap * kPairCap, std::nan(""));
  }
  pair_theta_ = TableThreshold(theta);
}

bool ConjunctionScorer::PairCompetitive() {
  const std::uint32_t fa = same_field_[0]->freq(), fb = same_field_[1]->freq();
  // Rare large frequencies: Score() and the collector decide.
  if (fa >= kPairCap || fb >= kPairCap) return true;
  // An entry never built holds NaN, which equals nothing.
  if (!(pair_->theta_of[fa][fb] == pair_theta_)) ComputePair(fa, fb);
  const double max_len = pair_->len[fa][fb];
  const bool ok = max_len >= 0 && same_field_[0]->Length() <= max_len;
  pair_rejected_ |= !ok;
  return ok;
}

void ConjunctionScorer::ComputePair(std::uint32_t fa, std::uint32_t fb) {
  const Bm25& a = *same_field_[0]->bm25();
  const Bm25& b = *same_field_[1]->bm25();
  const double theta = pair_theta_;
  const double xa = static_cast<double>(fa), xb = static_cast<double>(fb);
  // The very sum Score() computes.
  auto ok = [&](double len) {
    double s = 0;
    s += a.Score(xa, len);
    s += b.Score(xb, len);
    return Competitive(s, theta);
  };
  double guess = -1;
  if (theta > 0 && (a.kdl > 0 || b.kdl > 0)) {
    // The score is a convex, falling function of the length, so Newton's
    // method from 0 approaches the length where it meets theta from below.
    double len = 0;
    for (int it = 0; it < 8; ++it) {
      const double da = xa + a.kconst + a.kdl * len, db = xb + b.kconst + b.kdl * len;
      const double ta = a.weight * xa / da, tb = b.weight * xb / db;
      const double g = ta + tb - theta;
      const double slope = ta * a.kdl / da + tb * b.kdl / db;
      if (!(g > 0) || !(slope > 0)) break;
      len += g / slope;
      if (len > static_cast<double>(UINT32_MAX)) break;
    }
    guess = len;
  }
  pair_->len[fa][fb] = LongestCompetitive(ok, guess);
  pair_->theta_of[fa][fb] = theta;
}

double ConjunctionScorer::Score() {
  if (!same_field_.empty()) {
    const double length = same_field_[0]->Length();
    double s = 0;
    for (TermScorer* t : same_field_) s += t->ScoreWithLength(length);
    return s;
  }
  double s = 0;
  for (auto& c : children_) s += c->Score();
  return s;
}

double ConjunctionScorer::BlockBound(std::uint32_t target, std::uint32_t* up_to) {
  double s = 0;
  std::uint32_t end = kLastDoc;
  for (auto& c : children_) {
    std::uint32_t u;
    s += c->BlockBound(target, &u);
    end = std::min(end, u);
  }
  *up_to = end;
  return s;
}

Explanation ConjunctionScorer::Explain() {
  Explanation e{0, "sum of (all of)", {}};
  for (auto& c : children_) {
    e.details.push_back(c->Explain());
    e.value += e.details.back().value;
  }
  return e;
}

// --------------------------------------------------------- DisjunctionScorer

DisjunctionScorer::DisjunctionScorer(std::vector<std::unique_ptr<Scorer>> children)
    : Scorer(kKind), children_(std::move(children)) {
  for (auto& c : children_) {
    max_ += c->MaxScore();
    cost_ += c->Cost();
  }
}

std::uint32_t DisjunctionScorer::Min() {
  std::uint32_t m = kNoMoreDocs;
  for (auto& c : children_) m = std::min(m, c->doc());
  return doc_ = m;
}

std::uint32_t DisjunctionScorer::Next() {
  if (doc_ == kNoMoreDocs) return doc_;
  if (doc_ == kNotStarted) {
    for (auto& c : children_) c->Next();
    return Min();
  }
  const std::uint32_t cur = doc_;
  for (auto& c : children_) {
    if (c->doc() == cur) c->Next();
  }
  return Min();
}

std::uint32_t DisjunctionScorer::Advance(std::uint32_t target) {
  if (doc_ == kNoMoreDocs) return doc_;
  for (auto& c : children_) {
    if (Behind(c->doc(), target)) c->Advance(target);
  }
  return Min();
}

double DisjunctionScorer::Score() {
  double s = 0;
  for (auto& c : children_) {
    if (c->doc() == doc_) s += c->Score();
  }
  return s;
}

double DisjunctionScorer::BlockBound(std::uint32_t target, std::uint32_t* up_to) {
  double s = 0;
  std::uint32_t end = kLastDoc;
  for (auto& c : children_) {
    if (c->doc() == kNoMoreDocs) continue;
    std::uint32_t u;
    s += c->BlockBound(target, &u);
    end = std::min(end, u);
  }
  *up_to = end;
  return s;
}

Explanation DisjunctionScorer::Explain() {
  Explanation e{0, "sum of (any of)", {}};
  for (auto& c : children_) {
    if (c->doc() != doc_) continue;
    e.details.push_back(c->Explain());
    e.value += e.details.back().value;
  }
  return e;
}

// -------------------------------------------------------------- ReqOpt/Excl

bool ReqOptScorer::OptHere() {
  std::uint32_t o = opt_->doc();
  if (o == kNoMoreDocs) return false;
  if (Behind(o, doc_)) o = opt_->Advance(doc_);
  return o == doc_;
}

double ReqOptScorer::Score() {
  double s = req_->Score();
  if (OptHere()) s += opt_->Score();
  return s;
}

double ReqOptScorer::BlockBound(std::uint32_t target, std::uint32_t* up_to) {
  std::uint32_t a, b = kLastDoc;
  double s = req_->BlockBound(target, &a);
  if (opt_->doc() != kNoMoreDocs) s += opt_->BlockBound(target, &b);
  *up_to = std::min(a, b);
  return s;
}

Explanation ReqOptScorer::Explain() {
  Explanation e{0, "required plus optional", {req_->Explain()}};
  e.value = e.details[0].value;
  if (OptHere()) {
    e.details.push_back(opt_->Explain());
    e.value += e.details.back().value;
  }
  return e;
}

std::uint32_t ReqExclScorer::Skip(std::uint32_t d) {
  for (;;) {
    if (d == kNoMoreDocs) return doc_ = d;
    std::uint32_t x = excl_->doc();
    if (Behind(x, d)) x = excl_->Advance(d);
    if (x != d) return doc_ = d;
    d = req_->Next();
  }
}

// -------------------------------------------------------------- PhraseScorer

PhraseScorer::PhraseScorer(std::unique_ptr<Scorer> approx, std::vector<Word> words,
                           bool near, std::uint32_t slop, const Bm25* bm25,
                           const index::SegmentReader* seg, std::string label)
    : approx_(std::move(approx)), words_(std::move(words)), near_(near), slop_(slop),
      bm25_(bm25), seg_(seg), label_(std::move(label)) {
  pos_.resize(words_.size());
  upos_.resize(words_.size());
  here_.resize(words_.size());
  ends_.resize(words_.size() + 1);
  unit_words_ = !near_ && slop_ == 0;
  for (const Word& w : words_) {
    unit_words_ = unit_words_ && w.alts.size() == 1 && w.alts[0].terms.size() == 1;
  }
  if (unit_words_) {
    // A phrase occurs at most as often per document as its first word.
    // It occurs at most as often as word w too when no word before w has a
    // token longer than one position (two starts could share word w's
    // entry only through such a token). Those words' bounds all hold;
    // the rarest of them bounds per document.
    for (const Word& w : words_) {
      TermScorer* t = w.alts[0].terms[0];
      bound_terms_.push_back(t);
      if (t->postings().info().long_tokens) break;
    }
    bound_term_ = bound_terms_[0];
    for (TermScorer* t : bound_terms_) {
      if (t->Cost() < bound_term_->Cost()) bound_term_ = t;
    }
    bound_ = std::make_unique<LengthBound>(bm25_, seg_);
  }
  for (std::size_t w = 0; w < words_.size(); ++w) {
    pos_[w].resize(words_[w].alts.size());
    here_[w].resize(words_[w].alts.size());
    for (std::size_t a = 0; a < words_[w].alts.size(); ++a) {
      pos_[w][a].resize(words_[w].alts[a].terms.size());
    }
  }
}

double PhraseScorer::BlockBound(std::uint32_t target, std::uint32_t* up_to) {
  if (near_) return Scorer::BlockBound(target, up_to);
  if (!bound_terms_.empty()) {
    // Every bounding word's block bound holds: the least of them.
    double best = std::numeric_limits<double>::infinity();
    std::uint32_t last = kLastDoc;
    for (TermScorer* t : bound_terms_) {
      const index::PostingsIterator::BlockBound b = t->postings().ShallowBound(target);
      best = std::min(best, std::max(bm25_->PairBound(b.freq[0], b.norm[0]),
                                     bm25_->PairBound(b.freq[1], b.norm[1])));
      last = std::min(last, b.last_doc);
    }
    *up_to = last;
    return best;
  }
  if (words_[0].alts.size() == 1) {
    // One alternative: each of its document's (f, n) is under one pair.
    const index::PostingsIterator::BlockBound b =
        words_[0].alts[0].terms[0]->postings().ShallowBound(target);
    *up_to = std::min(b.last_doc, kLastDoc);
    return std::max(bm25_->PairBound(b.freq[0], b.norm[0]), bm25_->PairBound(b.freq[1], b.norm[1]));
  }
  std::uint64_t freq = 0;
  std::uint32_t norm = UINT32_MAX, last = kLastDoc;
  for (const Alt& alt : words_[0].alts) {
    const index::PostingsIterator::BlockBound b = alt.terms[0]->postings().ShallowBound(target);
    if (b.max_freq == 0) continue;  // this alternative has no documents left
    freq += b.max_freq;
    norm = std::min(norm, b.min_norm);
    last = std::min(last, b.last_doc);
  }
  *up_to = last;
  return bm25_->PairBound(freq, norm);
}

void PhraseScorer::SetMinCompetitive(double theta) {
  min_competitive_ = theta;
  if (bound_) {
    bound_->SetThreshold(theta);
    if (!filtering_) {
      auto* conj = As<ConjunctionScorer>(approx_.get());
      filtering_ = conj != nullptr && conj->SetFilter(bound_term_, bound_.get());
    }
  }
}

std::uint32_t PhraseScorer::Confirm(std::uint32_t d) {
  while (d != kNoMoreDocs) {
    doc_ = d;
    if (!near_ && !filtering_ && min_competitive_ > -1e300) {
      // Bound this document's score before reading any position.
      std::uint64_t bound_freq = 0;
      if (bound_term_ != nullptr) {
        bound_freq = bound_term_->postings().freq();  // on d, as every word is
      } else {
        for (const Alt& alt : words_[0].alts) {
          if (alt.conj->doc() == d) bound_freq += alt.terms[0]->freq();
        }
      }
      const double bound = bm25_->Score(static_cast<double>(bound_freq), bm25_->Length(*seg_, d));
      if (!Competitive(bound, min_competitive_)) {
        pruned_ = true;
        d = approx_->Next();
        continue;
      }
    }
    bool long_token = false;  // found on this document: only the general matcher applies
    if (count_only_ && unit_words_ && words_.size() == 2) {
      // Counting two-word phrases: the positions of the word with fewer
      // entries on the document, then the other word's entries only up to
      // the first that continues one of them.
      index::PostingsIterator& a = words_[0].alts[0].terms[0]->postings();
      index::PostingsIterator& b = words_[1].alts[0].terms[0]->postings();
      bool unit = true, found = false;
      if (!index::PostingsIterator::AdjacentPair(a, b, &upos_[0], &found, &unit)) {
        if (status_.ok()) status_ = !a.status().ok() ? a.status() : b.status();
        return doc_ = kNoMoreDocs;
      }
      if (unit) {
        if (found) {
          freq_ = 1;
          return doc_;
        }
        d = approx_->Next();
        continue;
      }
      long_token = true;
    }
    if (unit_words_ && !long_token && words_.size() <= 64) {
      // Short documents: each word's positions as a bitmap of [0, 256),
      // shifted back by the word's place in the phrase and ANDed; the set
      // bits are the starts of the phrase.
      std::uint64_t acc[4] = {~std::uint64_t{0}, ~std::uint64_t{0}, ~std::uint64_t{0},
                              ~std::uint64_t{0}};
      bool fits = true;
      for (std::size_t w = 0; w < words_.size() && fits; ++w) {
        std::uint64_t b[4];
        Status s = words_[w].alts[0].terms[0]->postings().PositionBits(b, &fits);
        if (!s.ok()) {
          if (status_.ok()) status_ = s;
          return doc_ = kNoMoreDocs;
        }
        const unsigned sh = static_cast<unsigned>(w);
        if (sh == 0) {
          for (int k = 0; k < 4; ++k) acc[k] &= b[k];
        } else {
          for (int k = 0; k < 3; ++k) acc[k] &= (b[k] >> sh) | (b[k + 1] << (64 - sh));
          acc[3] &= b[3] >> sh;
        }
      }
      if (fits) {
        freq_ = 0;
        for (std::uint64_t a : acc) freq_ += static_cast<std::uint32_t>(util::PopCount64(a));
        if (freq_ > 0) return doc_;
        d = approx_->Next();
        continue;
      }
      // A word did not fit: the words before it are read again below.
    }
    if (unit_words_ && !long_token) {
      // Positions alone, while no token is longer than one position.
      bool unit = true;
      for (std::size_t w = 0; w < words_.size() && unit; ++w) {
        Status s = words_[w].alts[0].terms[0]->postings().UnitPositions(&upos_[w], &unit);
        if (!s.ok()) {
          if (status_.ok()) status_ = s;
          return doc_ = kNoMoreDocs;
        }
      }
      if (unit) {
        freq_ = UnitFrequency();
        if (freq_ > 0) return doc_;
        d = approx_->Next();
        continue;
      }
    }
    // Load the positions of every alternative on this document.
    bool ok = true;
    for (std::size_t w = 0; w < words_.size() && ok; ++w) {
      bool any = false;
      for (std::size_t a = 0; a < words_[w].alts.size(); ++a) {
        Alt& alt = words_[w].alts[a];
        here_[w][a] = alt.conj->doc() == d;
        if (!here_[w][a]) continue;
        any = true;
        for (std::size_t t = 0; t < alt.terms.size(); ++t) {
          Status s = alt.terms[t]->postings().Positions(&pos_[w][a][t]);
          if (!s.ok()) {
            if (status_.ok()) status_ = s;
            return doc_ = kNoMoreDocs;
          }
        }
      }
      ok = any;
    }
    if (ok) {
      freq_ = Frequency();
      if (freq_ > 0) return doc_;
    }
    d = approx_->Next();
  }
  return doc_ = kNoMoreDocs;
}

namespace {

// Entries of a position list at exactly p (lists are sorted by position).
std::pair<const index::PosEntry*, const index::PosEntry*> At(
    const std::vector<index::PosEntry>& v, std::uint32_t p) {
  auto lo = std::lower_bound(v.begin(), v.end(), p,
                             [](const index::PosEntry& e, std::uint32_t x) {
                               return e.position < x;
                             });
  auto hi = lo;
  while (hi != v.end() && hi->position == p) ++hi;
  return {v.data() + (lo - v.begin()), v.data() + (hi - v.begin())};
}

std::size_t CountIn(const std::vector<index::PosEntry>& v, std::uint64_t lo,
                    std::uint64_t hi) {  // positions in [lo, hi)
  auto cmp = [](const index::PosEntry& e, std::uint64_t x) { return e.position < x; };
  auto a = std::lower_bound(v.begin(), v.end(), lo, cmp);
  auto b = std::lower_bound(a, v.end(), hi, cmp);
  return static_cast<std::size_t>(b - a);
}

}  // namespace

// Where alternative a of word w, from its term t on, can end when term t
// starts at p.
bool PhraseScorer::AltEnds(std::size_t w, std::size_t a, std::size_t t, std::uint32_t p,
                           std::vector<std::uint32_t>* ends) {
  const auto& terms = pos_[w][a];
  if (t == terms.size()) {
    ends->push_back(p);
    return true;
  }
  auto [b, e] = At(terms[t], p);
  bool any = false;
  for (const index::PosEntry* x = b; x != e; ++x) {
    any |= AltEnds(w, a, t + 1, x->position + std::max<std::uint32_t>(x->length, 1), ends);
  }
  return any;
}

// Can words w.. match, word w starting in [start, start + budget]?
bool PhraseScorer::MatchFrom(std::size_t w, std::uint32_t start, std::uint32_t budget) {
  if (w == words_.size()) return true;
  std::vector<std::uint32_t>& ends = ends_[w];  // one scratch list per depth
  for (std::size_t a = 0; a < words_[w].alts.size(); ++a) {
    if (!here_[w][a]) continue;
    const auto& first = pos_[w][a][0];
    auto cmp = [](const index::PosEntry& e, std::uint64_t x) { return e.position < x; };
    auto it = std::lower_bound(first.begin(), first.end(), std::uint64_t{start}, cmp);
    for (; it != first.end() && it->position <= std::uint64_t{start} + budget; ++it) {
      if (it != first.begin() && std::prev(it)->position == it->position) continue;
      ends.clear();
      AltEnds(w, a, 0, it->position, &ends);
      const std::uint32_t used = it->position - start;
      for (std::uint32_t e : ends) {
        if (MatchFrom(w + 1, e, budget - used)) return true;
      }
    }
  }
  return false;
}

std::uint32_t PhraseScorer::UnitFrequency() {
  // Word w must sit at exactly s + w: one merge pass over the lists (the
  // documents whose positions fit a bitmap never get here).
  const std::size_t n = words_.size();
  if (n == 2) {
    const std::vector<std::uint32_t>& first = upos_[0];
    const std::vector<std::uint32_t>& second = upos_[1];
    std::uint32_t freq = 0;
    std::size_t i = 0, j = 0;
    while (i < first.size() && j < second.size()) {
      const std::uint64_t a = std::uint64_t{first[i]} + 1;
      const std::uint32_t b = second[j];
      if (a == b) {
        ++freq;
        if (count_only_) return freq;
        const std::uint32_t start = first[i];
        while (i < first.size() && first[i] == start) ++i;  // distinct starts
        ++j;
      } else {
        i += a < b;
        j += b < a;
      }
    }
    return freq;
  }
  const std::vector<std::uint32_t>& first = upos_[0];
  std::uint32_t freq = 0;
  cursor_.assign(n, 0);
  for (std::size_t i = 0; i < first.size(); ++i) {
    const std::uint32_t s = first[i];
    if (i > 0 && first[i - 1] == s) continue;
    bool ok = true;
    for (std::size_t w = 1; w < n && ok; ++w) {
      const std::vector<std::uint32_t>& list = upos_[w];
      const std::uint64_t t = std::uint64_t{s} + w;
      std::size_t& c = cursor_[w];
      while (c < list.size() && list[c] < t) ++c;
      if (c == list.size()) return freq;  // later starts cannot match either
      ok = list[c] == t;
    }
    freq += ok;
    if (ok && count_only_) return freq;
  }
  return freq;
}

std::uint32_t PhraseScorer::Frequency() {
  // Candidate starts: positions of the first terms of word 0.
  std::vector<std::uint32_t>& starts = starts_;
  starts.clear();
  for (std::size_t w = 0; w < (near_ ? words_.size() : 1); ++w) {
    for (std::size_t a = 0; a < words_[w].alts.size(); ++a) {
      if (!here_[w][a]) continue;
      for (const index::PosEntry& e : pos_[w][a][0]) starts.push_back(e.position);
    }
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  std::uint32_t freq = 0;
  if (near_) {
    // Every listed term occurs (as often as listed) in [s, s + window).
    for (std::uint32_t s : starts) {
      bool ok = true;
      for (std::size_t w = 0; w < words_.size() && ok; ++w) {
        ok = CountIn(pos_[w][0][0], s, std::uint64_t{s} + slop_) >= words_[w].need;
      }
      if (ok) {
        ++freq;
        if (count_only_) return freq;
      }
    }
    return freq;
  }
  std::vector<std::uint32_t>& ends = ends_[0];
  for (std::uint32_t s : starts) {
    bool found = false;
    for (std::size_t a = 0; a < words_[0].alts.size() && !found; ++a) {
      if (!here_[0][a]) continue;
      ends.clear();
      AltEnds(0, a, 0, s, &ends);
      for (std::uint32_t e : ends) {
        if (MatchFrom(1, e, slop_)) {
          found = true;
          break;
        }
      }
    }
    if (found) {
      ++freq;
      if (count_only_) return freq;
    }
  }
  return freq;
}

Explanation PhraseScorer::Explain() {
  return Bm25Explain(*bm25_, label_, freq_, bm25_->Length(*seg_, doc_),
                     bm25_->norm_field >= 0, "phraseFreq");
}

}  // namespace quarry::search
