// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Shared by the index's failure-mode tests (crash, corruption, disk full,
// kill) and by kill_child: a small schema, deterministic documents, a model of
// what an index should hold, and a reader of everything an index does hold.
// No gtest here: kill_child links only the library.
#ifndef QUARRY_TESTS_INDEX_FAULT_TEST_UTIL_H_
#define QUARRY_TESTS_INDEX_FAULT_TEST_UTIL_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "index/index_internal.h"
#include "quarry/index.h"
#include "quarry/schema.h"
#include "quarry/status.h"
#include "store/directory.h"

namespace quarry::faulttest {

// title and body (text, positions), tag (keyword), url (stored only).
inline Schema SmallSchema() {
  Schema s;
  s.AddText("title", true)
      .AddText("body", true)
      .AddKeyword("tag", true)
      .AddStored("url");
  return s;
}

// A small deterministic generator (SplitMix64), identical everywhere.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0.
  std::uint64_t Uniform(std::uint64_t n) { return Next() % n; }

 private:
  std::uint64_t state_;
};

inline constexpr const char* kWords[] = {
    "peace",  "talks",    "river",  "market",   "city",  "storm",   "court",
    "vote",   "energy",   "school", "border",   "train", "harvest", "budget",
    "bridge", "festival", "report", "minister", "coast", "summit"};
inline constexpr std::size_t kNumWords = sizeof(kWords) / sizeof(kWords[0]);

inline std::string Words(Rng* rng, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) s += ' ';
    s += kWords[rng->Uniform(kNumWords)];
  }
  return s;
}

// A small document whose contents depend only on (id, version). Every
// document contains "news" in its body, so that term's postings grow long.
inline Document MakeDoc(const std::string& id, std::uint64_t version) {
  std::uint64_t h = version * 1000003u;
  for (char c : id) h = h * 131 + static_cast<unsigned char>(c);
  Rng rng(h);
  Document d;
  d.id = id;
  d.Add("title", Words(&rng, 2 + rng.Uniform(3)));
  d.Add("body", "news " + Words(&rng, 4 + rng.Uniform(10)) + " v" +
                    std::to_string(version));
  d.Add("tag", "tag" + std::to_string(rng.Uniform(4)));
  d.Add("url", "https://example.com/" + id + "?v=" + std::to_string(version));
  return d;
}

// What an index should hold: id -> stored fields, in the order given.
using Fields = std::vector<std::pair<std::string, std::string>>;
using Model = std::map<std::string, Fields>;

inline void ModelPut(Model* m, const Document& d) { (*m)[d.id] = d.fields; }

// Every live document of a reader, read segment by segment (not through
// Get). Fails on a read error or a live id that appears twice.
inline Result<Model> ReadAll(const IndexReader& reader) {
  Model out;
  for (const internal::ReaderSegment& s :
       internal::IndexAccess::Segments(reader)) {
    for (std::uint32_t d = 0; d < s.reader->max_doc(); ++d) {
      if (s.deletes && s.deletes->IsDeleted(d)) continue;
      auto doc = s.reader->Stored(d);
      if (!doc.ok()) return doc.status();
      if (out.count(doc->id) != 0) {
        return Status::Internal("live id '" + doc->id + "' appears twice");
      }
      out[doc->id] = doc->fields;
    }
  }
  return out;
}

inline std::string FieldsToString(const Fields& f) {
  std::string s = "{";
  for (const auto& [k, v] : f) {
    s += k + "=" + (v.size() > 80 ? v.substr(0, 80) + "..." : v) + "; ";
  }
  return s + "}";
}

// "" when the reader holds exactly `want` (by a full scan, by Get of every
// id and by num_docs); else a description of the first differences.
inline std::string DiffReader(const IndexReader& reader, const Model& want) {
  std::string diff;
  auto add = [&](const std::string& line) {
    if (diff.size() < 4000) diff += line + "\n";
  };
  auto all = ReadAll(reader);
  if (!all.ok())
    return "reading every document failed: " + all.status().ToString();
  for (const auto& [id, fields] : want) {
    auto it = all->find(id);
    if (it == all->end()) {
      add("missing '" + id + "'");
    } else if (it->second != fields) {
      add("'" + id + "' has " + FieldsToString(it->second) + ", want " +
          FieldsToString(fields));
    }
  }
  for (const auto& [id, fields] : *all) {
    if (want.count(id) == 0)
      add("unexpected '" + id + "' " + FieldsToString(fields));
  }
  if (reader.num_docs() != want.size()) {
    add("num_docs " + std::to_string(reader.num_docs()) + ", want " +
        std::to_string(want.size()));
  }
  for (const auto& [id, fields] : want) {
    auto got = reader.Get(id);
    if (!got.ok()) {
      add("Get('" + id + "'): " + got.status().ToString());
    } else if (got->id != id || got->fields != fields) {
      add("Get('" + id + "') returned '" + got->id + "' " +
          FieldsToString(got->fields));
    }
  }
  return diff;
}

// "" when Check finds nothing; else the problems.
inline std::string CheckProblems(store::Directory* dir) {
  auto report = internal::IndexAccess::Check(dir);
  if (!report.ok()) return "Check failed to run: " + report.status().ToString();
  std::string s;
  for (const std::string& p : report->problems) s += p + "\n";
  return s;
}

inline bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// ---- The kill test's rounds ----------------------------------------------
//
// Round r (r >= 1) upserts five new documents "r<r>-<i>", re-upserts
// "r<r-1>-0" with version r, deletes "r<r-2>-1", and upserts "meta" whose
// title is "round <r>"; then the writer commits. The state after round k is
// rounds 1..k applied to an empty index.

// The writer options of the kill test's child (and of the parent that
// creates the index).
inline IndexWriterOptions KillWriterOptions() {
  IndexWriterOptions o;
  o.schema = SmallSchema();
  o.merge_factor = 3;  // merges in ordinary commits
  o.stored_compression_level = 1;
  return o;
}

struct KillOp {
  bool is_delete = false;
  Document doc;    // upserts
  std::string id;  // deletes
};

inline std::vector<KillOp> KillRoundOps(int r) {
  std::vector<KillOp> ops;
  auto upsert = [&](const std::string& id, std::uint64_t version) {
    KillOp op;
    op.doc = MakeDoc(id, version);
    ops.push_back(std::move(op));
  };
  for (int i = 0; i < 5; ++i)
    upsert("r" + std::to_string(r) + "-" + std::to_string(i), 0);
  if (r >= 2)
    upsert("r" + std::to_string(r - 1) + "-0", static_cast<std::uint64_t>(r));
  if (r >= 3) {
    KillOp op;
    op.is_delete = true;
    op.id = "r" + std::to_string(r - 2) + "-1";
    ops.push_back(std::move(op));
  }
  KillOp meta;
  meta.doc.id = "meta";
  meta.doc.Add("title", "round " + std::to_string(r));
  ops.push_back(std::move(meta));
  return ops;
}

inline Model KillStateAfter(int k) {
  Model m;
  for (int r = 1; r <= k; ++r) {
    for (const KillOp& op : KillRoundOps(r)) {
      if (op.is_delete) {
        m.erase(op.id);
      } else {
        ModelPut(&m, op.doc);
      }
    }
  }
  return m;
}

// The round recorded in the "meta" document: 0 when absent, -1 if unreadable.
inline int KillRoundOf(const IndexReader& reader) {
  auto meta = reader.Get("meta");
  if (!meta.ok()) return meta.status().code() == StatusCode::kNotFound ? 0 : -1;
  auto title = meta->Get("title");
  if (!title || title->substr(0, 6) != "round ") return -1;
  return std::stoi(std::string(title->substr(6)));
}

}  // namespace quarry::faulttest

#endif  // QUARRY_TESTS_INDEX_FAULT_TEST_UTIL_H_
