// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Readers keep reading while a writer adds, deletes, commits and merges (run
// it under the `tsan` preset too). A held snapshot never changes: what a
// reader saw once, it sees again, however many commits and merges happened
// and however many files the writer deleted meanwhile.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "quarry/index.h"

namespace quarry {
namespace {

Document Doc(int round, int i) {
  Document d;
  d.id = "doc" + std::to_string(i);
  d.Add("title", "round " + std::to_string(round));
  d.Add("body", "Peace talks between Armenia and Azerbaijan, item " + std::to_string(i) +
                    " of round " + std::to_string(round));
  return d;
}

// A reader's view: every id it can see and the title stored for it.
std::map<std::string, std::string> View(const IndexReader& r, int max_id) {
  std::map<std::string, std::string> v;
  for (int i = 0; i < max_id; ++i) {
    auto d = r.Get("doc" + std::to_string(i));
    if (d.ok()) {
      v[d->id] = std::string(d->Get("title").value_or(""));
    } else {
      EXPECT_EQ(d.status().code(), StatusCode::kNotFound) << d.status().ToString();
    }
  }
  return v;
}

TEST(Concurrency, SnapshotsStayStableWhileWriterCommitsAndMerges) {
  const std::string path = testing::TempDir() + "/quarry_concurrency_test";
  std::filesystem::remove_all(path);
  IndexWriterOptions o;
  o.schema = Schema::Default();
  o.merge_factor = 3;
  auto writer = IndexWriter::Open(path, o);
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  constexpr int kIds = 60;
  for (int i = 0; i < kIds; ++i) ASSERT_TRUE((*writer)->Add(Doc(0, i)).ok());
  ASSERT_TRUE((*writer)->Commit().ok());

  std::atomic<bool> done{false};
  std::atomic<int> reopens{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      auto r = IndexReader::Open(path);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      std::shared_ptr<const IndexReader> held = *r;
      const auto held_view = View(*held, kIds);
      const auto held_docs = held->num_docs();
      std::shared_ptr<const IndexReader> current = held;
      while (!done.load()) {
        auto next = current->Reopen();
        ASSERT_TRUE(next.ok()) << next.status().ToString();
        current = *next;
        ++reopens;
        const auto view = View(*current, kIds);
        // Every commit holds each id exactly once, all from one round.
        ASSERT_EQ(view.size(), current->num_docs());
        // The held snapshot is unchanged.
        ASSERT_EQ(View(*held, kIds), held_view);
        ASSERT_EQ(held->num_docs(), held_docs);
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  for (int round = 1; round <= 40; ++round) {
    for (int i = 0; i < kIds; ++i) {
      if ((i + round) % 7 == 0) {
        const Status s = (*writer)->Delete("doc" + std::to_string(i));
        ASSERT_TRUE(s.ok() || s.code() == StatusCode::kNotFound) << s.ToString();
      } else {
        ASSERT_TRUE((*writer)->Update(Doc(round, i)).ok());
      }
    }
    ASSERT_TRUE((*writer)->Commit().ok());
    if (round % 8 == 0) {
      ASSERT_TRUE((*writer)->ForceMerge(1).ok());
    }
  }
  done = true;
  for (auto& th : readers) th.join();
  EXPECT_GT(reopens.load(), 10);
  std::filesystem::remove_all(path);
}

}  // namespace
}  // namespace quarry
