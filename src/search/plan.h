// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// A query after rewriting against a schema: text analyzed with each field's
// analyzer, "" fields expanded to every text field, prefixes expanded to
// terms, boosts pushed down to the leaves. Leaves name one schema field and
// exact index keys. This is what scorers, snippets and test oracles consume.
#ifndef QUARRY_SRC_SEARCH_PLAN_H_
#define QUARRY_SRC_SEARCH_PLAN_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "quarry/analyzer.h"
#include "quarry/query.h"
#include "quarry/schema.h"
#include "quarry/search.h"
#include "quarry/status.h"

namespace quarry::search {

// One word of a phrase: it matches as any one of its alternatives; an
// alternative is a sequence of exact terms, each matched where the token of
// the previous one ended (position + position_length).
struct PhraseWord {
  std::vector<std::vector<std::string>> alternatives;
};

struct PlanNode {
  enum class Kind : std::uint8_t { kAll, kNone, kTerm, kPhrase, kNear, kBool };
  Kind kind = Kind::kNone;
  bool stem = false;       // kTerm: a stem term
  std::uint32_t slop = 0;  // kPhrase slop; kNear window
  std::size_t field = 0;   // leaves: schema field index
  double boost = 1.0;      // leaves: everything multiplied in
  std::string term;        // kTerm: the term (without the key byte)
  std::vector<PhraseWord> words;   // kPhrase
  std::vector<std::string> terms;  // kNear
  std::vector<PlanNode> must, should, must_not;  // kBool

  // Out of line (rewrite.cc): the implicit ones inline the destruction of
  // the whole tree, several levels deep, into every function that ends a
  // plan's life.
  PlanNode();
  PlanNode(const PlanNode&);
  PlanNode(PlanNode&&) noexcept;
  PlanNode& operator=(const PlanNode&);
  PlanNode& operator=(PlanNode&&) noexcept;
  ~PlanNode();

  std::string ToString(const Schema& schema) const;
};

// Lists the exact terms of a field starting with a prefix (over the whole
// snapshot), at most `limit` + 1 of them, sorted and unique.
using PrefixExpander = std::function<Result<std::vector<std::string>>(
    std::size_t field, const std::string& prefix, std::size_t limit)>;

// Analyzer for a field (schema index), asked for only when text is to be
// analyzed; the rewriter uses it from one thread.
using AnalyzerFor = std::function<Result<Analyzer*>(std::size_t field)>;

// Rewrites `query` into *out (a default PlanNode); an empty query becomes
// kNone.
Status Rewrite(const Query& query, const Schema& schema, const AnalyzerFor& analyzers,
               const PrefixExpander& expand, const SearcherOptions& options, PlanNode* out);

// What to highlight in one field: positive leaves (not under must_not) of
// the plan that name the field.
struct FieldHighlight {
  std::vector<std::string> terms;  // exact terms
  std::vector<std::string> stems;  // stem terms
  struct Phrase {
    std::vector<PhraseWord> words;
    std::uint32_t slop = 0;
  };
  std::vector<Phrase> phrases;     // phrases and compound words
  std::vector<std::vector<std::string>> nears;  // Near term sets
  std::vector<std::uint32_t> near_windows;
  bool empty() const {
    return terms.empty() && stems.empty() && phrases.empty() && nears.empty();
  }
};
FieldHighlight HighlightFor(const PlanNode& plan, std::size_t field);

// Makes the best snippet of `text` (a stored value of a text field analyzed
// by `analyzer`). Never fails: with nothing to highlight, the start of the
// text. Implemented in snippet.cc.
Snippet MakeSnippet(Analyzer& analyzer, std::string_view field_name,
                    std::string_view text, const FieldHighlight& highlight,
                    const SnippetOptions& options);

}  // namespace quarry::search

#endif  // QUARRY_SRC_SEARCH_PLAN_H_
