// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// index_bench: how fast quarry builds an index, how big it is and how much
// memory it takes, against Xapian and SQLite FTS5, in one run over the same
// documents. Indexing a corpus once is the unit of work, so this is a plain
// program (no Google Benchmark timing loop).
//
// Engines (--engines=..., comma-separated; default: all but quarry2-nostore):
//   quarry          quarry::IndexWriter, schema {title: text, body: text},
//                   both STORED (zstd), analysis_threads = 1, UpdateBatch in
//                   batches (--batch; the Documents of a batch are built
//                   inside the timed loop, since quarry::Document owns its
//                   strings), then Commit(); final step ForceMerge(1)
//   quarry2         the same with analysis_threads = 2
//   quarry-nostore  the same as `quarry` with stored = false on both fields
//                   (the document id is still stored)
//   quarry2-nostore stored = false and analysis_threads = 2
//   xapian          Xapian::WritableDatabase (glass, DB_CREATE_OR_OVERWRITE),
//                   TermGenerator with positions: index_text(title, 1, "S"),
//                   increase_termpos(), index_text(body); plus the unique id
//                   term "Q<id>" (quarry indexes ids too); add_document; one
//                   commit at the end; final step Database::compact (FULLER)
//                   into a second directory
//   xapian-tokens   Xapian fed quarry's own tokens: every document analyzed
//                   with quarry::Analyzer (the schema's options) and each
//                   token added with add_posting(term, position + 1), prefix
//                   "S" for title terms, none for body terms, plus "Q<id>":
//                   the same terms as quarry's index, so the term dictionary
//                   of this database must equal quarry's (checked)
//   fts5            SQLite FTS5, contentless, positions kept:
//                   fts5(title, body, content='', detail=full); rows inserted
//                   with a prepared statement in transactions of 10,000 rows;
//                   PRAGMA journal_mode=OFF, synchronous=OFF (no fsync at
//                   all: the fastest FTS5 can go); final step
//                   INSERT INTO t(t) VALUES('optimize') then VACUUM (the file
//                   keeps freed pages otherwise)
//   fts5-durable    the same with journal_mode=WAL, synchronous=FULL (each
//                   commit fsyncs, like quarry's) and a
//                   wal_checkpoint(TRUNCATE) at the end of the build
//   fts5-stored     like fts5 (sync OFF) but a regular FTS5 table that keeps
//                   the text (fts5(title, body, detail=full)): the size to
//                   compare with quarry's stored fields ON
// Every engine runs in its own forked child process, one after the other, so
// peak memory is per engine: ru_maxrss from wait4(). The child also reports
// its RSS when it started (the corpus, which it inherits from the parent) so
// that "engine MB" = peak RSS - starting RSS is what the engine itself used;
// and the peak of anonymous resident memory (not counting mapped index files
// and libraries), sampled every 5 ms from a SIGALRM handler. The corpus sits
// in one read-only mapping and the parent's heap is trimmed before forking,
// so the children pay no copy-on-write faults for it.
//
// Timing: "build" runs from opening the index to a finished commit
// (quarry: Commit(); Xapian: commit(); FTS5: the last COMMIT, plus the WAL
// checkpoint for fts5-durable). docs/s and MB/s are over the build; MB = 10^6
// bytes of input text (title + body). The final step (ForceMerge(1) /
// compact / optimize+VACUUM) is timed and sized separately. Sizes are the sum
// of the sizes of all files in the engine's directory.
//
// Flags:
//   --corpus=PATH[,PATH...]  JSONL files (optionally .gz, read through
//                            `gzip -dc`) or directories of them (*.jsonl,
//                            *.jsonl.gz, sorted by name); repeatable. Each line
//                            {"id", "title", "body" or "text"}. Without it a
//                            corpus of 5,000 English-like news documents is
//                            generated.
//   --max-docs=N             at most N documents
//   --engines=LIST           engines to run (see above)
//   --workdir=DIR            where indexes are built (default: a new
//                            directory under /tmp, removed afterwards);
//                            each index is removed after its run unless --keep
//   --keep                   keep the indexes (and the work directory)
//   --repetitions=N          run every engine N times, interleaved; times are
//                            medians, memory the maximum (default 1)
//   --batch=N                documents per UpdateBatch call (default 1000)
//   --stored-level=N         quarry's stored_compression_level, the zstd
//                            level of the stored fields (default: the
//                            library default, 3)
//   --ram-budget-mb=N        quarry's ram_budget_bytes in MiB (default: the
//                            library default, 256 MiB)
//
// Answer checks (any failure: exit status 1):
//   * every engine's document count equals the number of input documents
//     (quarry: IndexReader::Stats().documents; Xapian: get_doccount();
//     FTS5: SELECT count(*) FROM t);
//   * the term dictionaries of quarry's index (after ForceMerge(1): one
//     segment) and of the xapian-tokens database are equal: same number of
//     terms and the same order-independent hash over (term, document
//     frequency, collection frequency) (ids: document frequency only);
//   * all quarry variants build the same dictionary (same hash);
//   * document frequencies of a few check terms ("the", "of", and the first
//     body and title terms of the first document) agree between quarry and
//     xapian-tokens (Xapian's TermGenerator and FTS5's unicode61 tokenizer
//     split text differently: their numbers are printed, not checked).
// After the tables the bars are printed as MET / NOT MET.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xapian.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "corpus.h"
#include "index/index_internal.h"  // segments of a reader, for the term checks
#include "quarry/analyzer.h"
#include "quarry/index.h"
#include "quarry/schema.h"

namespace {

namespace fs = std::filesystem;

// Corpus reading (corpus.h).
using quarry_bench::Corpus;
using quarry_bench::LoadCorpus;
using quarry_bench::Die;
using quarry_bench::SplitCommaList;

// ---------------------------------------------------------------------------
// Engines

enum class Kind { kQuarry, kXapian, kXapianTokens, kFts5 };

struct EngineSpec {
  const char* name;
  Kind kind;
  unsigned threads;  // quarry: analysis_threads
  bool stored;       // quarry: text fields stored; fts5: content kept
  bool durable;      // fts5: WAL + synchronous=FULL
  bool by_default;
  const char* what;
};

constexpr EngineSpec kEngines[] = {
    {"quarry", Kind::kQuarry, 1, true, true, true,
     "quarry, 1 thread, stored fields ON"},
    {"quarry2", Kind::kQuarry, 2, true, true, true,
     "quarry, 2 analysis threads, stored ON"},
    {"quarry-nostore", Kind::kQuarry, 1, false, true, true,
     "quarry, 1 thread, stored fields OFF"},
    {"quarry2-nostore", Kind::kQuarry, 2, false, true, false,
     "quarry, 2 threads, stored fields OFF"},
    {"xapian", Kind::kXapian, 1, false, true, true,
     "Xapian TermGenerator (positions)"},
    {"xapian-tokens", Kind::kXapianTokens, 1, false, true, true,
     "Xapian fed quarry's tokens"},
    {"fts5", Kind::kFts5, 1, false, false, true,
     "FTS5 contentless, journal OFF, sync OFF"},
    {"fts5-durable", Kind::kFts5, 1, false, true, true,
     "FTS5 contentless, WAL, sync FULL"},
    {"fts5-stored", Kind::kFts5, 1, true, false, true,
     "FTS5 with content, journal OFF, sync OFF"},
};

const EngineSpec* FindEngine(std::string_view name) {
  for (const EngineSpec& e : kEngines) {
    if (name == e.name) return &e;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------
// Flags

struct Options {
  std::vector<std::string> corpus;
  std::size_t max_docs = 0;  // 0: all
  std::vector<const EngineSpec*> engines;
  std::string workdir;
  bool keep = false;
  int repetitions = 1;
  std::size_t batch = 1000;
  std::size_t ram_budget_bytes = quarry::IndexWriterOptions{}.ram_budget_bytes;
  int stored_level = quarry::IndexWriterOptions{}.stored_compression_level;
};

void PrintUsage() {
  std::printf(
      "index_bench: index the same corpus with quarry, Xapian and SQLite "
      "FTS5\n"
      "  --corpus=PATH[,PATH...]  JSONL(.gz) files or directories of them\n"
      "                           (default: 5,000 generated documents)\n"
      "  --max-docs=N             at most N documents\n"
      "  --engines=LIST           of:");
  for (const EngineSpec& e : kEngines) std::printf(" %s", e.name);
  std::printf(
      "\n"
      "  --workdir=DIR            where indexes are built (default: temp)\n"
      "  --keep                   keep the indexes\n"
      "  --repetitions=N          runs per engine (default 1)\n"
      "  --batch=N                documents per UpdateBatch (default 1000)\n"
      "  --ram-budget-mb=N        quarry's RAM budget in MiB (default 256)\n"
      "  --stored-level=N         zstd level of quarry's stored fields (default 3)\n");
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

Options ParseFlags(int argc, char** argv) {
  Options o;
  std::vector<std::string> engines;
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
    } else if (value_of("--engines", &v)) {
      SplitCommaList(v, &engines);
    } else if (value_of("--workdir", &v)) {
      o.workdir = v;
    } else if (arg == "--keep") {
      o.keep = true;
    } else if (value_of("--repetitions", &v)) {
      o.repetitions = static_cast<int>(std::min<std::uint64_t>(
          ParsePositive("--repetitions", v), 100));
    } else if (value_of("--batch", &v)) {
      o.batch = ParsePositive("--batch", v);
    } else if (value_of("--stored-level", &v)) {
      o.stored_level = static_cast<int>(std::min<std::uint64_t>(
          ParsePositive("--stored-level", v), 19));
    } else if (value_of("--ram-budget-mb", &v)) {
      o.ram_budget_bytes = ParsePositive("--ram-budget-mb", v) << 20;
    } else if (arg == "--help" || arg == "-h") {
      PrintUsage();
      std::exit(0);
    } else {
      PrintUsage();
      Die("unknown flag '" + std::string(arg) + "'");
    }
  }
  if (engines.empty()) {
    for (const EngineSpec& e : kEngines) {
      if (e.by_default) o.engines.push_back(&e);
    }
  } else {
    for (const std::string& name : engines) {
      const EngineSpec* e = FindEngine(name);
      if (e == nullptr) Die("unknown engine '" + name + "'");
      if (std::find(o.engines.begin(), o.engines.end(), e) == o.engines.end()) {
        o.engines.push_back(e);
      }
    }
  }
  return o;
}

// ---------------------------------------------------------------------------
// Measuring

double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// A "Key:   N kB" line of /proc/self/status, in kB (0 if absent).
std::uint64_t ProcStatusKb(const char* key) {
  std::FILE* f = std::fopen("/proc/self/status", "r");
  if (f == nullptr) return 0;
  char line[256];
  std::uint64_t v = 0;
  const std::size_t klen = std::strlen(key);
  while (std::fgets(line, sizeof line, f) != nullptr) {
    if (std::strncmp(line, key, klen) == 0 && line[klen] == ':') {
      v = std::strtoull(line + klen + 1, nullptr, 10);
      break;
    }
  }
  std::fclose(f);
  return v;
}

// Samples anonymous resident memory (/proc/self/statm: resident - shared)
// every 5 ms of wall time from a SIGALRM handler, so the child stays
// single-threaded (a sampling thread would turn every page-table change into
// a cross-CPU TLB shootdown). SA_RESTART; every engine retries EINTR.
std::atomic<std::uint64_t> g_peak_anon_pages{0};
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

void SampleAnon(int) {
  const int saved_errno = errno;
  const int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    char buf[160];
    const ssize_t n = ::read(fd, buf, sizeof buf - 1);
    ::close(fd);
    if (n > 0) {
      std::uint64_t v[3] = {0, 0, 0};  // size resident shared (pages)
      int field = 0;
      for (ssize_t i = 0; i < n && field < 3; ++i) {
        if (buf[i] >= '0' && buf[i] <= '9') {
          v[field] = v[field] * 10 + static_cast<std::uint64_t>(buf[i] - '0');
        } else {
          ++field;
        }
      }
      const std::uint64_t anon = v[1] > v[2] ? v[1] - v[2] : 0;
      if (anon > g_peak_anon_pages.load(std::memory_order_relaxed)) {
        g_peak_anon_pages.store(anon, std::memory_order_relaxed);
      }
    }
  }
  errno = saved_errno;
}

// The peak so far, in kB (after taking a sample now).
std::uint64_t PeakAnonKb() {
  SampleAnon(0);
  return g_peak_anon_pages.load() *
         static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) / 1024;
}

class AnonSampler {
 public:
  AnonSampler() {
    struct sigaction sa {};
    sa.sa_handler = SampleAnon;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGALRM, &sa, nullptr);
    itimerval t{};
    t.it_interval.tv_usec = 5000;
    t.it_value.tv_usec = 5000;
    ::setitimer(ITIMER_REAL, &t, nullptr);
    SampleAnon(0);
  }
  ~AnonSampler() { Stop(); }
  AnonSampler(const AnonSampler&) = delete;
  AnonSampler& operator=(const AnonSampler&) = delete;
  void Stop() {
    if (stopped_) return;
    stopped_ = true;
    itimerval t{};
    ::setitimer(ITIMER_REAL, &t, nullptr);
    SampleAnon(0);
  }
  std::uint64_t peak_kb() const { return PeakAnonKb(); }

 private:
  bool stopped_ = false;
};

// Sum of the sizes of all regular files under `dir`.
std::uint64_t DirBytes(const std::string& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      total += static_cast<std::uint64_t>(st.st_size);
    }
  }
  return total;
}

std::uint64_t CountFiles(const std::string& dir) {
  std::uint64_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec)) ++n;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Term checks shared by the quarry and Xapian children

constexpr std::size_t kMaxCheckTerms = 6;

// A term to count documents of, in quarry's field numbering: 0 = title,
// 1 = body.
struct CheckTerm {
  int field;
  std::string term;
};

std::uint64_t Mix(std::uint64_t x) {  // splitmix64 finalizer
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Order-independent hash of one dictionary entry, named the Xapian way:
// "Q<id>" (df only), "S<title term>", "<body term>" (df and cf).
std::uint64_t EntryHash(std::string_view xapian_term, std::uint64_t df,
                        std::uint64_t cf, bool id) {
  std::uint64_t h = 0xCBF29CE484222325ull;
  for (char ch : xapian_term) {
    h = (h ^ static_cast<unsigned char>(ch)) * 0x100000001B3ull;
  }
  h = Mix(h ^ Mix(df));
  if (!id) h = Mix(h ^ Mix(cf + 0x51));
  return h;
}

// ---------------------------------------------------------------------------
// The result a child sends back through a pipe (plain bytes).

struct ChildResult {
  bool ok = false;
  char error[1024] = {};
  double build_s = 0, build_cpu_s = 0;
  double final_s = 0;
  std::uint64_t bytes_commit = 0, bytes_final = 0;
  std::uint64_t files_commit = 0, files_final = 0;
  std::uint64_t segments_commit = 0;  // quarry
  std::uint64_t documents = 0;        // count read back from the index
  std::uint64_t terms = 0;            // distinct terms (0: not computed)
  std::uint64_t term_hash = 0;        // quarry and xapian-tokens
  bool has_term_hash = false;
  std::int64_t df[kMaxCheckTerms] = {};  // -1: not computed
  // Where the bytes of the final index are: quarry by file extension,
  // Xapian by file, FTS5 by table (dbstat).
  struct Part {
    char name[40];
    std::uint64_t bytes;
  };
  Part parts[16] = {};
  int num_parts = 0;
  std::uint64_t start_rss_kb = 0;     // VmRSS when the child started
  std::uint64_t build_hwm_kb = 0;     // VmHWM at the end of the build
  std::uint64_t start_anon_kb = 0;    // anonymous RSS when the child started
  std::uint64_t build_anon_kb = 0;    // sampled anonymous RSS peak, build
  std::uint64_t peak_anon_kb = 0;     // the same, whole run
  // Filled by the parent from wait4().
  std::uint64_t maxrss_kb = 0;
  double child_cpu_s = 0;
};

void AddPart(ChildResult* r, std::string_view name, std::uint64_t bytes) {
  for (int i = 0; i < r->num_parts; ++i) {
    if (name == r->parts[i].name) {
      r->parts[i].bytes += bytes;
      return;
    }
  }
  if (r->num_parts == static_cast<int>(std::size(r->parts))) {
    name = "(more)";
    for (int i = 0; i < r->num_parts; ++i) {
      if (name == r->parts[i].name) {
        r->parts[i].bytes += bytes;
        return;
      }
    }
    r->parts[r->num_parts - 1].bytes += bytes;
    return;
  }
  ChildResult::Part& p = r->parts[r->num_parts++];
  std::snprintf(p.name, sizeof p.name, "%.*s", static_cast<int>(name.size()),
                name.data());
  p.bytes = bytes;
}

// Files of `dir` grouped by `key(file name)`.
void AddFileParts(ChildResult* r, const std::string& dir,
                  std::string (*key)(const std::string&)) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file(ec)) continue;
    AddPart(r, key(entry.path().filename().string()), entry.file_size(ec));
  }
}

void SetError(ChildResult* r, const std::string& msg) {
  r->ok = false;
  std::snprintf(r->error, sizeof r->error, "%s", msg.c_str());
}

struct RunContext {
  const Corpus* corpus;
  const Options* options;
  const std::vector<CheckTerm>* check_terms;
  std::string dir;        // the engine's directory (does not exist yet)
  std::string final_dir;  // Xapian's compacted copy
};

quarry::Schema BenchSchema(bool stored) {
  quarry::Schema s;
  s.AddText("title", stored);
  s.AddText("body", stored);
  return s;
}

// --- quarry ----------------------------------------------------------------

void RunQuarry(const EngineSpec& e, const RunContext& ctx, ChildResult* r) {
  const Corpus& c = *ctx.corpus;
  quarry::IndexWriterOptions o;
  o.schema = BenchSchema(e.stored);
  o.analysis_threads = e.threads;
  o.ram_budget_bytes = ctx.options->ram_budget_bytes;
  o.stored_compression_level = ctx.options->stored_level;
  const double t0 = Now();
  const double cpu0 = CpuSeconds();
  auto w = quarry::IndexWriter::Open(ctx.dir, std::move(o));
  if (!w.ok()) return SetError(r, "IndexWriter::Open: " + w.status().ToString());
  // quarry::Document owns its strings: the batch is built here, as an
  // application would build it (timed; a memcpy of the text).
  std::vector<quarry::Document> batch;
  for (std::size_t i = 0; i < c.size(); i += ctx.options->batch) {
    const std::size_t n = std::min(ctx.options->batch, c.size() - i);
    batch.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      quarry::Document& d = batch[k];
      d.id.assign(c.Id(i + k));
      d.fields.resize(2);
      d.fields[0].first = "title";
      d.fields[0].second.assign(c.Title(i + k));
      d.fields[1].first = "body";
      d.fields[1].second.assign(c.Body(i + k));
    }
    const quarry::Status s = (*w)->UpdateBatch(batch);
    if (!s.ok()) return SetError(r, "UpdateBatch: " + s.ToString());
  }
  batch = {};
  quarry::Status s = (*w)->Commit();
  if (!s.ok()) return SetError(r, "Commit: " + s.ToString());
  r->build_s = Now() - t0;
  r->build_cpu_s = CpuSeconds() - cpu0;
  r->build_hwm_kb = ProcStatusKb("VmHWM");
  r->build_anon_kb = PeakAnonKb();
  r->bytes_commit = DirBytes(ctx.dir);
  r->files_commit = CountFiles(ctx.dir);
  r->segments_commit = (*w)->Stats().segments;

  const double t1 = Now();
  s = (*w)->ForceMerge(1);
  if (!s.ok()) return SetError(r, "ForceMerge(1): " + s.ToString());
  r->final_s = Now() - t1;
  w->reset();  // releases the lock; the reader sees the merged commit
  r->bytes_final = DirBytes(ctx.dir);
  r->files_final = CountFiles(ctx.dir);
  AddFileParts(r, ctx.dir, [](const std::string& name) -> std::string {
    std::uint64_t n;
    const std::size_t dot = name.rfind('.');
    if (quarry::index::ParseSegmentFile(name, &n) && dot != std::string::npos) {
      return name.substr(dot + 1);  // tim, doc, pos, nrm, fdt, si, del
    }
    return "other";  // commit manifest, lock
  });

  auto reader = quarry::IndexReader::Open(ctx.dir);
  if (!reader.ok()) {
    return SetError(r, "IndexReader::Open: " + reader.status().ToString());
  }
  const quarry::IndexStats st = (*reader)->Stats();
  r->documents = st.documents;
  r->terms = st.terms;
  const auto& segs = quarry::internal::IndexAccess::Segments(**reader);
  // Document frequencies of the check terms (no deletions in this index).
  for (std::size_t i = 0; i < ctx.check_terms->size(); ++i) {
    const CheckTerm& t = (*ctx.check_terms)[i];
    const std::string key = quarry::index::TermKey(static_cast<std::size_t>(t.field), t.term);
    std::int64_t df = 0;
    for (const auto& seg : segs) {
      auto info = seg.reader->Find(key);
      if (!info.ok()) return SetError(r, "Find: " + info.status().ToString());
      if (*info) df += (*info)->doc_freq;
    }
    r->df[i] = df;
  }
  // The dictionary hash needs one segment (terms are then distinct).
  if (segs.size() == 1) {
    std::uint64_t hash = 0, n = 0;
    auto it = segs[0].reader->Terms();
    std::string name;
    while (it.Next()) {
      const std::string_view key = it.key();
      const auto b = static_cast<std::uint8_t>(key[0]);
      const bool id = b == quarry::index::kIdKeyByte;
      name.clear();
      if (id) {
        name = "Q";
      } else if (b == quarry::index::FieldKeyByte(0)) {
        name = "S";
      } else if (b != quarry::index::FieldKeyByte(1)) {
        return SetError(r, "unexpected term key namespace " + std::to_string(b));
      }
      name.append(key.substr(1));
      hash += EntryHash(name, it.info().doc_freq, it.info().total_freq, id);
      ++n;
    }
    if (!it.status().ok()) return SetError(r, "Terms: " + it.status().ToString());
    r->term_hash = hash;
    r->has_term_hash = true;
    if (n != r->terms) {
      return SetError(r, "term iterator saw " + std::to_string(n) +
                             " terms, Stats().terms says " + std::to_string(r->terms));
    }
  }
  r->ok = true;
}

// --- Xapian ----------------------------------------------------------------

// Adds quarry's tokens to a Xapian document: add_posting(prefix + term,
// position + 1).
class XapianTokenSink : public quarry::TokenSink {
 public:
  XapianTokenSink(Xapian::Document* doc, std::string_view prefix)
      : doc_(doc), prefix_(prefix) {}
  void OnToken(const quarry::TokenView& t) override {
    term_.assign(prefix_);
    term_.append(t.term);
    doc_->add_posting(term_, t.position + 1);
  }

 private:
  Xapian::Document* doc_;
  std::string_view prefix_;
  std::string term_;
};

void XapianChecks(const RunContext& ctx, bool hash, ChildResult* r) {
  Xapian::Database db(ctx.dir);
  r->documents = db.get_doccount();
  for (std::size_t i = 0; i < ctx.check_terms->size(); ++i) {
    const CheckTerm& t = (*ctx.check_terms)[i];
    r->df[i] = db.get_termfreq((t.field == 0 ? "S" : "") + t.term);
  }
  std::uint64_t h = 0, n = 0;
  for (auto it = db.allterms_begin(); it != db.allterms_end(); ++it) {
    ++n;
    if (!hash) continue;
    const std::string term = *it;
    const bool id = !term.empty() && term[0] == 'Q';
    h += EntryHash(term, it.get_termfreq(),
                   id ? 0 : db.get_collection_freq(term), id);
  }
  r->terms = n;
  r->term_hash = h;
  r->has_term_hash = hash;
}

void RunXapian(const EngineSpec& e, const RunContext& ctx, ChildResult* r) {
  const Corpus& c = *ctx.corpus;
  try {
    std::optional<quarry::Analyzer> analyzer;
    if (e.kind == Kind::kXapianTokens) {
      // The options of the index's text fields (both fields use the same).
      const quarry::Schema schema = BenchSchema(true);
      auto a = quarry::Analyzer::Create(schema.fields()[1].analyzer);
      if (!a.ok()) return SetError(r, "Analyzer::Create: " + a.status().ToString());
      analyzer.emplace(std::move(a).value());
    }
    const double t0 = Now();
    const double cpu0 = CpuSeconds();
    {
      Xapian::WritableDatabase db(ctx.dir, Xapian::DB_CREATE_OR_OVERWRITE);
      Xapian::TermGenerator tg;
      std::string id_term;
      for (std::size_t i = 0; i < c.size(); ++i) {
        const std::string_view title = c.Title(i), body = c.Body(i);
        Xapian::Document xd;
        if (e.kind == Kind::kXapian) {
          tg.set_document(xd);
          tg.set_termpos(0);
          tg.index_text(Xapian::Utf8Iterator(title.data(), title.size()), 1, "S");
          tg.increase_termpos();
          tg.index_text(Xapian::Utf8Iterator(body.data(), body.size()));
        } else {
          XapianTokenSink title_sink(&xd, "S");
          quarry::Status s = analyzer->Analyze(title, title_sink);
          if (s.ok()) {
            XapianTokenSink body_sink(&xd, "");
            s = analyzer->Analyze(body, body_sink);
          }
          if (!s.ok()) return SetError(r, "Analyze: " + s.ToString());
        }
        id_term.assign("Q");
        id_term.append(c.Id(i));
        xd.add_boolean_term(id_term);
        db.add_document(xd);
      }
      db.commit();
      r->build_s = Now() - t0;
      r->build_cpu_s = CpuSeconds() - cpu0;
      r->build_hwm_kb = ProcStatusKb("VmHWM");
  r->build_anon_kb = PeakAnonKb();
      db.close();
    }
    r->bytes_commit = DirBytes(ctx.dir);
    r->files_commit = CountFiles(ctx.dir);
    const double t1 = Now();
    {
      Xapian::Database db(ctx.dir);
      db.compact(ctx.final_dir, Xapian::Compactor::FULLER);
    }
    r->final_s = Now() - t1;
    r->bytes_final = DirBytes(ctx.final_dir);
    r->files_final = CountFiles(ctx.final_dir);
    AddFileParts(r, ctx.final_dir,
                 [](const std::string& name) { return name; });
    XapianChecks(ctx, e.kind == Kind::kXapianTokens, r);
    r->ok = true;
  } catch (const Xapian::Error& x) {
    SetError(r, "Xapian: " + x.get_description());
  }
}

// --- SQLite FTS5 -----------------------------------------------------------

class Sqlite {
 public:
  ~Sqlite() {
    if (stmt_ != nullptr) sqlite3_finalize(stmt_);
    if (db_ != nullptr) sqlite3_close(db_);
  }
  bool Open(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      error_ = "sqlite3_open " + path + ": " + (db_ ? sqlite3_errmsg(db_) : "?");
      return false;
    }
    return true;
  }
  bool Exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      error_ = sql + ": " + (msg ? msg : sqlite3_errmsg(db_));
      sqlite3_free(msg);
      return false;
    }
    return true;
  }
  // The first column of the first row of a query, as an integer.
  std::optional<std::int64_t> Int(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      error_ = sql + ": " + sqlite3_errmsg(db_);
      return std::nullopt;
    }
    std::optional<std::int64_t> v;
    const int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
      v = sqlite3_column_int64(st, 0);
    } else {
      error_ = sql + ": " + sqlite3_errmsg(db_);
    }
    sqlite3_finalize(st);
    return v;
  }
  bool PrepareInsert() {
    const char* sql = "INSERT INTO t(rowid, title, body) VALUES(?1, ?2, ?3)";
    if (sqlite3_prepare_v2(db_, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      error_ = std::string(sql) + ": " + sqlite3_errmsg(db_);
      return false;
    }
    return true;
  }
  bool Insert(std::int64_t rowid, std::string_view title, std::string_view body) {
    sqlite3_bind_int64(stmt_, 1, rowid);
    sqlite3_bind_text(stmt_, 2, title.data(), static_cast<int>(title.size()),
                      SQLITE_STATIC);
    sqlite3_bind_text(stmt_, 3, body.data(), static_cast<int>(body.size()),
                      SQLITE_STATIC);
    const int rc = sqlite3_step(stmt_);
    sqlite3_reset(stmt_);
    if (rc != SQLITE_DONE) {
      error_ = std::string("INSERT: ") + sqlite3_errmsg(db_);
      return false;
    }
    return true;
  }
  void FinishInsert() {
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
  bool Close() {
    FinishInsert();
    if (sqlite3_close(db_) != SQLITE_OK) {
      error_ = std::string("sqlite3_close: ") + sqlite3_errmsg(db_);
      return false;
    }
    db_ = nullptr;
    return true;
  }
  const std::string& error() const { return error_; }
  sqlite3* handle() const { return db_; }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

void RunFts5(const EngineSpec& e, const RunContext& ctx, ChildResult* r) {
  const Corpus& c = *ctx.corpus;
  std::error_code ec;
  fs::create_directories(ctx.dir, ec);
  if (ec) return SetError(r, "mkdir " + ctx.dir + ": " + ec.message());
  const std::string path = ctx.dir + "/fts5.db";
  constexpr std::size_t kRowsPerTransaction = 10000;
  const char* pragmas = e.durable
                            ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                            : "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;";
  const double t0 = Now();
  const double cpu0 = CpuSeconds();
  Sqlite db;
  const char* create =
      e.stored ? "CREATE VIRTUAL TABLE t USING fts5(title, body, detail=full)"
               : "CREATE VIRTUAL TABLE t USING fts5(title, body, content='', "
                 "detail=full)";
  if (!db.Open(path) || !db.Exec(pragmas) || !db.Exec(create) ||
      !db.PrepareInsert() || !db.Exec("BEGIN")) {
    return SetError(r, db.error());
  }
  for (std::size_t i = 0; i < c.size(); ++i) {
    if (i > 0 && i % kRowsPerTransaction == 0) {
      if (!db.Exec("COMMIT") || !db.Exec("BEGIN")) return SetError(r, db.error());
    }
    if (!db.Insert(static_cast<std::int64_t>(i) + 1, c.Title(i), c.Body(i))) {
      return SetError(r, db.error());
    }
  }
  if (!db.Exec("COMMIT")) return SetError(r, db.error());
  if (e.durable && !db.Exec("PRAGMA wal_checkpoint(TRUNCATE)")) {
    return SetError(r, db.error());
  }
  r->build_s = Now() - t0;
  r->build_cpu_s = CpuSeconds() - cpu0;
  r->build_hwm_kb = ProcStatusKb("VmHWM");
  r->build_anon_kb = PeakAnonKb();
  r->bytes_commit = DirBytes(ctx.dir);
  r->files_commit = CountFiles(ctx.dir);

  const double t1 = Now();
  if (!db.Exec("INSERT INTO t(t) VALUES('optimize')") || !db.Exec("VACUUM") ||
      (e.durable && !db.Exec("PRAGMA wal_checkpoint(TRUNCATE)"))) {
    return SetError(r, db.error());
  }
  r->final_s = Now() - t1;
  r->bytes_final = DirBytes(ctx.dir);
  r->files_final = CountFiles(ctx.dir);

  {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.handle(),
                           "SELECT name, sum(pgsize) FROM dbstat GROUP BY name "
                           "ORDER BY 2 DESC",
                           -1, &st, nullptr) == SQLITE_OK) {
      while (sqlite3_step(st) == SQLITE_ROW) {
        const auto* name =
            reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        AddPart(r, name ? name : "?",
                static_cast<std::uint64_t>(sqlite3_column_int64(st, 1)));
      }
    }
    sqlite3_finalize(st);  // no dbstat in this SQLite: no breakdown
  }
  const auto count = db.Int("SELECT count(*) FROM t");
  if (!count) return SetError(r, db.error());
  r->documents = static_cast<std::uint64_t>(*count);
  for (std::size_t i = 0; i < ctx.check_terms->size(); ++i) {
    const CheckTerm& t = (*ctx.check_terms)[i];
    std::string quoted = "\"";
    for (char ch : t.term) {
      quoted += ch;
      if (ch == '"') quoted += '"';
    }
    quoted += '"';
    std::string match = (t.field == 0 ? "title:" : "body:") + quoted;
    std::string sql = "SELECT count(*) FROM t WHERE t MATCH '";
    for (char ch : match) {
      sql += ch;
      if (ch == '\'') sql += '\'';
    }
    sql += "'";
    const auto df = db.Int(sql);
    r->df[i] = df ? *df : -1;
  }
  if (db.Exec("CREATE VIRTUAL TABLE temp.v USING fts5vocab(main, t, 'row')")) {
    const auto terms = db.Int("SELECT count(*) FROM temp.v");
    if (terms) r->terms = static_cast<std::uint64_t>(*terms);
  }
  if (!db.Close()) return SetError(r, db.error());
  r->ok = true;
}

// --- Running a child -------------------------------------------------------

void RunEngineInChild(const EngineSpec& e, const RunContext& ctx,
                      ChildResult* r) {
  r->start_rss_kb = ProcStatusKb("VmRSS");
  r->start_anon_kb = ProcStatusKb("RssAnon");
  for (std::int64_t& v : r->df) v = -1;
  AnonSampler sampler;
  switch (e.kind) {
    case Kind::kQuarry:
      RunQuarry(e, ctx, r);
      break;
    case Kind::kXapian:
    case Kind::kXapianTokens:
      RunXapian(e, ctx, r);
      break;
    case Kind::kFts5:
      RunFts5(e, ctx, r);
      break;
  }
  sampler.Stop();
  r->peak_anon_kb = sampler.peak_kb();
}

bool WriteAll(int fd, const void* data, std::size_t n) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

std::size_t ReadAll(int fd, void* data, std::size_t n) {
  auto* p = static_cast<char*>(data);
  std::size_t got = 0;
  while (got < n) {
    const ssize_t k = ::read(fd, p + got, n - got);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) break;
    got += static_cast<std::size_t>(k);
  }
  return got;
}

ChildResult RunForked(const EngineSpec& e, const RunContext& ctx) {
  ChildResult result;
  int fds[2];
  if (::pipe(fds) != 0) Die(std::string("pipe: ") + std::strerror(errno));
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = ::fork();
  if (pid < 0) Die(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    ::close(fds[0]);
    ChildResult r;
    RunEngineInChild(e, ctx, &r);
    const bool sent = WriteAll(fds[1], &r, sizeof r);
    ::close(fds[1]);
    std::fflush(stderr);
    ::_exit(sent ? 0 : 3);
  }
  ::close(fds[1]);
  const std::size_t got = ReadAll(fds[0], &result, sizeof result);
  ::close(fds[0]);
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) Die(std::string("wait4: ") + std::strerror(errno));
  }
  if (got != sizeof result) {
    result = ChildResult{};
    std::string why = "child process ";
    if (WIFSIGNALED(status)) {
      why += "killed by signal " + std::to_string(WTERMSIG(status));
    } else {
      why += "exited with status " + std::to_string(WEXITSTATUS(status)) +
             " without a result";
    }
    SetError(&result, why);
  }
  result.maxrss_kb = static_cast<std::uint64_t>(ru.ru_maxrss);  // kB on Linux
  auto sec = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  result.child_cpu_s = sec(ru.ru_utime) + sec(ru.ru_stime);
  return result;
}

// ---------------------------------------------------------------------------
// Report

struct EngineRuns {
  const EngineSpec* spec;
  std::vector<ChildResult> runs;
};

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The summary of an engine over its repetitions.
struct Summary {
  bool ok = false;
  std::string error;
  double build_s = 0, build_min = 0, build_max = 0, build_cpu_s = 0;
  double final_s = 0;
  double docs_per_s = 0, mb_per_s = 0;
  std::uint64_t bytes_commit = 0, bytes_final = 0;
  std::uint64_t files_commit = 0, files_final = 0, segments_commit = 0;
  std::uint64_t documents = 0, terms = 0;
  std::uint64_t maxrss_kb = 0, start_rss_kb = 0, build_hwm_kb = 0;
  std::uint64_t build_anon_kb = 0, peak_anon_kb = 0;  // above start
  const ChildResult* last = nullptr;
};

Summary Summarize(const EngineRuns& er, const Corpus& c) {
  Summary s;
  std::vector<double> build, cpu, fin;
  for (const ChildResult& r : er.runs) {
    if (!r.ok) {
      s.error = r.error;
      return s;
    }
    build.push_back(r.build_s);
    cpu.push_back(r.build_cpu_s);
    fin.push_back(r.final_s);
    // Memory above what the child started with; the maximum over runs.
    if (r.maxrss_kb > s.maxrss_kb) {
      s.maxrss_kb = r.maxrss_kb;
      s.start_rss_kb = r.start_rss_kb;
    }
    s.build_hwm_kb = std::max(s.build_hwm_kb, r.build_hwm_kb);
    auto above = [&](std::uint64_t v) {
      return v > r.start_anon_kb ? v - r.start_anon_kb : 0;
    };
    s.build_anon_kb = std::max(s.build_anon_kb, above(r.build_anon_kb));
    s.peak_anon_kb = std::max(s.peak_anon_kb, above(r.peak_anon_kb));
    s.last = &r;
  }
  s.ok = !er.runs.empty();
  if (!s.ok) return s;
  s.build_s = Median(build);
  s.build_min = *std::min_element(build.begin(), build.end());
  s.build_max = *std::max_element(build.begin(), build.end());
  s.build_cpu_s = Median(cpu);
  s.final_s = Median(fin);
  s.docs_per_s = static_cast<double>(c.size()) / s.build_s;
  s.mb_per_s = static_cast<double>(c.bytes) / 1e6 / s.build_s;
  s.bytes_commit = s.last->bytes_commit;
  s.bytes_final = s.last->bytes_final;
  s.files_commit = s.last->files_commit;
  s.files_final = s.last->files_final;
  s.segments_commit = s.last->segments_commit;
  s.documents = s.last->documents;
  s.terms = s.last->terms;
  return s;
}

std::string Fmt(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}
std::string Mb(std::uint64_t bytes) {
  return Fmt(static_cast<double>(bytes) / 1e6, 2);
}
std::string MbKb(std::uint64_t kb) {  // kB (KiB) -> MB (10^6)
  return Fmt(static_cast<double>(kb) * 1024.0 / 1e6, 1);
}

void PrintRow(const std::vector<std::string>& cells,
              const std::vector<int>& widths) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const int w = widths[i];
    if (i == 0) {
      std::printf("  %-*s", w, cells[i].c_str());
    } else {
      std::printf(" %*s", w, cells[i].c_str());
    }
  }
  std::printf("\n");
}

const char* FinalStepName(Kind k) {
  switch (k) {
    case Kind::kQuarry:
      return "ForceMerge(1)";
    case Kind::kXapian:
    case Kind::kXapianTokens:
      return "compact FULLER";
    case Kind::kFts5:
      return "optimize+VACUUM";
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  quarry_bench::SetProgramName("index_bench");  // corpus.h's error messages
  const Options options = ParseFlags(argc, argv);
  Corpus corpus;
  LoadCorpus(options.corpus, options.max_docs, &corpus);
  std::printf("index_bench: corpus %s\n", corpus.source.c_str());
  std::printf(
      "  %zu documents, %.2f MB of title+body text (%.0f bytes/doc)",
      corpus.size(), static_cast<double>(corpus.bytes) / 1e6,
      static_cast<double>(corpus.bytes) / static_cast<double>(corpus.size()));
  if (corpus.skipped_empty + corpus.skipped_bad_json + corpus.renamed_ids > 0) {
    std::printf("; skipped %llu empty and %llu unparsable lines, %llu ids made "
                "unique",
                static_cast<unsigned long long>(corpus.skipped_empty),
                static_cast<unsigned long long>(corpus.skipped_bad_json),
                static_cast<unsigned long long>(corpus.renamed_ids));
  }
  std::printf("\n");

  // Check terms: common words, then the first title and body terms of the
  // first document as quarry's analyzer sees them.
  std::vector<CheckTerm> check_terms = {{1, "the"}, {1, "of"}, {0, "the"}};
  {
    auto a = quarry::Analyzer::Create(BenchSchema(true).fields()[1].analyzer);
    if (!a.ok()) Die("Analyzer::Create: " + a.status().ToString());
    for (int field = 0; field < 2; ++field) {
      for (std::size_t i = 0; i < corpus.size(); ++i) {
        auto tokens = a->Analyze(field == 0 ? corpus.Title(i) : corpus.Body(i));
        if (!tokens.ok()) Die("Analyze: " + tokens.status().ToString());
        if (tokens->empty()) continue;
        const CheckTerm t{field, (*tokens)[0].term};
        bool dup = false;
        for (const CheckTerm& u : check_terms) {
          dup |= u.field == t.field && u.term == t.term;
        }
        if (!dup) check_terms.push_back(t);
        break;
      }
    }
  }
  if (check_terms.size() > kMaxCheckTerms) check_terms.resize(kMaxCheckTerms);
  // Give the loader's freed heap back (see Corpus).
  ::malloc_trim(0);

  // The work directory.
  std::string workdir = options.workdir;
  bool remove_workdir = false;
  if (workdir.empty()) {
    char tmpl[] = "/tmp/index_bench.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) Die(std::string("mkdtemp: ") + std::strerror(errno));
    workdir = tmpl;
    remove_workdir = !options.keep;
  } else {
    std::error_code ec;
    fs::create_directories(workdir, ec);
    if (ec) Die("cannot create " + workdir + ": " + ec.message());
  }
  std::printf("  work directory %s; quarry RAM budget %.0f MiB; batches of "
              "%zu documents; %d repetition(s)\n",
              workdir.c_str(),
              static_cast<double>(options.ram_budget_bytes) / (1 << 20),
              options.batch, options.repetitions);
  std::printf("  quarry schema: title (text), body (text); stored fields ON "
              "for quarry/quarry2, OFF for *-nostore\n");
  std::fflush(stdout);

  std::vector<EngineRuns> runs;
  for (const EngineSpec* e : options.engines) runs.push_back({e, {}});
  for (int rep = 0; rep < options.repetitions; ++rep) {
    // Rotate the order so that no engine always runs first.
    for (std::size_t k = 0; k < runs.size(); ++k) {
      EngineRuns& er = runs[(k + static_cast<std::size_t>(rep)) % runs.size()];
      RunContext ctx;
      ctx.corpus = &corpus;
      ctx.options = &options;
      ctx.check_terms = &check_terms;
      ctx.dir = workdir + "/" + er.spec->name + "-" + std::to_string(rep);
      ctx.final_dir = ctx.dir + "-compact";
      std::error_code ec;
      fs::remove_all(ctx.dir, ec);
      fs::remove_all(ctx.final_dir, ec);
      std::printf("  running %-16s (repetition %d) ...", er.spec->name, rep + 1);
      std::fflush(stdout);
      ChildResult r = RunForked(*er.spec, ctx);
      if (r.ok) {
        std::printf(" %.2f s build, %.2f s %s\n", r.build_s, r.final_s,
                    FinalStepName(er.spec->kind));
      } else {
        std::printf(" FAILED: %s\n", r.error);
      }
      er.runs.push_back(r);
      if (!options.keep) {
        fs::remove_all(ctx.dir, ec);
        fs::remove_all(ctx.final_dir, ec);
      }
    }
  }
  if (remove_workdir) {
    std::error_code ec;
    fs::remove_all(workdir, ec);
  }

  std::vector<Summary> sums;
  for (const EngineRuns& er : runs) sums.push_back(Summarize(er, corpus));
  auto find = [&](const char* name) -> const Summary* {
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (std::string_view(runs[i].spec->name) == name && sums[i].ok) {
        return &sums[i];
      }
    }
    return nullptr;
  };

  std::printf("\n==== index_bench: %zu documents, %.2f MB text ====\n",
              corpus.size(), static_cast<double>(corpus.bytes) / 1e6);
  std::printf(
      "\nBuild (open -> durable commit; median over repetitions; MB = 10^6 "
      "bytes of title+body):\n");
  const std::vector<int> w1 = {16, 9, 10, 7, 8, 11, 17, 9, 10, 6};
  PrintRow({"engine", "build s", "docs/s", "MB/s", "CPU s", "docs/CPU-s",
            "build s range", "final s", "size MB", "files"},
           w1);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Summary& s = sums[i];
    if (!s.ok) {
      std::printf("  %-16s FAILED: %s\n", runs[i].spec->name, s.error.c_str());
      continue;
    }
    PrintRow({runs[i].spec->name, Fmt(s.build_s, 2), Fmt(s.docs_per_s, 0),
              Fmt(s.mb_per_s, 2), Fmt(s.build_cpu_s, 2),
              Fmt(static_cast<double>(corpus.size()) / s.build_cpu_s, 0),
              Fmt(s.build_min, 2) + "-" + Fmt(s.build_max, 2), Fmt(s.final_s, 2),
              Mb(s.bytes_commit), std::to_string(s.files_commit)},
             w1);
  }
  std::printf("  (CPU s = user+sys CPU time of the build, all threads; "
              "final s = the final step alone: quarry ForceMerge(1), Xapian "
              "compact FULLER, FTS5 optimize + VACUUM)\n");

  std::printf("\nSize on disk and memory:\n");
  const std::vector<int> w2 = {16, 10, 15, 6, 10, 8, 10, 9, 11, 9, 8};
  PrintRow({"engine", "commit MB", "after final MB", "B/doc", "% of text",
            "peak MB", "engine MB", "build MB", "anon build", "anon all",
            "terms"},
           w2);
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Summary& s = sums[i];
    if (!s.ok) continue;
    const std::uint64_t engine_kb =
        s.maxrss_kb > s.start_rss_kb ? s.maxrss_kb - s.start_rss_kb : 0;
    const std::uint64_t build_kb =
        s.build_hwm_kb > s.start_rss_kb ? s.build_hwm_kb - s.start_rss_kb : 0;
    PrintRow({runs[i].spec->name, Mb(s.bytes_commit), Mb(s.bytes_final),
              Fmt(static_cast<double>(s.bytes_final) /
                      static_cast<double>(corpus.size()), 0),
              Fmt(100.0 * static_cast<double>(s.bytes_final) /
                      static_cast<double>(corpus.bytes), 1),
              MbKb(s.maxrss_kb), MbKb(engine_kb), MbKb(build_kb),
              MbKb(s.build_anon_kb), MbKb(s.peak_anon_kb),
              std::to_string(s.terms)},
             w2);
  }
  std::printf(
      "  peak MB   = ru_maxrss of the engine's child process (wait4), whole "
      "run\n"
      "  engine MB = peak MB - the child's RSS at start (%s MB: the corpus "
      "and libraries)\n"
      "  build MB  = VmHWM at the end of the build - RSS at start (before the "
      "final step)\n"
      "  anon      = peak anonymous RSS (RSS - file-backed - shmem, sampled "
      "every 5 ms) above the child's start,\n"
      "              during the build / the whole run (excludes mapped index "
      "files, libraries and ICU data)\n"
      "  terms     = distinct terms (quarry: incl. one id term per doc; Xapian: "
      "incl. Q<id>; FTS5: fts5vocab rows)\n",
      sums.empty() || !sums[0].ok ? "?" : MbKb(sums[0].start_rss_kb).c_str());
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (sums[i].ok && runs[i].spec->kind == Kind::kQuarry) {
      std::printf("  %s: %llu segment(s) at commit\n", runs[i].spec->name,
                  static_cast<unsigned long long>(sums[i].segments_commit));
    }
  }
  std::printf("\nWhere the bytes are (after the final step; MB):\n");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    if (!sums[i].ok) continue;
    const ChildResult& r = *sums[i].last;
    std::vector<std::pair<std::uint64_t, std::string>> parts;
    for (int k = 0; k < r.num_parts; ++k) {
      parts.emplace_back(r.parts[k].bytes, r.parts[k].name);
    }
    std::sort(parts.rbegin(), parts.rend());
    std::printf("  %-16s", runs[i].spec->name);
    for (const auto& [bytes, name] : parts) {
      std::printf(" %s %s", name.c_str(), Mb(bytes).c_str());
    }
    std::printf("\n");
  }

  // Answer checks.
  bool failed = false;
  std::printf("\nAnswer checks:\n");
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Summary& s = sums[i];
    if (!s.ok) {
      std::printf("  FAIL %s: %s\n", runs[i].spec->name, s.error.c_str());
      failed = true;
      continue;
    }
    for (const ChildResult& r : runs[i].runs) {
      if (r.documents != corpus.size()) {
        std::printf("  FAIL %s: %llu documents in the index, %zu in the input\n",
                    runs[i].spec->name,
                    static_cast<unsigned long long>(r.documents),
                    corpus.size());
        failed = true;
      }
    }
  }
  if (!failed) {
    std::printf("  document counts: every engine holds all %zu documents\n",
                corpus.size());
  }
  // Dictionaries: every quarry variant and xapian-tokens.
  const ChildResult* ref = nullptr;
  const char* ref_name = nullptr;
  std::size_t compared = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Kind k = runs[i].spec->kind;
    if (k != Kind::kQuarry && k != Kind::kXapianTokens) continue;
    for (const ChildResult& r : runs[i].runs) {
      if (!r.ok) continue;
      if (!r.has_term_hash) {
        std::printf("  FAIL %s: no dictionary hash (more than one segment "
                    "after ForceMerge(1)?)\n",
                    runs[i].spec->name);
        failed = true;
        continue;
      }
      if (ref == nullptr) {
        ref = &r;
        ref_name = runs[i].spec->name;
        continue;
      }
      ++compared;
      if (r.terms != ref->terms || r.term_hash != ref->term_hash) {
        std::printf(
            "  FAIL dictionaries differ: %s has %llu terms (hash %016llx), %s "
            "%llu (hash %016llx)\n",
            runs[i].spec->name, static_cast<unsigned long long>(r.terms),
            static_cast<unsigned long long>(r.term_hash), ref_name,
            static_cast<unsigned long long>(ref->terms),
            static_cast<unsigned long long>(ref->term_hash));
        failed = true;
      }
      for (std::size_t t = 0; t < check_terms.size(); ++t) {
        if (r.df[t] != ref->df[t]) {
          std::printf("  FAIL document frequency of %s:%s: %s %lld, %s %lld\n",
                      check_terms[t].field == 0 ? "title" : "body",
                      check_terms[t].term.c_str(), runs[i].spec->name,
                      static_cast<long long>(r.df[t]), ref_name,
                      static_cast<long long>(ref->df[t]));
          failed = true;
        }
      }
    }
  }
  if (ref != nullptr && compared > 0 && !failed) {
    std::printf("  term dictionaries (term, df, cf) identical across %zu "
                "quarry/xapian-tokens builds: %llu terms\n",
                compared + 1, static_cast<unsigned long long>(ref->terms));
  }
  // Document frequencies of the check terms, every engine.
  std::printf("\n  document frequency of check terms (Xapian TermGenerator and "
              "FTS5 unicode61 tokenize differently: informational):\n");
  {
    std::vector<std::string> header = {"engine"};
    std::vector<int> widths = {16};
    for (const CheckTerm& t : check_terms) {
      std::string h = (t.field == 0 ? "title:" : "body:") + t.term;
      if (h.size() > 18) h = h.substr(0, 18);
      header.push_back(h);
      widths.push_back(std::max<int>(10, static_cast<int>(h.size())));
    }
    PrintRow(header, widths);
    for (std::size_t i = 0; i < runs.size(); ++i) {
      if (!sums[i].ok) continue;
      std::vector<std::string> cells = {runs[i].spec->name};
      for (std::size_t t = 0; t < check_terms.size(); ++t) {
        const std::int64_t v = sums[i].last->df[t];
        cells.push_back(v < 0 ? "n/a" : std::to_string(v));
      }
      PrintRow(cells, widths);
    }
  }

  // Ratios and bars.
  std::printf("\nBars%s:\n",
              corpus.generated ? " [generated corpus, not a real one]" : "");
  const Summary* q = find("quarry");
  const Summary* q2 = find("quarry2");
  const Summary* qn = find("quarry-nostore");
  const Summary* x = find("xapian");
  const Summary* f = find("fts5");
  const Summary* fd = find("fts5-durable");
  const Summary* fs5 = find("fts5-stored");
  auto verdict = [](bool met) { return met ? "MET" : "NOT MET"; };
  // Wall-clock docs/s decide; the CPU-time ratio is printed alongside
  // because a shared machine inflates wall time.
  auto cpu_ratio = [](const Summary* a, const Summary* b) {
    return b->build_cpu_s / a->build_cpu_s;
  };
  if (q != nullptr && f != nullptr) {
    std::printf("  quarry 1-thread docs/s >= FTS5 (sync OFF) docs/s: %s "
                "(%.0f vs %.0f, %.2fx; by CPU time %.2fx)\n",
                verdict(q->docs_per_s >= f->docs_per_s), q->docs_per_s,
                f->docs_per_s, q->docs_per_s / f->docs_per_s, cpu_ratio(q, f));
  }
  if (q != nullptr && fd != nullptr) {
    std::printf("  quarry 1-thread docs/s >= FTS5 (WAL, sync FULL) docs/s: %s "
                "(%.0f vs %.0f, %.2fx; by CPU time %.2fx)\n",
                verdict(q->docs_per_s >= fd->docs_per_s), q->docs_per_s,
                fd->docs_per_s, q->docs_per_s / fd->docs_per_s,
                cpu_ratio(q, fd));
  }
  if (q != nullptr && x != nullptr) {
    std::printf("  quarry 1-thread docs/s >= 10x Xapian: %s (%.2fx; by CPU "
                "time %.2fx)\n",
                verdict(q->docs_per_s >= 10 * x->docs_per_s),
                q->docs_per_s / x->docs_per_s, cpu_ratio(q, x));
  }
  if (q != nullptr && q2 != nullptr) {
    std::printf("  quarry 2 threads faster than 1: %s (%.0f vs %.0f docs/s, "
                "%.2fx)\n",
                verdict(q2->docs_per_s > q->docs_per_s), q2->docs_per_s,
                q->docs_per_s, q2->docs_per_s / q->docs_per_s);
  }
  for (const Summary* fts : {f, fd}) {
    if (fts == nullptr) continue;
    const char* fname = fts == f ? "fts5" : "fts5-durable";
    for (const auto& [qs, qname] :
         {std::pair{q, "quarry (stored ON)"}, std::pair{qn, "quarry-nostore"}}) {
      if (qs == nullptr) continue;
      std::printf("  %s size <= %s size: after commit %s (%s vs %s MB, "
                  "%.2fx); after ForceMerge/optimize %s (%s vs %s MB, %.2fx)\n",
                  qname, fname, verdict(qs->bytes_commit <= fts->bytes_commit),
                  Mb(qs->bytes_commit).c_str(), Mb(fts->bytes_commit).c_str(),
                  static_cast<double>(qs->bytes_commit) /
                      static_cast<double>(fts->bytes_commit),
                  verdict(qs->bytes_final <= fts->bytes_final),
                  Mb(qs->bytes_final).c_str(), Mb(fts->bytes_final).c_str(),
                  static_cast<double>(qs->bytes_final) /
                      static_cast<double>(fts->bytes_final));
    }
  }
  std::printf("  (fts5/fts5-durable are contentless: they keep no text; "
              "quarry (stored ON) also keeps title+body zstd-compressed)\n");
  if (q != nullptr && fs5 != nullptr) {
    std::printf("  quarry (stored ON) size <= fts5-stored (keeps the text too): "
                "after commit %s (%s vs %s MB, %.2fx); after final step %s (%s "
                "vs %s MB, %.2fx)\n",
                verdict(q->bytes_commit <= fs5->bytes_commit),
                Mb(q->bytes_commit).c_str(), Mb(fs5->bytes_commit).c_str(),
                static_cast<double>(q->bytes_commit) /
                    static_cast<double>(fs5->bytes_commit),
                verdict(q->bytes_final <= fs5->bytes_final),
                Mb(q->bytes_final).c_str(), Mb(fs5->bytes_final).c_str(),
                static_cast<double>(q->bytes_final) /
                    static_cast<double>(fs5->bytes_final));
  }
  if (q != nullptr && fs5 != nullptr) {
    std::printf("  quarry (stored ON) docs/s vs fts5-stored: %.2fx (%.0f vs "
                "%.0f)\n",
                q->docs_per_s / fs5->docs_per_s, q->docs_per_s, fs5->docs_per_s);
  }
  const double limit_kb =
      static_cast<double>(options.ram_budget_bytes) * 1.25 / 1024.0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const Summary& s = sums[i];
    if (!s.ok || runs[i].spec->kind != Kind::kQuarry) continue;
    const double engine_kb = static_cast<double>(
        s.maxrss_kb > s.start_rss_kb ? s.maxrss_kb - s.start_rss_kb : 0);
    const double build_kb = static_cast<double>(
        s.build_hwm_kb > s.start_rss_kb ? s.build_hwm_kb - s.start_rss_kb : 0);
    std::printf("  %s peak memory <= RAM budget + 25%% (%.0f MB): %s (RSS above "
                "start %.1f MB whole run, %.1f MB build only; anonymous %.1f MB "
                "whole run, %.1f MB build only)\n",
                runs[i].spec->name, limit_kb * 1024 / 1e6,
                verdict(engine_kb <= limit_kb), engine_kb * 1024 / 1e6,
                build_kb * 1024 / 1e6,
                static_cast<double>(s.peak_anon_kb) * 1024 / 1e6,
                static_cast<double>(s.build_anon_kb) * 1024 / 1e6);
  }
  std::printf("  Durability: quarry and Xapian fsync on commit; fts5 and "
              "fts5-stored run with journal_mode=OFF, synchronous=OFF (never "
              "fsync); fts5-durable with WAL + synchronous=FULL.\n");
  std::fputs(failed ? "\nSome answer checks FAILED.\n"
                    : "\nAll answer checks passed.\n",
             stdout);
  std::fflush(stdout);
  return failed ? 1 : 0;
}
