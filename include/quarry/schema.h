// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Documents and the schema that describes their fields.
//
// Every document has a unique external id (a string, at most 512 bytes).
// Fields are of three kinds:
//   * text     - analyzed into positional terms (phrase queries work on
//                them), optionally stored for display and snippets;
//   * keyword  - one exact term per value (filters, tags, ids), optionally
//                stored;
//   * stored   - kept only for retrieval, never searchable.
// The schema is saved in the index; opening an index with a different schema
// is an error.
#ifndef QUARRY_SCHEMA_H_
#define QUARRY_SCHEMA_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "quarry/analyzer.h"
#include "quarry/status.h"

namespace quarry {

enum class FieldKind : std::uint8_t { kText = 1, kKeyword = 2, kStored = 3 };

struct FieldSpec {
  std::string name;     // [A-Za-z0-9_]{1,64}, not starting with `_`
  FieldKind kind = FieldKind::kText;
  bool stored = true;   // ignored for kStored (always stored)
  float boost = 1.0f;   // BM25 weight of matches in this field (text only)
  AnalyzerOptions analyzer;  // text fields only
};

// Immutable once built; safe to share.
class Schema {
 public:
  Schema() = default;

  // Builder-style helpers. Errors (bad or duplicate names) are reported by
  // Validate(), which the index calls on create.
  Schema& AddText(std::string name, bool stored = true,
                  AnalyzerOptions analyzer = {}, float boost = 1.0f);
  Schema& AddKeyword(std::string name, bool stored = true);
  Schema& AddStored(std::string name);

  // A schema for news-like documents: text fields `title` (boost 2) and
  // `body`, both stored.
  static Schema Default();

  Status Validate() const;

  const std::vector<FieldSpec>& fields() const { return fields_; }
  // The index of a field by name, or nullopt.
  std::optional<std::size_t> Find(std::string_view name) const;

  // Stable binary form, saved in every commit.
  std::string Serialize() const;
  static Result<Schema> Parse(std::string_view bytes);

  friend bool operator==(const Schema& a, const Schema& b) {
    return a.Serialize() == b.Serialize();
  }

 private:
  std::vector<FieldSpec> fields_;
};

// A document to index: an id and field values. A field may be given more
// than once (a multi-valued field); text values are indexed one after the
// other with a gap of 100 positions so phrases never span two values.
struct Document {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;

  Document& Add(std::string field, std::string value) {
    fields.emplace_back(std::move(field), std::move(value));
    return *this;
  }
};

// A document read back from the index: its id and stored fields.
struct StoredDocument {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;

  // The first value of `field`, or nullopt.
  std::optional<std::string_view> Get(std::string_view field) const {
    for (const auto& [name, value] : fields) {
      if (name == field) return std::string_view(value);
    }
    return std::nullopt;
  }
};

}  // namespace quarry

#endif  // QUARRY_SCHEMA_H_
