// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// eval: retrieval quality of quarry's BM25 on test collections with
// relevance judgments. Indexes a collection with quarry (English stemming by
// default), runs every judged query and prints nDCG@10, MAP (cut at 1,000)
// and recall@100 - the definitions of trec_eval (ndcg_cut.10, map,
// recall.100), averaged over the queries that have at least one relevant
// document.
//
// Collections (--format, detected from the files in --dir when omitted):
//   beir       corpus.jsonl {"_id", "title", "text"}, queries.jsonl
//              {"_id", "text"}, qrels/<split>.tsv (header, then
//              query-id corpus-id score); any of them may be .gz (read
//              through `gzip -dc`). Graded judgments are gains as given.
//   cranfield  cran.all.1400 (.I/.T/.W), cran.qry (queries numbered 1..225
//              by POSITION, not by their .I labels), cranqrel
//              ("query doc code"): Cleverdon codes 1 (complete answer) ..
//              4 (minimum interest) become gains 4..1 (5 - code); -1 (one
//              per query) is not relevant.
//   cacm       cacm.all (.T/.W), query.text (.W; the trailing ".I 0" stub
//              without text is ignored), qrels.text ("query doc 0 0")
//   cisi       CISI.ALL (.T/.W), CISI.QRY (.W), CISI.REL ("query doc 0 0.0")
//   med        MED.ALL (.W), MED.QRY (.W), MED.REL (TREC: query 0 doc 1)
//   npl        corpus/doc-text.trec (<DOC><DOCNO>), query-text.trec
//              (<top><num><title>), qrels (TREC)
//   time       TIME.ALL (*TEXT n ...), TIME.QUE (*FIND n ...), TIME.REL
//              ("query doc doc ..."), which numbers documents by their
//              POSITION in TIME.ALL (1..423), not by their *TEXT labels
//   lisa       LISA[0-9].[0-9]* concatenated, records separated by lines of
//              '*' and headed "Document N"; the title is the first
//              paragraph; records without a header and repeated ids are
//              skipped (the distributed files repeat documents 1998-2001
//              verbatim). LISA.QUE ("N", text ending in '#'), LISA.REL
//              ("Query N", "k Relevant Refs:", ids ending in -1)
// Numeric ids of the classic collections are compared without leading
// zeros (TIME's "017" is document 17). Classic judgments are binary.
//
// Indexing: schema {title: text, body: text}, not stored, AnalyzerOptions
// with stem_language = --stem (default "english"); --layout=flat instead
// indexes one field, body = title + "\n" + text (Anserini's BEIR "flat"
// index). Searching: each query's text is analyzed into words; words in the
// --stopwords list are dropped from the QUERY (the index keeps every word,
// as quarry always does); the rest is Query::Text over every text field,
// OR of the words (a title boost other than 1 makes it
// Or(Boost(Text(title), tb), Text(body))). Top 1,000 hits, ranked by
// trec_eval's rule (score descending, then document id descending).
//
// Flags:
//   --dir=DIR              the collection's directory (required)
//   --format=NAME          see above (default: detected)
//   --split=NAME           BEIR qrels split (default test)
//   --k1=X[,X...] --b=X[,X...]      BM25 parameters; every combination is
//                          run (default 0.9,1.2 and 0.4,0.75 paired:
//                          see --grid)
//   --grid                 all k1 x b combinations instead of pairs
//   --title-boost=X[,X...] weight of title matches (default 1)
//   --layout=fields|flat   (default fields)
//   --stem=LANG|none       Snowball stemmer (default english)
//   --stopwords=lucene|none|PATH   query words dropped (default lucene:
//                          Lucene's English stop set, 33 words); PATH is a
//                          file with one word per line
//   --depth=N              hits per query (default 1000)
//   --run=FILE             write the (last) run in TREC format
//   --min-ndcg=X --min-map=X --min-recall=X   exit 1 when any run scores
//                          below (for tests)
//   --self-test            check the metric arithmetic on hand-computed
//                          cases and exit
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "corpus.h"
#include "quarry/analyzer.h"
#include "quarry/index.h"
#include "quarry/query.h"
#include "quarry/schema.h"
#include "quarry/search.h"

namespace {

namespace fs = std::filesystem;
using quarry_bench::Die;
using quarry_bench::EndsWith;
using quarry_bench::LineReader;
using quarry_bench::SplitCommaList;

// ---------------------------------------------------------------------------
// Metrics (trec_eval's definitions)

// Judgments of one query: document id -> gain (<= 0: not relevant).
using Judgments = std::unordered_map<std::string, int>;

struct Ranked {
  std::string id;
  double score = 0;
};

// trec_eval's order: score descending, ties by document id descending.
void TrecSort(std::vector<Ranked>* run) {
  std::stable_sort(run->begin(), run->end(),
                   [](const Ranked& a, const Ranked& b) {
                     if (a.score != b.score) return a.score > b.score;
                     return a.id > b.id;
                   });
}

struct Metrics {
  double ndcg10 = 0, map = 0, recall100 = 0;
};

// `run` in rank order; cut at `depth` for MAP.
Metrics Evaluate(const std::vector<Ranked>& run, const Judgments& qrels,
                 std::size_t depth = 1000) {
  Metrics m;
  std::vector<int> gains;
  for (const auto& [doc, gain] : qrels) {
    if (gain > 0) gains.push_back(gain);
  }
  if (gains.empty()) return m;
  std::sort(gains.rbegin(), gains.rend());
  double idcg = 0;
  for (std::size_t i = 0; i < gains.size() && i < 10; ++i) {
    idcg += gains[i] / std::log2(static_cast<double>(i) + 2);
  }
  double dcg = 0, ap = 0;
  std::size_t found = 0, found100 = 0;
  for (std::size_t i = 0; i < run.size() && i < depth; ++i) {
    const auto it = qrels.find(run[i].id);
    const int gain = it == qrels.end() ? 0 : it->second;
    if (gain <= 0) continue;
    if (i < 10) dcg += gain / std::log2(static_cast<double>(i) + 2);
    ++found;
    if (i < 100) ++found100;
    ap += static_cast<double>(found) / static_cast<double>(i + 1);
  }
  const double relevant = static_cast<double>(gains.size());
  m.ndcg10 = idcg > 0 ? dcg / idcg : 0;
  m.map = ap / relevant;
  m.recall100 = static_cast<double>(found100) / relevant;
  return m;
}

bool Near(double a, double b) { return std::fabs(a - b) < 1e-9; }

int SelfTest() {
  int failures = 0;
  auto expect = [&](const char* what, double got, double want) {
    if (!Near(got, want)) {
      std::printf("FAIL %s: got %.12f, want %.12f\n", what, got, want);
      ++failures;
    } else {
      std::printf("ok   %s = %.6f\n", what, got);
    }
  };
  // Run d1 d2 d3; judged d1 (1), d3 (2), d4 (1), d5 (0), d6 (-1).
  const Judgments q = {{"d1", 1}, {"d3", 2}, {"d4", 1}, {"d5", 0}, {"d6", -1}};
  const std::vector<Ranked> run = {{"d1", 3}, {"d2", 2}, {"d3", 1}};
  const Metrics m = Evaluate(run, q);
  // DCG = 1/log2(2) + 2/log2(4) = 2; IDCG = 2 + 1/log2(3) + 1/log2(4).
  expect("ndcg@10", m.ndcg10, 2.0 / (2.0 + 1.0 / std::log2(3.0) + 0.5));
  expect("ap", m.map, (1.0 + 2.0 / 3.0) / 3.0);
  expect("recall@100", m.recall100, 2.0 / 3.0);
  // Relevant documents below rank 10 / 100 / depth.
  std::vector<Ranked> deep;
  for (int i = 0; i < 150; ++i) {
    std::string id = std::to_string(i);
    id.insert(id.begin(), 'x');
    deep.push_back({std::move(id), 1000.0 - i});
  }
  deep[11].id = "r1";   // rank 12
  deep[120].id = "r2";  // rank 121
  const Judgments q2 = {{"r1", 1}, {"r2", 1}};
  const Metrics m2 = Evaluate(deep, q2);
  expect("ndcg@10 (nothing in the top 10)", m2.ndcg10, 0);
  expect("ap (ranks 12, 121)", m2.map, (1.0 / 12 + 2.0 / 121) / 2);
  expect("recall@100 (one of two)", m2.recall100, 0.5);
  expect("ap cut at depth 100", Evaluate(deep, q2, 100).map, (1.0 / 12) / 2);
  // No relevant document at all: zeros (such queries are not averaged).
  expect("no relevant documents", Evaluate(run, {{"d2", 0}}).ndcg10, 0);
  // trec_eval tie order: equal scores, higher document id first.
  std::vector<Ranked> ties = {{"a", 1}, {"c", 2}, {"b", 1}};
  TrecSort(&ties);
  const bool order_ok =
      ties[0].id == "c" && ties[1].id == "b" && ties[2].id == "a";
  std::printf("%s tie order c b a: %s %s %s\n", order_ok ? "ok  " : "FAIL",
              ties[0].id.c_str(), ties[1].id.c_str(), ties[2].id.c_str());
  if (!order_ok) ++failures;
  // Graded perfect ranking: nDCG 1.
  expect("perfect graded ranking",
         Evaluate({{"d3", 3}, {"d1", 2}, {"d4", 1}}, q).ndcg10, 1.0);
  std::printf(failures == 0 ? "self-test passed\n" : "self-test FAILED\n");
  return failures == 0 ? 0 : 1;
}

// ---------------------------------------------------------------------------
// Collections

struct EvalDoc {
  std::string id, title, body;
};
struct EvalQuery {
  std::string id, text;
};
struct Collection {
  std::string format;
  std::vector<EvalDoc> docs;
  std::vector<EvalQuery> queries;
  std::unordered_map<std::string, Judgments> qrels;
  std::vector<std::string> notes;
};

std::string Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
    s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
    s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> Fields(std::string_view s) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    const std::size_t start = i;
    while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i > start) out.emplace_back(s.substr(start, i - start));
  }
  return out;
}

// Numeric ids without leading zeros; others unchanged.
std::string NormId(std::string_view s) {
  std::string t = Trim(s);
  if (t.empty() || !std::all_of(t.begin(), t.end(),
                                [](char c) { return c >= '0' && c <= '9'; })) {
    return t;
  }
  const std::size_t nz = t.find_first_not_of('0');
  return nz == std::string::npos ? "0" : t.substr(nz);
}

int ParseInt(const std::string& s, const std::string& where) {
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0' || errno != 0)
    Die("bad number '" + s + "' in " + where);
  return static_cast<int>(v);
}

// `dir/name` or `dir/name.gz`, whichever exists.
std::optional<std::string> Find(const std::string& dir,
                                const std::string& name) {
  std::error_code ec;
  for (const std::string& p : {dir + "/" + name, dir + "/" + name + ".gz"}) {
    if (fs::is_regular_file(p, ec)) return p;
  }
  return std::nullopt;
}

std::string Need(const std::string& dir, const std::string& name) {
  auto p = Find(dir, name);
  if (!p) Die("missing " + dir + "/" + name + "(.gz)");
  return *p;
}

std::vector<std::string> Lines(const std::string& path) {
  LineReader r(path);
  std::vector<std::string> lines;
  std::string line;
  while (r.Next(&line)) lines.push_back(line);
  return lines;
}

std::string JsonText(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

void LoadBeir(const std::string& dir, const std::string& split, Collection* c) {
  auto parse = [](const std::string& line, const std::string& path) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) Die("bad JSON line in " + path);
    return j;
  };
  const std::string corpus = Need(dir, "corpus.jsonl");
  for (const std::string& line : Lines(corpus)) {
    if (Trim(line).empty()) continue;
    const nlohmann::json j = parse(line, corpus);
    c->docs.push_back(
        {JsonText(j, "_id"), JsonText(j, "title"), JsonText(j, "text")});
  }
  const std::string queries = Need(dir, "queries.jsonl");
  for (const std::string& line : Lines(queries)) {
    if (Trim(line).empty()) continue;
    const nlohmann::json j = parse(line, queries);
    c->queries.push_back({JsonText(j, "_id"), JsonText(j, "text")});
  }
  const std::string qrels = Need(dir, "qrels/" + split + ".tsv");
  bool header = true;
  for (const std::string& line : Lines(qrels)) {
    const std::vector<std::string> f = Fields(line);
    if (f.empty()) continue;
    if (header) {
      header = false;
      if (f[0] == "query-id" || f[0] == "query_id" || f[0] == "qid") continue;
    }
    if (f.size() < 3) Die("bad qrels line in " + qrels + ": " + line);
    c->qrels[f[0]][f[1]] = ParseInt(f[2], qrels);
  }
}

// SMART-style records: ".I id" starts one, a line ".X" starts field X.
struct SmartRecord {
  std::string id;
  std::map<char, std::string> fields;
};

std::vector<SmartRecord> ReadSmart(const std::string& path) {
  std::vector<SmartRecord> out;
  char field = 0;
  for (const std::string& raw : Lines(path)) {
    const std::string line = Trim(raw);
    if (line.size() >= 3 && line[0] == '.' && line[1] == 'I' &&
        line[2] == ' ') {
      out.push_back({NormId(line.substr(3)), {}});
      field = 0;
      continue;
    }
    if (line.size() == 2 && line[0] == '.' && line[1] >= 'A' &&
        line[1] <= 'Z') {
      field = line[1];
      continue;
    }
    if (out.empty() || field == 0) continue;
    std::string& f = out.back().fields[field];
    if (!f.empty()) f.push_back('\n');
    f.append(raw);
  }
  return out;
}

std::string FieldOf(const SmartRecord& r, char f) {
  const auto it = r.fields.find(f);
  return it == r.fields.end() ? std::string() : it->second;
}

void SmartDocs(const std::string& path, bool has_title, Collection* c) {
  for (const SmartRecord& r : ReadSmart(path)) {
    c->docs.push_back(
        {r.id, has_title ? FieldOf(r, 'T') : "", FieldOf(r, 'W')});
  }
}

void SmartQueries(const std::string& path, bool by_position, Collection* c) {
  std::size_t position = 0;
  std::size_t stubs = 0;
  for (const SmartRecord& r : ReadSmart(path)) {
    const std::string text = FieldOf(r, 'W');
    if (Trim(text).empty()) {
      ++stubs;
      continue;
    }
    ++position;
    c->queries.push_back({by_position ? std::to_string(position) : r.id, text});
  }
  if (stubs > 0)
    c->notes.push_back(std::to_string(stubs) +
                       " query record(s) without text ignored");
}

// "query doc ..." lines: columns of the query and document ids, and of the
// judgment (-1: none, every pair relevant with gain 1).
void ColumnQrels(const std::string& path, std::size_t qcol, std::size_t dcol,
                 int rcol, Collection* c) {
  for (const std::string& line : Lines(path)) {
    const std::vector<std::string> f = Fields(line);
    if (f.empty()) continue;
    const std::size_t need =
        std::max({qcol, dcol, rcol < 0 ? 0 : static_cast<std::size_t>(rcol)}) +
        1;
    if (f.size() < need) Die("bad qrels line in " + path + ": " + line);
    int gain = 1;
    if (rcol >= 0)
      gain = static_cast<int>(std::lround(
          std::strtod(f[static_cast<std::size_t>(rcol)].c_str(), nullptr)));
    c->qrels[NormId(f[qcol])][NormId(f[dcol])] = gain;
  }
}

void LoadCranfield(const std::string& dir, Collection* c) {
  SmartDocs(Need(dir, "cran.all.1400"), true, c);
  SmartQueries(Need(dir, "cran.qry"), /*by_position=*/true, c);
  const std::string path = Need(dir, "cranqrel");
  std::size_t minus = 0;
  for (const std::string& line : Lines(path)) {
    const std::vector<std::string> f = Fields(line);
    if (f.empty()) continue;
    if (f.size() < 3) Die("bad qrels line in " + path + ": " + line);
    const int code = ParseInt(f[2], path);
    int gain = 0;
    if (code >= 1 && code <= 4) {
      gain = 5 - code;
    } else {
      ++minus;
    }
    c->qrels[NormId(f[0])][NormId(f[1])] = gain;
  }
  c->notes.push_back(
      "queries numbered by position; gains 5 - code (1..4 -> 4..1); " +
      std::to_string(minus) + " judgments with code -1 not relevant");
}

void LoadCacm(const std::string& dir, Collection* c) {
  SmartDocs(Need(dir, "cacm.all"), true, c);
  SmartQueries(Need(dir, "query.text"), false, c);
  ColumnQrels(Need(dir, "qrels.text"), 0, 1, -1, c);
}

void LoadCisi(const std::string& dir, Collection* c) {
  SmartDocs(Need(dir, "CISI.ALL"), true, c);
  SmartQueries(Need(dir, "CISI.QRY"), false, c);
  ColumnQrels(Need(dir, "CISI.REL"), 0, 1, -1, c);
}

void LoadMed(const std::string& dir, Collection* c) {
  SmartDocs(Need(dir, "MED.ALL"), false, c);
  SmartQueries(Need(dir, "MED.QRY"), false, c);
  ColumnQrels(Need(dir, "MED.REL"), 0, 2, 3, c);
}

// The text between <tag> and </tag> in `s` from `from`; npos when absent.
std::size_t Between(const std::string& s, const std::string& tag,
                    std::size_t from, std::string* out) {
  const std::string open = "<" + tag + ">", close = "</" + tag + ">";
  const std::size_t a = s.find(open, from);
  if (a == std::string::npos) return std::string::npos;
  const std::size_t b = s.find(close, a + open.size());
  if (b == std::string::npos) return std::string::npos;
  *out = s.substr(a + open.size(), b - a - open.size());
  return b + close.size();
}

std::string Slurp(const std::string& path) {
  std::string all;
  for (const std::string& line : Lines(path)) all.append(line).push_back('\n');
  return all;
}

void LoadNpl(const std::string& dir, Collection* c) {
  const std::string corpus = Slurp(Need(dir, "corpus/doc-text.trec"));
  std::size_t at = 0;
  std::string doc;
  while ((at = Between(corpus, "DOC", at, &doc)) != std::string::npos) {
    std::string id;
    const std::size_t end = Between(doc, "DOCNO", 0, &id);
    if (end == std::string::npos)
      Die("a <DOC> without <DOCNO> in doc-text.trec");
    c->docs.push_back({NormId(id), "", doc.substr(end)});
  }
  const std::string topics = Slurp(Need(dir, "query-text.trec"));
  at = 0;
  std::string top;
  while ((at = Between(topics, "top", at, &top)) != std::string::npos) {
    std::string num, title;
    if (Between(top, "num", 0, &num) == std::string::npos ||
        Between(top, "title", 0, &title) == std::string::npos) {
      Die("a <top> without <num> or <title> in query-text.trec");
    }
    c->queries.push_back({NormId(num), Trim(title)});
  }
  ColumnQrels(Need(dir, "qrels"), 0, 2, 3, c);
}

void LoadTime(const std::string& dir, Collection* c) {
  // "*TEXT 017 01/04/63 PAGE 020" records up to "*STOP".
  for (const auto& [file, marker] :
       {std::pair<std::string, std::string>{"TIME.ALL", "*TEXT"},
        {"TIME.QUE", "*FIND"}}) {
    std::string id, text;
    bool open = false;
    auto flush = [&] {
      if (!open) return;
      if (marker == "*TEXT") {
        // TIME.REL numbers documents by position: the 268th record (*TEXT
        // 334) is the one about Diem and the Buddhists that query 1 asks
        // for; *TEXT 268 is about Syria.
        c->docs.push_back({std::to_string(c->docs.size() + 1), "", text});
      } else {
        c->queries.push_back({id, Trim(text)});
      }
      open = false;
    };
    for (const std::string& line : Lines(Need(dir, file))) {
      if (line.rfind(marker, 0) == 0) {
        flush();
        const std::vector<std::string> f = Fields(line.substr(marker.size()));
        if (f.empty()) Die("no id after " + marker + " in " + file);
        id = NormId(f[0]);
        text.clear();
        open = true;
      } else if (line.rfind("*STOP", 0) == 0) {
        flush();
      } else if (open) {
        text.append(line).push_back('\n');
      }
    }
    flush();
  }
  c->notes.push_back(
      "documents numbered by position in TIME.ALL, as TIME.REL numbers them");
  // "query doc doc ..."
  const std::string rel = Need(dir, "TIME.REL");
  for (const std::string& line : Lines(rel)) {
    const std::vector<std::string> f = Fields(line);
    for (std::size_t i = 1; i < f.size(); ++i)
      c->qrels[NormId(f[0])][NormId(f[i])] = 1;
  }
}

void LoadLisa(const std::string& dir, Collection* c) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() > 5 && name.rfind("LISA", 0) == 0 && name[4] >= '0' &&
        name[4] <= '9') {
      files.push_back(e.path().string());
    }
  }
  if (files.empty()) Die("no LISA[0-9].* files in " + dir);
  std::sort(files.begin(), files.end());
  std::vector<std::string> record;
  std::unordered_set<std::string> seen;
  std::size_t headless = 0, repeated = 0;
  auto flush = [&] {
    std::size_t i = 0;
    while (i < record.size() && Trim(record[i]).empty()) ++i;
    if (i == record.size()) {
      record.clear();
      return;
    }
    const std::vector<std::string> head = Fields(record[i]);
    if (head.size() != 2 || head[0] != "Document") {
      ++headless;
      record.clear();
      return;
    }
    const std::string id = NormId(head[1]);
    std::string title, body;
    bool in_title = true;
    for (std::size_t k = i + 1; k < record.size(); ++k) {
      if (in_title && Trim(record[k]).empty()) {
        in_title = false;
        continue;
      }
      std::string& dst = in_title ? title : body;
      dst.append(record[k]).push_back('\n');
    }
    record.clear();
    if (!seen.insert(id).second) {
      ++repeated;
      return;
    }
    c->docs.push_back({id, title, body});
  };
  for (const std::string& f : files) {
    for (const std::string& line : Lines(f)) {
      const std::string t = Trim(line);
      if (!t.empty() && t.find_first_not_of('*') == std::string::npos) {
        flush();
      } else {
        record.push_back(line);
      }
    }
  }
  flush();
  c->notes.push_back(std::to_string(headless) +
                     " record(s) without a header and " +
                     std::to_string(repeated) + " repeated id(s) skipped");
  // Queries: "N" then text up to '#'.
  std::string id, text;
  bool open = false;
  for (const std::string& line : Lines(Need(dir, "LISA.QUE"))) {
    const std::string t = Trim(line);
    if (!open) {
      if (t.empty()) continue;
      id = NormId(t);
      text.clear();
      open = true;
      continue;
    }
    const std::size_t hash = line.find('#');
    text.append(line.substr(0, hash)).push_back('\n');
    if (hash != std::string::npos) {
      c->queries.push_back({id, Trim(text)});
      open = false;
    }
  }
  // "Query N" / "k Relevant Refs:" / ids ... -1
  std::string q;
  for (const std::string& line : Lines(Need(dir, "LISA.REL"))) {
    const std::vector<std::string> f = Fields(line);
    if (f.empty()) continue;
    if (f[0] == "Query" && f.size() == 2) {
      q = NormId(f[1]);
      continue;
    }
    if (f.size() >= 2 && f[1] == "Relevant") continue;
    for (const std::string& d : f) {
      if (d == "-1") break;
      if (q.empty()) Die("LISA.REL: ids before a 'Query N' line");
      c->qrels[q][NormId(d)] = 1;
    }
  }
}

std::string Detect(const std::string& dir) {
  if (Find(dir, "corpus.jsonl")) return "beir";
  if (Find(dir, "cran.all.1400")) return "cranfield";
  if (Find(dir, "cacm.all")) return "cacm";
  if (Find(dir, "CISI.ALL")) return "cisi";
  if (Find(dir, "MED.ALL")) return "med";
  if (Find(dir, "TIME.ALL")) return "time";
  if (Find(dir, "LISA.QUE")) return "lisa";
  if (Find(dir, "corpus/doc-text.trec")) return "npl";
  Die("cannot tell the format of " + dir + " (use --format)");
}

Collection Load(const std::string& dir, const std::string& format,
                const std::string& split) {
  Collection c;
  c.format = format.empty() ? Detect(dir) : format;
  if (c.format == "beir") {
    LoadBeir(dir, split, &c);
  } else if (c.format == "cranfield") {
    LoadCranfield(dir, &c);
  } else if (c.format == "cacm") {
    LoadCacm(dir, &c);
  } else if (c.format == "cisi") {
    LoadCisi(dir, &c);
  } else if (c.format == "med") {
    LoadMed(dir, &c);
  } else if (c.format == "npl") {
    LoadNpl(dir, &c);
  } else if (c.format == "time") {
    LoadTime(dir, &c);
  } else if (c.format == "lisa") {
    LoadLisa(dir, &c);
  } else {
    Die("unknown --format '" + c.format + "'");
  }
  return c;
}

// ---------------------------------------------------------------------------
// Flags

struct Options {
  std::string dir, format, split = "test";
  std::vector<double> k1 = {0.9, 1.2}, b = {0.4, 0.75};
  bool grid = false;
  std::vector<double> title_boost = {1.0};
  bool flat = false;
  std::string stem = "english";
  std::string stopwords = "lucene";
  std::string compounds = "phrase";
  std::size_t depth = 1000;
  std::string run_file;
  double min_ndcg = -1, min_map = -1, min_recall = -1;
  bool self_test = false;
};

double ParseNumber(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(d) || d < 0) {
    Die(flag + " wants a non-negative number, got '" + v + "'");
  }
  return d;
}

std::vector<double> ParseList(const std::string& flag, const std::string& v) {
  std::vector<std::string> items;
  SplitCommaList(v, &items);
  std::vector<double> out;
  for (const std::string& s : items) out.push_back(ParseNumber(flag, s));
  if (out.empty()) Die(flag + " needs a value");
  return out;
}

void PrintUsage() {
  std::printf(
      "eval: nDCG@10, MAP@1000, recall@100 of quarry's BM25 on a test "
      "collection\n"
      "  --dir=DIR                 collection directory (required)\n"
      "  --format=NAME             beir cranfield cacm cisi med npl time lisa "
      "(default: detected)\n"
      "  --split=NAME              BEIR qrels split (default test)\n"
      "  --k1=X[,X] --b=X[,X]      BM25 parameters (default 0.9,1.2 / 0.4,0.75 "
      "paired)\n"
      "  --grid                    every k1 x b combination\n"
      "  --title-boost=X[,X]       title weight (default 1)\n"
      "  --layout=fields|flat      two fields or one (default fields)\n"
      "  --stem=LANG|none          (default english)\n"
      "  --stopwords=lucene|none|PATH   query stop words (default lucene)\n"
      "  --compounds=phrase|parts|both  query compounds (default phrase)\n"
      "  --depth=N                 hits per query (default 1000)\n"
      "  --run=FILE                write the last run in TREC format\n"
      "  --min-ndcg=X --min-map=X --min-recall=X   fail below\n"
      "  --self-test               check the metrics and exit\n");
}

Options ParseFlags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value_of = [&](std::string_view flag, std::string* value) {
      return quarry_bench::FlagValue(argc, argv, &i, flag, value);
    };
    std::string v;
    if (value_of("--dir", &v)) {
      o.dir = v;
    } else if (value_of("--format", &v)) {
      o.format = v;
    } else if (value_of("--split", &v)) {
      o.split = v;
    } else if (value_of("--k1", &v)) {
      o.k1 = ParseList("--k1", v);
    } else if (value_of("--b", &v)) {
      o.b = ParseList("--b", v);
      for (double x : o.b) {
        if (x > 1) Die("--b must be in [0, 1]");
      }
    } else if (arg == "--grid") {
      o.grid = true;
    } else if (value_of("--title-boost", &v)) {
      o.title_boost = ParseList("--title-boost", v);
    } else if (value_of("--layout", &v)) {
      if (v != "fields" && v != "flat") Die("--layout is fields or flat");
      o.flat = v == "flat";
    } else if (value_of("--stem", &v)) {
      o.stem = v == "none" ? "" : v;
    } else if (value_of("--stopwords", &v)) {
      o.stopwords = v;
    } else if (value_of("--compounds", &v)) {
      if (v != "phrase" && v != "parts" && v != "both") {
        Die("--compounds is phrase, parts or both");
      }
      o.compounds = v;
    } else if (value_of("--depth", &v)) {
      o.depth = static_cast<std::size_t>(ParseNumber("--depth", v));
      if (o.depth == 0) Die("--depth must be positive");
    } else if (value_of("--run", &v)) {
      o.run_file = v;
    } else if (value_of("--min-ndcg", &v)) {
      o.min_ndcg = ParseNumber("--min-ndcg", v);
    } else if (value_of("--min-map", &v)) {
      o.min_map = ParseNumber("--min-map", v);
    } else if (value_of("--min-recall", &v)) {
      o.min_recall = ParseNumber("--min-recall", v);
    } else if (arg == "--self-test") {
      o.self_test = true;
    } else if (arg == "--help" || arg == "-h") {
      PrintUsage();
      std::exit(0);
    } else {
      PrintUsage();
      Die("unknown flag '" + std::string(arg) + "'");
    }
  }
  if (!o.self_test && o.dir.empty()) {
    PrintUsage();
    Die("--dir is required");
  }
  if (!o.grid && o.k1.size() != o.b.size()) {
    Die("--k1 and --b need the same number of values (or --grid)");
  }
  return o;
}

// Lucene's English stop words (EnglishAnalyzer.ENGLISH_STOP_WORDS_SET).
constexpr std::string_view kLuceneStopWords[] = {
    "a",    "an",   "and",  "are",  "as",   "at",    "be",   "but",   "by",
    "for",  "if",   "in",   "into", "is",   "it",    "no",   "not",   "of",
    "on",   "or",   "such", "that", "the",  "their", "then", "there", "these",
    "they", "this", "to",   "was",  "will", "with"};

std::unordered_set<std::string> StopWords(const std::string& spec) {
  std::unordered_set<std::string> out;
  if (spec == "none") return out;
  if (spec == "lucene") {
    for (std::string_view w : kLuceneStopWords) out.emplace(w);
    return out;
  }
  for (const std::string& line : Lines(spec)) {
    const std::string w = Trim(line);
    if (!w.empty()) out.insert(w);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Index and search

quarry::AnalyzerOptions AnalyzerFor(const Options& o) {
  quarry::AnalyzerOptions a;
  a.stem_language = o.stem;
  return a;
}

std::string BuildIndex(const Collection& c, const Options& o,
                       std::size_t* indexed) {
  char tmpl[] = "/tmp/quarry_eval.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr)
    Die(std::string("mkdtemp: ") + std::strerror(errno));
  const std::string dir = std::string(tmpl) + "/index";
  quarry::Schema schema;
  if (!o.flat) schema.AddText("title", /*stored=*/false, AnalyzerFor(o));
  schema.AddText("body", /*stored=*/false, AnalyzerFor(o));
  quarry::IndexWriterOptions wo;
  wo.schema = schema;
  auto w = quarry::IndexWriter::Open(dir, std::move(wo));
  if (!w.ok()) Die("IndexWriter::Open: " + w.status().ToString());
  std::vector<quarry::Document> batch;
  std::unordered_set<std::string> ids;
  auto flush = [&] {
    const quarry::Status s = (*w)->UpdateBatch(batch);
    if (!s.ok()) Die("UpdateBatch: " + s.ToString());
    batch.clear();
  };
  for (const EvalDoc& d : c.docs) {
    if (d.id.empty() || !ids.insert(d.id).second)
      Die("empty or repeated document id '" + d.id + "'");
    quarry::Document doc;
    doc.id = d.id;
    if (o.flat) {
      std::string text = d.title;
      if (!text.empty() && !d.body.empty()) text.append("\n");
      text.append(d.body);
      doc.Add("body", std::move(text));
    } else {
      if (!d.title.empty()) doc.Add("title", d.title);
      if (!d.body.empty()) doc.Add("body", d.body);
    }
    batch.push_back(std::move(doc));
    ++*indexed;
    if (batch.size() == 1000) flush();
  }
  flush();
  const quarry::Status s = (*w)->Commit();
  if (!s.ok()) Die("Commit: " + s.ToString());
  return tmpl;
}

// The query text without stop words (the original text when every word is
// one), compounds as --compounds says.
std::string QueryText(quarry::Analyzer& analyzer, const std::string& text,
                      const std::unordered_set<std::string>& stop,
                      const std::string& compounds) {
  if (stop.empty() && compounds == "phrase") return text;
  auto q = analyzer.AnalyzeQuery(text);
  if (!q.ok()) Die("AnalyzeQuery: " + q.status().ToString());
  std::string out;
  auto add = [&](std::string_view piece) {
    if (!out.empty()) out.push_back(' ');
    out.append(piece);
  };
  for (const quarry::QueryWord& w : q->words) {
    if (w.parts.size() == 1) {
      if (stop.count(w.parts[0]) == 0)
        add(std::string_view(text).substr(w.start, w.end - w.start));
      continue;
    }
    // A compound: as quarry matches it (its parts as a phrase, or the joined
    // form), and/or each part as a word of its own.
    if (compounds != "parts")
      add(std::string_view(text).substr(w.start, w.end - w.start));
    if (compounds != "phrase") {
      for (const std::string& part : w.parts) {
        if (stop.count(part) == 0) add(part);
      }
    }
  }
  return out.empty() ? text : out;
}

struct Setting {
  double k1, b, title_boost;
};

struct Score {
  Metrics mean;
  std::size_t queries = 0;
};

Score RunQueries(const std::shared_ptr<const quarry::IndexReader>& reader,
                 const Collection& c, const std::vector<std::string>& texts,
                 const Setting& s, const Options& o, std::FILE* run) {
  quarry::SearcherOptions so;
  so.k1 = s.k1;
  so.b = s.b;
  auto searcher = quarry::Searcher::Create(reader, so);
  if (!searcher.ok()) Die("Searcher::Create: " + searcher.status().ToString());
  quarry::SearchOptions opts;
  opts.limit = o.depth;
  opts.total_hits_threshold = 0;
  opts.load_fields = false;
  Score score;
  for (std::size_t i = 0; i < c.queries.size(); ++i) {
    const EvalQuery& q = c.queries[i];
    const auto judged = c.qrels.find(q.id);
    if (judged == c.qrels.end()) continue;
    bool any = false;
    for (const auto& [doc, gain] : judged->second) any = any || gain > 0;
    if (!any) continue;
    quarry::Query query;
    if (o.flat || s.title_boost == 1.0) {
      query = quarry::Query::Text("", texts[i]);
    } else {
      query = quarry::Query::Or(
          {quarry::Query::Boost(quarry::Query::Text("title", texts[i]),
                                static_cast<float>(s.title_boost)),
           quarry::Query::Text("body", texts[i])});
    }
    auto result = (*searcher)->Search(query, opts);
    if (!result.ok())
      Die("Search(" + q.id + "): " + result.status().ToString());
    std::vector<Ranked> ranked;
    for (const quarry::Hit& h : result->hits) ranked.push_back({h.id, h.score});
    TrecSort(&ranked);
    const Metrics m = Evaluate(ranked, judged->second, o.depth);
    score.mean.ndcg10 += m.ndcg10;
    score.mean.map += m.map;
    score.mean.recall100 += m.recall100;
    ++score.queries;
    if (run != nullptr) {
      for (std::size_t r = 0; r < ranked.size(); ++r) {
        std::fprintf(run, "%s Q0 %s %zu %.6f quarry\n", q.id.c_str(),
                     ranked[r].id.c_str(), r + 1, ranked[r].score);
      }
    }
  }
  if (score.queries > 0) {
    const double n = static_cast<double>(score.queries);
    score.mean.ndcg10 /= n;
    score.mean.map /= n;
    score.mean.recall100 /= n;
  }
  return score;
}

}  // namespace

int main(int argc, char** argv) {
  quarry_bench::SetProgramName("eval");
  const Options o = ParseFlags(argc, argv);
  if (o.self_test) return SelfTest();

  const Collection c = Load(o.dir, o.format, o.split);
  std::size_t judged_queries = 0, qrels_pairs = 0, missing_text = 0;
  {
    std::unordered_set<std::string> with_text;
    for (const EvalQuery& q : c.queries) with_text.insert(q.id);
    for (const auto& [qid, j] : c.qrels) {
      bool any = false;
      for (const auto& [doc, gain] : j) {
        any = any || gain > 0;
        qrels_pairs += gain > 0;
      }
      if (!any) continue;
      if (with_text.count(qid) > 0) {
        ++judged_queries;
      } else {
        ++missing_text;
      }
    }
  }
  std::printf(
      "eval: %s (%s): %zu documents, %zu queries, %zu with relevant "
      "documents (%zu relevant pairs)\n",
      o.dir.c_str(), c.format.c_str(), c.docs.size(), c.queries.size(),
      judged_queries, qrels_pairs);
  for (const std::string& n : c.notes) std::printf("  note: %s\n", n.c_str());
  if (missing_text > 0) {
    std::printf("  note: %zu judged queries have no text (not evaluated)\n",
                missing_text);
  }
  if (judged_queries == 0) Die("no judged queries");

  std::size_t indexed = 0;
  const std::string tmp = BuildIndex(c, o, &indexed);
  auto reader = quarry::IndexReader::Open(tmp + "/index");
  if (!reader.ok()) Die("IndexReader::Open: " + reader.status().ToString());
  auto analyzer = quarry::Analyzer::Create(AnalyzerFor(o));
  if (!analyzer.ok()) Die("Analyzer::Create: " + analyzer.status().ToString());
  const std::unordered_set<std::string> stop = StopWords(o.stopwords);
  std::vector<std::string> texts;
  for (const EvalQuery& q : c.queries)
    texts.push_back(QueryText(*analyzer, q.text, stop, o.compounds));

  std::vector<Setting> settings;
  for (double tb : o.title_boost) {
    if (o.grid) {
      for (double k1 : o.k1) {
        for (double b : o.b) settings.push_back({k1, b, tb});
      }
    } else {
      for (std::size_t i = 0; i < o.k1.size(); ++i)
        settings.push_back({o.k1[i], o.b[i], tb});
    }
  }
  std::printf(
      "  settings: layout %s, stemming %s, query stop words %s (%zu), "
      "query compounds %s, depth %zu\n",
      o.flat ? "flat (title+text in one field)" : "fields (title, body)",
      o.stem.empty() ? "none" : o.stem.c_str(), o.stopwords.c_str(),
      stop.size(), o.compounds.c_str(), o.depth);
  std::printf("  %-6s %-6s %-6s %8s %9s %9s %9s\n", "k1", "b", "title",
              "queries", "nDCG@10", "MAP", "R@100");
  bool below = false;
  for (std::size_t i = 0; i < settings.size(); ++i) {
    const Setting& s = settings[i];
    std::FILE* run = nullptr;
    if (!o.run_file.empty() && i + 1 == settings.size()) {
      run = std::fopen(o.run_file.c_str(), "w");
      if (run == nullptr) Die("cannot write " + o.run_file);
    }
    const Score sc = RunQueries(*reader, c, texts, s, o, run);
    if (run != nullptr) std::fclose(run);
    std::printf("  %-6.2f %-6.2f %-6.2f %8zu %9.4f %9.4f %9.4f\n", s.k1, s.b,
                s.title_boost, sc.queries, sc.mean.ndcg10, sc.mean.map,
                sc.mean.recall100);
    // Machine-readable line for run_eval.sh.
    std::printf("RESULT\t%s\t%zu\t%zu\t%.2f\t%.2f\t%.2f\t%.4f\t%.4f\t%.4f\n",
                c.format.c_str(), c.docs.size(), sc.queries, s.k1, s.b,
                s.title_boost, sc.mean.ndcg10, sc.mean.map, sc.mean.recall100);
    if (sc.mean.ndcg10 < o.min_ndcg || sc.mean.map < o.min_map ||
        sc.mean.recall100 < o.min_recall) {
      below = true;
    }
  }
  reader->reset();
  std::error_code ec;
  fs::remove_all(tmp, ec);
  if (below) {
    std::printf(
        "FAILED: a run scored below --min-ndcg/--min-map/--min-recall\n");
    return 1;
  }
  return 0;
}
