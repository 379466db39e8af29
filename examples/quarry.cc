// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// `quarry`: the example command-line program.
//
//   quarry analyze [--json] [--stem LANG] [--turkic] [--no-fold] TEXT...
//   quarry demo [--corpus FILE]
//
// Exit codes: 0 success, 1 a runtime error, 2 a usage error.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "quarry/analyzer.h"

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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  options.fold_diacritics = !no_fold;
  if (*analyze) return Analyze(words, json, options);
  if (*demo) return Demo(corpus);
  std::cout << app.help();
  return 0;
}
