// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

#include "index/index_internal.h"
#include "index/memory_index.h"
#include "index/merge.h"
#include "quarry/index.h"

namespace quarry {


using index::CommitSegment;
using index::DeleteSet;
using index::SegmentReader;

namespace {

struct SegState {
  CommitSegment cs;
  std::shared_ptr<const SegmentReader> reader;
  std::shared_ptr<const DeleteSet> deletes;  // as of the last write, or null
  std::shared_ptr<DeleteSet> pending;        // changed since, or null
  std::uint32_t live() const {
    const std::uint32_t dead = pending ? pending->count() : deletes ? deletes->count() : 0;
    return cs.meta.max_doc - dead;
  }
  bool IsDeleted(std::uint32_t doc) const {
    if (pending) return pending->IsDeleted(doc);
    return deletes && deletes->IsDeleted(doc);
  }
  std::shared_ptr<const DeleteSet> current_deletes() const {
    if (pending) return pending;
    return deletes;
  }
};

// Is `name` a file this index manages (and may delete)?
bool IsIndexFile(const std::string& name) {
  std::uint64_t n;
  if (index::ParseCommitFile(name, &n) || index::ParseSegmentFile(name, &n)) return true;
  // Unfinished files: commit_<N>.tmp (manifest.cc).
  constexpr std::string_view kTmp = ".tmp";
  return name.size() > kTmp.size() &&
         std::string_view(name).substr(name.size() - kTmp.size()) == kTmp &&
         index::ParseCommitFile(std::string_view(name).substr(0, name.size() - kTmp.size()), &n);
}

}  // namespace

class IndexWriter::Impl {
 public:
  std::shared_ptr<store::Directory> dir;
  std::unique_ptr<store::DirectoryLock> lock;
  IndexWriterOptions options;
  std::shared_ptr<const Schema> schema;
  index::Commit last_commit;
  std::vector<SegState> segs;            // current state
  std::vector<SegState> committed_segs;  // as of last_commit
  std::uint64_t next_segment = 1;
  // Generations are never reused, not even those of failed attempts (a
  // failed commit may have been visible for a moment), so every commit and
  // deletions file name means exactly one content.
  std::uint64_t next_generation = 2;
  std::uint64_t next_del_gen = 1;
  std::unique_ptr<index::MemoryIndex> mem;
  std::vector<index::DocumentAnalyzer> analyzers;  // [0] for single docs
  index::AnalyzedDocument scratch;

  Status Init() {
    auto c = index::ReadNewestCommit(dir.get());
    if (!c.ok() && c.status().code() == StatusCode::kNotFound) {
      if (!options.create_if_missing) return c.status();
      // Segment files without any commit: the commit was lost or deleted.
      // Creating a fresh index here would delete those files: refuse.
      auto names = dir->List();
      if (!names.ok()) return names.status();
      for (const std::string& name : *names) {
        std::uint64_t n;
        if (index::ParseSegmentFile(name, &n)) {
          return Status::Corruption(dir->Describe() + " holds segment files (" + name +
                                    ") but no commit file; not creating a new index over them");
        }
      }
      if (!options.schema) {
        return Status::InvalidArgument("creating an index needs a schema");
      }
      QUARRY_RETURN_IF_ERROR(options.schema->Validate());
      index::Commit fresh;
      fresh.generation = 1;
      fresh.next_segment = 1;
      fresh.schema = options.schema->Serialize();
      QUARRY_RETURN_IF_ERROR(index::WriteCommit(dir.get(), fresh));
      c = fresh;
    }
    if (!c.ok()) return c.status();
    auto parsed = Schema::Parse(c->schema);
    if (!parsed.ok()) return parsed.status();
    if (options.schema && !(*options.schema == *parsed)) {
      return Status::InvalidArgument(
          "the schema given differs from the index's schema in " + dir->Describe());
    }
    schema = std::make_shared<const Schema>(std::move(parsed).value());
    last_commit = *c;
    next_segment = c->next_segment;
    // A crashed writer may have left files of segments it never committed
    // (DeleteUnusedFiles below removes them, but a removal can fail): never
    // reuse their numbers, or creating the new segment's files fails.
    if (auto names = dir->List(); names.ok()) {
      for (const std::string& name : *names) {
        std::uint64_t n;
        if (index::ParseSegmentFile(name, &n) && n >= next_segment) next_segment = n + 1;
        std::uint64_t gen, del_gen;
        if (index::ParseCommitFile(name, &gen) && gen >= next_generation) {
          next_generation = gen + 1;
        }
        if (index::ParseDeletesFile(name, &n, &del_gen) && del_gen >= next_del_gen) {
          next_del_gen = del_gen + 1;
        }
      }
    }
    next_generation = std::max(next_generation, c->generation + 1);
    for (const CommitSegment& cs : c->segments) {
      next_del_gen = std::max(next_del_gen, cs.del_gen + 1);
    }
    for (const CommitSegment& cs : c->segments) {
      SegState s;
      s.cs = cs;
      auto r = SegmentReader::Open(dir.get(), cs.meta, schema);
      if (!r.ok()) return index::InCommit(*c, r.status());
      s.reader = *r;
      if (cs.del_gen > 0) {
        auto d = DeleteSet::Load(dir.get(), cs.meta, cs.del_gen, cs.del_count);
        if (!d.ok()) return index::InCommit(*c, d.status());
        s.deletes = *d;
      }
      segs.push_back(std::move(s));
    }
    committed_segs = segs;
    mem = std::make_unique<index::MemoryIndex>(schema);
    auto a = index::DocumentAnalyzer::Create(schema);
    if (!a.ok()) return a.status();
    analyzers.push_back(std::move(a).value());
    DeleteUnusedFiles();
    return Status::OK();
  }

  // Removes files that neither the last commit nor the current state uses.
  void DeleteUnusedFiles() {
    auto names = dir->List();
    if (!names.ok()) return;
    std::set<std::string> keep;
    for (std::string& f : index::CommitFiles(last_commit)) keep.insert(std::move(f));
    for (const SegState& s : segs) {
      for (std::string& f : index::SegmentFiles(s.cs.meta.number)) keep.insert(std::move(f));
      if (s.cs.del_gen > 0) keep.insert(index::DeletesFile(s.cs.meta.number, s.cs.del_gen));
    }
    for (const std::string& name : *names) {
      if (IsIndexFile(name) && keep.count(name) == 0) {
        dir->Remove(name).IgnoreError();
      }
    }
  }

  // Is there a live document with this id?
  Result<bool> Exists(std::string_view id) {
    if (mem->Find(id) >= 0) return true;
    if (segs.empty()) return false;
    const std::string key = index::IdKey(id);
    for (const SegState& s : segs) {
      auto t = s.reader->Find(key);
      if (!t.ok()) return t.status();
      if (!*t) continue;
      auto p = s.reader->Postings(key, **t);
      for (std::uint32_t d = p.Next(); d != index::kNoMoreDocs; d = p.Next()) {
        if (!s.IsDeleted(d)) return true;
      }
      QUARRY_RETURN_IF_ERROR(p.status());
    }
    return false;
  }

  // Deletes every live document with this id; returns whether any was.
  Result<bool> DeleteId(std::string_view id) {
    bool found = false;
    const std::int64_t m = mem->Find(id);
    if (m >= 0) {
      mem->Delete(static_cast<std::uint32_t>(m));
      found = true;
    }
    if (segs.empty()) return found;  // a fresh index: nothing on disk to look in
    const std::string key = index::IdKey(id);
    for (SegState& s : segs) {
      auto t = s.reader->Find(key);
      if (!t.ok()) return t.status();
      if (!*t) continue;
      auto p = s.reader->Postings(key, **t);
      for (std::uint32_t d = p.Next(); d != index::kNoMoreDocs; d = p.Next()) {
        if (s.IsDeleted(d)) continue;
        if (!s.pending) {
          s.pending = s.deletes ? std::make_shared<DeleteSet>(*s.deletes)
                                : std::make_shared<DeleteSet>(s.cs.meta.max_doc);
        }
        s.pending->Delete(d);
        found = true;
      }
      QUARRY_RETURN_IF_ERROR(p.status());
    }
    return found;
  }

  Status MaybeFlush() {
    if (mem->memory_bytes() >= options.ram_budget_bytes) return Flush();
    return Status::OK();
  }

  Status Flush() {
    if (mem->num_docs() == 0) return Status::OK();
    if (mem->live_docs() == 0) {
      mem = std::make_unique<index::MemoryIndex>(schema);
      return Status::OK();
    }
    const std::uint64_t number = next_segment++;
    auto meta = mem->Flush(dir.get(), number, options.stored_compression_level);
    if (!meta.ok()) return meta.status();
    auto r = SegmentReader::Open(dir.get(), *meta, schema);
    if (!r.ok()) return r.status();
    SegState s;
    s.cs.meta = *meta;
    s.reader = *r;
    segs.push_back(std::move(s));
    mem = std::make_unique<index::MemoryIndex>(schema);
    return Status::OK();
  }

  // Merges segs[indices] into one new segment, replacing them.
  Status Merge(std::vector<std::size_t> indices) {
    std::sort(indices.begin(), indices.end());
    std::vector<index::MergeInput> inputs;
    for (std::size_t i : indices) {
      inputs.push_back({segs[i].reader, segs[i].current_deletes()});
    }
    const std::uint64_t number = next_segment++;
    auto meta = index::MergeSegments(dir.get(), number, schema.get(), inputs,
                                     options.stored_compression_level);
    if (!meta.ok()) return meta.status();
    SegState merged;
    merged.cs.meta = *meta;
    if (meta->max_doc > 0) {
      auto r = SegmentReader::Open(dir.get(), *meta, schema);
      if (!r.ok()) return r.status();
      merged.reader = *r;
    }
    std::vector<SegState> next;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      if (i == indices.front() && merged.reader) next.push_back(merged);
      if (!std::binary_search(indices.begin(), indices.end(), i)) {
        next.push_back(std::move(segs[i]));
      }
    }
    segs = std::move(next);
    if (!merged.reader) {
      for (const std::string& f : index::SegmentFiles(number)) {
        dir->Remove(f).IgnoreError();
      }
    }
    return Status::OK();
  }

  // Tiered merging: segments whose live sizes are within a factor of
  // merge_factor form a tier; a tier of merge_factor segments is merged.
  Status MaybeMerge() {
    const unsigned factor = std::max(2u, options.merge_factor);
    for (;;) {
      std::vector<std::pair<int, std::size_t>> tiers;  // tier, index
      for (std::size_t i = 0; i < segs.size(); ++i) {
        const double live = std::max<std::uint32_t>(segs[i].live(), 1);
        tiers.emplace_back(static_cast<int>(std::log(live) / std::log(factor)), i);
      }
      std::sort(tiers.begin(), tiers.end());
      bool merged = false;
      for (std::size_t a = 0; a < tiers.size() && !merged;) {
        std::size_t b = a;
        while (b < tiers.size() && tiers[b].first == tiers[a].first) ++b;
        if (b - a >= factor) {
          std::vector<std::size_t> pick;
          for (std::size_t k = a; k < a + factor; ++k) pick.push_back(tiers[k].second);
          QUARRY_RETURN_IF_ERROR(Merge(pick));
          merged = true;
        }
        a = b;
      }
      if (!merged) return Status::OK();
    }
  }

  Status Commit() {
    QUARRY_RETURN_IF_ERROR(Flush());
    QUARRY_RETURN_IF_ERROR(MaybeMerge());
    return WriteCommitNow();
  }

  Status WriteCommitNow() {
    index::Commit c;
    c.generation = next_generation++;
    c.schema = last_commit.schema;
    std::vector<std::shared_ptr<DeleteSet>> written(segs.size());
    std::vector<CommitSegment> entries;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      SegState& s = segs[i];
      CommitSegment cs = s.cs;
      if (s.pending) {
        if (s.pending->count() == s.cs.meta.max_doc) continue;  // all deleted
        cs.del_gen = next_del_gen++;
        cs.del_count = s.pending->count();
        QUARRY_RETURN_IF_ERROR(s.pending->Write(dir.get(), cs.meta, cs.del_gen));
      } else if (s.live() == 0) {
        continue;
      }
      entries.push_back(cs);
    }
    c.segments = entries;
    c.next_segment = next_segment;
    QUARRY_RETURN_IF_ERROR(index::WriteCommit(dir.get(), c));
    // Success: the new state is the committed state.
    std::vector<SegState> kept;
    std::size_t e = 0;
    for (SegState& s : segs) {
      if (e < entries.size() && entries[e].meta.number == s.cs.meta.number) {
        s.cs = entries[e++];
        if (s.pending) {
          s.deletes = std::move(s.pending);
          s.pending.reset();
        }
        kept.push_back(std::move(s));
      }
    }
    segs = std::move(kept);
    committed_segs = segs;
    last_commit = std::move(c);
    DeleteUnusedFiles();
    return Status::OK();
  }

  Status Rollback() {
    segs = committed_segs;
    for (SegState& s : segs) s.pending.reset();
    mem = std::make_unique<index::MemoryIndex>(schema);
    DeleteUnusedFiles();
    return Status::OK();
  }

  Status AddAnalyzed(const index::AnalyzedDocument& doc, bool replace) {
    // Flush a full buffer before changing anything: if that fails, nothing of
    // this call is applied (a failed Update must not have deleted the old
    // version, a failed Add must not have added the document).
    QUARRY_RETURN_IF_ERROR(MaybeFlush());
    if (replace) {
      auto r = DeleteId(doc.id);
      if (!r.ok()) return r.status();
    } else {
      auto e = Exists(doc.id);
      if (!e.ok()) return e.status();
      if (*e) return Status::AlreadyExists("a document with id '" + doc.id + "' exists");
    }
    mem->Add(doc);
    return Status::OK();
  }
};

IndexWriter::IndexWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexWriter::~IndexWriter() {
  if (impl_ && impl_->mem) impl_->Rollback().IgnoreError();
}

namespace internal {

Result<std::unique_ptr<IndexWriter>> IndexAccess::OpenWriter(
    std::shared_ptr<store::Directory> dir, IndexWriterOptions options) {
  if (options.ram_budget_bytes < (64u << 10)) {
    return Status::InvalidArgument("ram_budget_bytes must be at least 64 KiB");
  }
  if (options.stored_compression_level < 1 || options.stored_compression_level > 19) {
    return Status::InvalidArgument("stored_compression_level must be in [1, 19]");
  }
  auto impl = std::make_unique<IndexWriter::Impl>();
  impl->dir = std::move(dir);
  auto lock = impl->dir->Lock(std::string(index::kLockFile));
  if (!lock.ok()) return lock.status();
  impl->lock = std::move(lock).value();
  impl->options = std::move(options);
  QUARRY_RETURN_IF_ERROR(impl->Init());
  return std::unique_ptr<IndexWriter>(new IndexWriter(std::move(impl)));
}

}  // namespace internal

Result<std::unique_ptr<IndexWriter>> IndexWriter::Open(const std::string& path,
                                                       IndexWriterOptions options) {
  auto dir = store::OpenFsDirectory(path, options.create_if_missing);
  if (!dir.ok()) return dir.status();
  return internal::IndexAccess::OpenWriter(std::move(dir).value(), std::move(options));
}

Status IndexWriter::Add(const Document& doc) {
  QUARRY_RETURN_IF_ERROR(impl_->analyzers[0].Analyze(doc, &impl_->scratch));
  return impl_->AddAnalyzed(impl_->scratch, false);
}

Status IndexWriter::Update(const Document& doc) {
  QUARRY_RETURN_IF_ERROR(impl_->analyzers[0].Analyze(doc, &impl_->scratch));
  return impl_->AddAnalyzed(impl_->scratch, true);
}

Status IndexWriter::Delete(std::string_view id) {
  auto r = impl_->DeleteId(id);
  if (!r.ok()) return r.status();
  if (!*r) return Status::NotFound("no document with id '" + std::string(id) + "'");
  return Status::OK();
}

Status IndexWriter::UpdateBatch(std::span<const Document> docs) {
  Impl& m = *impl_;
  unsigned threads = m.options.analysis_threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<std::size_t>(threads, docs.size()));
  if (threads <= 1) {
    for (const Document& d : docs) QUARRY_RETURN_IF_ERROR(Update(d));
    return Status::OK();
  }
  while (m.analyzers.size() < threads) {
    auto a = index::DocumentAnalyzer::Create(m.schema);
    if (!a.ok()) return a.status();
    m.analyzers.push_back(std::move(a).value());
  }
  // A pipeline: this thread applies the analyzed documents in input order
  // while threads - 1 workers analyze ahead of it. Work goes in chunks of
  // kChunk documents (one synchronization per chunk, not per document),
  // claimed in input order from a shared counter and analyzed into a window
  // of kWindow chunk slots ahead of the next chunk to apply (memory stays
  // bounded). When the next chunk is not claimed yet (analysis is the
  // bottleneck), this thread analyzes it itself. So at most `threads`
  // threads run, and analysis and inversion overlap.
  constexpr std::size_t kChunk = 16;
  constexpr std::size_t kWindow = 8;
  const std::size_t n = docs.size();
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
  const std::size_t slots = std::min(kWindow, chunks);
  std::vector<index::AnalyzedDocument> analyzed(slots * kChunk);
  std::vector<Status> results(slots * kChunk);
  std::vector<char> ready(slots, 0);
  std::mutex mu;
  std::condition_variable ready_cv, space_cv;
  std::size_t applied = 0;  // chunks this thread has taken
  bool stop = false;
  std::atomic<std::size_t> next{0};
  // Analyzes chunk c into its slot.
  auto analyze = [&](index::DocumentAnalyzer& a, std::size_t c) {
    const std::size_t base = (c % slots) * kChunk;
    for (std::size_t i = c * kChunk, k = 0; i < n && k < kChunk; ++i, ++k) {
      results[base + k] = a.Analyze(docs[i], &analyzed[base + k]);
    }
  };
  auto work = [&](unsigned t) {
    for (;;) {
      const std::size_t c = next.fetch_add(1);
      if (c >= chunks) return;
      {
        std::unique_lock<std::mutex> l(mu);
        space_cv.wait(l, [&] { return stop || c < applied + slots; });
        if (stop) return;
      }
      analyze(m.analyzers[t], c);
      {
        std::lock_guard<std::mutex> l(mu);
        ready[c % slots] = 1;
      }
      ready_cv.notify_one();
    }
  };
  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work, t);
  Status status;
  for (std::size_t c = 0; c < chunks && status.ok(); ++c) {
    const std::size_t slot = c % slots;
    bool mine = false;
    {
      std::unique_lock<std::mutex> l(mu);
      for (;;) {
        if (ready[slot] != 0) break;
        std::size_t unclaimed = c;
        if (next.compare_exchange_strong(unclaimed, c + 1)) {
          mine = true;
          break;
        }
        ready_cv.wait(l);
      }
    }
    if (mine) analyze(m.analyzers[0], c);
    for (std::size_t i = c * kChunk, k = slot * kChunk; i < n && i < (c + 1) * kChunk;
         ++i, ++k) {
      status = std::move(results[k]);
      if (status.ok()) status = m.AddAnalyzed(analyzed[k], true);
      if (!status.ok()) break;
    }
    {
      std::lock_guard<std::mutex> l(mu);
      ready[slot] = 0;
      ++applied;
      if (!status.ok()) stop = true;
    }
    space_cv.notify_all();
  }
  {
    // Workers that claimed chunks past a failure stop waiting.
    std::lock_guard<std::mutex> l(mu);
    stop = true;
  }
  space_cv.notify_all();
  for (std::thread& th : pool) th.join();
  return status;
}

Status IndexWriter::Commit() { return impl_->Commit(); }
Status IndexWriter::Rollback() { return impl_->Rollback(); }

Status IndexWriter::ForceMerge(std::size_t max_segments) {
  Impl& m = *impl_;
  if (max_segments == 0) return Status::InvalidArgument("max_segments must be >= 1");
  QUARRY_RETURN_IF_ERROR(m.Flush());
  bool has_deletes = false;
  for (const SegState& s : m.segs) has_deletes |= s.live() != s.cs.meta.max_doc;
  if (m.segs.size() > max_segments || (max_segments == 1 && has_deletes && !m.segs.empty())) {
    // Merge the smallest segments so that max_segments remain.
    std::vector<std::pair<std::uint32_t, std::size_t>> by_size;
    for (std::size_t i = 0; i < m.segs.size(); ++i) by_size.emplace_back(m.segs[i].live(), i);
    std::sort(by_size.begin(), by_size.end());
    const std::size_t k = m.segs.size() - max_segments + 1;
    std::vector<std::size_t> pick;
    for (std::size_t i = 0; i < k; ++i) pick.push_back(by_size[i].second);
    QUARRY_RETURN_IF_ERROR(m.Merge(pick));
  }
  return m.WriteCommitNow();
}

std::size_t IndexWriter::buffered_documents() const { return impl_->mem->live_docs(); }
std::size_t IndexWriter::buffered_bytes() const { return impl_->mem->memory_bytes(); }
const Schema& IndexWriter::schema() const { return *impl_->schema; }

IndexStats IndexWriter::Stats() const {
  IndexStats st;
  st.generation = impl_->last_commit.generation;
  for (const SegState& s : impl_->committed_segs) {
    st.documents += s.cs.meta.max_doc - s.cs.del_count;
    st.deleted += s.cs.del_count;
    ++st.segments;
    st.terms += s.reader->num_terms();
    for (const auto& f : s.reader->files()) st.bytes_on_disk += f->bytes().size();
  }
  return st;
}

}  // namespace quarry
