// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// CheckIndex: every checksum, then every structure, of the newest commit.
#include <set>

#include "index/index_internal.h"
#include "util/coding.h"
#include "quarry/index.h"

namespace quarry {

using index::kNoMoreDocs;

namespace {

void CheckSegment(const internal::ReaderSegment& s, const Schema& schema,
                  CheckReport* report) {
  const index::SegmentReader& seg = *s.reader;
  const std::string name = index::SegmentName(s.meta.meta.number);
  auto problem = [&](const std::string& what) { report->problems.push_back(what); };
  const auto& fields = schema.fields();
  std::uint64_t terms = 0;
  std::vector<index::PosEntry> positions;
  auto it = seg.Terms();
  while (it.Next()) {
    ++terms;
    const std::string_view key = it.key();
    const auto b = static_cast<std::uint8_t>(key[0]);
    const std::size_t field = (b & ~index::kStemFlag) - 1u;
    const bool ok_namespace =
        b == index::kIdKeyByte ||
        (field < fields.size() && fields[field].kind != FieldKind::kStored &&
         ((b & index::kStemFlag) == 0 || fields[field].kind == FieldKind::kText));
    if (!ok_namespace) {
      problem(seg.files()[1]->name() + ": term in an unknown field namespace (byte " +
              std::to_string(b) + ")");
      continue;
    }
    const index::TermInfo& info = it.info();
    auto p = seg.Postings(key, info);
    std::uint32_t count = 0;
    std::uint64_t total = 0;
    std::int64_t prev = -1;
    bool long_seen = false;
    const int norm_field = index::KeyNormField(schema, key);
    for (std::uint32_t d = p.Next(); d != kNoMoreDocs; d = p.Next()) {
      if (static_cast<std::int64_t>(d) <= prev) {
        problem(seg.doc_name() + ": doc ids not increasing in a posting list");
        break;
      }
      prev = d;
      ++count;
      total += p.freq();
      if (p.freq() > info.max_freq) {
        problem(seg.doc_name() + ": frequency above the term's bound");
        break;
      }
      if (norm_field >= 0 &&
          seg.Norm(static_cast<std::size_t>(norm_field), d) < info.min_norm) {
        problem(seg.doc_name() + ": field length below the term's bound");
        break;
      }
      {
        // The block's skip pairs must cover this posting.
        const auto bound = p.CurrentBound();
        const std::uint32_t n =
            norm_field >= 0 ? seg.Norm(static_cast<std::size_t>(norm_field), d) : 0;
        if (!((p.freq() <= bound.freq[0] && n >= bound.norm[0]) ||
              (p.freq() <= bound.freq[1] && n >= bound.norm[1]))) {
          problem(seg.doc_name() + ": a posting of document " + std::to_string(d) +
                  " exceeds its block's score bound");
          break;
        }
      }
      if (!p.Positions(&positions).ok()) break;
      if (index::KeyHasPositions(schema, key) && positions.size() != p.freq()) {
        problem(seg.pos_name() + ": position count differs from frequency");
        break;
      }
      for (const index::PosEntry& e : positions) long_seen |= e.length > 1;
    }
    if (!p.status().ok()) {
      problem(p.status().message());
    } else if (long_seen != info.long_tokens) {
      problem(seg.files()[1]->name() + ": term in " + name + " says it has " +
              (info.long_tokens ? "" : "no ") +
              "tokens longer than one position; its positions say otherwise");
    } else if (count != info.doc_freq || total != info.total_freq) {
      problem(seg.doc_name() + ": posting list of a term in " + name +
              " has " + std::to_string(count) + " docs, dictionary says " +
              std::to_string(info.doc_freq));
    }
    if (report->problems.size() > 100) return;
  }
  if (!it.status().ok()) problem(it.status().message());
  if (terms != seg.num_terms()) {
    problem(seg.files()[1]->name() + ": " + std::to_string(terms) +
            " terms, segment info says " + std::to_string(seg.num_terms()));
  }
  // Norms against field statistics.
  for (std::size_t f = 0; f < fields.size(); ++f) {
    if (fields[f].kind != FieldKind::kText) continue;
    std::uint64_t sum = 0;
    std::uint32_t with = 0;
    for (std::uint32_t d = 0; d < seg.max_doc(); ++d) {
      const std::uint32_t n = seg.Norm(f, d);
      sum += n;
      with += n > 0;
    }
    if (sum != seg.field_stats(f).total_length || with != seg.field_stats(f).doc_count) {
      problem(seg.files()[4]->name() + ": norms of field '" + fields[f].name +
              "' disagree with the segment info");
    }
  }
  // Stored fields: every document decodes into fields of the schema, and
  // its id-table entry is a valid id.
  // (ForEachStored decodes every id and fails on a bad one.)
  Status st = seg.ForEachStored([&](std::uint32_t doc, std::string_view,
                                    std::string_view bytes) -> Status {
    Reader r(bytes);
    while (r.remaining() > 0) {
      std::uint32_t no;
      std::string_view value;
      if (!r.ReadVarint32(&no) || !r.ReadLengthPrefixed(&value) || no == 0 ||
          no > fields.size()) {
        return Status::Corruption(seg.files()[5]->name() + ": bad stored field in document " +
                                  std::to_string(doc));
      }
    }
    return Status::OK();
  });
  if (!st.ok()) problem(st.message());
}

}  // namespace

namespace internal {

Result<CheckReport> IndexAccess::Check(store::Directory* dir) {
  CheckReport report;
  std::vector<std::string> newer;
  auto c = index::ReadNewestCommit(dir, &newer);
  if (!c.ok()) {
    if (c.status().code() == StatusCode::kCorruption) {
      report.problems.push_back(c.status().message());
      return report;
    }
    return c.status();
  }
  for (const std::string& p : newer) report.problems.push_back("newer commit unreadable: " + p);
  // 1. Checksums of every file.
  for (const std::string& name : index::CommitFiles(*c)) {
    auto f = dir->Open(name);
    if (!f.ok()) {
      report.problems.push_back(name + ": " + f.status().message());
      continue;
    }
    ++report.files_checked;
    report.bytes_checked += (*f)->bytes().size();
    Status s = index::VerifyChecksum((*f)->bytes(), name);
    if (!s.ok()) report.problems.push_back(s.message());
  }
  // 2. Structure.
  auto schema = Schema::Parse(c->schema);
  if (!schema.ok()) {
    report.problems.push_back(index::CommitFile(c->generation) + ": " +
                              schema.status().message());
    return report;
  }
  auto shared = std::make_shared<const Schema>(std::move(schema).value());
  for (const index::CommitSegment& cs : c->segments) {
    ReaderSegment rs;
    rs.meta = cs;
    auto r = index::SegmentReader::Open(dir, cs.meta, shared);
    if (!r.ok()) {
      report.problems.push_back(index::InCommit(*c, r.status()).message());
      continue;
    }
    rs.reader = *r;
    if (cs.del_gen > 0) {
      auto d = index::DeleteSet::Load(dir, cs.meta, cs.del_gen, cs.del_count);
      if (!d.ok()) report.problems.push_back(index::InCommit(*c, d.status()).message());
    }
    CheckSegment(rs, *shared, &report);
  }
  return report;
}

}  // namespace internal

Result<CheckReport> CheckIndex(const std::string& path) {
  auto dir = store::OpenFsDirectory(path, false);
  if (!dir.ok()) return dir.status();
  return internal::IndexAccess::Check(dir->get());
}

}  // namespace quarry
