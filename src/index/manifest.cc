// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "index/manifest.h"

#include <algorithm>
#include <cstring>

#include "util/coding.h"

namespace quarry::index {

Status WriteCommit(store::Directory* dir, const Commit& c) {
  std::string out;
  PutHeader(&out, kKindCommit, NewSegmentId());
  PutFixed64(&out, c.generation);
  PutFixed64(&out, c.next_segment);
  PutLengthPrefixed(&out, c.schema);
  PutVarint32(&out, static_cast<std::uint32_t>(c.segments.size()));
  for (const CommitSegment& s : c.segments) {
    PutVarint64(&out, s.meta.number);
    out.append(reinterpret_cast<const char*>(s.meta.id.data()), s.meta.id.size());
    PutVarint32(&out, s.meta.max_doc);
    PutVarint64(&out, s.del_gen);
    PutVarint32(&out, s.del_count);
  }
  PutFooter(&out);
  const std::string name = CommitFile(c.generation);
  const std::string tmp = name + ".tmp";
  dir->Remove(tmp).IgnoreError();  // a leftover of a failed attempt
  {
    auto f = dir->Create(tmp);
    if (!f.ok()) return f.status();
    Status s = (*f)->Append(out);
    if (s.ok()) s = (*f)->Sync();
    Status closed = (*f)->Close();
    if (s.ok()) s = closed;
    if (!s.ok()) {
      dir->Remove(tmp).IgnoreError();
      return s;
    }
  }
  Status s = dir->Rename(tmp, name);
  if (!s.ok()) {
    dir->Remove(tmp).IgnoreError();
    return s;
  }
  s = dir->SyncDir();
  if (!s.ok()) {
    // The rename may or may not be durable; make sure it is not visible.
    dir->Remove(name).IgnoreError();
    dir->SyncDir().IgnoreError();
    return s;
  }
  return Status::OK();
}

Result<Commit> ReadCommit(store::Directory* dir, std::uint64_t generation) {
  const std::string name = CommitFile(generation);
  auto f = dir->Open(name);
  if (!f.ok()) return f.status();
  const std::string_view bytes = (*f)->bytes();
  auto body = CheckFraming(bytes, name, kKindCommit, nullptr);
  if (!body.ok()) return body.status();
  QUARRY_RETURN_IF_ERROR(VerifyChecksum(bytes, name));
  Reader r(*body);
  Commit c;
  std::string_view schema;
  std::uint32_t n;
  auto bad = [&](const char* what) {
    return Status::Corruption(name + ": " + what + " at offset " +
                              std::to_string(kHeaderSize + r.position()));
  };
  if (!r.ReadFixed64(&c.generation) || !r.ReadFixed64(&c.next_segment) ||
      !r.ReadLengthPrefixed(&schema) || !r.ReadVarint32(&n)) {
    return bad("truncated commit");
  }
  if (c.generation != generation) return bad("generation does not match the name");
  c.schema = std::string(schema);
  for (std::uint32_t i = 0; i < n; ++i) {
    CommitSegment s;
    std::string_view id;
    if (!r.ReadVarint64(&s.meta.number) || !r.ReadBytes(16, &id) ||
        !r.ReadVarint32(&s.meta.max_doc) || !r.ReadVarint64(&s.del_gen) ||
        !r.ReadVarint32(&s.del_count)) {
      return bad("truncated segment list");
    }
    std::memcpy(s.meta.id.data(), id.data(), 16);
    if (s.meta.number >= c.next_segment || s.del_count > s.meta.max_doc ||
        s.meta.max_doc > kMaxDocsPerSegment || (s.del_count > 0 && s.del_gen == 0)) {
      return bad("bad segment entry");
    }
    for (const CommitSegment& other : c.segments) {
      if (other.meta.number == s.meta.number) return bad("duplicate segment");
    }
    c.segments.push_back(s);
  }
  if (r.remaining() != 0) return bad("trailing bytes");
  return c;
}

Result<std::vector<std::uint64_t>> ListCommits(store::Directory* dir) {
  auto names = dir->List();
  if (!names.ok()) return names.status();
  std::vector<std::uint64_t> gens;
  for (const std::string& name : *names) {
    std::uint64_t gen;
    if (ParseCommitFile(name, &gen)) gens.push_back(gen);
  }
  std::sort(gens.rbegin(), gens.rend());
  return gens;
}

Result<Commit> ReadNewestCommit(store::Directory* dir,
                                std::vector<std::string>* problems) {
  auto gens = ListCommits(dir);
  if (!gens.ok()) return gens.status();
  if (gens->empty()) {
    return Status::NotFound("no index in " + dir->Describe() + " (no commit file)");
  }
  std::string errors;
  bool all_vanished = true;
  for (std::uint64_t gen : *gens) {
    auto c = ReadCommit(dir, gen);
    if (c.ok()) return c;
    if (c.status().code() != StatusCode::kNotFound) all_vanished = false;
    if (problems != nullptr) problems->push_back(c.status().message());
    if (!errors.empty()) errors += "; ";
    errors += c.status().message();
    if (c.status().code() != StatusCode::kCorruption &&
        c.status().code() != StatusCode::kNotFound) {
      return c.status();
    }
  }
  if (all_vanished) {
    // Removed between listing and opening: a writer committed meanwhile.
    return Status::NotFound("commits vanished while opening " + dir->Describe());
  }
  return Status::Corruption("no valid commit in " + dir->Describe() + ": " + errors);
}

Status InCommit(const Commit& commit, const Status& s) {
  if (s.ok()) return s;
  return Status(s.code(), s.message() + " (in the index as of " +
                              CommitFile(commit.generation) + ")");
}

std::vector<std::string> CommitFiles(const Commit& c) {
  std::vector<std::string> out{CommitFile(c.generation)};
  for (const CommitSegment& s : c.segments) {
    for (std::string& f : SegmentFiles(s.meta.number)) out.push_back(std::move(f));
    if (s.del_gen > 0) out.push_back(DeletesFile(s.meta.number, s.del_gen));
  }
  return out;
}

}  // namespace quarry::index
