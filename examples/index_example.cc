// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// A walk through quarry's index: create, add, update, delete, commit, read a
// snapshot, reopen. Built and run by ctest; the README quotes it.
#include <cstdio>
#include <filesystem>
#include <string>

#include "quarry/index.h"

int main(int argc, char** argv) {
  const std::string path =
      argc > 1 ? argv[1]
               : (std::filesystem::temp_directory_path() / "quarry-index-example").string();
  std::filesystem::remove_all(path);

  // [index]
  // A schema: searchable text fields (title weighs double) and a keyword.
  quarry::Schema schema;
  schema.AddText("title", /*stored=*/true, {}, /*boost=*/2.0f)
      .AddText("body")
      .AddKeyword("section");

  quarry::IndexWriterOptions options;
  options.schema = schema;  // needed to create the index
  auto writer = quarry::IndexWriter::Open(path, options);
  if (!writer.ok()) {
    std::fprintf(stderr, "%s\n", writer.status().ToString().c_str());
    return 1;
  }
  quarry::Document doc;
  doc.id = "news-1";
  doc.Add("title", "Peace talks to resume")
      .Add("body", "Jeyhun Bayramov said talks on Nagorno-Karabakh will resume.")
      .Add("section", "world");
  if (!(*writer)->Add(doc).ok()) return 1;
  doc.id = "news-2";
  doc.fields = {{"title", "Türkiye’s envoy visits Baku"}, {"body", "…"}};
  if (!(*writer)->Add(doc).ok()) return 1;
  // Nothing is visible or durable until Commit() returns OK.
  if (!(*writer)->Commit().ok()) return 1;

  // A reader is a snapshot of one commit; any number of threads may use it.
  auto reader = quarry::IndexReader::Open(path);
  if (!reader.ok()) return 1;
  auto stored = (*reader)->Get("news-1");
  std::printf("%s: %s\n", stored->id.c_str(),
              std::string(stored->Get("title").value_or("")).c_str());
  // news-1: Peace talks to resume

  // Updates and deletes are by id, and atomic with the next commit.
  doc.fields = {{"title", "Türkiye’s envoy visited Baku"}, {"body", "…"}};
  if (!(*writer)->Update(doc).ok()) return 1;
  if (!(*writer)->Delete("news-1").ok()) return 1;
  if (!(*writer)->Commit().ok()) return 1;

  // The old snapshot is unchanged; Reopen() moves to the newest commit and
  // shares every unchanged segment.
  auto newer = (*reader)->Reopen();
  if (!newer.ok()) return 1;
  std::printf("before: %llu docs, after: %llu docs\n",
              static_cast<unsigned long long>((*reader)->num_docs()),
              static_cast<unsigned long long>((*newer)->num_docs()));
  // before: 2 docs, after: 1 docs
  // [index]

  const bool ok = (*reader)->num_docs() == 2 && (*newer)->num_docs() == 1 &&
                  !(*newer)->Get("news-1").ok() &&
                  (*newer)->Get("news-2")->Get("title") == "Türkiye’s envoy visited Baku";
  writer->reset();
  auto report = quarry::CheckIndex(path);
  std::filesystem::remove_all(path);
  return ok && report.ok() && report->ok() ? 0 : 1;
}
