// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// search_bench: how fast quarry answers queries, against Xapian and SQLite
// FTS5 over the same documents and the same terms, with every answer
// checked. A plain program (no Google Benchmark timing loop): each query is
// the unit of work, and its answer is compared across engines.
//
// Engines, all built over the corpus' title and body (and reused from
// --index-dir when the corpus is unchanged):
//   quarry  IndexWriter, schema {title: text, body: text}, stored fields
//           OFF, default AnalyzerOptions; UpdateBatch in batches of 1,000,
//           Commit, ForceMerge(1); queried through one Searcher (k1 = 1.2,
//           b = 0.75).
//   xapian  Xapian glass database fed quarry's own tokens: every document is
//           analyzed with quarry::Analyzer (the schema's options) and each
//           body token is added with add_posting(term, position + 1), so the
//           terms and positions are quarry's. Title tokens get the prefix
//           "S" and wdf increment 0: they are indexed, but Xapian's document
//           length (the sum of wdf) is the body's length, as quarry's BM25
//           on the body field uses the body's length. Plus the boolean id
//           term "Q<id>" and the id as document data. Docid = document
//           ordinal + 1. One commit, then
//           Database::compact (FULLER). Weighting for top-10:
//           BM25Weight(k1 = 1.2, k2 = 0, k3 = 1, b = 0.75, min_normlen = 0)
//           (Lucene's k1 and b, no length floor); Xapian's idf is
//           log((N - df + 0.5) / (df + 0.5)) (with its own fix-up below 2),
//           not Lucene's log(1 + ...), so multi-term rankings differ a
//           little; single-term rankings depend only on tf and length.
//   fts5    SQLite FTS5, contentless (content=''), detail=full, with a
//           tokenizer registered by this program ("quarry_tokens") that
//           splits on spaces; every field is fed quarry's tokens joined by
//           spaces, and a token at the same position as the one before it
//           (a compound's joined form and its first part) is marked and
//           passed as FTS5_TOKEN_COLOCATED, so FTS5 sees quarry's terms at
//           quarry's positions. journal_mode=OFF, synchronous=OFF while
//           building; 'optimize' and VACUUM at the end. Queried with
//           mmap_size = 4 GiB and a 64 MiB page cache.
//
// Queries (all on the body field; every term is an exact quarry term):
//   term    one term                 quarry Term, Xapian Query(term),
//                                    FTS5 body : "t"
//   and     two terms, both          quarry And, Xapian OP_AND,
//                                    FTS5 body : ("a" AND "b")
//   or      two terms, either        quarry Or, Xapian OP_OR,
//                                    FTS5 body : ("a" OR "b")
//   phrase  2-3 consecutive terms    quarry TermPhrase, Xapian OP_PHRASE
//                                    (window = number of terms),
//                                    FTS5 body : "a b c"
// They come from --queries files (see below) or are sampled from the corpus
// itself (no --queries, or --sample-queries): terms of random documents;
// pairs of such terms, one per document-frequency bucket pair; 2-3 word
// windows of random documents.
//
// Buckets, by document frequency in THIS corpus (body field, N documents):
//   high  df >= --high-df * N   (default 5%)
//   med   --low-df * N <= df < --high-df * N
//   low   df < --low-df * N     (default 0.5%); df = 0 is dropped
// term/<bucket>; and|or/<bucket of the commoner term>+<bucket of the rarer>
// (as Lucene's AndHighMed); phrase/<bucket of the phrase's own document
// count> (as Lucene's HighPhrase). At most --per-class queries per class,
// chosen by a hash of their terms (deterministic).
//
// Modes: every query runs
//   top10  quarry Search(limit 10, total_hits_threshold 0, no stored fields);
//          Xapian get_mset(0, 10) (check_at_least 0) with BM25;
//          FTS5 SELECT rowid ... WHERE t MATCH ? ORDER BY rank LIMIT 10.
//          Each engine hands back the application's document key: quarry's
//          hits carry the id (read from its id table), Xapian's reads each
//          hit's document data; both are checked against the corpus id at
//          the hit's document number. FTS5's key is the rowid.
//   count  quarry Count; Xapian get_mset(0, 0, doccount) with BoolWeight
//          (every match checked: an exact count); FTS5 SELECT count(*)
// Timing: per query and mode, each engine runs once untimed (its answer is
// the one checked), then up to --repeats timed runs, interleaved across
// engines, stopping early for an engine once its timed runs of this query
// pass --budget-ms; the query's latency is the median of its runs. A
// class's p50 and p95 are over its queries' latencies, in microseconds;
// quarry/xapian and quarry/fts5 are ratios of p50s (below 1: quarry faster).
// Query objects are built outside the timed region; quarry's rewrite of the
// Query, Xapian's Enquire and FTS5's parsing of the MATCH text are inside.
//
// Answer checks (a failure is printed loudly and makes the exit status 1):
//   * exact counts: quarry Count == Xapian == FTS5 for every query;
//   * quarry top-10 with total_hits_threshold 0 (block-max pruning) equals
//     quarry top-10 with an exact count (same documents, same order), and
//     that search's total_hits equals Count;
//   * every engine returns min(10, count) hits; quarry's scores never rise.
// Reported: the mean overlap of quarry's top-10 with Xapian's and FTS5's
// (|intersection| / min(10, count)); for term queries quarry and Xapian
// should agree almost exactly (a warning below --min-term-overlap).
//
// Query files (--queries=PATH[,PATH...], files or directories searched for
// *.tasks, *.txt, *.jsonl): one query per line, in any of
//   luceneutil tasks   `Category: query  # comment`
//   benchmark game     {"query": "...", "tags": [...]}  or  `TOP_10<TAB>query`
//   plain              `query`
// Query syntax understood: `word`, `a b` (or), `+a +b` (and), `"a b c"`
// (phrase). Anything else (-, ~, *, fields, 3+ term and/or, phrases longer
// than 3 words, words the analyzer splits into compounds or drops) is
// skipped and counted. Every distinct word of every query is also a term
// candidate. Phrases whose non-final word also occurs in the corpus as a
// compound's joined form are skipped: quarry continues a phrase after a
// joined token at position + position_length (ARCHITECTURE.md), Xapian and
// FTS5 at position + 1, so their counts differ by design there.
//
// Flags:
//   --corpus=PATH[,PATH...]  JSONL(.gz) files or directories (corpus.h);
//                            default: 5,000 generated documents
//   --max-docs=N             at most N documents
//   --index-dir=DIR          where the three indexes live; reused when they
//                            were built from the same documents (a
//                            fingerprint of ids and text), rebuilt otherwise.
//                            Default: a temporary directory, removed
//   --rebuild                rebuild the indexes even if reusable
//   --queries=PATH[,...]     query files or directories (see above)
//   --sample-queries         also sample queries from the corpus
//   --per-class=N            queries per class (default 50)
//   --repeats=N              timed runs per query (default 5)
//   --budget-ms=X            stop repeating a query on an engine after X ms
//                            of timed runs (default 250)
//   --high-df=F --low-df=F   bucket bounds as fractions of N (0.05, 0.005)
//   --threads=N              quarry's analysis_threads when building (1)
//   --min-term-overlap=F     warn below this mean top-10 overlap of quarry
//                            and Xapian on term classes (default 0.9)
//   --verbose                print every query's answers
//   --classes=P[,P...]       only the classes whose names start with one of
//                            these prefixes (e.g. phrase,and/low)
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
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
using quarry_bench::Corpus;
using quarry_bench::Die;
using quarry_bench::EndsWith;
using quarry_bench::LineReader;
using quarry_bench::SplitCommaList;

constexpr const char* kBodyField = "body";
constexpr double kK1 = 1.2;
constexpr double kB = 0.75;

// Concatenates strings and integers (GCC 12 warns falsely, -Wrestrict, on
// some `"literal" + std::string` temporaries).
inline void AppendPiece(std::string* s, std::string_view v) { s->append(v); }
template <typename T>
requires std::is_integral_v<T>
void AppendPiece(std::string* s, T v) { s->append(std::to_string(v)); }
template <typename... P>
std::string Cat(const P&... parts) {
  std::string s;
  (AppendPiece(&s, parts), ...);
  return s;
}

// ---------------------------------------------------------------------------
// Flags

struct Options {
  std::vector<std::string> corpus;
  std::size_t max_docs = 0;
  std::string index_dir;
  bool rebuild = false;
  std::vector<std::string> queries;
  bool sample_queries = false;
  std::size_t per_class = 50;
  int repeats = 5;
  double budget_ms = 250;
  double high_df = 0.05;
  double low_df = 0.005;
  unsigned threads = 1;
  double min_term_overlap = 0.9;
  bool verbose = false;
  std::vector<std::string> classes;  // run only classes starting with one
};

void PrintUsage() {
  std::printf(
      "search_bench: query latency of quarry, Xapian and SQLite FTS5 over the "
      "same documents, answers checked\n"
      "  --corpus=PATH[,PATH...]  JSONL(.gz) files or directories (default: "
      "5,000 generated docs)\n"
      "  --max-docs=N             at most N documents\n"
      "  --index-dir=DIR          keep/reuse the indexes here (default: temp)\n"
      "  --rebuild                rebuild the indexes in --index-dir\n"
      "  --queries=PATH[,PATH...] query files or directories\n"
      "  --sample-queries         also sample queries from the corpus\n"
      "  --per-class=N            queries per class (default 50)\n"
      "  --repeats=N              timed runs per query (default 5)\n"
      "  --budget-ms=X            per query and engine (default 250)\n"
      "  --high-df=F --low-df=F   bucket bounds, fractions of N (0.05 0.005)\n"
      "  --threads=N              quarry analysis threads when building (1)\n"
      "  --min-term-overlap=F     warn below this (default 0.9)\n"
      "  --verbose                print every query's answers\n"
      "  --classes=P[,P...]       run only the classes whose names start\n"
      "                           with one of these (e.g. phrase,and/low)\n");
}

std::uint64_t ParsePositive(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || end == v.c_str() || *end != '\0' || errno != 0 || n == 0 ||
      v[0] == '-') {
    Die(flag + " wants a positive integer, got '" + v + "'");
  }
  return n;
}

double ParseFraction(const std::string& flag, const std::string& v,
                     double max) {
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end == v.c_str() || *end != '\0' || !(d >= 0) || d > max) {
    Die(Cat(flag, " wants a number in [0, ", std::to_string(max), "], got '", v,
            "'"));
  }
  return d;
}

Options ParseFlags(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value_of = [&](std::string_view flag, std::string* value) {
      return quarry_bench::FlagValue(argc, argv, &i, flag, value);
    };
    std::string v;
    if (value_of("--corpus", &v)) {
      SplitCommaList(v, &o.corpus);
    } else if (value_of("--max-docs", &v)) {
      o.max_docs = ParsePositive("--max-docs", v);
    } else if (value_of("--index-dir", &v)) {
      o.index_dir = v;
    } else if (arg == "--rebuild") {
      o.rebuild = true;
    } else if (value_of("--queries", &v)) {
      SplitCommaList(v, &o.queries);
    } else if (arg == "--sample-queries") {
      o.sample_queries = true;
    } else if (value_of("--per-class", &v)) {
      o.per_class = ParsePositive("--per-class", v);
    } else if (value_of("--repeats", &v)) {
      o.repeats = static_cast<int>(
          std::min<std::uint64_t>(ParsePositive("--repeats", v), 1000));
    } else if (value_of("--budget-ms", &v)) {
      o.budget_ms = ParseFraction("--budget-ms", v, 1e7);
    } else if (value_of("--high-df", &v)) {
      o.high_df = ParseFraction("--high-df", v, 1);
    } else if (value_of("--low-df", &v)) {
      o.low_df = ParseFraction("--low-df", v, 1);
    } else if (value_of("--threads", &v)) {
      o.threads = static_cast<unsigned>(
          std::min<std::uint64_t>(ParsePositive("--threads", v), 256));
    } else if (value_of("--min-term-overlap", &v)) {
      o.min_term_overlap = ParseFraction("--min-term-overlap", v, 1);
    } else if (arg == "--verbose") {
      o.verbose = true;
    } else if (value_of("--classes", &v)) {
      SplitCommaList(v, &o.classes);
    } else if (arg == "--help" || arg == "-h") {
      PrintUsage();
      std::exit(0);
    } else {
      PrintUsage();
      Die(Cat("unknown flag '", arg, "'"));
    }
  }
  if (o.low_df > o.high_df) Die("--low-df must not exceed --high-df");
  return o;
}

// ---------------------------------------------------------------------------
// Small helpers

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::uint64_t Fnv(std::string_view s, std::uint64_t h = 0xCBF29CE484222325ull) {
  for (char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ull;
  return h;
}

// Identifies the documents an index was built from: count, ids and text.
std::uint64_t Fingerprint(const Corpus& c) {
  std::uint64_t h = Fnv(std::to_string(c.size()));
  for (std::size_t i = 0; i < c.size(); ++i) {
    h = Fnv(c.Id(i), h);
    h = Fnv(std::string_view("\x1f", 1), h);
    h = Fnv(c.Title(i), h);
    h = Fnv(std::string_view("\x1e", 1), h);
    h = Fnv(c.Body(i), h);
    h = Fnv(std::string_view("\x1d", 1), h);
  }
  return h;
}

std::uint64_t DirBytes(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
  std::uint64_t total = 0;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  }
  return total;
}

std::string ReadFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  std::string out;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

void WriteFile(const std::string& path, std::string_view data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr ||
      std::fwrite(data.data(), 1, data.size(), f) != data.size() ||
      std::fclose(f) != 0) {
    Die("cannot write " + path);
  }
}

void RemoveAll(const std::string& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) Die("cannot remove " + path + ": " + ec.message());
}

quarry::Schema BenchSchema() {
  quarry::Schema s;
  s.AddText("title", /*stored=*/false);
  s.AddText(kBodyField, /*stored=*/false);
  return s;
}

quarry::Analyzer MakeAnalyzer() {
  // The options of the schema's text fields (both use the same).
  auto a = quarry::Analyzer::Create(BenchSchema().fields()[1].analyzer);
  if (!a.ok()) Die("Analyzer::Create: " + a.status().ToString());
  return std::move(a).value();
}

// ---------------------------------------------------------------------------
// FTS5 with quarry's tokens: a tokenizer that splits on spaces; a token that
// starts with \x01 is at the same position as the one before it. A quarry
// term may itself contain a space (NFKC folds U+202F NARROW NO-BREAK SPACE,
// which joins digit groups in `2 000`, to U+0020): inside a term it is
// written as \x02, in the documents and in the queries alike.

constexpr char kColocated = '\x01';
constexpr char kSpaceInTerm = '\x02';

// A quarry term as FTS5 sees it.
void AppendFts5Term(std::string* out, std::string_view term) {
  for (char ch : term) out->push_back(ch == ' ' ? kSpaceInTerm : ch);
}

int TokCreate(void*, const char**, int, Fts5Tokenizer** out) {
  static int instance;
  *out = reinterpret_cast<Fts5Tokenizer*>(&instance);
  return SQLITE_OK;
}

void TokDelete(Fts5Tokenizer*) {}

int TokTokenize(Fts5Tokenizer*, void* ctx, int /*flags*/, const char* text,
                int n, int (*token)(void*, int, const char*, int, int, int)) {
  int i = 0;
  while (i < n) {
    while (i < n && text[i] == ' ') ++i;
    if (i >= n) break;
    int tflags = 0;
    if (text[i] == kColocated) {
      tflags = FTS5_TOKEN_COLOCATED;
      ++i;
    }
    const int start = i;
    while (i < n && text[i] != ' ') ++i;
    if (i > start) {
      const int rc = token(ctx, tflags, text + start, i - start, start, i);
      if (rc != SQLITE_OK) return rc;
    }
  }
  return SQLITE_OK;
}

// Collects a field's tokens as FTS5 text; counts position gaps (which the
// encoding cannot express; single-valued fields have none).
class Fts5TextSink : public quarry::TokenSink {
 public:
  explicit Fts5TextSink(std::string* out) : out_(out) {}
  void OnToken(const quarry::TokenView& t) override {
    if (!out_->empty()) out_->push_back(' ');
    if (any_ && t.position == last_) {
      out_->push_back(kColocated);
    } else if (any_ && t.position != last_ + 1) {
      ++gaps_;
    }
    AppendFts5Term(out_, t.term);
    last_ = t.position;
    any_ = true;
  }
  std::uint64_t gaps() const { return gaps_; }

 private:
  std::string* out_;
  std::uint32_t last_ = 0;
  bool any_ = false;
  std::uint64_t gaps_ = 0;
};

class Sqlite {
 public:
  Sqlite() = default;
  ~Sqlite() {
    for (sqlite3_stmt* st : stmts_) sqlite3_finalize(st);
    if (db_ != nullptr) sqlite3_close(db_);
  }
  Sqlite(const Sqlite&) = delete;
  Sqlite& operator=(const Sqlite&) = delete;

  void Open(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      Die("sqlite3_open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "?"));
    }
    // Register the tokenizer (needed by every connection to the table).
    fts5_api* api = nullptr;
    sqlite3_stmt* st = Prepare("SELECT fts5(?1)");
    sqlite3_bind_pointer(st, 1, static_cast<void*>(&api), "fts5_api_ptr",
                         nullptr);
    sqlite3_step(st);
    Finalize(st);
    if (api == nullptr) Die("this SQLite has no FTS5");
    static fts5_tokenizer tokenizer = {TokCreate, TokDelete, TokTokenize};
    if (api->xCreateTokenizer(api, "quarry_tokens", nullptr, &tokenizer,
                              nullptr) != SQLITE_OK) {
      Die("fts5 xCreateTokenizer failed");
    }
  }
  void Exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      const std::string err = sql + ": " + (msg ? msg : sqlite3_errmsg(db_));
      sqlite3_free(msg);
      Die(err);
    }
  }
  sqlite3_stmt* Prepare(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      Die(sql + ": " + sqlite3_errmsg(db_));
    }
    stmts_.push_back(st);
    return st;
  }
  void Finalize(sqlite3_stmt* st) {
    stmts_.erase(std::remove(stmts_.begin(), stmts_.end(), st), stmts_.end());
    sqlite3_finalize(st);
  }
  std::int64_t Int(const std::string& sql) {
    sqlite3_stmt* st = Prepare(sql);
    if (sqlite3_step(st) != SQLITE_ROW) Die(sql + ": " + sqlite3_errmsg(db_));
    const std::int64_t v = sqlite3_column_int64(st, 0);
    Finalize(st);
    return v;
  }
  const char* error() const { return sqlite3_errmsg(db_); }

 private:
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> stmts_;
};

// ---------------------------------------------------------------------------
// Building the indexes

struct IndexPaths {
  std::string dir;
  std::string meta() const { return dir + "/search_bench.meta"; }
  std::string quarry() const { return dir + "/quarry"; }
  std::string xapian() const { return dir + "/xapian"; }
  std::string xapian_tmp() const { return dir + "/xapian.tmp"; }
  std::string fts5() const { return dir + "/fts5.db"; }
  std::string joined() const { return dir + "/joined_terms.txt"; }
  std::string done(const char* engine) const {
    return dir + "/" + engine + ".done";
  }
};

void Progress(const char* engine, std::size_t i, std::size_t n, double t0) {
  if (i % 50000 != 0 || i == 0) return;
  std::fprintf(stderr, "  %s: %zu / %zu documents, %.0f s\n", engine, i, n,
               Now() - t0);
}

double BuildQuarry(const Corpus& c, const IndexPaths& p, unsigned threads) {
  const double t0 = Now();
  quarry::IndexWriterOptions o;
  o.schema = BenchSchema();
  o.analysis_threads = threads;
  auto w = quarry::IndexWriter::Open(p.quarry(), std::move(o));
  if (!w.ok()) Die("IndexWriter::Open: " + w.status().ToString());
  constexpr std::size_t kBatch = 1000;
  std::vector<quarry::Document> batch;
  for (std::size_t i = 0; i < c.size(); i += kBatch) {
    Progress("quarry", i, c.size(), t0);
    const std::size_t n = std::min(kBatch, c.size() - i);
    batch.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      quarry::Document& d = batch[k];
      d.id.assign(c.Id(i + k));
      d.fields.resize(2);
      d.fields[0].first = "title";
      d.fields[0].second.assign(c.Title(i + k));
      d.fields[1].first = kBodyField;
      d.fields[1].second.assign(c.Body(i + k));
    }
    const quarry::Status s = (*w)->UpdateBatch(batch);
    if (!s.ok()) Die("UpdateBatch: " + s.ToString());
  }
  quarry::Status s = (*w)->Commit();
  if (!s.ok()) Die("Commit: " + s.ToString());
  s = (*w)->ForceMerge(1);
  if (!s.ok()) Die("ForceMerge(1): " + s.ToString());
  return Now() - t0;
}

// Adds quarry's tokens to a Xapian document.
class XapianSink : public quarry::TokenSink {
 public:
  XapianSink(Xapian::Document* doc, std::string_view prefix, unsigned wdf_inc,
             std::unordered_set<std::string>* joined)
      : doc_(doc), prefix_(prefix), wdf_inc_(wdf_inc), joined_(joined) {}
  void OnToken(const quarry::TokenView& t) override {
    term_.assign(prefix_);
    term_.append(t.term);
    doc_->add_posting(term_, t.position + 1, wdf_inc_);
    if (joined_ != nullptr && t.kind == quarry::TokenKind::kJoined) {
      joined_->emplace(t.term);
    }
  }

 private:
  Xapian::Document* doc_;
  std::string_view prefix_;
  unsigned wdf_inc_;
  std::unordered_set<std::string>* joined_;
  std::string term_;
};

double BuildXapian(const Corpus& c, const IndexPaths& p) {
  const double t0 = Now();
  quarry::Analyzer analyzer = MakeAnalyzer();
  std::unordered_set<std::string> joined;
  RemoveAll(p.xapian_tmp());
  {
    Xapian::WritableDatabase db(p.xapian_tmp(), Xapian::DB_CREATE_OR_OVERWRITE);
    std::string id_term;
    for (std::size_t i = 0; i < c.size(); ++i) {
      Progress("xapian", i, c.size(), t0);
      Xapian::Document xd;
      XapianSink title_sink(&xd, "S", 0, nullptr);
      quarry::Status s = analyzer.Analyze(c.Title(i), title_sink);
      if (s.ok()) {
        XapianSink body_sink(&xd, "", 1, &joined);
        s = analyzer.Analyze(c.Body(i), body_sink);
      }
      if (!s.ok()) Die("Analyze: " + s.ToString());
      id_term.clear();
      id_term.push_back('Q');
      id_term.append(c.Id(i));
      xd.add_boolean_term(id_term);
      xd.set_data(
          std::string(c.Id(i)));  // fetched with every hit, as quarry's ids
      const Xapian::docid id = db.add_document(xd);
      if (id != i + 1) Die(Cat("Xapian assigned docid ", id));
    }
    db.commit();
    db.close();
  }
  {
    Xapian::Database db(p.xapian_tmp());
    db.compact(p.xapian(), Xapian::Compactor::FULLER);
  }
  RemoveAll(p.xapian_tmp());
  std::string list;
  std::vector<std::string> sorted(joined.begin(), joined.end());
  std::sort(sorted.begin(), sorted.end());
  for (const std::string& t : sorted) list.append(t).push_back('\n');
  WriteFile(p.joined(), list);
  return Now() - t0;
}

double BuildFts5(const Corpus& c, const IndexPaths& p, std::uint64_t* gaps) {
  const double t0 = Now();
  quarry::Analyzer analyzer = MakeAnalyzer();
  Sqlite db;
  db.Open(p.fts5());
  db.Exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;");
  db.Exec(
      "CREATE VIRTUAL TABLE t USING fts5(title, body, content='', "
      "detail=full, tokenize='quarry_tokens')");
  sqlite3_stmt* ins =
      db.Prepare("INSERT INTO t(rowid, title, body) VALUES(?1, ?2, ?3)");
  constexpr std::size_t kRowsPerTransaction = 10000;
  db.Exec("BEGIN");
  std::string title, body;
  for (std::size_t i = 0; i < c.size(); ++i) {
    Progress("fts5", i, c.size(), t0);
    if (i > 0 && i % kRowsPerTransaction == 0) {
      db.Exec("COMMIT");
      db.Exec("BEGIN");
    }
    title.clear();
    body.clear();
    Fts5TextSink title_sink(&title), body_sink(&body);
    quarry::Status s = analyzer.Analyze(c.Title(i), title_sink);
    if (s.ok()) s = analyzer.Analyze(c.Body(i), body_sink);
    if (!s.ok()) Die("Analyze: " + s.ToString());
    *gaps += title_sink.gaps() + body_sink.gaps();
    sqlite3_bind_int64(ins, 1, static_cast<std::int64_t>(i) + 1);
    sqlite3_bind_text(ins, 2, title.data(), static_cast<int>(title.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(ins, 3, body.data(), static_cast<int>(body.size()),
                      SQLITE_STATIC);
    const int rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (rc != SQLITE_DONE) Die(std::string("INSERT: ") + db.error());
  }
  db.Exec("COMMIT");
  db.Exec("INSERT INTO t(t) VALUES('optimize')");
  db.Exec("VACUUM");
  return Now() - t0;
}

// Builds whatever is missing or stale in `p.dir`.
void PrepareIndexes(const Corpus& c, const IndexPaths& p, const Options& o) {
  std::error_code ec;
  fs::create_directories(p.dir, ec);
  if (ec) Die("cannot create " + p.dir + ": " + ec.message());
  char fp[32];
  std::snprintf(fp, sizeof fp, "%016llx",
                static_cast<unsigned long long>(Fingerprint(c)));
  const std::string meta = "search_bench indexes v2\ndocuments " +
                           std::to_string(c.size()) + "\nfingerprint " + fp +
                           "\n";
  const bool same = !o.rebuild && ReadFile(p.meta()) == meta;
  if (!same) {
    for (const char* e : {"quarry", "xapian", "fts5"}) RemoveAll(p.done(e));
    RemoveAll(p.meta());
  }
  // `version` changes when an engine's index is built differently.
  struct Step {
    const char* name;
    const char* version;
    std::vector<std::string> paths;
  };
  const Step steps[] = {
      {"quarry", "quarry 5: format 5, long-token flags\n", {p.quarry()}},
      {"xapian",
       "xapian 2: id as data\n",
       {p.xapian(), p.xapian_tmp(), p.joined()}},
      {"fts5", "fts5 2: spaces in terms as \\x02\n", {p.fts5()}}};
  std::printf("indexes in %s:\n", p.dir.c_str());
  for (const Step& s : steps) {
    if (ReadFile(p.done(s.name)) == s.version) {
      std::printf("  %-7s reused (built from the same %zu documents)\n", s.name,
                  c.size());
      continue;
    }
    for (const std::string& path : s.paths) RemoveAll(path);
    std::fflush(stdout);
    double secs = 0;
    std::uint64_t gaps = 0;
    if (std::strcmp(s.name, "quarry") == 0) {
      secs = BuildQuarry(c, p, o.threads);
    } else if (std::strcmp(s.name, "xapian") == 0) {
      secs = BuildXapian(c, p);
    } else {
      secs = BuildFts5(c, p, &gaps);
    }
    std::printf("  %-7s built in %.1f s", s.name, secs);
    if (gaps > 0) {
      std::printf(" (%llu position gaps not representable in FTS5)",
                  static_cast<unsigned long long>(gaps));
    }
    std::printf("\n");
    WriteFile(p.done(s.name), s.version);
  }
  WriteFile(p.meta(), meta);
  std::printf("  sizes: quarry %.1f MB, xapian %.1f MB, fts5 %.1f MB\n",
              static_cast<double>(DirBytes(p.quarry())) / 1e6,
              static_cast<double>(DirBytes(p.xapian())) / 1e6,
              static_cast<double>(DirBytes(p.fts5())) / 1e6);
}

// ---------------------------------------------------------------------------
// Queries

enum class QKind { kTerm = 0, kAnd = 1, kOr = 2, kPhrase = 3 };
constexpr const char* kKindNames[] = {"term", "and", "or", "phrase"};

enum Bucket { kHigh = 0, kMed = 1, kLow = 2 };
constexpr const char* kBucketNames[] = {"high", "med", "low"};

struct Candidate {
  QKind kind;
  std::vector<std::string> terms;
  std::string source;
};

std::string Key(QKind kind, const std::vector<std::string>& terms) {
  std::string k = kKindNames[static_cast<int>(kind)];
  for (const std::string& t : terms) k.append("\x1f").append(t);
  return k;
}

// Turns query lines into candidates.
class QueryCollector {
 public:
  explicit QueryCollector(quarry::Analyzer* analyzer) : analyzer_(analyzer) {}

  void AddFile(const std::string& path) {
    LineReader reader(path);
    std::string line;
    const std::string name = fs::path(path).filename().string();
    while (reader.Next(&line)) AddLine(line, name);
  }

  void AddLine(std::string_view line, const std::string& file) {
    line = Trim(line);
    if (line.empty() || line[0] == '#') return;
    ++lines_;
    std::string source = file;
    std::string text;
    if (line[0] == '{') {  // benchmark game: {"query": ..., "tags": [...]}
      const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object() || !j.contains("query") ||
          !j["query"].is_string()) {
        ++unsupported_;
        return;
      }
      text = j["query"].get<std::string>();
    } else if (const std::size_t tab = line.find('\t');
               tab != std::string_view::npos &&
               IsCollector(line.substr(0, tab))) {
      text = std::string(line.substr(tab + 1));  // benchmark game commands
    } else if (const std::size_t colon = line.find(": ");
               colon != std::string_view::npos &&
               IsCategory(line.substr(0, colon))) {
      // luceneutil: "Category: query # freq=..."
      source += ':';
      source += line.substr(0, colon);
      std::string_view q = line.substr(colon + 2);
      const std::size_t hash = q.find(" #");
      if (hash != std::string_view::npos) q = q.substr(0, hash);
      text = std::string(q);
    } else {
      text = std::string(line);
    }
    AddQuery(Trim(text), source);
  }

  // Every distinct word of every query becomes a term candidate too.
  void AddWordsAsTerms() {
    for (const std::string& w : words_) Add({QKind::kTerm, {w}, "query words"});
  }

  void Add(Candidate c) {
    if (keys_.insert(Key(c.kind, c.terms)).second) {
      candidates_.push_back(std::move(c));
    }
  }

  std::vector<Candidate>& candidates() { return candidates_; }
  std::uint64_t lines() const { return lines_; }
  std::uint64_t unsupported() const { return unsupported_; }
  std::uint64_t analyzed_away() const { return analyzed_away_; }

 private:
  static std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
      s.remove_prefix(1);
    while (!s.empty() &&
           (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
      s.remove_suffix(1);
    }
    return s;
  }
  static bool IsCollector(std::string_view s) {
    if (s.empty()) return false;
    for (char ch : s) {
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
            ch == '_')) {
        return false;
      }
    }
    return true;
  }
  static bool IsCategory(std::string_view s) {
    if (s.empty() || !(s[0] >= 'A' && s[0] <= 'Z')) return false;
    for (char ch : s) {
      if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
            (ch >= '0' && ch <= '9') || ch == '_')) {
        return false;
      }
    }
    return true;
  }
  static std::vector<std::string_view> SplitSpaces(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      const std::size_t start = i;
      while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
      if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
  }
  // The exact terms of `text` when every word is a plain one-part word.
  bool Words(std::string_view text, std::vector<std::string>* out) {
    auto q = analyzer_->AnalyzeQuery(text);
    if (!q.ok()) return false;
    for (const quarry::QueryWord& w : q->words) {
      if (w.parts.size() != 1) return false;
      out->push_back(w.parts[0]);
    }
    return true;
  }

  void AddQuery(std::string_view text, const std::string& source) {
    static constexpr std::string_view kSyntax = "~*?:()^[]{}\\!&|";
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
      const std::string_view inner = text.substr(1, text.size() - 2);
      if (inner.find('"') != std::string_view::npos) {
        ++unsupported_;
        return;
      }
      std::vector<std::string> terms;
      if (!Words(inner, &terms)) {
        ++analyzed_away_;
        return;
      }
      if (terms.size() < 2 || terms.size() > 3) {
        ++unsupported_;
        return;
      }
      for (const std::string& t : terms) words_.insert(t);
      Add({QKind::kPhrase, std::move(terms), source});
      return;
    }
    if (text.find_first_of(kSyntax) != std::string_view::npos ||
        text.find('"') != std::string_view::npos) {
      ++unsupported_;
      return;
    }
    const std::vector<std::string_view> tokens = SplitSpaces(text);
    std::size_t plus = 0;
    for (std::string_view t : tokens) {
      if (t[0] == '-') {
        ++unsupported_;
        return;
      }
      if (t[0] == '+') ++plus;
    }
    if (tokens.empty() || tokens.size() > 2 ||
        (plus != 0 && plus != tokens.size())) {
      ++unsupported_;
      return;
    }
    std::vector<std::string> terms;
    for (std::string_view t : tokens) {
      if (t[0] == '+') t.remove_prefix(1);
      std::vector<std::string> w;
      if (!Words(t, &w) || w.size() != 1) {
        ++analyzed_away_;
        return;
      }
      terms.push_back(std::move(w[0]));
    }
    for (const std::string& t : terms) words_.insert(t);
    if (terms.size() == 1) {
      Add({QKind::kTerm, std::move(terms), source});
      return;
    }
    if (terms[0] == terms[1]) {
      ++unsupported_;
      return;
    }
    Add({plus != 0 ? QKind::kAnd : QKind::kOr, std::move(terms), source});
  }

  quarry::Analyzer* analyzer_;
  std::vector<Candidate> candidates_;
  std::unordered_set<std::string> keys_;
  std::set<std::string> words_;
  std::uint64_t lines_ = 0, unsupported_ = 0, analyzed_away_ = 0;
};

// Query files of a path: the file itself, or the query-looking files of a
// directory (recursively, sorted).
std::vector<std::string> QueryFiles(const std::string& path) {
  std::error_code ec;
  if (!fs::is_directory(path, ec)) {
    if (!fs::exists(path, ec)) Die("no such query file: " + path);
    return {path};
  }
  std::vector<std::string> files;
  for (auto it = fs::recursive_directory_iterator(path, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    std::string name = it->path().filename().string();
    if (EndsWith(name, ".gz")) name.resize(name.size() - 3);
    if (EndsWith(name, ".tasks") || EndsWith(name, ".txt") ||
        EndsWith(name, ".jsonl")) {
      files.push_back(it->path().string());
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) Die("no query files (*.tasks, *.txt, *.jsonl) in " + path);
  return files;
}

// Plain one-position words of a document's body, by position (empty where
// a position holds a compound).
class WordSink : public quarry::TokenSink {
 public:
  void OnToken(const quarry::TokenView& t) override {
    if (t.position >= words.size()) words.resize(t.position + 1);
    if (t.kind == quarry::TokenKind::kJoined) {
      for (std::uint32_t k = 0; k < t.position_length; ++k) {
        if (t.position + k >= compound.size())
          compound.resize(t.position + k + 1);
        compound[t.position + k] = true;
      }
    }
    if (t.kind == quarry::TokenKind::kWord)
      words[t.position] = std::string(t.term);
  }
  bool plain(std::size_t pos) const {
    return pos < words.size() && !words[pos].empty() &&
           !(pos < compound.size() && compound[pos]);
  }
  std::vector<std::string> words;
  std::vector<bool> compound;
};

// Terms and phrases of random documents.
void SampleFromCorpus(const Corpus& c, quarry::Analyzer* analyzer,
                      std::size_t per_class, QueryCollector* out) {
  quarry_bench::Rng rng;
  const std::size_t docs =
      std::min<std::size_t>(c.size(), 40 * per_class + 200);
  for (std::size_t n = 0; n < docs; ++n) {
    const std::size_t i = c.size() <= docs ? n : rng.Below(c.size());
    WordSink sink;
    if (!analyzer->Analyze(c.Body(i), sink).ok()) continue;
    std::vector<std::size_t> plain;
    for (std::size_t p = 0; p < sink.words.size(); ++p) {
      if (sink.plain(p)) plain.push_back(p);
    }
    if (plain.empty()) continue;
    for (int k = 0; k < 3; ++k) {
      const std::size_t p = plain[rng.Below(plain.size())];
      out->Add({QKind::kTerm, {sink.words[p]}, "sampled"});
    }
    for (int k = 0; k < 2; ++k) {
      const std::size_t len = 2 + rng.Below(2);
      const std::size_t p = plain[rng.Below(plain.size())];
      std::vector<std::string> terms;
      for (std::size_t q = p; q < p + len && sink.plain(q); ++q) {
        terms.push_back(sink.words[q]);
      }
      if (terms.size() == len)
        out->Add({QKind::kPhrase, std::move(terms), "sampled"});
    }
  }
}

struct BenchQuery {
  QKind kind;
  std::vector<std::string> terms;
  std::string source;
  std::string cls;
  std::uint64_t expected = 0;  // Xapian's count (phrases only, for buckets)
  quarry::Query quarry;
  Xapian::Query xapian;
  std::string fts5;
  std::string text;  // for messages
};

// A term or phrase as an FTS5 string (double quotes doubled).
std::string Fts5Quote(const std::vector<std::string>& terms) {
  std::string inner;
  for (const std::string& t : terms) {
    if (!inner.empty()) inner.push_back(' ');
    AppendFts5Term(&inner, t);
  }
  std::string q = "\"";
  for (char ch : inner) {
    q.push_back(ch);
    if (ch == '"') q.push_back('"');
  }
  q.push_back('"');
  return q;
}

void BuildQueryObjects(BenchQuery* q) {
  std::vector<quarry::Query> leaves;
  for (const std::string& t : q->terms)
    leaves.push_back(quarry::Query::Term(kBodyField, t));
  const std::string body = std::string(kBodyField) + " : ";
  switch (q->kind) {
    case QKind::kTerm:
      q->quarry = leaves[0];
      q->xapian = Xapian::Query(q->terms[0]);
      q->fts5 = body + Fts5Quote({q->terms[0]});
      q->text = q->terms[0];
      break;
    case QKind::kAnd:
    case QKind::kOr: {
      const bool conj = q->kind == QKind::kAnd;
      q->quarry = conj ? quarry::Query::And(leaves) : quarry::Query::Or(leaves);
      q->xapian =
          Xapian::Query(conj ? Xapian::Query::OP_AND : Xapian::Query::OP_OR,
                        q->terms.begin(), q->terms.end());
      q->fts5 = Cat(body, "(", Fts5Quote({q->terms[0]}),
                    conj ? " AND " : " OR ", Fts5Quote({q->terms[1]}), ")");
      q->text =
          Cat(conj ? "+" : "", q->terms[0], conj ? " +" : " ", q->terms[1]);
      break;
    }
    case QKind::kPhrase: {
      q->quarry = quarry::Query::TermPhrase(kBodyField, q->terms);
      q->xapian = Xapian::Query(
          Xapian::Query::OP_PHRASE, q->terms.begin(), q->terms.end(),
          static_cast<Xapian::termcount>(q->terms.size()));
      q->fts5 = body + Fts5Quote(q->terms);
      std::string inner;
      for (const std::string& t : q->terms) {
        if (!inner.empty()) inner.push_back(' ');
        inner += t;
      }
      q->text = Cat("\"", inner, "\"");
      break;
    }
  }
}

// ---------------------------------------------------------------------------
// Engines at query time

struct Answer {
  std::uint64_t count = 0;         // count mode; top-10: hits returned
  std::vector<std::uint32_t> top;  // document ordinals, best first
  std::vector<double> scores;      // quarry only
  std::string error;
};

enum Engine { kQuarry = 0, kXapian = 1, kFts5 = 2 };
constexpr int kEngines = 3;
constexpr const char* kEngineNames[] = {"quarry", "xapian", "fts5"};
enum Mode { kTop10 = 0, kCount = 1 };
constexpr const char* kModeNames[] = {"top10", "count"};

class Engines {
 public:
  Engines(const Corpus& c, const IndexPaths& p)
      : xdb_(p.xapian()), bm25_(kK1, 0, 1, kB, 0) {
    auto reader = quarry::IndexReader::Open(p.quarry());
    if (!reader.ok()) Die("IndexReader::Open: " + reader.status().ToString());
    reader_ = *reader;
    quarry::SearcherOptions so;
    so.k1 = kK1;
    so.b = kB;
    auto s = quarry::Searcher::Create(reader_, so);
    if (!s.ok()) Die("Searcher::Create: " + s.status().ToString());
    searcher_ = std::move(s).value();
    ids_.reserve(c.size());
    for (std::size_t i = 0; i < c.size(); ++i) {
      ids_.emplace(c.Id(i), static_cast<std::uint32_t>(i));
      ids_by_ordinal_.push_back(c.Id(i));
    }
    fts_.Open(p.fts5());
    fts_.Exec("PRAGMA mmap_size=4294967296; PRAGMA cache_size=-65536;");
    fts_top_ = fts_.Prepare(
        "SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rank LIMIT 10");
    fts_count_ = fts_.Prepare("SELECT count(*) FROM t WHERE t MATCH ?1");
    top_opts_.limit = 10;
    top_opts_.total_hits_threshold = 0;
    top_opts_.load_fields = false;
    exact_opts_ = top_opts_;
    exact_opts_.total_hits_threshold = UINT64_MAX;
  }

  std::uint64_t documents() const { return xdb_.get_doccount(); }
  std::uint64_t quarry_documents() const { return reader_->num_docs(); }
  std::uint64_t fts5_documents() {
    return static_cast<std::uint64_t>(fts_.Int("SELECT count(*) FROM t"));
  }
  std::uint64_t Df(const std::string& term) const {
    return xdb_.get_termfreq(term);
  }
  std::size_t corpus_size() const { return ids_.size(); }

  void Run(Engine e, Mode m, const BenchQuery& q, Answer* a) {
    a->top.clear();
    a->scores.clear();
    a->count = 0;
    a->error.clear();
    switch (e) {
      case kQuarry:
        return m == kTop10 ? QuarryTop(q, top_opts_, a) : QuarryCount(q, a);
      case kXapian:
        return m == kTop10 ? XapianTop(q, a) : XapianCount(q, a);
      case kFts5:
        return Fts5(m == kTop10 ? fts_top_ : fts_count_, m, q, a);
    }
  }
  // The top-10 of quarry with an exact count; total_hits in `a->count`.
  void QuarryExactTop(const BenchQuery& q, Answer* a) {
    a->top.clear();
    a->scores.clear();
    a->error.clear();
    QuarryTop(q, exact_opts_, a);
  }

  // Every matching document (ordinals, ascending) of each engine, for
  // explaining a count mismatch.
  void AllMatches(const BenchQuery& q,
                  std::vector<std::uint32_t> out[kEngines]) {
    const std::uint64_t n = xdb_.get_doccount();
    quarry::SearchOptions o = exact_opts_;
    o.limit = static_cast<std::size_t>(n);
    Answer a;
    QuarryTop(q, o, &a);
    out[kQuarry] = a.top;
    Xapian::Enquire enq(xdb_);
    enq.set_weighting_scheme(bool_);
    enq.set_query(q.xapian);
    const Xapian::MSet m = enq.get_mset(0, static_cast<Xapian::doccount>(n));
    for (auto it = m.begin(); it != m.end(); ++it)
      out[kXapian].push_back(*it - 1);
    sqlite3_stmt* st = fts_.Prepare("SELECT rowid FROM t WHERE t MATCH ?1");
    sqlite3_bind_text(st, 1, q.fts5.data(), static_cast<int>(q.fts5.size()),
                      SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
      out[kFts5].push_back(
          static_cast<std::uint32_t>(sqlite3_column_int64(st, 0) - 1));
    }
    fts_.Finalize(st);
    for (int e = 0; e < kEngines; ++e) std::sort(out[e].begin(), out[e].end());
  }

  // Xapian's exact count (BoolWeight, every match checked).
  std::uint64_t XapianExactCount(const Xapian::Query& q) {
    Xapian::Enquire enq(xdb_);
    enq.set_weighting_scheme(bool_);
    enq.set_query(q);
    const Xapian::MSet m = enq.get_mset(0, 0, xdb_.get_doccount());
    return m.get_matches_lower_bound();
  }

 private:
  void QuarryTop(const BenchQuery& q, const quarry::SearchOptions& o,
                 Answer* a) {
    auto r = searcher_->Search(q.quarry, o);
    if (!r.ok()) {
      a->error = "Search: " + r.status().ToString();
      return;
    }
    for (const quarry::Hit& h : r->hits) {
      // As for Xapian: the hit's document number names the corpus ordinal
      // (documents go in in corpus order), checked against the id. A
      // search that hands back ids the harness must look up is slower to
      // check than one that does not; the map is the fallback, never the
      // common path, so both engines pay the same per hit.
      std::uint32_t ordinal;
      if (h.doc < ids_by_ordinal_.size() && ids_by_ordinal_[h.doc] == h.id) {
        ordinal = static_cast<std::uint32_t>(h.doc);
      } else {
        const auto it = ids_.find(h.id);
        if (it == ids_.end()) {
          a->error = "unknown id '" + h.id + "' in hits";
          return;
        }
        ordinal = it->second;
      }
      a->top.push_back(ordinal);
      a->scores.push_back(h.score);
    }
    a->count = o.total_hits_threshold == 0 ? r->hits.size() : r->total_hits;
    if (o.total_hits_threshold != 0 && !r->total_exact) {
      a->error = "total_exact false with total_hits_threshold UINT64_MAX";
    }
  }
  void QuarryCount(const BenchQuery& q, Answer* a) {
    auto r = searcher_->Count(q.quarry);
    if (!r.ok()) {
      a->error = "Count: " + r.status().ToString();
      return;
    }
    a->count = *r;
  }
  void XapianTop(const BenchQuery& q, Answer* a) {
    try {
      Xapian::Enquire enq(xdb_);
      enq.set_weighting_scheme(bm25_);
      enq.set_query(q.xapian);
      const Xapian::MSet m = enq.get_mset(0, 10);
      for (auto it = m.begin(); it != m.end(); ++it) {
        const Xapian::docid d = *it;
        // The application's id, as quarry's hits carry it.
        const std::string id = it.get_document().get_data();
        if (d == 0 || d > ids_by_ordinal_.size() ||
            id != ids_by_ordinal_[d - 1]) {
          a->error = Cat("Xapian docid ", d, " has id '", id, "'");
          return;
        }
        a->top.push_back(d - 1);
      }
      a->count = m.size();
    } catch (const Xapian::Error& x) {
      a->error = "Xapian: " + x.get_description();
    }
  }
  void XapianCount(const BenchQuery& q, Answer* a) {
    try {
      Xapian::Enquire enq(xdb_);
      enq.set_weighting_scheme(bool_);
      enq.set_query(q.xapian);
      const Xapian::MSet m = enq.get_mset(0, 0, xdb_.get_doccount());
      a->count = m.get_matches_lower_bound();
      if (m.get_matches_upper_bound() != a->count) {
        a->error = Cat("Xapian count not exact: [", a->count, ", ",
                       m.get_matches_upper_bound(), "]");
      }
    } catch (const Xapian::Error& x) {
      a->error = "Xapian: " + x.get_description();
    }
  }
  void Fts5(sqlite3_stmt* st, Mode m, const BenchQuery& q, Answer* a) {
    sqlite3_bind_text(st, 1, q.fts5.data(), static_cast<int>(q.fts5.size()),
                      SQLITE_STATIC);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const std::int64_t v = sqlite3_column_int64(st, 0);
      if (m == kCount) {
        a->count = static_cast<std::uint64_t>(v);
      } else {
        a->top.push_back(static_cast<std::uint32_t>(v - 1));
      }
    }
    if (rc != SQLITE_DONE) a->error = std::string("FTS5: ") + fts_.error();
    sqlite3_reset(st);
    if (m == kTop10) a->count = a->top.size();
  }

  std::shared_ptr<const quarry::IndexReader> reader_;
  std::unique_ptr<quarry::Searcher> searcher_;
  quarry::SearchOptions top_opts_, exact_opts_;
  std::unordered_map<std::string_view, std::uint32_t> ids_;
  std::vector<std::string_view> ids_by_ordinal_;
  Xapian::Database xdb_;
  Xapian::BM25Weight bm25_;
  Xapian::BoolWeight bool_;
  Sqlite fts_;
  sqlite3_stmt* fts_top_ = nullptr;
  sqlite3_stmt* fts_count_ = nullptr;
};

// ---------------------------------------------------------------------------
// Bucketing and selection

Bucket BucketOf(std::uint64_t df, std::uint64_t n, const Options& o) {
  const double d = static_cast<double>(df);
  const double nn = static_cast<double>(n);
  if (d >= o.high_df * nn) return kHigh;
  if (d < o.low_df * nn) return kLow;
  return kMed;
}

std::vector<std::string> ClassNames() {
  std::vector<std::string> names;
  for (const char* b : kBucketNames) names.push_back(std::string("term/") + b);
  for (const char* k : {"and", "or"}) {
    for (int x = 0; x < 3; ++x) {
      for (int y = x; y < 3; ++y) {
        names.push_back(std::string(k) + "/" + kBucketNames[x] + "+" +
                        kBucketNames[y]);
      }
    }
  }
  for (const char* b : kBucketNames)
    names.push_back(std::string("phrase/") + b);
  return names;
}

struct Selection {
  std::map<std::string, std::vector<BenchQuery>> by_class;
  std::uint64_t no_df = 0;           // a term not in the corpus
  std::uint64_t no_match = 0;        // a phrase with no match
  std::uint64_t joined_skipped = 0;  // phrase over a joined form
};

Selection SelectQueries(std::vector<Candidate>& cands, Engines& engines,
                        const std::unordered_set<std::string>& joined,
                        const Options& o, bool sample_pairs) {
  Selection sel;
  const std::uint64_t n = engines.documents();
  // Deterministic order: by a hash of the query.
  std::vector<std::pair<std::uint64_t, std::size_t>> order;
  for (std::size_t i = 0; i < cands.size(); ++i) {
    order.emplace_back(Fnv(Key(cands[i].kind, cands[i].terms)), i);
  }
  std::sort(order.begin(), order.end());
  std::unordered_map<std::string, std::uint64_t> df_cache;
  auto df = [&](const std::string& t) {
    auto it = df_cache.find(t);
    if (it != df_cache.end()) return it->second;
    const std::uint64_t v = engines.Df(t);
    df_cache.emplace(t, v);
    return v;
  };
  std::map<std::string, std::size_t> sizes;
  std::vector<std::string> bucket_terms[3];  // sampled pairs draw from these
  for (const auto& [hash, idx] : order) {
    Candidate& c = cands[idx];
    BenchQuery q;
    q.kind = c.kind;
    q.terms = c.terms;
    q.source = c.source;
    bool missing = false;
    for (const std::string& t : c.terms) missing = missing || df(t) == 0;
    if (missing) {
      ++sel.no_df;
      continue;
    }
    if (c.kind == QKind::kTerm) {
      const Bucket b = BucketOf(df(c.terms[0]), n, o);
      q.cls = std::string("term/") + kBucketNames[b];
      if (c.source == "sampled") bucket_terms[b].push_back(c.terms[0]);
    } else if (c.kind == QKind::kPhrase) {
      bool over_joined = false;
      for (std::size_t k = 0; k + 1 < c.terms.size(); ++k) {
        over_joined = over_joined || joined.count(c.terms[k]) > 0;
      }
      if (over_joined) {
        ++sel.joined_skipped;
        continue;
      }
      // Count only while some phrase class still needs queries.
      bool need = false;
      for (const char* b : kBucketNames) {
        need = need || sizes[std::string("phrase/") + b] < o.per_class;
      }
      if (!need) continue;
      BuildQueryObjects(&q);
      q.expected = engines.XapianExactCount(q.xapian);
      if (q.expected == 0) {
        ++sel.no_match;
        continue;
      }
      q.cls = std::string("phrase/") + kBucketNames[BucketOf(q.expected, n, o)];
    } else {
      Bucket a = BucketOf(df(c.terms[0]), n, o);
      Bucket b = BucketOf(df(c.terms[1]), n, o);
      if (a > b) std::swap(a, b);
      q.cls = std::string(kKindNames[static_cast<int>(c.kind)]) + "/" +
              kBucketNames[a] + "+" + kBucketNames[b];
    }
    if (sizes[q.cls] >= o.per_class) continue;
    ++sizes[q.cls];
    if (c.kind != QKind::kPhrase) BuildQueryObjects(&q);
    sel.by_class[q.cls].push_back(std::move(q));
  }
  if (sample_pairs) {
    // Pairs of sampled terms for every bucket pair still short of queries.
    quarry_bench::Rng rng;
    for (QKind kind : {QKind::kAnd, QKind::kOr}) {
      for (int x = 0; x < 3; ++x) {
        for (int y = x; y < 3; ++y) {
          const std::string cls =
              std::string(kKindNames[static_cast<int>(kind)]) + "/" +
              kBucketNames[x] + "+" + kBucketNames[y];
          const auto& tx = bucket_terms[x];
          const auto& ty = bucket_terms[y];
          if (tx.empty() || ty.empty()) continue;
          std::unordered_set<std::string> seen;
          for (const BenchQuery& q : sel.by_class[cls])
            seen.insert(Key(kind, q.terms));
          for (std::size_t tries = 0; sel.by_class[cls].size() < o.per_class &&
                                      tries < 20 * o.per_class;
               ++tries) {
            BenchQuery q;
            q.kind = kind;
            q.terms = {tx[rng.Below(tx.size())], ty[rng.Below(ty.size())]};
            if (q.terms[0] == q.terms[1]) continue;
            if (!seen.insert(Key(kind, q.terms)).second) continue;
            q.source = "sampled";
            q.cls = cls;
            BuildQueryObjects(&q);
            sel.by_class[cls].push_back(std::move(q));
          }
        }
      }
    }
  }
  return sel;
}

// ---------------------------------------------------------------------------
// Measuring and checking

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  // Nearest rank.
  std::size_t rank =
      static_cast<std::size_t>(std::ceil(p * static_cast<double>(v.size())));
  if (rank == 0) rank = 1;
  return v[std::min(rank, v.size()) - 1];
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : (v[m - 1] + v[m]) / 2;
}

struct ClassResult {
  std::string cls;
  std::size_t queries = 0;
  std::vector<double> latency[2][kEngines];  // [mode][engine], µs per query
  std::vector<double> hits;                  // exact count per query
  double overlap_x = 0, overlap_f = 0;       // sums over top-10 queries
  std::size_t overlap_n = 0;
  std::map<std::string, std::size_t> sources;
};

class Checker {
 public:
  void Fail(const std::string& msg) {
    ++failures_;
    if (failures_ <= 200) std::printf("  *** CHECK FAILED: %s\n", msg.c_str());
    if (failures_ == 200) std::printf("  *** (further failures not printed)\n");
  }
  std::uint64_t failures() const { return failures_; }
  std::uint64_t count_mismatches = 0;
  std::uint64_t checked = 0;

 private:
  std::uint64_t failures_ = 0;
};

std::size_t Overlap(const std::vector<std::uint32_t>& a,
                    const std::vector<std::uint32_t>& b) {
  std::size_t n = 0;
  for (std::uint32_t x : a) n += std::find(b.begin(), b.end(), x) != b.end();
  return n;
}

std::string Ids(const std::vector<std::uint32_t>& v) {
  std::string s;
  for (std::uint32_t x : v) {
    if (!s.empty()) s.push_back(',');
    s += std::to_string(x);
  }
  return s;
}

// Prints up to three documents that one engine matches and another does
// not, with the neighbourhood of the query's terms in quarry's tokens.
void ExplainMismatch(Engines& engines, const Corpus& corpus,
                     const BenchQuery& q) {
  std::vector<std::uint32_t> all[kEngines];
  engines.AllMatches(q, all);
  quarry::Analyzer analyzer = MakeAnalyzer();
  for (int a = 0; a < kEngines; ++a) {
    for (int b = 0; b < kEngines; ++b) {
      if (a == b) continue;
      std::vector<std::uint32_t> only;
      std::set_difference(all[a].begin(), all[a].end(), all[b].begin(),
                          all[b].end(), std::back_inserter(only));
      for (std::size_t k = 0; k < only.size() && k < 3; ++k) {
        const std::uint32_t d = only[k];
        std::string title, body;
        Fts5TextSink ts(&title), bs(&body);
        (void)analyzer.Analyze(corpus.Title(d), ts).ok();
        (void)analyzer.Analyze(corpus.Body(d), bs).ok();
        for (char& ch : title) ch = ch == kColocated ? '^' : ch;
        for (char& ch : body) ch = ch == kColocated ? '^' : ch;
        if (body.size() > 600) {
          std::size_t at = body.find(Cat(" ", q.terms.back(), " "));
          at = at == std::string::npos || at < 200 ? 0 : at - 200;
          body = Cat("...", std::string_view(body).substr(at, 400), "...");
        }
        std::printf(
            "      %s matches, %s does not: doc %u (%.*s)\n"
            "        title tokens: %s\n        body tokens (^ = same "
            "position): %s\n",
            kEngineNames[a], kEngineNames[b], d,
            static_cast<int>(corpus.Id(d).size()), corpus.Id(d).data(),
            title.c_str(), body.c_str());
      }
    }
  }
}

void RunClass(Engines& engines, const Corpus& corpus,
              std::vector<BenchQuery>& queries, const Options& o,
              ClassResult* r, Checker* check) {
  Answer ans[2][kEngines];
  Answer exact;
  for (BenchQuery& q : queries) {
    ++r->queries;
    ++r->sources[q.source];
    for (int m = 0; m < 2; ++m) {
      const Mode mode = static_cast<Mode>(m);
      // Untimed first run of every engine: the answer that is checked.
      for (int e = 0; e < kEngines; ++e) {
        engines.Run(static_cast<Engine>(e), mode, q, &ans[m][e]);
        if (!ans[m][e].error.empty()) {
          check->Fail(std::string(kEngineNames[e]) + " " + kModeNames[m] + " " +
                      q.text + ": " + ans[m][e].error);
        }
      }
      std::vector<double> runs[kEngines];
      double spent[kEngines] = {0, 0, 0};
      Answer scratch;
      for (int rep = 0; rep < o.repeats; ++rep) {
        for (int k = 0; k < kEngines; ++k) {
          const int e = (k + rep) % kEngines;  // rotate who goes first
          if (!runs[e].empty() && spent[e] >= o.budget_ms * 1000) continue;
          const auto t0 = std::chrono::steady_clock::now();
          engines.Run(static_cast<Engine>(e), mode, q, &scratch);
          const double us = std::chrono::duration<double, std::micro>(
                                std::chrono::steady_clock::now() - t0)
                                .count();
          runs[e].push_back(us);
          spent[e] += us;
        }
      }
      for (int e = 0; e < kEngines; ++e) {
        r->latency[m][e].push_back(Median(runs[e]));
      }
    }
    // Checks.
    ++check->checked;
    r->hits.push_back(static_cast<double>(ans[kCount][kXapian].count));
    const std::uint64_t qc = ans[kCount][kQuarry].count;
    const std::uint64_t xc = ans[kCount][kXapian].count;
    const std::uint64_t fc = ans[kCount][kFts5].count;
    if (qc != xc || fc != xc) {
      ++check->count_mismatches;
      check->Fail(Cat("COUNT MISMATCH for ", q.cls, " ", q.text, ": quarry ",
                      qc, ", xapian ", xc, ", fts5 ", fc));
      if (check->count_mismatches <= 10) ExplainMismatch(engines, corpus, q);
    }
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(10, xc));
    for (int e = 0; e < kEngines; ++e) {
      if (ans[kTop10][e].top.size() != want) {
        check->Fail(Cat(kEngineNames[e], " top10 of ", q.text, " returned ",
                        ans[kTop10][e].top.size(), " hits, expected min(10, ",
                        xc, ")"));
      }
    }
    const Answer& qt = ans[kTop10][kQuarry];
    for (std::size_t i = 1; i < qt.scores.size(); ++i) {
      if (qt.scores[i] > qt.scores[i - 1]) {
        check->Fail("quarry scores rise in the top10 of " + q.text);
        break;
      }
    }
    engines.QuarryExactTop(q, &exact);
    if (!exact.error.empty()) {
      check->Fail("quarry exact-count search of " + q.text + ": " +
                  exact.error);
    } else {
      if (exact.top != qt.top) {
        check->Fail("quarry top10 of " + q.text +
                    " differs between total_hits_threshold 0 [" + Ids(qt.top) +
                    "] and exact counting [" + Ids(exact.top) + "]");
      }
      if (exact.count != qc) {
        check->Fail(Cat("quarry total_hits ", exact.count, " != Count ", qc,
                        " for ", q.text));
      }
    }
    if (want > 0) {
      r->overlap_x +=
          static_cast<double>(Overlap(qt.top, ans[kTop10][kXapian].top)) /
          static_cast<double>(want);
      r->overlap_f +=
          static_cast<double>(Overlap(qt.top, ans[kTop10][kFts5].top)) /
          static_cast<double>(want);
      ++r->overlap_n;
    }
    if (o.verbose) {
      std::printf(
          "  %-16s %-40s count q=%llu x=%llu f=%llu  top q=[%s] x=[%s] "
          "f=[%s]\n",
          q.cls.c_str(), q.text.c_str(), static_cast<unsigned long long>(qc),
          static_cast<unsigned long long>(xc),
          static_cast<unsigned long long>(fc), Ids(qt.top).c_str(),
          Ids(ans[kTop10][kXapian].top).c_str(),
          Ids(ans[kTop10][kFts5].top).c_str());
    }
  }
}

std::string Fixed2(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// Microseconds: one decimal below 100, none above.
std::string Us(double v) {
  char buf[32];
  if (v >= 100) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  }
  return buf;
}

std::string Ratio(double a, double b) {
  if (b <= 0) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", a / b);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  quarry_bench::SetProgramName("search_bench");
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress on stderr interleaves
  const Options o = ParseFlags(argc, argv);

  Corpus corpus;
  quarry_bench::LoadCorpus(o.corpus, o.max_docs, &corpus);
  std::printf("search_bench: corpus %s\n", corpus.source.c_str());
  std::printf("  %zu documents, %.1f MB of title+body text\n", corpus.size(),
              static_cast<double>(corpus.bytes) / 1e6);
  if (corpus.skipped_empty + corpus.skipped_bad_json + corpus.renamed_ids > 0) {
    std::printf(
        "  (skipped %llu empty, %llu bad JSON; renamed %llu duplicate ids)\n",
        static_cast<unsigned long long>(corpus.skipped_empty),
        static_cast<unsigned long long>(corpus.skipped_bad_json),
        static_cast<unsigned long long>(corpus.renamed_ids));
  }

  // Indexes.
  IndexPaths paths;
  bool temp_dir = false;
  if (o.index_dir.empty()) {
    char tmpl[] = "/tmp/search_bench.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr)
      Die(std::string("mkdtemp: ") + std::strerror(errno));
    paths.dir = tmpl;
    temp_dir = true;
  } else {
    paths.dir = o.index_dir;
  }
  PrepareIndexes(corpus, paths, o);

  int status = 0;
  {
    Engines engines(corpus, paths);
    Checker check;
    const std::uint64_t qn = engines.quarry_documents(),
                        xn = engines.documents(), fn = engines.fts5_documents();
    if (qn != corpus.size() || xn != corpus.size() || fn != corpus.size()) {
      check.Fail(Cat("document counts: corpus ", corpus.size(), ", quarry ", qn,
                     ", xapian ", xn, ", fts5 ", fn));
    }
    std::unordered_set<std::string> joined;
    {
      const std::string list = ReadFile(paths.joined());
      std::size_t start = 0;
      while (start < list.size()) {
        std::size_t nl = list.find('\n', start);
        if (nl == std::string::npos) nl = list.size();
        if (nl > start) joined.emplace(list.substr(start, nl - start));
        start = nl + 1;
      }
    }

    // Queries.
    quarry::Analyzer analyzer = MakeAnalyzer();
    QueryCollector collector(&analyzer);
    std::vector<std::string> files;
    for (const std::string& p : o.queries) {
      for (std::string& f : QueryFiles(p)) files.push_back(std::move(f));
    }
    for (const std::string& f : files) collector.AddFile(f);
    collector.AddWordsAsTerms();
    const bool sample = o.queries.empty() || o.sample_queries;
    if (sample) SampleFromCorpus(corpus, &analyzer, o.per_class, &collector);
    std::printf(
        "\nQueries: %zu file(s), %llu lines; %llu with unsupported "
        "syntax or shape, %llu with compound/empty words; %zu distinct "
        "candidates%s\n",
        files.size(), static_cast<unsigned long long>(collector.lines()),
        static_cast<unsigned long long>(collector.unsupported()),
        static_cast<unsigned long long>(collector.analyzed_away()),
        collector.candidates().size(),
        sample ? " (with queries sampled from the corpus)" : "");
    Selection sel =
        SelectQueries(collector.candidates(), engines, joined, o, sample);
    std::printf(
        "  dropped: %llu with a term absent from the corpus, %llu "
        "phrases without a match, %llu phrases over a joined form "
        "(%zu joined forms in the corpus)\n",
        static_cast<unsigned long long>(sel.no_df),
        static_cast<unsigned long long>(sel.no_match),
        static_cast<unsigned long long>(sel.joined_skipped), joined.size());
    std::printf(
        "  buckets: high df >= %.0f docs (%.2f%%), low df < %.0f docs "
        "(%.2f%%) of %llu\n",
        o.high_df * static_cast<double>(engines.documents()), o.high_df * 100,
        o.low_df * static_cast<double>(engines.documents()), o.low_df * 100,
        static_cast<unsigned long long>(engines.documents()));
    std::fflush(stdout);

    std::printf("\nRunning (answer check failures are printed here):\n");
    std::vector<ClassResult> results;
    for (const std::string& cls : ClassNames()) {
      auto it = sel.by_class.find(cls);
      if (it == sel.by_class.end() || it->second.empty()) continue;
      if (!o.classes.empty() &&
          std::none_of(o.classes.begin(), o.classes.end(),
                       [&](const std::string& p) { return cls.starts_with(p); })) {
        continue;
      }
      ClassResult r;
      r.cls = cls;
      const double t0 = Now();
      RunClass(engines, corpus, it->second, o, &r, &check);
      std::printf("  %-16s %3zu queries, %.1f s\n", cls.c_str(), r.queries,
                  Now() - t0);
      results.push_back(std::move(r));
    }
    if (check.failures() == 0) {
      std::printf(
          "  all %llu queries: counts equal in quarry, Xapian and FTS5; "
          "quarry's pruned top-10 equals its exhaustive top-10; hit "
          "counts and score order right\n",
          static_cast<unsigned long long>(check.checked));
    }

    // The table.
    std::printf(
        "\nLatency in microseconds per query (p50 and p95 over the class's "
        "queries; each query's time is the median of up to %d runs).\n"
        "hits: median exact count of the class's queries. "
        "q/x, q/f: quarry p50 / Xapian p50, quarry p50 / FTS5 p50 (below 1: "
        "quarry faster). ovl x, ovl f: mean overlap of quarry's top-10 with "
        "Xapian's, FTS5's.\n\n",
        o.repeats);
    std::printf(
        "%-16s %-5s %4s %8s | %9s %9s | %9s %9s | %9s %9s | %6s %6s | %5s "
        "%5s\n",
        "class", "mode", "n", "hits", "quarry", "p95", "xapian", "p95", "fts5",
        "p95", "q/x", "q/f", "ovl x", "ovl f");
    std::printf("%s\n", std::string(137, '-').c_str());
    double log_sum[2][2] = {{0, 0}, {0, 0}};
    std::size_t log_n[2] = {0, 0};
    for (const ClassResult& r : results) {
      for (int m = 0; m < 2; ++m) {
        double p50[kEngines], p95[kEngines];
        for (int e = 0; e < kEngines; ++e) {
          p50[e] = Percentile(r.latency[m][e], 0.5);
          p95[e] = Percentile(r.latency[m][e], 0.95);
        }
        std::string ox, of;
        if (m == kTop10 && r.overlap_n > 0) {
          ox = Fixed2(r.overlap_x / static_cast<double>(r.overlap_n));
          of = Fixed2(r.overlap_f / static_cast<double>(r.overlap_n));
        }
        std::printf(
            "%-16s %-5s %4zu %8.0f | %9s %9s | %9s %9s | %9s %9s | %6s %6s | "
            "%5s %5s\n",
            r.cls.c_str(), kModeNames[m], r.queries, Median(r.hits),
            Us(p50[0]).c_str(), Us(p95[0]).c_str(), Us(p50[1]).c_str(),
            Us(p95[1]).c_str(), Us(p50[2]).c_str(), Us(p95[2]).c_str(),
            Ratio(p50[0], p50[1]).c_str(), Ratio(p50[0], p50[2]).c_str(),
            ox.c_str(), of.c_str());
        if (p50[0] > 0 && p50[1] > 0 && p50[2] > 0) {
          log_sum[m][0] += std::log(p50[0] / p50[1]);
          log_sum[m][1] += std::log(p50[0] / p50[2]);
          ++log_n[m];
        }
      }
    }
    for (int m = 0; m < 2; ++m) {
      if (log_n[m] == 0) continue;
      std::printf("geometric mean over classes, %s: q/x %.2f, q/f %.2f\n",
                  kModeNames[m],
                  std::exp(log_sum[m][0] / static_cast<double>(log_n[m])),
                  std::exp(log_sum[m][1] / static_cast<double>(log_n[m])));
    }
    std::printf("\nQuery sources per class:\n");
    for (const ClassResult& r : results) {
      std::printf("  %-16s", r.cls.c_str());
      for (const auto& [src, n] : r.sources)
        std::printf(" %s %zu;", src.c_str(), n);
      std::printf("\n");
    }
    // Term overlap.
    for (const ClassResult& r : results) {
      if (r.cls.rfind("term/", 0) != 0 || r.overlap_n == 0) continue;
      const double ov = r.overlap_x / static_cast<double>(r.overlap_n);
      if (ov < o.min_term_overlap) {
        std::printf("WARNING: %s: quarry/Xapian top-10 overlap %.2f < %.2f\n",
                    r.cls.c_str(), ov, o.min_term_overlap);
      }
    }
    if (check.failures() > 0) {
      std::printf("\n*** %llu CHECK FAILURES (%llu count mismatches) ***\n",
                  static_cast<unsigned long long>(check.failures()),
                  static_cast<unsigned long long>(check.count_mismatches));
      status = 1;
    } else {
      std::printf("\nAll answer checks passed.\n");
    }
  }
  if (temp_dir) RemoveAll(paths.dir);
  std::fflush(stdout);
  return status;
}
