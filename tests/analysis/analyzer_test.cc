// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Analyzer API behaviour and invariants on random and hostile input:
// offsets never go backwards, stay inside the input and on code point
// boundaries; positions never decrease; no empty terms; terms are capped at
// max_term_bytes and valid UTF-8; huge, binary and NUL-filled input is
// handled without a crash.
#include "quarry/analyzer.h"

#include <gtest/gtest.h>
#include <unicode/utf8.h>

#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "analysis/fast_paths.h"

namespace quarry {
namespace {

Analyzer Make(const AnalyzerOptions& o = {}) {
  auto a = Analyzer::Create(o);
  EXPECT_TRUE(a.ok()) << a.status().ToString();
  return std::move(a).value();
}

// Code point boundaries of `text` as ICU's UTF-8 decoding sees them (an
// ill-formed sequence is one unit), plus both ends.
std::vector<bool> CodePointBoundaries(std::string_view text) {
  std::vector<bool> at(text.size() + 1, false);
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto n = static_cast<std::int32_t>(text.size());
  at[0] = true;
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    at[static_cast<std::size_t>(i)] = true;
  }
  return at;
}

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const std::uint8_t*>(s.data());
  const auto n = static_cast<std::int32_t>(s.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) return false;
  }
  return true;
}

// Checks every invariant; returns the number of tokens.
class InvariantSink : public TokenSink {
 public:
  InvariantSink(std::string_view text, std::size_t max_term)
      : text_(text), max_term_(max_term), boundary_(CodePointBoundaries(text)) {}

  void OnToken(const TokenView& t) override {
    ++count;
    ASSERT_FALSE(t.term.empty());
    ASSERT_LE(t.term.size(), max_term_);
    ASSERT_TRUE(IsValidUtf8(t.term)) << testing::PrintToString(std::string(t.term));
    ASSERT_LT(t.start, t.end);
    ASSERT_LE(t.end, text_.size());
    ASSERT_TRUE(boundary_[t.start]) << t.start;
    ASSERT_TRUE(boundary_[t.end]) << t.end;
    ASSERT_GE(t.start, last_start_);  // offsets never go backwards
    ASSERT_GE(t.position, last_position_);
    ASSERT_GE(t.position_length, 1u);
    if (t.kind == TokenKind::kJoined) {
      ASSERT_GE(t.position_length, 2u);
    }
    last_start_ = t.start;
    last_position_ = t.position;
  }
  std::size_t count = 0;

 private:
  std::string_view text_;
  std::size_t max_term_;
  std::vector<bool> boundary_;
  std::uint32_t last_start_ = 0;
  std::uint32_t last_position_ = 0;
};

std::size_t CheckInvariants(Analyzer& a, std::string_view text) {
  InvariantSink sink(text, a.options().max_term_bytes);
  Status s = a.Analyze(text, sink);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return sink.count;
}

TEST(Analyzer, RejectsBadOptions) {
  AnalyzerOptions o;
  o.max_term_bytes = 2;
  EXPECT_EQ(Analyzer::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.max_compound_parts = 1;
  EXPECT_EQ(Analyzer::Create(o).status().code(), StatusCode::kInvalidArgument);
  o = {};
  o.stem_language = "klingon";
  auto r = Analyzer::Create(o);
  ASSERT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("english"), std::string::npos)
      << "the error should list the known languages: " << r.status().message();
}

TEST(Analyzer, StemmerLanguagesIncludeEnglishAndTurkish) {
  const auto langs = Analyzer::StemmerLanguages();
  const std::set<std::string> set(langs.begin(), langs.end());
  EXPECT_TRUE(set.count("english"));
  EXPECT_TRUE(set.count("turkish"));
  EXPECT_TRUE(set.count("russian"));
}

TEST(Analyzer, FirstPositionAndClone) {
  Analyzer a = Make();
  auto tokens = a.Analyze("peace talks", 100);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].position, 100u);
  EXPECT_EQ((*tokens)[1].position, 101u);
  auto clone = a.Clone();
  ASSERT_TRUE(clone.ok());
  auto again = clone->Analyze("peace talks", 100);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *tokens);
}

TEST(Analyzer, StemTokensFollowExactTerms) {
  AnalyzerOptions o;
  o.stem_language = "english";
  Analyzer a = Make(o);
  auto tokens = a.Analyze("Running talks");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 4u);
  EXPECT_EQ((*tokens)[0].term, "running");
  EXPECT_EQ((*tokens)[0].kind, TokenKind::kWord);
  EXPECT_EQ((*tokens)[1].term, "run");
  EXPECT_EQ((*tokens)[1].kind, TokenKind::kStem);
  EXPECT_EQ((*tokens)[1].position, 0u);
  EXPECT_EQ((*tokens)[3].term, "talk");
  EXPECT_EQ((*tokens)[3].position, 1u);
}

TEST(Analyzer, QueryWordsForCompoundsAndStems) {
  AnalyzerOptions o;
  o.stem_language = "english";
  Analyzer a = Make(o);
  auto q = a.AnalyzeQuery("Nagorno-Karabakh's talks");
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->words.size(), 2u);
  const QueryWord& w = q->words[0];
  EXPECT_EQ(w.parts, (std::vector<std::string>{"nagorno", "karabakh"}));
  EXPECT_EQ(w.joined, "nagornokarabakh");
  EXPECT_EQ(w.stems.size(), 2u);
  EXPECT_FALSE(w.joined_stem.empty());
  EXPECT_EQ(w.start, 0u);
  EXPECT_EQ(w.end, 16u);
  EXPECT_EQ(q->words[1].parts, (std::vector<std::string>{"talks"}));
  EXPECT_EQ(q->words[1].stems, (std::vector<std::string>{"talk"}));
  EXPECT_TRUE(q->words[1].joined.empty());
}

TEST(Analyzer, QueryOfOnlyPunctuationHasNoWords) {
  Analyzer a = Make();
  auto q = a.AnalyzeQuery(" -- ?! “” ");
  ASSERT_TRUE(q.ok());
  EXPECT_TRUE(q->words.empty());
}

TEST(Analyzer, LongTermIsCutAndTheRestStillIndexed) {
  Analyzer a = Make();
  const std::string text = std::string(1000, 'x') + " ümlaut " +
                           std::string(300, 'a') + "é" + " tail";
  auto tokens = a.Analyze(text);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 4u);
  EXPECT_EQ((*tokens)[0].term, std::string(128, 'x'));
  EXPECT_EQ((*tokens)[0].end, 1000u);  // offsets still cover the whole word
  EXPECT_EQ((*tokens)[1].term, "umlaut");
  EXPECT_EQ((*tokens)[2].term, std::string(128, 'a'));
  EXPECT_EQ((*tokens)[3].term, "tail");
  EXPECT_EQ((*tokens)[3].position, 3u);
}

TEST(Analyzer, CutNeverSplitsACodePoint) {
  AnalyzerOptions o;
  o.max_term_bytes = 5;
  Analyzer a = Make(o);
  auto tokens = a.Analyze("ééééé жжжжж");
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 2u);
  EXPECT_EQ((*tokens)[0].term, "eeeee");
  EXPECT_EQ((*tokens)[1].term, "жж");  // 4 bytes: a third ж would not fit
}

TEST(Analyzer, LongCompoundChainHasNoJoinedForm) {
  Analyzer a = Make();
  std::string text = "a";
  for (int i = 0; i < 20; ++i) text += "-b";
  auto tokens = a.Analyze(text);
  ASSERT_TRUE(tokens.ok());
  ASSERT_EQ(tokens->size(), 21u);
  for (std::size_t i = 0; i < tokens->size(); ++i) {
    EXPECT_EQ((*tokens)[i].kind, TokenKind::kWord);
    EXPECT_EQ((*tokens)[i].position, i);
  }
  auto q = a.AnalyzeQuery(text);
  ASSERT_TRUE(q.ok());
  ASSERT_EQ(q->words.size(), 1u);
  EXPECT_EQ(q->words[0].parts.size(), 21u);
  EXPECT_TRUE(q->words[0].joined.empty());
}

TEST(AnalyzerInvariants, InvalidUtf8NulAndControls) {
  Analyzer a = Make();
  const std::string inputs[] = {
      std::string("abc\xFF\xFE" "def", 8),
      std::string("\x80\x80\x80word\xC3", 8),
      std::string("nul\0inside\0\0words", 18),
      std::string("\xED\xA0\x80surrogate\xF4\x90\x80\x80toolarge", 25),
      std::string("\xE2\x80 truncated \xF0\x9F\x98", 17),
      "\x01\x02\x03\x7F tab\tnew\nline",
  };
  for (const std::string& text : inputs) {
    SCOPED_TRACE(testing::PrintToString(text));
    EXPECT_GT(CheckInvariants(a, text), 0u);
  }
  auto t = a.Analyze(std::string("x\0y", 3));
  ASSERT_TRUE(t.ok());
  ASSERT_EQ(t->size(), 2u);  // NUL separates words
}

TEST(AnalyzerInvariants, RandomBytesAndRandomPieces) {
  AnalyzerOptions stemmed;
  stemmed.stem_language = "english";
  AnalyzerOptions turkic;
  turkic.turkic_folding = true;
  turkic.fold_diacritics = false;
  turkic.max_term_bytes = 7;
  turkic.max_compound_parts = 2;
  Analyzer analyzers[] = {Make(), Make(stemmed), Make(turkic)};
  const std::vector<std::string> pieces = {
      "a", "B", "İ", "I", "ı", "é", "e\xCC\x81", "ß", "-", "‐", "'", "’",
      "s", "S", ".", "@", "_", "0", "9", ",", " ", "\n", "中文", "ไทย", "ж",
      "\xC2\xAD", "\xE2\x80\x8B", "\xFF", "\x80", "\xF0\x9F\x91\x8D", "ＡＢ",
      "ﬁ", "㍱", "ǅ", "\xEF\xBC\x8D", std::string(1, '\0')};
  std::mt19937 rng(42);
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 60);
    if (iter % 3 == 0) {
      for (int k = 0; k < n; ++k) text.push_back(static_cast<char>(rng()));
    } else {
      for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    }
    SCOPED_TRACE(testing::PrintToString(text));
    for (Analyzer& a : analyzers) {
      CheckInvariants(a, text);
      auto q = a.AnalyzeQuery(text);
      ASSERT_TRUE(q.ok());
      for (const QueryWord& w : q->words) {
        ASSERT_FALSE(w.parts.empty());
        for (const std::string& part : w.parts) ASSERT_FALSE(part.empty());
      }
      if (HasFatalFailure()) return;
    }
  }
}

TEST(AnalyzerInvariants, TenMegabyteDocuments) {
  Analyzer a = Make();
  constexpr std::size_t kSize = 10 << 20;
  {
    std::string one_word(kSize, 'a');  // a single 10 MB token
    EXPECT_EQ(CheckInvariants(a, one_word), 1u);
  }
  {
    std::string chain;  // a 10 MB hyphen chain
    while (chain.size() < kSize) chain += "ab-";
    chain += "end";
    EXPECT_GT(CheckInvariants(a, chain), 3u << 20);
  }
  {
    std::string text;  // 10 MB of mixed text
    const std::string sentence =
        "Türkiye’s envoy met Jeyhun Bayramov in İstanbul; Nagorno-Karabakh "
        "talks (3,000 troops, U.S. mediation) 東京都 ภาษาไทย \xFF ";
    while (text.size() < kSize) text += sentence;
    EXPECT_GT(CheckInvariants(a, text), 1u << 20);
  }
  {
    std::string binary(kSize, '\0');  // 10 MB of random bytes
    std::mt19937 rng(1);
    for (char& c : binary) c = static_cast<char>(rng());
    CheckInvariants(a, binary);
  }
}

TEST(Analyzer, AnalyzersOnSeveralThreads) {
  // One Analyzer per thread; each must see the same results.
  const std::string text = "Jeyhun Bayramov’s Nagorno-Karabakh remarks, 東京都";
  Analyzer base = Make();
  auto want = base.Analyze(text);
  ASSERT_TRUE(want.ok());
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      auto a = base.Clone();
      if (!a.ok()) return;
      bool same = true;
      for (int i = 0; i < 200; ++i) {
        auto got = a->Analyze(text);
        same = same && got.ok() && *got == *want;
      }
      ok[static_cast<std::size_t>(t)] = same ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok, std::vector<int>(4, 1));
}

// The analyzer's fast paths (analysis/fast_paths.h) against its general
// path: the same tokens (terms, positions, offsets, kinds) and the same query
// words, for several option sets, on random text made mostly of ASCII words
// with the separators, cases and lengths the fast paths must leave to the
// general path.
class FastPathsOff {
 public:
  FastPathsOff() { analysis::SetAnalyzerFastPaths(false); }
  ~FastPathsOff() { analysis::SetAnalyzerFastPaths(true); }
};

void ExpectSameQuery(const AnalyzedQuery& a, const AnalyzedQuery& b) {
  ASSERT_EQ(a.words.size(), b.words.size());
  for (std::size_t i = 0; i < a.words.size(); ++i) {
    EXPECT_EQ(a.words[i].parts, b.words[i].parts);
    EXPECT_EQ(a.words[i].joined, b.words[i].joined);
    EXPECT_EQ(a.words[i].stems, b.words[i].stems);
    EXPECT_EQ(a.words[i].joined_stem, b.words[i].joined_stem);
    EXPECT_EQ(a.words[i].start, b.words[i].start);
    EXPECT_EQ(a.words[i].end, b.words[i].end);
  }
}

TEST(AnalyzerFastPaths, SameTokensAsTheGeneralPath) {
  ASSERT_TRUE(analysis::AnalyzerFastPaths());
  std::vector<AnalyzerOptions> options(6);
  options[1].stem_language = "english";
  options[2].max_term_bytes = 5;
  options[2].max_compound_parts = 2;
  options[3].strip_possessive = false;
  options[3].split_compounds = false;
  options[4].fold_diacritics = false;
  options[5].turkic_folding = true;
  options[5].max_term_bytes = 4;
  std::vector<Analyzer> analyzers;
  for (const AnalyzerOptions& o : options) analyzers.push_back(Make(o));
  const std::vector<std::string> pieces = {
      "a", "Z", "word", "Words", "MiXeD", "x7", "42", "3", "I", "i", " ", " ",
      "  ", "\n", "\t", "-", "--", "'", "’", "s", "S", "'s", ".", "@", "_",
      "__", ",", ":", ";", "!", "(", ")", "/", "\"", "#", "$", "%", "+", "=",
      "U.S", "e.g.", "3.5", "1,000", "foo_bar", "a@b.c", "don't", "rock'n'roll",
      "abcdefghijklmnop", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "é", "É", "ß", "İ",
      "ﬁ", "Ａ", "中文", "\xC2\xAD", "\xCC\x81", "\xFF", "\x80",
      std::string(1, '\0'), "\x7F", "\x01"};
  std::mt19937 rng(7);
  for (int iter = 0; iter < 4000; ++iter) {
    std::string text;
    const int n = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) {
      // Mostly ASCII letters and digits, so that most segments are plain.
      if (rng() % 3 != 0) {
        const int len = 1 + static_cast<int>(rng() % 9);
        for (int c = 0; c < len; ++c) {
          const char* alnum =
              "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
          text.push_back(alnum[rng() % 62]);
        }
      } else {
        text += pieces[rng() % pieces.size()];
      }
    }
    SCOPED_TRACE(testing::PrintToString(text));
    for (Analyzer& a : analyzers) {
      auto fast = a.Analyze(text);
      auto fast_query = a.AnalyzeQuery(text);
      ASSERT_TRUE(fast.ok() && fast_query.ok());
      Result<std::vector<Token>> slow = std::vector<Token>{};
      Result<AnalyzedQuery> slow_query = AnalyzedQuery{};
      {
        FastPathsOff off;
        slow = a.Analyze(text);
        slow_query = a.AnalyzeQuery(text);
      }
      ASSERT_TRUE(slow.ok() && slow_query.ok());
      ASSERT_EQ(*fast, *slow);
      ExpectSameQuery(*fast_query, *slow_query);
      if (HasFailure()) return;
    }
  }
}

}  // namespace
}  // namespace quarry
