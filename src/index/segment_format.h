// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Shared definitions of the segment files (see segment_writer.cc for the
// layouts) used by the writer, the reader and the checker.
#ifndef QUARRY_SRC_INDEX_SEGMENT_FORMAT_H_
#define QUARRY_SRC_INDEX_SEGMENT_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "index/format.h"
#include "quarry/schema.h"

namespace quarry::index {

inline constexpr std::uint32_t kPostingBlock = 128;
inline constexpr std::uint32_t kTermsPerDictBlock = 32;
inline constexpr std::uint32_t kStoredChunkBytes = 16 * 1024;
inline constexpr std::uint32_t kStoredChunkDocs = 1024;
inline constexpr std::size_t kSkipEntrySize = 28;
inline constexpr std::uint32_t kNoMoreDocs = 0xFFFFFFFFu;
inline constexpr std::uint32_t kMaxDocsPerSegment = 0x7FFFFFF0u;
inline constexpr std::uint32_t kIdGroupDocs = 16;   // ids per id-table group
inline constexpr std::size_t kIdMaxBytes = 512;     // longest document id
inline constexpr std::size_t kStoredTrailerSize = 28;
inline constexpr std::uint32_t kValueGap = 100;  // positions between values
// Positions are below 2^31 so that (delta << 1 | flag) fits 32 bits.
inline constexpr std::uint32_t kMaxPosition = 0x7FFFFFFFu;

// The first byte of every term key says what the term belongs to.
//   0x00              the document id
//   1 + field         an exact term of text field `field` or a keyword value
//   (1 + field)|0x80  a stem of text field `field`
inline constexpr std::uint8_t kIdKeyByte = 0;
inline constexpr std::uint8_t kStemFlag = 0x80;
inline std::uint8_t FieldKeyByte(std::size_t field) {
  return static_cast<std::uint8_t>(field + 1);
}
std::string IdKey(std::string_view id);
std::string TermKey(std::size_t field, std::string_view term, bool stem = false);

// Does a term with this key have positions? (Exact text terms only.)
bool KeyHasPositions(const Schema& schema, std::string_view key);
// The text field whose norms apply to a key, or -1 (ids, keywords).
int KeyNormField(const Schema& schema, std::string_view key);

// One position of a term in a document. `length` > 1 for joined compounds.
struct PosEntry {
  std::uint32_t position;
  std::uint32_t length;
};

// Everything the dictionary says about a term.
struct TermInfo {
  std::uint32_t doc_freq = 0;
  std::uint64_t total_freq = 0;
  std::uint64_t doc_offset = 0;   // in .doc
  std::uint64_t doc_length = 0;   // bytes of blocks + tail (skip table after)
  std::uint64_t pos_offset = 0;   // in .pos
  std::uint32_t max_freq = 0;     // best (freq, norm) pair bound of the term
  std::uint32_t min_norm = 0;
  // Some position entry of the term is longer than one position (a joined
  // form): phrase bounds use only the words up to the first such term.
  bool long_tokens = false;
};

// Per-field statistics of a segment (for BM25).
struct FieldStats {
  std::uint64_t total_length = 0;  // sum of field lengths
  std::uint32_t doc_count = 0;     // documents with the field
};

// Identity and sizes of a segment, as the commit manifest records it.
struct SegmentMeta {
  std::uint64_t number = 0;
  SegmentId id{};
  std::uint32_t max_doc = 0;
};

inline constexpr std::string_view kExtInfo = "si";
inline constexpr std::string_view kExtTerms = "tim";
inline constexpr std::string_view kExtPostings = "doc";
inline constexpr std::string_view kExtPositions = "pos";
inline constexpr std::string_view kExtNorms = "nrm";
inline constexpr std::string_view kExtStored = "fdt";
std::vector<std::string> SegmentFiles(std::uint64_t number);

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_SEGMENT_FORMAT_H_
