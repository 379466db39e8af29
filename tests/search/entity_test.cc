// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Entity search end to end: a small multilingual news corpus written for
// this test, queries as people type them (Searcher::Parse), and the exact
// set of documents each must find - including the near misses that must not
// match (`Bayram` for `Bayramov`, `Karabakh` alone for the phrase, `Turkey`
// for `Türkiye`, Cyrillic `Байрамов` for Latin `Bayramov`, `北方` for
// `北京`, `ผู้ชาย` for `ชายหาด`).
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "index/index_internal.h"
#include "quarry/index.h"
#include "quarry/query.h"
#include "quarry/search.h"
#include "store/directory.h"

namespace quarry {
namespace {

using internal::IndexAccess;

struct NewsItem {
  const char* id;
  const char* title;
  const char* body;
};

// Short news-like items in several languages. Each comment says which
// entity queries the item is there for.
const NewsItem kNews[] = {
    // Bayramov, "Jeyhun Bayramov", Nagorno-Karabakh (hyphenated).
    {"az-talks", "Bayramov meets Mirzoyan in Washington",
     "Azerbaijani Foreign Minister Jeyhun Bayramov met his Armenian counterpart "
     "Ararat Mirzoyan to discuss the Nagorno-Karabakh peace process."},
    // "Nagorno Karabakh" as two words.
    {"nk-two-words", "Peace talks on Nagorno Karabakh resume",
     "Negotiators said the settlement in Nagorno Karabakh needs more work."},
    // The joined spelling only.
    {"nk-joined", "NagornoKarabakh: the region explained",
     "Some maps spell the region NagornoKarabakh, without a hyphen."},
    // Karabakh and Nagorno, not adjacent: no phrase, no compound.
    {"karabakh-economy", "Karabakh economy grows",
     "Investment in Karabakh grew this year. Nagorno is a Russian word for "
     "mountainous."},
    // Bayram is not Bayramov.
    {"bayram-holiday", "Bayram holiday celebrated",
     "Families gathered for Kurban Bayram across the region."},
    // Bayramov, but not next to Jeyhun.
    {"two-names", "Officials named",
     "Jeyhun Aliyev and Elnur Bayramov are different people; Jeyhun was not "
     "at the meeting."},
    // Cyrillic: no transliteration to Latin.
    {"ru-bayramov", "Байрамов провёл переговоры",
     "Министр иностранных дел Азербайджана Джейхун Байрамов встретился с "
     "коллегой."},
    // Possessive of Bayramov.
    {"bayramov-possessive", "Bayramov’s statement welcomed",
     "Diplomats welcomed Bayramov's statement on the border commission."},
    // Upper case full name.
    {"upper-name", "JEYHUN BAYRAMOV IN BRUSSELS",
     "The minister arrived for talks with EU officials."},
    // Türkiye with diacritics, possessive and Turkish suffix; İstanbul.
    {"tr-president", "Türkiye’s president visits İstanbul",
     "Türkiye'nin en büyük şehri İstanbul, yeni bir köprü açtı."},
    // Turkiye without the diacritic.
    {"turkiye-greece", "Turkiye and Greece sign a deal",
     "The agreement covers energy and tourism."},
    {"tr-bank", "Central bank decision",
     "Türkiye’s central bank kept rates unchanged."},
    // Turkey is a different word.
    {"turkey-lira", "Turkey's lira weakens",
     "Markets reacted to the Turkish currency's fall."},
    // ISTANBUL in capitals and Istanbul with a dotless capital I.
    {"ist-exchange", "ISTANBUL STOCK EXCHANGE RALLIES",
     "Banks led the gains in heavy trading."},
    {"ist-airport", "Istanbul Airport traffic record",
     "Passenger numbers rose by a fifth."},
    // İstanbul'da: Turkish suffix after an apostrophe.
    {"ist-meeting", "Toplantı", "Bakanlar İstanbul'da bir araya geldi."},
    // Istanbul only as part of a longer word: no match.
    {"istanbulite", "Istanbulite artists", "Local painters opened a gallery."},
    // Chinese: 北京 and 东京 inside sentences.
    {"zh-capitals", "首都", "东京是日本的首都。北京是中国的首都。"},
    {"zh-trip", "出差", "我明天去北京出差。"},
    {"zh-north", "天气", "北方的天气很冷。"},        // 北 but not 北京
    {"zh-kyoto", "古都", "京都是日本的古都。"},      // 京 but neither capital
    {"zh-tokyo", "东京奥运会", "东京奥运会在二零二一年举行。"},
    // Thai: ชายหาด (beach) inside sentences, and ผู้ชาย (man) which is not it.
    {"th-beach", "ชายหาด", "ประเทศไทยมีชายหาดที่สวยงาม"},
    {"th-family", "ครอบครัว", "ฉันชอบไปชายหาดกับครอบครัว"},
    {"th-man", "ผู้ชาย", "ผู้ชายคนนั้นสูงมาก"},
    // Other languages, no entity of interest (or only near misses).
    {"de-talks", "Gespräche in Genf",
     "Die Außenminister sprachen über Bergkarabach und die Grenze."},
    {"fr-talks", "Négociations à Genève",
     "Les ministres de l'Azerbaïdjan et de l'Arménie se sont rencontrés."},
    {"es-weather", "Tiempo en Madrid", "Se esperan lluvias durante el fin de semana."},
    {"en-sport", "Football results", "The home side won three to one on Saturday."},
    {"az-news", "Azərbaycan xəbərləri", "Bakıda yeni metro stansiyası açıldı."},
};

class EntityTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = store::NewMemoryDirectory();
    IndexWriterOptions o;
    o.schema = Schema::Default();
    auto w = IndexAccess::OpenWriter(dir_, o);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    int i = 0;
    for (const NewsItem& n : kNews) {
      Document d;
      d.id = n.id;
      d.Add("title", n.title).Add("body", n.body);
      ASSERT_TRUE((*w)->Add(d).ok()) << n.id;
      if (++i % 8 == 0) {
        ASSERT_TRUE((*w)->Commit().ok());  // several segments
      }
    }
    ASSERT_TRUE((*w)->Commit().ok());
    auto r = IndexAccess::OpenReader(dir_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    reader_ = *r;
    auto s = Searcher::Create(reader_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    searcher_ = std::move(s).value();
  }

  std::set<std::string> Ids(const Query& q) {
    SearchOptions o;
    o.limit = std::size(kNews) + 1;
    o.total_hits_threshold = std::numeric_limits<std::uint64_t>::max();
    o.load_fields = false;
    auto r = searcher_->Search(q, o);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::set<std::string> ids;
    if (!r.ok()) return ids;
    for (const Hit& h : r->hits) ids.insert(h.id);
    auto count = searcher_->Count(q);
    EXPECT_TRUE(count.ok());
    if (count.ok()) {
      EXPECT_EQ(*count, ids.size()) << q.ToString();
    }
    return ids;
  }

  std::set<std::string> Parsed(const std::string& text) {
    auto q = searcher_->Parse(text);
    EXPECT_TRUE(q.ok()) << text << ": " << q.status().ToString();
    if (!q.ok()) return {};
    return Ids(*q);
  }

  std::shared_ptr<store::Directory> dir_;
  std::shared_ptr<const IndexReader> reader_;
  std::unique_ptr<Searcher> searcher_;
};

using Set = std::set<std::string>;

TEST_F(EntityTest, Bayramov) {
  EXPECT_EQ(Parsed("Bayramov"),
            (Set{"az-talks", "two-names", "bayramov-possessive", "upper-name"}));
  EXPECT_EQ(Parsed("bayramov"), Parsed("BAYRAMOV"));
  EXPECT_EQ(Parsed("Bayram"), (Set{"bayram-holiday"}));
  EXPECT_EQ(Parsed("Байрамов"), (Set{"ru-bayramov"}));
}

TEST_F(EntityTest, JeyhunBayramovPhrase) {
  EXPECT_EQ(Parsed("\"Jeyhun Bayramov\""), (Set{"az-talks", "upper-name"}));
  // Without quotes both words are enough (default OR), anywhere.
  EXPECT_EQ(Parsed("+Jeyhun +Bayramov"), (Set{"az-talks", "two-names", "upper-name"}));
  EXPECT_EQ(Parsed("\"Bayramov Jeyhun\""), Set{});
}

TEST_F(EntityTest, NagornoKarabakh) {
  // The compound: its parts as a phrase, or its joined form.
  EXPECT_EQ(Parsed("Nagorno-Karabakh"), (Set{"az-talks", "nk-two-words", "nk-joined"}));
  // The phrase of two words: the parts of the hyphenated form count, the
  // joined single word does not.
  EXPECT_EQ(Parsed("\"Nagorno Karabakh\""), (Set{"az-talks", "nk-two-words"}));
  // The joined form: written joined, or hyphenated (which indexes it).
  EXPECT_EQ(Parsed("NagornoKarabakh"), (Set{"az-talks", "nk-joined"}));
  // A phrase continuing after a joined token (position_length).
  EXPECT_EQ(Parsed("\"NagornoKarabakh peace\""), (Set{"az-talks"}));
  EXPECT_EQ(Parsed("\"Nagorno-Karabakh peace process\""), (Set{"az-talks"}));
  // Karabakh alone matches all its spellings with a separate part.
  EXPECT_EQ(Parsed("Karabakh"), (Set{"az-talks", "nk-two-words", "karabakh-economy"}));
  // Bergkarabach is a German word of its own.
  EXPECT_EQ(Parsed("Bergkarabach"), (Set{"de-talks"}));
}

TEST_F(EntityTest, Turkiye) {
  const Set want = {"tr-president", "turkiye-greece", "tr-bank"};
  EXPECT_EQ(Parsed("Türkiye"), want);
  EXPECT_EQ(Parsed("Turkiye"), want);
  EXPECT_EQ(Parsed("Türkiye's"), want);
  EXPECT_EQ(Parsed("Türkiye’s"), want);
  EXPECT_EQ(Parsed("TÜRKİYE"), want);
  EXPECT_EQ(Parsed("Turkey"), (Set{"turkey-lira"}));
}

TEST_F(EntityTest, Istanbul) {
  const Set want = {"tr-president", "ist-exchange", "ist-airport", "ist-meeting"};
  EXPECT_EQ(Parsed("İstanbul"), want);
  EXPECT_EQ(Parsed("istanbul"), want);
  EXPECT_EQ(Parsed("ISTANBUL"), want);
  EXPECT_EQ(Parsed("\"İstanbul Airport\""), (Set{"ist-airport"}));
}

TEST_F(EntityTest, Chinese) {
  EXPECT_EQ(Parsed("北京"), (Set{"zh-capitals", "zh-trip"}));
  EXPECT_EQ(Parsed("东京"), (Set{"zh-capitals", "zh-tokyo"}));
  EXPECT_EQ(Parsed("\"北京 出差\""), (Set{"zh-trip"}));
  // A query sentence is segmented like the documents.
  EXPECT_EQ(Parsed("\"去北京出差\""), (Set{"zh-trip"}));
  EXPECT_EQ(Parsed("京都"), (Set{"zh-kyoto"}));
}

TEST_F(EntityTest, Thai) {
  EXPECT_EQ(Parsed("ชายหาด"), (Set{"th-beach", "th-family"}));
  EXPECT_EQ(Parsed("ผู้ชาย"), (Set{"th-man"}));
  EXPECT_EQ(Parsed("\"ไปชายหาด\""), (Set{"th-family"}));
}

// The same entity queries built with the Query API give the same sets.
TEST_F(EntityTest, BuiltQueriesAgreeWithParsed) {
  EXPECT_EQ(Ids(Query::Text("", "Bayramov")), Parsed("Bayramov"));
  EXPECT_EQ(Ids(Query::Phrase("", "Jeyhun Bayramov")), Parsed("\"Jeyhun Bayramov\""));
  EXPECT_EQ(Ids(Query::Text("", "Nagorno-Karabakh")), Parsed("Nagorno-Karabakh"));
  EXPECT_EQ(Ids(Query::Phrase("", "Nagorno Karabakh")), Parsed("\"Nagorno Karabakh\""));
  EXPECT_EQ(Ids(Query::Text("", "Türkiye’s")), Parsed("Türkiye's"));
  EXPECT_EQ(Ids(Query::Text("body", "北京")), (Set{"zh-capitals", "zh-trip"}));
  EXPECT_EQ(Ids(Query::Term("title", "bayramov")),
            (Set{"az-talks", "bayramov-possessive", "upper-name"}));
  EXPECT_EQ(Ids(Query::TermPhrase("title", {"nagornokarabakh"})), (Set{"nk-joined"}));
  EXPECT_EQ(Ids(Query::And({Query::Text("", "Bayramov"), Query::Not(Query::Text("", "Jeyhun"))})),
            (Set{"bayramov-possessive"}));
}

// The best hit for an entity is the item about it (title boost 2).
TEST_F(EntityTest, TitleMatchesRankFirst) {
  auto q = searcher_->Parse("Bayramov");
  ASSERT_TRUE(q.ok());
  SearchOptions o;
  o.limit = 3;
  auto r = searcher_->Search(*q, o);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->hits.size(), 3u);
  const Set title_hits = {"az-talks", "bayramov-possessive", "upper-name"};
  for (const Hit& h : r->hits) EXPECT_TRUE(title_hits.count(h.id)) << h.id;
}

// Diacritic folding holds on stemmed fields too: an accented word and its
// folded spelling are one exact term, so they must get one stem; otherwise
// `election` misses `élection` in a stemmed field while the exact term and
// the phrase find it.
TEST(EntityStemming, AccentedAndFoldedSpellingsMatchInStemmedField) {
  Schema schema;
  AnalyzerOptions english;
  english.stem_language = "english";
  schema.AddText("body", false, english);
  auto dir = store::NewMemoryDirectory();
  IndexWriterOptions o;
  o.schema = schema;
  auto w = IndexAccess::OpenWriter(dir, o);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->Add(Document{"accented", {{"body", "Élection results and a résumé"}}}).ok());
  ASSERT_TRUE((*w)->Add(Document{"plain", {{"body", "election results and a resume"}}}).ok());
  ASSERT_TRUE((*w)->Commit().ok());
  auto s = Searcher::Create(IndexAccess::OpenReader(dir).value()).value();
  for (const char* word : {"election", "Élection", "resume", "résumé"}) {
    SCOPED_TRACE(word);
    for (const Query& q : {Query::Text("body", word), Query::Phrase("body", word)}) {
      auto n = s->Count(q);
      ASSERT_TRUE(n.ok());
      EXPECT_EQ(*n, 2u) << q.ToString();
    }
  }
}

}  // namespace
}  // namespace quarry
