// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// `quarry`: the example command-line program.
//
//   quarry analyze [--json] [--stem LANG] [--turkic] [--no-fold] TEXT...
//   quarry demo [--corpus FILE]
//   quarry index --index DIR [--threads N] FILE...   (JSONL or .txt; - = stdin)
//   quarry stats --index DIR [--json]
//   quarry check --index DIR
//
// Exit codes: 0 success, 1 a runtime error, 2 a usage error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "quarry/analyzer.h"
#include "quarry/index.h"

#ifndef QUARRY_SAMPLE_CORPUS
#define QUARRY_SAMPLE_CORPUS ""
#endif

namespace {

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
      std::printf("%5u  %-24s [%u,%u) %-6s %s\n", t.position, t.term.c_str(),
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

// Shows how the analyzer reads entity-heavy news text from the sample corpus.
int Demo(const std::string& corpus_path) {
  std::ifstream in(corpus_path);
  if (!in) {
    std::cerr << "quarry: cannot open sample corpus '" << corpus_path
              << "' (pass --corpus FILE)\n";
    return 1;
  }
  auto analyzer = quarry::Analyzer::Create();
  if (!analyzer.ok()) return Fail(analyzer.status());
  std::size_t docs = 0, tokens_total = 0, bytes = 0;
  std::string line;
  std::vector<std::string> shown;
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

// Progress on a terminal: documents, MB, docs/s; silent when piped.
class Progress {
 public:
  Progress() : tty_(isatty(STDERR_FILENO) != 0), start_(Clock::now()), last_(start_) {}
  void Update(std::size_t docs, std::size_t bytes, bool force = false) {
    if (!tty_) return;
    const auto now = Clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\r%10zu docs  %8.1f MB  %8.0f docs/s", docs, bytes / 1e6,
                 secs > 0 ? docs / secs : 0.0);
    std::fflush(stderr);
  }
  void Done() {
    if (tty_) std::fprintf(stderr, "\n");
  }
  double Seconds() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool tty_;
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
  nlohmann::json extra = nlohmann::json::object();
  bool has_body = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.key() == "id" || !it.value().is_string()) continue;
    const std::string& value = it.value().get_ref<const std::string&>();
    if (it.key() == "title") {
      doc->Add("title", value);
    } else if (it.key() == "body" || it.key() == "text") {
      doc->Add("body", value);
      has_body = true;
    } else {
      extra[it.key()] = value;
    }
  }
  if (!has_body) {
    *error = "missing \"body\" or \"text\"";
    return false;
  }
  if (!extra.empty()) {
    doc->Add("extra", extra.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  return true;
}

int Index(const std::string& path, const std::vector<std::string>& inputs,
          unsigned threads) {
  quarry::IndexWriterOptions options;
  options.schema = CliSchema();
  options.analysis_threads = threads;
  auto writer = quarry::IndexWriter::Open(path, options);
  if (!writer.ok()) return Fail(writer.status());
  Progress progress;
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "quarry: embeddable full-text search with entity-aware analysis.\n"
      "Try `quarry demo`, or `quarry analyze \"Türkiye's Nagorno-Karabakh\"`."};
  app.require_subcommand(0, 1);

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
  CLI::App* demo = app.add_subcommand(
      "demo", "Analyze the sample corpus and show entity handling");
  demo->add_option("--corpus", corpus, "JSONL corpus (id, title, body)");

  std::string index_dir;
  std::vector<std::string> inputs;
  unsigned threads = 1;
  CLI::App* index = app.add_subcommand(
      "index", "Add or update documents (JSONL lines with id, title, body|text; "
               ".txt files; directories) in an index, creating it if needed");
  index->add_option("--index", index_dir, "Index directory")->required();
  index->add_option("--threads", threads, "Analysis threads (0 = all cores)");
  index->add_option("files", inputs, "Input files or directories (- for stdin)")->required();

  bool stats_json = false;
  CLI::App* stats = app.add_subcommand("stats", "Show an index's statistics");
  stats->add_option("--index", index_dir, "Index directory")->required();
  stats->add_flag("--json", stats_json, "Print JSON");

  CLI::App* check = app.add_subcommand(
      "check", "Verify every checksum and structure of an index (exit 1 if corrupt)");
  check->add_option("--index", index_dir, "Index directory")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  options.fold_diacritics = !no_fold;
  if (*analyze) return Analyze(words, json, options);
  if (*demo) return Demo(corpus);
  if (*index) return Index(index_dir, inputs, threads);
  if (*stats) return Stats(index_dir, stats_json);
  if (*check) return Check(index_dir);
  std::cout << app.help();
  return 0;
}
