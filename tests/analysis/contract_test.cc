// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The tokenization contract: a table of cases (contract_cases.inc), each with
// an input, the exact tokens it must produce (term, position, position
// length, byte offsets), and queries that must and must not match it.
//
// Query matching here is phrase matching over analyzed words, the way the
// search layer treats a quoted query: the query's words must occur at
// consecutive positions. A query word matches at position p either as its
// parts at p, p+1, ... or as its joined form at p. A document token covers
// `position_length` positions, so a joined document token (`nagornokarabakh`
// spanning 2) is followed by the token at p + 2.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "quarry/analyzer.h"

namespace quarry {
namespace {

struct Tok {
  std::string term;
  std::uint32_t position;
  std::uint32_t length;
  std::uint32_t start;
  std::uint32_t end;
};

struct ContractCase {
  const char* name;
  // "" (defaults), "turkic", "nofold", "turkic+nofold", "stem:<language>",
  // "nosplit".
  const char* options;
  const char* input;
  std::vector<Tok> tokens;          // every non-stem token, in order
  std::vector<const char*> match;     // queries that must match
  std::vector<const char*> no_match;  // queries that must not match
  std::vector<const char*> stems = {};  // stem tokens in order (stem: cases)
};

const ContractCase kCases[] = {
#include "contract_cases.inc"
};

AnalyzerOptions OptionsFor(const std::string& spec) {
  AnalyzerOptions o;
  if (spec.find("turkic") != std::string::npos) o.turkic_folding = true;
  if (spec.find("nofold") != std::string::npos) o.fold_diacritics = false;
  if (spec.find("nosplit") != std::string::npos) o.split_compounds = false;
  if (spec.rfind("stem:", 0) == 0) o.stem_language = spec.substr(5);
  return o;
}

// Positions of each exact term in a document, with the positions they span.
using DocIndex = std::multimap<std::string, std::pair<std::uint32_t, std::uint32_t>>;

// All positions where `term` at `p` can end (p + length of each match).
std::vector<std::uint32_t> EndsOf(const DocIndex& doc, const std::string& term,
                                  std::uint32_t p) {
  std::vector<std::uint32_t> out;
  auto [lo, hi] = doc.equal_range(term);
  for (auto it = lo; it != hi; ++it) {
    if (it->second.first == p) out.push_back(p + it->second.second);
  }
  return out;
}

bool MatchFrom(const DocIndex& doc, const std::vector<QueryWord>& words,
               std::size_t w, std::uint32_t p);

bool MatchParts(const DocIndex& doc, const std::vector<QueryWord>& words,
                std::size_t w, std::size_t part, std::uint32_t p) {
  const QueryWord& word = words[w];
  if (part == word.parts.size()) return MatchFrom(doc, words, w + 1, p);
  for (std::uint32_t next : EndsOf(doc, word.parts[part], p)) {
    if (MatchParts(doc, words, w, part + 1, next)) return true;
  }
  return false;
}

bool MatchFrom(const DocIndex& doc, const std::vector<QueryWord>& words,
               std::size_t w, std::uint32_t p) {
  if (w == words.size()) return true;
  if (MatchParts(doc, words, w, 0, p)) return true;
  if (!words[w].joined.empty()) {
    for (std::uint32_t next : EndsOf(doc, words[w].joined, p)) {
      if (MatchFrom(doc, words, w + 1, next)) return true;
    }
  }
  return false;
}

bool Matches(Analyzer& analyzer, const DocIndex& doc, const std::string& q) {
  auto query = analyzer.AnalyzeQuery(q);
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  if (!query.ok() || query->words.empty()) return false;
  std::uint32_t max_pos = 0;
  for (const auto& [term, span] : doc) max_pos = std::max(max_pos, span.first);
  for (std::uint32_t p = 0; p <= max_pos; ++p) {
    if (MatchFrom(doc, query->words, 0, p)) return true;
  }
  return false;
}

std::string Describe(const std::vector<Tok>& tokens) {
  std::string s;
  for (const Tok& t : tokens) {
    s += "    {\"" + t.term + "\", " + std::to_string(t.position) + ", " +
         std::to_string(t.length) + ", " + std::to_string(t.start) + ", " +
         std::to_string(t.end) + "},\n";
  }
  return s;
}

class ContractTest : public testing::TestWithParam<ContractCase> {};

TEST_P(ContractTest, TokensAndQueries) {
  const ContractCase& c = GetParam();
  auto analyzer = Analyzer::Create(OptionsFor(c.options));
  ASSERT_TRUE(analyzer.ok()) << analyzer.status().ToString();
  auto tokens = analyzer->Analyze(c.input);
  ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();

  std::vector<Tok> got;
  std::vector<std::string> stems;
  DocIndex doc;
  for (const Token& t : *tokens) {
    if (t.kind == TokenKind::kStem) {
      stems.push_back(t.term);
      continue;
    }
    EXPECT_EQ(t.kind == TokenKind::kJoined, t.position_length > 1) << t.term;
    got.push_back({t.term, t.position, t.position_length, t.start, t.end});
    doc.emplace(t.term, std::make_pair(t.position, t.position_length));
  }
  EXPECT_EQ(Describe(got), Describe(c.tokens)) << "input: " << c.input;
  if (!c.stems.empty()) {
    std::vector<std::string> want(c.stems.begin(), c.stems.end());
    EXPECT_EQ(stems, want) << "input: " << c.input;
  }
  for (const char* q : c.match) {
    EXPECT_TRUE(Matches(*analyzer, doc, q))
        << "query '" << q << "' should match '" << c.input << "'";
  }
  for (const char* q : c.no_match) {
    EXPECT_FALSE(Matches(*analyzer, doc, q))
        << "query '" << q << "' should not match '" << c.input << "'";
  }
}

std::string CaseName(const testing::TestParamInfo<ContractCase>& info) {
  return std::to_string(info.index) + "_" + info.param.name;
}

INSTANTIATE_TEST_SUITE_P(Contract, ContractTest, testing::ValuesIn(kCases),
                         CaseName);

TEST(ContractTable, HasAtLeast80Cases) {
  EXPECT_GE(std::size(kCases), 80u);
}

}  // namespace
}  // namespace quarry
