// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// `quarry`: the example command-line program.
//
//   quarry analyze [--json] [--stem LANG] [--turkic] [--no-fold] TEXT...
//   quarry demo [--corpus FILE] [--color WHEN]
//   quarry index  --index DIR [--threads N] FILE...   (JSONL or .txt; - = stdin;
//                 upserts by id; creates the index and its parent directories)
//   quarry search --index DIR [--limit N] [--offset N] [--fields a,b] [--json]
//                 [--count] [--explain] [--and] [--literal] [--color WHEN] QUERY...
//   quarry bench  --index DIR --queries FILE [--repeat N] [--limit K] [--count]
//   quarry get    --index DIR [--json] ID
//   quarry delete --index DIR ID...
//   quarry stats  --index DIR [--json]
//   quarry check  --index DIR
//
// Every subcommand takes --help; `-i` is short for `--index`.
//
// Exit codes:
//   0  success (a search without hits is still a success)
//   1  a runtime error: the index is missing or corrupt, an I/O error, a
//      document id that does not exist (get, delete), bad input lines (index)
//   2  a usage error: bad flags or arguments, or a query the parser rejects
//      (syntax errors, limits); the message names the byte offset and a caret
//      marks it under the query
//
// `search` output.
//   Human (default): a header line "N hits (exact)" or "N hits (at least N)"
//   (when the count stopped at SearchOptions::total_hits_threshold), then per
//   hit a line "RANK. ID  score S" and one line per field "  field: snippet".
//   The fields are the stored text fields of the schema (title, body for the
//   default schema) or those named by --fields; a text field without a match
//   shows the start of its value. Highlights are ANSI bold yellow when stdout
//   is a terminal (--color auto, the default; NO_COLOR turns it off) and
//   `[`...`]` otherwise, so piped output stays greppable. Line breaks inside
//   snippets are shown as spaces.
//   --json: exactly one object on one line:
//     {"total":9,"total_exact":true,"hits":[{"id":"news-003","score":7.42,
//      "fields":{"title":"...","body":"...","extra":"{...}"},
//      "snippets":{"title":"<b>Bayramov</b> backs ..."},
//      "highlights":{"title":[[0,8]]}}]}
//   where snippets are HTML-escaped text with <b></b> around the matches and
//   highlights are the matches' byte ranges [start, end) in the stored value.
//   A field given more than once becomes an array of values. --explain adds
//   "explanation": {"value", "description", "details": [...]} to each hit.
//   --count prints only the exact number of matches ({"total":N,
//   "total_exact":true} with --json).
//   --fields a,b: the stored fields to load (all by default) and show; the
//   text fields among them get snippets.
//
// `bench`: one query per line of FILE (quarry's query syntax; empty lines and
// lines starting with # are skipped). One warm-up pass over all queries, then
// --repeat passes; only Search/Count is timed (not parsing). One line per
// query "hits<TAB>median_us<TAB>query" (hits = total_hits, a lower bound
// since the threshold is 0, or the exact Count with --count), then one line
// {"queries":n,"median_us":x,"p95_us":y} over the per-query medians (p95 by
// nearest rank). --evict-kb N writes an N KiB buffer and runs through
// ~64 KiB of code before each timed run (untimed), pushing the query's data
// and instructions out of the CPU caches as a server's other work would:
// 4096 empties the L2 caches of this kind of machine, 65536 its L3 too.
//
// `get` prints "field: value" lines (or {"id":..., "fields":{...}} with
// --json). `delete` deletes every ID, commits, prints "deleted N documents
// (M not found)" and exits 1 if any ID was not found.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/analyzer.h"
#include "quarry/index.h"
#ifdef QUARRY_HAVE_SERVER
#include "server.h"
#endif
#include "quarry/query.h"
#include "quarry/search.h"

#ifndef QUARRY_SAMPLE_CORPUS
#define QUARRY_SAMPLE_CORPUS ""
#endif

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

const char* KindName(quarry::TokenKind k) {
  switch (k) {
    case quarry::TokenKind::kWord: return "word";
    case quarry::TokenKind::kJoined: return "joined";
    case quarry::TokenKind::kStem: return "stem";
  }
  return "?";
}

int Fail(const quarry::Status& s) {
  std::cerr << "quarry: " << s.ToString() << "\n";
  return 1;
}

// Terminal columns taken by s: one per code point, two for East Asian wide
// ones (close enough to place a caret).
std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
    if (i + len > s.size()) len = 1;
    char32_t cp = b;
    if (len > 1) {
      cp = b & (0x7F >> len);
      for (std::size_t k = 1; k < len; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += len;
  }
  return width;
}

void PrintTokens(const std::vector<quarry::Token>& tokens, bool json,
                 const std::string& text) {
  for (const quarry::Token& t : tokens) {
    if (json) {
      nlohmann::ordered_json j = {{"term", t.term},
                                  {"position", t.position},
                                  {"position_length", t.position_length},
                                  {"start", t.start},
                                  {"end", t.end},
                                  {"kind", KindName(t.kind)}};
      std::cout << j.dump(-1, ' ', false,
                          nlohmann::json::error_handler_t::replace)
                << "\n";
    } else {
      std::string span = text.substr(t.start, t.end - t.start);
      const std::size_t width = DisplayWidth(t.term);
      const std::string pad(width < 24 ? 24 - width : 0, ' ');
      std::printf("%5u  %s%s [%u,%u) %-6s %s\n", t.position, t.term.c_str(), pad.c_str(),
                  t.start, t.end, KindName(t.kind), span.c_str());
    }
  }
}

int Analyze(const std::vector<std::string>& words, bool json,
            const quarry::AnalyzerOptions& options) {
  auto analyzer = quarry::Analyzer::Create(options);
  if (!analyzer.ok()) return Fail(analyzer.status());
  std::string text;
  for (const std::string& w : words) {
    if (!text.empty()) text += ' ';
    text += w;
  }
  auto tokens = analyzer->Analyze(text);
  if (!tokens.ok()) return Fail(tokens.status());
  PrintTokens(*tokens, json, text);
  return 0;
}

// The schema of indexes the example program creates: `title` and `body` are
// searchable text (title weighs double), `extra` keeps every other string
// field of a JSONL document as a JSON object.
quarry::Schema CliSchema() {
  quarry::Schema s = quarry::Schema::Default();
  s.AddStored("extra");
  return s;
}

// Progress on a terminal: documents, MB, docs/s, and an ETA when the input
// size is known (files, not stdin); silent when piped.
class Progress {
 public:
  explicit Progress(bool quiet = false)
      : tty_(!quiet && isatty(STDERR_FILENO) != 0), start_(Clock::now()), last_(start_) {}
  void Update(std::size_t docs, std::size_t bytes, bool force = false) {
    if (!tty_) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%10zu docs  %8.1f MB  %8.0f docs/s", docs, bytes / 1e6,
                 secs > 0 ? docs / secs : 0.0);
    if (total_bytes_ > 0 && bytes > 0 && bytes <= total_bytes_ && secs > 0) {
      const double eta = secs * static_cast<double>(total_bytes_ - bytes) /
                         static_cast<double>(bytes);
      std::fprintf(stderr, "  ETA %4.0f s", eta);
    }
    std::fflush(stderr);
  }
  void Done() {
    if (tty_) std::fprintf(stderr, "\n");
  }
  double Seconds() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }
  // The total input size in bytes (0: unknown, e.g. stdin).
  void SetTotal(std::size_t total_bytes) { total_bytes_ = total_bytes; }

 private:
  using Clock = std::chrono::steady_clock;
  bool tty_;
  std::size_t total_bytes_ = 0;
  Clock::time_point start_, last_;
};

// Turns one JSONL line into a document; false (with *error) if it is bad.
bool ParseJsonDoc(const std::string& line, quarry::Document* doc, std::string* error) {
  auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    *error = "not valid JSON";
    return false;
  }
  if (!j.is_object()) {
    *error = "not a JSON object";
    return false;
  }
  auto id = j.find("id");
  if (id == j.end() || !(id->is_string() || id->is_number_integer())) {
    *error = "missing \"id\" (a string)";
    return false;
  }
  doc->id = id->is_string() ? id->get<std::string>() : id->dump();
  doc->fields.clear();
  // Stored in schema order (title, body, extra), whatever the key order.
  nlohmann::json extra = nlohmann::json::object();
  const std::string* title = nullptr;
  std::vector<const std::string*> bodies;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "id" || !it.value().is_string()) continue;
    const std::string& value = it.value().get_ref<const std::string&>();
    if (it.key() == "title") {
      title = &value;
    } else if (it.key() == "body" || it.key() == "text") {
      bodies.push_back(&value);
    } else {
      extra[it.key()] = value;
    }
  }
  if (bodies.empty()) {
    *error = "missing \"body\" or \"text\"";
    return false;
  }
  if (title != nullptr) doc->Add("title", *title);
  for (const std::string* body : bodies) doc->Add("body", *body);
  if (!extra.empty()) {
    doc->Add("extra", extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return true;
}

// Adds or updates (by id: UpdateBatch upserts) every document of `inputs`
// and commits. Prints a summary to stderr unless `quiet`; *indexed receives
// the number of documents written.
int IndexFiles(const std::string& path, const std::vector<std::string>& inputs,
               unsigned threads, bool quiet, std::size_t* indexed) {
  // Like `mkdir -p`: the index directory's parents are created too.
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  std::error_code mkdir_error;
  if (!parent.empty()) std::filesystem::create_directories(parent, mkdir_error);
  quarry::IndexWriterOptions options;
  options.schema = CliSchema();
  options.analysis_threads = threads;
  auto writer = quarry::IndexWriter::Open(path, options);
  if (!writer.ok()) return Fail(writer.status());
  Progress progress(quiet);
  std::size_t docs = 0, bytes = 0, bad = 0;
  std::vector<quarry::Document> batch;
  auto flush = [&]() -> bool {
    quarry::Status s = (*writer)->UpdateBatch(batch);
    batch.clear();
    if (!s.ok()) {
      std::cerr << "quarry: " << s.ToString() << "\n";
      return false;
    }
    return true;
  };
  std::vector<std::string> files;
  for (const std::string& in : inputs) {
    std::error_code ec;
    if (in != "-" && std::filesystem::is_directory(in, ec)) {
      const std::size_t first = files.size();
      for (auto& e : std::filesystem::recursive_directory_iterator(in, ec)) {
        if (e.is_regular_file()) files.push_back(e.path().string());
      }
      std::sort(files.begin() + static_cast<std::ptrdiff_t>(first), files.end());
    } else {
      files.push_back(in);
    }
  }
  {
    std::size_t total = 0;
    bool known = true;
    for (const std::string& file : files) {
      std::error_code ec;
      const auto size = file == "-" ? 0 : std::filesystem::file_size(file, ec);
      if (file == "-" || ec) known = false;
      total += static_cast<std::size_t>(size);
    }
    if (known) progress.SetTotal(total);
  }
  for (const std::string& file : files) {
    const bool is_txt = file.size() > 4 && file.compare(file.size() - 4, 4, ".txt") == 0;
    std::ifstream stream;
    std::istream* in = &std::cin;
    if (file != "-") {
      stream.open(file, std::ios::binary);
      if (!stream) {
        std::cerr << "quarry: cannot open " << file << "\n";
        return 1;
      }
      in = &stream;
    }
    if (is_txt) {
      std::ostringstream content;
      content << in->rdbuf();
      quarry::Document d;
      d.id = file;
      d.Add("title", std::filesystem::path(file).filename().string());
      d.Add("body", content.str());
      bytes += content.str().size();
      batch.push_back(std::move(d));
      ++docs;
    } else {
      std::string line;
      std::size_t lineno = 0;
      while (std::getline(*in, line)) {
        ++lineno;
        bytes += line.size() + 1;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        quarry::Document d;
        std::string error;
        if (!ParseJsonDoc(line, &d, &error)) {
          std::cerr << "\n" << file << ":" << lineno << ": skipped: " << error << "\n";
          ++bad;
          continue;
        }
        batch.push_back(std::move(d));
        ++docs;
        if (batch.size() >= 2048 && !flush()) return 1;
        progress.Update(docs, bytes);
      }
    }
    if (batch.size() >= 2048 && !flush()) return 1;
  }
  if (!batch.empty() && !flush()) return 1;
  quarry::Status s = (*writer)->Commit();
  progress.Update(docs, bytes, true);
  progress.Done();
  if (!s.ok()) return Fail(s);
  if (indexed != nullptr) *indexed = docs;
  if (quiet) return bad ? kExitRuntime : kExitOk;
  const double secs = progress.Seconds();
  std::fprintf(stderr, "indexed %zu documents (%.1f MB) in %.1f s: %.0f docs/s%s\n", docs,
               bytes / 1e6, secs, secs > 0 ? docs / secs : 0.0,
               bad ? (", " + std::to_string(bad) + " bad lines skipped").c_str() : "");
  return bad ? 1 : 0;
}

int Stats(const std::string& path, bool json) {
  auto reader = quarry::IndexReader::Open(path);
  if (!reader.ok()) return Fail(reader.status());
  const quarry::IndexStats st = (*reader)->Stats();
  if (json) {
    nlohmann::ordered_json j = {{"generation", st.generation}, {"documents", st.documents},
                                {"deleted", st.deleted},       {"segments", st.segments},
                                {"terms", st.terms},           {"bytes_on_disk", st.bytes_on_disk}};
    nlohmann::ordered_json fields = nlohmann::ordered_json::object();
    for (const auto& f : st.fields) {
      fields[f.name] = {{"documents", f.documents}, {"total_length", f.total_length}};
    }
    j["fields"] = fields;
    std::cout << j.dump() << "\n";
    return 0;
  }
  std::printf("index        %s\ngeneration   %llu\ndocuments    %llu\ndeleted      %llu\n"
              "segments     %llu\nterms        %llu\nbytes        %llu (%.1f MB)\n",
              path.c_str(), static_cast<unsigned long long>(st.generation),
              static_cast<unsigned long long>(st.documents),
              static_cast<unsigned long long>(st.deleted),
              static_cast<unsigned long long>(st.segments),
              static_cast<unsigned long long>(st.terms),
              static_cast<unsigned long long>(st.bytes_on_disk), st.bytes_on_disk / 1e6);
  for (const auto& f : st.fields) {
    if (f.documents == 0) continue;
    std::printf("field %-6s %llu documents, %.1f positions on average\n", f.name.c_str(),
                static_cast<unsigned long long>(f.documents),
                static_cast<double>(f.total_length) / static_cast<double>(f.documents));
  }
  return 0;
}

int Check(const std::string& path) {
  auto report = quarry::CheckIndex(path);
  if (!report.ok()) return Fail(report.status());
  for (const std::string& p : report->problems) std::printf("problem: %s\n", p.c_str());
  std::printf("%s: %llu files, %llu bytes checked, %zu problems\n",
              report->ok() ? "ok" : "CORRUPT",
              static_cast<unsigned long long>(report->files_checked),
              static_cast<unsigned long long>(report->bytes_checked), report->problems.size());
  return report->ok() ? 0 : 1;
}


// ---------------------------------------------------------------------------
// Searching.

using Json = nlohmann::ordered_json;

std::string DumpJson(const Json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Adds key -> value to an object; a key seen again becomes an array of values.
void AddMulti(Json* obj, const std::string& key, const std::string& value) {
  auto it = obj->find(key);
  if (it == obj->end()) {
    (*obj)[key] = value;
  } else if (it->is_array()) {
    it->push_back(value);
  } else {
    *it = Json::array({std::move(*it), value});
  }
}

Json FieldsJson(const std::vector<std::pair<std::string, std::string>>& fields) {
  Json j = Json::object();
  for (const auto& [name, value] : fields) AddMulti(&j, name, value);
  return j;
}

Json ExplanationJson(const quarry::Explanation& e) {
  Json j = {{"value", e.value}, {"description", e.description}};
  Json details = Json::array();
  for (const quarry::Explanation& d : e.details) details.push_back(ExplanationJson(d));
  j["details"] = std::move(details);
  return j;
}

// How highlights look on stdout.
struct Highlight {
  std::string pre, post;
};

// --color auto|always|never; auto = ANSI when stdout is a terminal and NO_COLOR
// is not set.
Highlight TerminalHighlight(const std::string& when) {
  bool color = when == "always";
  if (when == "auto") {
    const char* no_color = std::getenv("NO_COLOR");
    color = isatty(STDOUT_FILENO) != 0 && (no_color == nullptr || *no_color == '\0');
  }
  if (color) return {"\x1b[1;33m", "\x1b[0m"};
  return {"[", "]"};
}

// Line breaks and tabs become spaces so each snippet stays on one line.
std::string OneLine(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return out;
}

// At most `max` bytes of `s`, cut at a UTF-8 character boundary, with "…".
std::string Prefix(std::string_view s, std::size_t max) {
  if (s.size() <= max) return std::string(s);
  std::size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return std::string(s.substr(0, n)) + "…";
}

// Prints a query error; a caret marks the byte offset when there is one.
void PrintQueryError(const quarry::Status& s, std::string_view query, std::size_t offset,
                     std::string_view where = {}) {
  std::cerr << "quarry: ";
  if (!where.empty()) std::cerr << where << ": ";
  std::cerr << s.message() << "\n";
  if (offset > query.size()) return;
  std::string shown;
  for (char c : query) shown += (static_cast<unsigned char>(c) < 0x20) ? ' ' : c;
  std::cerr << "  " << shown << "\n  " << std::string(DisplayWidth(query.substr(0, offset)), ' ')
            << "^\n";
}

// Exit code for a failed search call: the query's fault (2) or not (1).
int FailSearch(const quarry::Status& s) {
  Fail(s);
  return s.code() == quarry::StatusCode::kInvalidArgument ? kExitUsage : kExitRuntime;
}

quarry::Result<std::unique_ptr<quarry::Searcher>> OpenSearcher(const std::string& path) {
  auto reader = quarry::IndexReader::Open(path);
  if (!reader.ok()) return reader.status();
  return quarry::Searcher::Create(*reader);
}

std::string JoinWords(const std::vector<std::string>& words) {
  std::string text;
  for (const std::string& w : words) {
    if (!text.empty()) text += ' ';
    text += w;
  }
  return text;
}

// "9 hits (exact)" or "1000 hits (at least 1000)".
std::string HitsHeader(const quarry::SearchResult& r) {
  const std::string n = std::to_string(r.total_hits);
  return n + " hits (" + (r.total_exact ? std::string("exact") : "at least " + n) + ")";
}

bool IsStored(const quarry::FieldSpec& f) {
  return f.kind == quarry::FieldKind::kStored || f.stored;
}

struct SearchArgs {
  std::string index;
  std::size_t limit = 10;
  std::size_t offset = 0;
  std::vector<std::string> fields;
  bool json = false;
  bool count = false;
  bool explain = false;
  bool and_op = false;
  bool literal = false;
  std::string color = "auto";
  std::vector<std::string> words;
};

// The fields a search shows (display order) and the ones it makes snippets
// of. Returns false after printing a usage error.
bool ResolveFields(const quarry::Schema& schema, const std::vector<std::string>& requested,
                   std::vector<std::string>* shown, std::vector<std::string>* snippet) {
  shown->clear();
  snippet->clear();
  if (requested.empty()) {
    for (const quarry::FieldSpec& f : schema.fields()) {
      if (f.kind == quarry::FieldKind::kText && f.stored) {
        shown->push_back(f.name);
        snippet->push_back(f.name);
      }
    }
    return true;
  }
  for (const std::string& name : requested) {
    auto i = schema.Find(name);
    if (!i || !IsStored(schema.fields()[*i])) {
      std::string known;
      for (const quarry::FieldSpec& f : schema.fields()) {
        if (!IsStored(f)) continue;
        if (!known.empty()) known += ", ";
        known += f.name;
      }
      std::cerr << "quarry: --fields: '" << name << "' is not a stored field of this index"
                << " (stored fields: " << known << ")\n";
      return false;
    }
    if (std::find(shown->begin(), shown->end(), name) != shown->end()) continue;
    shown->push_back(name);
    if (schema.fields()[*i].kind == quarry::FieldKind::kText) snippet->push_back(name);
  }
  return true;
}

// Parses the user's query; on failure prints the error and sets *exit_code.
std::optional<quarry::Query> ParseUserQuery(const quarry::Searcher& searcher,
                                            const std::string& text,
                                            const quarry::QueryParseOptions& options,
                                            int* exit_code, std::string_view where = {}) {
  std::size_t offset = std::numeric_limits<std::size_t>::max();
  auto query = searcher.Parse(text, options, &offset);
  if (query.ok()) return std::move(*query);
  if (query.status().code() == quarry::StatusCode::kInvalidArgument) {
    PrintQueryError(query.status(), text, offset, where);
    *exit_code = kExitUsage;
  } else {
    *exit_code = Fail(query.status());
  }
  return std::nullopt;
}

// Prints one hit's fields, snippets where there are any.
void PrintHitFields(const quarry::Hit& hit, const std::vector<std::string>& shown,
                    const std::string& indent) {
  std::size_t label = 0;
  for (const std::string& f : shown) label = std::max(label, f.size());
  for (const std::string& f : shown) {
    std::vector<std::string> lines;
    for (const quarry::Snippet& s : hit.snippets) {
      if (s.field == f) lines.push_back(OneLine(s.text));
    }
    if (lines.empty()) {
      for (const auto& [name, value] : hit.fields) {
        if (name == f) lines.push_back(OneLine(Prefix(value, 200)));
      }
    }
    for (const std::string& line : lines) {
      std::printf("%s%s:%*s %s\n", indent.c_str(), f.c_str(),
                  static_cast<int>(label - f.size()), "", line.c_str());
    }
  }
}

int Search(const SearchArgs& args) {
  auto searcher = OpenSearcher(args.index);
  if (!searcher.ok()) return Fail(searcher.status());
  const quarry::Searcher& s = **searcher;
  const std::string text = JoinWords(args.words);
  quarry::QueryParseOptions parse;
  parse.default_operator =
      args.and_op ? quarry::DefaultOperator::kAnd : quarry::DefaultOperator::kOr;
  parse.literal = args.literal;
  int code = kExitOk;
  std::optional<quarry::Query> query = ParseUserQuery(s, text, parse, &code);
  if (!query) return code;

  if (args.count) {
    auto n = s.Count(*query);
    if (!n.ok()) return FailSearch(n.status());
    if (args.json) {
      std::cout << DumpJson(Json{{"total", *n}, {"total_exact", true}}) << "\n";
    } else {
      std::cout << *n << "\n";
    }
    return kExitOk;
  }

  std::vector<std::string> shown, snippet_fields;
  if (!ResolveFields(s.reader().schema(), args.fields, &shown, &snippet_fields)) {
    return kExitUsage;
  }
  quarry::SearchOptions options;
  options.limit = args.limit;
  options.offset = args.offset;
  options.load_fields = true;
  options.fields = args.fields;
  options.snippet_fields = snippet_fields;
  if (args.json) {
    options.snippet.escape_html = true;  // pre/post tags stay <b></b>
  } else {
    const Highlight h = TerminalHighlight(args.color);
    options.snippet.pre_tag = h.pre;
    options.snippet.post_tag = h.post;
  }
  auto result = s.Search(*query, options);
  if (!result.ok()) return FailSearch(result.status());

  std::vector<std::optional<quarry::Explanation>> explanations(result->hits.size());
  if (args.explain) {
    for (std::size_t i = 0; i < result->hits.size(); ++i) {
      auto e = s.Explain(*query, result->hits[i].id);
      if (!e.ok()) return FailSearch(e.status());
      explanations[i] = std::move(*e);
    }
  }

  if (args.json) {
    Json hits = Json::array();
    for (std::size_t i = 0; i < result->hits.size(); ++i) {
      const quarry::Hit& hit = result->hits[i];
      // field -> text and field -> [[start, end], ...]; a field with several
      // snippets (several values) gets an array of each.
      std::vector<std::pair<std::string, std::vector<const quarry::Snippet*>>> by_field;
      for (const quarry::Snippet& sn : hit.snippets) {
        auto it = std::find_if(by_field.begin(), by_field.end(),
                               [&](const auto& p) { return p.first == sn.field; });
        if (it == by_field.end()) {
          by_field.push_back({sn.field, {&sn}});
        } else {
          it->second.push_back(&sn);
        }
      }
      Json snippets = Json::object(), highlights = Json::object();
      for (const auto& [field, list] : by_field) {
        Json texts = Json::array(), ranges_list = Json::array();
        for (const quarry::Snippet* sn : list) {
          Json ranges = Json::array();
          for (const auto& [b, e] : sn->highlights) ranges.push_back(Json::array({b, e}));
          texts.push_back(sn->text);
          ranges_list.push_back(std::move(ranges));
        }
        snippets[field] = list.size() == 1 ? std::move(texts[0]) : std::move(texts);
        highlights[field] = list.size() == 1 ? std::move(ranges_list[0]) : std::move(ranges_list);
      }
      Json h = {{"id", hit.id},
                {"score", hit.score},
                {"fields", FieldsJson(hit.fields)},
                {"snippets", std::move(snippets)},
                {"highlights", std::move(highlights)}};
      if (explanations[i]) h["explanation"] = ExplanationJson(*explanations[i]);
      hits.push_back(std::move(h));
    }
    Json out = {{"total", result->total_hits},
                {"total_exact", result->total_exact},
                {"hits", std::move(hits)}};
    std::cout << DumpJson(out) << "\n";
    return kExitOk;
  }

  const auto total = static_cast<unsigned long long>(result->total_hits);
  std::printf("%s", HitsHeader(*result).c_str());
  if (!result->hits.empty()) {
    std::printf(", showing %zu-%zu", args.offset + 1, args.offset + result->hits.size());
  } else if (args.offset > 0 && total > 0) {
    std::printf(", none from offset %zu", args.offset);
  }
  std::printf("\n");
  for (std::size_t i = 0; i < result->hits.size(); ++i) {
    const quarry::Hit& hit = result->hits[i];
    std::printf("%3zu. %s  score %.4f\n", args.offset + i + 1, hit.id.c_str(), hit.score);
    PrintHitFields(hit, shown, "     ");
    if (explanations[i]) {
      std::istringstream lines(explanations[i]->ToString(0));
      std::string line;
      while (std::getline(lines, line)) std::printf("     | %s\n", line.c_str());
    }
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// Benchmarking.

struct BenchArgs {
  std::string index;
  std::string queries;
  unsigned repeat = 5;
  std::size_t limit = 10;
  bool count = false;
  std::size_t evict_kb = 0;
};

// What --evict-kb runs besides writing its buffer: 2048 small distinct
// functions, about 64 KiB of instructions (twice a 32 KiB L1 instruction
// cache), so that the timed query's code is cold too, not only its data.
template <int I>
[[gnu::noinline]] std::uint64_t EvictStep(std::uint64_t x) {
  return (x ^ (x >> (I % 29 + 3))) * (2654435761ull * static_cast<unsigned>(I) + 1) +
         static_cast<unsigned>(I);
}
template <int... I>
constexpr std::array<std::uint64_t (*)(std::uint64_t), sizeof...(I)> EvictSteps(
    std::integer_sequence<int, I...>) {
  return {&EvictStep<I>...};
}
constexpr auto kEvictSteps = EvictSteps(std::make_integer_sequence<int, 2048>{});
std::uint64_t RunEvictSteps(std::uint64_t x) {
  for (auto* step : kEvictSteps) x = step(x);
  return x;
}
volatile std::uint64_t evict_sink = 0;  // keeps the calls

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Nearest-rank percentile (p in (0, 100]).
double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  rank = std::clamp<std::size_t>(rank, 1, v.size());
  return v[rank - 1];
}

double Round1(double x) { return std::round(x * 10.0) / 10.0; }

int Bench(const BenchArgs& args) {
  std::ifstream in(args.queries);
  if (!in) {
    std::cerr << "quarry: cannot open " << args.queries << "\n";
    return kExitRuntime;
  }
  auto searcher = OpenSearcher(args.index);
  if (!searcher.ok()) return Fail(searcher.status());
  const quarry::Searcher& s = **searcher;

  struct Item {
    std::string text;
    quarry::Query query;
  };
  std::vector<Item> items;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::size_t first = line.find_first_not_of(" \t");
    if (first == std::string::npos || line[first] == '#') continue;
    int code = kExitOk;
    const std::string where = args.queries + ":" + std::to_string(lineno);
    std::optional<quarry::Query> q = ParseUserQuery(s, line, {}, &code, where);
    if (!q) return code;
    items.push_back({line, std::move(*q)});
  }
  if (items.empty()) {
    std::cerr << "quarry: no queries in " << args.queries << "\n";
    return kExitRuntime;
  }

  quarry::SearchOptions options;
  options.limit = args.limit;
  options.total_hits_threshold = 0;
  options.load_fields = false;
  // Runs one query; *hits receives its hit count.
  auto run = [&](const quarry::Query& q, std::uint64_t* hits) -> quarry::Status {
    if (args.count) {
      auto n = s.Count(q);
      if (!n.ok()) return n.status();
      *hits = *n;
    } else {
      auto r = s.Search(q, options);
      if (!r.ok()) return r.status();
      *hits = r->total_hits;
    }
    return quarry::Status::OK();
  };

  std::vector<std::uint64_t> hits(items.size(), 0);
  for (std::size_t i = 0; i < items.size(); ++i) {  // warm-up
    quarry::Status st = run(items[i].query, &hits[i]);
    if (!st.ok()) {
      std::cerr << "quarry: query '" << items[i].text << "': " << st.ToString() << "\n";
      return st.code() == quarry::StatusCode::kInvalidArgument ? kExitUsage : kExitRuntime;
    }
  }
  using Clock = std::chrono::steady_clock;
  std::vector<std::vector<double>> times(items.size());
  std::vector<unsigned char> evict(args.evict_kb * 1024);
  unsigned char salt = 0;
  for (unsigned pass = 0; pass < args.repeat; ++pass) {
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!evict.empty()) {
        ++salt;
        for (std::size_t b = 0; b < evict.size(); b += 64) evict[b] = salt;
        evict_sink = RunEvictSteps(salt);
      }
      const auto t0 = Clock::now();
      quarry::Status st = run(items[i].query, &hits[i]);
      const auto t1 = Clock::now();
      if (!st.ok()) return Fail(st);
      times[i].push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
  }
  std::vector<double> medians;
  for (std::size_t i = 0; i < items.size(); ++i) {
    medians.push_back(Median(times[i]));
    std::printf("%llu\t%.1f\t%s\n", static_cast<unsigned long long>(hits[i]), medians.back(),
                items[i].text.c_str());
  }
  Json summary = {{"queries", items.size()},
                  {"median_us", Round1(Median(medians))},
                  {"p95_us", Round1(Percentile(medians, 95))}};
  std::cout << DumpJson(summary) << "\n";
  return kExitOk;
}

// ---------------------------------------------------------------------------
// Documents by id.

int Get(const std::string& path, const std::string& id, bool json) {
  auto reader = quarry::IndexReader::Open(path);
  if (!reader.ok()) return Fail(reader.status());
  auto doc = (*reader)->Get(id);
  if (!doc.ok()) {
    if (doc.status().code() == quarry::StatusCode::kNotFound) {
      std::cerr << "quarry: no document with id '" << id << "' in " << path << "\n";
      return kExitRuntime;
    }
    return Fail(doc.status());
  }
  if (json) {
    std::cout << DumpJson(Json{{"id", doc->id}, {"fields", FieldsJson(doc->fields)}}) << "\n";
    return kExitOk;
  }
  std::size_t label = 2;
  for (const auto& f : doc->fields) label = std::max(label, f.first.size());
  std::printf("%-*s %s\n", static_cast<int>(label + 1), "id:", doc->id.c_str());
  for (const auto& [name, value] : doc->fields) {
    std::printf("%-*s %s\n", static_cast<int>(label + 1), (name + ":").c_str(), value.c_str());
  }
  return kExitOk;
}

int Delete(const std::string& path, const std::vector<std::string>& ids) {
  quarry::IndexWriterOptions options;
  options.create_if_missing = false;
  auto writer = quarry::IndexWriter::Open(path, options);
  if (!writer.ok()) return Fail(writer.status());
  std::vector<std::string> unique;
  for (const std::string& id : ids) {
    if (std::find(unique.begin(), unique.end(), id) == unique.end()) unique.push_back(id);
  }
  std::size_t deleted = 0, missing = 0;
  for (const std::string& id : unique) {
    quarry::Status st = (*writer)->Delete(id);
    if (st.code() == quarry::StatusCode::kNotFound) {
      std::cerr << "quarry: no document with id '" << id << "'\n";
      ++missing;
    } else if (!st.ok()) {
      return Fail(st);
    } else {
      ++deleted;
    }
  }
  if (deleted > 0) {
    quarry::Status st = (*writer)->Commit();
    if (!st.ok()) return Fail(st);
  }
  std::printf("deleted %zu documents (%zu not found)\n", deleted, missing);
  return missing > 0 ? kExitRuntime : kExitOk;
}

// ---------------------------------------------------------------------------
// The demo.

// Shows how the analyzer reads entity-heavy news text, then indexes the
// sample corpus into a temporary directory and runs a few searches.
int Demo(const std::string& corpus_path, const std::string& color) {
  std::ifstream in(corpus_path);
  if (!in) {
    std::cerr << "quarry: cannot open sample corpus '" << corpus_path
              << "' (pass --corpus FILE)\n";
    return kExitRuntime;
  }
  auto analyzer = quarry::Analyzer::Create();
  if (!analyzer.ok()) return Fail(analyzer.status());
  std::size_t docs = 0, tokens_total = 0, bytes = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) continue;
    std::string body = doc.value("body", doc.value("text", std::string()));
    auto tokens = analyzer->Analyze(body);
    if (!tokens.ok()) return Fail(tokens.status());
    ++docs;
    tokens_total += tokens->size();
    bytes += body.size();
  }
  std::printf("Analyzed %zu documents (%zu bytes, %zu tokens) from %s\n\n",
              docs, bytes, tokens_total, corpus_path.c_str());
  const char* examples[] = {
      "Foreign Minister Jeyhun Bayramov spoke about Nagorno-Karabakh.",
      "Türkiye’s envoy met O'Brien in İstanbul, U.S. officials said.",
      "Azərbaycan and Obama'nın visit; l'avion de COVID-19.",
      "東京都に住む。ภาษาไทยง่าย",
  };
  for (const char* text : examples) {
    std::printf("%s\n", text);
    auto tokens = analyzer->Analyze(text);
    if (!tokens.ok()) return Fail(tokens.status());
    PrintTokens(*tokens, false, text);
    std::printf("\n");
  }

  // Index into a fresh temporary directory, removed again at the end.
  std::error_code ec;
  std::string tmpl = (std::filesystem::temp_directory_path(ec) / "quarry-demo-XXXXXX").string();
  if (ec || mkdtemp(tmpl.data()) == nullptr) {
    std::cerr << "quarry: cannot create a temporary directory\n";
    return kExitRuntime;
  }
  const std::filesystem::path dir = tmpl;
  struct RemoveDir {
    std::filesystem::path path;
    ~RemoveDir() {
      std::error_code ignored;
      std::filesystem::remove_all(path, ignored);
    }
  } cleanup{dir};
  const std::string index_path = (dir / "index").string();
  std::size_t indexed = 0;
  if (int code = IndexFiles(index_path, {corpus_path}, 1, /*quiet=*/true, &indexed);
      code != kExitOk) {
    return code;
  }
  auto searcher = OpenSearcher(index_path);
  if (!searcher.ok()) return Fail(searcher.status());
  std::printf("Indexed %zu documents into %s; searching it:\n\n", indexed, index_path.c_str());

  const Highlight h = TerminalHighlight(color);
  quarry::SearchOptions options;
  options.limit = 3;
  options.snippet_fields = {"title", "body"};
  options.snippet.pre_tag = h.pre;
  options.snippet.post_tag = h.post;
  options.snippet.max_bytes = 120;
  const char* queries[] = {
      "Bayramov",            // an entity, in English, German, French, Turkish, Azerbaijani
      "\"Nagorno-Karabakh\"",  // a hyphenated name as a phrase: also "Nagorno Karabakh"
      "Türkiye's",           // a possessive: Türkiye’s, Türkiye's and Turkiye
      "北京",                // Beijing: Chinese is segmented into words
  };
  for (const char* text : queries) {
    int code = kExitOk;
    std::optional<quarry::Query> query = ParseUserQuery(**searcher, text, {}, &code);
    if (!query) return code;
    auto result = (*searcher)->Search(*query, options);
    if (!result.ok()) return Fail(result.status());
    std::printf("quarry search %s   (%s)\n", text, query->ToString().c_str());
    std::printf("%s\n", HitsHeader(*result).c_str());
    for (std::size_t i = 0; i < result->hits.size(); ++i) {
      const quarry::Hit& hit = result->hits[i];
      std::printf("%3zu. %s  score %.4f\n", i + 1, hit.id.c_str(), hit.score);
      PrintHitFields(hit, {"title", "body"}, "     ");
    }
    std::printf("\n");
  }
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "quarry: embeddable full-text search with entity-aware analysis.\n"
      "Try `quarry demo`, or `quarry analyze \"Türkiye's Nagorno-Karabakh\"`."};
  app.require_subcommand(0, 1);
  const std::vector<std::string> colors = {"auto", "always", "never"};

  quarry::AnalyzerOptions options;
  bool json = false, no_fold = false;
  std::vector<std::string> words;
  CLI::App* analyze =
      app.add_subcommand("analyze", "Print the tokens of TEXT");
  analyze->add_flag("--json", json,
                    "One JSON object per token and line: term, position, "
                    "position_length, start, end, kind");
  analyze->add_option("--stem", options.stem_language,
                      "Snowball stemmer language (e.g. english)");
  analyze->add_flag("--turkic", options.turkic_folding,
                    "Turkic case folding (I -> ı)");
  analyze->add_flag("--no-fold", no_fold, "Keep diacritics");
  analyze->add_option("text", words, "Text to analyze")->required();

  std::string corpus = QUARRY_SAMPLE_CORPUS;
  std::string demo_color = "auto";
  CLI::App* demo = app.add_subcommand(
      "demo", "Analyze the sample corpus, index it into a temporary directory and "
              "run example searches");
  demo->add_option("--corpus", corpus, "JSONL corpus (id, title, body)");
  demo->add_option("--color", demo_color, "Highlight with ANSI colours: auto, always, never")
      ->capture_default_str()
      ->check(CLI::IsMember(colors));

  std::string index_dir;
  std::vector<std::string> inputs;
  unsigned threads = 1;
  CLI::App* index = app.add_subcommand(
      "index", "Add or update documents (JSONL lines with id, title, body|text; "
               ".txt files; directories) in an index, creating it if needed; a "
               "document whose id exists replaces it");
  index->add_option("-i,--index", index_dir, "Index directory")->required();
  index->add_option("--threads", threads, "Analysis threads (0 = all cores)");
  index->add_option("files", inputs, "Input files or directories (- for stdin)")->required();

  SearchArgs sa;
  CLI::App* search = app.add_subcommand(
      "search", "Search an index: ranked hits with highlighted snippets.\n"
                "Syntax: words, \"a phrase\"~N, +must -not, AND OR NOT, ( ), "
                "field:word, pre*, word^2. Put -- before a query that starts with -.");
  search->add_option("-i,--index", sa.index, "Index directory")->required();
  search->add_option("--limit", sa.limit, "Hits to show")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  search->add_option("--offset", sa.offset, "Hits to skip (paging)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  search->add_option("--fields", sa.fields,
                     "Stored fields to load and show, comma-separated (default: all; "
                     "snippets of the text fields)")
      ->delimiter(',')
      ->allow_extra_args(false);  // QUERY words after `--fields a,b` stay positional
  search->add_flag("--json", sa.json, "Print one JSON object");
  search->add_flag("--count", sa.count, "Print only the exact number of matches");
  search->add_flag("--explain", sa.explain, "Explain each hit's score");
  search->add_flag("--and", sa.and_op, "Words without an operator must all match");
  search->add_flag("--literal", sa.literal, "No query syntax: the text is searched as words");
  search->add_option("--color", sa.color, "Highlight with ANSI colours: auto, always, never")
      ->capture_default_str()
      ->check(CLI::IsMember(colors));
  search->add_option("query", sa.words, "Query (the words are joined with spaces)")
      ->required();

  BenchArgs ba;
  CLI::App* bench = app.add_subcommand(
      "bench", "Time queries: one per line of FILE (# comments); prints "
               "hits<TAB>median_us<TAB>query per query and a JSON summary");
  bench->add_option("-i,--index", ba.index, "Index directory")->required();
  bench->add_option("--queries", ba.queries, "File with one query per line")
      ->required()
      ->check(CLI::ExistingFile);
  bench->add_option("--repeat", ba.repeat, "Timed runs per query")
      ->capture_default_str()->check(CLI::PositiveNumber);
  bench->add_option("--limit", ba.limit, "Top-k of each search")
      ->capture_default_str()->check(CLI::NonNegativeNumber);
  bench->add_flag("--count", ba.count, "Time Count instead of Search");
  bench->add_option("--evict-kb", ba.evict_kb,
                    "Before each timed run, write a buffer of this many KiB "
                    "(colder CPU caches)")
      ->capture_default_str()->check(CLI::Range(std::size_t{0}, std::size_t{1} << 22));

  bool get_json = false;
  std::string get_id;
  CLI::App* get = app.add_subcommand("get", "Print the stored fields of a document");
  get->add_option("-i,--index", index_dir, "Index directory")->required();
  get->add_flag("--json", get_json, "Print JSON");
  get->add_option("id", get_id, "Document id")->required();

  std::vector<std::string> delete_ids;
  CLI::App* del = app.add_subcommand(
      "delete", "Delete documents by id and commit (exit 1 if an id was not found)");
  del->add_option("-i,--index", index_dir, "Index directory")->required();
  del->add_option("ids", delete_ids, "Document ids")->required();

  bool stats_json = false;
  CLI::App* stats = app.add_subcommand("stats", "Show an index's statistics");
  stats->add_option("-i,--index", index_dir, "Index directory")->required();
  stats->add_flag("--json", stats_json, "Print JSON");

  CLI::App* check = app.add_subcommand(
      "check", "Verify every checksum and structure of an index (exit 1 if corrupt)");
  check->add_option("-i,--index", index_dir, "Index directory")->required();

#ifdef QUARRY_HAVE_SERVER
  quarry::server::ServerOptions serve_opts;
  CLI::App* serve = app.add_subcommand(
      "serve", "Serve an index over HTTP with a JSON API (loopback by default)");
  serve->add_option("-i,--index", serve_opts.index_path, "Index directory (created if missing)")
      ->required();
  serve->add_option("--port", serve_opts.port, "TCP port (0: any free port)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  serve->add_option("--host", serve_opts.host, "Address to listen on")->capture_default_str();
  serve->add_option("--max-body-bytes", serve_opts.max_body_bytes, "Largest request body")
      ->capture_default_str();
#endif

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }
  options.fold_diacritics = !no_fold;
  if (*analyze) return Analyze(words, json, options);
  if (*demo) return Demo(corpus, demo_color);
  if (*index) return IndexFiles(index_dir, inputs, threads, /*quiet=*/false, nullptr);
  if (*search) return Search(sa);
  if (*bench) return Bench(ba);
  if (*get) return Get(index_dir, get_id, get_json);
  if (*del) return Delete(index_dir, delete_ids);
  if (*stats) return Stats(index_dir, stats_json);
  if (*check) return Check(index_dir);
#ifdef QUARRY_HAVE_SERVER
  if (*serve) return quarry::server::RunServer(serve_opts);
#endif
  std::cout << app.help();
  return kExitOk;
}
