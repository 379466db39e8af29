// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Searching a snapshot: ranked top-k with BM25, exact counts, paging, stored
// fields, highlighted snippets and score explanations.
//
//   auto reader = quarry::IndexReader::Open("/data/news").value();
//   auto searcher = quarry::Searcher::Create(reader).value();
//   auto query = searcher->Parse("\"Jeyhun Bayramov\" Nagorno-Karabakh").value();
//   auto result = searcher->Search(query, {.limit = 10}).value();
//   for (const quarry::Hit& hit : result.hits) ... hit.id, hit.score
//
// Ranking is BM25 with Lucene's non-negative idf:
//   idf(t)    = ln(1 + (N - df + 0.5) / (df + 0.5))
//   score(t)  = boost * idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))
// where, for a text field, N is the number of documents with the field, df
// the number of documents containing the term in that field, dl the
// document's field length in positions and avgdl the field's mean length,
// all over the whole snapshot (deleted-but-unmerged documents included, as in
// Lucene). Keyword terms have no length: their dl / avgdl is 1 and N is the
// number of documents. boost = the field's schema boost times every Boost
// above the leaf. A phrase scores like a term whose idf is the sum of its
// words' idfs (a compound word counts the larger of its parts' sum and its
// joined form) and whose tf is the phrase frequency (query.h); Near likewise,
// with the sum of the idfs of its listed terms.
//
// Top-k uses block-max pruning (per-block frequency and length bounds kept in
// the index); it returns exactly the documents an exhaustive evaluation would,
// ties broken by ascending document order.
#ifndef QUARRY_SEARCH_H_
#define QUARRY_SEARCH_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/index.h"
#include "quarry/query.h"
#include "quarry/schema.h"
#include "quarry/status.h"

namespace quarry {

struct SearcherOptions {
  double k1 = 1.2;
  double b = 0.75;
  // A Prefix query expanding to more terms than this is an InvalidArgument
  // error (not a slow query).
  std::size_t max_prefix_expansions = 1024;
  // Leaves after rewriting (field expansion, compounds, prefixes).
  std::size_t max_leaves = 4096;
};

struct SnippetOptions {
  std::size_t max_bytes = 200;    // of original text in the window
  std::string pre_tag = "<b>";
  std::string post_tag = "</b>";
  bool escape_html = false;       // escape < > & " ' of the text (not the tags)
  std::string ellipsis = "…";     // added where the window cuts the text
};

struct SearchOptions {
  std::size_t limit = 10;
  std::size_t offset = 0;
  // Count matching documents exactly up to this many; beyond it the count may
  // be a lower bound (SearchResult::total_exact false) so that top-k can skip
  // non-competitive documents. UINT64_MAX = always exact.
  std::uint64_t total_hits_threshold = 1000;
  // Load stored fields into each hit (all of them when `fields` is empty).
  bool load_fields = true;
  std::vector<std::string> fields;
  // Text fields to make snippets of (stored text fields only).
  std::vector<std::string> snippet_fields;
  SnippetOptions snippet;
};

// A highlighted window of one stored field value.
struct Snippet {
  std::string field;
  std::string text;  // the window with tags (and ellipses) inserted
  // The window and the highlighted ranges as byte offsets into the stored
  // value (half-open; highlights ascending, not overlapping).
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> highlights;
};

struct Hit {
  std::string id;
  double score = 0;
  std::uint64_t doc = 0;  // snapshot-wide document number (unstable across commits)
  std::vector<std::pair<std::string, std::string>> fields;  // stored fields
  std::vector<Snippet> snippets;
};

struct SearchResult {
  std::vector<Hit> hits;
  std::uint64_t total_hits = 0;
  bool total_exact = true;  // false: total_hits is a lower bound
};

// Why a document got its score.
struct Explanation {
  double value = 0;
  std::string description;
  std::vector<Explanation> details;
  std::string ToString(int indent = 0) const;
};

// A searcher over one snapshot. Thread-safe: any number of threads may call
// it at once. Keep it as long as the snapshot; make a new one after Reopen.
class Searcher {
 public:
  static Result<std::unique_ptr<Searcher>> Create(
      std::shared_ptr<const IndexReader> reader, SearcherOptions options = {});
  ~Searcher();

  // Parses user query text with this index's fields (QueryParseOptions::fields
  // is filled from the schema when empty).
  Result<Query> Parse(std::string_view text, QueryParseOptions options = {},
                      std::size_t* error_offset = nullptr) const;

  Result<SearchResult> Search(const Query& query, const SearchOptions& options = {}) const;
  // The exact number of matching live documents (no scoring).
  Result<std::uint64_t> Count(const Query& query) const;
  // The score of the document with this id, explained; NotFound if absent.
  Result<Explanation> Explain(const Query& query, std::string_view id) const;

  const IndexReader& reader() const;
  const SearcherOptions& options() const;

  class Impl;

 private:
  explicit Searcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quarry

#endif  // QUARRY_SEARCH_H_
