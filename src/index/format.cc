// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "index/format.h"

#include <charconv>
#include <cstring>
#include <random>

#include "util/coding.h"
#include "util/crc32c.h"

namespace quarry::index {

SegmentId NewSegmentId() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  SegmentId id;
  for (std::size_t i = 0; i < id.size(); i += 8) {
    const std::uint64_t r = rng();
    std::memcpy(id.data() + i, &r, 8);
  }
  return id;
}

std::string SegmentIdHex(const SegmentId& id) {
  static const char* kHex = "0123456789abcdef";
  std::string s;
  for (std::uint8_t b : id) {
    s.push_back(kHex[b >> 4]);
    s.push_back(kHex[b & 15]);
  }
  return s;
}

void PutHeader(std::string* dst, std::string_view kind, const SegmentId& id) {
  dst->append(kMagic);
  dst->append(kind);
  PutFixed32(dst, kFormatVersion);
  dst->append(reinterpret_cast<const char*>(id.data()), id.size());
}

void PutFooter(std::string* file) {
  file->append(kFooterMagic);
  PutFixed32(file, Crc32c(file->data(), file->size()));
}

Result<std::string_view> CheckFraming(std::string_view file,
                                      std::string_view name,
                                      std::string_view kind,
                                      const SegmentId* expect_id) {
  auto bad = [&](const std::string& what, std::size_t at) {
    return Status::Corruption(std::string(name) + ": " + what + " at offset " +
                              std::to_string(at));
  };
  if (file.size() < kHeaderSize + kFooterSize) {
    return bad("file too short (" + std::to_string(file.size()) + " bytes)", 0);
  }
  if (file.substr(0, 4) != kMagic) return bad("bad magic", 0);
  if (file.substr(4, 4) != kind) {
    return bad("wrong file kind '" + std::string(file.substr(4, 4)) +
                   "', expected '" + std::string(kind) + "'",
               4);
  }
  const std::uint32_t version = DecodeFixed32(file.data() + 8);
  if (version < kOldestReadableVersion || version > kFormatVersion) {
    return bad("unsupported format version " + std::to_string(version), 8);
  }
  if (expect_id != nullptr &&
      std::memcmp(file.data() + 12, expect_id->data(), expect_id->size()) != 0) {
    return bad("segment id mismatch (file from another segment or index)", 12);
  }
  const std::size_t foot = file.size() - kFooterSize;
  if (file.substr(foot, 4) != kFooterMagic) {
    return bad("missing footer (truncated?)", foot);
  }
  return file.substr(kHeaderSize, foot - kHeaderSize);
}

Status VerifyChecksum(std::string_view file, std::string_view name) {
  if (file.size() < kFooterSize) {
    return Status::Corruption(std::string(name) + ": file too short");
  }
  const std::size_t n = file.size() - 4;
  const std::uint32_t want = DecodeFixed32(file.data() + n);
  const std::uint32_t got = Crc32c(file.data(), n);
  if (want != got) {
    return Status::Corruption(std::string(name) + ": checksum mismatch at offset " +
                              std::to_string(n));
  }
  return Status::OK();
}

std::string SegmentName(std::uint64_t number) {
  std::string s = "s";  // (not "s" + ...: GCC 12 -O3 warns falsely)
  s += std::to_string(number);
  return s;
}
std::string SegmentFile(std::uint64_t number, std::string_view ext) {
  return SegmentName(number) + "." + std::string(ext);
}
std::string DeletesFile(std::uint64_t number, std::uint64_t gen) {
  return SegmentName(number) + "_" + std::to_string(gen) + ".del";
}
std::string CommitFile(std::uint64_t gen) {
  std::string s = "commit_";
  s += std::to_string(gen);
  return s;
}

namespace {
bool ParseNumber(std::string_view s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}
}  // namespace

bool ParseCommitFile(std::string_view name, std::uint64_t* gen) {
  constexpr std::string_view kPrefix = "commit_";
  if (name.substr(0, kPrefix.size()) != kPrefix) return false;
  return ParseNumber(name.substr(kPrefix.size()), gen);
}

bool ParseSegmentFile(std::string_view name, std::uint64_t* number) {
  if (name.size() < 4 || name[0] != 's') return false;
  const std::size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return false;
  const std::string_view ext = name.substr(dot + 1);
  const std::string_view stem = name.substr(1, dot - 1);
  if (ext == "del") {
    std::uint64_t gen;
    return ParseDeletesFile(name, number, &gen);
  }
  if (ext != "si" && ext != "tim" && ext != "doc" && ext != "pos" && ext != "nrm" &&
      ext != "fdt") {
    return false;
  }
  return ParseNumber(stem, number);
}

bool ParseDeletesFile(std::string_view name, std::uint64_t* number, std::uint64_t* gen) {
  constexpr std::string_view kExt = ".del";
  if (name.size() < 6 || name[0] != 's' || name.substr(name.size() - 4) != kExt) return false;
  const std::string_view stem = name.substr(1, name.size() - 1 - kExt.size());
  const std::size_t us = stem.find('_');
  if (us == std::string_view::npos) return false;
  return ParseNumber(stem.substr(0, us), number) && ParseNumber(stem.substr(us + 1), gen);
}

}  // namespace quarry::index
