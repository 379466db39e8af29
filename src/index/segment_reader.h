// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Reading a segment. Files are mapped once when the segment opens; framing
// and the small tables (dictionary block index, norms layout, stored-field
// chunk index) are validated then. Every later read is bounds-checked: bad
// bytes produce a Corruption status naming the file and offset, never a
// crash. Full checksums are verified by Check() and before merging.
#ifndef QUARRY_SRC_INDEX_SEGMENT_READER_H_
#define QUARRY_SRC_INDEX_SEGMENT_READER_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/segment_format.h"
#include "quarry/schema.h"
#include "quarry/status.h"
#include "store/directory.h"
#include "util/sorted_index.h"

namespace quarry::index {

class SegmentReader;

// Whether skipping position entries may use POPCNT and PDEP when the CPU
// has them (on by default). For tests, which compare the readers with it
// on and off; PositionSkipHardware() says whether that loop is in use.
void SetPositionSkipHardware(bool on);
bool PositionSkipHardware();
// Whether PostingsIterator::ScanCommon compares eight documents against
// eight with AVX2 when the CPU has it (on by default; else four against
// four with SSE2). For tests, like SetPositionSkipHardware.
void SetScanCommonAvx2(bool on);
bool ScanCommonAvx2();

// Iterates the postings of one term: doc ids in increasing order, their
// frequencies and (on request) positions. Not thread-safe; one per thread.
class PostingsIterator {
 public:
  PostingsIterator(const SegmentReader* segment, std::string_view key,
                   const TermInfo& info);

  // The current document: kNoMoreDocs before the first Next()/Advance(),
  // when exhausted, and on corruption.
  std::uint32_t doc() const { return doc_; }
  // Frequencies of a full block are unpacked on the first freq() or
  // Positions() of that block: leap-frogging and counting never need them.
  std::uint32_t freq() {
    if (!freqs_ready_) return FreqUnpacked();
    return idx_ < count_ ? freqs_[idx_] : 0;
  }
  std::uint32_t doc_freq() const { return info_.doc_freq; }
  // Moves to the next document. The step inside a decoded block is inline;
  // block changes and the first call take the out-of-line path.
  std::uint32_t Next() {
    if (started_ && doc_ != kNoMoreDocs && idx_ + 1 < count_) return doc_ = docs_[++idx_];
    return NextSlow();
  }
  // Moves to the first document >= target (stays if doc() >= target).
  // Targets inside the decoded block are found inline.
  std::uint32_t Advance(std::uint32_t target) {
    if (started_) {
      if (doc_ >= target) return doc_;  // also when exhausted
      if (docs_[count_ - 1] >= target) {
        // doc_ == docs_[idx_] < target <= the block's last document.
        std::uint32_t i = idx_ + 1;
        while (docs_[i] < target) ++i;
        idx_ = i;
        return doc_ = docs_[i];
      }
    }
    return AdvanceSlow(target);
  }
  // Moves to the next block and returns its documents; 0 at the end or on
  // corruption (see status()). *docs stays valid until the iterator moves.
  // Frequencies are not decoded. Only on an iterator not yet started or
  // moved by NextBlock alone.
  std::uint32_t NextBlock(const std::uint32_t** docs) {
    const std::uint32_t k = started_ ? block_ + 1 : 0;
    started_ = true;
    if (k >= num_blocks_ || !status_.ok() || !LoadBlock(k)) {
      doc_ = kNoMoreDocs;
      return 0;
    }
    idx_ = count_ - 1;
    doc_ = docs_[idx_];
    *docs = docs_;
    return count_;
  }
  // Intersects the decoded blocks of a and b from their current documents
  // on, without a branch on the data: writes each common document and its
  // index in either block to docs/ia/ib (room for 128) and returns how many.
  // Leaves both iterators where the scan stopped (one at its block's last
  // document) and sets *resume to the first document the scan did not
  // cover. Both must sit on a document (not exhausted).
  static std::uint32_t ScanCommon(PostingsIterator& a, PostingsIterator& b, std::uint32_t* docs,
                                  std::uint8_t* ia, std::uint8_t* ib, std::uint32_t* resume);
  // The decoded block with its frequencies (decoded now) and the index of
  // the current entry in it; only on an iterator sitting on a document.
  // The arrays stay valid until the iterator leaves the block.
  std::uint32_t Block(const std::uint32_t** docs, const std::uint32_t** freqs,
                      std::uint32_t* idx) {
    if (!freqs_ready_) DecodeFreqs();
    *docs = docs_;
    *freqs = freqs_;
    *idx = idx_;
    return count_;
  }
  // Moves to entry `idx` (< the block's count) of the decoded block: an
  // entry ScanCommon reported, served in increasing order.
  void MoveTo(std::uint32_t idx) {
    idx_ = idx;
    doc_ = docs_[idx];
  }
  // The positions of the current document (cleared first).
  Status Positions(std::vector<PosEntry>* out);
  // The positions alone, when no token of the current document is longer
  // than one position: *unit says so; when false, *out is unspecified and
  // Positions() still works for this document.
  Status UnitPositions(std::vector<std::uint32_t>* out, bool* unit);
  // The positions as a bitmap of [0, 256), when every token of the current
  // document is one position long and every position is below 256: *fits
  // says so; when false, the bits are unspecified and the other two calls
  // still work for this document.
  Status PositionBits(std::uint64_t bits[4], bool* fits);
  // Counting two-word phrases: whether some entry of `second` on its
  // current document sits exactly one position after an entry of `first`
  // (both on the same document). Reads the word with fewer entries on the
  // document into *scratch, and the other only up to the first entry that
  // continues one of them. *unit false: a token of either word on the
  // document is longer than one position (nothing decided; the other calls
  // still work for this document). False on corruption (see status() of
  // both).
  static bool AdjacentPair(PostingsIterator& first, PostingsIterator& second,
                           std::vector<std::uint32_t>* scratch, bool* found, bool* unit);
  // Corruption found while iterating, or OK.
  const Status& status() const { return status_; }

  // Block-max support. The block that holds the first document >= target
  // (without moving the iterator or decoding the block): its last document
  // and two (frequency, field length) pairs such that every posting (f, n)
  // of the block has f <= freq[i] and n >= norm[i] for some i; and the
  // coarse pair (max_freq, min_norm) covering both. Past the last block:
  // last_doc = kNoMoreDocs and all frequencies 0. Terms without a skip table
  // (fewer than 128 documents) form one block bounded by the dictionary's
  // pair. Targets must not decrease between calls.
  struct BlockBound {
    std::uint32_t last_doc;
    std::uint32_t max_freq;
    std::uint32_t min_norm;
    std::uint32_t freq[2];
    std::uint32_t norm[2];
  };
  BlockBound ShallowBound(std::uint32_t target);
  // The bound of the current block (after Next()/Advance() found a doc).
  BlockBound CurrentBound() const;
  const TermInfo& info() const { return info_; }

 private:
  bool LoadBlock(std::uint32_t k);
  // Unpacks a packed block (documents or frequencies) of the current
  // block: the first kCompactLoads blocks of the list with the one-loop
  // decoder, later ones with the unrolled decoder of their width (see
  // LoadBlock).
  void UnpackCurrent(const std::uint8_t* in, int bits, std::uint32_t* out) const;
  void DecodeFreqs();
  // freq() before the block's frequencies are unpacked: the first few of a
  // block are read alone (a conjunction scores a handful of documents per
  // block, or none), then the whole block is unpacked.
  std::uint32_t FreqUnpacked();
  void BuildCumulative();
  std::uint32_t NextSlow();
  std::uint32_t AdvanceSlow(std::uint32_t target);
  // Error paths: cold (kept out of the hot code), messages by view.
  [[gnu::cold]] std::uint32_t Fail(std::string_view what, std::uint64_t offset);
  // Where the current document's entries start; inline when no entry is to
  // be skipped (the cursor is at this document's start).
  bool SeekPositions(std::size_t* at) {
    if (freqs_ready_ && pos_cursor_idx_ == idx_) {
      *at = cur_pos_start_ = std::min(pos_cursor_, pos_bytes_.size());
      return true;
    }
    return SeekPositionsSlow(at);
  }
  bool SeekPositionsSlow(std::size_t* at);
  [[gnu::cold]] bool SkipFail(const char* what, std::size_t at);
  // Decodes the current document's n entries, which start at `at`, as
  // positions plus p into dst[0..n), leaving the cursor past them. On a
  // token longer than one position: *unit = false, the cursor back at the
  // document's start. False (status_ set) on bad bytes.
  bool DecodeUnitEntries(std::size_t at, std::uint32_t n, std::uint32_t p, std::uint32_t* dst,
                         bool* unit);
  [[gnu::cold]] Status PositionsFail(const char* what, std::size_t at);

  const SegmentReader* seg_;
  TermInfo info_;
  bool has_positions_;
  std::string_view doc_bytes_;   // the term's blocks + tail
  std::string_view skip_bytes_;  // the term's skip table (df >= 128)
  std::string_view pos_bytes_;   // from the term's first position on
  std::uint32_t num_blocks_;
  std::uint32_t block_ = UINT32_MAX;  // current block
  std::uint32_t shallow_ = 0;         // block of the last ShallowBound()
  std::uint32_t docs_[kPostingBlock];
  std::uint32_t freqs_[kPostingBlock];
  const std::uint8_t* freq_packed_ = nullptr;  // the block's packed frequencies
  int freq_bits_ = 0;
  bool freqs_ready_ = true;      // freqs_ holds the current block's
  std::uint8_t freq_reads_ = 0;  // frequencies read alone in this block
  // Packed blocks decoded so far, counted up to kCompactLoads + 1: the
  // first ones go through UnpackBlockCompact (see LoadBlock).
  std::uint8_t loads_ = 0;
  static constexpr std::uint8_t kCompactLoads = 2;
  // Entries of the block's documents before each one (see BuildCumulative).
  std::uint32_t cum_[kPostingBlock + 1];
  bool cum_ready_ = false;
  std::uint32_t count_ = 0;      // docs in the current block
  std::uint32_t idx_ = 0;        // index of the current doc in the block
  std::uint32_t doc_ = kNoMoreDocs;
  bool started_ = false;
  std::size_t pos_cursor_ = 0;   // byte offset in pos_bytes_
  std::uint32_t pos_cursor_idx_ = 0;  // block index whose positions start there
  std::size_t cur_pos_start_ = 0;     // where the current doc's positions start
  Status status_;
};

// An open segment. Immutable; safe to share between threads.
class SegmentReader {
 public:
  static Result<std::shared_ptr<const SegmentReader>> Open(
      store::Directory* dir, const SegmentMeta& meta,
      std::shared_ptr<const Schema> schema);

  const SegmentMeta& meta() const { return meta_; }
  std::uint32_t max_doc() const { return meta_.max_doc; }
  std::uint64_t num_terms() const { return num_terms_; }
  const FieldStats& field_stats(std::size_t field) const { return stats_[field]; }
  const Schema& schema() const { return *schema_; }

  // Looks a term up; nullopt if absent.
  Result<std::optional<TermInfo>> Find(std::string_view key) const;

  // All terms in key order (or from the first key >= `from`).
  class TermIterator {
   public:
    bool Next();  // false at the end or on corruption (see status())
    std::string_view key() const { return key_; }
    const TermInfo& info() const { return info_; }
    const Status& status() const { return status_; }

   private:
    friend class SegmentReader;
    const SegmentReader* seg_ = nullptr;
    std::uint32_t block_ = 0;
    std::size_t pos_ = 0;          // offset of the next entry in the file
    std::uint32_t left_ = 0;       // entries left in the current block
    std::string key_;
    TermInfo info_;
    Status status_;
    bool started_ = false;
    bool pending_first_ = false;  // Next() returns the current entry again
  };
  TermIterator Terms(std::string_view from = {}) const;

  PostingsIterator Postings(std::string_view key, const TermInfo& info) const {
    return PostingsIterator(this, key, info);
  }

  // Field length of `doc` in text field `field` (0 if the field is absent).
  // Inline: every scored posting asks for one.
  std::uint32_t Norm(std::size_t field, std::uint32_t doc) const {
    if (field >= norm_bits_.size() || doc >= meta_.max_doc) return 0;
    const int bits = norm_bits_[field];
    if (bits == 0) return 0;
    const std::uint64_t bit = static_cast<std::uint64_t>(doc) * static_cast<std::uint64_t>(bits);
    std::uint64_t word;
    std::memcpy(&word, norm_bytes_[field].data() + (bit >> 3), 8);  // 8 pad bytes
    word >>= (bit & 7);
    return static_cast<std::uint32_t>(word & ((std::uint64_t{1} << bits) - 1));
  }

  // The stored fields of `doc`, decoded.
  Result<StoredDocument> Stored(std::uint32_t doc) const;
  // The external id of `doc`, from the front-coded id table (no chunk is
  // decompressed; at most 63 earlier ids of its group are decoded).
  Result<std::string> Id(std::uint32_t doc) const;
  // Calls fn(doc, id, stored-document bytes) for every document in order,
  // decompressing each chunk once and decoding each id once (merging,
  // checking). The bytes hold the stored fields only, without the id.
  Status ForEachStored(
      const std::function<Status(std::uint32_t, std::string_view, std::string_view)>& fn)
      const;

  // The first document of every stored-fields chunk, in order (tests).
  const std::vector<std::uint32_t>& stored_chunk_first_docs() const {
    return chunk_first_doc_;
  }

  // Every file of the segment, mapped.
  const std::vector<std::shared_ptr<const store::FileData>>& files() const {
    return files_;
  }

  std::string_view doc_body() const { return doc_body_; }
  std::string_view pos_body() const { return pos_body_; }
  const std::string& doc_name() const { return files_[2]->name(); }
  const std::string& pos_name() const { return files_[3]->name(); }

 private:
  SegmentReader() = default;
  friend class PostingsIterator;
  Status Load(store::Directory* dir);
  // Whether a decoded dictionary entry's numbers are consistent with the
  // segment (DecodeEntry and Find).
  bool EntryValid(const TermInfo& info) const {
    return info.doc_freq > 0 && info.doc_freq <= meta_.max_doc &&
           info.total_freq >= info.doc_freq;
  }
  // Decodes the dictionary entry at *pos (after the block header).
  bool DecodeEntry(std::size_t* pos, std::string* key, TermInfo* info,
                   bool first) const;
  [[gnu::cold]] Status Corrupt(std::size_t file, std::string_view what,
                 std::uint64_t offset) const;

  SegmentMeta meta_;
  std::shared_ptr<const Schema> schema_;
  std::vector<std::shared_ptr<const store::FileData>> files_;  // si tim doc pos nrm fdt
  std::string_view tim_, doc_body_, pos_body_, fdt_;  // whole files / bodies
  std::uint64_t num_terms_ = 0;
  std::vector<FieldStats> stats_;
  // Dictionary block index.
  std::vector<std::string> block_keys_;
  // The first 8 bytes of each block key, big-endian, zero-padded: they rise
  // with the keys, so Find narrows its search with integer compares first.
  util::SortedU64Index block_prefixes_;
  std::vector<std::uint64_t> block_offsets_;
  std::uint64_t blocks_end_ = 0;
  // Norms per schema field: bits and packed bytes (empty when not text).
  std::vector<int> norm_bits_;
  std::vector<std::string_view> norm_bytes_;
  // Stored-field chunks.
  std::vector<std::uint32_t> chunk_first_doc_;
  std::vector<std::uint64_t> chunk_offset_;
  std::uint64_t chunks_end_ = 0;
  // The id table (see segment_writer.cc): front-coded groups, group bases.
  std::string_view id_bytes_;
  const char* id_group_bases_ = nullptr;
  // Decodes the id of `doc` into *id, the id of doc - 1 unless `doc` starts
  // a group; *pos is the offset in id_bytes_ (set at a group's start). False
  // on bad bytes.
  bool NextId(std::uint32_t doc, std::size_t* pos, std::string* id) const;
};

// A segment's deletions at one generation. Immutable; safe to share.
class DeleteSet {
 public:
  explicit DeleteSet(std::uint32_t max_doc)
      : max_doc_(max_doc), bits_((max_doc + 63) / 64, 0) {}
  static Result<std::shared_ptr<const DeleteSet>> Load(store::Directory* dir,
                                                       const SegmentMeta& meta,
                                                       std::uint64_t gen,
                                                       std::uint32_t expected_count);
  bool IsDeleted(std::uint32_t doc) const {
    return (bits_[doc >> 6] >> (doc & 63)) & 1u;
  }
  // Returns false if it was already deleted.
  bool Delete(std::uint32_t doc) {
    std::uint64_t& w = bits_[doc >> 6];
    const std::uint64_t m = std::uint64_t{1} << (doc & 63);
    if (w & m) return false;
    w |= m;
    ++count_;
    return true;
  }
  std::uint32_t count() const { return count_; }
  std::uint32_t max_doc() const { return max_doc_; }
  // The bitmap: bit d % 64 of word d / 64 is set when d is deleted.
  const std::vector<std::uint64_t>& words() const { return bits_; }
  // Writes s<N>_<gen>.del and syncs it.
  Status Write(store::Directory* dir, const SegmentMeta& meta,
               std::uint64_t gen) const;

 private:
  std::uint32_t max_doc_;
  std::uint32_t count_ = 0;
  std::vector<std::uint64_t> bits_;
};

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_SEGMENT_READER_H_
