// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The segment format. Every file is framed as format.h describes (header with
// magic, kind, version and segment id; footer with a CRC-32C). Below, `Body`
// is what sits between header and footer. varint = LEB128; fixedN = N-bit
// little-endian; lp = varint length + bytes. Offsets are absolute file
// offsets.
//
// s<N>.tim - term dictionary ("TDIC"). Terms sorted by key (format: see
// segment_format.h: first byte = field / id / stem namespace, then the term's
// UTF-8), in blocks of 32:
//   Body       := Block* BlockIndex Trailer
//   Block      := Count:varint Entry^Count
//   Entry      := Shared:varint SuffixLen:varint Suffix DocFreq:varint
//                 TotalFreq:varint64 DocOffset:varint64 DocLength:varint64
//                 PosOffset:varint64 MaxFreqLong:varint64 MinNorm:varint
//                 (Shared = bytes in common with the previous key of the
//                 block; 0 for the first. DocOffset and PosOffset of entries
//                 after the first are deltas from the previous entry.
//                 MaxFreqLong = MaxFreq << 1 | LongTokens, LongTokens = 1
//                 iff some position entry of the term has a Length.)
//   BlockIndex := (FirstKey:lp BlockOffset:varint64)^NumBlocks
//   Trailer    := NumTerms:fixed64 NumBlocks:fixed32 BlockIndexOffset:fixed64
//
// s<N>.doc - postings ("POST"). For each term, at DocOffset:
//   TermPostings := FullBlock^(DocFreq/128) Tail SkipTable?
//   FullBlock    := DocBits:u8 FreqBits:u8 Gaps[16*DocBits] FreqsM1[16*FreqBits]
//                   (128 doc gaps minus one and 128 frequencies minus one,
//                   bit-packed as bitpack.h describes; the gap of a term's
//                   first doc is doc + 1, so "minus one" gives doc itself)
//   Tail         := (GapFlag:varint Freq:varint?)^(DocFreq%128)
//                   GapFlag = (gap - 1) << 1 | (freq == 1); Freq only if != 1
//   SkipTable    := SkipEntry^ceil(DocFreq/128), present iff DocFreq >= 128,
//                   starting at DocOffset + DocLength
//   SkipEntry    := LastDoc:fixed32 BlockOffset:fixed32 PosOffset:fixed32
//                   (Freq:fixed32 Norm:fixed32)^2
//                   (BlockOffset relative to DocOffset, PosOffset relative to
//                   the term's PosOffset. The two (frequency, field length)
//                   pairs bound the block for block-max scoring: every
//                   posting (f, n) of the block has f <= Freq and n >= Norm
//                   for at least one of them. They are the block's Pareto
//                   frontier of (high f, low n) cut in two where a BM25-like
//                   proxy (k1 1.2, b 0.75, the block's mean length) loses
//                   least; equal pairs when one suffices.)
// Terms with DocFreq < 128 use the dictionary's MaxFreq/MinNorm as the bound.
//
// s<N>.pos - positions ("POSN"), only for exact text terms. For each term at
// PosOffset, for each posting in order, Freq entries:
//   Entry := DeltaFlag:varint Length:varint?
//            DeltaFlag = (position - previous position in this doc) << 1 |
//            (length > 1); the previous position starts at 0.
//
// s<N>.nrm - norms ("NORM"): the field length (positions) of every document
// for every text field, in schema order:
//   Body := (Bits:u8 Packed[ceil(MaxDoc*Bits/8)] Pad[8])^TextFields
//   (value d at bits [d*Bits, (d+1)*Bits), least significant bit first)
//
// s<N>.fdt - stored fields ("STOR"), zstd-compressed chunks of documents:
//   Body       := Chunk* ChunkIndex Trailer
//   Chunk      := DocCount:varint RawLength:varint CompLength:varint
//                 Compressed[CompLength]      (zstd frame of Raw)
//   Raw        := (DocLength:varint StoredDoc)^DocCount
//   StoredDoc  := (FieldNo:varint Value:lp)*  (1+i = schema field i; the
//                 id is not here but only in the IdTable, so a document
//                 without stored fields is the single byte DocLength 00)
//   IdTable    := IdGroup^ceil(MaxDoc/16) GroupBase:fixed64^ceil(MaxDoc/16)
//   IdGroup    := (Shared:varint SuffixLen:varint Suffix)^(16, fewer in
//                 the last group)
//                 (every document's id, front-coded but not compressed, so
//                 that a search hit's id costs no decompression: group g
//                 holds the ids of docs 16g.., starting GroupBase[g] bytes
//                 after the id table's start; each id is the previous id's
//                 first Shared bytes followed by Suffix, and Shared is 0 for
//                 the first id of a group; ids are 1 to 512 bytes)
//   ChunkIndex := (FirstDoc:fixed32 ChunkOffset:fixed64)^NumChunks
//   Trailer    := NumChunks:fixed32 ChunkIndexOffset:fixed64
//                 IdTableOffset:fixed64 IdBytesLength:fixed64
//
// s<N>.si - segment info ("SINF"):
//   Body := MaxDoc:fixed32 NumTerms:fixed64 FieldCount:varint
//           (TotalLength:varint64 DocCount:varint)^FieldCount
//   (per schema field; zero for fields without norms)
//
// s<N>_<G>.del - deletions ("DELS"), generation G:
//   Body := MaxDoc:fixed32 DeleteCount:fixed32 Bitmap[ceil(MaxDoc/8)]
//
// Worked example. Documents 0: "peace talks" and 1: "talks", schema {body}.
// Keys "\x01peace" (df 1) and "\x01talks" (df 2) form one dictionary block
// (28 = 0x1C is the first offset after a header):
//   02                                         two entries
//   00 06 01 'p' 'e' 'a' 'c' 'e'  01 01 1C 01 1C 02 02
//   01 05 't' 'a' 'l' 'k' 's'     02 02 01 02 01 02 01
// (the second entry shares the key's first byte; its offsets are deltas).
// .doc: peace = 01 (gap-1 = 0 -> doc 0, freq 1); talks = 01 01 (docs 0, 1).
// .pos: peace = 00 (position 0); talks = 02 00 (position 1 in doc 0,
// position 0 in doc 1). .nrm: Bits 02, packed 06 (lengths 2 and 1).
// .fdt, if the ids are "ab" and "ac" and body is not stored: one chunk whose
// Raw is 00 00 (two empty stored documents), then the id table
// 00 02 'a' 'b'  01 01 'c' | 00 00 00 00 00 00 00 00 (group 0 starts at 0),
// then the chunk index and the trailer (IdBytesLength 7). With body stored,
// document 0's entry in Raw would be 0D 01 0B 'p' 'e' 'a' 'c' 'e' ' ' 't' 'a'
// 'l' 'k' 's' (length 13: field 1, then the 11-byte value).
#include "index/segment_writer.h"

#include <zstd.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "index/bitpack.h"
#include "util/coding.h"
#include "util/crc32c.h"
#include "util/fast_varint.h"

namespace quarry::index {
namespace {

// A growing byte buffer that is written in place: Reserve room, write
// there, Commit what was written. Unlike std::string::resize, nothing is
// zero-filled first.
class ByteBuffer {
 public:
  // Room for at least `n` more bytes at the end; the pointer is good until
  // the next Reserve or Append.
  char* Reserve(std::size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    return data_.get() + size_;
  }
  // How many bytes can be written at Reserve's pointer.
  std::size_t room() const { return capacity_ - size_; }
  // Adds the next `n` bytes written at Reserve's pointer.
  void Commit(std::size_t n) { size_ += n; }
  void Append(std::string_view bytes) {
    if (!bytes.empty()) std::memcpy(Reserve(bytes.size()), bytes.data(), bytes.size());
    size_ += bytes.size();
  }
  void clear() { size_ = 0; }
  std::size_t size() const { return size_; }
  const char* data() const { return data_.get(); }
  std::string_view view() const { return {data_.get(), size_}; }

 private:
  void Grow(std::size_t n) {
    const std::size_t capacity = std::max({size_ + n, 2 * capacity_, std::size_t{256}});
    std::unique_ptr<char[]> bigger(new char[capacity]);
    if (size_ > 0) std::memcpy(bigger.get(), data_.get(), size_);
    data_ = std::move(bigger);
    capacity_ = capacity;
  }

  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0, capacity_ = 0;
};

// A file being written, with its running offset and CRC. Bytes collect in
// a buffer that is written out (and its CRC taken) once it holds 256 KiB.
class FileOut {
 public:
  static Result<FileOut> Create(store::Directory* dir, std::string name,
                                std::string_view kind, const SegmentId& id) {
    auto f = dir->Create(name);
    if (!f.ok()) return f.status();
    FileOut out(std::move(name), std::move(f).value());
    std::string header;
    PutHeader(&header, kind, id);
    QUARRY_RETURN_IF_ERROR(out.Append(header));
    return out;
  }

  // The CRC is taken when the buffer drains (one pass over 256 KiB instead
  // of one call per small piece): the same value.
  Status Append(std::string_view data) {
    buf_.Append(data);
    offset_ += data.size();
    return MaybeDrain();
  }

  // Room for at least `n` more bytes at the end of the buffer, to be written
  // in place and then added with Commit. The pointer is good until the next
  // Reserve, Append or Commit.
  char* Reserve(std::size_t n) { return buf_.Reserve(n); }
  // How many bytes can be written at Reserve's pointer.
  std::size_t room() const { return buf_.room(); }
  // Adds the next `n` bytes written at Reserve's pointer.
  Status Commit(std::size_t n) {
    buf_.Commit(n);
    offset_ += n;
    return MaybeDrain();
  }

  // Footer, sync, close.
  Status Finish() {
    char* p = buf_.Reserve(kFooterMagic.size() + 4);
    std::memcpy(p, kFooterMagic.data(), kFooterMagic.size());
    buf_.Commit(kFooterMagic.size());
    crc_ = Crc32cExtend(crc_, buf_.data(), buf_.size());
    EncodeFixed32(p + kFooterMagic.size(), crc_);
    buf_.Commit(4);
    offset_ += kFooterMagic.size() + 4;
    QUARRY_RETURN_IF_ERROR(Write());
    QUARRY_RETURN_IF_ERROR(file_->Sync());
    return file_->Close();
  }

  std::uint64_t offset() const { return offset_; }
  const std::string& name() const { return name_; }

 private:
  static constexpr std::size_t kDrainBytes = 256u << 10;

  FileOut(std::string name, std::unique_ptr<store::WritableFile> f)
      : name_(std::move(name)), file_(std::move(f)) {}
  Status MaybeDrain() {
    if (buf_.size() >= kDrainBytes) return Drain();
    return Status::OK();
  }
  Status Drain() {
    crc_ = Crc32cExtend(crc_, buf_.data(), buf_.size());
    return Write();
  }
  Status Write() {
    Status s = file_->Append(buf_.view());
    buf_.clear();
    return s;
  }

  std::string name_;
  std::unique_ptr<store::WritableFile> file_;
  ByteBuffer buf_;
  std::uint64_t offset_ = 0;
  std::uint32_t crc_ = 0;
};

// EncodeVarint64 (util/coding.h), inline for the per-term and per-posting
// loops.
inline char* EncodeVarintInline(char* dst, std::uint64_t v) {
  while (v >= 0x80) {
    *dst++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *dst++ = static_cast<char>(v);
  return dst;
}

// How many bytes a and b have in common at their start, 8 at a time.
inline std::size_t SharedPrefix(std::string_view a, std::string_view b) {
  const std::size_t limit = std::min(a.size(), b.size());
  std::size_t i = 0;
  if constexpr (std::endian::native == std::endian::little) {
    for (; i + 8 <= limit; i += 8) {
      std::uint64_t x, y;
      std::memcpy(&x, a.data() + i, 8);
      std::memcpy(&y, b.data() + i, 8);
      if (x != y) return i + static_cast<std::size_t>(std::countr_zero(x ^ y)) / 8;
    }
  }
  while (i < limit && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

std::string IdKey(std::string_view id) {
  std::string k(1, static_cast<char>(kIdKeyByte));
  k.append(id);
  return k;
}

std::string TermKey(std::size_t field, std::string_view term, bool stem) {
  std::string k(1, static_cast<char>(FieldKeyByte(field) | (stem ? kStemFlag : 0)));
  k.append(term);
  return k;
}

bool KeyHasPositions(const Schema& schema, std::string_view key) {
  if (key.empty()) return false;
  const auto b = static_cast<std::uint8_t>(key[0]);
  if (b == kIdKeyByte || (b & kStemFlag) != 0) return false;
  const std::size_t field = b - 1u;
  return field < schema.fields().size() &&
         schema.fields()[field].kind == FieldKind::kText;
}

int KeyNormField(const Schema& schema, std::string_view key) {
  if (key.empty()) return -1;
  const auto b = static_cast<std::uint8_t>(key[0]);
  if (b == kIdKeyByte) return -1;
  const std::size_t field = (b & ~kStemFlag) - 1u;
  if (field >= schema.fields().size() ||
      schema.fields()[field].kind != FieldKind::kText) {
    return -1;
  }
  return static_cast<int>(field);
}

std::vector<std::string> SegmentFiles(std::uint64_t number) {
  return {SegmentFile(number, kExtInfo), SegmentFile(number, kExtTerms),
          SegmentFile(number, kExtPostings), SegmentFile(number, kExtPositions),
          SegmentFile(number, kExtNorms), SegmentFile(number, kExtStored)};
}

void AppendStoredField(std::string* doc, std::uint32_t field_no,
                       std::string_view value) {
  // PutVarint32(field_no) and PutLengthPrefixed(value), as two appends.
  char head[2 * kMaxVarint32Bytes];
  char* p = EncodeVarintInline(head, field_no);
  p = EncodeVarintInline(p, static_cast<std::uint32_t>(value.size()));
  doc->append(head, static_cast<std::size_t>(p - head));
  doc->append(value);
}

class SegmentWriter::Impl {
 public:
  store::Directory* dir;
  std::uint64_t number;
  const Schema* schema;
  std::uint32_t max_doc;
  int level;
  SegmentId id = NewSegmentId();
  std::vector<FileOut> files;  // tim, doc, pos, nrm, fdt
  bool finished = false;
  bool failed = false;

  FileOut& tim() { return files[0]; }
  FileOut& doc() { return files[1]; }
  FileOut& pos() { return files[2]; }
  FileOut& nrm() { return files[3]; }
  FileOut& fdt() { return files[4]; }

  // Dictionary state.
  std::string cur_key;           // the term being written
  std::string last_key;          // the previous term in the dictionary
  bool have_key = false;
  ByteBuffer block;              // entries of the current dictionary block
  std::uint32_t block_count = 0;
  std::string block_first_key;
  std::uint64_t prev_doc_offset = 0, prev_pos_offset = 0;
  std::string block_index;
  std::uint32_t num_blocks = 0;
  std::uint64_t num_terms = 0;

  // Current term.
  bool in_term = false;
  bool has_positions = false;
  TermInfo info;
  std::uint64_t term_pos_start = 0;
  std::uint32_t docs[kPostingBlock], freqs[kPostingBlock];
  std::uint32_t in_block = 0;
  std::uint32_t norms[kPostingBlock];
  std::uint64_t block_pos_start = 0;
  std::int64_t prev_doc = -1;
  ByteBuffer skips;
  std::string pos_scratch;  // one posting's encoded positions

  // Norms and stored fields.
  std::size_t norm_fields_written = 0;
  std::uint32_t stored_docs = 0;
  std::string chunk;             // raw documents of the current chunk
  std::uint32_t chunk_docs = 0;
  std::uint32_t chunk_first_doc = 0;
  std::string chunk_index;
  std::uint32_t num_chunks = 0;
  std::string compressed;
  std::string id_bytes;          // the id groups (see the format above)
  std::string id_group_bases;
  std::string last_id;           // the previous id of the current group
  // One zstd context for all chunks: a fresh one per chunk (ZSTD_compress)
  // allocates and initializes its tables every time. Same output.
  struct CCtxFree {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  std::unique_ptr<ZSTD_CCtx, CCtxFree> cctx;
  std::vector<FieldStats> field_stats;

  Status Fail(Status s) {
    failed = true;
    return s;
  }

  Status StartTerm(std::string_view key) {
    if (failed) return Status::Internal("segment writer failed earlier");
    if (in_term || key.empty() || (have_key && key <= last_key)) {
      return Fail(Status::Internal("terms out of order"));
    }
    in_term = true;
    has_positions = KeyHasPositions(*schema, key);
    info = TermInfo{};
    info.doc_offset = doc().offset();
    info.pos_offset = has_positions ? pos().offset() : 0;
    info.min_norm = UINT32_MAX;
    term_pos_start = pos().offset();
    in_block = 0;
    block_pos_start = 0;
    prev_doc = -1;
    skips.clear();
    cur_key.assign(key);
    return Status::OK();
  }

  Status FinishTerm() {
    if (!in_term || info.doc_freq + in_block == 0) {
      return Fail(Status::Internal("empty term"));
    }
    if (in_block > 0) QUARRY_RETURN_IF_ERROR(FlushBlock(false));
    info.doc_length = doc().offset() - info.doc_offset;
    if (info.doc_length > 0xFFFFFFF0ull) {
      return Fail(Status::NotSupported("postings of one term exceed 4 GiB"));
    }
    if (info.doc_freq >= kPostingBlock) {
      QUARRY_RETURN_IF_ERROR(doc().Append(skips.view()));
    }
    in_term = false;
    QUARRY_RETURN_IF_ERROR(WriteDictEntry(cur_key));
    last_key.swap(cur_key);
    have_key = true;
    return Status::OK();
  }

  // SegmentWriter::AddBufferedTerm: the work of StartTerm, AddPostingEncoded
  // per live posting and FinishTerm, with the same checks, in one loop per
  // kind of term. The positions go straight from the stream into the .pos
  // buffer.
  Status AddBufferedTerm(std::string_view key, std::string_view stream, std::uint32_t count,
                         const std::uint32_t* remap, std::uint32_t num_docs,
                         const std::uint32_t* doc_norms) {
    if (failed) return Status::Internal("segment writer failed earlier");
    if (in_term) return Fail(Status::Internal("terms out of order"));
    if (KeyHasPositions(*schema, key)) {
      return doc_norms != nullptr
                 ? AddBuffered<true, true>(key, stream, count, remap, num_docs, doc_norms)
                 : AddBuffered<true, false>(key, stream, count, remap, num_docs, doc_norms);
    }
    return doc_norms != nullptr
               ? AddBuffered<false, true>(key, stream, count, remap, num_docs, doc_norms)
               : AddBuffered<false, false>(key, stream, count, remap, num_docs, doc_norms);
  }

  template <bool kPositions, bool kNorms>
  Status AddBuffered(std::string_view key, std::string_view stream, std::uint32_t count,
                     const std::uint32_t* remap, std::uint32_t num_docs,
                     const std::uint32_t* doc_norms) {
    // The term is started at once and dropped again, with nothing written,
    // when none of its postings is live.
    QUARRY_RETURN_IF_ERROR(StartTerm(key));
    const auto* p = reinterpret_cast<const std::uint8_t*>(stream.data());
    const std::uint8_t* const end = p + stream.size();
    const std::int64_t limit = num_docs;
    const std::uint32_t segment_docs = max_doc;
    std::int64_t buffered = -1;  // the first gap is the document + 1
    std::int64_t last = -1;      // the last document written
    std::uint32_t k = 0;
    bool long_tokens = false;
    // The term's positions are written at `out` in the .pos buffer, which
    // has room up to `out_limit`; the bytes from `out_base` are not
    // committed yet.
    char* out_base = nullptr;
    char* out = nullptr;
    char* out_limit = nullptr;
    std::uint32_t n_block = in_block;  // 0
    for (; p < end; ++k) {
      std::uint32_t gap, freq;
      if (!NextVarint32(&p, end, &gap) || !NextVarint32(&p, end, &freq)) {
        return Fail(Status::Internal("buffered postings malformed"));
      }
      // A gap of 0 repeats a document: caught below by the order check
      // (or harmless when the document is deleted).
      buffered += gap;
      if (buffered >= limit) return Fail(Status::Internal("buffered document out of range"));
      // The positions, checked as ScanPositions checks them (they only
      // grow, so the last one is the one to compare with kMaxPosition).
      const std::uint8_t* const pos_begin = p;
      if constexpr (kPositions) {
        std::uint64_t position = 0;
        for (std::uint32_t i = 0; i < freq; ++i) {
          std::uint32_t v;
          if (p < end && *p < 0x80) {
            v = *p++;
          } else if (!NextVarint32(&p, end, &v)) {
            return Fail(Status::Internal("positions malformed"));
          }
          if (v & 1) {
            std::uint32_t len;
            if (!NextVarint32(&p, end, &len) || len < 2) {
              return Fail(Status::Internal("positions malformed"));
            }
            long_tokens = true;
          }
          position += v >> 1;
        }
        if (position > kMaxPosition) {
          return Fail(Status::Internal("positions out of order or out of range"));
        }
      }
      const std::uint32_t doc_no = remap[buffered];
      if (doc_no >= segment_docs) {
        if (doc_no == kNoMoreDocs) continue;  // deleted
        return Fail(Status::Internal("postings out of order"));
      }
      if (static_cast<std::int64_t>(doc_no) <= last || freq == 0) {
        return Fail(Status::Internal("postings out of order"));
      }
      last = doc_no;
      if constexpr (kPositions) {
        const auto n = static_cast<std::size_t>(p - pos_begin);
        if (static_cast<std::size_t>(out_limit - out) < n + 16) {
          QUARRY_RETURN_IF_ERROR(pos().Commit(static_cast<std::size_t>(out - out_base)));
          out_base = out = pos().Reserve(n + 16);
          out_limit = out + pos().room();
        }
        if (n_block == 0) {
          block_pos_start = pos().offset() + static_cast<std::uint64_t>(out - out_base) -
                            term_pos_start;
        }
        if (n <= 16 && end - pos_begin >= 16) {
          std::memcpy(out, pos_begin, 16);  // the bytes after n are overwritten or dropped
        } else if (n <= 16) {
          for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<char>(pos_begin[i]);
        } else {
          std::memcpy(out, pos_begin, n);
        }
        out += n;
      }
      docs[n_block] = doc_no;
      freqs[n_block] = freq;
      norms[n_block] = kNorms ? doc_norms[buffered] : 0;
      if (++n_block == kPostingBlock) {
        in_block = n_block;
        QUARRY_RETURN_IF_ERROR(FlushBlock(true));
        n_block = 0;
      }
    }
    in_block = n_block;
    if (k != count) return Fail(Status::Internal("buffered postings malformed"));
    if (last < 0) {  // no live posting: the term is dropped
      in_term = false;
      return Status::OK();
    }
    if constexpr (kPositions) {
      QUARRY_RETURN_IF_ERROR(pos().Commit(static_cast<std::size_t>(out - out_base)));
      if (pos().offset() - term_pos_start > 0xFFFFFFF0ull) {
        return Fail(Status::NotSupported("positions of one term exceed 4 GiB"));
      }
    }
    info.long_tokens |= long_tokens;
    return FinishTerm();
  }

  // The checks of a posting's document and frequency.
  Status CheckPosting(std::uint32_t doc, std::uint32_t freq) {
    if (!in_term || freq == 0 || doc >= max_doc ||
        static_cast<std::int64_t>(doc) <= prev_doc ||
        (in_block > 0 && doc <= docs[in_block - 1])) {
      return Fail(Status::Internal("postings out of order"));
    }
    return Status::OK();
  }

  // Checks the `freq` position entries at the front of `in` the way
  // AddPosting checks its positions (each entry well-formed, a length
  // only when above 1, positions at most kMaxPosition) and sets *length to
  // their size in bytes, and *long_tokens when an entry has a length.
  Status ScanPositions(std::string_view in, std::uint32_t freq, std::size_t* length,
                       bool* long_tokens) {
    const auto* begin = reinterpret_cast<const std::uint8_t*>(in.data());
    const std::uint8_t* p = begin;
    const std::uint8_t* const end = begin + in.size();
    std::uint64_t position = 0;
    for (std::uint32_t i = 0; i < freq; ++i) {
      std::uint32_t v, len = 1;
      if (!NextVarint32(&p, end, &v) || ((v & 1) && (!NextVarint32(&p, end, &len) || len < 2))) {
        return Fail(Status::Internal("positions malformed"));
      }
      *long_tokens |= (v & 1) != 0;
      position += v >> 1;
      if (position > kMaxPosition) {
        return Fail(Status::Internal("positions out of order or out of range"));
      }
    }
    *length = static_cast<std::size_t>(p - begin);
    return Status::OK();
  }

  // Adds a checked posting, its positions encoded.
  Status AppendPosting(std::uint32_t doc, std::uint32_t freq,
                       std::string_view encoded_positions, std::uint32_t norm,
                       bool long_tokens) {
    info.long_tokens |= long_tokens;
    if (in_block == 0) block_pos_start = pos().offset() - term_pos_start;
    if (has_positions) {
      QUARRY_RETURN_IF_ERROR(pos().Append(encoded_positions));
      if (pos().offset() - term_pos_start > 0xFFFFFFF0ull) {
        return Fail(Status::NotSupported("positions of one term exceed 4 GiB"));
      }
    }
    docs[in_block] = doc;
    freqs[in_block] = freq;
    norms[in_block] = norm;
    if (++in_block == kPostingBlock) return FlushBlock(true);
    return Status::OK();
  }

  // Writes the block of postings in docs/freqs/norms and adds them to the
  // term's statistics.
  Status FlushBlock(bool full) {
    std::uint32_t max_freq = info.max_freq, min_norm = info.min_norm;
    std::uint64_t total_freq = 0;
    for (std::uint32_t i = 0; i < in_block; ++i) {
      max_freq = std::max(max_freq, freqs[i]);
      min_norm = std::min(min_norm, norms[i]);
      total_freq += freqs[i];
    }
    info.max_freq = max_freq;
    info.min_norm = min_norm;
    info.total_freq += total_freq;
    info.doc_freq += in_block;
    const std::uint64_t block_offset = doc().offset() - info.doc_offset;
    if (full) {
      std::uint32_t gaps[kPostingBlock], fm1[kPostingBlock];
      std::int64_t p = prev_doc;
      for (std::uint32_t i = 0; i < kPostingBlock; ++i) {
        gaps[i] = static_cast<std::uint32_t>(docs[i] - p - 1);
        p = docs[i];
        fm1[i] = freqs[i] - 1;
      }
      const int db = MaxBits(gaps, kPostingBlock);
      const int fb = MaxBits(fm1, kPostingBlock);
      const std::size_t size = 2 + PackedBytes(db) + PackedBytes(fb);
      auto* out = reinterpret_cast<std::uint8_t*>(doc().Reserve(size));
      out[0] = static_cast<std::uint8_t>(db);
      out[1] = static_cast<std::uint8_t>(fb);
      PackBlock(gaps, db, out + 2);
      PackBlock(fm1, fb, out + 2 + PackedBytes(db));
      QUARRY_RETURN_IF_ERROR(doc().Commit(size));
    } else {
      char* const begin = doc().Reserve(2 * kMaxVarint32Bytes * in_block);
      char* out = begin;
      std::int64_t p = prev_doc;
      for (std::uint32_t i = 0; i < in_block; ++i) {
        const auto gap = static_cast<std::uint32_t>(docs[i] - p - 1);
        p = docs[i];
        out = EncodeVarintInline(out, (gap << 1) | (freqs[i] == 1 ? 1u : 0u));
        if (freqs[i] != 1) out = EncodeVarintInline(out, freqs[i]);
      }
      QUARRY_RETURN_IF_ERROR(doc().Commit(static_cast<std::size_t>(out - begin)));
    }
    if (info.doc_freq >= kPostingBlock) {  // only these terms keep a skip table
      std::uint32_t pairs[4];
      BlockImpacts(pairs);
      char* e = skips.Reserve(kSkipEntrySize);
      EncodeFixed32(e, docs[in_block - 1]);
      EncodeFixed32(e + 4, static_cast<std::uint32_t>(block_offset));
      EncodeFixed32(e + 8, static_cast<std::uint32_t>(block_pos_start));
      for (int i = 0; i < 4; ++i) EncodeFixed32(e + 12 + 4 * i, pairs[i]);
      skips.Commit(kSkipEntrySize);
    }
    prev_doc = docs[in_block - 1];
    in_block = 0;
    return Status::OK();
  }

  // Blocks whose frequencies are all below this find their frontier by
  // frequency instead of by sorting.
  static constexpr std::uint32_t kImpactFreqs = 512;

  // The two (freq, norm) pairs of the block's skip entry (see the format).
  void BlockImpacts(std::uint32_t out[4]) {
    // The frontier: by frequency descending, keep a posting only if it is
    // shorter than every posting with a higher frequency.
    std::pair<std::uint32_t, std::uint32_t> fn[kPostingBlock];
    double total = 0;
    std::uint32_t max_f = 0;
    for (std::uint32_t i = 0; i < in_block; ++i) {
      total += norms[i];
      max_f = std::max(max_f, freqs[i]);
    }
    std::uint32_t m = 0;
    if (max_f < kImpactFreqs) {
      // Usually: the shortest posting of each frequency, then the frontier
      // from the highest frequency down (the same as the sort below, without
      // sorting the block).
      std::uint64_t shortest[kImpactFreqs];
      std::fill(shortest, shortest + max_f + 1, ~std::uint64_t{0});
      for (std::uint32_t i = 0; i < in_block; ++i) {
        shortest[freqs[i]] = std::min<std::uint64_t>(shortest[freqs[i]], norms[i]);
      }
      for (std::uint32_t f = max_f + 1; f-- > 0;) {
        if (shortest[f] == ~std::uint64_t{0}) continue;
        const auto n = static_cast<std::uint32_t>(shortest[f]);
        if (m == 0 || n < fn[m - 1].second) fn[m++] = {f, n};
      }
    } else {
      for (std::uint32_t i = 0; i < in_block; ++i) fn[i] = {freqs[i], norms[i]};
      std::sort(fn, fn + in_block, [](const auto& a, const auto& b) {
        return a.first > b.first || (a.first == b.first && a.second < b.second);
      });
      for (std::uint32_t i = 0; i < in_block; ++i) {
        if (m == 0 || fn[i].second < fn[m - 1].second) fn[m++] = fn[i];
      }
    }
    // fn[0..m): frequencies and lengths both decreasing. Cut into a head
    // [0, j) and a tail [j, m); each becomes (its first f, its last n).
    const double avg = std::max(1.0, total / in_block);
    auto proxy = [avg](std::uint32_t f, std::uint32_t n) {
      return f / (f + 1.2 * (0.25 + 0.75 * n / avg));
    };
    std::uint32_t best = m;  // m: one pair (the whole frontier)
    double best_cost = proxy(fn[0].first, fn[m - 1].second);
    for (std::uint32_t j = 1; j < m; ++j) {
      const double cost = std::max(proxy(fn[0].first, fn[j - 1].second),
                                   proxy(fn[j].first, fn[m - 1].second));
      if (cost < best_cost) {
        best_cost = cost;
        best = j;
      }
    }
    out[0] = fn[0].first;
    out[1] = fn[best - 1].second;
    out[2] = best < m ? fn[best].first : out[0];
    out[3] = best < m ? fn[m - 1].second : out[1];
  }

  Status WriteDictEntry(std::string_view key) {
    if (block_count == kTermsPerDictBlock) QUARRY_RETURN_IF_ERROR(FlushDictBlock());
    std::size_t shared = 0;
    if (block_count == 0) {
      block_first_key.assign(key);
    } else {
      shared = SharedPrefix(key, last_key);
    }
    // The entry is encoded in place in the block.
    const std::size_t suffix = key.size() - shared;
    char* const begin =
        block.Reserve(4 * kMaxVarint32Bytes + suffix + 5 * kMaxVarint64Bytes);
    char* p = EncodeVarintInline(begin, shared);
    p = EncodeVarintInline(p, suffix);
    if (suffix <= 8) {
      for (std::size_t i = 0; i < suffix; ++i) p[i] = key[shared + i];
    } else {
      std::memcpy(p, key.data() + shared, suffix);
    }
    p += suffix;
    p = EncodeVarintInline(p, info.doc_freq);
    p = EncodeVarintInline(p, info.total_freq);
    p = EncodeVarintInline(p, info.doc_offset - (block_count ? prev_doc_offset : 0));
    p = EncodeVarintInline(p, info.doc_length);
    p = EncodeVarintInline(p, info.pos_offset - (block_count ? prev_pos_offset : 0));
    p = EncodeVarintInline(p, std::uint64_t{info.max_freq} << 1 | (info.long_tokens ? 1u : 0u));
    p = EncodeVarintInline(p, info.min_norm);
    block.Commit(static_cast<std::size_t>(p - begin));
    prev_doc_offset = info.doc_offset;
    prev_pos_offset = info.pos_offset;
    ++block_count;
    ++num_terms;
    return Status::OK();
  }

  Status FlushDictBlock() {
    if (block_count == 0) return Status::OK();
    PutLengthPrefixed(&block_index, block_first_key);
    PutVarint64(&block_index, tim().offset());
    ++num_blocks;
    std::string head;
    PutVarint32(&head, block_count);
    QUARRY_RETURN_IF_ERROR(tim().Append(head));
    QUARRY_RETURN_IF_ERROR(tim().Append(block.view()));
    block.clear();
    block_count = 0;
    return Status::OK();
  }

  Status FlushChunk() {
    if (chunk_docs == 0) return Status::OK();
    if (!cctx) {
      cctx.reset(ZSTD_createCCtx());
      if (!cctx) return Status::Internal("zstd: cannot create a compression context");
    }
    compressed.resize(ZSTD_compressBound(chunk.size()));
    const std::size_t n = ZSTD_compressCCtx(cctx.get(), compressed.data(), compressed.size(),
                                            chunk.data(), chunk.size(), level);
    if (ZSTD_isError(n)) {
      return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
    }
    PutFixed32(&chunk_index, chunk_first_doc);
    PutFixed64(&chunk_index, fdt().offset());
    ++num_chunks;
    std::string head;
    PutVarint32(&head, chunk_docs);
    PutVarint64(&head, chunk.size());
    PutVarint64(&head, n);
    QUARRY_RETURN_IF_ERROR(fdt().Append(head));
    QUARRY_RETURN_IF_ERROR(fdt().Append(std::string_view(compressed.data(), n)));
    chunk.clear();
    chunk_docs = 0;
    return Status::OK();
  }
};

SegmentWriter::SegmentWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SegmentWriter::~SegmentWriter() {
  if (impl_ && !impl_->finished) Abandon();
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(
    store::Directory* dir, std::uint64_t number, const Schema* schema,
    std::uint32_t max_doc, int compression_level) {
  if (max_doc > kMaxDocsPerSegment) {
    return Status::InvalidArgument("too many documents for one segment");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->number = number;
  impl->schema = schema;
  impl->max_doc = max_doc;
  impl->level = compression_level;
  impl->field_stats.resize(schema->fields().size());
  std::unique_ptr<SegmentWriter> w(new SegmentWriter(std::move(impl)));
  const std::pair<std::string_view, std::string_view> kinds[] = {
      {kExtTerms, kKindTerms},   {kExtPostings, kKindPostings},
      {kExtPositions, kKindPositions}, {kExtNorms, kKindNorms},
      {kExtStored, kKindStored}};
  for (const auto& [ext, kind] : kinds) {
    auto f = FileOut::Create(dir, SegmentFile(number, ext), kind, w->impl_->id);
    if (!f.ok()) return f.status();  // the destructor removes earlier files
    w->impl_->files.push_back(std::move(f).value());
  }
  return w;
}

Status SegmentWriter::StartTerm(std::string_view key) { return impl_->StartTerm(key); }

Status SegmentWriter::AddPosting(std::uint32_t doc, std::uint32_t freq,
                                 const PosEntry* positions, std::uint32_t norm) {
  Impl& m = *impl_;
  QUARRY_RETURN_IF_ERROR(m.CheckPosting(doc, freq));
  std::string& enc = m.pos_scratch;
  enc.clear();
  bool long_tokens = false;
  if (m.has_positions) {
    std::uint32_t prev = 0;
    for (std::uint32_t i = 0; i < freq; ++i) {
      const PosEntry& p = positions[i];
      if (p.position < prev || p.length == 0 || p.position > kMaxPosition) {
        return m.Fail(Status::Internal("positions out of order or out of range"));
      }
      PutVarint32(&enc, ((p.position - prev) << 1) | (p.length > 1 ? 1u : 0u));
      if (p.length > 1) PutVarint32(&enc, p.length);
      long_tokens |= p.length > 1;
      prev = p.position;
    }
  }
  return m.AppendPosting(doc, freq, enc, norm, long_tokens);
}

Status SegmentWriter::AddPostingEncoded(std::uint32_t doc, std::uint32_t freq,
                                        std::string_view positions,
                                        std::uint32_t norm) {
  Impl& m = *impl_;
  QUARRY_RETURN_IF_ERROR(m.CheckPosting(doc, freq));
  bool long_tokens = false;
  if (m.has_positions) {
    std::size_t length = 0;
    QUARRY_RETURN_IF_ERROR(m.ScanPositions(positions, freq, &length, &long_tokens));
    if (length != positions.size()) return m.Fail(Status::Internal("positions malformed"));
  } else if (!positions.empty()) {
    return m.Fail(Status::Internal("positions for a term without positions"));
  }
  return m.AppendPosting(doc, freq, positions, norm, long_tokens);
}

Status SegmentWriter::FinishTerm() { return impl_->FinishTerm(); }

Status SegmentWriter::AddBufferedTerm(std::string_view key, std::string_view stream,
                                      std::uint32_t count, const std::uint32_t* remap,
                                      std::uint32_t num_docs, const std::uint32_t* norms) {
  return impl_->AddBufferedTerm(key, stream, count, remap, num_docs, norms);
}

Status SegmentWriter::AddNorms(std::size_t field,
                               const std::vector<std::uint32_t>& lengths) {
  Impl& m = *impl_;
  if (lengths.size() != m.max_doc || field >= m.field_stats.size()) {
    return m.Fail(Status::Internal("norms size mismatch"));
  }
  std::uint32_t max = 0;
  FieldStats& fs = m.field_stats[field];
  for (std::uint32_t v : lengths) {
    max = std::max(max, v);
    fs.total_length += v;
    if (v > 0) ++fs.doc_count;
  }
  const int bits = max == 0 ? 0 : 32 - __builtin_clz(max);
  std::string out(1, static_cast<char>(bits));
  const std::size_t bytes = (static_cast<std::uint64_t>(m.max_doc) * bits + 7) / 8;
  out.resize(1 + bytes + 8, '\0');
  auto* p = reinterpret_cast<std::uint8_t*>(out.data()) + 1;
  // Least significant bit first, a byte out as soon as it is full.
  std::uint64_t acc = 0;
  int pending = 0;  // bits in acc, below 8 between values
  for (std::uint32_t v : lengths) {
    acc |= std::uint64_t{v} << pending;
    pending += bits;
    while (pending >= 8) {
      *p++ = static_cast<std::uint8_t>(acc);
      acc >>= 8;
      pending -= 8;
    }
  }
  if (pending > 0) *p = static_cast<std::uint8_t>(acc);
  ++m.norm_fields_written;
  return m.nrm().Append(out);
}

Status SegmentWriter::AddStored(std::string_view id, std::string_view fields) {
  Impl& m = *impl_;
  if (m.stored_docs >= m.max_doc) return m.Fail(Status::Internal("too many stored docs"));
  if (id.empty() || id.size() > kIdMaxBytes) {
    return m.Fail(Status::Internal("stored document without a valid id"));
  }
  std::size_t shared = 0;
  if (m.stored_docs % kIdGroupDocs == 0) {
    PutFixed64(&m.id_group_bases, m.id_bytes.size());
  } else {
    const std::size_t n = std::min(id.size(), m.last_id.size());
    while (shared < n && id[shared] == m.last_id[shared]) ++shared;
  }
  PutVarint32(&m.id_bytes, static_cast<std::uint32_t>(shared));
  PutLengthPrefixed(&m.id_bytes, id.substr(shared));
  m.last_id.assign(id);
  if (m.chunk_docs == 0) m.chunk_first_doc = m.stored_docs;
  PutVarint64(&m.chunk, fields.size());
  m.chunk.append(fields);
  ++m.chunk_docs;
  ++m.stored_docs;
  if (m.chunk.size() >= kStoredChunkBytes || m.chunk_docs >= kStoredChunkDocs) {
    return m.FlushChunk();
  }
  return Status::OK();
}

Result<SegmentMeta> SegmentWriter::Finish() {
  Impl& m = *impl_;
  if (m.failed || m.in_term) return Status::Internal("segment writer in bad state");
  if (m.stored_docs != m.max_doc) {
    return Status::Internal("segment writer: " + std::to_string(m.stored_docs) +
                            " stored docs for max_doc " + std::to_string(m.max_doc));
  }
  std::size_t text_fields = 0;
  for (const FieldSpec& f : m.schema->fields()) text_fields += f.kind == FieldKind::kText;
  if (m.norm_fields_written != text_fields) {
    return Status::Internal("segment writer: norms missing");
  }
  // Dictionary tail.
  QUARRY_RETURN_IF_ERROR(m.FlushDictBlock());
  const std::uint64_t index_offset = m.tim().offset();
  std::string trailer;
  PutFixed64(&trailer, m.num_terms);
  PutFixed32(&trailer, m.num_blocks);
  PutFixed64(&trailer, index_offset);
  QUARRY_RETURN_IF_ERROR(m.tim().Append(m.block_index));
  QUARRY_RETURN_IF_ERROR(m.tim().Append(trailer));
  // Stored fields tail.
  QUARRY_RETURN_IF_ERROR(m.FlushChunk());
  const std::uint64_t id_table_offset = m.fdt().offset();
  QUARRY_RETURN_IF_ERROR(m.fdt().Append(m.id_bytes));
  QUARRY_RETURN_IF_ERROR(m.fdt().Append(m.id_group_bases));
  const std::uint64_t chunk_index_offset = m.fdt().offset();
  trailer.clear();
  PutFixed32(&trailer, m.num_chunks);
  PutFixed64(&trailer, chunk_index_offset);
  PutFixed64(&trailer, id_table_offset);
  PutFixed64(&trailer, m.id_bytes.size());
  QUARRY_RETURN_IF_ERROR(m.fdt().Append(m.chunk_index));
  QUARRY_RETURN_IF_ERROR(m.fdt().Append(trailer));
  for (FileOut& f : m.files) QUARRY_RETURN_IF_ERROR(f.Finish());
  // Segment info last.
  std::string si;
  PutHeader(&si, kKindInfo, m.id);
  PutFixed32(&si, m.max_doc);
  PutFixed64(&si, m.num_terms);
  PutVarint32(&si, static_cast<std::uint32_t>(m.field_stats.size()));
  for (const FieldStats& fs : m.field_stats) {
    PutVarint64(&si, fs.total_length);
    PutVarint32(&si, fs.doc_count);
  }
  PutFooter(&si);
  auto f = m.dir->Create(SegmentFile(m.number, kExtInfo));
  if (!f.ok()) return f.status();
  QUARRY_RETURN_IF_ERROR((*f)->Append(si));
  QUARRY_RETURN_IF_ERROR((*f)->Sync());
  QUARRY_RETURN_IF_ERROR((*f)->Close());
  m.finished = true;
  SegmentMeta meta;
  meta.number = m.number;
  meta.id = m.id;
  meta.max_doc = m.max_doc;
  return meta;
}

void SegmentWriter::Abandon() {
  Impl& m = *impl_;
  m.files.clear();
  for (const std::string& name : SegmentFiles(m.number)) {
    m.dir->Remove(name).IgnoreError();
  }
  m.finished = true;
}

}  // namespace quarry::index
