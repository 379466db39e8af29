// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "index/memory_index.h"

#include <algorithm>
#include <cstring>

#include "index/segment_writer.h"
#include "util/coding.h"

namespace quarry::index {
namespace {

constexpr std::size_t kMaxIdBytes = 512;
constexpr std::size_t kMaxKeywordBytes = 512;
constexpr std::size_t kArenaChunk = 256 << 10;

class OccurrenceSink : public TokenSink {
 public:
  OccurrenceSink(AnalyzedDocument* out, std::size_t field)
      : out_(out), field_(field) {}
  void OnToken(const TokenView& t) override {
    const bool stem = t.kind == TokenKind::kStem;
    const auto off = static_cast<std::uint32_t>(out_->keys.size());
    out_->keys.push_back(static_cast<char>(FieldKeyByte(field_) | (stem ? kStemFlag : 0)));
    out_->keys.append(t.term);
    out_->occurrences.push_back(
        {off, static_cast<std::uint32_t>(out_->keys.size() - off), t.position,
         stem ? 0u : t.position_length});
    end_ = std::max(end_, t.position + t.position_length);
  }
  std::uint32_t end() const { return end_; }

 private:
  AnalyzedDocument* out_;
  std::size_t field_;
  std::uint32_t end_ = 0;
};

}  // namespace

Result<DocumentAnalyzer> DocumentAnalyzer::Create(
    std::shared_ptr<const Schema> schema) {
  DocumentAnalyzer d;
  d.schema_ = std::move(schema);
  for (const FieldSpec& f : d.schema_->fields()) {
    if (f.kind == FieldKind::kText) {
      auto a = Analyzer::Create(f.analyzer);
      if (!a.ok()) return a.status();
      d.analyzers_.push_back(std::make_unique<Analyzer>(std::move(a).value()));
    } else {
      d.analyzers_.push_back(nullptr);
    }
  }
  return d;
}

Status DocumentAnalyzer::Analyze(const Document& doc, AnalyzedDocument* out) {
  if (doc.id.empty() || doc.id.size() > kMaxIdBytes) {
    return Status::InvalidArgument("document id must be 1-512 bytes, got " +
                                   std::to_string(doc.id.size()));
  }
  const auto& fields = schema_->fields();
  out->id = doc.id;
  out->stored.clear();
  out->keys.clear();
  out->occurrences.clear();
  out->lengths.assign(fields.size(), 0);
  AppendStoredField(&out->stored, 0, doc.id);
  out->keys = IdKey(doc.id);
  out->occurrences.push_back({0, static_cast<std::uint32_t>(out->keys.size()), 0, 0});
  std::vector<std::uint32_t> next_pos(fields.size(), 0);
  for (const auto& [name, value] : doc.fields) {
    const auto f = schema_->Find(name);
    if (!f) {
      return Status::InvalidArgument("document '" + doc.id + "': unknown field '" +
                                     name + "'");
    }
    const FieldSpec& spec = fields[*f];
    if (spec.stored || spec.kind == FieldKind::kStored) {
      AppendStoredField(&out->stored, static_cast<std::uint32_t>(*f + 1), value);
    }
    if (spec.kind == FieldKind::kText) {
      OccurrenceSink sink(out, *f);
      const std::uint32_t base = next_pos[*f];
      QUARRY_RETURN_IF_ERROR(analyzers_[*f]->Analyze(value, sink, base));
      if (sink.end() > base) {
        out->lengths[*f] += sink.end() - base;
        if (sink.end() > kMaxPosition - 2 * kValueGap) {
          return Status::InvalidArgument("document '" + doc.id + "': field '" +
                                         name + "' has too many positions");
        }
        next_pos[*f] = sink.end() + kValueGap;
      }
    } else if (spec.kind == FieldKind::kKeyword) {
      if (value.empty() || value.size() > kMaxKeywordBytes) {
        return Status::InvalidArgument("document '" + doc.id + "': keyword field '" +
                                       name + "' values must be 1-512 bytes");
      }
      const auto off = static_cast<std::uint32_t>(out->keys.size());
      out->keys += TermKey(*f, value);
      out->occurrences.push_back(
          {off, static_cast<std::uint32_t>(out->keys.size() - off), 0, 0});
    }
  }
  return Status::OK();
}

MemoryIndex::MemoryIndex(std::shared_ptr<const Schema> schema)
    : schema_(std::move(schema)), lengths_(schema_->fields().size()) {}

std::string_view MemoryIndex::Copy(std::string_view bytes) {
  if (bytes.size() > arena_left_) {
    const std::size_t n = std::max(kArenaChunk, bytes.size());
    arena_.push_back(std::make_unique<char[]>(n));
    arena_next_ = arena_.back().get();
    arena_left_ = n;
    memory_ += n;
  }
  std::memcpy(arena_next_, bytes.data(), bytes.size());
  std::string_view v(arena_next_, bytes.size());
  arena_next_ += bytes.size();
  arena_left_ -= bytes.size();
  return v;
}

std::uint32_t MemoryIndex::Intern(std::string_view key) {
  auto it = term_ids_.find(key);
  if (it != term_ids_.end()) return it->second;
  const auto id = static_cast<std::uint32_t>(terms_.size());
  Term t;
  t.key = Copy(key);
  terms_.push_back(std::move(t));
  term_ids_.emplace(terms_.back().key, id);
  memory_ += sizeof(Term) + 48;  // the term and its hash node
  return id;
}

std::int64_t MemoryIndex::Find(std::string_view id) const {
  auto it = id_to_doc_.find(id);
  return it == id_to_doc_.end() ? -1 : static_cast<std::int64_t>(it->second);
}

void MemoryIndex::Delete(std::uint32_t doc) {
  deleted_[doc] = true;
  auto it = id_to_doc_.find(ids_[doc]);
  if (it != id_to_doc_.end() && it->second == doc) id_to_doc_.erase(it);
}

std::uint32_t MemoryIndex::live_docs() const {
  return static_cast<std::uint32_t>(
      std::count(deleted_.begin(), deleted_.end(), false));
}

std::uint32_t MemoryIndex::Add(const AnalyzedDocument& doc) {
  const auto n = static_cast<std::uint32_t>(ids_.size());
  const std::string_view id = Copy(doc.id);
  ids_.push_back(id);
  id_to_doc_[id] = n;
  deleted_.push_back(false);
  stored_.push_back(doc.stored);
  // The copy's capacity, not the (reused, oversized) source's.
  memory_ += stored_.back().capacity() + sizeof(std::string) + 64;
  for (std::size_t f = 0; f < lengths_.size(); ++f) {
    if (schema_->fields()[f].kind == FieldKind::kText) {
      lengths_[f].push_back(doc.lengths[f]);
      memory_ += 4;
    }
  }
  // Sort occurrences by term, keeping position order within a term.
  order_.clear();
  for (std::size_t i = 0; i < doc.occurrences.size(); ++i) {
    const auto& o = doc.occurrences[i];
    const std::uint32_t term =
        Intern(std::string_view(doc.keys).substr(o.key_offset, o.key_length));
    order_.push_back((std::uint64_t{term} << 32) | i);
  }
  std::sort(order_.begin(), order_.end());
  for (std::size_t i = 0; i < order_.size();) {
    const auto term = static_cast<std::uint32_t>(order_[i] >> 32);
    std::size_t j = i;
    while (j < order_.size() && (order_[j] >> 32) == term) ++j;
    Term& t = terms_[term];
    const std::size_t before = t.postings.capacity();
    PutVarint32(&t.postings, t.df == 0 ? n + 1 : n - t.last_doc);
    PutVarint32(&t.postings, static_cast<std::uint32_t>(j - i));
    if (doc.occurrences[order_[i] & 0xFFFFFFFFu].length > 0) {
      std::uint32_t prev = 0;
      for (std::size_t k = i; k < j; ++k) {
        const auto& o = doc.occurrences[order_[k] & 0xFFFFFFFFu];
        PutVarint32(&t.postings, ((o.position - prev) << 1) | (o.length > 1 ? 1u : 0u));
        if (o.length > 1) PutVarint32(&t.postings, o.length);
        prev = o.position;
      }
    }
    t.last_doc = n;
    ++t.df;
    memory_ += t.postings.capacity() - before;
    i = j;
  }
  return n;
}

Result<SegmentMeta> MemoryIndex::Flush(store::Directory* dir, std::uint64_t number,
                                       int compression_level) const {
  const std::uint32_t total = num_docs();
  std::vector<std::uint32_t> remap(total, kNoMoreDocs);
  std::uint32_t live = 0;
  for (std::uint32_t d = 0; d < total; ++d) {
    if (!deleted_[d]) remap[d] = live++;
  }
  auto writer = SegmentWriter::Create(dir, number, schema_.get(), live, compression_level);
  if (!writer.ok()) return writer.status();
  SegmentWriter& w = **writer;

  std::vector<std::uint32_t> sorted(terms_.size());
  for (std::uint32_t i = 0; i < sorted.size(); ++i) sorted[i] = i;
  std::sort(sorted.begin(), sorted.end(), [&](std::uint32_t a, std::uint32_t b) {
    return terms_[a].key < terms_[b].key;
  });
  std::vector<PosEntry> positions;
  for (std::uint32_t id : sorted) {
    const Term& t = terms_[id];
    const bool has_pos = KeyHasPositions(*schema_, t.key);
    const int norm_field = KeyNormField(*schema_, t.key);
    Reader r(t.postings);
    std::uint32_t doc = 0;
    bool started = false;
    for (std::uint32_t k = 0; k < t.df; ++k) {
      std::uint32_t gap, freq;
      if (!r.ReadVarint32(&gap) || !r.ReadVarint32(&freq)) {
        return Status::Internal("memory index: bad postings buffer");
      }
      doc = (k == 0) ? gap - 1 : doc + gap;
      positions.clear();
      if (has_pos) {
        std::uint32_t p = 0;
        for (std::uint32_t i = 0; i < freq; ++i) {
          std::uint32_t v, len = 1;
          if (!r.ReadVarint32(&v) || ((v & 1) && !r.ReadVarint32(&len))) {
            return Status::Internal("memory index: bad positions buffer");
          }
          p += v >> 1;
          positions.push_back({p, len});
        }
      }
      if (deleted_[doc]) continue;
      if (!started) {
        QUARRY_RETURN_IF_ERROR(w.StartTerm(t.key));
        started = true;
      }
      const std::uint32_t norm =
          norm_field >= 0 ? lengths_[static_cast<std::size_t>(norm_field)][doc] : 0;
      QUARRY_RETURN_IF_ERROR(w.AddPosting(remap[doc], freq, positions.data(), norm));
    }
    if (started) QUARRY_RETURN_IF_ERROR(w.FinishTerm());
  }
  std::vector<std::uint32_t> lengths;
  for (std::size_t f = 0; f < lengths_.size(); ++f) {
    if (schema_->fields()[f].kind != FieldKind::kText) continue;
    lengths.clear();
    for (std::uint32_t d = 0; d < total; ++d) {
      if (!deleted_[d]) lengths.push_back(lengths_[f][d]);
    }
    QUARRY_RETURN_IF_ERROR(w.AddNorms(f, lengths));
  }
  for (std::uint32_t d = 0; d < total; ++d) {
    if (!deleted_[d]) QUARRY_RETURN_IF_ERROR(w.AddStored(stored_[d]));
  }
  return w.Finish();
}

}  // namespace quarry::index
