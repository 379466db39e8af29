// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#ifndef QUARRY_SRC_INDEX_SEGMENT_WRITER_H_
#define QUARRY_SRC_INDEX_SEGMENT_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment_format.h"
#include "quarry/schema.h"
#include "quarry/status.h"
#include "store/directory.h"

namespace quarry::index {

// Streams one segment to its files. Terms arrive in strictly increasing key
// order, the postings of a term in increasing doc order, stored documents in
// doc order 0..max_doc-1. Finish() writes the segment info and fsyncs every
// file; until then nothing refers to the files, and Abandon() removes them.
// Not thread-safe.
class SegmentWriter {
 public:
  static Result<std::unique_ptr<SegmentWriter>> Create(
      store::Directory* dir, std::uint64_t number, const Schema* schema,
      std::uint32_t max_doc, int compression_level);
  ~SegmentWriter();

  Status StartTerm(std::string_view key);
  // `positions` has `freq` entries when the term has positions (exact text
  // terms), else it is ignored. `norm` is the doc's field length (for the
  // block-max bound), 0 when the term has no norms.
  Status AddPosting(std::uint32_t doc, std::uint32_t freq,
                    const PosEntry* positions, std::uint32_t norm);
  // The same with the positions already in the .pos encoding (`freq`
  // entries, exactly as AddPosting would write them; empty when the term has
  // no positions). They are checked, then copied verbatim.
  Status AddPostingEncoded(std::uint32_t doc, std::uint32_t freq,
                           std::string_view positions, std::uint32_t norm);
  Status FinishTerm();
  // A whole term as the writer's buffer (MemoryIndex) holds it, instead of
  // StartTerm, postings and FinishTerm: `stream` is `count` postings
  //   DocGap:varint Freq:varint Positions
  // in buffer document order (the first gap is the document + 1), where
  // Positions are the posting's `Freq` entries in the .pos encoding when the
  // key has positions and nothing otherwise (the stream does not delimit
  // them: they are checked as AddPostingEncoded checks them, and measured, as
  // they are copied). Buffer document d (< num_docs) is segment document
  // remap[d], or deleted and left out when that is kNoMoreDocs; its norm is
  // norms[d] (norms null: 0). A term without a live posting is not written.
  Status AddBufferedTerm(std::string_view key, std::string_view stream,
                         std::uint32_t count, const std::uint32_t* remap,
                         std::uint32_t num_docs, const std::uint32_t* norms);

  // Field lengths of every document for one text field (schema order).
  Status AddNorms(std::size_t field, const std::vector<std::uint32_t>& lengths);
  // The next document's id (1 to kIdMaxBytes bytes) and its stored fields
  // in the stored-document form (see below; empty when none are stored).
  Status AddStored(std::string_view id, std::string_view fields);

  Result<SegmentMeta> Finish();
  // Removes every file written so far (best effort).
  void Abandon();

  class Impl;

 private:
  explicit SegmentWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Stored-document form: (FieldNo:varint Value:lp)* to the end, where
// FieldNo 1 + i is schema field i (0 is not used: the id is kept apart).
void AppendStoredField(std::string* doc, std::uint32_t field_no,
                       std::string_view value);

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_SEGMENT_WRITER_H_
