// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Posting-list round trips through the real segment writer and reader, on
// random lists and on the boundaries of the block format: 1, 127, 128, 129,
// 255, 256, 257 documents, one huge list, huge gaps, frequencies and
// positions up to 2^31-1, joined-token lengths, and Advance() against a
// linear scan.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <random>

#include "index/segment_reader.h"
#include "index/segment_writer.h"
#include "search/scorer.h"
#include "store/directory.h"
#include "util/coding.h"

namespace quarry::index {
namespace {

struct Posting {
  std::uint32_t doc;
  std::vector<PosEntry> positions;  // empty for terms without positions
  std::uint32_t freq;
};
using Lists = std::map<std::string, std::vector<Posting>>;

std::shared_ptr<const Schema> TestSchema() {
  Schema s;
  s.AddText("body", false).AddKeyword("tag", false);
  return std::make_shared<const Schema>(s);
}

// The .pos encoding of one posting's positions, as the format comment in
// segment_writer.cc describes it: (delta << 1 | length > 1) then the length
// if > 1, as varints.
std::string EncodePositions(const std::vector<PosEntry>& positions) {
  std::string out;
  std::uint32_t prev = 0;
  auto put = [&out](std::uint32_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  };
  for (const PosEntry& p : positions) {
    put(((p.position - prev) << 1) | (p.length > 1 ? 1u : 0u));
    if (p.length > 1) put(p.length);
    prev = p.position;
  }
  return out;
}

// Writes `lists` (keys in order) into a segment of max_doc docs, reads it
// back. `encoded`: through AddPostingEncoded instead of AddPosting.
std::shared_ptr<const SegmentReader> WriteAndOpen(store::Directory* dir,
                                                  std::shared_ptr<const Schema> schema,
                                                  std::uint32_t max_doc, const Lists& lists,
                                                  bool encoded = false) {
  auto w = SegmentWriter::Create(dir, 1, schema.get(), max_doc, 1);
  EXPECT_TRUE(w.ok()) << w.status().ToString();
  for (const auto& [key, postings] : lists) {
    EXPECT_TRUE((*w)->StartTerm(key).ok());
    for (const Posting& p : postings) {
      if (encoded) {
        const Status st =
            (*w)->AddPostingEncoded(p.doc, p.freq, EncodePositions(p.positions), 1);
        EXPECT_TRUE(st.ok()) << st.ToString();
      } else {
        EXPECT_TRUE((*w)->AddPosting(p.doc, p.freq, p.positions.data(), 1).ok());
      }
    }
    EXPECT_TRUE((*w)->FinishTerm().ok());
  }
  std::vector<std::uint32_t> norms(max_doc, 1);
  EXPECT_TRUE((*w)->AddNorms(0, norms).ok());
  for (std::uint32_t d = 0; d < max_doc; ++d) EXPECT_TRUE((*w)->AddStored("x", "").ok());
  auto meta = (*w)->Finish();
  EXPECT_TRUE(meta.ok()) << meta.status().ToString();
  auto r = SegmentReader::Open(dir, *meta, schema);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : nullptr;
}

void ExpectRoundTrip(const SegmentReader& seg, const Lists& lists) {
  std::vector<PosEntry> got;
  for (const auto& [key, postings] : lists) {
    SCOPED_TRACE(testing::PrintToString(key) + " with " + std::to_string(postings.size()) +
                 " postings");
    auto info = seg.Find(key);
    ASSERT_TRUE(info.ok() && info->has_value());
    ASSERT_EQ((*info)->doc_freq, postings.size());
    auto it = seg.Postings(key, **info);
    for (const Posting& p : postings) {
      ASSERT_EQ(it.Next(), p.doc);
      ASSERT_EQ(it.freq(), p.freq);
      ASSERT_TRUE(it.Positions(&got).ok());
      ASSERT_EQ(got.size(), p.positions.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        ASSERT_EQ(got[i].position, p.positions[i].position);
        ASSERT_EQ(got[i].length, p.positions[i].length);
      }
    }
    ASSERT_EQ(it.Next(), kNoMoreDocs);
    ASSERT_TRUE(it.status().ok()) << it.status().ToString();
  }
  // The dictionary iterates the same keys in order.
  auto terms = seg.Terms();
  for (const auto& [key, postings] : lists) {
    ASSERT_TRUE(terms.Next());
    ASSERT_EQ(terms.key(), key);
  }
  ASSERT_FALSE(terms.Next());
  ASSERT_TRUE(terms.status().ok());
}

std::vector<Posting> RandomList(std::mt19937& rng, std::uint32_t n, std::uint32_t max_doc,
                                bool positions) {
  std::vector<std::uint32_t> docs;
  std::uniform_int_distribution<std::uint32_t> pick(0, max_doc - 1);
  std::map<std::uint32_t, bool> seen;
  while (seen.size() < n) seen[pick(rng)] = true;
  std::vector<Posting> out;
  for (const auto& [doc, unused] : seen) {
    Posting p{doc, {}, static_cast<std::uint32_t>(1 + rng() % 5)};
    if (rng() % 50 == 0) p.freq = static_cast<std::uint32_t>(1000 + rng() % 5000);
    if (positions) {
      auto pos = static_cast<std::uint32_t>(rng() % 100);
      for (std::uint32_t i = 0; i < p.freq; ++i) {
        const auto len = static_cast<std::uint32_t>(rng() % 10 == 0 ? 2 + rng() % 3 : 1);
        p.positions.push_back({pos, len});
        pos += static_cast<std::uint32_t>(rng() % 20);
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

TEST(Postings, BlockBoundaries) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  std::mt19937 rng(11);
  constexpr std::uint32_t kMaxDoc = 5000;
  Lists lists;
  int k = 0;
  for (std::uint32_t n : {1u, 2u, 127u, 128u, 129u, 255u, 256u, 257u, 383u, 384u, 385u, 4999u}) {
    const std::string suffix = std::to_string(k++) + "_" + std::to_string(n);
    lists["\x01" "body_" + suffix] = RandomList(rng, n, kMaxDoc, true);  // positions
    lists["\x02" "tag_" + suffix] = RandomList(rng, n, kMaxDoc, false);  // keyword
  }
  auto seg = WriteAndOpen(dir.get(), schema, kMaxDoc, lists);
  ASSERT_NE(seg, nullptr);
  ExpectRoundTrip(*seg, lists);
}

TEST(Postings, ExtremeValues) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  constexpr std::uint32_t kMaxDoc = 1u << 20;
  Lists lists;
  // Huge gaps: the first and the last document, in full blocks and tails.
  std::vector<Posting> gaps;
  for (std::uint32_t i = 0; i < 129; ++i) gaps.push_back({i * 8000u, {}, 1});
  gaps.push_back({kMaxDoc - 1, {}, 1});
  lists["\x02gaps"] = gaps;
  // Positions and lengths up to 2^31 - 1, a frequency in the hundred thousands.
  Posting big{7, {}, 0};
  for (std::uint32_t i = 0; i < 100000; ++i) big.positions.push_back({i * 3, 1});
  big.positions.push_back({0x7FFFFFFFu - 10, 2});
  big.positions.push_back({0x7FFFFFFFu, 0x7FFFFFFFu});
  big.freq = static_cast<std::uint32_t>(big.positions.size());
  lists["\x01" "big"] = {Posting{0, {{0, 1}}, 1}, big, Posting{kMaxDoc - 1, {{5, 1}}, 1}};
  // One huge list: every document.
  std::vector<Posting> all;
  for (std::uint32_t d = 0; d < kMaxDoc; ++d) all.push_back({d, {}, 1 + d % 3});
  lists["\x02" "everyone"] = all;
  auto seg = WriteAndOpen(dir.get(), schema, kMaxDoc, lists);
  ASSERT_NE(seg, nullptr);
  ExpectRoundTrip(*seg, lists);
}

TEST(Postings, AdvanceMatchesLinearScan) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  std::mt19937 rng(3);
  constexpr std::uint32_t kMaxDoc = 100000;
  Lists lists;
  lists["\x01" "a"] = RandomList(rng, 20000, kMaxDoc, true);
  lists["\x01" "b"] = RandomList(rng, 300, kMaxDoc, true);
  auto seg = WriteAndOpen(dir.get(), schema, kMaxDoc, lists);
  ASSERT_NE(seg, nullptr);
  std::vector<PosEntry> got;
  for (const auto& [key, postings] : lists) {
    auto info = seg->Find(key);
    ASSERT_TRUE(info.ok() && info->has_value());
    for (int trial = 0; trial < 50; ++trial) {
      auto it = seg->Postings(key, **info);
      std::uint32_t target = 0;
      std::size_t idx = 0;
      while (true) {
        target += static_cast<std::uint32_t>(1 + rng() % (trial % 2 ? 20 : 3000));
        while (idx < postings.size() && postings[idx].doc < target) ++idx;
        const std::uint32_t want = idx < postings.size() ? postings[idx].doc : kNoMoreDocs;
        ASSERT_EQ(it.Advance(target), want) << "target " << target;
        if (want == kNoMoreDocs) break;
        // Positions read after skipping must still be right.
        if (rng() % 3 == 0) {
          ASSERT_TRUE(it.Positions(&got).ok());
          ASSERT_EQ(got.size(), postings[idx].positions.size());
          ASSERT_EQ(got.back().position, postings[idx].positions.back().position);
        }
        target = want;
      }
    }
  }
}

TEST(Postings, PositionsCanBeReadTwice) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  std::mt19937 rng(9);
  Lists lists;
  lists["\x01" "a"] = RandomList(rng, 300, 1000, true);
  auto seg = WriteAndOpen(dir.get(), schema, 1000, lists);
  ASSERT_NE(seg, nullptr);
  auto info = seg->Find("\x01" "a");
  ASSERT_TRUE(info.ok() && info->has_value());
  auto it = seg->Postings("\x01" "a", **info);
  std::vector<PosEntry> first, second;
  std::size_t i = 0;
  for (std::uint32_t d = it.Next(); d != kNoMoreDocs; d = it.Next(), ++i) {
    ASSERT_TRUE(it.Positions(&first).ok());
    ASSERT_TRUE(it.Positions(&second).ok()) << it.status().ToString();
    ASSERT_EQ(first.size(), second.size());
    ASSERT_EQ(first.size(), lists["\x01" "a"][i].positions.size());
    ASSERT_EQ(first.back().position, second.back().position);
  }
  EXPECT_TRUE(it.status().ok());
  EXPECT_EQ(it.freq(), 0u);  // exhausted
}

// Find() scans a dictionary block without building its keys (prefix
// bookkeeping): every present key is found with its own TermInfo, and keys
// that are absent - prefixes and extensions of present keys, keys between
// them, before the first and after the last - are not.
TEST(Postings, FindEveryKeyAndNoOther) {
  std::mt19937 rng(17);
  Lists lists;
  std::set<std::string> keys;
  const char* stems[] = {"a", "ab", "abc", "abd", "b", "ba", "bab", "zz", "z", "\xc3\xa9t\xc3\xa9"};
  for (const char* st : stems) {
    for (int i = 0; i < 40; ++i) {
      std::string k = std::string("\x01") + st;
      if (i > 0) k += std::to_string(i * 7 % 23) + (i % 3 ? "x" : "");
      keys.insert(k);
    }
  }
  std::uint32_t n = 1;
  for (const std::string& k : keys) lists[k] = RandomList(rng, n++ % 5 + 1, 300, true);
  auto dir = store::NewMemoryDirectory();
  auto seg = WriteAndOpen(dir.get(), TestSchema(), 300, lists);
  ASSERT_NE(seg, nullptr);
  std::uint64_t prev_offset = 0;
  for (const auto& [key, postings] : lists) {
    auto info = seg->Find(key);
    ASSERT_TRUE(info.ok() && info->has_value()) << testing::PrintToString(key);
    EXPECT_EQ((*info)->doc_freq, postings.size()) << testing::PrintToString(key);
    EXPECT_GT((*info)->doc_offset, prev_offset);  // its own entry, not a neighbour's
    prev_offset = (*info)->doc_offset;
  }
  std::vector<std::string> absent = {"\x01", "\x00", "\x01" "0", "\x01" "aa", "\x01" "abb",
                                     "\x01" "zzz", "\x02", "\x01" "\xff"};
  for (const std::string& k : keys) {
    absent.push_back(k + "q");
    absent.push_back(k.substr(0, k.size() - 1) + "~");
    if (k.size() > 2) absent.push_back(k.substr(0, k.size() - 1) + "!");
  }
  for (const std::string& k : absent) {
    if (keys.count(k)) continue;
    auto info = seg->Find(k);
    ASSERT_TRUE(info.ok()) << info.status().ToString();
    EXPECT_FALSE(info->has_value()) << testing::PrintToString(k);
  }
}

// A conjunction of terms intersects two lists block against block
// (PostingsIterator::ScanCommon) and serves the common documents in order.
// Against std::set_intersection, for lists of every relative density
// (including two identical lists, whose blocks end together), stepping with
// Next() and with Advance() to random targets; each served document's
// frequency must be its own.
TEST(Postings, ConjunctionOfTermsMatchesSetIntersection) {
  std::mt19937 rng(23);
  const std::uint32_t max_doc = 20000;
  const std::uint32_t sizes[] = {1, 127, 128, 129, 700, 5000, 19000, 20000};
  Lists lists;
  std::vector<std::string> keys;
  for (std::uint32_t n : sizes) {
    const std::string key = "\x01" "t" + std::to_string(n);
    lists[key] = RandomList(rng, n, max_doc, true);
    keys.push_back(key);
  }
  lists["\x01" "u20000"] = lists["\x01" "t20000"];  // identical lists
  keys.push_back("\x01" "u20000");
  // Runs of consecutive documents with gaps, and every k-th document: whole
  // windows of the block scans match, and blocks end inside the other's runs.
  auto structured = [&](const std::string& key, auto keep) {
    std::vector<Posting> list;
    for (std::uint32_t d = 0; d < max_doc; ++d) {
      if (keep(d)) list.push_back(Posting{d, {{d % 7, 1}}, 1});
    }
    lists[key] = std::move(list);
    keys.push_back(key);
  };
  structured("\x01" "runs", [](std::uint32_t d) { return d % 1000 < 600; });
  structured("\x01" "runs2", [](std::uint32_t d) { return (d + 300) % 700 < 500; });
  structured("\x01" "even", [](std::uint32_t d) { return d % 2 == 0; });
  structured("\x01" "third", [](std::uint32_t d) { return d % 3 == 0; });
  auto dir = store::NewMemoryDirectory();
  auto seg = WriteAndOpen(dir.get(), TestSchema(), max_doc, lists);
  ASSERT_NE(seg, nullptr);
  search::Bm25 params;
  // Both block scans: eight against eight (AVX2, where the CPU has it) and
  // four against four.
  for (const bool wide : {true, false}) {
    SetScanCommonAvx2(wide);
    SCOPED_TRACE(ScanCommonAvx2() ? "AVX2 scan" : "SSE2 scan");
    for (std::size_t x = 0; x < keys.size(); ++x) {
      for (std::size_t y = x + 1; y < keys.size(); ++y) {
        SCOPED_TRACE(keys[x] + " AND " + keys[y]);
        const auto& la = lists[keys[x]];
        const auto& lb = lists[keys[y]];
        std::vector<std::uint32_t> da, db, want;
        std::map<std::uint32_t, std::pair<std::uint32_t, std::uint32_t>> freqs;
        for (const Posting& p : la) da.push_back(p.doc), freqs[p.doc].first = p.freq;
        for (const Posting& p : lb) db.push_back(p.doc), freqs[p.doc].second = p.freq;
        std::set_intersection(da.begin(), da.end(), db.begin(), db.end(), std::back_inserter(want));
        for (int mode = 0; mode < 2; ++mode) {
          auto make = [&](const std::string& key) {
            auto info = seg->Find(key);
            EXPECT_TRUE(info.ok() && info->has_value());
            return std::make_unique<search::TermScorer>(seg.get(), key, **info, &params, "body",
                                                        key, false);
          };
          std::vector<std::unique_ptr<search::Scorer>> children;
          children.push_back(make(keys[x]));
          children.push_back(make(keys[y]));
          auto* ta = static_cast<search::TermScorer*>(children[0].get());
          auto* tb = static_cast<search::TermScorer*>(children[1].get());
          search::ConjunctionScorer conj(std::move(children));
          std::vector<std::uint32_t> got;
          std::uint32_t d = conj.Next();
          while (d != kNoMoreDocs) {
            got.push_back(d);
            ASSERT_EQ(ta->doc(), d);
            ASSERT_EQ(tb->doc(), d);
            ASSERT_EQ(ta->freq(), freqs[d].first);
            ASSERT_EQ(tb->freq(), freqs[d].second);
            if (mode == 0) {
              d = conj.Next();
            } else {
              // Jump ahead by a random stride; the expectation skips likewise.
              const std::uint32_t target = d + 1 + static_cast<std::uint32_t>(rng() % 300);
              d = conj.Advance(target);
              auto it = std::lower_bound(want.begin(), want.end(), target);
              ASSERT_EQ(d, it == want.end() ? kNoMoreDocs : *it);
            }
          }
          ASSERT_TRUE(conj.status().ok()) << conj.status().ToString();
          if (mode == 0) {
            EXPECT_EQ(got, want);
          }
        }
      }
    }
  }
  SetScanCommonAvx2(true);
}

// Positions() skips the entries of the documents it was not asked about
// (eight bytes at a time while no entry carries a length). Reading only
// every k-th document's positions must give exactly those documents'
// positions, for lists with and without joined-token lengths and with
// large gaps (multi-byte entries).
TEST(Postings, PositionsAfterSkippedDocuments) {
  std::mt19937 rng(29);
  Lists lists;
  for (int t = 0; t < 6; ++t) {
    std::vector<Posting> list = RandomList(rng, 400 + 300 * t, 5000, true);
    if (t % 2 == 0) {  // no lengths at all: the word-at-a-time path throughout
      for (Posting& p : list) {
        for (PosEntry& e : p.positions) e.length = 1;
      }
    }
    if (t >= 4) {  // big gaps: multi-byte varints
      for (Posting& p : list) {
        std::uint32_t at = 0;
        for (PosEntry& e : p.positions) e.position = (at += 1 + static_cast<std::uint32_t>(rng() % 100000));
      }
    }
    lists["\x01" "p" + std::to_string(t)] = std::move(list);
  }
  auto dir = store::NewMemoryDirectory();
  auto seg = WriteAndOpen(dir.get(), TestSchema(), 5000, lists);
  ASSERT_NE(seg, nullptr);
  std::vector<PosEntry> got;
  for (const auto& [key, postings] : lists) {
    for (std::size_t stride : {2u, 3u, 7u, 50u}) {
      SCOPED_TRACE(testing::PrintToString(key) + " stride " + std::to_string(stride));
      auto info = seg->Find(key);
      ASSERT_TRUE(info.ok() && info->has_value());
      auto it = seg->Postings(key, **info);
      for (std::size_t i = 0; i < postings.size(); ++i) {
        ASSERT_EQ(it.Next(), postings[i].doc);
        if (i % stride != stride - 1) continue;
        ASSERT_TRUE(it.Positions(&got).ok()) << it.status().ToString();
        ASSERT_EQ(got.size(), postings[i].positions.size());
        for (std::size_t k = 0; k < got.size(); ++k) {
          ASSERT_EQ(got[k].position, postings[i].positions[k].position);
          ASSERT_EQ(got[k].length, postings[i].positions[k].length);
        }
      }
    }
  }
}

// The phrase readers (UnitPositions, PositionBits) against
// Positions(), in any order and any number of times per document, after
// skipping documents: with and without tokens longer than one position (the
// dictionary's flag, and the 16-byte skip only without them), positions
// below and past 256, one-byte and multi-byte gaps; written directly and
// through the encoded path.
void CheckPositionReadersAgree() {
  std::mt19937 rng(31);
  Lists lists;
  for (int t = 0; t < 8; ++t) {
    std::vector<Posting> list = RandomList(rng, 300 + 200 * t, 4000, true);
    for (Posting& p : list) {
      if (p.freq > 300) {  // keep lists small; long documents come from gaps
        p.freq = 300;
        p.positions.resize(300);
      }
      std::uint32_t at = static_cast<std::uint32_t>(rng() % (t % 4 == 3 ? 400 : 40));
      for (PosEntry& e : p.positions) {
        e.position = at;
        // t % 4: 0 small gaps, 1 gaps up to 200 (multi-byte), 2 mostly
        // small with a rare big one, 3 start past 256.
        const std::uint32_t gap = t % 4 == 1   ? static_cast<std::uint32_t>(rng() % 200)
                                  : t % 4 == 2 ? (rng() % 30 == 0 ? 300u : static_cast<std::uint32_t>(rng() % 8))
                                               : static_cast<std::uint32_t>(rng() % 6);
        at += gap;
      }
      if (t < 4) {
        for (PosEntry& e : p.positions) e.length = 1;  // no long tokens at all
      }
    }
    lists["\x01" "q" + std::to_string(t)] = std::move(list);
  }
  for (bool encoded : {false, true}) {
    SCOPED_TRACE(encoded ? "encoded" : "direct");
    auto dir = store::NewMemoryDirectory();
    auto seg = WriteAndOpen(dir.get(), TestSchema(), 4000, lists, encoded);
    ASSERT_NE(seg, nullptr);
    std::vector<PosEntry> got;
    std::vector<std::uint32_t> unit_got;
    for (const auto& [key, postings] : lists) {
      SCOPED_TRACE(testing::PrintToString(key));
      auto info = seg->Find(key);
      ASSERT_TRUE(info.ok() && info->has_value());
      bool has_long = false;
      for (const Posting& p : postings) {
        for (const PosEntry& e : p.positions) has_long |= e.length > 1;
      }
      ASSERT_EQ((*info)->long_tokens, has_long);
      auto it = seg->Postings(key, **info);
      for (std::size_t i = 0; i < postings.size(); ++i) {
        ASSERT_EQ(it.Next(), postings[i].doc);
        if (rng() % 3 == 0) continue;  // skipped: its entries are scanned past
        const std::vector<PosEntry>& want = postings[i].positions;
        bool unit_doc = true, fits = true;
        for (const PosEntry& e : want) {
          unit_doc = unit_doc && e.length == 1;
          fits = fits && e.position < 256;
        }
        const int calls = 1 + static_cast<int>(rng() % 3);
        for (int c = 0; c < calls; ++c) {
          const unsigned kind = static_cast<unsigned>(rng() % 3);
          if (kind == 0) {
            ASSERT_TRUE(it.Positions(&got).ok()) << it.status().ToString();
            ASSERT_EQ(got.size(), want.size());
            for (std::size_t k = 0; k < got.size(); ++k) {
              ASSERT_EQ(got[k].position, want[k].position);
              ASSERT_EQ(got[k].length, want[k].length);
            }
          } else if (kind == 1) {
            bool unit = false;
            ASSERT_TRUE(it.UnitPositions(&unit_got, &unit).ok());
            ASSERT_EQ(unit, unit_doc);
            if (unit) {
              ASSERT_EQ(unit_got.size(), want.size());
              for (std::size_t k = 0; k < want.size(); ++k) {
                ASSERT_EQ(unit_got[k], want[k].position);
              }
            }
          } else {
            std::uint64_t bits[4];
            bool ok = false;
            ASSERT_TRUE(it.PositionBits(bits, &ok).ok());
            ASSERT_EQ(ok, unit_doc && fits);
            if (ok) {
              std::uint64_t expect[4] = {0, 0, 0, 0};
              for (const PosEntry& e : want) expect[e.position / 64] |= std::uint64_t{1} << (e.position % 64);
              for (int k = 0; k < 4; ++k) ASSERT_EQ(bits[k], expect[k]) << "word " << k;
            }
          }
        }
      }
      ASSERT_EQ(it.Next(), kNoMoreDocs);
    }
  }
}

// With and without the POPCNT/PDEP skip (when the CPU has it).
TEST(Postings, PositionReadersAgree) {
  for (bool hw : {true, false}) {
    SetPositionSkipHardware(hw);
    SCOPED_TRACE(PositionSkipHardware() ? "POPCNT/PDEP skip" : "portable skip");
    CheckPositionReadersAgree();
  }
  SetPositionSkipHardware(true);
}

// Position entries of one document for the AdjacentPair test: `n` entries,
// gaps mostly 1..6 with some of 64 and more (multi-byte), the first at 0
// now and then; with `long_tokens`, some entries two positions long.
std::vector<PosEntry> PairPositions(std::mt19937& rng, std::uint32_t n, bool long_tokens) {
  std::vector<PosEntry> out;
  std::uint32_t at = rng() % 4 == 0 ? 0 : static_cast<std::uint32_t>(rng() % 12);
  for (std::uint32_t i = 0; i < n; ++i) {
    out.push_back({at, long_tokens && rng() % 8 == 0 ? 2u : 1u});
    at += rng() % 16 == 0 ? 64 + static_cast<std::uint32_t>(rng() % 200)
                          : 1 + static_cast<std::uint32_t>(rng() % 6);
  }
  return out;
}

// PostingsIterator::AdjacentPair (two-word phrase counts) against a model:
// on every common document read, some position of the second word is one
// after a position of the first; entry counts around the 8-entry step and
// 64-byte skip steps, documents skipped within and across 128-document
// blocks (full and tail), positions 0, multi-byte gaps, tokens longer than
// one position (then "not unit" is allowed, and required only when
// neither word had one), with and without the POPCNT/PDEP skip, and
// Positions() afterwards on either word.
TEST(Postings, AdjacentPairAgrees) {
  const std::uint32_t kCounts[] = {1, 2, 7, 8, 9, 15, 16, 17, 63, 64, 65, 127, 128, 129};
  for (bool hw : {true, false}) {
    SetPositionSkipHardware(hw);
    SCOPED_TRACE(PositionSkipHardware() ? "POPCNT/PDEP skip" : "portable skip");
    for (bool long_tokens : {false, true}) {
      SCOPED_TRACE(long_tokens ? "with long tokens" : "one-position tokens");
      std::mt19937 rng(long_tokens ? 7 : 5);
      Lists lists;
      std::vector<Posting>& a = lists["\x01" "a"];
      std::vector<Posting>& b = lists["\x01" "b"];
      const std::uint32_t max_doc = 1500;
      for (std::uint32_t d = 0; d < max_doc; ++d) {
        for (std::vector<Posting>* list : {&a, &b}) {
          if (rng() % 10 < 3) continue;
          const std::uint32_t n = rng() % 3 == 0 ? kCounts[rng() % std::size(kCounts)]
                                                 : 1 + static_cast<std::uint32_t>(rng() % 12);
          list->push_back({d, PairPositions(rng, n, long_tokens), n});
        }
        if (!a.empty() && !b.empty() && a.back().doc == d && b.back().doc == d && rng() % 2 == 0) {
          // Make the phrase occur: b right after one of a's positions.
          std::vector<PosEntry>& pa = a.back().positions;
          const std::uint32_t at = pa[rng() % pa.size()].position + 1;
          std::vector<PosEntry>& pb = b.back().positions;
          bool present = false;
          for (const PosEntry& e : pb) present |= e.position == at;
          if (!present) {
            pb.push_back({at, 1});
            std::sort(pb.begin(), pb.end(), [](const PosEntry& x, const PosEntry& y) {
              return x.position < y.position;
            });
            b.back().freq = static_cast<std::uint32_t>(pb.size());
          }
        }
      }
      auto dir = store::NewMemoryDirectory();
      auto seg = WriteAndOpen(dir.get(), TestSchema(), max_doc, lists);
      ASSERT_NE(seg, nullptr);
      auto ia = seg->Find("\x01" "a");
      auto ib = seg->Find("\x01" "b");
      ASSERT_TRUE(ia.ok() && ia->has_value() && ib.ok() && ib->has_value());
      auto ita = seg->Postings("\x01" "a", **ia);
      auto itb = seg->Postings("\x01" "b", **ib);
      std::vector<std::uint32_t> scratch;
      std::vector<PosEntry> got;
      std::size_t j = 0, reads = 0, found_count = 0;
      for (std::size_t i = 0; i < a.size(); ++i) {
        while (j < b.size() && b[j].doc < a[i].doc) ++j;
        if (j == b.size()) break;
        if (b[j].doc != a[i].doc) continue;
        if (rng() % 4 == 0) continue;  // not read: its entries are skipped
        SCOPED_TRACE("document " + std::to_string(a[i].doc));
        ASSERT_EQ(ita.Advance(a[i].doc), a[i].doc);
        ASSERT_EQ(itb.Advance(a[i].doc), a[i].doc);
        const int calls = 1 + static_cast<int>(rng() % 2);
        for (int c = 0; c < calls; ++c) {
          const bool a_first = rng() % 2 == 0;
          const std::vector<PosEntry>& first = (a_first ? a[i] : b[j]).positions;
          const std::vector<PosEntry>& second = (a_first ? b[j] : a[i]).positions;
          bool want_found = false, all_unit = true;
          for (const PosEntry& e : first) {
            all_unit = all_unit && e.length == 1;
            for (const PosEntry& f : second) want_found |= f.position == e.position + 1;
          }
          for (const PosEntry& f : second) all_unit = all_unit && f.length == 1;
          bool found = false, unit = false;
          ASSERT_TRUE(PostingsIterator::AdjacentPair(a_first ? ita : itb, a_first ? itb : ita,
                                                     &scratch, &found, &unit));
          if (all_unit) {
            ASSERT_TRUE(unit);
          }
          if (unit) {
            ASSERT_EQ(found, want_found);
            ++reads;
            found_count += found;
          }
        }
        // The cursors stay right for the general reader.
        for (int w = 0; w < 2; ++w) {
          if (rng() % 2 == 0) continue;
          const std::vector<PosEntry>& want = (w == 0 ? a[i] : b[j]).positions;
          ASSERT_TRUE((w == 0 ? ita : itb).Positions(&got).ok());
          ASSERT_EQ(got.size(), want.size());
          for (std::size_t k = 0; k < got.size(); ++k) {
            ASSERT_EQ(got[k].position, want[k].position);
            ASSERT_EQ(got[k].length, want[k].length);
          }
        }
      }
      // Both answers occur often enough to mean something.
      EXPECT_GT(reads, 200u);
      EXPECT_GT(found_count, 50u);
      EXPECT_GT(reads - found_count, 50u);
      ASSERT_TRUE(ita.status().ok() && itb.status().ok());
    }
  }
  SetPositionSkipHardware(true);
}

// Bad position bytes make AdjacentPair fail with Corruption (from either
// word), never crash: every byte of the .pos body replaced by a
// continuation byte or by 0xFF.
TEST(Postings, AdjacentPairRefusesBadBytes) {
  for (char fill : {'\x80', '\xFF'}) {
    for (bool hw : {true, false}) {
      SetPositionSkipHardware(hw);
      Lists lists;
      for (std::uint32_t d = 0; d < 400; ++d) {
        lists["\x01" "a"].push_back({d, {{1, 1}, {5, 1}, {9, 1}}, 3});
        if (d % 3 == 0) lists["\x01" "b"].push_back({d, {{2, 1}}, 1});
      }
      auto dir = store::NewMemoryDirectory();
      auto seg = WriteAndOpen(dir.get(), TestSchema(), 400, lists);
      ASSERT_NE(seg, nullptr);
      const std::string name = seg->pos_name();
      const SegmentMeta meta = seg->meta();
      std::string bytes(dir->Open(name).value()->bytes());
      std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(kHeaderSize),
                bytes.end() - static_cast<std::ptrdiff_t>(kFooterSize), fill);
      seg.reset();
      ASSERT_TRUE(dir->Remove(name).ok());
      auto f = dir->Create(name);
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*f)->Append(bytes).ok() && (*f)->Sync().ok() && (*f)->Close().ok());
      auto bad = SegmentReader::Open(dir.get(), meta, TestSchema());
      ASSERT_TRUE(bad.ok()) << bad.status().ToString();  // .pos checksums: Check()'s job
      for (std::uint32_t target : {0u, 3u, 300u}) {
        auto ia = (*bad)->Find("\x01" "a");
        auto ib = (*bad)->Find("\x01" "b");
        ASSERT_TRUE(ia.ok() && ia->has_value() && ib.ok() && ib->has_value());
        auto ita = (*bad)->Postings("\x01" "a", **ia);
        auto itb = (*bad)->Postings("\x01" "b", **ib);
        ASSERT_EQ(ita.Advance(target), target);
        ASSERT_EQ(itb.Advance(target), target);
        std::vector<std::uint32_t> scratch;
        bool found = false, unit = false;
        EXPECT_FALSE(PostingsIterator::AdjacentPair(ita, itb, &scratch, &found, &unit));
        const Status& st = !ita.status().ok() ? ita.status() : itb.status();
        EXPECT_EQ(st.code(), StatusCode::kCorruption) << st.ToString();
        EXPECT_NE(st.message().find(name), std::string::npos) << st.ToString();
      }
    }
  }
  SetPositionSkipHardware(true);
}

// A phrase can occur more often on a document than a later word does when
// an earlier word has a token longer than one position: "a b" with a at 5
// (two positions long) and at 6, b at 7 occurs twice, b once. The phrase's
// top-k bound must then come from the first word only, though b is rarer;
// with a threshold between the scores of frequency 1 and 2, every such
// document must still be found. Without long tokens, b's frequency bounds
// the phrase and the same threshold rules every document out unread.
TEST(Postings, PhraseBoundRespectsLongTokens) {
  for (bool long_token : {true, false}) {
    SCOPED_TRACE(long_token ? "a has a long token" : "all tokens one position long");
    Lists lists;
    for (std::uint32_t d = 0; d < 200; ++d) {
      if (long_token) {
        lists["\x01" "a"].push_back({d, {{5, 2}, {6, 1}}, 2});
      } else {
        lists["\x01" "a"].push_back({d, {{5, 1}, {6, 1}}, 2});
      }
      if (d < 50) lists["\x01" "b"].push_back({d, {{7, 1}}, 1});
    }
    auto dir = store::NewMemoryDirectory();
    auto seg = WriteAndOpen(dir.get(), TestSchema(), 300, lists);
    ASSERT_NE(seg, nullptr);
    search::Bm25 params;
    params.weight = 2.2;
    params.kconst = 0.3;
    params.kdl = 0.9;
    params.norm_field = 0;
    auto make = [&](const char* key) {
      auto info = seg->Find(key);
      EXPECT_TRUE(info.ok() && info->has_value());
      return std::make_unique<search::TermScorer>(seg.get(), key, **info, &params, "body", key,
                                                  false);
    };
    std::vector<std::unique_ptr<search::Scorer>> children;
    children.push_back(make("\x01" "a"));
    children.push_back(make("\x01" "b"));
    auto* ta = static_cast<search::TermScorer*>(children[0].get());
    auto* tb = static_cast<search::TermScorer*>(children[1].get());
    std::vector<search::PhraseScorer::Word> words(2);
    words[0].alts.push_back({{ta}, ta});
    words[1].alts.push_back({{tb}, tb});
    search::PhraseScorer phrase(std::make_unique<search::ConjunctionScorer>(std::move(children)),
                                std::move(words), false, 0, &params, seg.get(), "a b");
    const double one = params.Score(1, 1), two = params.Score(2, 1);
    phrase.SetMinCompetitive((one + two) / 2);
    std::uint32_t found = 0;
    for (std::uint32_t d = phrase.Next(); d != kNoMoreDocs; d = phrase.Next()) {
      ASSERT_EQ(d, found);
      ASSERT_DOUBLE_EQ(phrase.Score(), two);
      ++found;
    }
    ASSERT_TRUE(phrase.status().ok());
    EXPECT_EQ(found, long_token ? 50u : 0u);
    EXPECT_EQ(phrase.Pruned(), !long_token);
  }
}

TEST(Postings, EmptyListsAndSegments) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  {
    auto w = SegmentWriter::Create(dir.get(), 1, schema.get(), 10, 1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->StartTerm("\x01" "x").ok());
    EXPECT_FALSE((*w)->FinishTerm().ok());  // a term needs a posting
  }
  // An empty segment round-trips.
  auto seg = WriteAndOpen(dir.get(), schema, 0, {});
  ASSERT_NE(seg, nullptr);
  EXPECT_EQ(seg->num_terms(), 0u);
  auto t = seg->Terms();
  EXPECT_FALSE(t.Next());
  auto missing = seg->Find("\x01" "nothing");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST(Postings, OutOfOrderInputIsRefused) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  auto w = SegmentWriter::Create(dir.get(), 1, schema.get(), 10, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->StartTerm("\x02" "b").ok());
  ASSERT_TRUE((*w)->AddPosting(5, 1, nullptr, 0).ok());
  EXPECT_FALSE((*w)->AddPosting(5, 1, nullptr, 0).ok());
}

// The id table: every document's id read back without decompression, across
// id-group boundaries (kIdGroupDocs), with ids of 1 and 512 bytes; Check-style
// agreement with the stored form; refusal of documents without an id.
TEST(Postings, IdTableRoundTrip) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  std::mt19937 rng(7);
  const std::uint32_t max_doc = kIdGroupDocs * 20 + 3;
  std::vector<std::string> ids;
  for (std::uint32_t d = 0; d < max_doc; ++d) {
    std::size_t len = 1 + rng() % 40;
    if (d % kIdGroupDocs == kIdGroupDocs - 1 || d % 97 == 0) len = 512;  // longest ids
    if (d % 64 >= 48) len = 512;  // whole groups of them
    std::string id(len, 'a');
    for (char& c : id) c = static_cast<char>('a' + rng() % 26);
    id += std::to_string(d);
    // Front coding: ids that share a prefix with the previous one, are a
    // prefix of it, or equal its length.
    if (!ids.empty() && d % 3 == 1) id = ids.back().substr(0, ids.back().size() / 2) + id;
    if (!ids.empty() && d % 5 == 2) id = ids.back().substr(0, 1 + rng() % ids.back().size());
    if (id.size() > 512) id.erase(0, id.size() - 512);
    ids.push_back(id);
  }
  auto w = SegmentWriter::Create(dir.get(), 1, schema.get(), max_doc, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddNorms(0, std::vector<std::uint32_t>(max_doc, 1)).ok());
  {
    std::string body;
    AppendStoredField(&body, 1, "body only");
    auto w2 = SegmentWriter::Create(dir.get(), 2, schema.get(), 1, 1);
    ASSERT_TRUE(w2.ok());
    EXPECT_FALSE((*w2)->AddStored("", body).ok());
    auto w3 = SegmentWriter::Create(dir.get(), 3, schema.get(), 1, 1);
    ASSERT_TRUE(w3.ok());
    EXPECT_FALSE((*w3)->AddStored(std::string(513, 'x'), body).ok());
  }
  for (const std::string& id : ids) {
    std::string stored;
    AppendStoredField(&stored, 1, "text of " + id);
    ASSERT_TRUE((*w)->AddStored(id, stored).ok());
  }
  auto meta = (*w)->Finish();
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto seg = SegmentReader::Open(dir.get(), *meta, schema);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  for (std::uint32_t d = 0; d < max_doc; ++d) {
    auto id = (*seg)->Id(d);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    ASSERT_EQ(*id, ids[d]) << "doc " << d;
    auto sd = (*seg)->Stored(d);
    ASSERT_TRUE(sd.ok());
    ASSERT_EQ(sd->id, ids[d]);
    ASSERT_EQ(sd->fields.size(), 1u);
    ASSERT_EQ(sd->fields[0].second, "text of " + ids[d]);
  }
  EXPECT_FALSE((*seg)->Id(max_doc).ok());
}

// Stored documents round-trip through the chunked .fdt file whatever their
// size: documents without stored fields (a chunk closes after
// kStoredChunkDocs of them), empty values, values of every size around
// kStoredChunkBytes (a chunk closes on the document that reaches it), a
// value far larger than a chunk, and bytes of every value including 0.
TEST(Postings, StoredFieldsAcrossChunks) {
  auto dir = store::NewMemoryDirectory();
  auto schema = TestSchema();
  std::mt19937 rng(11);
  auto text = [&rng](std::size_t n) {
    std::string s(n, '\0');
    for (char& c : s) c = static_cast<char>(rng() % 4 == 0 ? rng() % 256 : 'a' + rng() % 8);
    return s;
  };
  // Per document: (field number, value) pairs.
  std::vector<std::vector<std::pair<std::uint32_t, std::string>>> docs;
  for (std::uint32_t i = 0; i < 2 * kStoredChunkDocs + 5; ++i) docs.emplace_back();  // none
  docs.push_back({{1, ""}});
  docs.push_back({{1, ""}, {2, ""}});
  docs.push_back({{2, text(3)}, {1, ""}, {2, text(1)}});  // order and repeats kept
  for (std::size_t n : {kStoredChunkBytes - 3, kStoredChunkBytes - 2, kStoredChunkBytes - 1,
                        kStoredChunkBytes + 0, kStoredChunkBytes + 1, kStoredChunkBytes + 2}) {
    docs.push_back({{1, text(n)}});
    docs.push_back({});
  }
  docs.push_back({{1, text(3u << 20)}, {2, text(70000)}});  // far larger than a chunk
  docs.push_back({{2, "after the huge one"}});
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::pair<std::uint32_t, std::string>> d;
    const int fields = static_cast<int>(rng() % 3);
    for (int f = 0; f < fields; ++f) {
      d.emplace_back(1 + rng() % 2, text(rng() % 8 == 0 ? rng() % 5000 : rng() % 60));
    }
    docs.push_back(std::move(d));
  }
  const auto max_doc = static_cast<std::uint32_t>(docs.size());
  auto w = SegmentWriter::Create(dir.get(), 1, schema.get(), max_doc, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->AddNorms(0, std::vector<std::uint32_t>(max_doc, 1)).ok());
  // Where the chunks must start: a chunk closes after the document that
  // brings its raw bytes (DocLength varint + document) to kStoredChunkBytes,
  // or after its kStoredChunkDocs-th document.
  std::vector<std::uint32_t> expected_firsts;
  std::size_t raw = 0, in_chunk = 0;
  for (std::uint32_t d = 0; d < max_doc; ++d) {
    std::string stored;
    for (const auto& [no, value] : docs[d]) AppendStoredField(&stored, no, value);
    ASSERT_TRUE((*w)->AddStored("id" + std::to_string(d), stored).ok());
    if (in_chunk == 0) expected_firsts.push_back(d);
    std::string len;
    PutVarint64(&len, stored.size());
    raw += len.size() + stored.size();
    if (++in_chunk == kStoredChunkDocs || raw >= kStoredChunkBytes) raw = in_chunk = 0;
  }
  auto meta = (*w)->Finish();
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  auto seg = SegmentReader::Open(dir.get(), *meta, schema);
  ASSERT_TRUE(seg.ok()) << seg.status().ToString();
  EXPECT_EQ((*seg)->stored_chunk_first_docs(), expected_firsts);
  auto expect_doc = [&](std::uint32_t d, const StoredDocument& sd) {
    ASSERT_EQ(sd.id, "id" + std::to_string(d));
    ASSERT_EQ(sd.fields.size(), docs[d].size()) << "doc " << d;
    for (std::size_t f = 0; f < docs[d].size(); ++f) {
      ASSERT_EQ(sd.fields[f].first, docs[d][f].first == 1 ? "body" : "tag") << "doc " << d;
      ASSERT_EQ(sd.fields[f].second, docs[d][f].second) << "doc " << d << " field " << f;
    }
  };
  for (std::uint32_t d = 0; d < max_doc; ++d) {
    auto sd = (*seg)->Stored(d);
    ASSERT_TRUE(sd.ok()) << sd.status().ToString();
    expect_doc(d, *sd);
  }
  std::uint32_t seen = 0;
  const Status st = (*seg)->ForEachStored(
      [&](std::uint32_t d, std::string_view id, std::string_view bytes) {
        EXPECT_EQ(d, seen++);
        EXPECT_EQ(id, "id" + std::to_string(d));
        std::string stored;
        for (const auto& [no, value] : docs[d]) AppendStoredField(&stored, no, value);
        EXPECT_EQ(bytes, stored) << "doc " << d;
        return Status::OK();
      });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(seen, max_doc);
}

// The same lists through AddPosting and AddPostingEncoded: both round-trip,
// and the files are the same size (the encoded bytes are copied verbatim).
TEST(Postings, EncodedPositionsMatchAddPosting) {
  std::mt19937 rng(7);
  Lists lists;
  lists["\x01" "alpha"] = RandomList(rng, 300, 5000, true);
  lists["\x01" "beta"] = RandomList(rng, 3, 5000, true);
  lists["\x01" "far"] = {{0, {{0, 1}, {kMaxPosition - 5, 3}, {kMaxPosition, 1}}, 3}};
  lists["\x02" "tag"] = RandomList(rng, 200, 5000, false);
  auto schema = TestSchema();
  auto plain_dir = store::NewMemoryDirectory();
  auto encoded_dir = store::NewMemoryDirectory();
  auto plain = WriteAndOpen(plain_dir.get(), schema, 5000, lists);
  auto encoded = WriteAndOpen(encoded_dir.get(), schema, 5000, lists, /*encoded=*/true);
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(encoded, nullptr);
  ExpectRoundTrip(*plain, lists);
  ExpectRoundTrip(*encoded, lists);
  ASSERT_EQ(plain->files().size(), encoded->files().size());
  for (std::size_t i = 0; i < plain->files().size(); ++i) {
    EXPECT_EQ(plain->files()[i]->bytes().size(), encoded->files()[i]->bytes().size()) << i;
  }
}

// Encoded positions the writer must refuse for a posting of `key`.
struct BadPositions {
  const char* what;
  std::string key;
  std::uint32_t freq;
  std::string bytes;
};

// Each case in a fresh writer: `add` refuses it, and the writer then
// refuses to go on.
template <class Add>
void ExpectRefused(const Schema* schema, const std::vector<BadPositions>& cases, Add add) {
  for (const BadPositions& c : cases) {
    SCOPED_TRACE(c.what);
    auto dir = store::NewMemoryDirectory();
    auto w = SegmentWriter::Create(dir.get(), 1, schema, 10, 1);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->StartTerm(c.key).ok());
    EXPECT_FALSE(add(**w, c).ok());
    EXPECT_FALSE((*w)->FinishTerm().ok() && (*w)->Finish().ok());
  }
}

TEST(Postings, MalformedEncodedPositionsAreRefused) {
  auto schema = TestSchema();
  const std::vector<BadPositions> cases = {
      {"fewer entries than freq", "\x01" "a", 2, std::string("\x02", 1)},
      {"trailing bytes", "\x01" "a", 1, std::string("\x02\x02", 2)},
      {"truncated varint", "\x01" "a", 1, std::string("\x82", 1)},
      {"length flag without length", "\x01" "a", 1, std::string("\x03", 1)},
      {"length 1 behind the flag", "\x01" "a", 1, std::string("\x03\x01", 2)},
      {"length 0 behind the flag", "\x01" "a", 1, std::string("\x03\x00", 2)},
      // Deltas kMaxPosition (DeltaFlag 0xFFFFFFFE) and 1: position 2^31.
      {"position above kMaxPosition", "\x01" "a", 2,
       std::string("\xFE\xFF\xFF\xFF\x0F\x02", 6)},
      {"positions for a keyword term", "\x02" "t", 1, std::string("\x00", 1)},
  };
  ExpectRefused(schema.get(), cases, [](SegmentWriter& w, const BadPositions& c) {
    return w.AddPostingEncoded(3, c.freq, c.bytes, 1);
  });
  // The well-formed versions are accepted.
  auto dir = store::NewMemoryDirectory();
  auto w = SegmentWriter::Create(dir.get(), 1, schema.get(), 10, 1);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE((*w)->StartTerm("\x01" "a").ok());
  EXPECT_TRUE((*w)->AddPostingEncoded(1, 2, std::string("\x02\x03\x02", 3), 1).ok());
  EXPECT_TRUE((*w)->AddPostingEncoded(2, 1, std::string("\x80\x80\x80\x80\x07", 5), 1).ok());
  ASSERT_TRUE((*w)->FinishTerm().ok());
  ASSERT_TRUE((*w)->StartTerm("\x02" "t").ok());
  EXPECT_TRUE((*w)->AddPostingEncoded(1, 4, "", 1).ok());
  ASSERT_TRUE((*w)->FinishTerm().ok());
}

// A term as a MemoryIndex buffers it: (DocGap Freq Positions) per posting,
// the first gap being the document + 1.
std::string BufferedStream(const std::vector<Posting>& postings, bool positions) {
  std::string out;
  std::int64_t prev = -1;
  for (const Posting& p : postings) {
    PutVarint32(&out, static_cast<std::uint32_t>(p.doc - prev));
    PutVarint32(&out, p.freq);
    if (positions) out += EncodePositions(p.positions);
    prev = p.doc;
  }
  return out;
}

// AddBufferedTerm (the memory index's flush) writes the same files as
// StartTerm, AddPostingEncoded for every live posting (documents renumbered,
// deleted ones left out) and FinishTerm: on random lists around the block
// boundaries, with long tokens, large frequencies, keyword terms and terms
// whose postings are all deleted.
TEST(Postings, BufferedTermsMatchAddPostingEncoded) {
  auto schema = TestSchema();
  std::mt19937 rng(7);
  constexpr std::uint32_t kBuffered = 3000;
  std::vector<std::uint32_t> remap(kBuffered), norms(kBuffered);
  std::uint32_t live = 0;
  for (std::uint32_t d = 0; d < kBuffered; ++d) {
    remap[d] = rng() % 7 == 0 ? kNoMoreDocs : live++;
    norms[d] = 1 + static_cast<std::uint32_t>(rng() % 300);
  }
  Lists lists;
  for (std::uint32_t n : {1u, 2u, 127u, 128u, 129u, 140u, 150u, 255u, 256u, 257u, 1000u, 2999u}) {
    lists["\x01w" + std::to_string(n)] = RandomList(rng, n, kBuffered, true);
    lists["\x02k" + std::to_string(n)] = RandomList(rng, n, kBuffered, false);
  }
  // Every posting deleted.
  std::uint32_t deleted = 0;
  while (remap[deleted] != kNoMoreDocs) ++deleted;
  lists["\x01zdeleted"] = {{deleted, {{5, 1}}, 1}};
  lists["\x02zdeleted"] = {{deleted, {}, 3}};

  auto buffered_dir = store::NewMemoryDirectory();
  auto plain_dir = store::NewMemoryDirectory();
  for (int buffered = 0; buffered < 2; ++buffered) {
    auto w = SegmentWriter::Create((buffered ? buffered_dir : plain_dir).get(), 1, schema.get(),
                                   live, 1);
    ASSERT_TRUE(w.ok());
    for (const auto& [key, postings] : lists) {
      const bool positions = key[0] == '\x01';
      if (buffered) {
        const std::string stream = BufferedStream(postings, positions);
        const Status st =
            (*w)->AddBufferedTerm(key, stream, static_cast<std::uint32_t>(postings.size()),
                                  remap.data(), kBuffered, positions ? norms.data() : nullptr);
        ASSERT_TRUE(st.ok()) << st.ToString();
        continue;
      }
      bool started = false;
      for (const Posting& p : postings) {
        if (remap[p.doc] == kNoMoreDocs) continue;
        if (!started) {
          ASSERT_TRUE((*w)->StartTerm(key).ok());
        }
        started = true;
        ASSERT_TRUE((*w)->AddPostingEncoded(remap[p.doc], p.freq,
                                            positions ? EncodePositions(p.positions) : "",
                                            positions ? norms[p.doc] : 0)
                        .ok());
      }
      if (started) {
        ASSERT_TRUE((*w)->FinishTerm().ok());
      }
    }
    std::vector<std::uint32_t> lengths(live, 1);
    ASSERT_TRUE((*w)->AddNorms(0, lengths).ok());
    for (std::uint32_t d = 0; d < live; ++d) ASSERT_TRUE((*w)->AddStored("x", "").ok());
    ASSERT_TRUE((*w)->Finish().ok());
  }
  for (std::string_view ext : {"doc", "pos", "tim"}) {
    auto a = buffered_dir->Open(SegmentFile(1, ext));
    auto b = plain_dir->Open(SegmentFile(1, ext));
    ASSERT_TRUE(a.ok() && b.ok()) << ext;
    // Same bytes after the header (whose segment id differs) and before the CRC.
    const std::string_view x = (*a)->bytes(), y = (*b)->bytes();
    ASSERT_EQ(x.size(), y.size()) << ext;
    EXPECT_EQ(x.substr(28, x.size() - 32), y.substr(28, y.size() - 32)) << ext;
  }
}

// Bad buffered streams are refused, and the writer then refuses to go on.
TEST(Postings, MalformedBufferedTermsAreRefused) {
  auto schema = TestSchema();
  const std::vector<std::uint32_t> remap = {0, kNoMoreDocs, 1, 2, 3};
  struct Bad {
    const char* what;
    std::string key;
    std::uint32_t count;
    std::string stream;
  };
  const std::vector<Bad> cases = {
      {"fewer entries than freq", "\x01" "a", 1, std::string("\x01\x02\x02", 3)},
      {"truncated varint", "\x01" "a", 1, std::string("\x01\x01\x82", 3)},
      {"six-byte varint", "\x01" "a", 1, std::string("\x01\x01\x80\x80\x80\x80\x80\x01", 8)},
      {"length flag without length", "\x01" "a", 1, std::string("\x01\x01\x03", 3)},
      {"length 1 behind the flag", "\x01" "a", 1, std::string("\x01\x01\x03\x01", 4)},
      {"position above kMaxPosition", "\x01" "a", 1,
       std::string("\x01\x02\xFE\xFF\xFF\xFF\x0F\x02", 8)},
      {"position above kMaxPosition, deleted document", "\x01" "a", 1,
       std::string("\x02\x02\xFE\xFF\xFF\xFF\x0F\x02", 8)},
      {"fewer postings than count", "\x02" "t", 3, std::string("\x01\x01\x01\x01", 4)},
      {"more postings than count", "\x02" "t", 1, std::string("\x01\x01\x01\x01", 4)},
      {"truncated posting", "\x02" "t", 1, std::string("\x01", 1)},
      {"document out of range", "\x02" "t", 1, std::string("\x06\x01", 2)},
      {"repeated document", "\x02" "t", 2, std::string("\x01\x01\x00\x01", 4)},
      {"frequency 0", "\x02" "t", 1, std::string("\x01\x00", 2)},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.what);
    auto dir = store::NewMemoryDirectory();
    auto w = SegmentWriter::Create(dir.get(), 1, schema.get(), 4, 1);
    ASSERT_TRUE(w.ok());
    EXPECT_FALSE((*w)->AddBufferedTerm(c.key, c.stream, c.count, remap.data(),
                                       static_cast<std::uint32_t>(remap.size()), nullptr)
                     .ok());
    EXPECT_FALSE((*w)->AddBufferedTerm("\x02z", std::string("\x01\x01", 2), 1, remap.data(),
                                       static_cast<std::uint32_t>(remap.size()), nullptr)
                     .ok());
  }
  // Keys out of order, and the well-formed streams accepted.
  auto dir = store::NewMemoryDirectory();
  auto w = SegmentWriter::Create(dir.get(), 1, schema.get(), 4, 1);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE((*w)->AddBufferedTerm("\x01" "b", std::string("\x01\x02\x02\x03\x02", 5), 1,
                                    remap.data(), 5, nullptr)
                  .ok());
  EXPECT_FALSE((*w)->AddBufferedTerm("\x01" "a", std::string("\x01\x01\x02", 3), 1,
                                     remap.data(), 5, nullptr)
                   .ok());
}

}  // namespace
}  // namespace quarry::index
