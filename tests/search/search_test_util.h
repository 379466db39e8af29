// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// A brute-force search oracle and the helpers the search tests share.
//
// The oracle keeps, for every document, the tokens of each field exactly as
// quarry::Analyzer produces them (multi-valued text fields offset by 100
// positions per value, as schema.h says) and evaluates a Query over those raw
// token lists, following the semantics written in query.h and search.h and
// nothing else: it shares no code with src/search. Phrases, Near windows and
// BM25 are computed the slow, obvious way (recursion over positions, double
// precision).
//
// Statistics follow search.h: N, avgdl and df are over every document in the
// snapshot, including deleted-but-unmerged ones. The oracle models that:
// Delete() keeps a document in the statistics until PurgeDeleted() (call it
// after the writer merged the deletions away, e.g. ForceMerge(1)).
//
// Two points query.h leaves open or words differently follow the search
// layer's documented choice (src/search/rewrite.cc): Text on "" matches word
// by word across the text fields (see the Oracle constructor), and Near
// scores like a phrase whose idf is the sum of its listed terms' idfs and
// whose tf is the Near frequency.
#ifndef QUARRY_TESTS_SEARCH_SEARCH_TEST_UTIL_H_
#define QUARRY_TESTS_SEARCH_SEARCH_TEST_UTIL_H_

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "quarry/analyzer.h"
#include "quarry/index.h"
#include "quarry/query.h"
#include "quarry/schema.h"
#include "quarry/search.h"

namespace quarry::oracle {

// One exact token (a word, a compound part or a joined form).
struct Occ {
  std::uint32_t pos = 0;
  std::uint32_t len = 1;
};

struct FieldData {
  std::uint32_t length = 0;  // positions (text fields)
  // exact term -> occurrences in position order (keyword: one {0,0} per value)
  std::unordered_map<std::string, std::vector<Occ>> exact;
  std::unordered_map<std::string, std::uint32_t> stems;  // stem term -> tf
  // The original values of the field, for query generators.
  std::vector<std::string> values;
  // The tokens (exact and stems) in analyzer order, for query generators.
  std::vector<Token> tokens;
};

struct DocData {
  std::string id;
  bool live = true;
  bool in_stats = true;  // still counted in N / df / avgdl
  std::vector<FieldData> fields;  // per schema field
};

struct Match {
  std::string id;
  double score = 0;
};

struct Evaluation {
  bool error = false;  // e.g. a prefix with too many expansions
  std::string error_message;
  std::vector<Match> matches;  // live matching documents, any order
};

class Oracle {
 public:
  // Text on "" (every text field): by default each word may match in any
  // field, `(title:a body:a) AND (title:b body:b)`, when the fields analyze
  // the text into the same number of words (otherwise, and with
  // cross_field_text false, the whole text is matched field by field, as the
  // first paragraph of query.h reads).
  explicit Oracle(Schema schema, SearcherOptions options = {},
                  bool cross_field_text = true)
      : schema_(std::move(schema)), options_(options), cross_field_text_(cross_field_text) {
    const auto& fields = schema_.fields();
    exact_post_.resize(fields.size());
    stem_post_.resize(fields.size());
    vocab_.resize(fields.size());
    for (const FieldSpec& f : fields) {
      if (f.kind == FieldKind::kText) {
        auto a = Analyzer::Create(f.analyzer);
        if (!a.ok()) std::abort();
        analyzers_.push_back(std::make_unique<Analyzer>(std::move(a).value()));
      } else {
        analyzers_.push_back(nullptr);
      }
    }
  }

  const Schema& schema() const { return schema_; }
  const SearcherOptions& options() const { return options_; }
  const std::vector<DocData>& docs() const { return docs_; }
  Analyzer& analyzer(std::size_t field) { return *analyzers_[field]; }

  std::size_t live_docs() const {
    std::size_t n = 0;
    for (const DocData& d : docs_) n += d.live ? 1 : 0;
    return n;
  }
  std::size_t deleted_in_stats() const {
    std::size_t n = 0;
    for (const DocData& d : docs_) n += (!d.live && d.in_stats) ? 1 : 0;
    return n;
  }
  const DocData* Find(std::string_view id) const {
    auto it = live_.find(std::string(id));
    return it == live_.end() ? nullptr : &docs_[it->second];
  }

  // Adds a document (its id must not be live).
  void Add(const Document& doc) {
    if (live_.count(doc.id)) std::abort();
    DocData d;
    d.id = doc.id;
    const auto& fields = schema_.fields();
    d.fields.resize(fields.size());
    std::vector<std::uint32_t> next_pos(fields.size(), 0);
    for (const auto& [name, value] : doc.fields) {
      const auto f = schema_.Find(name);
      if (!f) std::abort();
      FieldData& fd = d.fields[*f];
      fd.values.push_back(value);
      if (fields[*f].kind == FieldKind::kKeyword) {
        fd.exact[value].push_back({0, 0});
      } else if (fields[*f].kind == FieldKind::kText) {
        const std::uint32_t base = next_pos[*f];
        auto tokens = analyzers_[*f]->Analyze(value, base);
        if (!tokens.ok()) std::abort();
        std::uint32_t end = 0;
        for (const Token& t : *tokens) {
          end = std::max(end, t.position + t.position_length);
          if (t.kind == TokenKind::kStem) {
            ++fd.stems[t.term];
          } else {
            fd.exact[t.term].push_back({t.position, t.position_length});
          }
          fd.tokens.push_back(t);
        }
        if (end > base) {
          fd.length += end - base;
          next_pos[*f] = end + 100;
        }
      }
    }
    const auto index = static_cast<std::uint32_t>(docs_.size());
    live_[d.id] = index;
    docs_.push_back(std::move(d));
    AddToStats(index);
  }

  // Deletes a live document; it stays in the statistics.
  void Delete(std::string_view id) {
    auto it = live_.find(std::string(id));
    if (it == live_.end()) std::abort();
    docs_[it->second].live = false;
    live_.erase(it);
  }

  void Update(const Document& doc) {
    if (live_.count(doc.id)) Delete(doc.id);
    Add(doc);
  }

  // Drops deleted documents from the statistics (after they were merged away).
  void PurgeDeleted() {
    for (DocData& d : docs_) {
      if (!d.live) d.in_stats = false;
    }
    RebuildStats();
  }

  // Exact terms of a text or keyword field over the statistics' documents,
  // sorted.
  std::vector<std::string> Vocabulary(std::size_t field) const {
    return std::vector<std::string>(vocab_[field].begin(), vocab_[field].end());
  }

  // The exact terms a prefix expands to in one field (after normalization).
  std::vector<std::string> PrefixExpansions(std::size_t field, const std::string& prefix) {
    const std::string p = NormalizePrefix(field, prefix);
    std::vector<std::string> out;
    for (auto it = vocab_[field].lower_bound(p);
         it != vocab_[field].end() && it->compare(0, p.size(), p) == 0; ++it) {
      out.push_back(*it);
    }
    return out;
  }

  Evaluation Evaluate(const Query& q) {
    Evaluation ev;
    error_.clear();
    Vec v = Eval(q, 1.0);
    if (!error_.empty()) {
      ev.error = true;
      ev.error_message = error_;
      return ev;
    }
    for (std::size_t i = 0; i < docs_.size(); ++i) {
      if (v.m[i]) ev.matches.push_back({docs_[i].id, v.s[i]});
    }
    return ev;
  }

  // ---- statistics, public for tests that check a formula by hand ----
  double N(std::size_t field) const { return static_cast<double>(n_[field]); }
  std::uint64_t TotalLength(std::size_t field) const { return total_len_[field]; }
  double AvgDl(std::size_t field) const {
    return n_[field] == 0 ? 0.0 : static_cast<double>(total_len_[field]) /
                                      static_cast<double>(n_[field]);
  }
  std::uint64_t Df(std::size_t field, bool stem, const std::string& term) const {
    const auto& m = stem ? stem_post_[field] : exact_post_[field];
    auto it = m.find(term);
    return it == m.end() ? 0 : it->second.size();
  }
  double Idf(std::size_t field, bool stem, const std::string& term) const {
    const double df = static_cast<double>(Df(field, stem, term));
    return std::log(1.0 + (N(field) - df + 0.5) / (df + 0.5));
  }
  // BM25 of one leaf in one document; `boost` includes the field's boost.
  double Bm25(std::size_t field, double idf, double tf, std::uint32_t dl,
              double boost) const {
    const double k1 = options_.k1, b = options_.b;
    double norm = 1.0;  // keyword: dl / avgdl is 1
    if (schema_.fields()[field].kind == FieldKind::kText) {
      norm = static_cast<double>(dl) / AvgDl(field);
    }
    return boost * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * norm));
  }

 private:
  // Dense per-document results: match flag and score.
  struct Vec {
    std::vector<char> m;
    std::vector<double> s;
  };
  using Alternative = std::vector<std::string>;
  using Word = std::vector<Alternative>;

  Vec Empty() const {
    Vec v;
    v.m.assign(docs_.size(), 0);
    v.s.assign(docs_.size(), 0.0);
    return v;
  }

  void AddToStats(std::uint32_t index) {
    const DocData& d = docs_[index];
    const auto& fields = schema_.fields();
    if (n_.empty()) {
      n_.assign(fields.size(), 0);
      total_len_.assign(fields.size(), 0);
    }
    for (std::size_t f = 0; f < fields.size(); ++f) {
      const FieldData& fd = d.fields[f];
      if (fields[f].kind == FieldKind::kKeyword) {
        ++n_[f];  // N of a keyword field: every document
      } else if (fields[f].kind == FieldKind::kText && fd.length > 0) {
        ++n_[f];
        total_len_[f] += fd.length;
      }
      for (const auto& [term, occ] : fd.exact) {
        auto& post = exact_post_[f][term];
        if (post.empty()) vocab_[f].insert(term);
        post.push_back({index, static_cast<std::uint32_t>(occ.size()), occ});
      }
      for (const auto& [term, tf] : fd.stems) stem_post_[f][term].push_back({index, tf, {}});
    }
  }

  void RebuildStats() {
    n_.clear();
    total_len_.clear();
    for (auto& m : exact_post_) m.clear();
    for (auto& m : stem_post_) m.clear();
    for (auto& v : vocab_) v.clear();
    for (std::size_t i = 0; i < docs_.size(); ++i) {
      if (docs_[i].in_stats) AddToStats(static_cast<std::uint32_t>(i));
    }
    if (n_.empty()) {
      n_.assign(schema_.fields().size(), 0);
      total_len_.assign(schema_.fields().size(), 0);
    }
  }

  // Fields a leaf names: one, or every text field for "".
  std::vector<std::size_t> LeafFields(const std::string& field) {
    std::vector<std::size_t> out;
    const auto& fields = schema_.fields();
    if (field.empty()) {
      for (std::size_t f = 0; f < fields.size(); ++f) {
        if (fields[f].kind == FieldKind::kText) out.push_back(f);
      }
    } else if (auto f = schema_.Find(field); f && fields[*f].kind != FieldKind::kStored) {
      out.push_back(*f);
    } else {
      error_ = "unknown or unsearchable field '" + field + "'";
    }
    return out;
  }

  double FieldBoost(std::size_t f) const {
    return static_cast<double>(schema_.fields()[f].boost);
  }

  std::string NormalizePrefix(std::size_t field, const std::string& prefix) {
    if (schema_.fields()[field].kind != FieldKind::kText) return prefix;
    auto q = analyzers_[field]->AnalyzeQuery(prefix);
    if (q.ok() && q->words.size() == 1 && q->words[0].parts.size() == 1) {
      return q->words[0].parts[0];
    }
    return prefix;
  }

  // A single term (exact or stem) in one field, added into `out` (OR, sum).
  void TermInto(std::size_t f, bool stem, const std::string& term, double boost,
                Vec& out) {
    const auto& post = stem ? stem_post_[f] : exact_post_[f];
    auto it = post.find(term);
    if (it == post.end()) return;
    const double idf = Idf(f, stem, term);
    for (const Posting& p : it->second) {
      const DocData& d = docs_[p.doc];
      if (!d.live) continue;
      out.m[p.doc] = 1;
      out.s[p.doc] += Bm25(f, idf, p.tf, d.fields[f].length, boost * FieldBoost(f));
    }
  }

  // The occurrences of a query's terms in every document of one field: a
  // dense table per term (null where the document lacks the term).
  struct OccTable {
    std::map<std::string, std::size_t> index;
    std::vector<std::vector<const std::vector<Occ>*>> occ;
  };
  std::size_t TableTerm(std::size_t f, const std::string& term, OccTable& t) {
    auto [it, added] = t.index.emplace(term, t.occ.size());
    if (added) {
      t.occ.emplace_back(docs_.size(), nullptr);
      auto p = exact_post_[f].find(term);
      if (p != exact_post_[f].end()) {
        for (const Posting& x : p->second) t.occ.back()[x.doc] = &x.occ;
      }
    }
    return it->second;
  }

  using IdWord = std::vector<std::vector<std::size_t>>;  // alternatives of term ids

  // Spans (start, end) where one phrase word matches in document `doc`.
  static std::vector<std::pair<std::uint32_t, std::uint32_t>> WordSpans(
      std::uint32_t doc, const IdWord& word, const OccTable& t) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> spans;
    for (const auto& alt : word) {
      if (alt.empty()) continue;
      const std::vector<Occ>* first = t.occ[alt[0]][doc];
      if (first == nullptr) continue;
      for (const Occ& o : *first) {
        std::vector<std::uint32_t> ends = {o.pos + o.len};
        for (std::size_t j = 1; j < alt.size() && !ends.empty(); ++j) {
          std::vector<std::uint32_t> next;
          if (const std::vector<Occ>* occ = t.occ[alt[j]][doc]) {
            for (std::uint32_t e : ends) {
              for (const Occ& o2 : *occ) {
                if (o2.pos == e) next.push_back(o2.pos + o2.len);
              }
            }
          }
          ends = std::move(next);
        }
        for (std::uint32_t e : ends) spans.emplace_back(o.pos, e);
      }
    }
    std::sort(spans.begin(), spans.end());
    spans.erase(std::unique(spans.begin(), spans.end()), spans.end());
    return spans;
  }

  static bool Extend(
      const std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>& spans,
      std::size_t i, std::uint32_t end, std::uint32_t slop_left) {
    if (i == spans.size()) return true;
    for (const auto& [s, e] : spans[i]) {
      if (s < end) continue;
      if (s - end > slop_left) break;  // spans are sorted by start
      if (Extend(spans, i + 1, e, slop_left - (s - end))) return true;
    }
    return false;
  }

  // The phrase frequency: distinct start positions of matches.
  static std::uint32_t PhraseFreq(std::uint32_t doc, const std::vector<IdWord>& words,
                                  std::uint32_t slop, const OccTable& t) {
    std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> spans;
    for (const IdWord& w : words) {
      spans.push_back(WordSpans(doc, w, t));
      if (spans.back().empty()) return 0;
    }
    std::set<std::uint32_t> starts;
    for (const auto& [s, e] : spans[0]) {
      if (starts.count(s)) continue;
      if (Extend(spans, 1, e, slop)) starts.insert(s);
    }
    return static_cast<std::uint32_t>(starts.size());
  }

  double WordIdf(std::size_t f, const Word& w) const {
    double best = 0;
    for (const Alternative& alt : w) {
      double sum = 0;
      for (const std::string& t : alt) sum += Idf(f, false, t);
      best = std::max(best, sum);
    }
    return best;
  }

  void PhraseInto(std::size_t f, const std::vector<Word>& words, std::uint32_t slop,
                  double boost, Vec& out) {
    if (words.empty()) return;
    double idf = 0;
    for (const Word& w : words) idf += WordIdf(f, w);
    OccTable table;
    std::vector<IdWord> ids;
    for (const Word& w : words) {
      IdWord iw;
      for (const Alternative& alt : w) {
        std::vector<std::size_t> a;
        for (const std::string& t : alt) a.push_back(TableTerm(f, t, table));
        iw.push_back(std::move(a));
      }
      ids.push_back(std::move(iw));
    }
    for (std::uint32_t i = 0; i < docs_.size(); ++i) {
      const DocData& d = docs_[i];
      if (!d.live) continue;
      // A candidate has, for every word, all terms of one alternative.
      bool candidate = true;
      for (const IdWord& w : ids) {
        bool word = false;
        for (const auto& alt : w) {
          bool all = !alt.empty();
          for (std::size_t t : alt) {
            if (table.occ[t][i] == nullptr) all = false;
          }
          word = word || all;
        }
        candidate = candidate && word;
      }
      if (!candidate) continue;
      const std::uint32_t freq = PhraseFreq(i, ids, slop, table);
      if (freq == 0) continue;
      out.m[i] = 1;
      out.s[i] += Bm25(f, idf, freq, d.fields[f].length, boost * FieldBoost(f));
    }
  }

  // Near: number of distinct m such that every listed term has enough
  // distinct positions in [m, m + window) and one of them is at m.
  static std::uint32_t NearFreq(std::uint32_t doc,
                                const std::vector<std::pair<std::size_t, int>>& need,
                                std::uint32_t window, const OccTable& t) {
    std::vector<std::pair<std::vector<std::uint32_t>, int>> lists;
    std::set<std::uint32_t> candidates;
    for (const auto& [id, c] : need) {
      const std::vector<Occ>* occ = t.occ[id][doc];
      if (occ == nullptr) return 0;
      std::vector<std::uint32_t> pos;
      for (const Occ& o : *occ) pos.push_back(o.pos);
      std::sort(pos.begin(), pos.end());
      pos.erase(std::unique(pos.begin(), pos.end()), pos.end());
      candidates.insert(pos.begin(), pos.end());
      lists.emplace_back(std::move(pos), c);
    }
    std::uint32_t freq = 0;
    for (std::uint32_t m : candidates) {
      bool ok = true;
      for (const auto& [pos, c] : lists) {
        int in = 0;
        for (std::uint32_t p : pos) {
          if (p >= m && p - m < window) ++in;
        }
        if (in < c) {
          ok = false;
          break;
        }
      }
      if (ok) ++freq;
    }
    return freq;
  }

  void NearInto(std::size_t f, const std::vector<std::string>& terms, std::uint32_t window,
                double boost, Vec& out) {
    if (terms.empty() || window == 0) return;
    double idf = 0;
    for (const std::string& t : terms) idf += Idf(f, false, t);
    OccTable table;
    std::map<std::size_t, int> count;
    for (const std::string& t : terms) ++count[TableTerm(f, t, table)];
    const std::vector<std::pair<std::size_t, int>> need(count.begin(), count.end());
    for (std::uint32_t i = 0; i < docs_.size(); ++i) {
      const DocData& d = docs_[i];
      if (!d.live || table.occ[need[0].first][i] == nullptr) continue;
      const std::uint32_t freq = NearFreq(i, need, window, table);
      if (freq == 0) continue;
      out.m[i] = 1;
      out.s[i] += Bm25(f, idf, freq, d.fields[f].length, boost * FieldBoost(f));
    }
  }

  // The words of text in a field, as phrase words.
  std::vector<Word> PhraseWords(std::size_t f, const std::string& text,
                                std::vector<QueryWord>* raw = nullptr) {
    std::vector<Word> words;
    auto q = analyzers_[f]->AnalyzeQuery(text);
    if (!q.ok()) {
      error_ = q.status().ToString();
      return words;
    }
    for (const QueryWord& w : q->words) {
      Word word;
      word.push_back(w.parts);
      if (w.parts.size() > 1 && !w.joined.empty()) word.push_back({w.joined});
      words.push_back(std::move(word));
    }
    if (raw) *raw = q->words;
    return words;
  }

  // OR with score sum: out |= v.
  void OrInto(const Vec& v, Vec& out) const {
    for (std::size_t i = 0; i < docs_.size(); ++i) {
      if (v.m[i]) {
        out.m[i] = 1;
        out.s[i] += v.s[i];
      }
    }
  }

  // AND or OR of parts, scores summed over the matching parts.
  Vec Combine(const std::vector<Vec>& parts, bool and_op) const {
    Vec out = Empty();
    if (parts.empty()) return out;
    for (std::size_t i = 0; i < docs_.size(); ++i) {
      bool any = false, all = true;
      double s = 0;
      for (const Vec& v : parts) {
        if (v.m[i]) {
          any = true;
          s += v.s[i];
        } else {
          all = false;
        }
      }
      if (and_op ? all : any) {
        out.m[i] = 1;
        out.s[i] = s;
      }
    }
    return out;
  }

  bool IsText(std::size_t f) const {
    return schema_.fields()[f].kind == FieldKind::kText;
  }

  Vec Eval(const Query& q, double boost) {
    const Query::Node& n = q.node();
    Vec out = Empty();
    switch (n.kind) {
      case Query::Kind::kMatchAll:
        for (std::size_t i = 0; i < docs_.size(); ++i) out.m[i] = docs_[i].live;
        return out;
      case Query::Kind::kMatchNone:
        return out;
      case Query::Kind::kTerm:
        for (std::size_t f : LeafFields(n.field)) {
          const bool stem = n.term_kind == TermKind::kStem;
          if (stem && !IsText(f)) continue;
          TermInto(f, stem, n.text, boost, out);
        }
        return out;
      case Query::Kind::kText: {
        // Per field: one result per analyzed word.
        const std::vector<std::size_t> fields = LeafFields(n.field);
        std::vector<std::vector<Vec>> per_field;
        for (std::size_t f : fields) {
          std::vector<Vec> parts;
          if (!IsText(f)) {  // a keyword field: the text is its one term
            parts.push_back(Empty());
            TermInto(f, false, n.text, boost, parts.back());
            per_field.push_back(std::move(parts));
            continue;
          }
          std::vector<QueryWord> raw;
          std::vector<Word> words = PhraseWords(f, n.text, &raw);
          const bool stems = !schema_.fields()[f].analyzer.stem_language.empty();
          for (std::size_t w = 0; w < words.size(); ++w) {
            Vec v = Empty();
            if (raw[w].parts.size() == 1) {
              if (stems && !raw[w].stems.empty()) {
                TermInto(f, true, raw[w].stems[0], boost, v);
              } else {
                TermInto(f, false, raw[w].parts[0], boost, v);
              }
            } else {
              PhraseInto(f, {words[w]}, 0, boost, v);
            }
            parts.push_back(std::move(v));
          }
          per_field.push_back(std::move(parts));
        }
        const bool and_op = n.op == DefaultOperator::kAnd;
        bool same_count = true;
        for (const auto& p : per_field) same_count = same_count && p.size() == per_field[0].size();
        if (fields.size() > 1 && same_count && cross_field_text_) {
          // Word i matches in any field: (title:a body:a) op (title:b body:b).
          std::vector<Vec> words;
          for (std::size_t w = 0; w < per_field[0].size(); ++w) {
            Vec any = Empty();
            for (const auto& p : per_field) OrInto(p[w], any);
            words.push_back(std::move(any));
          }
          OrInto(Combine(words, and_op), out);
        } else {
          for (const auto& p : per_field) OrInto(Combine(p, and_op), out);
        }
        return out;
      }
      case Query::Kind::kPhrase:
        for (std::size_t f : LeafFields(n.field)) {
          if (!IsText(f)) continue;
          PhraseInto(f, PhraseWords(f, n.text), n.slop, boost, out);
        }
        return out;
      case Query::Kind::kTermPhrase:
        for (std::size_t f : LeafFields(n.field)) {
          if (!IsText(f)) continue;
          std::vector<Word> words;
          for (const std::string& t : n.terms) words.push_back({{t}});
          PhraseInto(f, words, n.slop, boost, out);
        }
        return out;
      case Query::Kind::kNear:
        for (std::size_t f : LeafFields(n.field)) {
          if (!IsText(f)) continue;
          NearInto(f, n.terms, n.slop, boost, out);
        }
        return out;
      case Query::Kind::kPrefix:
        for (std::size_t f : LeafFields(n.field)) {
          const std::vector<std::string> terms = PrefixExpansions(f, n.text);
          if (terms.size() > options_.max_prefix_expansions) {
            error_ = "too many prefix expansions";
            return out;
          }
          for (const std::string& t : terms) TermInto(f, false, t, boost, out);
        }
        return out;
      case Query::Kind::kBoost:
        return Eval(n.clauses.at(0).query, boost * static_cast<double>(n.boost));
      case Query::Kind::kBool: {
        std::vector<Vec> must, should, must_not;
        for (const Query::Clause& c : n.clauses) {
          Vec v = Eval(c.query, boost);
          switch (c.occur) {
            case Occur::kMust: must.push_back(std::move(v)); break;
            case Occur::kShould: should.push_back(std::move(v)); break;
            case Occur::kMustNot: must_not.push_back(std::move(v)); break;
          }
        }
        if (n.clauses.empty()) return out;
        for (std::size_t i = 0; i < docs_.size(); ++i) {
          if (!docs_[i].live) continue;
          bool ok = true;
          double s = 0;
          for (const Vec& v : must) {
            if (!v.m[i]) ok = false;
            s += v.s[i];
          }
          for (const Vec& v : must_not) {
            if (v.m[i]) ok = false;
          }
          bool any_should = false;
          for (const Vec& v : should) {
            if (v.m[i]) {
              any_should = true;
              s += v.s[i];
            }
          }
          if (must.empty() && !should.empty() && !any_should) ok = false;
          if (ok) {
            out.m[i] = 1;
            out.s[i] = s;
          }
        }
        return out;
      }
    }
    return out;
  }

  Schema schema_;
  SearcherOptions options_;
  bool cross_field_text_ = true;
  std::vector<std::unique_ptr<Analyzer>> analyzers_;
  std::vector<DocData> docs_;
  std::unordered_map<std::string, std::uint32_t> live_;
  std::vector<std::uint64_t> n_, total_len_;
  struct Posting {
    std::uint32_t doc = 0;
    std::uint32_t tf = 0;
    std::vector<Occ> occ;  // exact terms only
  };
  std::vector<std::unordered_map<std::string, std::vector<Posting>>> exact_post_, stem_post_;
  std::vector<std::set<std::string>> vocab_;  // exact terms per field, sorted
  std::string error_;
};

// ---------------------------------------------------------------------------
// Comparing the engine with the oracle.

inline bool Close(double a, double b, double rel) {
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b)) + 1e-12;
}

constexpr double kScoreTolerance = 1e-4;  // engine score vs oracle score
constexpr double kTieTolerance = 1e-9;    // scores this close may swap

// The id -> Hit::doc map of a searcher's snapshot (from a MatchAll search:
// every score is 0, so hits come in document order).
inline std::unordered_map<std::string, std::uint64_t> DocNumbers(const Searcher& s) {
  std::unordered_map<std::string, std::uint64_t> out;
  SearchOptions o;
  o.limit = s.reader().num_docs() + 1;
  o.total_hits_threshold = std::numeric_limits<std::uint64_t>::max();
  o.load_fields = false;
  auto r = s.Search(Query::MatchAll(), o);
  if (!r.ok()) return out;
  for (const Hit& h : r->hits) out[h.id] = h.doc;
  return out;
}

// Oracle matches sorted as the engine must rank them: score descending, ties
// by ascending Hit::doc.
inline std::vector<Match> Ranked(std::vector<Match> m,
                                 const std::unordered_map<std::string, std::uint64_t>& doc) {
  auto number = [&](const std::string& id) {
    auto it = doc.find(id);
    return it == doc.end() ? std::numeric_limits<std::uint64_t>::max() : it->second;
  };
  std::sort(m.begin(), m.end(), [&](const Match& a, const Match& b) {
    if (a.score != b.score) return a.score > b.score;
    return number(a.id) < number(b.id);
  });
  return m;
}

// Checks one page of engine hits against the oracle's ranking. Returns ""
// or the first problem.
inline std::string CheckPage(const std::vector<Hit>& hits, const std::vector<Match>& ranked,
                             std::size_t offset, std::size_t limit,
                             const std::unordered_map<std::string, std::uint64_t>& doc,
                             bool check_scores = true) {
  std::unordered_map<std::string, double> score;
  for (const Match& m : ranked) score[m.id] = m.score;
  const std::size_t expect =
      offset >= ranked.size() ? 0 : std::min(limit, ranked.size() - offset);
  std::ostringstream err;
  if (hits.size() != expect) {
    err << "page offset=" << offset << " limit=" << limit << ": " << hits.size()
        << " hits, expected " << expect << " (oracle matches " << ranked.size() << ")";
    return err.str();
  }
  std::set<std::string> seen;
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const Hit& h = hits[i];
    auto it = score.find(h.id);
    if (it == score.end()) {
      err << "hit " << i << " '" << h.id << "' (score " << h.score
          << ") does not match in the oracle";
      return err.str();
    }
    if (!seen.insert(h.id).second) {
      err << "hit " << i << " '" << h.id << "' returned twice";
      return err.str();
    }
    auto d = doc.find(h.id);
    if (d == doc.end() || d->second != h.doc) {
      err << "hit " << i << " '" << h.id << "' has doc " << h.doc << ", MatchAll said "
          << (d == doc.end() ? -1 : static_cast<std::int64_t>(d->second));
      return err.str();
    }
    if (i > 0) {
      const Hit& p = hits[i - 1];
      if (p.score < h.score || (p.score == h.score && p.doc > h.doc)) {
        err << "hits " << i - 1 << "," << i << " out of order: ('" << p.id << "', "
            << p.score << ", doc " << p.doc << ") before ('" << h.id << "', " << h.score
            << ", doc " << h.doc << ")";
        return err.str();
      }
    }
    if (!check_scores) continue;  // the statistics are not modelled
    if (!Close(h.score, it->second, kScoreTolerance)) {
      err.precision(12);
      err << "hit " << i << " '" << h.id << "' score " << h.score << ", oracle "
          << it->second;
      return err.str();
    }
    const Match& want = ranked[offset + i];
    if (want.id != h.id && !Close(it->second, want.score, kTieTolerance)) {
      err.precision(12);
      err << "hit " << offset + i << ": got '" << h.id << "' (oracle score "
          << it->second << ", engine " << h.score << "), expected '" << want.id
          << "' (oracle score " << want.score << ")";
      return err.str();
    }
  }
  return "";
}

// Runs `q` through Count, an exhaustive Search and one search that may prune
// (top-1, top-10 or the page at `page_offset`; which one depends on
// page_offset % 5), and compares each with the oracle.
// Returns "" or a description of the first difference.
inline std::string CheckQuery(const Searcher& s, Oracle& oracle, const Query& q,
                              const std::unordered_map<std::string, std::uint64_t>& doc,
                              std::size_t page_offset, std::size_t page_limit,
                              bool check_scores = true, std::size_t* matches = nullptr) {
  std::ostringstream err;
  const Evaluation ev = oracle.Evaluate(q);
  if (matches != nullptr) *matches = ev.error ? 0 : ev.matches.size();
  auto count = s.Count(q);
  if (ev.error) {
    if (count.ok()) {
      err << "oracle error (" << ev.error_message << ") but Count succeeded: " << *count;
      return err.str();
    }
    if (count.status().code() != StatusCode::kInvalidArgument) {
      return "expected InvalidArgument, got " + count.status().ToString();
    }
    auto r = s.Search(q, {});
    if (r.ok() || r.status().code() != StatusCode::kInvalidArgument) {
      return "Search: expected InvalidArgument";
    }
    return "";
  }
  if (!count.ok()) return "Count failed: " + count.status().ToString();
  if (*count != ev.matches.size()) {
    err << "Count " << *count << ", oracle " << ev.matches.size();
    return err.str();
  }
  const std::vector<Match> ranked = Ranked(ev.matches, doc);
  SearchOptions all;
  all.limit = doc.size() + 1;
  all.total_hits_threshold = std::numeric_limits<std::uint64_t>::max();
  all.load_fields = false;
  auto full = s.Search(q, all);
  if (!full.ok()) return "Search(all) failed: " + full.status().ToString();
  if (full->total_hits != ev.matches.size() || !full->total_exact) {
    err << "Search(all) total_hits " << full->total_hits << (full->total_exact ? "" : "+")
        << ", oracle " << ev.matches.size();
    return err.str();
  }
  if (std::string e = CheckPage(full->hits, ranked, 0, all.limit, doc, check_scores);
      !e.empty()) {
    return "Search(all): " + e;
  }
  auto pruned = [&](std::size_t offset, std::size_t limit,
                    std::uint64_t threshold) -> std::string {
    SearchOptions o;
    o.limit = limit;
    o.offset = offset;
    o.total_hits_threshold = threshold;
    o.load_fields = false;
    auto r = s.Search(q, o);
    std::ostringstream e;
    e << "Search(offset=" << offset << ", limit=" << limit << ", threshold=" << threshold
      << "): ";
    if (!r.ok()) return e.str() + r.status().ToString();
    if (r->total_hits > ev.matches.size() ||
        (r->total_exact && r->total_hits != ev.matches.size()) ||
        r->total_hits < std::min<std::uint64_t>(ev.matches.size(), offset + r->hits.size()) ||
        (!r->total_exact && (ev.matches.size() <= threshold ||
                             r->total_hits < std::min<std::uint64_t>(threshold,
                                                                     ev.matches.size())))) {
      e << "total_hits " << r->total_hits << (r->total_exact ? " exact" : " lower bound")
        << ", oracle " << ev.matches.size();
      return e.str();
    }
    if (std::string p = CheckPage(r->hits, ranked, offset, limit, doc, check_scores);
        !p.empty()) {
      return e.str() + p;
    }
    return "";
  };
  // One search that may prune: top-1 or top-10, or the page at
  // `page_offset` with a threshold that allows pruning at once, after 25
  // hits, or never.
  switch (page_offset % 5) {
    case 0:
      return pruned(0, 1, 0);
    case 1:
      return pruned(0, 10, 0);
    case 2:
      return pruned(page_offset, page_limit, 25);
    case 3:
      return pruned(page_offset, page_limit, std::numeric_limits<std::uint64_t>::max());
    default:
      return pruned(page_offset, page_limit, 0);
  }
  return "";
}

// ---------------------------------------------------------------------------
// Random corpora.

struct CorpusOptions {
  bool compounds = true;      // `alpha-beta`, `kalo-mira-tesu`
  bool possessives = true;    // `word's`, `word’s`
  bool specials = true;       // diacritics, Turkish dotted I, numbers
  bool multi_valued = true;   // a few documents with two body values
  int vocabulary = 400;
  int max_title_words = 10;
  int max_body_words = 60;
};

// Words with Zipf-like frequencies, built from syllables so that prefixes
// and Snowball stems collide.
class WordSource {
 public:
  WordSource(std::mt19937_64& rng, const CorpusOptions& o) : rng_(rng), o_(o) {
    static const char* kCons[] = {"b", "d", "f", "g", "k", "l", "m", "n",
                                  "p", "r", "s", "t", "v", "z", "ch", "st"};
    static const char* kVow[] = {"a", "e", "i", "o", "u", "ai", "ou"};
    static const char* kSuffix[] = {"", "", "", "", "s", "ing", "ed", "er", "ation", "ly"};
    std::set<std::string> seen;
    while (static_cast<int>(words_.size()) < o.vocabulary) {
      std::string w;
      const int syll = 1 + static_cast<int>(rng_() % 3);
      for (int i = 0; i < syll; ++i) {
        w += kCons[rng_() % std::size(kCons)];
        w += kVow[rng_() % std::size(kVow)];
      }
      if (rng_() % 3 == 0) w += kCons[rng_() % std::size(kCons)];
      w += kSuffix[rng_() % std::size(kSuffix)];
      if (seen.insert(w).second) words_.push_back(w);
    }
    if (o.specials) {
      for (const char* s : {"Türkiye", "Turkiye", "İstanbul", "ISTANBUL", "café",
                            "naïve", "Zürich", "résumé", "resume", "Azərbaycan",
                            "2024", "3.5", "v1.2", "3,000"}) {
        // Among the 60 commonest words (fewer in a small vocabulary).
        const std::size_t at = rng_() % std::min<std::size_t>(60, words_.size() + 1);
        words_.insert(words_.begin() + static_cast<long>(at), s);
      }
    }
    std::vector<double> w;
    for (std::size_t r = 0; r < words_.size(); ++r) w.push_back(1.0 / (static_cast<double>(r) + 3.0));
    dist_ = std::discrete_distribution<std::size_t>(w.begin(), w.end());
  }

  const std::vector<std::string>& words() const { return words_; }

  // One vocabulary word, lower case.
  std::string Plain() { return words_[dist_(rng_)]; }

  // A surface word: capitalized sometimes, a compound or possessive rarely.
  std::string Surface() {
    std::string w = Plain();
    const unsigned r = static_cast<unsigned>(rng_() % 100);
    if (o_.compounds && r < 5) {
      w += "-" + Plain();
      if (rng_() % 4 == 0) w += "-" + Plain();
    } else if (o_.possessives && r < 8) {
      w += (rng_() % 2) ? "'s" : "\u2019s";
    }
    const unsigned c = static_cast<unsigned>(rng_() % 100);
    if (c < 10 && !w.empty() && w[0] >= 'a' && w[0] <= 'z') {
      w[0] = static_cast<char>(w[0] - 'a' + 'A');
    } else if (c < 12) {
      for (char& ch : w) {
        if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
      }
    }
    return w;
  }

  std::string Text(int max_words) {
    const int n = static_cast<int>(rng_() % static_cast<unsigned>(max_words + 1));
    std::string s;
    for (int i = 0; i < n; ++i) {
      if (i > 0) {
        const unsigned p = static_cast<unsigned>(rng_() % 20);
        s += p == 0 ? ", " : p == 1 ? ". " : " ";
      }
      s += Surface();
    }
    return s;
  }

 private:
  std::mt19937_64& rng_;
  CorpusOptions o_;
  std::vector<std::string> words_;
  std::discrete_distribution<std::size_t> dist_;
};

// title (boost 2.5, no stemming), body (English stemming), tag (keyword).
inline Schema OracleSchema() {
  Schema s;
  AnalyzerOptions title;
  AnalyzerOptions body;
  body.stem_language = "english";
  s.AddText("title", false, title, 2.5f).AddText("body", false, body, 1.0f);
  s.AddKeyword("tag", false);
  return s;
}

inline Document RandomDocument(std::mt19937_64& rng, WordSource& words,
                               const CorpusOptions& o, const std::string& id) {
  static const char* kTags[] = {"world", "sport", "tech", "science", "art", "world-news"};
  Document d;
  d.id = id;
  if (rng() % 4 != 0) d.Add("title", words.Text(o.max_title_words));
  if (rng() % 20 != 0) d.Add("body", words.Text(o.max_body_words));
  if (o.multi_valued && rng() % 20 == 0) d.Add("body", words.Text(8));
  const unsigned tags = static_cast<unsigned>(rng() % 4);
  for (unsigned i = 0; i < tags && i < 2; ++i) d.Add("tag", kTags[rng() % std::size(kTags)]);
  return d;
}

// ---------------------------------------------------------------------------
// Random queries over an oracle's documents (so that most of them match).

struct QueryGenOptions {
  bool negations = true;    // Not, must_not, pure negative queries
  bool match_all = true;    // MatchAll / MatchNone leaves
  bool stems = true;        // TermKind::kStem leaves
  bool keyword = true;      // leaves on the `tag` keyword field
  bool prefixes = true;
  bool boosts = true;
  std::size_t max_prefix_expansions = 15;  // generated prefixes stay below
};

class QueryGen {
 public:
  QueryGen(std::mt19937_64& rng, Oracle& oracle, WordSource& words,
           QueryGenOptions o = {})
      : rng_(rng), oracle_(oracle), words_(words), o_(o) {
    const auto& fields = oracle_.schema().fields();
    for (std::size_t f = 0; f < fields.size(); ++f) {
      if (fields[f].kind == FieldKind::kText) text_fields_.push_back(f);
      if (fields[f].kind == FieldKind::kKeyword) keyword_fields_.push_back(f);
    }
  }

  std::size_t Pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }
  bool Chance(unsigned percent) { return rng_() % 100 < percent; }

  // A random query, nested up to `depth` levels.
  Query Any(int depth) {
    if (depth <= 0 || Chance(35)) return Leaf();
    const unsigned r = static_cast<unsigned>(rng_() % 100);
    if (r < 40) {
      std::vector<Query::Clause> clauses;
      const std::size_t n = 1 + Pick(3);
      for (std::size_t i = 0; i < n; ++i) {
        const unsigned o = static_cast<unsigned>(rng_() % 100);
        Occur occ = o < 35 ? Occur::kMust : o < 80 ? Occur::kShould : Occur::kMustNot;
        if (!o_.negations && occ == Occur::kMustNot) occ = Occur::kShould;
        clauses.push_back({occ, Any(depth - 1)});
      }
      return Query::Bool(std::move(clauses));
    }
    if (r < 60) {
      std::vector<Query> qs;
      const std::size_t n = 2 + Pick(2);
      for (std::size_t i = 0; i < n; ++i) qs.push_back(Any(depth - 1));
      return Query::And(std::move(qs));
    }
    if (r < 80) {
      std::vector<Query> qs;
      const std::size_t n = 2 + Pick(2);
      for (std::size_t i = 0; i < n; ++i) qs.push_back(Any(depth - 1));
      return Query::Or(std::move(qs));
    }
    if (r < 88 && o_.negations) return Query::Not(Any(depth - 1));
    if (o_.boosts) {
      static const float kBoosts[] = {0.0f, 0.5f, 2.0f, 3.25f, 1.0f};
      return Query::Boost(Any(depth - 1), kBoosts[Pick(std::size(kBoosts))]);
    }
    return Leaf();
  }

  Query Leaf() {
    const unsigned r = static_cast<unsigned>(rng_() % 100);
    if (r < 3 && o_.match_all) return Query::MatchAll();
    if (r < 4 && o_.match_all) return Query::MatchNone();
    if (r < 20) return TermLeaf();
    if (r < 27 && o_.stems) return StemLeaf();
    if (r < 47) return TextLeaf();
    if (r < 67) return PhraseLeaf();
    if (r < 77) return TermPhraseLeaf();
    if (r < 87) return NearLeaf();
    if (r < 95 && o_.prefixes) return PrefixLeaf();
    return TextLeaf();
  }

  // A field name for a text leaf: one text field or "".
  std::string TextFieldName(std::size_t* field) {
    const std::size_t i = Pick(text_fields_.size() + 1);
    if (i == text_fields_.size()) {
      *field = text_fields_[Pick(text_fields_.size())];
      return "";
    }
    *field = text_fields_[i];
    return oracle_.schema().fields()[*field].name;
  }

  const FieldData* RandomField(std::size_t field) {
    const auto& docs = oracle_.docs();
    for (int attempt = 0; attempt < 20; ++attempt) {
      const DocData& d = docs[Pick(docs.size())];
      if (!d.fields[field].tokens.empty() || !d.fields[field].exact.empty()) {
        return &d.fields[field];
      }
    }
    return nullptr;
  }

  std::string ExactTerm(std::size_t field) {
    const FieldData* fd = RandomField(field);
    if (fd == nullptr || Chance(10)) return Chance(50) ? "zzqxv" : words_.Plain();
    if (fd->tokens.empty()) {  // keyword
      auto it = fd->exact.begin();
      std::advance(it, static_cast<long>(Pick(fd->exact.size())));
      return it->first;
    }
    for (;;) {
      const Token& t = fd->tokens[Pick(fd->tokens.size())];
      if (t.kind != TokenKind::kStem) return t.term;
    }
  }

  Query TermLeaf() {
    if (o_.keyword && !keyword_fields_.empty() && Chance(15)) {
      const std::size_t f = keyword_fields_[Pick(keyword_fields_.size())];
      static const char* kValues[] = {"world", "sport", "tech", "science", "art",
                                      "world-news", "none"};
      return Query::Term(oracle_.schema().fields()[f].name, kValues[Pick(std::size(kValues))]);
    }
    std::size_t f;
    std::string name = TextFieldName(&f);
    return Query::Term(name, ExactTerm(f));
  }

  Query StemLeaf() {
    std::size_t f;
    std::string name = TextFieldName(&f);
    // Stems come from a stemmed field (the term may not exist elsewhere).
    std::size_t sf = f;
    for (std::size_t t : text_fields_) {
      if (!oracle_.schema().fields()[t].analyzer.stem_language.empty()) sf = t;
    }
    const FieldData* fd = RandomField(sf);
    std::string term = "zzqxv";
    if (fd != nullptr && !fd->tokens.empty()) {
      for (int i = 0; i < 50; ++i) {
        const Token& t = fd->tokens[Pick(fd->tokens.size())];
        if (t.kind == TokenKind::kStem) {
          term = t.term;
          break;
        }
      }
    }
    return Query::Term(name, term, TermKind::kStem);
  }

  // Consecutive surface words of a stored value.
  std::vector<std::string> SurfaceSlice(std::size_t field, std::size_t n) {
    const FieldData* fd = RandomField(field);
    std::vector<std::string> out;
    if (fd == nullptr || fd->values.empty()) return out;
    const std::string& v = fd->values[Pick(fd->values.size())];
    std::vector<std::string> w;
    std::size_t i = 0;
    while (i < v.size()) {
      std::size_t j = v.find(' ', i);
      if (j == std::string::npos) j = v.size();
      if (j > i) w.push_back(v.substr(i, j - i));
      i = j + 1;
    }
    if (w.empty()) return out;
    const std::size_t start = Pick(w.size());
    for (std::size_t k = start; k < w.size() && out.size() < n; ++k) out.push_back(w[k]);
    return out;
  }

  static std::string Join(const std::vector<std::string>& w) {
    std::string s;
    for (const std::string& x : w) {
      if (!s.empty()) s += ' ';
      s += x;
    }
    return s;
  }

  Query TextLeaf() {
    std::size_t f;
    std::string name = TextFieldName(&f);
    std::vector<std::string> w;
    if (Chance(60)) w = SurfaceSlice(f, 1 + Pick(3));
    const std::size_t extra = w.empty() ? 1 + Pick(3) : Pick(2);
    for (std::size_t i = 0; i < extra; ++i) {
      w.insert(w.begin() + static_cast<long>(Pick(w.size() + 1)), words_.Surface());
    }
    return Query::Text(name, Join(w), Chance(50) ? DefaultOperator::kAnd : DefaultOperator::kOr);
  }

  std::uint32_t Slop() {
    return Chance(50) ? 0 : static_cast<std::uint32_t>(1 + Pick(3));
  }

  Query PhraseLeaf() {
    std::size_t f;
    std::string name = TextFieldName(&f);
    std::vector<std::string> w = SurfaceSlice(f, 1 + Pick(4));
    if (w.empty()) w.push_back(words_.Surface());
    if (w.size() >= 3 && Chance(20)) w.erase(w.begin() + 1);
    if (w.size() >= 2 && Chance(10)) std::swap(w[0], w[1]);
    if (Chance(10)) w.push_back(words_.Surface());
    return Query::Phrase(name, Join(w), Slop());
  }

  // Exact terms of consecutive words (token ends chained) of a field.
  std::vector<std::string> TermChain(std::size_t field, std::size_t n) {
    std::vector<std::string> out;
    const FieldData* fd = RandomField(field);
    if (fd == nullptr || fd->tokens.empty()) return out;
    std::vector<const Token*> exact;
    for (const Token& t : fd->tokens) {
      if (t.kind != TokenKind::kStem) exact.push_back(&t);
    }
    if (exact.empty()) return out;
    const Token* cur = exact[Pick(exact.size())];
    out.push_back(cur->term);
    while (out.size() < n) {
      std::vector<const Token*> next;
      for (const Token* t : exact) {
        if (t->position == cur->position + cur->position_length) next.push_back(t);
      }
      if (next.empty()) break;
      cur = next[Pick(next.size())];
      out.push_back(cur->term);
    }
    return out;
  }

  Query TermPhraseLeaf() {
    std::size_t f;
    std::string name = TextFieldName(&f);
    std::vector<std::string> t = TermChain(f, 1 + Pick(4));
    if (t.empty()) t.push_back(words_.Plain());
    if (t.size() >= 3 && Chance(20)) t.erase(t.begin() + 1);
    if (t.size() >= 2 && Chance(10)) std::swap(t[0], t[1]);
    return Query::TermPhrase(name, t, Slop());
  }

  Query NearLeaf() {
    std::size_t f;
    std::string name = TextFieldName(&f);
    std::vector<std::string> terms;
    const FieldData* fd = RandomField(f);
    if (fd != nullptr && !fd->tokens.empty()) {
      std::vector<const Token*> exact;
      for (const Token& t : fd->tokens) {
        if (t.kind != TokenKind::kStem) exact.push_back(&t);
      }
      const Token* first = exact[Pick(exact.size())];
      std::vector<const Token*> window;
      for (const Token* t : exact) {
        if (t->position >= first->position && t->position < first->position + 6) {
          window.push_back(t);
        }
      }
      const std::size_t n = 1 + Pick(3);
      for (std::size_t i = 0; i < n; ++i) terms.push_back(window[Pick(window.size())]->term);
    }
    if (terms.empty() || Chance(10)) terms.push_back(words_.Plain());
    std::shuffle(terms.begin(), terms.end(), rng_);
    const std::uint32_t window = Chance(3) ? 0 : static_cast<std::uint32_t>(1 + Pick(8));
    return Query::Near(name, terms, window);
  }

  Query PrefixLeaf() {
    if (o_.keyword && !keyword_fields_.empty() && Chance(10)) {
      const std::size_t f = keyword_fields_[Pick(keyword_fields_.size())];
      static const char* kPrefixes[] = {"wor", "world", "s", "te", "x"};
      return Query::Prefix(oracle_.schema().fields()[f].name, kPrefixes[Pick(std::size(kPrefixes))]);
    }
    std::size_t f;
    std::string name = TextFieldName(&f);
    std::string term = ExactTerm(f);
    std::size_t len = std::min(term.size(), 2 + Pick(3));
    for (;;) {
      while (len < term.size() && (static_cast<unsigned char>(term[len]) & 0xC0) == 0x80) ++len;
      std::string p = term.substr(0, len);
      std::size_t most = 0;
      for (std::size_t t : text_fields_) {
        if (name.empty() || t == f) {
          most = std::max(most, oracle_.PrefixExpansions(t, p).size());
        }
      }
      if (most <= o_.max_prefix_expansions || len >= term.size()) break;
      ++len;
    }
    std::string p = term.substr(0, len);
    if (Chance(20)) {
      for (char& c : p) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
      }
    }
    return Query::Prefix(name, p);
  }

 private:
  std::mt19937_64& rng_;
  Oracle& oracle_;
  WordSource& words_;
  QueryGenOptions o_;
  std::vector<std::size_t> text_fields_, keyword_fields_;
};

}  // namespace quarry::oracle

#endif  // QUARRY_TESTS_SEARCH_SEARCH_TEST_UTIL_H_
