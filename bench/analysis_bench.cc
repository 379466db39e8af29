// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// analysis_bench: how fast quarry turns text into terms, against the
// baselines, in one run over the same text.
//
// Contenders (benchmark name = <contender>/<input>):
//   quarry_full                quarry::Analyzer, default options
//   quarry_full_stem_en        quarry::Analyzer, stem_language = "english"
//   icu_raw_words              ICU word BreakIterator over UTF-8 (UText),
//                              counting segments with a rule status other
//                              than UBRK_WORD_NONE; written here, not quarry's
//   quarry_segmenter_words     analysis::Segmenter::Words (fast path)
//   quarry_segmenter_icu_only  analysis::Segmenter::IcuOnlyWords
//   xapian_termgen             Xapian::TermGenerator, positions on, a fresh
//                              Xapian::Document per text document
//   xapian_termgen_stem_en     the same with Xapian::Stem("english")
// Inputs: `news` (English news) and `multilingual`.
//
// Flags (read and removed before Google Benchmark sees argv):
//   --news=PATH[,PATH...]          repeatable; English news text
//   --multilingual=PATH[,PATH...]  repeatable; multilingual text
//   --max-mb=N                     read at most N MB (10^6 bytes) per input
//                                  (default 32)
//   --text-doc-bytes=N             plain text is cut into documents of about
//                                  N bytes at line ends (default 1024)
// A file whose name ends in .jsonl/.ndjson/.json (optionally .gz) holds one
// JSON object per line; its "body" string, else its "text" string, is one
// document. Any other file is plain text. A file ending in .gz is read
// through `gzip -dc`. An input without flags is generated
// here: English-like news text or a mix of Latin, Turkish, Cyrillic, Greek,
// CJK, Thai, Korean, Arabic and Hebrew text, so the program always runs.
//
// Answer checks. At startup the (start, end) lists of Segmenter::Words and
// Segmenter::IcuOnlyWords are compared with raw ICU's on every document; a
// difference is printed with its offset and context. In the benchmarks a
// count of zero, a count that changes between iterations, or a segmentation
// count that differs from raw ICU's fails the benchmark (SkipWithError).
// Any failure makes the program exit with status 1.
//
// After the benchmarks a summary gives MB/s per contender and input and the
// ratios quarry-full / Xapian, quarry-full / raw ICU and Segmenter::Words /
// raw ICU.
#include <benchmark/benchmark.h>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/segmenter.h"
#include "corpus.h"
#include "quarry/analyzer.h"

namespace {

// From corpus.h.
using quarry_bench::Die;
using quarry_bench::EndsWith;
using quarry_bench::LineReader;
using quarry_bench::SplitCommaList;

// ---------------------------------------------------------------------------
// Inputs

struct Corpus {
  std::string name;    // "news" or "multilingual"
  std::string source;  // where the text came from
  bool generated = false;
  std::vector<std::string> docs;
  std::size_t bytes = 0;
  // Filled by the startup boundary check.
  std::uint64_t icu_words = 0;  // raw ICU word segments
  std::uint64_t segmenter_words = 0;
  std::uint64_t mismatched_docs = 0;  // Words or IcuOnlyWords != raw ICU
};

struct Options {
  std::vector<std::string> news;
  std::vector<std::string> multilingual;
  double max_mb = 32;
  std::size_t text_doc_bytes = 1024;
};

void PrintUsage() {
  std::printf(
      "analysis_bench flags (besides Google Benchmark's --benchmark_*):\n"
      "  --news=PATH[,PATH...]          English news text (repeatable)\n"
      "  --multilingual=PATH[,PATH...]  multilingual text (repeatable)\n"
      "  --max-mb=N                     at most N MB per input (default 32)\n"
      "  --text-doc-bytes=N             plain text document size (default "
      "1024)\n"
      "Files: .jsonl/.ndjson/.json (\"body\" or \"text\" field) or plain "
      "text, optionally .gz.\n"
      "An input without flags is generated.\n\n");
}

// Reads our flags and removes them from argv.
Options ParseFlags(int* argc, char** argv) {
  Options o;
  int out = 1;
  for (int i = 1; i < *argc; ++i) {
    const std::string_view arg = argv[i];
    auto value_of = [&](std::string_view flag, std::string* value) {
      return quarry_bench::FlagValue(*argc, argv, &i, flag, value);
    };
    std::string v;
    if (value_of("--news", &v)) {
      SplitCommaList(v, &o.news);
    } else if (value_of("--multilingual", &v)) {
      SplitCommaList(v, &o.multilingual);
    } else if (value_of("--max-mb", &v)) {
      char* end = nullptr;
      o.max_mb = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(o.max_mb > 0)) {
        Die("--max-mb wants a positive number, got '" + v + "'");
      }
    } else if (value_of("--text-doc-bytes", &v)) {
      char* end = nullptr;
      const long long n = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || n < 1) {
        Die("--text-doc-bytes wants a positive integer, got '" + v + "'");
      }
      o.text_doc_bytes = static_cast<std::size_t>(n);
    } else {
      if (arg == "--help" || arg == "-h") PrintUsage();
      argv[out++] = argv[i];
    }
  }
  *argc = out;
  argv[out] = nullptr;
  return o;
}

// Returns the longest prefix of s that is at most n bytes and does not end
// inside a UTF-8 sequence.
std::string_view Utf8Prefix(std::string_view s, std::size_t n) {
  if (s.size() <= n) return s;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

class CorpusBuilder {
 public:
  CorpusBuilder(Corpus* c, std::size_t budget) : c_(c), budget_(budget) {}

  bool full() const { return full_ || c_->bytes >= budget_; }

  // Adds a document, cut to what is left of the budget.
  void Add(std::string_view doc) {
    if (doc.empty() || full()) return;
    const std::string_view cut = Utf8Prefix(doc, budget_ - c_->bytes);
    if (cut.size() < doc.size()) full_ = true;
    if (cut.empty()) return;
    c_->docs.emplace_back(cut);
    c_->bytes += cut.size();
  }

 private:
  Corpus* c_;
  std::size_t budget_;
  bool full_ = false;
};

void LoadFile(const std::string& path, const Options& o, CorpusBuilder* b) {
  std::string_view name = path;
  if (EndsWith(name, ".gz")) name.remove_suffix(3);
  const bool jsonl = EndsWith(name, ".jsonl") || EndsWith(name, ".ndjson") ||
                     EndsWith(name, ".json");
  LineReader reader(path);
  std::string line;
  std::uint64_t line_no = 0;
  if (jsonl) {
    while (!b->full() && reader.Next(&line)) {
      ++line_no;
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        Die(path + ":" + std::to_string(line_no) + ": not a JSON object");
      }
      for (const char* field : {"body", "text"}) {
        auto it = j.find(field);
        if (it != j.end() && it->is_string()) {
          b->Add(it->get_ref<const std::string&>());
          break;
        }
      }
    }
    return;
  }
  std::string doc;
  while (!b->full() && reader.Next(&line)) {
    doc += line;
    doc += '\n';
    if (doc.size() >= o.text_doc_bytes) {
      b->Add(doc);
      doc.clear();
    }
  }
  b->Add(doc);
}

// --- Generated text ---------------------------------------------------------

// A fixed generator, so every run and platform sees the same text.
class Rng {
 public:
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  std::size_t Below(std::size_t n) {
    return static_cast<std::size_t>(Next() % n);
  }
  bool Chance(int percent) {
    return Below(100) < static_cast<std::size_t>(percent);
  }
  template <typename T, std::size_t N>
  const T& Pick(const T (&a)[N]) {
    return a[Below(N)];
  }

 private:
  std::uint64_t state_ = 0x5175617272790001ull;
};

constexpr std::string_view kEnglishWords[] = {
    "the",       "of",         "and",        "to",        "in",
    "a",         "said",       "for",        "on",        "that",
    "is",        "was",        "with",       "by",        "it",
    "from",      "at",         "as",         "be",        "has",
    "have",      "will",       "talks",      "peace",     "minister",
    "foreign",   "government", "market",     "shares",    "percent",
    "year",      "company",    "billion",    "million",   "officials",
    "agreement", "border",     "week",       "would",     "new",
    "after",     "last",       "first",      "trade",     "bank",
    "prices",    "president",  "meeting",    "analysts",  "rose",
    "fell",      "told",       "reporters",  "expected",  "between",
    "countries", "over",       "about",      "which",     "their",
    "they",      "not",        "but",        "been",      "more",
    "than",      "also",       "its",        "up",        "were",
    "an",        "this",       "other",      "two",       "three",
    "quarter",   "profit",     "sales",      "oil",       "crude",
    "exports",   "economy",    "ministry",   "statement", "negotiations",
    "treaty",    "signed",     "delegation", "spokesman", "according",
    "sources",   "election",   "parliament", "troops",    "ceasefire",
    "region",    "investors",  "growth",     "inflation", "rates",
    "central",   "could",      "because",    "while",     "before",
    "during",    "under",      "since",      "against",   "earlier",
    "later",     "today",      "Monday",     "Tuesday",   "January",
    "February",  "dollar",     "euro",       "stocks",    "bonds",
    "output"};

constexpr std::string_view kEnglishNames[] = {
    "Bayramov",      "Mirzoyan",    "Armenia",
    "Azerbaijan",    "Washington",  "Reuters",
    "Smith",         "O'Brien",     "Nagorno-Karabakh",
    "Türkiye’s",     "Kilroy-Silk", "McDonald's",
    "Labour's",      "U.S.",        "U.K.",
    "Blinken",       "Erdoğan",     "Aliyev",
    "Pashinyan",     "Baku",        "Yerevan",
    "Moscow",        "Brussels",    "TimeWarner",
    "Google",        "AOL",         "São Paulo",
    "Zürich",        "Müller",      "Renée",
    "Côte d’Ivoire", "al-Assad",    "Lavrov",
    "Kremlin",       "OPEC",        "Bundesbank",
    "Tokyo",         "Nikkei",      "Dow Jones",
    "Wall Street",   "Fed",         "IMF",
    "N.Y.",          "D'Amato",     "Schäuble",
    "Łódź",          "Ørsted",      "Dvořák",
    "Saint-Étienne"};

constexpr std::string_view kEnglishSpecial[] = {"3,000",
                                                "1.5",
                                                "$1.13bn",
                                                "£600m",
                                                "76%",
                                                "2004-05",
                                                "v1.2",
                                                "e-mail",
                                                "state-of-the-art",
                                                "don't",
                                                "it’s",
                                                "won’t",
                                                "example.com",
                                                "press@example.org",
                                                "COVID-19",
                                                "mid-1980s",
                                                "Feb 26",
                                                "15:01:01",
                                                "9/11",
                                                "...",
                                                "—",
                                                "(AP)",
                                                "#1",
                                                "A.B.C.",
                                                "155,221",
                                                "5.93",
                                                "mln",
                                                "dlrs",
                                                "pct",
                                                "vs",
                                                "cts",
                                                "Inc.",
                                                "Corp",
                                                "co-operation",
                                                "1980's",
                                                "two-thirds",
                                                "year-on-year",
                                                "Jr.",
                                                "&",
                                                "+Bahia+",
                                                "<IBM>",
                                                "1/2",
                                                "20th",
                                                "€25",
                                                "12.5%",
                                                "x86_64",
                                                "well-known",
                                                "rock 'n' roll"};

void AppendWithCap(std::string* out, std::string_view w, bool cap) {
  if (cap && !w.empty() && w[0] >= 'a' && w[0] <= 'z') {
    out->push_back(static_cast<char>(w[0] - 'a' + 'A'));
    out->append(w.substr(1));
  } else {
    out->append(w);
  }
}

void EnglishSentence(Rng& r, std::string* out) {
  const std::size_t n = 6 + r.Below(20);
  const std::size_t quote_at = r.Chance(20) ? r.Below(n) : n;
  bool quote_open = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) out->push_back(' ');
    if (i == quote_at) {
      out->append(r.Chance(70) ? "“" : "\"");
      quote_open = true;
    }
    const std::size_t k = r.Below(100);
    std::string_view w = k < 75   ? r.Pick(kEnglishWords)
                         : k < 90 ? r.Pick(kEnglishNames)
                                  : r.Pick(kEnglishSpecial);
    AppendWithCap(out, w, i == 0);
    if (quote_open && i + 1 < n && r.Chance(25)) {
      out->append(r.Chance(70) ? "”" : "\"");
      quote_open = false;
    }
    if (i + 1 < n && r.Chance(8)) out->push_back(',');
  }
  if (quote_open) out->append(",”");
  out->push_back(r.Chance(90) ? '.' : '?');
}

constexpr std::string_view kFrench[] = {
    "l'accord",    "été",    "négociations", "français",    "ministre",
    "paix",        "à",      "la",           "les",         "des",
    "aujourd'hui", "qu'il",  "Arménie",      "Azerbaïdjan", "économie",
    "déclaré",     "très",   "où",           "côte",        "naïve",
    "s'est",       "réunion"};
constexpr std::string_view kGerman[] = {"Straße",
                                        "Größe",
                                        "müssen",
                                        "Verhandlungen",
                                        "Außenminister",
                                        "über",
                                        "Frieden",
                                        "für",
                                        "die",
                                        "der",
                                        "und",
                                        "Bundesregierung",
                                        "Öl",
                                        "Zürich",
                                        "ließ",
                                        "schön",
                                        "Grenzübergang",
                                        "Waffenstillstand",
                                        "heute"};
constexpr std::string_view kAzerbaijani[] = {
    "Azərbaycan", "Ermənistan",  "Bayramov", "sülh", "danışıqları", "xarici",
    "işlər",      "naziri",      "Bakı",     "ölkə", "görüş",       "Qarabağ",
    "müqaviləsi", "imzalanması", "üçün",     "bu",   "gün",         "Ceyhun"};
constexpr std::string_view kTurkish[] = {
    "İstanbul", "Türkiye'nin", "Obama'nın",   "Ankara'da", "dışişleri",
    "bakanı",   "barış",       "görüşmeleri", "ılık",      "ağaç",
    "şehir",    "çok",         "İzmir",       "Iğdır",     "ABD'deki",
    "değil",    "ISTANBUL",    "Erdoğan",     "açıkladı",  "bugün"};
constexpr std::string_view kRussian[] = {
    "Москва",  "переговоры", "министр", "иностранных", "дел",
    "мирный",  "договор",    "Армения", "Азербайджан", "ёлка",
    "сегодня", "заявил",     "что",     "в",           "и",
    "на",      "Нагорный",   "Карабах", "США",         "Лавров",
    "объём",   "ООН"};
constexpr std::string_view kGreek[] = {
    "Αθήνα",     "ελληνικά",   "ειρήνη",
    "υπουργός",  "εξωτερικών", "διαπραγματεύσεις",
    "Ελλάδα",    "και",        "το",
    "της",       "ότι",        "σήμερα",
    "Κύπρος",    "οικονομία",  "ΑΘΗΝΑ",
    "Μητσοτάκης"};
constexpr std::string_view kKorean[] = {
    "대한민국", "서울",     "외교부",       "장관",       "평화",   "협상",
    "오늘",     "발표했다", "아제르바이잔", "아르메니아", "정부는", "회담"};
constexpr std::string_view kArabic[] = {
    "أذربيجان", "أرمينيا", "وزير", "الخارجية", "السلام", "مفاوضات",
    "اليوم",    "قال",     "في",   "و",        "بيان",   "الحكومة"};
constexpr std::string_view kHebrew[] = {"ירושלים", "שלום", "שר",     "החוץ",
                                        "היום",    "אמר",  "הממשלה", "ארה\"ב"};
constexpr std::string_view kChinese[] = {"中华人民共和国",
                                         "成立",
                                         "于",
                                         "1949年",
                                         "外交部",
                                         "发言人",
                                         "表示",
                                         "和平",
                                         "谈判",
                                         "亚美尼亚",
                                         "阿塞拜疆",
                                         "今天",
                                         "在",
                                         "的",
                                         "北京",
                                         "经济",
                                         "增长",
                                         "百分之三",
                                         "，",
                                         "美国",
                                         "总统"};
constexpr std::string_view kJapanese[] = {
    "東京",       "都",       "は",   "日本", "の",       "首都",
    "です",       "外務大臣", "が",   "会談", "しました", "アゼルバイジャン",
    "アルメニア", "平和",     "条約", "、",   "ニュース", "2024年"};
constexpr std::string_view kThai[] = {
    "ประเทศไทย", "มี",        "ประชากร",  "ประมาณ", "กรุงเทพมหานคร",
    "เป็น",       "เมืองหลวง", "การเจรจา", "สันติภาพ", "รัฐมนตรี",
    "ต่างประเทศ", "วันนี้",      "และ",      "ของ"};
// Combining marks, emoji and other text the fast path hands to ICU.
constexpr std::string_view kOdd[] = {"Pho\u0302\u0309",
                                     "e\u0301te\u0301",
                                     "👍",
                                     "👩‍👩‍👧",
                                     "🇦🇿",
                                     "co\u00ADoperate",
                                     "x\u200By",
                                     "ｆｕｌｌｗｉｄｔｈ",
                                     "Ａ１",
                                     "１２３",
                                     "a·b",
                                     "l·l",
                                     "ʼOkina",
                                     "Tiếng Việt",
                                     "ṣ"};

struct Language {
  const std::string_view* words;
  std::size_t n;
  bool spaced;  // words separated by spaces
  std::string_view stop;
};

template <std::size_t N>
constexpr Language Lang(const std::string_view (&w)[N], bool spaced,
                        std::string_view stop) {
  return Language{w, N, spaced, stop};
}

void MultilingualSentence(Rng& r, std::string* out) {
  static const Language kLanguages[] = {
      Lang(kEnglishWords, true, "."), Lang(kFrench, true, "."),
      Lang(kGerman, true, "."),       Lang(kAzerbaijani, true, "."),
      Lang(kTurkish, true, "."),      Lang(kRussian, true, "."),
      Lang(kGreek, true, ";"),        Lang(kKorean, true, "."),
      Lang(kArabic, true, "."),       Lang(kHebrew, true, "."),
      Lang(kChinese, false, "。"),    Lang(kJapanese, false, "。"),
      Lang(kThai, false, " "),
  };
  const Language& lang = r.Pick(kLanguages);
  const std::size_t n = 5 + r.Below(15);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && lang.spaced) out->push_back(' ');
    if (r.Chance(3)) {
      out->append(r.Pick(kOdd));
      if (!lang.spaced) out->push_back(' ');
      continue;
    }
    if (r.Chance(4)) {
      out->append(r.Pick(kEnglishNames));
      if (!lang.spaced) out->push_back(' ');
      continue;
    }
    out->append(lang.words[r.Below(lang.n)]);
    if (lang.spaced && i + 1 < n && r.Chance(6)) out->push_back(',');
  }
  out->append(lang.stop);
}

void Generate(Corpus* c, std::size_t budget, bool multilingual) {
  Rng r;
  CorpusBuilder b(c, budget);
  std::string doc;
  while (!b.full()) {
    doc.clear();
    const std::size_t paragraphs = 1 + r.Below(5);
    for (std::size_t p = 0; p < paragraphs; ++p) {
      if (p > 0) doc.append("\n\n");
      const std::size_t sentences = 1 + r.Below(5);
      for (std::size_t s = 0; s < sentences; ++s) {
        if (s > 0) doc.push_back(' ');
        if (multilingual) {
          MultilingualSentence(r, &doc);
        } else {
          EnglishSentence(r, &doc);
        }
      }
    }
    b.Add(doc);
  }
}

Corpus LoadCorpus(std::string name, const std::vector<std::string>& paths,
                  const Options& o, bool multilingual) {
  Corpus c;
  c.name = std::move(name);
  const auto budget = static_cast<std::size_t>(o.max_mb * 1e6);
  if (paths.empty()) {
    c.generated = true;
    constexpr std::size_t kGeneratedBytes = 4'000'000;
    Generate(&c, std::min(budget, kGeneratedBytes), multilingual);
    c.source = multilingual ? "generated multilingual text"
                            : "generated English-like news text";
    return c;
  }
  CorpusBuilder b(&c, budget);
  std::size_t used = 0;
  for (const std::string& p : paths) {
    if (b.full()) break;
    LoadFile(p, o, &b);
    ++used;
  }
  c.source = std::to_string(used) + " file(s): " + paths[0];
  if (used > 1) c.source += " ... " + paths[used - 1];
  if (used < paths.size()) {
    c.source += " (" + std::to_string(paths.size() - used) +
                " more skipped: --max-mb reached)";
  }
  if (c.docs.empty()) Die("input '" + c.name + "' has no text");
  return c;
}

// ---------------------------------------------------------------------------
// Raw ICU word breaking, written directly against ICU.

class IcuWords {
 public:
  IcuWords() {
    UErrorCode status = U_ZERO_ERROR;
    bi_.reset(
        icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status) || bi_ == nullptr) {
      Die(std::string("ICU word BreakIterator: ") + u_errorName(status));
    }
  }
  ~IcuWords() { utext_close(&ut_); }
  IcuWords(const IcuWords&) = delete;
  IcuWords& operator=(const IcuWords&) = delete;

  // Calls f(start, end) for every word segment; false on an ICU failure.
  template <typename F>
  bool ForEachWord(std::string_view text, F&& f) {
    UErrorCode status = U_ZERO_ERROR;
    utext_openUTF8(&ut_, text.data(), static_cast<std::int64_t>(text.size()),
                   &status);
    bi_->setText(&ut_, status);
    if (U_FAILURE(status)) return false;
    std::int32_t prev = bi_->first();
    for (std::int32_t next = bi_->next(); next != icu::BreakIterator::DONE;
         prev = next, next = bi_->next()) {
      if (bi_->getRuleStatus() != UBRK_WORD_NONE) f(prev, next);
    }
    return true;
  }

 private:
  std::unique_ptr<icu::BreakIterator> bi_;
  UText ut_ = UTEXT_INITIALIZER;
};

// ---------------------------------------------------------------------------
// Sinks

using Span = std::pair<std::uint32_t, std::uint32_t>;

class CountingWordSink final : public quarry::analysis::WordSink {
 public:
  void OnWord(std::uint32_t, std::uint32_t) override { ++words; }
  std::uint64_t words = 0;
};

class CollectingWordSink final : public quarry::analysis::WordSink {
 public:
  void OnWord(std::uint32_t start, std::uint32_t end) override {
    spans.emplace_back(start, end);
  }
  std::vector<Span> spans;
};

class CountingTokenSink final : public quarry::TokenSink {
 public:
  void OnToken(const quarry::TokenView& t) override {
    ++tokens;
    term_bytes += t.term.size();
  }
  std::uint64_t tokens = 0;
  std::uint64_t term_bytes = 0;
};

// ---------------------------------------------------------------------------
// Startup check: Segmenter::Words and IcuOnlyWords against raw ICU.

// `s` with control characters escaped, for printing context.
std::string Printable(std::string_view s) {
  std::string out;
  for (char ch : s) {
    const auto b = static_cast<unsigned char>(ch);
    if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\t') {
      out += "\\t";
    } else if (b < 0x20 || b == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
      out += buf;
    } else {
      out.push_back(ch);
    }
  }
  return out;
}

// The code points of text[from, to) with their Word_Break values.
std::string CodePoints(std::string_view text, std::size_t from,
                       std::size_t to) {
  std::string out;
  const auto* p = reinterpret_cast<const std::uint8_t*>(text.data());
  auto i = static_cast<std::int32_t>(from);
  const auto n = static_cast<std::int32_t>(to);
  while (i < n) {
    const std::int32_t at = i;
    UChar32 c;
    U8_NEXT(p, i, n, c);
    const char* wb = "invalid";
    if (c >= 0) {
      wb = u_getPropertyValueName(UCHAR_WORD_BREAK,
                                  u_getIntPropertyValue(c, UCHAR_WORD_BREAK),
                                  U_SHORT_PROPERTY_NAME);
      if (wb == nullptr) wb = "?";
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, "    @%d U+%04X %s\n", at,
                  static_cast<unsigned>(c < 0 ? 0xFFFD : c), wb);
    out += buf;
  }
  return out;
}

std::string SpanText(std::string_view doc, const std::vector<Span>& spans,
                     std::size_t k) {
  if (k >= spans.size()) return "(none: list ended)";
  const Span& s = spans[k];
  return "[" + std::to_string(s.first) + "," + std::to_string(s.second) +
         ") \"" + Printable(doc.substr(s.first, s.second - s.first)) + "\"";
}

// Prints where `got` first differs from `want` (raw ICU) in `doc`.
void ReportMismatch(const Corpus& c, std::size_t doc_index,
                    std::string_view doc, const char* who,
                    const std::vector<Span>& want,
                    const std::vector<Span>& got) {
  std::size_t k = 0;
  while (k < want.size() && k < got.size() && want[k] == got[k]) ++k;
  std::size_t offset = 0;
  if (k < want.size() && k < got.size()) {
    offset = std::min(want[k].first, got[k].first);
    if (want[k].first == got[k].first) {
      offset = std::min(want[k].second, got[k].second);
    }
  } else if (k < want.size()) {
    offset = want[k].first;
  } else if (k < got.size()) {
    offset = got[k].first;
  }
  const std::size_t from =
      Utf8Prefix(doc, offset > 40 ? offset - 40 : 0).size();
  const std::size_t to = Utf8Prefix(doc, offset + 40).size();
  std::printf(
      "!! BOUNDARY MISMATCH: %s differs from raw ICU in input '%s', document "
      "%zu (%zu bytes), first at byte %zu (word #%zu)\n"
      "   raw ICU : %s\n   %-8s: %s\n"
      "   context [%zu,%zu): \"%s\"\n"
      "   offset in context: \"%s\" <HERE> \"%s\"\n",
      who, c.name.c_str(), doc_index, doc.size(), offset, k,
      SpanText(doc, want, k).c_str(), "quarry", SpanText(doc, got, k).c_str(),
      from, to, Printable(doc.substr(from, to - from)).c_str(),
      Printable(doc.substr(from, offset - from)).c_str(),
      Printable(doc.substr(offset, to - offset)).c_str());
  const std::size_t cp_from =
      Utf8Prefix(doc, offset > 12 ? offset - 12 : 0).size();
  const std::size_t cp_to = Utf8Prefix(doc, offset + 12).size();
  std::printf("   code points (offset, Word_Break):\n%s",
              CodePoints(doc, cp_from, cp_to).c_str());
  std::fflush(stdout);
}

// Compares the segmenters with raw ICU on every document of `c`; fills the
// counts. Returns false on a mismatch.
bool CheckBoundaries(Corpus& c) {
  IcuWords icu;
  auto created = quarry::analysis::Segmenter::Create();
  if (!created.ok()) Die("Segmenter::Create: " + created.status().ToString());
  quarry::analysis::Segmenter& seg = **created;
  std::vector<Span> want;
  CollectingWordSink fast, icu_only;
  std::size_t printed = 0;
  c.icu_words = c.segmenter_words = c.mismatched_docs = 0;
  for (std::size_t d = 0; d < c.docs.size(); ++d) {
    const std::string& doc = c.docs[d];
    want.clear();
    fast.spans.clear();
    icu_only.spans.clear();
    if (!icu.ForEachWord(doc, [&](std::int32_t s, std::int32_t e) {
          want.emplace_back(static_cast<std::uint32_t>(s),
                            static_cast<std::uint32_t>(e));
        })) {
      Die("raw ICU failed on input '" + c.name + "' document " +
          std::to_string(d));
    }
    quarry::Status s1 = seg.Words(doc, fast);
    quarry::Status s2 = seg.IcuOnlyWords(doc, icu_only);
    if (!s1.ok() || !s2.ok()) {
      Die("Segmenter failed on input '" + c.name + "' document " +
          std::to_string(d) + ": " + (s1.ok() ? s2 : s1).ToString());
    }
    c.icu_words += want.size();
    c.segmenter_words += fast.spans.size();
    const bool fast_ok = fast.spans == want;
    const bool icu_only_ok = icu_only.spans == want;
    if (fast_ok && icu_only_ok) continue;
    ++c.mismatched_docs;
    if (printed < 5) {
      ++printed;
      if (!fast_ok) {
        ReportMismatch(c, d, doc, "Segmenter::Words", want, fast.spans);
      }
      if (!icu_only_ok) {
        ReportMismatch(c, d, doc, "Segmenter::IcuOnlyWords", want,
                       icu_only.spans);
      }
    }
  }
  std::printf(
      "boundary check '%s': %zu documents, raw ICU %llu words, "
      "Segmenter::Words %llu words: %s\n",
      c.name.c_str(), c.docs.size(),
      static_cast<unsigned long long>(c.icu_words),
      static_cast<unsigned long long>(c.segmenter_words),
      c.mismatched_docs == 0
          ? "boundary-identical"
          : ("MISMATCH in " + std::to_string(c.mismatched_docs) + " documents")
                .c_str());
  std::fflush(stdout);
  return c.mismatched_docs == 0;
}

// ---------------------------------------------------------------------------
// Benchmarks

// Checks a per-iteration count: non-zero, the same every iteration, and
// equal to `want` when `want` is non-zero.
bool CheckCount(benchmark::State& state, const char* what, std::uint64_t n,
                std::uint64_t want, std::uint64_t* first) {
  std::string err;
  if (n == 0) {
    err = std::string("no ") + what + " counted";
  } else if (want != 0 && n != want) {
    err = std::string(what) + " count " + std::to_string(n) +
          " differs from raw ICU's " + std::to_string(want) +
          " (not boundary-identical)";
  } else if (*first != 0 && n != *first) {
    err = std::string(what) +
          " count changed between iterations: " + std::to_string(*first) +
          " then " + std::to_string(n);
  }
  if (!err.empty()) {
    state.SkipWithError(err.c_str());
    return false;
  }
  *first = n;
  return true;
}

void Finish(benchmark::State& state, const Corpus& c, std::uint64_t count) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(c.bytes));
  state.counters["tokens"] = static_cast<double>(count);
  state.counters["tok/s"] = benchmark::Counter(
      static_cast<double>(count) * static_cast<double>(state.iterations()),
      benchmark::Counter::kIsRate);
}

void BM_QuarryAnalyzer(benchmark::State& state, const Corpus* c,
                       const std::string& stem_language) {
  quarry::AnalyzerOptions options;
  options.stem_language = stem_language;
  auto created = quarry::Analyzer::Create(options);
  if (!created.ok()) {
    state.SkipWithError(
        ("Analyzer::Create: " + created.status().ToString()).c_str());
    return;
  }
  quarry::Analyzer& analyzer = *created;
  std::uint64_t count = 0;
  for (auto _ : state) {
    CountingTokenSink sink;
    quarry::Status status;
    for (const std::string& doc : c->docs) {
      status = analyzer.Analyze(doc, sink);
      if (!status.ok()) break;
    }
    if (!status.ok()) {
      state.SkipWithError(("Analyze: " + status.ToString()).c_str());
      break;
    }
    benchmark::DoNotOptimize(sink.term_bytes);
    if (!CheckCount(state, "tokens", sink.tokens, 0, &count)) break;
  }
  Finish(state, *c, count);
}

void BM_IcuRawWords(benchmark::State& state, const Corpus* c) {
  IcuWords icu;
  std::uint64_t count = 0;
  for (auto _ : state) {
    std::uint64_t words = 0;
    bool ok = true;
    for (const std::string& doc : c->docs) {
      ok = icu.ForEachWord(doc, [&](std::int32_t, std::int32_t) { ++words; });
      if (!ok) break;
    }
    if (!ok) {
      state.SkipWithError("ICU setText failed");
      break;
    }
    if (!CheckCount(state, "raw ICU words", words, c->icu_words, &count)) {
      break;
    }
  }
  Finish(state, *c, count);
}

void BM_Segmenter(benchmark::State& state, const Corpus* c, bool fast_path) {
  auto created = quarry::analysis::Segmenter::Create();
  if (!created.ok()) {
    state.SkipWithError(
        ("Segmenter::Create: " + created.status().ToString()).c_str());
    return;
  }
  quarry::analysis::Segmenter& seg = **created;
  const char* what = fast_path ? "Segmenter::Words" : "Segmenter::IcuOnlyWords";
  std::uint64_t count = 0;
  for (auto _ : state) {
    CountingWordSink sink;
    quarry::Status status;
    for (const std::string& doc : c->docs) {
      status = fast_path ? seg.Words(doc, sink) : seg.IcuOnlyWords(doc, sink);
      if (!status.ok()) break;
    }
    if (!status.ok()) {
      state.SkipWithError(
          (std::string(what) + ": " + status.ToString()).c_str());
      break;
    }
    if (!CheckCount(state, what, sink.words, c->icu_words, &count)) break;
  }
  Finish(state, *c, count);
}

void BM_XapianTermGenerator(benchmark::State& state, const Corpus* c,
                            const std::string& stem_language) {
  try {
    Xapian::TermGenerator tg;
    if (!stem_language.empty()) tg.set_stemmer(Xapian::Stem(stem_language));
    std::uint64_t count = 0;
    for (auto _ : state) {
      std::uint64_t positions = 0;
      for (const std::string& doc : c->docs) {
        Xapian::Document xdoc;  // fresh per document: memory stays flat
        tg.set_document(xdoc);
        tg.set_termpos(0);
        tg.index_text(doc);  // with positions
        positions += tg.get_termpos();
        benchmark::DoNotOptimize(xdoc);
      }
      if (!CheckCount(state, "Xapian term positions", positions, 0, &count)) {
        break;
      }
    }
    Finish(state, *c, count);
  } catch (const Xapian::Error& e) {
    state.SkipWithError(("Xapian: " + e.get_description()).c_str());
  }
}

// ---------------------------------------------------------------------------
// Summary

struct Contender {
  const char* id;
  const char* label;
};
constexpr Contender kQuarryFull{"quarry_full", "quarry Analyzer (default)"};
constexpr Contender kQuarryStem{"quarry_full_stem_en",
                                "quarry Analyzer (stem english)"};
constexpr Contender kIcuRaw{"icu_raw_words", "raw ICU word BreakIterator"};
constexpr Contender kSegWords{"quarry_segmenter_words", "Segmenter::Words"};
constexpr Contender kSegIcu{"quarry_segmenter_icu_only",
                            "Segmenter::IcuOnlyWords"};
constexpr Contender kXapian{"xapian_termgen", "Xapian TermGenerator"};
constexpr Contender kXapianStem{"xapian_termgen_stem_en",
                                "Xapian TermGenerator (stem english)"};
constexpr Contender kContenders[] = {kQuarryFull, kQuarryStem, kIcuRaw,
                                     kSegWords,   kSegIcu,     kXapian,
                                     kXapianStem};

std::string BenchName(const Contender& k, const Corpus& c) {
  return std::string(k.id) + "/" + c.name;
}

// The console output, plus the bytes/s of every run for the summary.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using benchmark::ConsoleReporter::ConsoleReporter;

  void ReportRuns(const std::vector<Run>& reports) override {
    benchmark::ConsoleReporter::ReportRuns(reports);
    for (const Run& run : reports) {
      const std::string& name = run.run_name.function_name;
      if (run.error_occurred) {
        errors_.push_back(name + ": " + run.error_message);
        continue;
      }
      const auto bps = run.counters.find("bytes_per_second");
      const auto tokens = run.counters.find("tokens");
      if (bps == run.counters.end()) continue;
      Result& r = results_[name];
      if (run.run_type == Run::RT_Aggregate) {
        if (run.aggregate_name == "median") r.median = bps->second.value;
      } else {
        r.runs.push_back(bps->second.value);
        if (tokens != run.counters.end()) r.tokens = tokens->second.value;
      }
    }
  }

  // Bytes per second: the median over repetitions, or a negative value.
  double Rate(const std::string& name) const {
    const Result* r = Find(name);
    if (r == nullptr) return -1;
    if (r->runs.empty()) return r->median;
    std::vector<double> v = r->runs;
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }
  // The slowest and fastest repetition (equal with one repetition).
  std::pair<double, double> Range(const std::string& name) const {
    const Result* r = Find(name);
    if (r == nullptr || r->runs.empty()) return {-1, -1};
    const auto [lo, hi] = std::minmax_element(r->runs.begin(), r->runs.end());
    return {*lo, *hi};
  }
  double Tokens(const std::string& name) const {
    const Result* r = Find(name);
    return r == nullptr ? -1 : r->tokens;
  }
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  struct Result {
    std::vector<double> runs;  // bytes/s of each repetition
    double median = -1;        // from the aggregate, if only that is reported
    double tokens = -1;
  };
  const Result* Find(const std::string& name) const {
    auto it = results_.find(name);
    return it == results_.end() ? nullptr : &it->second;
  }
  std::map<std::string, Result> results_;
  std::vector<std::string> errors_;
};

// v with `decimals` decimals, or "n/a" when v is not positive.
std::string Cell(double v, int decimals) {
  if (!(v > 0)) return "n/a";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}
std::string Mbps(double bps) { return Cell(bps / 1e6, 1); }
// Median MB/s, with the range over repetitions when there are several.
std::string MbpsWithRange(const SummaryReporter& rep, const std::string& name) {
  std::string cell = Mbps(rep.Rate(name));
  const auto [lo, hi] = rep.Range(name);
  if (lo > 0 && hi > lo) cell += " [" + Mbps(lo) + "-" + Mbps(hi) + "]";
  return cell;
}
std::string Ratio(double a, double b) {
  return (a > 0 && b > 0) ? Cell(a / b, 2) + "x" : "n/a";
}

void PrintRow(const std::string& label, const std::vector<std::string>& cells) {
  std::printf("  %-44s", label.c_str());
  for (const std::string& s : cells) std::printf(" %22s", s.c_str());
  std::printf("\n");
}

void PrintSummary(const SummaryReporter& rep,
                  const std::vector<std::unique_ptr<Corpus>>& corpora) {
  std::printf("\n==== analysis_bench summary ====\n");
  for (const auto& c : corpora) {
    std::printf("  %-13s %s; %zu documents, %.2f MB\n", (c->name + ":").c_str(),
                c->source.c_str(), c->docs.size(),
                static_cast<double>(c->bytes) / 1e6);
  }
  std::vector<std::string> header;
  for (const auto& c : corpora) header.push_back(c->name);
  std::printf(
      "\nThroughput, MB/s (1 MB = 10^6 bytes of input text; median "
      "[slowest-fastest] over repetitions):\n");
  PrintRow("", header);
  for (const Contender& k : kContenders) {
    std::vector<std::string> cells;
    for (const auto& c : corpora) {
      cells.push_back(MbpsWithRange(rep, BenchName(k, *c)));
    }
    PrintRow(k.label, cells);
  }
  std::printf(
      "\nTokens per pass (quarry: all tokens incl. joined/stems; "
      "Xapian: positions):\n");
  PrintRow("", header);
  for (const Contender& k : kContenders) {
    std::vector<std::string> cells;
    for (const auto& c : corpora) {
      cells.push_back(Cell(rep.Tokens(BenchName(k, *c)), 0));
    }
    PrintRow(k.label, cells);
  }
  struct RatioRow {
    const char* label;
    const Contender& a;
    const Contender& b;
  };
  const RatioRow ratios[] = {
      {"quarry-full / Xapian TermGenerator", kQuarryFull, kXapian},
      {"quarry-full / raw ICU", kQuarryFull, kIcuRaw},
      {"Segmenter::Words / raw ICU", kSegWords, kIcuRaw},
      {"Segmenter::Words / Segmenter::IcuOnlyWords", kSegWords, kSegIcu},
      {"quarry stem_en / Xapian stem_en", kQuarryStem, kXapianStem},
  };
  std::printf("\nRatios (higher = quarry faster):\n");
  PrintRow("", header);
  for (const RatioRow& r : ratios) {
    std::vector<std::string> cells;
    for (const auto& c : corpora) {
      cells.push_back(
          Ratio(rep.Rate(BenchName(r.a, *c)), rep.Rate(BenchName(r.b, *c))));
    }
    PrintRow(r.label, cells);
  }
  for (const auto& c : corpora) {
    if (c->name != "news") continue;
    const double q = rep.Rate(BenchName(kQuarryFull, *c));
    const double x = rep.Rate(BenchName(kXapian, *c));
    if (q > 0 && x > 0) {
      std::printf(
          "\nBar: quarry-full >= 2x Xapian TermGenerator on news: %s "
          "(%.2fx)%s\n",
          q >= 2 * x ? "MET" : "NOT MET", q / x,
          c->generated ? " [generated text, not the real corpus]" : "");
    }
  }
  bool failed = false;
  for (const auto& c : corpora) {
    if (c->mismatched_docs != 0) {
      std::printf(
          "FAIL: Segmenter boundaries differ from raw ICU in %llu "
          "documents of '%s' (details printed before the "
          "benchmarks)\n",
          static_cast<unsigned long long>(c->mismatched_docs), c->name.c_str());
      failed = true;
    }
  }
  for (const std::string& e : rep.errors()) {
    std::printf("FAIL: %s\n", e.c_str());
    failed = true;
  }
  if (!failed) std::printf("All answer checks passed.\n");
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  quarry_bench::SetProgramName("analysis_bench");
  const Options options = ParseFlags(&argc, argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;

  std::vector<std::unique_ptr<Corpus>> corpora;
  corpora.push_back(std::make_unique<Corpus>(
      LoadCorpus("news", options.news, options, false)));
  corpora.push_back(std::make_unique<Corpus>(
      LoadCorpus("multilingual", options.multilingual, options, true)));
  for (const auto& c : corpora) {
    std::printf("input '%s': %s; %zu documents, %.2f MB\n", c->name.c_str(),
                c->source.c_str(), c->docs.size(),
                static_cast<double>(c->bytes) / 1e6);
  }
  bool boundaries_ok = true;
  for (const auto& c : corpora) boundaries_ok &= CheckBoundaries(*c);
  std::fflush(stdout);

  for (const auto& c : corpora) {
    const Corpus* cp = c.get();
    const std::string english = "english";
    for (benchmark::internal::Benchmark* b : {
             benchmark::RegisterBenchmark(BenchName(kQuarryFull, *cp).c_str(),
                                          BM_QuarryAnalyzer, cp, std::string()),
             benchmark::RegisterBenchmark(BenchName(kQuarryStem, *cp).c_str(),
                                          BM_QuarryAnalyzer, cp, english),
             benchmark::RegisterBenchmark(BenchName(kIcuRaw, *cp).c_str(),
                                          BM_IcuRawWords, cp),
             benchmark::RegisterBenchmark(BenchName(kSegWords, *cp).c_str(),
                                          BM_Segmenter, cp, true),
             benchmark::RegisterBenchmark(BenchName(kSegIcu, *cp).c_str(),
                                          BM_Segmenter, cp, false),
             benchmark::RegisterBenchmark(BenchName(kXapian, *cp).c_str(),
                                          BM_XapianTermGenerator, cp,
                                          std::string()),
             benchmark::RegisterBenchmark(BenchName(kXapianStem, *cp).c_str(),
                                          BM_XapianTermGenerator, cp, english),
         }) {
      b->Unit(benchmark::kMillisecond);
    }
  }

  SummaryReporter reporter(isatty(STDOUT_FILENO)
                               ? benchmark::ConsoleReporter::OO_ColorTabular
                               : benchmark::ConsoleReporter::OO_Tabular);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  PrintSummary(reporter, corpora);
  benchmark::Shutdown();
  return (boundaries_ok && reporter.errors().empty()) ? 0 : 1;
}
