// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The Analyzer turns UTF-8 text into terms. One Analyzer serves documents and
// queries, so a word is never split one way in the index and another way in a
// query. The rules, in order (ARCHITECTURE.md has the table of cases):
//
//  1. Segmentation: Unicode word boundaries (UAX #29 as implemented by ICU,
//     with ICU's dictionaries for Chinese, Japanese, Thai, Lao, Khmer and
//     Burmese). Only segments that contain a letter, digit or ideograph become
//     terms; spaces and punctuation never do. Plain runs (ASCII, Latin,
//     Cyrillic, Greek, ...) take a fast path proven boundary-identical to ICU.
//  2. Normalization: NFKC case folding. `İ` folds to `i` (not `i̇`), so
//     `İstanbul`, `ISTANBUL` and `istanbul` are one term. Turkic folding
//     (`I` -> `ı`) only when AnalyzerOptions::turkic_folding is set.
//  3. Entity rules:
//     - apostrophes U+2019, U+2018, U+02BC and U+FF07 count as U+0027;
//     - an English possessive `'s` is dropped: `Türkiye’s` -> `turkiye`;
//     - hyphenated compounds (`Nagorno-Karabakh`), words with inner
//       apostrophes (`O'Brien`, `l'avion`, `Obama'nın`) and dotted names
//       (`example.com`, e-mail addresses) yield their parts at consecutive
//       positions plus the joined form (`nagornokarabakh`) at the first
//       part's position with position_length = number of parts;
//     - dotted acronyms collapse: `U.S.` -> `us`;
//     - numbers keep their inner punctuation: `3,000`, `1.5`, `v1.2`.
//  4. Diacritic folding (default on) for Latin and Greek letters plus a few
//     letters without a decomposition (`ı ə ø ł đ ħ æ œ`), and Russian `ё`.
//  5. Stemming (Snowball, optional): every term also gets a stem token
//     (TokenKind::kStem) at the same position. With diacritic folding on, the
//     stemmer sees the folded term, so spellings that fold together share
//     their stem (turn folding off for stemmers that need the diacritics,
//     e.g. Turkish). Exact terms are always kept,
//     so exact entity matching and phrases keep working with stemming on.
//  6. Terms longer than max_term_bytes are cut at a UTF-8 boundary; the rest
//     of the text is still analyzed. Nothing is ever dropped as a stop word.
#ifndef QUARRY_ANALYZER_H_
#define QUARRY_ANALYZER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/status.h"

namespace quarry {

// How an Analyzer treats text. The defaults suit multilingual news text.
struct AnalyzerOptions {
  // Fold diacritics on Latin and Greek letters, so `Turkiye` finds `Türkiye`
  // and `Azerbaycan` finds `Azərbaycan`. Turn off for fields where accents
  // distinguish words that must stay apart.
  bool fold_diacritics = true;

  // Turkish/Azerbaijani case folding: `I` -> `ı` and `İ` -> `i`. Off by
  // default because it breaks English (`IBM` would become `ıbm`); with
  // fold_diacritics on, `ı` folds to `i` again, so the option matters mainly
  // when diacritic folding is off.
  bool turkic_folding = false;

  // Drop an English possessive `'s` (also `’s`, `ʼs`, `＇s`).
  bool strip_possessive = true;

  // Emit compound parts plus the joined form for words joined by hyphens,
  // inner apostrophes, dots or `@`. When false, every such word yields only
  // its parts.
  bool split_compounds = true;

  // Snowball stemmer name ("english", "turkish", "german", "russian", ...;
  // see Analyzer::StemmerLanguages()), or empty for no stemming.
  std::string stem_language;

  // Terms are cut to at most this many bytes (at a code point boundary).
  // Must be in [4, 65535].
  std::size_t max_term_bytes = 128;

  // A compound with more parts than this is emitted as plain parts with no
  // joined form. Must be in [2, 64].
  std::size_t max_compound_parts = 8;
};

enum class TokenKind : std::uint8_t {
  kWord = 0,      // an ordinary term, or one part of a compound
  kJoined = 1,    // the joined form of a compound, spanning its parts
  kStem = 2,      // the Snowball stem of the term before it (same position)
};

// A token as the analyzer produces it. `term` points into the analyzer's own
// buffer and is valid only during the TokenSink call.
struct TokenView {
  std::string_view term;
  std::uint32_t position = 0;         // token ordinal, never a byte offset
  std::uint32_t position_length = 1;  // positions spanned (>1 for kJoined)
  std::uint32_t start = 0;            // byte offset into the input, inclusive
  std::uint32_t end = 0;              // byte offset into the input, exclusive
  TokenKind kind = TokenKind::kWord;
};

// An owning token.
struct Token {
  std::string term;
  std::uint32_t position = 0;
  std::uint32_t position_length = 1;
  std::uint32_t start = 0;
  std::uint32_t end = 0;
  TokenKind kind = TokenKind::kWord;

  friend bool operator==(const Token&, const Token&) = default;
};

// Receives tokens in order: positions never decrease, and at one position the
// exact term comes before its stem.
class TokenSink {
 public:
  virtual ~TokenSink() = default;
  virtual void OnToken(const TokenView& token) = 0;
};

// One word of a query as the analyzer sees it. A plain word has one part; a
// compound (`Nagorno-Karabakh`) has its parts, to be matched as a phrase, and
// the joined form as an alternative.
struct QueryWord {
  std::vector<std::string> parts;   // exact terms, consecutive positions
  std::string joined;               // joined form; empty unless parts.size()>1
  std::vector<std::string> stems;   // stem of each part (stemming on), or empty
  std::string joined_stem;          // stem of `joined` (stemming on), or empty
  std::uint32_t start = 0;          // byte offsets of the word in the query
  std::uint32_t end = 0;
};

// The result of analyzing query text: its words in order.
struct AnalyzedQuery {
  std::vector<QueryWord> words;
};

// Not thread-safe; use one per thread. Clone() makes another with the same
// options.
class Analyzer {
 public:
  // Checks the options and loads ICU data and the stemmer.
  static Result<Analyzer> Create(const AnalyzerOptions& options = {});

  Analyzer(Analyzer&&) noexcept;
  Analyzer& operator=(Analyzer&&) noexcept;
  ~Analyzer();

  Result<Analyzer> Clone() const;

  const AnalyzerOptions& options() const noexcept;

  // Analyzes `text` and passes each token to `sink`. Positions start at
  // `first_position`. Invalid UTF-8 is read as U+FFFD (which is never part of
  // a term), NUL bytes are ordinary separators. Fails only when `text` is 4 GiB
  // or larger (offsets are 32-bit) or when ICU fails internally.
  Status Analyze(std::string_view text, TokenSink& sink,
                 std::uint32_t first_position = 0);

  // Convenience: the tokens as a vector.
  Result<std::vector<Token>> Analyze(std::string_view text,
                                     std::uint32_t first_position = 0);

  // Analyzes query text (no query syntax: operators and quotes are the query
  // parser's job) into words.
  Result<AnalyzedQuery> AnalyzeQuery(std::string_view text);

  // The Snowball stemmer names available for AnalyzerOptions::stem_language.
  static std::vector<std::string> StemmerLanguages();

  // Internal state; defined in src/analysis.
  class Impl;

 private:
  explicit Analyzer(std::unique_ptr<Impl> impl) noexcept;
  std::unique_ptr<Impl> impl_;
};

}  // namespace quarry

#endif  // QUARRY_ANALYZER_H_
