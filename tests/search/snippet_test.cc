// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// MakeSnippet: exact snippet strings for terms, stems, phrases (compound,
// sloppy), Near sets, window choice, ellipses, escaping and tags; byte
// offsets checked against std::string::find on the input, never against
// constants that assume an implementation; and hostile input (invalid UTF-8,
// random bytes, 1 MB values).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "search/plan.h"

namespace quarry::search {
namespace {

using Range = std::pair<std::uint32_t, std::uint32_t>;

// Time limit for the large inputs: about linear work takes well under a
// second in Debug; a quadratic pass over them takes minutes.
constexpr double kGenerousSeconds = 20.0;

Analyzer& Plain() {
  static Analyzer* analyzer =
      new Analyzer(std::move(Analyzer::Create().value()));
  return *analyzer;
}

Analyzer& English() {
  static Analyzer* analyzer = new Analyzer(
      std::move(Analyzer::Create({.stem_language = "english"}).value()));
  return *analyzer;
}

FieldHighlight Terms(std::vector<std::string> terms) {
  FieldHighlight h;
  h.terms = std::move(terms);
  return h;
}

// A phrase of single-term words.
FieldHighlight::Phrase TermPhrase(const std::vector<std::string>& terms,
                                  std::uint32_t slop = 0) {
  FieldHighlight::Phrase p;
  for (const std::string& t : terms) p.words.push_back(PhraseWord{{{t}}});
  p.slop = slop;
  return p;
}

// The compound word Nagorno-Karabakh: its parts, or its joined form.
PhraseWord NagornoKarabakh() {
  return PhraseWord{{{"nagorno", "karabakh"}, {"nagornokarabakh"}}};
}

Snippet Make(std::string_view text, const FieldHighlight& h,
             const SnippetOptions& o = {}, Analyzer& a = Plain()) {
  return MakeSnippet(a, "body", text, h, o);
}

// [pos of `needle` in `text`, + needle length) - found after `from`.
Range Find(const std::string& text, const std::string& needle,
           std::size_t from = 0) {
  const std::size_t at = text.find(needle, from);
  EXPECT_NE(at, std::string::npos) << needle;
  return {static_cast<std::uint32_t>(at),
          static_cast<std::uint32_t>(at + needle.size())};
}

// Invariants every snippet keeps.
void CheckInvariants(std::string_view text, const Snippet& s,
                     const SnippetOptions& o) {
  ASSERT_LE(s.start, s.end);
  ASSERT_LE(s.end, text.size());
  ASSERT_LE(s.end - s.start, o.max_bytes);
  std::uint32_t last = s.start;
  for (std::size_t i = 0; i < s.highlights.size(); ++i) {
    const auto [b, e] = s.highlights[i];
    ASSERT_LT(b, e);
    if (i == 0) {
      ASSERT_GE(b, last);
    } else {
      ASSERT_GT(b, last);  // merged: never touching
    }
    last = e;
  }
  ASSERT_LE(last, s.end);
  // Never inside a well-formed UTF-8 sequence.
  for (const std::uint32_t at : {s.start, s.end}) {
    if (at == 0 || at >= text.size()) continue;
    const auto c = static_cast<unsigned char>(text[at]);
    if ((c & 0xC0) != 0x80) continue;
    std::size_t lead = at;
    while (lead > 0 && at - lead < 3 &&
           (static_cast<unsigned char>(text[lead]) & 0xC0) == 0x80) {
      --lead;
    }
    const auto l = static_cast<unsigned char>(text[lead]);
    const std::size_t len = l >= 0xF0 ? 4 : l >= 0xE0 ? 3 : l >= 0xC0 ? 2 : 1;
    ASSERT_LE(lead + len, at) << "cut inside a sequence at " << at;
  }
}

// ---------------------------------------------------------------------------
// Terms, phrases, compounds.

const std::string kMinister = "Foreign Minister Jeyhun Bayramov met reporters.";

TEST(Snippet, SingleTerm) {
  const Snippet s = Make(kMinister, Terms({"bayramov"}));
  EXPECT_EQ(s.field, "body");
  EXPECT_EQ(s.text, "Foreign Minister Jeyhun <b>Bayramov</b> met reporters.");
  EXPECT_EQ(s.start, 0u);
  EXPECT_EQ(s.end, kMinister.size());
  EXPECT_EQ(s.highlights, std::vector<Range>{Find(kMinister, "Bayramov")});
}

TEST(Snippet, MultipleTerms) {
  const Snippet s = Make(kMinister, Terms({"reporters", "minister", "absent"}));
  EXPECT_EQ(s.text,
            "Foreign <b>Minister</b> Jeyhun Bayramov met <b>reporters</b>.");
  EXPECT_EQ(s.highlights, (std::vector<Range>{Find(kMinister, "Minister"),
                                              Find(kMinister, "reporters")}));
}

TEST(Snippet, PhraseIsOneRange) {
  FieldHighlight h;
  h.phrases.push_back(TermPhrase({"jeyhun", "bayramov"}));
  const Snippet s = Make(kMinister, h);
  EXPECT_EQ(s.text, "Foreign Minister <b>Jeyhun Bayramov</b> met reporters.");
  EXPECT_EQ(s.highlights,
            std::vector<Range>{Find(kMinister, "Jeyhun Bayramov")});

  // Words out of order, or apart, are not the phrase.
  EXPECT_EQ(Make("Bayramov Jeyhun", h).text, "Bayramov Jeyhun");
  EXPECT_EQ(Make("Jeyhun Aziz Bayramov", h).text, "Jeyhun Aziz Bayramov");
  // A term and a phrase over the same word merge into one range.
  h.terms = {"bayramov", "met"};
  const Snippet t = Make(kMinister, h);
  EXPECT_EQ(t.text,
            "Foreign Minister <b>Jeyhun Bayramov</b> <b>met</b> reporters.");
}

TEST(Snippet, HyphenatedCompoundPhrase) {
  FieldHighlight h;
  h.phrases.push_back({{NagornoKarabakh()}, 0});

  const std::string hyphen = "Talks on Nagorno-Karabakh resumed";
  Snippet s = Make(hyphen, h);
  EXPECT_EQ(s.text, "Talks on <b>Nagorno-Karabakh</b> resumed");
  EXPECT_EQ(s.highlights, std::vector<Range>{Find(hyphen, "Nagorno-Karabakh")});

  const std::string spaced = "Talks on Nagorno Karabakh resumed";
  s = Make(spaced, h);
  EXPECT_EQ(s.text, "Talks on <b>Nagorno Karabakh</b> resumed");
  EXPECT_EQ(s.highlights, std::vector<Range>{Find(spaced, "Nagorno Karabakh")});

  EXPECT_EQ(Make("NagornoKarabakh talks", h).text,
            "<b>NagornoKarabakh</b> talks");
  EXPECT_EQ(Make("Karabakh Nagorno", h).text, "Karabakh Nagorno");
  EXPECT_EQ(Make("Karabakh-Nagorno", h).text, "Karabakh-Nagorno");

  // The compound as the second word of a phrase: the next word starts where
  // the joined token ends, and both spellings work.
  FieldHighlight on;
  on.phrases.push_back(
      {{PhraseWord{{{"on"}}}, NagornoKarabakh(), PhraseWord{{{"resumed"}}}},
       0});
  EXPECT_EQ(Make(hyphen, on).text, "Talks <b>on Nagorno-Karabakh resumed</b>");
  EXPECT_EQ(Make(spaced, on).text, "Talks <b>on Nagorno Karabakh resumed</b>");
  EXPECT_EQ(Make("Talks on Karabakh resumed", on).text,
            "Talks on Karabakh resumed");
}

TEST(Snippet, CompoundPartsAsTerms) {
  const std::string text = "Nagorno-Karabakh";
  // Separate parts stay separate ranges (the hyphen is not highlighted).
  Snippet s = Make(text, Terms({"nagorno", "karabakh"}));
  EXPECT_EQ(s.text, "<b>Nagorno</b>-<b>Karabakh</b>");
  // The joined form overlaps its parts: one merged range.
  s = Make(text, Terms({"nagorno", "nagornokarabakh"}));
  EXPECT_EQ(s.text, "<b>Nagorno-Karabakh</b>");
  EXPECT_EQ(
      s.highlights,
      (std::vector<Range>{{0u, static_cast<std::uint32_t>(text.size())}}));
}

TEST(Snippet, Possessive) {
  const std::string text = "Türkiye’s economy grew";
  const Snippet s = Make(text, Terms({"turkiye"}));
  // Exactly the bytes the analyzer reports for the term: not the `’s`.
  const auto tokens = Plain().Analyze(text).value();
  ASSERT_FALSE(tokens.empty());
  EXPECT_EQ(tokens[0].term, "turkiye");
  EXPECT_EQ(s.highlights,
            (std::vector<Range>{{tokens[0].start, tokens[0].end}}));
  EXPECT_EQ(s.highlights[0], Find(text, "Türkiye"));
  EXPECT_EQ(s.text, "<b>Türkiye</b>’s economy grew");
}

TEST(Snippet, ChineseDictionarySegmentation) {
  // The phrase is whatever the analyzer makes of 東京都 (ICU's dictionary).
  FieldHighlight h;
  FieldHighlight::Phrase phrase;
  const std::vector<Token> tokens = Plain().Analyze("東京都").value();
  for (const Token& t : tokens) {
    if (t.kind != TokenKind::kStem)
      phrase.words.push_back(PhraseWord{{{t.term}}});
  }
  ASSERT_FALSE(phrase.words.empty());
  h.phrases.push_back(phrase);
  const std::string text = "我住在東京都的新宿區。";
  const Snippet s = Make(text, h);
  EXPECT_EQ(s.text, "我住在<b>東京都</b>的新宿區。");
  EXPECT_EQ(s.highlights, std::vector<Range>{Find(text, "東京都")});

  // A window smaller than the text is cut at token boundaries (no spaces in
  // the text), never inside a character.
  SnippetOptions o;
  o.max_bytes = 14;
  const Snippet cut = Make(text, h, o);
  CheckInvariants(text, cut, o);
  EXPECT_LE(cut.start, Find(text, "東京都").first);
  EXPECT_GE(cut.end, Find(text, "東京都").second);
  EXPECT_NE(cut.text.find("<b>東京都</b>"), std::string::npos);
}

TEST(Snippet, Stems) {
  const std::string text =
      "He talks; they talked. Talking is cheap, talkers said.";
  FieldHighlight h;
  h.stems = {"talk"};
  const Snippet s = Make(text, h, {}, English());
  EXPECT_EQ(s.text,
            "He <b>talks</b>; they <b>talked</b>. <b>Talking</b> is cheap, "
            "talkers said.");
  EXPECT_EQ(s.highlights,
            (std::vector<Range>{Find(text, "talks"), Find(text, "talked"),
                                Find(text, "Talking")}));
  // The exact term `talk` is not in the text; stems are not exact terms.
  EXPECT_TRUE(Make(text, Terms({"talk"}), {}, English()).highlights.empty());
}

TEST(Snippet, SloppyPhrases) {
  const std::string text = "Jeyhun Aziz oglu Bayramov spoke";
  FieldHighlight h;
  h.phrases.push_back(TermPhrase({"jeyhun", "bayramov"}, 2));
  Snippet s = Make(text, h);
  EXPECT_EQ(s.text, "<b>Jeyhun Aziz oglu Bayramov</b> spoke");
  EXPECT_EQ(s.highlights,
            std::vector<Range>{Find(text, "Jeyhun Aziz oglu Bayramov")});

  h.phrases[0].slop = 1;
  EXPECT_TRUE(Make(text, h).highlights.empty());

  // In order only.
  h.phrases[0] = TermPhrase({"bayramov", "jeyhun"}, 10);
  EXPECT_TRUE(Make(text, h).highlights.empty());

  // Slop counts positions between all consecutive words in total.
  const std::string abc = "a b c d e";
  h.phrases[0] = TermPhrase({"a", "c", "e"}, 1);
  EXPECT_EQ(Make(abc, h).text, "a b c d e");
  h.phrases[0].slop = 2;
  EXPECT_EQ(Make(abc, h).text, "<b>a b c d e</b>");
  // Non-overlapping: one token cannot serve two words.
  h.phrases[0] = TermPhrase({"c", "c"}, 3);
  EXPECT_EQ(Make(abc, h).text, "a b c d e");
  EXPECT_EQ(Make("c x c", h).text, "<b>c x c</b>");

  // The tightest match from a start is highlighted.
  h.phrases[0] = TermPhrase({"a", "b"}, 5);
  EXPECT_EQ(Make("a x b y b", h).text, "<b>a x b</b> y b");
}

TEST(Snippet, NearSets) {
  const std::string text = "Baku said talks between Baku and Yerevan resumed";
  FieldHighlight h;
  h.nears = {{"yerevan", "baku"}};
  h.near_windows = {3};
  Snippet s = Make(text, h);
  // Only the Baku within the window of Yerevan is highlighted.
  EXPECT_EQ(s.text,
            "Baku said talks between <b>Baku</b> and <b>Yerevan</b> resumed");
  EXPECT_EQ(s.highlights,
            (std::vector<Range>{Find(text, "Baku", 1), Find(text, "Yerevan")}));

  h.near_windows = {2};  // positions 4 and 6: 6 - 4 is not < 2
  EXPECT_TRUE(Make(text, h).highlights.empty());

  // Distinct positions: the joined form and its first part share one.
  FieldHighlight compound;
  compound.nears = {{"nagornokarabakh", "nagorno"}};
  compound.near_windows = {5};
  EXPECT_TRUE(Make("Nagorno-Karabakh", compound).highlights.empty());
  EXPECT_EQ(Make("Nagorno-Karabakh and Nagorno", compound).text,
            "<b>Nagorno-Karabakh</b> and <b>Nagorno</b>");
  // A repeated term needs two occurrences.
  FieldHighlight twice;
  twice.nears = {{"baku", "baku"}};
  twice.near_windows = {10};
  EXPECT_TRUE(Make("Baku and Yerevan", twice).highlights.empty());
  EXPECT_EQ(Make("Baku and Baku", twice).text, "<b>Baku</b> and <b>Baku</b>");
}

// ---------------------------------------------------------------------------
// Windows.

TEST(Snippet, EllipsesAndBoundaries) {
  const std::string text = "one two three four five six seven eight nine ten";
  SnippetOptions o;
  o.max_bytes = 15;
  Snippet s = Make(text, Terms({"five"}), o);
  EXPECT_EQ(s.text, "…four <b>five</b> six…");
  EXPECT_EQ(s.start, Find(text, "four").first);
  EXPECT_EQ(s.end, Find(text, "six").second);
  CheckInvariants(text, s, o);

  // At the start and at the end of the text: one ellipsis only.
  o.ellipsis = "...";
  EXPECT_EQ(Make(text, Terms({"one"}), o).text, "<b>one</b> two three...");
  s = Make(text, Terms({"ten"}), o);
  EXPECT_EQ(s.text, "...eight nine <b>ten</b>");
  EXPECT_EQ(s.end, text.size());

  // A window as large as the text: no ellipsis.
  o.max_bytes = text.size();
  EXPECT_EQ(Make(text, Terms({"five"}), o).text,
            "one two three four <b>five</b> six seven eight nine ten");
}

TEST(Snippet, WindowPicksDenseRegion) {
  std::string text;
  text += "Bayramov opened the meeting. ";
  for (int i = 0; i < 20; ++i)
    text += "Filler words about nothing in particular. ";
  const std::size_t dense = text.size();
  text += "Jeyhun Bayramov discussed Nagorno-Karabakh with Bayramov's team. ";
  for (int i = 0; i < 20; ++i) text += "More filler text follows here. ";
  text += "Karabakh Karabakh Karabakh.";

  FieldHighlight h;
  h.terms = {"bayramov", "karabakh"};
  h.phrases.push_back(TermPhrase({"jeyhun", "bayramov"}));
  SnippetOptions o;
  o.max_bytes = 80;
  const Snippet s = Make(text, h, o);
  CheckInvariants(text, s, o);
  EXPECT_EQ(s.text,
            "…particular. <b>Jeyhun Bayramov</b> discussed "
            "Nagorno-<b>Karabakh</b> with "
            "<b>Bayramov</b>'s team.…");
  // The covered matches are centred in the budget, then the window is cut
  // at spaces.
  EXPECT_EQ(s.start, text.rfind("particular.", dense));
  EXPECT_EQ(s.end, Find(text, "team.", dense).second);
  const Range phrase = Find(text, "Jeyhun Bayramov", dense);
  const Range karabakh = Find(text, "Karabakh", dense);
  const Range second = Find(text, "Bayramov", karabakh.second);
  EXPECT_EQ(s.highlights, (std::vector<Range>{phrase, karabakh, second}));

  // Equal distinct counts: more matches win, then the earliest.
  const std::string two = "x y filler filler filler filler filler x y x filler";
  o.max_bytes = 5;
  EXPECT_EQ(Make(two, Terms({"x", "y"}), o).text,
            "…<b>x</b> <b>y</b> <b>x</b>…");
  const std::string tie = "x y filler filler filler filler filler x y";
  EXPECT_EQ(Make(tie, Terms({"x", "y"}), o).text, "<b>x</b> <b>y</b>…");
}

TEST(Snippet, PhraseLongerThanWindow) {
  const std::string text =
      "intro text Jeyhun Aziz oglu Bayramov spoke at length";
  FieldHighlight h;
  h.phrases.push_back(TermPhrase({"jeyhun", "bayramov"}, 3));
  SnippetOptions o;
  o.max_bytes = 12;
  const Snippet s = Make(text, h, o);
  CheckInvariants(text, s, o);
  EXPECT_EQ(s.start, Find(text, "Jeyhun").first);
  EXPECT_EQ(s.text, "…<b>Jeyhun Aziz</b>…");  // clipped to the window
}

TEST(Snippet, HtmlEscaping) {
  const std::string text = "<script>alert('x')</script> & Bayramov said \"hi\"";
  SnippetOptions o;
  o.escape_html = true;
  const Snippet s = Make(text, Terms({"bayramov", "script"}), o);
  EXPECT_EQ(
      s.text,
      "&lt;<b>script</b>&gt;alert(&#39;x&#39;)&lt;/<b>script</b>&gt; &amp; "
      "<b>Bayramov</b> said &quot;hi&quot;");
  // Offsets stay in bytes of the unescaped input.
  EXPECT_EQ(s.highlights.back(), Find(text, "Bayramov"));
  o.escape_html = false;
  EXPECT_EQ(Make(text, Terms({"bayramov"}), o).text,
            "<script>alert('x')</script> & <b>Bayramov</b> said \"hi\"");
}

TEST(Snippet, CustomTags) {
  SnippetOptions o;
  o.pre_tag = "<em class=\"hit\">";
  o.post_tag = "</em>";
  o.escape_html = true;  // tags are never escaped
  EXPECT_EQ(
      Make(kMinister, Terms({"jeyhun"}), o).text,
      "Foreign Minister <em class=\"hit\">Jeyhun</em> Bayramov met reporters.");
  o.pre_tag = "[[";
  o.post_tag = "]]";
  EXPECT_EQ(Make("a b", Terms({"a", "b"}), o).text, "[[a]] [[b]]");
}

TEST(Snippet, NoMatchFallsBackToStart) {
  SnippetOptions o;
  o.max_bytes = 20;
  Snippet s = Make(kMinister, Terms({"absent"}), o);
  EXPECT_EQ(s.text, "Foreign Minister…");
  EXPECT_EQ(s.start, 0u);
  EXPECT_EQ(s.end, Find(kMinister, "Foreign Minister").second);
  EXPECT_TRUE(s.highlights.empty());
  EXPECT_EQ(Make(kMinister, FieldHighlight{}, o).text, "Foreign Minister…");
  o.max_bytes = 200;
  EXPECT_EQ(Make(kMinister, FieldHighlight{}, o).text, kMinister);

  // One long word: cut at a character boundary, never inside `é`.
  std::string word;
  for (int i = 0; i < 50; ++i) word += "é";
  o.max_bytes = 15;
  s = Make(word, FieldHighlight{}, o);
  CheckInvariants(word, s, o);
  const std::size_t seven = 7 * std::string("é").size();  // 14 bytes <= 15
  EXPECT_EQ(s.end, seven);
  EXPECT_EQ(s.text, word.substr(0, seven) + "…");
}

TEST(Snippet, EmptyText) {
  const Snippet s = Make("", Terms({"bayramov"}));
  EXPECT_EQ(s.field, "body");
  EXPECT_EQ(s.text, "");
  EXPECT_EQ(s.start, 0u);
  EXPECT_EQ(s.end, 0u);
  EXPECT_TRUE(s.highlights.empty());
  EXPECT_EQ(Make("   ", FieldHighlight{}).text, "   ");
}

TEST(Snippet, InvalidUtf8) {
  const std::string text = "a\xff\xfe Bayramov \xc3 said \xe2\x80 x\xf0\x9f";
  SnippetOptions o;
  Snippet s = Make(text, Terms({"bayramov", "said"}), o);
  CheckInvariants(text, s, o);
  EXPECT_EQ(s.highlights,
            (std::vector<Range>{Find(text, "Bayramov"), Find(text, "said")}));
  EXPECT_EQ(s.text,
            "a\xff\xfe <b>Bayramov</b> \xc3 <b>said</b> \xe2\x80 x\xf0\x9f");

  // Random bytes and random small windows: invariants, no crash.
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {
      "a",  "b", " ",   "-",        "\xff", "\xc3", "é", "東京",
      "’s", "'", "x.y", "\xe2\x80", "\n",   "<",    "&", "\xf0\x9f\x98\x80"};
  FieldHighlight h = Terms({"a", "b", "ab", "xy"});
  h.phrases.push_back(TermPhrase({"a", "b"}, 1));
  h.phrases.push_back({{PhraseWord{{{"x", "y"}, {"xy"}}}}, 0});
  h.nears = {{"a", "x"}};
  h.near_windows = {3};
  for (int round = 0; round < 300; ++round) {
    std::string t;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) {
      if (rng() % 4 == 0) {
        t += static_cast<char>(rng() % 256);
      } else {
        t += pieces[rng() % pieces.size()];
      }
    }
    o.max_bytes = rng() % 30;
    o.escape_html = rng() % 2;
    s = Make(t, h, o);
    CheckInvariants(t, s, o);
    if (::testing::Test::HasFatalFailure()) {
      ADD_FAILURE() << "round " << round;
      return;
    }
  }
}

TEST(Snippet, MegabyteText) {
  // 1 MB of text with the interesting part in the middle, many frequent
  // terms, and sloppy phrases and Near sets over them.
  std::string text;
  text.reserve(1 << 20);
  const std::string filler =
      "the talks on trade went on and on in the capital city. ";
  while (text.size() < (1 << 19)) text += filler;
  const std::size_t middle = text.size();
  text += "Jeyhun Bayramov spoke on Nagorno-Karabakh. ";
  while (text.size() < (1 << 20)) text += filler;

  FieldHighlight h;
  h.terms = {"talks", "trade"};
  h.phrases.push_back(TermPhrase({"jeyhun", "bayramov"}));
  h.phrases.push_back({{NagornoKarabakh()}, 0});
  h.phrases.push_back(TermPhrase({"on", "on", "in"}, 6));
  h.nears = {{"talks", "capital", "the"}};
  h.near_windows = {12};
  SnippetOptions o;
  const auto begin = std::chrono::steady_clock::now();
  const Snippet s = Make(text, h, o);
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  CheckInvariants(text, s, o);
  EXPECT_LE(s.start, middle);
  EXPECT_GE(s.end, Find(text, "Nagorno-Karabakh", middle).second);
  EXPECT_NE(s.text.find("<b>Jeyhun Bayramov</b>"), std::string::npos) << s.text;
  EXPECT_NE(s.text.find("<b>Nagorno-Karabakh</b>"), std::string::npos)
      << s.text;
  // Not a benchmark: a generous bound that only a quadratic pass would miss
  // (sanitizer builds included).
  EXPECT_LT(std::chrono::duration<double>(elapsed).count(), kGenerousSeconds);

  // No match at all in 1 MB: the start of the text.
  const Snippet none = Make(text, Terms({"absent"}), o);
  EXPECT_EQ(none.start, 0u);
  EXPECT_EQ(none.text.substr(0, 16), "the talks on tra");
  EXPECT_TRUE(none.highlights.empty());
  const Snippet nothing = Make(text, FieldHighlight{}, o);
  EXPECT_EQ(nothing.text, none.text);
  EXPECT_EQ(nothing.end, none.end);
}

TEST(Snippet, HugeSlopAndWholeTextWindow) {
  // Every `a` starts a match of "a b c"~huge that ends at the one `c` at the
  // very end; the search must not look at every later position from every
  // start (that would be quadratic here).
  std::string text;
  while (text.size() < 200000) text += "a b x ";
  text += "c";
  FieldHighlight h;
  h.phrases.push_back(TermPhrase({"a", "b", "c"}, 0xFFFFFFFFu));
  SnippetOptions o;
  o.max_bytes = static_cast<std::size_t>(-1);  // the whole text
  const auto begin = std::chrono::steady_clock::now();
  const Snippet s = Make(text, h, o);
  const auto elapsed = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(s.start, 0u);
  EXPECT_EQ(s.end, text.size());
  EXPECT_EQ(
      s.highlights,
      (std::vector<Range>{{0u, static_cast<std::uint32_t>(text.size())}}));
  EXPECT_EQ(s.text, "<b>" + text + "</b>");
  EXPECT_LT(std::chrono::duration<double>(elapsed).count(), kGenerousSeconds);

  // The slop is capped at max_bytes positions: a match wider than the
  // window could never be shown whole.
  std::string apart = "a b";
  for (int i = 0; i < 30; ++i) apart += " x";
  apart += " c";
  h.phrases[0].slop = 1000;
  o.max_bytes = 20;
  EXPECT_TRUE(Make(apart, h, o).highlights.empty());
  o.max_bytes = 100;
  EXPECT_EQ(Make(apart, h, o).text, "<b>" + apart + "</b>");
}

}  // namespace
}  // namespace quarry::search
