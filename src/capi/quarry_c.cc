// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The C API (include/quarry/quarry.h) over the C++ library. Every entry point
// catches every exception: nothing C++ crosses into C.
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "quarry/analyzer.h"
#include "quarry/index.h"
#include "quarry/quarry.h"
#include "quarry/query.h"
#include "quarry/schema.h"
#include "quarry/search.h"
#include "quarry/status.h"

#ifndef QUARRY_VERSION_STRING
#define QUARRY_VERSION_STRING "0.1.0"
#endif

// The C codes mirror quarry::StatusCode value for value.
#define QUARRY_SAME_CODE(c, cc) \
  static_assert(static_cast<int>(c) == static_cast<int>(quarry::StatusCode::cc))
QUARRY_SAME_CODE(QUARRY_OK, kOk);
QUARRY_SAME_CODE(QUARRY_INVALID_ARGUMENT, kInvalidArgument);
QUARRY_SAME_CODE(QUARRY_NOT_FOUND, kNotFound);
QUARRY_SAME_CODE(QUARRY_ALREADY_EXISTS, kAlreadyExists);
QUARRY_SAME_CODE(QUARRY_CORRUPTION, kCorruption);
QUARRY_SAME_CODE(QUARRY_IO_ERROR, kIOError);
QUARRY_SAME_CODE(QUARRY_BUSY, kBusy);
QUARRY_SAME_CODE(QUARRY_RESOURCE_EXHAUSTED, kResourceExhausted);
QUARRY_SAME_CODE(QUARRY_NOT_SUPPORTED, kNotSupported);
QUARRY_SAME_CODE(QUARRY_INTERNAL, kInternal);
#undef QUARRY_SAME_CODE

static_assert(static_cast<int>(QUARRY_FIELD_TEXT) == static_cast<int>(quarry::FieldKind::kText));
static_assert(static_cast<int>(QUARRY_FIELD_KEYWORD) ==
              static_cast<int>(quarry::FieldKind::kKeyword));
static_assert(static_cast<int>(QUARRY_FIELD_STORED) ==
              static_cast<int>(quarry::FieldKind::kStored));
static_assert(static_cast<int>(QUARRY_TOKEN_WORD) == static_cast<int>(quarry::TokenKind::kWord));
static_assert(static_cast<int>(QUARRY_TOKEN_JOINED) ==
              static_cast<int>(quarry::TokenKind::kJoined));
static_assert(static_cast<int>(QUARRY_TOKEN_STEM) == static_cast<int>(quarry::TokenKind::kStem));

// ---------------------------------------------------------------------------
// Handle types. They live in the global namespace because the C header
// declares them there.

struct quarry_error {
  quarry_status code = QUARRY_OK;
  std::string message;
  std::int64_t offset = -1;
};

struct quarry_index {
  std::string path;
  quarry::Schema schema;
};

struct quarry_writer {
  std::unique_ptr<quarry::IndexWriter> writer;
};

namespace {

// One snapshot and its searcher, shared by every search that started on it.
struct Snapshot {
  std::shared_ptr<const quarry::IndexReader> reader;
  std::unique_ptr<quarry::Searcher> searcher;
};

}  // namespace

struct quarry_searcher {
  mutable std::mutex mu;  // guards `current` (the pointer, not the snapshot)
  std::shared_ptr<const Snapshot> current;

  std::shared_ptr<const Snapshot> Get() const {
    std::lock_guard<std::mutex> lock(mu);
    return current;
  }
};

struct quarry_result {
  quarry::SearchResult result;
  std::size_t cursor = 0;  // 0: before the first hit; i + 1: on hit i

  const quarry::Hit* hit() const {
    if (cursor == 0 || cursor > result.hits.size()) return nullptr;
    return &result.hits[cursor - 1];
  }
};

struct quarry_document {
  quarry::StoredDocument doc;
};

struct quarry_analyzer {
  quarry::Analyzer analyzer;
};

struct quarry_tokens {
  std::vector<quarry::Token> tokens;
  std::size_t cursor = 0;

  const quarry::Token* token() const {
    if (cursor == 0 || cursor > tokens.size()) return nullptr;
    return &tokens[cursor - 1];
  }
};

namespace {

// Returned when even an error object cannot be allocated; never freed. Its
// message fits the small-string buffer, so making it allocates nothing.
quarry_error* OutOfMemoryError() noexcept {
  static quarry_error e{QUARRY_RESOURCE_EXHAUSTED, "out of memory", -1};
  return &e;
}

quarry_status Fail(quarry_error** error, quarry_status code, std::string_view message,
                   std::int64_t offset = -1) noexcept {
  if (error == nullptr) return code;
  try {
    auto* e = new quarry_error;
    e->code = code;
    e->message.assign(message.data(), message.size());
    e->offset = offset;
    *error = e;
  } catch (...) {
    *error = OutOfMemoryError();
  }
  return code;
}

quarry_status Fail(quarry_error** error, const quarry::Status& status,
                   std::int64_t offset = -1) noexcept {
  return Fail(error, static_cast<quarry_status>(status.code()), status.message(), offset);
}

// Runs `body` (which returns a quarry_status and reports its own errors),
// turning any exception into an error code.
template <typename Body>
quarry_status Guard(quarry_error** error, const char* function, Body&& body) noexcept {
  if (error != nullptr) *error = nullptr;
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(error, QUARRY_RESOURCE_EXHAUSTED, std::string(function) + ": out of memory");
  } catch (const std::exception& e) {
    try {
      return Fail(error, QUARRY_INTERNAL, std::string(function) + ": " + e.what());
    } catch (...) {
      return Fail(error, QUARRY_INTERNAL, "internal error");
    }
  } catch (...) {
    return Fail(error, QUARRY_INTERNAL, "internal error");
  }
}

// For accessors that cannot report errors: the fallback on any exception.
template <typename T, typename Body>
T Quietly(T fallback, Body&& body) noexcept {
  try {
    return body();
  } catch (...) {
    return fallback;
  }
}

quarry_status NullArgument(quarry_error** error, const char* function, const char* what) {
  return Fail(error, QUARRY_INVALID_ARGUMENT, std::string(function) + ": " + what + " is NULL");
}

// A (pointer, length) string; QUARRY_NUL_TERMINATED means strlen. A NULL
// pointer is the empty string only with length 0.
bool View(const char* p, std::size_t len, std::string_view* out) {
  if (p == nullptr) {
    if (len != 0 && len != QUARRY_NUL_TERMINATED) return false;
    *out = {};
    return true;
  }
  *out = len == QUARRY_NUL_TERMINATED ? std::string_view(p) : std::string_view(p, len);
  return true;
}

const char* Out(const std::string& s, std::size_t* len) {
  if (len != nullptr) *len = s.size();
  return s.c_str();
}

const char* NoString(std::size_t* len) {
  if (len != nullptr) *len = 0;
  return nullptr;
}

const std::pair<std::string, std::string>* FindField(
    const std::vector<std::pair<std::string, std::string>>& fields, const char* name) {
  if (name == nullptr) return nullptr;
  for (const auto& f : fields) {
    if (f.first == name) return &f;
  }
  return nullptr;
}

int FieldAt(const std::vector<std::pair<std::string, std::string>>& fields, std::size_t i,
            const char** name, std::size_t* name_len, const char** value, std::size_t* value_len) {
  if (i >= fields.size()) {
    if (name != nullptr) *name = nullptr;
    if (value != nullptr) *value = nullptr;
    if (name_len != nullptr) *name_len = 0;
    if (value_len != nullptr) *value_len = 0;
    return 0;
  }
  const char* n = Out(fields[i].first, name_len);
  const char* v = Out(fields[i].second, value_len);
  if (name != nullptr) *name = n;
  if (value != nullptr) *value = v;
  return 1;
}

quarry::Status LoadSnapshot(std::shared_ptr<const quarry::IndexReader> reader,
                            std::shared_ptr<const Snapshot>* out) {
  auto searcher = quarry::Searcher::Create(reader);
  if (!searcher.ok()) return searcher.status();
  auto snap = std::make_shared<Snapshot>();
  snap->reader = std::move(reader);
  snap->searcher = std::move(searcher).value();
  *out = std::move(snap);
  return quarry::Status::OK();
}

// Builds a document from C arguments; reports what is wrong.
quarry_status MakeDocument(const char* function, const char* id, std::size_t id_len,
                           const quarry_field* fields, std::size_t nfields, quarry::Document* doc,
                           quarry_error** error) {
  std::string_view id_view;
  if (id == nullptr) return NullArgument(error, function, "id");
  View(id, id_len, &id_view);
  if (fields == nullptr && nfields != 0) return NullArgument(error, function, "fields");
  doc->id.assign(id_view);
  doc->fields.reserve(nfields);
  for (std::size_t i = 0; i < nfields; ++i) {
    std::string_view name, value;
    if (fields[i].name == nullptr || !View(fields[i].name, fields[i].name_len, &name)) {
      return Fail(error, QUARRY_INVALID_ARGUMENT,
                  std::string(function) + ": fields[" + std::to_string(i) + "].name is NULL");
    }
    if (!View(fields[i].value, fields[i].value_len, &value)) {
      return Fail(error, QUARRY_INVALID_ARGUMENT,
                  std::string(function) + ": fields[" + std::to_string(i) +
                      "].value is NULL with a nonzero length");
    }
    doc->fields.emplace_back(std::string(name), std::string(value));
  }
  return QUARRY_OK;
}

quarry_status WriteDocument(const char* function, bool replace, quarry_writer* writer,
                            const char* id, std::size_t id_len, const quarry_field* fields,
                            std::size_t nfields, quarry_error** error) {
  return Guard(error, function, [&]() -> quarry_status {
    if (writer == nullptr || !writer->writer) return NullArgument(error, function, "writer");
    quarry::Document doc;
    const quarry_status made = MakeDocument(function, id, id_len, fields, nfields, &doc, error);
    if (made != QUARRY_OK) return made;
    const quarry::Status s = replace ? writer->writer->Update(doc) : writer->writer->Add(doc);
    return s.ok() ? QUARRY_OK : Fail(error, s);
  });
}

// The integer value of an enum that came from C. C code may pass any int
// (C enums are ints), and loading an out-of-range value as a C++ enum is
// undefined, so the bytes are read as the underlying integer.
template <typename Enum>
long long EnumValue(const Enum& e) {
  std::underlying_type_t<Enum> v;
  static_assert(sizeof v == sizeof e);
  std::memcpy(&v, &e, sizeof v);
  return static_cast<long long>(v);
}

quarry::QueryParseOptions ParseOptionsFor(unsigned flags) {
  quarry::QueryParseOptions options;
  if ((flags & QUARRY_SEARCH_AND) != 0) {
    options.default_operator = quarry::DefaultOperator::kAnd;
  }
  options.literal = (flags & QUARRY_SEARCH_LITERAL) != 0;
  return options;
}

// Parses query text on `snap`; a syntax error keeps its byte offset.
quarry_status ParseWith(const Snapshot& snap, const char* query, std::size_t query_len,
                        unsigned flags, quarry::Query* out, quarry_error** error) {
  std::string_view text;
  View(query, query_len, &text);
  std::size_t offset = static_cast<std::size_t>(-1);
  auto parsed = snap.searcher->Parse(text, ParseOptionsFor(flags), &offset);
  if (!parsed.ok()) {
    const std::int64_t off =
        offset == static_cast<std::size_t>(-1) ? -1 : static_cast<std::int64_t>(offset);
    return Fail(error, parsed.status(), off);
  }
  *out = std::move(parsed).value();
  return QUARRY_OK;
}

}  // namespace

extern "C" {

// ---------------------------------------------------------------------------
// Errors

const char* quarry_status_name(quarry_status code) {
  switch (EnumValue(code)) {
    case QUARRY_OK:
      return "OK";
    case QUARRY_INVALID_ARGUMENT:
      return "InvalidArgument";
    case QUARRY_NOT_FOUND:
      return "NotFound";
    case QUARRY_ALREADY_EXISTS:
      return "AlreadyExists";
    case QUARRY_CORRUPTION:
      return "Corruption";
    case QUARRY_IO_ERROR:
      return "IOError";
    case QUARRY_BUSY:
      return "Busy";
    case QUARRY_RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case QUARRY_NOT_SUPPORTED:
      return "NotSupported";
    case QUARRY_INTERNAL:
      return "Internal";
  }
  return "Unknown";
}

quarry_status quarry_error_code(const quarry_error* error) {
  return error == nullptr ? QUARRY_OK : error->code;
}

const char* quarry_error_message(const quarry_error* error) {
  return error == nullptr ? "" : error->message.c_str();
}

int64_t quarry_error_offset(const quarry_error* error) {
  return error == nullptr ? -1 : error->offset;
}

void quarry_error_free(quarry_error* error) {
  if (error != OutOfMemoryError()) delete error;
}

const char* quarry_version(void) { return QUARRY_VERSION_STRING; }

// ---------------------------------------------------------------------------
// Indexes

quarry_status quarry_index_create(const char* path, const quarry_field_spec* fields, size_t nfields,
                                  quarry_index** out, quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_index_create", [&]() -> quarry_status {
    const char* fn = "quarry_index_create";
    if (path == nullptr) return NullArgument(error, fn, "path");
    if (out == nullptr) return NullArgument(error, fn, "out");
    if (fields == nullptr && nfields != 0) return NullArgument(error, fn, "fields");
    std::optional<quarry::Schema> wanted;
    if (fields != nullptr) {
      quarry::Schema schema;
      for (std::size_t i = 0; i < nfields; ++i) {
        const quarry_field_spec& f = fields[i];
        if (f.name == nullptr) {
          return Fail(error, QUARRY_INVALID_ARGUMENT,
                      std::string(fn) + ": fields[" + std::to_string(i) + "].name is NULL");
        }
        switch (EnumValue(f.kind)) {
          case QUARRY_FIELD_TEXT: {
            quarry::AnalyzerOptions analyzer;
            if (f.stem_language != nullptr) analyzer.stem_language = f.stem_language;
            schema.AddText(f.name, f.stored != 0, analyzer, f.boost == 0.0f ? 1.0f : f.boost);
            break;
          }
          case QUARRY_FIELD_KEYWORD:
            schema.AddKeyword(f.name, f.stored != 0);
            break;
          case QUARRY_FIELD_STORED:
            schema.AddStored(f.name);
            break;
          default:
            return Fail(error, QUARRY_INVALID_ARGUMENT,
                        std::string(fn) + ": fields[" + std::to_string(i) +
                            "].kind is not a quarry_field_kind");
        }
      }
      if (quarry::Status s = schema.Validate(); !s.ok()) return Fail(error, s);
      wanted = std::move(schema);
    }
    auto index = std::make_unique<quarry_index>();
    index->path = path;
    // An existing index needs no writer (which another process may hold).
    auto reader = quarry::IndexReader::Open(index->path);
    if (reader.ok()) {
      if (wanted && !(*wanted == (*reader)->schema())) {
        return Fail(
            error, QUARRY_INVALID_ARGUMENT,
            std::string(fn) + ": the index at " + index->path + " exists with a different schema");
      }
      index->schema = (*reader)->schema();
    } else if (reader.status().code() != quarry::StatusCode::kNotFound) {
      return Fail(error, reader.status());  // e.g. corruption: never create over it
    } else {
      quarry::IndexWriterOptions options;
      options.schema = wanted ? *wanted : quarry::Schema::Default();
      options.create_if_missing = true;
      auto writer = quarry::IndexWriter::Open(index->path, options);
      if (!writer.ok()) return Fail(error, writer.status());
      index->schema = (*writer)->schema();
    }
    *out = index.release();
    return QUARRY_OK;
  });
}

quarry_status quarry_index_open(const char* path, quarry_index** out, quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_index_open", [&]() -> quarry_status {
    if (path == nullptr) return NullArgument(error, "quarry_index_open", "path");
    if (out == nullptr) return NullArgument(error, "quarry_index_open", "out");
    auto index = std::make_unique<quarry_index>();
    index->path = path;
    auto reader = quarry::IndexReader::Open(index->path);
    if (!reader.ok()) return Fail(error, reader.status());
    index->schema = (*reader)->schema();
    *out = index.release();
    return QUARRY_OK;
  });
}

void quarry_index_free(quarry_index* index) { delete index; }

size_t quarry_index_field_count(const quarry_index* index) {
  return index == nullptr ? 0 : index->schema.fields().size();
}

const char* quarry_index_field_name(const quarry_index* index, size_t i) {
  if (index == nullptr || i >= index->schema.fields().size()) return nullptr;
  return index->schema.fields()[i].name.c_str();
}

quarry_field_kind quarry_index_field_kind(const quarry_index* index, size_t i) {
  if (index == nullptr || i >= index->schema.fields().size()) return QUARRY_FIELD_STORED;
  return static_cast<quarry_field_kind>(index->schema.fields()[i].kind);
}

// ---------------------------------------------------------------------------
// Writing

quarry_status quarry_writer_open(const quarry_index* index, quarry_writer** out,
                                 quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_writer_open", [&]() -> quarry_status {
    if (index == nullptr) return NullArgument(error, "quarry_writer_open", "index");
    if (out == nullptr) return NullArgument(error, "quarry_writer_open", "out");
    quarry::IndexWriterOptions options;
    options.create_if_missing = false;  // quarry_index_create made it
    auto writer = quarry::IndexWriter::Open(index->path, options);
    if (!writer.ok()) return Fail(error, writer.status());
    auto w = std::make_unique<quarry_writer>();
    w->writer = std::move(writer).value();
    *out = w.release();
    return QUARRY_OK;
  });
}

void quarry_writer_free(quarry_writer* writer) {
  // ~IndexWriter rolls back and reports nothing; it does not throw.
  delete writer;
}

quarry_status quarry_writer_add(quarry_writer* writer, const char* id, size_t id_len,
                                const quarry_field* fields, size_t nfields, quarry_error** error) {
  return WriteDocument("quarry_writer_add", false, writer, id, id_len, fields, nfields, error);
}

quarry_status quarry_writer_update(quarry_writer* writer, const char* id, size_t id_len,
                                   const quarry_field* fields, size_t nfields,
                                   quarry_error** error) {
  return WriteDocument("quarry_writer_update", true, writer, id, id_len, fields, nfields, error);
}

quarry_status quarry_writer_delete(quarry_writer* writer, const char* id, size_t id_len,
                                   quarry_error** error) {
  return Guard(error, "quarry_writer_delete", [&]() -> quarry_status {
    if (writer == nullptr || !writer->writer) {
      return NullArgument(error, "quarry_writer_delete", "writer");
    }
    if (id == nullptr) return NullArgument(error, "quarry_writer_delete", "id");
    std::string_view id_view;
    View(id, id_len, &id_view);
    const quarry::Status s = writer->writer->Delete(id_view);
    return s.ok() ? QUARRY_OK : Fail(error, s);
  });
}

quarry_status quarry_writer_commit(quarry_writer* writer, quarry_error** error) {
  return Guard(error, "quarry_writer_commit", [&]() -> quarry_status {
    if (writer == nullptr || !writer->writer) {
      return NullArgument(error, "quarry_writer_commit", "writer");
    }
    const quarry::Status s = writer->writer->Commit();
    return s.ok() ? QUARRY_OK : Fail(error, s);
  });
}

quarry_status quarry_writer_rollback(quarry_writer* writer, quarry_error** error) {
  return Guard(error, "quarry_writer_rollback", [&]() -> quarry_status {
    if (writer == nullptr || !writer->writer) {
      return NullArgument(error, "quarry_writer_rollback", "writer");
    }
    const quarry::Status s = writer->writer->Rollback();
    return s.ok() ? QUARRY_OK : Fail(error, s);
  });
}

// ---------------------------------------------------------------------------
// Searching

quarry_status quarry_searcher_open(const quarry_index* index, quarry_searcher** out,
                                   quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_searcher_open", [&]() -> quarry_status {
    if (index == nullptr) return NullArgument(error, "quarry_searcher_open", "index");
    if (out == nullptr) return NullArgument(error, "quarry_searcher_open", "out");
    auto reader = quarry::IndexReader::Open(index->path);
    if (!reader.ok()) return Fail(error, reader.status());
    auto s = std::make_unique<quarry_searcher>();
    if (quarry::Status st = LoadSnapshot(std::move(reader).value(), &s->current); !st.ok()) {
      return Fail(error, st);
    }
    *out = s.release();
    return QUARRY_OK;
  });
}

quarry_status quarry_searcher_reopen(quarry_searcher* searcher, int* changed,
                                     quarry_error** error) {
  if (changed != nullptr) *changed = 0;
  return Guard(error, "quarry_searcher_reopen", [&]() -> quarry_status {
    if (searcher == nullptr) return NullArgument(error, "quarry_searcher_reopen", "searcher");
    // Reopen outside the lock: searches keep going meanwhile. Two racing
    // reopens may both load; the newer generation wins.
    const std::shared_ptr<const Snapshot> old = searcher->Get();
    auto reader = old->reader->Reopen();
    if (!reader.ok()) return Fail(error, reader.status());
    if (reader->get() == old->reader.get()) return QUARRY_OK;
    std::shared_ptr<const Snapshot> fresh;
    if (quarry::Status st = LoadSnapshot(std::move(reader).value(), &fresh); !st.ok()) {
      return Fail(error, st);
    }
    {
      std::lock_guard<std::mutex> lock(searcher->mu);
      if (fresh->reader->generation() > searcher->current->reader->generation()) {
        searcher->current = fresh;
      }
    }
    if (changed != nullptr) *changed = 1;
    // `old` (maybe the last reference to the old snapshot) is released here,
    // outside the lock.
    return QUARRY_OK;
  });
}

void quarry_searcher_free(quarry_searcher* searcher) { delete searcher; }

uint64_t quarry_searcher_generation(const quarry_searcher* searcher) {
  if (searcher == nullptr) return 0;
  return Quietly<uint64_t>(0, [&] { return searcher->Get()->reader->generation(); });
}

uint64_t quarry_searcher_num_docs(const quarry_searcher* searcher) {
  if (searcher == nullptr) return 0;
  return Quietly<uint64_t>(0, [&] { return searcher->Get()->reader->num_docs(); });
}

quarry_status quarry_search(quarry_searcher* searcher, const char* query, size_t query_len,
                            size_t limit, size_t offset, unsigned flags, quarry_result** out,
                            quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_search", [&]() -> quarry_status {
    if (searcher == nullptr) return NullArgument(error, "quarry_search", "searcher");
    if (query == nullptr) return NullArgument(error, "quarry_search", "query");
    if (out == nullptr) return NullArgument(error, "quarry_search", "out");
    const std::shared_ptr<const Snapshot> snap = searcher->Get();
    quarry::Query q;
    if (quarry_status st = ParseWith(*snap, query, query_len, flags, &q, error); st != QUARRY_OK) {
      return st;
    }
    quarry::SearchOptions options;
    options.limit = limit;
    options.offset = offset;
    if ((flags & QUARRY_SEARCH_EXACT_TOTAL) != 0) options.total_hits_threshold = UINT64_MAX;
    options.load_fields = (flags & QUARRY_SEARCH_NO_FIELDS) == 0;
    if ((flags & QUARRY_SEARCH_SNIPPETS) != 0) {
      for (const quarry::FieldSpec& f : snap->reader->schema().fields()) {
        if (f.kind == quarry::FieldKind::kText && f.stored) {
          options.snippet_fields.push_back(f.name);
        }
      }
    }
    options.snippet.escape_html = (flags & QUARRY_SEARCH_ESCAPE_HTML) != 0;
    auto result = snap->searcher->Search(q, options);
    if (!result.ok()) return Fail(error, result.status());
    auto r = std::make_unique<quarry_result>();
    r->result = std::move(result).value();
    *out = r.release();
    return QUARRY_OK;
  });
}

quarry_status quarry_count(quarry_searcher* searcher, const char* query, size_t query_len,
                           unsigned flags, uint64_t* count, quarry_error** error) {
  if (count != nullptr) *count = 0;
  return Guard(error, "quarry_count", [&]() -> quarry_status {
    if (searcher == nullptr) return NullArgument(error, "quarry_count", "searcher");
    if (query == nullptr) return NullArgument(error, "quarry_count", "query");
    if (count == nullptr) return NullArgument(error, "quarry_count", "count");
    const std::shared_ptr<const Snapshot> snap = searcher->Get();
    quarry::Query q;
    if (quarry_status st = ParseWith(*snap, query, query_len, flags, &q, error); st != QUARRY_OK) {
      return st;
    }
    auto n = snap->searcher->Count(q);
    if (!n.ok()) return Fail(error, n.status());
    *count = *n;
    return QUARRY_OK;
  });
}

quarry_status quarry_searcher_get(quarry_searcher* searcher, const char* id, size_t id_len,
                                  quarry_document** out, quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_searcher_get", [&]() -> quarry_status {
    if (searcher == nullptr) return NullArgument(error, "quarry_searcher_get", "searcher");
    if (id == nullptr) return NullArgument(error, "quarry_searcher_get", "id");
    if (out == nullptr) return NullArgument(error, "quarry_searcher_get", "out");
    std::string_view id_view;
    View(id, id_len, &id_view);
    auto stored = searcher->Get()->reader->Get(id_view);
    if (!stored.ok()) return Fail(error, stored.status());
    auto d = std::make_unique<quarry_document>();
    d->doc = std::move(stored).value();
    *out = d.release();
    return QUARRY_OK;
  });
}

void quarry_result_free(quarry_result* result) { delete result; }

size_t quarry_result_count(const quarry_result* result) {
  return result == nullptr ? 0 : result->result.hits.size();
}

uint64_t quarry_result_total_hits(const quarry_result* result) {
  return result == nullptr ? 0 : result->result.total_hits;
}

int quarry_result_total_exact(const quarry_result* result) {
  return result != nullptr && result->result.total_exact ? 1 : 0;
}

int quarry_result_next(quarry_result* result) {
  if (result == nullptr) return 0;
  if (result->cursor <= result->result.hits.size()) ++result->cursor;
  return result->cursor <= result->result.hits.size() ? 1 : 0;
}

void quarry_result_rewind(quarry_result* result) {
  if (result != nullptr) result->cursor = 0;
}

const char* quarry_result_id(const quarry_result* result, size_t* len) {
  const quarry::Hit* hit = result == nullptr ? nullptr : result->hit();
  return hit == nullptr ? NoString(len) : Out(hit->id, len);
}

double quarry_result_score(const quarry_result* result) {
  const quarry::Hit* hit = result == nullptr ? nullptr : result->hit();
  return hit == nullptr ? 0.0 : hit->score;
}

const char* quarry_result_field(const quarry_result* result, const char* field, size_t* len) {
  const quarry::Hit* hit = result == nullptr ? nullptr : result->hit();
  const auto* f = hit == nullptr ? nullptr : FindField(hit->fields, field);
  return f == nullptr ? NoString(len) : Out(f->second, len);
}

size_t quarry_result_field_count(const quarry_result* result) {
  const quarry::Hit* hit = result == nullptr ? nullptr : result->hit();
  return hit == nullptr ? 0 : hit->fields.size();
}

int quarry_result_field_at(const quarry_result* result, size_t i, const char** name,
                           size_t* name_len, const char** value, size_t* value_len) {
  static const std::vector<std::pair<std::string, std::string>> kNone;
  const quarry::Hit* hit = result == nullptr ? nullptr : result->hit();
  return FieldAt(hit == nullptr ? kNone : hit->fields, i, name, name_len, value, value_len);
}

const char* quarry_result_snippet(const quarry_result* result, const char* field, size_t* len) {
  const quarry::Hit* hit = result == nullptr ? nullptr : result->hit();
  if (hit == nullptr || field == nullptr) return NoString(len);
  for (const quarry::Snippet& s : hit->snippets) {
    if (s.field == field) return Out(s.text, len);
  }
  return NoString(len);
}

void quarry_document_free(quarry_document* doc) { delete doc; }

const char* quarry_document_id(const quarry_document* doc, size_t* len) {
  return doc == nullptr ? NoString(len) : Out(doc->doc.id, len);
}

const char* quarry_document_field(const quarry_document* doc, const char* field, size_t* len) {
  const auto* f = doc == nullptr ? nullptr : FindField(doc->doc.fields, field);
  return f == nullptr ? NoString(len) : Out(f->second, len);
}

size_t quarry_document_field_count(const quarry_document* doc) {
  return doc == nullptr ? 0 : doc->doc.fields.size();
}

int quarry_document_field_at(const quarry_document* doc, size_t i, const char** name,
                             size_t* name_len, const char** value, size_t* value_len) {
  static const std::vector<std::pair<std::string, std::string>> kNone;
  return FieldAt(doc == nullptr ? kNone : doc->doc.fields, i, name, name_len, value, value_len);
}

// ---------------------------------------------------------------------------
// Analysis

quarry_status quarry_analyzer_new(const char* stem_language, unsigned flags, quarry_analyzer** out,
                                  quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_analyzer_new", [&]() -> quarry_status {
    if (out == nullptr) return NullArgument(error, "quarry_analyzer_new", "out");
    quarry::AnalyzerOptions options;
    if (stem_language != nullptr) options.stem_language = stem_language;
    options.fold_diacritics = (flags & QUARRY_ANALYZE_NO_FOLD_DIACRITICS) == 0;
    options.turkic_folding = (flags & QUARRY_ANALYZE_TURKIC) != 0;
    options.strip_possessive = (flags & QUARRY_ANALYZE_KEEP_POSSESSIVE) == 0;
    options.split_compounds = (flags & QUARRY_ANALYZE_NO_COMPOUNDS) == 0;
    auto analyzer = quarry::Analyzer::Create(options);
    if (!analyzer.ok()) return Fail(error, analyzer.status());
    *out = new quarry_analyzer{std::move(analyzer).value()};
    return QUARRY_OK;
  });
}

void quarry_analyzer_free(quarry_analyzer* analyzer) { delete analyzer; }

quarry_status quarry_analyze(quarry_analyzer* analyzer, const char* text, size_t text_len,
                             quarry_tokens** out, quarry_error** error) {
  if (out != nullptr) *out = nullptr;
  return Guard(error, "quarry_analyze", [&]() -> quarry_status {
    if (out == nullptr) return NullArgument(error, "quarry_analyze", "out");
    std::string_view view;
    if (!View(text, text_len, &view)) return NullArgument(error, "quarry_analyze", "text");
    std::optional<quarry::Analyzer> local;
    quarry::Analyzer* a = analyzer == nullptr ? nullptr : &analyzer->analyzer;
    if (a == nullptr) {
      auto created = quarry::Analyzer::Create();
      if (!created.ok()) return Fail(error, created.status());
      local.emplace(std::move(created).value());
      a = &*local;
    }
    auto tokens = a->Analyze(view);
    if (!tokens.ok()) return Fail(error, tokens.status());
    auto t = std::make_unique<quarry_tokens>();
    t->tokens = std::move(tokens).value();
    *out = t.release();
    return QUARRY_OK;
  });
}

void quarry_tokens_free(quarry_tokens* tokens) { delete tokens; }

size_t quarry_tokens_count(const quarry_tokens* tokens) {
  return tokens == nullptr ? 0 : tokens->tokens.size();
}

int quarry_tokens_next(quarry_tokens* tokens) {
  if (tokens == nullptr) return 0;
  if (tokens->cursor <= tokens->tokens.size()) ++tokens->cursor;
  return tokens->cursor <= tokens->tokens.size() ? 1 : 0;
}

void quarry_tokens_rewind(quarry_tokens* tokens) {
  if (tokens != nullptr) tokens->cursor = 0;
}

const char* quarry_tokens_term(const quarry_tokens* tokens, size_t* len) {
  const quarry::Token* t = tokens == nullptr ? nullptr : tokens->token();
  return t == nullptr ? NoString(len) : Out(t->term, len);
}

uint32_t quarry_tokens_position(const quarry_tokens* tokens) {
  const quarry::Token* t = tokens == nullptr ? nullptr : tokens->token();
  return t == nullptr ? 0 : t->position;
}

uint32_t quarry_tokens_position_length(const quarry_tokens* tokens) {
  const quarry::Token* t = tokens == nullptr ? nullptr : tokens->token();
  return t == nullptr ? 0 : t->position_length;
}

uint32_t quarry_tokens_start(const quarry_tokens* tokens) {
  const quarry::Token* t = tokens == nullptr ? nullptr : tokens->token();
  return t == nullptr ? 0 : t->start;
}

uint32_t quarry_tokens_end(const quarry_tokens* tokens) {
  const quarry::Token* t = tokens == nullptr ? nullptr : tokens->token();
  return t == nullptr ? 0 : t->end;
}

quarry_token_kind quarry_tokens_kind(const quarry_tokens* tokens) {
  const quarry::Token* t = tokens == nullptr ? nullptr : tokens->token();
  return t == nullptr ? QUARRY_TOKEN_WORD : static_cast<quarry_token_kind>(t->kind);
}

}  // extern "C"
