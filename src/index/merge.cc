// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Merging: a k-way merge of the inputs' term dictionaries; postings are
// concatenated in input order with document numbers remapped past deleted
// documents. Norms and stored fields are copied for live documents.
#include "index/merge.h"

#include <queue>

#include "index/segment_writer.h"

namespace quarry::index {

Result<SegmentMeta> MergeSegments(store::Directory* dir, std::uint64_t number,
                                  const Schema* schema,
                                  const std::vector<MergeInput>& inputs,
                                  int compression_level) {
  // Verify first.
  for (const MergeInput& in : inputs) {
    for (const auto& f : in.reader->files()) {
      QUARRY_RETURN_IF_ERROR(VerifyChecksum(f->bytes(), f->name()));
    }
  }
  // Document maps.
  std::vector<std::vector<std::uint32_t>> remap(inputs.size());
  std::uint32_t total = 0;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const std::uint32_t n = inputs[i].reader->max_doc();
    remap[i].resize(n);
    for (std::uint32_t d = 0; d < n; ++d) {
      const bool dead = inputs[i].deletes && inputs[i].deletes->IsDeleted(d);
      remap[i][d] = dead ? kNoMoreDocs : total++;
    }
  }
  auto w = SegmentWriter::Create(dir, number, schema, total, compression_level);
  if (!w.ok()) return w.status();
  SegmentWriter& out = **w;

  // Terms.
  std::vector<SegmentReader::TermIterator> its;
  using Entry = std::pair<std::string, std::size_t>;  // key, input
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> heap;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    its.push_back(inputs[i].reader->Terms());
  }
  for (std::size_t i = 0; i < its.size(); ++i) {
    if (its[i].Next()) heap.emplace(std::string(its[i].key()), i);
    QUARRY_RETURN_IF_ERROR(its[i].status());
  }
  std::vector<PosEntry> positions;
  std::vector<std::size_t> same;
  while (!heap.empty()) {
    const std::string key = heap.top().first;
    same.clear();
    while (!heap.empty() && heap.top().first == key) {
      same.push_back(heap.top().second);
      heap.pop();
    }
    std::sort(same.begin(), same.end());
    const int norm_field = KeyNormField(*schema, key);
    bool started = false;
    for (std::size_t i : same) {
      const SegmentReader& seg = *inputs[i].reader;
      PostingsIterator p = seg.Postings(key, its[i].info());
      for (std::uint32_t d = p.Next(); d != kNoMoreDocs; d = p.Next()) {
        if (remap[i][d] == kNoMoreDocs) continue;
        QUARRY_RETURN_IF_ERROR(p.Positions(&positions));
        if (!started) {
          QUARRY_RETURN_IF_ERROR(out.StartTerm(key));
          started = true;
        }
        const std::uint32_t norm =
            norm_field >= 0 ? seg.Norm(static_cast<std::size_t>(norm_field), d) : 0;
        QUARRY_RETURN_IF_ERROR(out.AddPosting(remap[i][d], p.freq(), positions.data(), norm));
      }
      QUARRY_RETURN_IF_ERROR(p.status());
    }
    if (started) QUARRY_RETURN_IF_ERROR(out.FinishTerm());
    for (std::size_t i : same) {
      if (its[i].Next()) heap.emplace(std::string(its[i].key()), i);
      QUARRY_RETURN_IF_ERROR(its[i].status());
    }
  }
  // Norms.
  std::vector<std::uint32_t> lengths;
  for (std::size_t f = 0; f < schema->fields().size(); ++f) {
    if (schema->fields()[f].kind != FieldKind::kText) continue;
    lengths.clear();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      for (std::uint32_t d = 0; d < inputs[i].reader->max_doc(); ++d) {
        if (remap[i][d] != kNoMoreDocs) lengths.push_back(inputs[i].reader->Norm(f, d));
      }
    }
    QUARRY_RETURN_IF_ERROR(out.AddNorms(f, lengths));
  }
  // Stored fields.
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    QUARRY_RETURN_IF_ERROR(inputs[i].reader->ForEachStored(
        [&](std::uint32_t d, std::string_view id, std::string_view bytes) -> Status {
          if (remap[i][d] == kNoMoreDocs) return Status::OK();
          return out.AddStored(id, bytes);
        }));
  }
  return out.Finish();
}

}  // namespace quarry::index
