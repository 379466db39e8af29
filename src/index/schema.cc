// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Schema binary form (inside every commit manifest):
//   Schema    := Version:u8(=1) FieldCount:varint Field*
//   Field     := Name:lp Kind:u8 Stored:u8 Boost:fixed32(float bits)
//                Fold:u8 Turkic:u8 Possessive:u8 Split:u8 Stem:lp
//                MaxTermBytes:varint MaxCompoundParts:varint
// (lp = varint length + bytes)
#include <bit>
#include <cmath>
#include <set>

#include "quarry/schema.h"
#include "util/coding.h"

namespace quarry {

Schema& Schema::AddText(std::string name, bool stored, AnalyzerOptions analyzer,
                        float boost) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::kText;
  f.stored = stored;
  f.boost = boost;
  f.analyzer = std::move(analyzer);
  fields_.push_back(std::move(f));
  return *this;
}

Schema& Schema::AddKeyword(std::string name, bool stored) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::kKeyword;
  f.stored = stored;
  fields_.push_back(std::move(f));
  return *this;
}

Schema& Schema::AddStored(std::string name) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::kStored;
  f.stored = true;
  fields_.push_back(std::move(f));
  return *this;
}

Schema Schema::Default() {
  Schema s;
  s.AddText("title", true, {}, 2.0f);
  s.AddText("body", true, {}, 1.0f);
  return s;
}

std::optional<std::size_t> Schema::Find(std::string_view name) const {
  for (std::size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  return std::nullopt;
}

Status Schema::Validate() const {
  if (fields_.empty()) return Status::InvalidArgument("schema has no fields");
  if (fields_.size() > 100) {
    return Status::InvalidArgument("schema has more than 100 fields");
  }
  std::set<std::string> seen;
  bool searchable = false;
  for (const FieldSpec& f : fields_) {
    if (f.name.empty() || f.name.size() > 64 || f.name[0] == '_') {
      return Status::InvalidArgument(
          "field name '" + f.name +
          "' must be 1-64 characters and must not start with '_'");
    }
    for (char c : f.name) {
      if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '_')) {
        return Status::InvalidArgument("field name '" + f.name +
                                       "' may use only [A-Za-z0-9_]");
      }
    }
    if (!seen.insert(f.name).second) {
      return Status::InvalidArgument("duplicate field '" + f.name + "'");
    }
    if (f.kind != FieldKind::kText && f.kind != FieldKind::kKeyword &&
        f.kind != FieldKind::kStored) {
      return Status::InvalidArgument("field '" + f.name + "' has a bad kind");
    }
    if (!(f.boost > 0.0f) || !std::isfinite(f.boost)) {
      return Status::InvalidArgument("field '" + f.name +
                                     "' must have a positive boost");
    }
    if (f.kind == FieldKind::kText) {
      auto a = Analyzer::Create(f.analyzer);
      if (!a.ok()) {
        return Status::InvalidArgument("field '" + f.name +
                                       "': " + a.status().message());
      }
    }
    searchable |= f.kind != FieldKind::kStored;
  }
  if (!searchable) {
    return Status::InvalidArgument("schema needs a text or keyword field");
  }
  return Status::OK();
}

std::string Schema::Serialize() const {
  std::string out;
  out.push_back(1);
  PutVarint32(&out, static_cast<std::uint32_t>(fields_.size()));
  for (const FieldSpec& f : fields_) {
    PutLengthPrefixed(&out, f.name);
    out.push_back(static_cast<char>(f.kind));
    out.push_back(f.stored ? 1 : 0);
    PutFixed32(&out, std::bit_cast<std::uint32_t>(f.boost));
    out.push_back(f.analyzer.fold_diacritics ? 1 : 0);
    out.push_back(f.analyzer.turkic_folding ? 1 : 0);
    out.push_back(f.analyzer.strip_possessive ? 1 : 0);
    out.push_back(f.analyzer.split_compounds ? 1 : 0);
    PutLengthPrefixed(&out, f.analyzer.stem_language);
    PutVarint32(&out, static_cast<std::uint32_t>(f.analyzer.max_term_bytes));
    PutVarint32(&out, static_cast<std::uint32_t>(f.analyzer.max_compound_parts));
  }
  return out;
}

Result<Schema> Schema::Parse(std::string_view bytes) {
  Reader r(bytes);
  auto bad = [&](const char* what) {
    return Status::Corruption(std::string("schema: ") + what + " at offset " +
                              std::to_string(r.position()));
  };
  std::string_view version;
  if (!r.ReadBytes(1, &version) || version[0] != 1) {
    return bad("unknown schema version");
  }
  std::uint32_t n;
  if (!r.ReadVarint32(&n) || n > 100) return bad("bad field count");
  Schema s;
  for (std::uint32_t i = 0; i < n; ++i) {
    FieldSpec f;
    std::string_view name, flags, stem;
    std::uint32_t boost_bits, max_term, max_parts;
    if (!r.ReadLengthPrefixed(&name) || !r.ReadBytes(2, &flags) ||
        !r.ReadFixed32(&boost_bits)) {
      return bad("truncated field");
    }
    f.name = std::string(name);
    f.kind = static_cast<FieldKind>(flags[0]);
    f.stored = flags[1] != 0;
    f.boost = std::bit_cast<float>(boost_bits);
    std::string_view opts;
    if (!r.ReadBytes(4, &opts) || !r.ReadLengthPrefixed(&stem) ||
        !r.ReadVarint32(&max_term) || !r.ReadVarint32(&max_parts)) {
      return bad("truncated analyzer options");
    }
    f.analyzer.fold_diacritics = opts[0] != 0;
    f.analyzer.turkic_folding = opts[1] != 0;
    f.analyzer.strip_possessive = opts[2] != 0;
    f.analyzer.split_compounds = opts[3] != 0;
    f.analyzer.stem_language = std::string(stem);
    f.analyzer.max_term_bytes = max_term;
    f.analyzer.max_compound_parts = max_parts;
    s.fields_.push_back(std::move(f));
  }
  if (r.remaining() != 0) return bad("trailing bytes");
  Status v = s.Validate();
  if (!v.ok()) return Status::Corruption("schema: " + v.message());
  return s;
}

}  // namespace quarry
