// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include <set>

#include "index/index_internal.h"
#include "quarry/index.h"

namespace quarry {

using index::DeleteSet;
using index::SegmentReader;
using internal::ReaderSegment;

class IndexReader::Impl {
 public:
  std::shared_ptr<store::Directory> dir;
  std::shared_ptr<const Schema> schema;
  index::Commit commit;
  std::vector<ReaderSegment> segs;

  // Opens the newest commit, reusing segments of `previous` where unchanged.
  // A writer may delete files between our listing and our opening them; then
  // we start over with the newer commit.
  static Result<std::unique_ptr<Impl>> Load(std::shared_ptr<store::Directory> dir,
                                            const Impl* previous) {
    Status last;
    for (int attempt = 0; attempt < 20; ++attempt) {
      auto c = index::ReadNewestCommit(dir.get());
      if (!c.ok()) {
        if (c.status().code() == StatusCode::kNotFound && attempt + 1 < 20 &&
            c.status().message().find("no commit file") == std::string::npos) {
          continue;
        }
        return c.status();
      }
      auto impl = std::make_unique<Impl>();
      impl->dir = dir;
      impl->commit = *c;
      if (previous && previous->commit.schema == c->schema) {
        impl->schema = previous->schema;
      } else {
        auto s = Schema::Parse(c->schema);
        if (!s.ok()) return s.status();
        impl->schema = std::make_shared<const Schema>(std::move(s).value());
      }
      Status st = impl->OpenSegments(previous);
      if (st.ok()) return impl;
      if (st.code() != StatusCode::kNotFound) return st;
      last = st;  // a file vanished: a newer commit replaced this one
    }
    return last;
  }

  Status OpenSegments(const Impl* previous) {
    for (const index::CommitSegment& cs : commit.segments) {
      ReaderSegment rs;
      rs.meta = cs;
      const ReaderSegment* old = nullptr;
      if (previous) {
        for (const ReaderSegment& p : previous->segs) {
          if (p.meta.meta.number == cs.meta.number && p.meta.meta.id == cs.meta.id) {
            old = &p;
          }
        }
      }
      if (old) {
        rs.reader = old->reader;
      } else {
        auto r = SegmentReader::Open(dir.get(), cs.meta, schema);
        if (!r.ok()) return index::InCommit(commit, r.status());
        rs.reader = *r;
      }
      if (cs.del_gen > 0) {
        if (old && old->meta.del_gen == cs.del_gen) {
          rs.deletes = old->deletes;
        } else {
          auto d = DeleteSet::Load(dir.get(), cs.meta, cs.del_gen, cs.del_count);
          if (!d.ok()) return index::InCommit(commit, d.status());
          rs.deletes = *d;
        }
      }
      segs.push_back(std::move(rs));
    }
    return Status::OK();
  }
};

IndexReader::IndexReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
IndexReader::~IndexReader() = default;

namespace internal {

Result<std::shared_ptr<const IndexReader>> IndexAccess::OpenReader(
    std::shared_ptr<store::Directory> dir) {
  auto impl = IndexReader::Impl::Load(std::move(dir), nullptr);
  if (!impl.ok()) return impl.status();
  return std::shared_ptr<const IndexReader>(new IndexReader(std::move(impl).value()));
}

const std::vector<ReaderSegment>& IndexAccess::Segments(const IndexReader& reader) {
  return reader.impl_->segs;
}

const index::Commit& IndexAccess::GetCommit(const IndexReader& reader) {
  return reader.impl_->commit;
}

}  // namespace internal

Result<std::shared_ptr<const IndexReader>> IndexReader::Open(const std::string& path) {
  auto dir = store::OpenFsDirectory(path, false);
  if (!dir.ok()) return dir.status();
  return internal::IndexAccess::OpenReader(std::move(dir).value());
}

Result<std::shared_ptr<const IndexReader>> IndexReader::Reopen() const {
  auto gens = index::ListCommits(impl_->dir.get());
  if (gens.ok() && !gens->empty() && gens->front() == impl_->commit.generation) {
    return shared_from_this();
  }
  auto impl = Impl::Load(impl_->dir, impl_.get());
  if (!impl.ok()) return impl.status();
  if ((*impl)->commit.generation == impl_->commit.generation) return shared_from_this();
  return std::shared_ptr<const IndexReader>(new IndexReader(std::move(impl).value()));
}

Result<StoredDocument> IndexReader::Get(std::string_view id) const {
  const std::string key = index::IdKey(id);
  for (const ReaderSegment& s : impl_->segs) {
    auto t = s.reader->Find(key);
    if (!t.ok()) return t.status();
    if (!*t) continue;
    auto p = s.reader->Postings(key, **t);
    for (std::uint32_t d = p.Next(); d != index::kNoMoreDocs; d = p.Next()) {
      if (s.deletes && s.deletes->IsDeleted(d)) continue;
      return s.reader->Stored(d);
    }
    QUARRY_RETURN_IF_ERROR(p.status());
  }
  return Status::NotFound("no document with id '" + std::string(id) + "'");
}

IndexStats IndexReader::Stats() const {
  IndexStats st;
  st.generation = impl_->commit.generation;
  const auto& fields = impl_->schema->fields();
  for (const FieldSpec& f : fields) st.fields.push_back({f.name, 0, 0});
  for (const ReaderSegment& s : impl_->segs) {
    st.documents += s.meta.meta.max_doc - s.meta.del_count;
    st.deleted += s.meta.del_count;
    ++st.segments;
    st.terms += s.reader->num_terms();
    for (const auto& f : s.reader->files()) st.bytes_on_disk += f->bytes().size();
    for (std::size_t i = 0; i < fields.size(); ++i) {
      st.fields[i].total_length += s.reader->field_stats(i).total_length;
      st.fields[i].documents += s.reader->field_stats(i).doc_count;
    }
  }
  return st;
}

const Schema& IndexReader::schema() const { return *impl_->schema; }
std::uint64_t IndexReader::generation() const { return impl_->commit.generation; }
std::uint64_t IndexReader::num_docs() const {
  std::uint64_t n = 0;
  for (const ReaderSegment& s : impl_->segs) n += s.meta.meta.max_doc - s.meta.del_count;
  return n;
}

}  // namespace quarry
