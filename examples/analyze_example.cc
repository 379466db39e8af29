// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// A walk through quarry's Analyzer: how entity-heavy text becomes terms.
// Built and run by ctest; the README quotes it.
#include <cstdio>
#include <string>

#include "quarry/analyzer.h"

int main() {
  // [analyze]
  // One Analyzer per thread; errors come back as values, never exceptions.
  quarry::Result<quarry::Analyzer> analyzer = quarry::Analyzer::Create();
  if (!analyzer.ok()) {
    std::fprintf(stderr, "%s\n", analyzer.status().ToString().c_str());
    return 1;
  }
  const std::string text = "Türkiye’s envoy visited Nagorno-Karabakh.";
  quarry::Result<std::vector<quarry::Token>> tokens = analyzer->Analyze(text);
  if (!tokens.ok()) return 1;
  for (const quarry::Token& t : *tokens) {
    // term, position, and the byte range in `text` (for highlighting)
    std::printf("%-16s pos=%u len=%u bytes=[%u,%u)\n", t.term.c_str(),
                t.position, t.position_length, t.start, t.end);
  }
  // turkiye          pos=0 len=1 bytes=[0,12)
  // envoy            pos=1 len=1 bytes=[13,18)
  // visited          pos=2 len=1 bytes=[19,26)
  // nagornokarabakh  pos=3 len=2 bytes=[27,43)
  // nagorno          pos=3 len=1 bytes=[27,34)
  // karabakh         pos=4 len=1 bytes=[35,43)
  // [analyze]

  // [query]
  // Queries use the same Analyzer: a hyphenated word becomes its parts (to be
  // matched as a phrase) with the joined form as an alternative.
  quarry::Result<quarry::AnalyzedQuery> query =
      analyzer->AnalyzeQuery("Nagorno-Karabakh");
  if (!query.ok() || query->words.size() != 1) return 1;
  const quarry::QueryWord& word = query->words[0];
  std::printf("phrase:");
  for (const std::string& part : word.parts) std::printf(" %s", part.c_str());
  std::printf("  or: %s\n", word.joined.c_str());
  // phrase: nagorno karabakh  or: nagornokarabakh
  // [query]

  // The example checks itself so ctest notices if the contract changes.
  const bool ok = (*tokens)[0].term == "turkiye" &&
                  (*tokens)[3].term == "nagornokarabakh" &&
                  (*tokens)[3].position_length == 2 &&
                  word.parts.size() == 2 && word.joined == "nagornokarabakh";
  return ok ? 0 : 1;
}
