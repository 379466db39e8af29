// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Corpus reading and flag parsing shared by quarry's benchmark programs
// (analysis_bench, index_bench, search_bench, eval): JSONL files (optionally .gz, read through `gzip -dc`) or
// directories of them, one document per line {"id", "title", "body" or
// "text"}, or a generated English-like news corpus. Header-only; errors end
// the program (Die) with the program name set by SetProgramName.
#ifndef QUARRY_BENCH_CORPUS_H_
#define QUARRY_BENCH_CORPUS_H_

#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

namespace quarry_bench {

// The name error messages start with.
inline std::string& ProgramName() {
  static std::string name = "bench";
  return name;
}
inline void SetProgramName(std::string name) {
  ProgramName() = std::move(name);
}

[[noreturn]] inline void Die(const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n", ProgramName().c_str(), msg.c_str());
  std::exit(2);
}

inline bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() &&
         s.substr(s.size() - suffix.size()) == suffix;
}

// Command-line flags: "--flag=VALUE" or "--flag VALUE" at argv[*i] (then
// *i moves past the value). False when argv[*i] is not `flag`.
inline bool FlagValue(int argc, char** argv, int* i, std::string_view flag,
                      std::string* value) {
  const std::string_view arg = argv[*i];
  if (arg.substr(0, flag.size()) != flag) return false;
  const std::string_view rest = arg.substr(flag.size());
  if (rest.empty()) {
    if (*i + 1 >= argc) Die(std::string(flag) + " needs a value");
    *value = argv[++*i];
    return true;
  }
  if (rest[0] != '=') return false;
  *value = std::string(rest.substr(1));
  return true;
}

inline void SplitCommaList(std::string_view list,
                           std::vector<std::string>* out) {
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    const std::string_view item = list.substr(0, comma);
    if (!item.empty()) out->emplace_back(item);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// ---------------------------------------------------------------------------
// Corpus. The text lives in one anonymous mapping that the parent fills and
// never writes again, so the forked children read it without copy-on-write
// faults; the parent's heap is trimmed after loading for the same reason (a
// child allocating into holes of an inherited heap pays a page copy, and a
// TLB shootdown, per page touched).

// An append-only buffer in an anonymous mapping that grows with mremap.
class MappedBuffer {
 public:
  MappedBuffer() = default;
  ~MappedBuffer() {
    if (base_ != nullptr) ::munmap(base_, capacity_);
  }
  MappedBuffer(const MappedBuffer&) = delete;
  MappedBuffer& operator=(const MappedBuffer&) = delete;

  std::uint64_t Append(const void* data, std::size_t n) {
    if (size_ + n > capacity_) Grow(size_ + n);
    std::memcpy(static_cast<char*>(base_) + size_, data, n);
    const std::uint64_t at = size_;
    size_ += n;
    return at;
  }
  const char* data() const { return static_cast<const char*>(base_); }
  std::size_t size() const { return size_; }

 private:
  void Grow(std::size_t need) {
    std::size_t cap = std::max<std::size_t>(capacity_, 16u << 20);
    while (cap < need) cap *= 2;
    void* p = base_ == nullptr
                  ? ::mmap(nullptr, cap, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
                  : ::mremap(base_, capacity_, cap, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) Die(std::string("mmap: ") + std::strerror(errno));
    base_ = p;
    capacity_ = cap;
  }
  void* base_ = nullptr;
  std::size_t capacity_ = 0;
  std::size_t size_ = 0;
};

struct DocRef {  // offsets into Corpus::text
  std::uint64_t id, title, body;
  std::uint32_t id_len, title_len, body_len;
};

struct Corpus {
  std::string source;
  bool generated = false;
  MappedBuffer text;
  MappedBuffer refs;  // DocRef[]
  std::size_t num_docs = 0;
  std::uint64_t bytes = 0;  // title + body
  std::uint64_t skipped_empty = 0;
  std::uint64_t skipped_bad_json = 0;
  std::uint64_t renamed_ids = 0;

  std::size_t size() const { return num_docs; }
  DocRef ref(std::size_t i) const {
    DocRef r;
    std::memcpy(&r, refs.data() + i * sizeof(DocRef), sizeof r);
    return r;
  }
  std::string_view Id(std::size_t i) const {
    const DocRef r = ref(i);
    return {text.data() + r.id, r.id_len};
  }
  std::string_view Title(std::size_t i) const {
    const DocRef r = ref(i);
    return {text.data() + r.title, r.title_len};
  }
  std::string_view Body(std::size_t i) const {
    const DocRef r = ref(i);
    return {text.data() + r.body, r.body_len};
  }
};

class CorpusBuilder {
 public:
  CorpusBuilder(Corpus* c, std::size_t max_docs) : c_(c), max_docs_(max_docs) {}

  bool full() const { return max_docs_ != 0 && c_->num_docs >= max_docs_; }

  void Add(std::string id, std::string title, std::string body) {
    if (full()) return;
    if (title.empty() && body.empty()) {
      ++c_->skipped_empty;
      return;
    }
    if (id.empty()) id = "doc-" + std::to_string(c_->num_docs);
    if (id.size() > 400) id.resize(400);  // quarry ids: at most 512 bytes
    if (!ids_.insert(id).second) {        // ids must be unique for the counts
      std::string fresh;
      do {
        fresh = id + "#" + std::to_string(++suffix_);
      } while (!ids_.insert(fresh).second);
      id = std::move(fresh);
      ++c_->renamed_ids;
    }
    if (title.size() > UINT32_MAX || body.size() > UINT32_MAX) {
      ++c_->skipped_empty;
      return;
    }
    c_->bytes += title.size() + body.size();
    DocRef r;
    r.id = c_->text.Append(id.data(), id.size());
    r.id_len = static_cast<std::uint32_t>(id.size());
    r.title = c_->text.Append(title.data(), title.size());
    r.title_len = static_cast<std::uint32_t>(title.size());
    r.body = c_->text.Append(body.data(), body.size());
    r.body_len = static_cast<std::uint32_t>(body.size());
    c_->refs.Append(&r, sizeof r);
    ++c_->num_docs;
  }

 private:
  Corpus* c_;
  std::size_t max_docs_;
  std::unordered_set<std::string> ids_;
  std::uint64_t suffix_ = 0;
};

// Reads lines of a file; a .gz file through `gzip -dc`.
class LineReader {
 public:
  explicit LineReader(const std::string& path) : path_(path), buf_(1 << 18) {
    if (access(path.c_str(), R_OK) != 0) Die("cannot read " + path);
    if (EndsWith(path, ".gz")) {
      std::string quoted = "'";
      for (char ch : path) {
        if (ch == '\'') {
          quoted += "'\\''";
        } else {
          quoted += ch;
        }
      }
      quoted += "'";
      f_ = popen(("gzip -dc -- " + quoted).c_str(), "r");
      piped_ = true;
    } else {
      f_ = std::fopen(path.c_str(), "rb");
    }
    if (f_ == nullptr) Die("cannot open " + path);
  }
  ~LineReader() {
    if (f_ == nullptr) return;
    if (!piped_) {
      std::fclose(f_);
      return;
    }
    const int status = pclose(f_);
    // gzip may die of SIGPIPE when we stop reading early; that is fine.
    if (eof_ && status != 0) Die("gzip -dc failed on " + path_);
  }
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  bool Next(std::string* line) {
    line->clear();
    for (;;) {
      if (pos_ == len_) {
        if (eof_) return !line->empty();
        len_ = std::fread(buf_.data(), 1, buf_.size(), f_);
        pos_ = 0;
        if (len_ == 0) {
          if (std::ferror(f_)) Die("reading " + path_ + " failed");
          eof_ = true;
          return !line->empty();
        }
      }
      const char* begin = buf_.data() + pos_;
      const auto* nl =
          static_cast<const char*>(std::memchr(begin, '\n', len_ - pos_));
      if (nl == nullptr) {
        line->append(begin, len_ - pos_);
        pos_ = len_;
        continue;
      }
      line->append(begin, static_cast<std::size_t>(nl - begin));
      pos_ += static_cast<std::size_t>(nl - begin) + 1;
      if (!line->empty() && line->back() == '\r') line->pop_back();
      return true;
    }
  }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
  bool piped_ = false;
  std::vector<char> buf_;
  std::size_t pos_ = 0, len_ = 0;
  bool eof_ = false;
};

inline std::string JsonString(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return {};
}

inline void LoadJsonl(const std::string& path, Corpus* c, CorpusBuilder* b) {
  LineReader reader(path);
  std::string line;
  while (!b->full() && reader.Next(&line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      ++c->skipped_bad_json;
      continue;
    }
    std::string body = JsonString(j, "body");
    if (body.empty()) body = JsonString(j, "text");
    b->Add(JsonString(j, "id"), JsonString(j, "title"), std::move(body));
  }
}

inline bool IsJsonl(std::string_view name) {
  if (EndsWith(name, ".gz")) name.remove_suffix(3);
  return EndsWith(name, ".jsonl") || EndsWith(name, ".ndjson") ||
         EndsWith(name, ".json");
}

// A file, or the JSONL files of a directory in name order.
inline std::vector<std::string> ExpandPath(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_directory(path, ec)) return {path};
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file(ec) && IsJsonl(name)) {
      files.push_back(entry.path().string());
    }
  }
  if (ec) Die("cannot list " + path + ": " + ec.message());
  std::sort(files.begin(), files.end());
  if (files.empty()) Die("no .jsonl(.gz) files in " + path);
  return files;
}

// Generated English-like news: a Zipf-distributed vocabulary of 30,000
// invented words plus common English words, names with the entity cases
// quarry's analyzer handles (compounds, possessives, acronyms), numbers.
class Rng {
 public:
  std::uint64_t Next() {
    s_ ^= s_ << 13;
    s_ ^= s_ >> 7;
    s_ ^= s_ << 17;
    return s_;
  }
  std::size_t Below(std::size_t n) {
    return static_cast<std::size_t>(Next() % n);
  }
  bool Chance(unsigned percent) { return Below(100) < percent; }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t s_ = 0x9E3779B97F4A7C15ull;
};

inline constexpr std::string_view kCommonWords[] = {
    "the",     "of",     "and",        "to",      "a",      "in",   "is",
    "was",     "for",    "on",         "that",    "by",     "with", "as",
    "at",      "from",   "his",        "it",      "an",     "were", "are",
    "which",   "be",     "this",       "has",     "have",   "or",   "had",
    "its",     "not",    "but",        "after",   "first",  "new",  "their",
    "also",    "been",   "one",        "two",     "who",    "they", "more",
    "year",    "than",   "would",      "said",    "about",  "over", "market",
    "company", "shares", "trade",      "oil",     "prices", "bank", "percent",
    "week",    "talks",  "government", "minister"};
inline constexpr std::string_view kNames[] = {
    "Reuters",     "London",      "Baker",    "Nagorno-Karabakh",
    "Türkiye's",   "O'Brien",     "U.S.",     "Washington",
    "Tokyo",       "Bayramov",    "Armenia",  "Azerbaijan",
    "Kilroy-Silk", "example.com", "Zürich",   "İstanbul",
    "Federal",     "Reserve",     "Labour's", "well-known"};
inline constexpr std::string_view kSyllables[] = {
    "ka",  "lo",  "mi", "ter", "an",  "sol", "ve",  "dra", "pen", "rus",
    "tio", "mar", "el", "on",  "ist", "ca",  "bri", "go",  "ne",  "ul"};

class NewsGenerator {
 public:
  NewsGenerator() {
    constexpr std::size_t kVocabulary = 30000;
    cdf_.resize(kVocabulary);
    double sum = 0;
    for (std::size_t r = 0; r < kVocabulary; ++r) {
      sum += 1.0 / static_cast<double>(r + 1);
      cdf_[r] = sum;
    }
    for (double& v : cdf_) v /= sum;
  }

  std::string Title() {
    std::string out;
    const std::size_t n = 4 + rng_.Below(7);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) out.push_back(' ');
      Word(&out, true);
    }
    return out;
  }

  std::string Body() {
    std::string out;
    const std::size_t paragraphs = 1 + rng_.Below(4);
    for (std::size_t p = 0; p < paragraphs; ++p) {
      if (p > 0) out.append("\n\n");
      const std::size_t sentences = 1 + rng_.Below(5);
      for (std::size_t s = 0; s < sentences; ++s) {
        if (s > 0) out.push_back(' ');
        const std::size_t n = 6 + rng_.Below(20);
        for (std::size_t i = 0; i < n; ++i) {
          if (i > 0) out.push_back(' ');
          Word(&out, i == 0);
          if (i + 1 < n && rng_.Chance(7)) out.push_back(',');
        }
        out.push_back(rng_.Chance(90) ? '.' : '?');
      }
    }
    return out;
  }

 private:
  void Word(std::string* out, bool cap) {
    const std::size_t start = out->size();
    const std::size_t k = rng_.Below(100);
    if (k < 45) {
      out->append(kCommonWords[rng_.Below(std::size(kCommonWords))]);
    } else if (k < 92) {
      const auto rank = static_cast<std::size_t>(
          std::upper_bound(cdf_.begin(), cdf_.end(), rng_.Unit()) -
          cdf_.begin());
      std::size_t v = std::min(rank, cdf_.size() - 1) + 7;
      do {  // rank -> syllables: distinct ranks give distinct words
        out->append(kSyllables[v % std::size(kSyllables)]);
        v /= std::size(kSyllables);
      } while (v > 0);
    } else if (k < 97) {
      out->append(kNames[rng_.Below(std::size(kNames))]);
    } else {
      constexpr std::string_view kNumbers[] = {"3,000", "1.5",  "1987", "12%",
                                               "$25",   "2024", "7"};
      out->append(kNumbers[rng_.Below(std::size(kNumbers))]);
    }
    char& first = (*out)[start];
    if (cap && first >= 'a' && first <= 'z')
      first = static_cast<char>(first - 32);
  }

  Rng rng_;
  std::vector<double> cdf_;
};

// Loads `paths` (JSONL files or directories of them; see ExpandPath), at
// most `max_docs` documents (0: all). With no paths, generates 5,000
// English-like news documents (at most `max_docs`).
inline void LoadCorpus(const std::vector<std::string>& paths,
                       std::size_t max_docs, Corpus* out) {
  Corpus& c = *out;
  constexpr std::size_t kGeneratedDocs = 5000;
  CorpusBuilder b(&c, max_docs);
  if (paths.empty()) {
    c.generated = true;
    NewsGenerator g;
    const std::size_t n =
        max_docs == 0 ? kGeneratedDocs : std::min(max_docs, kGeneratedDocs);
    for (std::size_t i = 0; i < n; ++i) {
      std::string title = g.Title();
      b.Add("gen-" + std::to_string(i), std::move(title), g.Body());
    }
    c.source = "generated English-like news (" + std::to_string(n) + " docs)";
    return;
  }
  std::vector<std::string> files;
  for (const std::string& p : paths) {
    for (std::string& f : ExpandPath(p)) files.push_back(std::move(f));
  }
  std::size_t used = 0;
  for (const std::string& f : files) {
    if (b.full()) break;
    LoadJsonl(f, &c, &b);
    ++used;
  }
  c.source = std::to_string(used) + " file(s): " + files[0];
  if (used > 1) c.source += " ... " + files[used - 1];
  if (used < files.size()) {
    c.source += " (" + std::to_string(files.size() - used) +
                " more skipped: --max-docs reached)";
  }
  if (c.num_docs == 0) Die("the corpus has no documents");
}

}  // namespace quarry_bench

#endif  // QUARRY_BENCH_CORPUS_H_
