// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Searching: parse what a person typed, rank with BM25, page, highlight,
// explain; build queries in code. Built and run by ctest; the README quotes
// it.
#include <cstdio>
#include <filesystem>
#include <string>

#include "quarry/index.h"
#include "quarry/search.h"

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1]
               : (std::filesystem::temp_directory_path() / "quarry-search-example").string();
  std::filesystem::remove_all(path);
  {
    quarry::IndexWriterOptions options;
    options.schema = quarry::Schema::Default();  // title (boost 2) + body
    auto writer = quarry::IndexWriter::Open(path, options);
    if (!writer.ok()) return 1;
    const char* docs[][3] = {
        {"n1", "Talks on Nagorno-Karabakh", "Jeyhun Bayramov met the envoy in Baku."},
        {"n2", "Border news", "Nagorno Karabakh was discussed by Bayramov."},
        {"n3", "Markets", "Türkiye’s central bank held rates."},
        {"n4", "Holiday", "Greetings for Bayram."},
    };
    for (const auto& d : docs) {
      quarry::Document doc;
      doc.id = d[0];
      doc.Add("title", d[1]).Add("body", d[2]);
      if (!(*writer)->Add(doc).ok()) return 1;
    }
    if (!(*writer)->Commit().ok()) return 1;
  }

  // [search]
  auto reader = quarry::IndexReader::Open(path);
  if (!reader.ok()) return 1;
  auto searcher = quarry::Searcher::Create(*reader);  // thread-safe; one per snapshot
  if (!searcher.ok()) return 1;

  // What a person typed: a quoted phrase, a hyphenated name, an exclusion.
  auto query = (*searcher)->Parse("\"Jeyhun Bayramov\" OR Nagorno-Karabakh -holiday");
  if (!query.ok()) return 1;
  quarry::SearchOptions options;
  options.limit = 10;
  options.snippet_fields = {"body"};  // highlighted with <b></b>
  auto result = (*searcher)->Search(*query, options);
  if (!result.ok()) return 1;
  std::printf("%llu hits\n", static_cast<unsigned long long>(result->total_hits));
  for (const quarry::Hit& hit : result->hits) {
    std::printf("%s %.3f %s\n", hit.id.c_str(), hit.score,
                hit.snippets.empty() ? "" : hit.snippets[0].text.c_str());
  }
  // 2 hits
  // n1 5.087 <b>Jeyhun Bayramov</b> met the envoy in Baku.
  // n2 2.275 <b>Nagorno Karabakh</b> was discussed by Bayramov.

  // Syntax errors name the byte offset.
  std::size_t offset = 0;
  auto bad = (*searcher)->Parse("\"unclosed phrase", {}, &offset);
  std::printf("%s (offset %zu)\n", bad.status().message().c_str(), offset);
  // query syntax error at byte 0: missing closing quote (offset 0)

  // Queries in code: Türkiye's finds Türkiye; a keyword-exact term; AND/NOT.
  auto turkey = (*searcher)->Search(quarry::Query::Text("", "Türkiye's"));
  auto both = (*searcher)->Count(quarry::Query::And(
      {quarry::Query::Text("", "Bayramov"), quarry::Query::Not(quarry::Query::Text("", "Baku"))}));
  auto why = (*searcher)->Explain(*query, "n1");
  if (!turkey.ok() || !both.ok() || !why.ok()) return 1;
  std::printf("%s\n%s", turkey->hits.at(0).id.c_str(), why->ToString().c_str());
  // n3
  // 5.08719 = sum of (any of)
  //   1.66947 = weight(body:"jeyhun bayramov") ...
  // [search]

  const bool ok = result->total_hits == 2 && result->hits[0].id == "n1" &&
                  result->hits[1].id == "n2" && !bad.ok() && turkey->hits.size() == 1 &&
                  *both == 1 && why->value == result->hits[0].score;
  std::filesystem::remove_all(path);
  return ok ? 0 : 1;
}
