// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// What every quarry file shares: the header, the footer, the format version,
// and file names. The layouts of the individual files are written down at the
// top of the code that writes them (segment_writer.cc, manifest.cc).
//
// Every file:
//   Header  := "QRRY" Kind[4] Version:fixed32 SegmentId[16]          (28 bytes)
//   Body    := kind-specific
//   Footer  := "QEND" Crc32c:fixed32                                  (8 bytes)
// The CRC-32C covers every byte before it (header, body and "QEND"). All
// integers are little-endian; varints are LEB128 (7 bits per byte).
//
// File names (flat in the index directory):
//   commit_<gen>          a commit manifest (manifest.cc)
//   write.lock            the writer lock
//   s<N>.si               segment N: info (doc count, field stats)
//   s<N>.tim              segment N: term dictionary
//   s<N>.doc              segment N: postings (doc ids, frequencies, skips)
//   s<N>.pos              segment N: positions
//   s<N>.nrm              segment N: norms (field lengths)
//   s<N>.fdt              segment N: stored fields and the id table
//   s<N>_<G>.del          segment N: deleted documents, generation G
//   *.tmp                 an unfinished file; removed on open
#ifndef QUARRY_SRC_INDEX_FORMAT_H_
#define QUARRY_SRC_INDEX_FORMAT_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "quarry/status.h"

namespace quarry::index {

// On-disk format version: the one place it is defined.
// 2: id table; 3: two skip pairs; 4: the id only in the id table, no longer
// also in the compressed stored fields; 5: the dictionary says whether a
// term has tokens longer than one position.
inline constexpr std::uint32_t kFormatVersion = 5;
inline constexpr std::uint32_t kOldestReadableVersion = 5;

inline constexpr std::string_view kMagic = "QRRY";
inline constexpr std::string_view kFooterMagic = "QEND";
inline constexpr std::size_t kHeaderSize = 28;
inline constexpr std::size_t kFooterSize = 8;

using SegmentId = std::array<std::uint8_t, 16>;

// File kinds (4 ASCII bytes in the header).
inline constexpr std::string_view kKindCommit = "CMIT";
inline constexpr std::string_view kKindInfo = "SINF";
inline constexpr std::string_view kKindTerms = "TDIC";
inline constexpr std::string_view kKindPostings = "POST";
inline constexpr std::string_view kKindPositions = "POSN";
inline constexpr std::string_view kKindNorms = "NORM";
inline constexpr std::string_view kKindStored = "STOR";
inline constexpr std::string_view kKindDeletes = "DELS";

// A fresh random id.
SegmentId NewSegmentId();
std::string SegmentIdHex(const SegmentId& id);

// Appends the header.
void PutHeader(std::string* dst, std::string_view kind, const SegmentId& id);
// Appends "QEND" and the CRC-32C of everything in `file` so far.
void PutFooter(std::string* file);

// Checks header and footer structure of a whole file (not the CRC) and
// returns the body. `name` is for messages.
Result<std::string_view> CheckFraming(std::string_view file,
                                      std::string_view name,
                                      std::string_view kind,
                                      const SegmentId* expect_id);
// Verifies the CRC-32C of a whole file.
Status VerifyChecksum(std::string_view file, std::string_view name);

// File names.
std::string SegmentName(std::uint64_t number);  // "s12"
std::string SegmentFile(std::uint64_t number, std::string_view ext);
std::string DeletesFile(std::uint64_t number, std::uint64_t gen);
std::string CommitFile(std::uint64_t gen);
inline constexpr std::string_view kLockFile = "write.lock";

// Parses "commit_<gen>"; false if `name` is not a commit file.
bool ParseCommitFile(std::string_view name, std::uint64_t* gen);
// Parses "s<N>.<ext>" (ext one of si tim doc pos nrm fdt) or "s<N>_<G>.del";
// false for anything else (a user's `s1.txt` is not ours).
bool ParseSegmentFile(std::string_view name, std::uint64_t* number);
// Parses "s<N>_<G>.del".
bool ParseDeletesFile(std::string_view name, std::uint64_t* number, std::uint64_t* gen);

}  // namespace quarry::index

#endif  // QUARRY_SRC_INDEX_FORMAT_H_
