// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Queries: an immutable tree built by programs with the factory functions
// below, or parsed from what people type (ParseQuery).
//
//   using quarry::Query;
//   Query q = Query::And({Query::Text("body", "Bayramov"),
//                         Query::Phrase("", "Nagorno-Karabakh talks"),
//                         Query::Not(Query::Term("lang", "ru"))});
//
// Semantics (the search layer and the test oracles implement exactly this):
//
//  * Field: a leaf names one field, or "" for every text field of the schema
//    (the leaf then matches when it matches in any of them and scores the sum
//    of its per-field scores). For Text, each word may match in any field:
//    Text("", "a b") is (title:a body:a) (title:b body:b), combined with `op`
//    (when fields analyze the text into different numbers of words, each
//    field is one clause instead).
//  * Term(field, term): the exact index term `term` (no analysis; keyword
//    values, or text terms as the analyzer produced them). TermKind::kStem
//    matches the Snowball stem tokens of a text field instead.
//  * Text(field, text): `text` is analyzed with the field's analyzer into
//    words; the words are combined with `op`. A word with one part matches
//    its term (its stem when the field has stemming on). A compound word
//    (`Nagorno-Karabakh`) matches as the phrase of its parts or its joined
//    form (`nagornokarabakh`) - see Phrase.
//  * Phrase(field, text, slop): the analyzed words at consecutive positions.
//    Each word matches at position p as its parts (each part at the position
//    where the previous one ended) or as its joined form; a document token
//    covers `position_length` positions, so the next word must start where
//    the matched token ends. Phrases always match exact terms, never stems.
//    With slop N > 0 the words must appear in order, without overlap, with
//    at most N positions in total between consecutive words.
//    A phrase's frequency in a document is the number of distinct positions
//    where a match starts.
//  * TermPhrase(field, terms, slop): a phrase of exact terms, one per word.
//  * Near(field, terms, window): every term occurs, in any order, within
//    a window: positions p_1..p_k (one per listed term; a term listed twice
//    needs two distinct positions) with max(p) - min(p) < window. Its
//    frequency is the number of distinct positions where such a window can
//    start (the smallest matched position). Window 0 matches nothing.
//  * Prefix(field, prefix): every exact term of the field that starts with
//    `prefix` (after the field's normalization), scored as an OR of those
//    terms. The number of expansions is limited (SearchOptions).
//  * And / Or / Not, and Bool for the general form: a document matches when
//    it matches every `must` clause, no `must_not` clause, and - when there
//    is no must clause - at least one `should` clause. Its score is the sum
//    of the scores of the matching must and should clauses. A query made
//    only of must_not clauses matches every other document with score 0.
//  * Boost(q, f) multiplies q's scores by f (f >= 0).
//  * MatchAll scores 0 for every document; MatchNone matches nothing.
#ifndef QUARRY_QUERY_H_
#define QUARRY_QUERY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/status.h"

namespace quarry {

enum class TermKind : std::uint8_t { kExact = 0, kStem = 1 };
enum class Occur : std::uint8_t { kMust = 0, kShould = 1, kMustNot = 2 };
enum class DefaultOperator : std::uint8_t { kOr = 0, kAnd = 1 };

class Query {
 public:
  enum class Kind : std::uint8_t {
    kMatchAll,
    kMatchNone,
    kTerm,
    kText,
    kPhrase,      // from text
    kTermPhrase,  // from exact terms
    kNear,
    kPrefix,
    kBool,
    kBoost,
  };

  struct Clause;

  // The node. Queries share nodes; a node never changes once built.
  struct Node {
    Kind kind = Kind::kMatchNone;
    std::string field;               // leaves: field name, "" = all text fields
    std::string text;                // kTerm term, kText/kPhrase text, kPrefix prefix
    std::vector<std::string> terms;  // kTermPhrase, kNear
    TermKind term_kind = TermKind::kExact;  // kTerm
    DefaultOperator op = DefaultOperator::kOr;  // kText
    std::uint32_t slop = 0;          // kPhrase, kTermPhrase; window for kNear
    float boost = 1.0f;              // kBoost
    std::vector<Clause> clauses;     // kBool; kBoost has one must clause
  };

  Query();  // MatchNone

  static Query MatchAll();
  static Query MatchNone();
  static Query Term(std::string field, std::string term,
                    TermKind kind = TermKind::kExact);
  static Query Text(std::string field, std::string text,
                    DefaultOperator op = DefaultOperator::kOr);
  static Query Phrase(std::string field, std::string text, std::uint32_t slop = 0);
  static Query TermPhrase(std::string field, std::vector<std::string> terms,
                          std::uint32_t slop = 0);
  static Query Near(std::string field, std::vector<std::string> terms,
                    std::uint32_t window);
  static Query Prefix(std::string field, std::string prefix);
  static Query Bool(std::vector<Clause> clauses);
  static Query And(std::vector<Query> queries);  // all must
  static Query Or(std::vector<Query> queries);   // all should
  static Query Not(Query query);                 // one must_not clause
  static Query Boost(Query query, float factor);

  Kind kind() const { return node_->kind; }
  const Node& node() const { return *node_; }

  // A canonical, human-readable form (also used by tests), e.g.
  //   (+body:"bayramov" -lang:ru)   "phrase text"~2   title:pre*   x^2
  std::string ToString() const;

 private:
  explicit Query(std::shared_ptr<const Node> node) : node_(std::move(node)) {}
  std::shared_ptr<const Node> node_;
};

struct Query::Clause {
  Occur occur = Occur::kShould;
  Query query;
};

// ----------------------------------------------------------------------------
// The query parser: syntax for people.
//
//   word            a Text query of the word in the default fields
//   "a phrase"      a Phrase; "a phrase"~N gives it slop N
//   +word  -word    required / excluded (also +"phrase", -(group))
//   a AND b, a OR b, NOT a, a && b, a || b, !a   (AND binds tighter than OR)
//   ( ... )         grouping
//   field:word  field:"phrase"  field:(a b)      restrict to a field
//   pre*            prefix query (at least one character before the `*`)
//   word^2          boost
//
// Words go through the field's Analyzer, so `Nagorno-Karabakh` is one
// compound word (a hyphen inside a word never means NOT), `Türkiye’s` finds
// `Türkiye`, and `U.S.` finds `US`. `name:` is a field only when `name` is
// one of ParseOptions::fields; otherwise the colon is ordinary text (so
// `Note: http://x` is not an error). Operators are recognized only in upper
// case.
struct QueryParseOptions {
  // How adjacent clauses without an operator combine.
  DefaultOperator default_operator = DefaultOperator::kOr;
  // Fields the user may name with `field:`. Unknown names are plain text.
  std::vector<std::string> fields;
  // Fields searched when none is named ("" = every text field).
  std::string default_field;
  // Literal mode: no syntax at all; the whole input is one Text query. Never
  // fails.
  bool literal = false;
  // Limits: clauses in the whole query, nesting depth of parentheses, input
  // length in bytes.
  std::size_t max_clauses = 1024;
  std::size_t max_depth = 32;
  std::size_t max_length = 64 * 1024;
};

// A syntax error: InvalidArgument with a message of the form
// "query syntax error at byte 7: missing closing quote"; the offset is also
// stored in *error_offset when given.
Result<Query> ParseQuery(std::string_view text, const QueryParseOptions& options = {},
                         std::size_t* error_offset = nullptr);

}  // namespace quarry

#endif  // QUARRY_QUERY_H_
