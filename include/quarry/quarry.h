/* Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
 *
 * quarry's C API: a stable C ABI over the C++ library, for C programs and for
 * bindings (Python ctypes/cffi, Go cgo, Rust, ...). This header compiles as
 * C99 and as C++; it includes nothing but <stddef.h> and <stdint.h>.
 *
 *   quarry_index* index = NULL;
 *   quarry_error* err = NULL;
 *   if (quarry_index_create("/data/news", NULL, 0, &index, &err) != QUARRY_OK) {
 *     fprintf(stderr, "%s\n", quarry_error_message(err));
 *     quarry_error_free(err);
 *     return 1;
 *   }
 *   quarry_writer* w = NULL;
 *   quarry_writer_open(index, &w, &err);
 *   quarry_field f[] = {{"title", QUARRY_NUL_TERMINATED, "Peace talks", QUARRY_NUL_TERMINATED}};
 *   quarry_writer_update(w, "news-1", QUARRY_NUL_TERMINATED, f, 1, &err);
 *   quarry_writer_commit(w, &err);
 *
 *   quarry_searcher* s = NULL;
 *   quarry_searcher_open(index, &s, &err);
 *   quarry_result* r = NULL;
 *   quarry_search(s, "peace", QUARRY_NUL_TERMINATED, 10, 0, QUARRY_SEARCH_SNIPPETS, &r, &err);
 *   while (quarry_result_next(r)) {
 *     printf("%s %f\n", quarry_result_id(r, NULL), quarry_result_score(r));
 *   }
 *   quarry_result_free(r);
 *   quarry_searcher_free(s);
 *   quarry_writer_free(w);
 *   quarry_index_free(index);
 *
 * ERRORS. Every function that can fail returns a quarry_status (QUARRY_OK on
 * success) and takes a last argument `quarry_error** error`. When `error` is
 * not NULL, *error is set to NULL on success and to a new error object on
 * failure; the caller frees that object with quarry_error_free (a pointer that
 * still holds an unfreed error is overwritten, and that error leaks).
 * `error` may be NULL when the status code is enough. No C++ exception ever
 * leaves this API: std::bad_alloc becomes QUARRY_RESOURCE_EXHAUSTED, anything
 * else QUARRY_INTERNAL. A NULL handle or a NULL required pointer is
 * QUARRY_INVALID_ARGUMENT, never a crash. On failure, out-parameters are set
 * to NULL / 0.
 *
 * OWNERSHIP. Every handle returned through an out-parameter is owned by the
 * caller and freed with the matching quarry_*_free function, which accepts
 * NULL. Handles do not depend on each other's lifetime: an index, its writer,
 * its searchers and their results may be freed in any order (each keeps what
 * it needs alive internally).
 *
 * STRINGS. Input strings are (pointer, length) pairs; a length of
 * QUARRY_NUL_TERMINATED means "up to the first NUL byte". Field names and
 * paths are NUL-terminated. Text is UTF-8 (invalid bytes are tolerated, see
 * analyzer.h). Returned strings are owned by the handle they come from and
 * stay valid until that handle is freed (quarry_result_*: until
 * quarry_result_free; quarry_tokens_*: until quarry_tokens_free; ...). They
 * are NUL-terminated, and their length in bytes (which counts embedded NUL
 * bytes, possible in stored values) is stored in *len when `len` is not NULL.
 *
 * THREADS.
 *   quarry_index     immutable; any number of threads.
 *   quarry_searcher  thread-safe: any number of threads may search while
 *                    another calls quarry_searcher_reopen.
 *   quarry_writer    one thread at a time; one writer per index, in all
 *                    processes (a second one gets QUARRY_BUSY).
 *   quarry_analyzer, quarry_result, quarry_tokens, quarry_document
 *                    one thread at a time (they hold iteration state).
 *   quarry_error     immutable.
 */
#ifndef QUARRY_QUARRY_H_
#define QUARRY_QUARRY_H_

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define QUARRY_C_API
#else
#define QUARRY_C_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* A length meaning "the string is NUL-terminated". */
#define QUARRY_NUL_TERMINATED ((size_t)-1)

/* ------------------------------------------------------------------------ */
/* Status codes and errors                                                  */

/* Mirrors quarry::StatusCode (status.h), value for value. */
typedef enum quarry_status {
  QUARRY_OK = 0,
  QUARRY_INVALID_ARGUMENT = 1, /* a caller mistake: bad query syntax, NULL */
  QUARRY_NOT_FOUND = 2,        /* no such index, document, ... */
  QUARRY_ALREADY_EXISTS = 3,   /* quarry_writer_add of an existing id */
  QUARRY_CORRUPTION = 4,       /* bad bytes on disk */
  QUARRY_IO_ERROR = 5,
  QUARRY_BUSY = 6,               /* another writer holds the index */
  QUARRY_RESOURCE_EXHAUSTED = 7, /* out of memory or disk space */
  QUARRY_NOT_SUPPORTED = 8,
  QUARRY_INTERNAL = 9
} quarry_status;

typedef struct quarry_error quarry_error;

/* The name of a code, e.g. "InvalidArgument"; a static string. */
QUARRY_C_API const char* quarry_status_name(quarry_status code);

/* The code of an error; QUARRY_OK for NULL. */
QUARRY_C_API quarry_status quarry_error_code(const quarry_error* error);
/* What went wrong and where, e.g. "query syntax error at byte 7: missing
 * closing quote"; "" for NULL. Valid until quarry_error_free. */
QUARRY_C_API const char* quarry_error_message(const quarry_error* error);
/* For a query syntax error, the byte offset in the query text where the
 * error was found; -1 otherwise. */
QUARRY_C_API int64_t quarry_error_offset(const quarry_error* error);
QUARRY_C_API void quarry_error_free(quarry_error* error);

/* The library version, e.g. "0.1.0"; a static string. */
QUARRY_C_API const char* quarry_version(void);

/* ------------------------------------------------------------------------ */
/* Indexes                                                                  */

typedef enum quarry_field_kind {
  QUARRY_FIELD_TEXT = 1,    /* analyzed, searchable by words and phrases */
  QUARRY_FIELD_KEYWORD = 2, /* one exact term per value */
  QUARRY_FIELD_STORED = 3   /* only kept for retrieval */
} quarry_field_kind;

/* One field of a new index's schema (see schema.h). */
typedef struct quarry_field_spec {
  const char* name; /* [A-Za-z0-9_]{1,64}, not starting with '_' */
  quarry_field_kind kind;
  int stored;                /* text/keyword: nonzero keeps the value (for
                                retrieval and snippets) */
  float boost;               /* text: BM25 weight; 0 means 1 */
  const char* stem_language; /* text: Snowball stemmer ("english", ...) or
                                NULL for none */
} quarry_field_spec;

typedef struct quarry_index quarry_index;

/* Opens the index at `path`, creating it (directory and first empty commit)
 * when it does not exist. `fields` (nfields entries) is the schema of a new
 * index; NULL means the default schema (text fields `title`, boost 2, and
 * `body`, both stored). An existing index is opened as it is when `fields`
 * is NULL, and must have exactly the given schema otherwise
 * (QUARRY_INVALID_ARGUMENT). */
QUARRY_C_API quarry_status quarry_index_create(const char* path, const quarry_field_spec* fields,
                                               size_t nfields, quarry_index** out,
                                               quarry_error** error);
/* Opens an existing index; QUARRY_NOT_FOUND when there is none. */
QUARRY_C_API quarry_status quarry_index_open(const char* path, quarry_index** out,
                                             quarry_error** error);
QUARRY_C_API void quarry_index_free(quarry_index* index);

/* The schema's fields, in order; names are valid until quarry_index_free.
 * quarry_index_field_name returns NULL when i is out of range. */
QUARRY_C_API size_t quarry_index_field_count(const quarry_index* index);
QUARRY_C_API const char* quarry_index_field_name(const quarry_index* index, size_t i);
QUARRY_C_API quarry_field_kind quarry_index_field_kind(const quarry_index* index, size_t i);

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */

typedef struct quarry_writer quarry_writer;

/* One field value of a document. A field may appear more than once (a
 * multi-valued field). Lengths may be QUARRY_NUL_TERMINATED. */
typedef struct quarry_field {
  const char* name;
  size_t name_len;
  const char* value;
  size_t value_len;
} quarry_field;

/* Opens the index's writer. QUARRY_BUSY while another writer (in any
 * process) has it open. */
QUARRY_C_API quarry_status quarry_writer_open(const quarry_index* index, quarry_writer** out,
                                              quarry_error** error);
/* Rolls back uncommitted changes and releases the index. */
QUARRY_C_API void quarry_writer_free(quarry_writer* writer);

/* Adds a new document (id: 1-512 bytes). QUARRY_ALREADY_EXISTS when a
 * document with this id exists; QUARRY_INVALID_ARGUMENT for an unknown
 * field. A failed call changes nothing. */
QUARRY_C_API quarry_status quarry_writer_add(quarry_writer* writer, const char* id, size_t id_len,
                                             const quarry_field* fields, size_t nfields,
                                             quarry_error** error);
/* Replaces the document with this id, or adds it. */
QUARRY_C_API quarry_status quarry_writer_update(quarry_writer* writer, const char* id,
                                                size_t id_len, const quarry_field* fields,
                                                size_t nfields, quarry_error** error);
/* Deletes the document with this id; QUARRY_NOT_FOUND when there is none. */
QUARRY_C_API quarry_status quarry_writer_delete(quarry_writer* writer, const char* id,
                                                size_t id_len, quarry_error** error);
/* Makes every change since the last commit durable and visible to searchers
 * that open or reopen afterwards. On failure the previous commit is intact
 * and the writer may retry. */
QUARRY_C_API quarry_status quarry_writer_commit(quarry_writer* writer, quarry_error** error);
/* Discards every change since the last commit. */
QUARRY_C_API quarry_status quarry_writer_rollback(quarry_writer* writer, quarry_error** error);

/* ------------------------------------------------------------------------ */
/* Searching                                                                */

typedef struct quarry_searcher quarry_searcher;
typedef struct quarry_result quarry_result;
typedef struct quarry_document quarry_document;

/* Flags of quarry_search and quarry_count (bitwise OR). */
#define QUARRY_SEARCH_SNIPPETS 0x1u     /* snippets of every stored text field */
#define QUARRY_SEARCH_NO_FIELDS 0x2u    /* do not load stored fields */
#define QUARRY_SEARCH_EXACT_TOTAL 0x4u  /* count every match exactly */
#define QUARRY_SEARCH_AND 0x8u          /* words without operator: all must match */
#define QUARRY_SEARCH_LITERAL 0x10u     /* no query syntax: the text is words */
#define QUARRY_SEARCH_ESCAPE_HTML 0x20u /* escape < > & " ' in snippets */

/* A searcher on the index's newest commit. */
QUARRY_C_API quarry_status quarry_searcher_open(const quarry_index* index, quarry_searcher** out,
                                                quarry_error** error);
/* Moves the searcher to the newest commit (cheap when nothing changed;
 * unchanged segments are shared). Searches running meanwhile finish on the
 * snapshot they started with. *changed (optional) is set to 1 when the
 * snapshot changed, else 0. */
QUARRY_C_API quarry_status quarry_searcher_reopen(quarry_searcher* searcher, int* changed,
                                                  quarry_error** error);
QUARRY_C_API void quarry_searcher_free(quarry_searcher* searcher);
/* The commit generation and the number of live documents of the current
 * snapshot (0 for NULL). */
QUARRY_C_API uint64_t quarry_searcher_generation(const quarry_searcher* searcher);
QUARRY_C_API uint64_t quarry_searcher_num_docs(const quarry_searcher* searcher);

/* Parses `query` (query.h's syntax: words, "phrases"~N, +must -not, AND OR
 * NOT, (groups), field:word, pre*, word^2) and returns the hits ranked by
 * BM25, skipping `offset` and returning at most `limit`. A syntax error is
 * QUARRY_INVALID_ARGUMENT; quarry_error_offset tells where. */
QUARRY_C_API quarry_status quarry_search(quarry_searcher* searcher, const char* query,
                                         size_t query_len, size_t limit, size_t offset,
                                         unsigned flags, quarry_result** out, quarry_error** error);
/* The exact number of live documents matching `query` (QUARRY_SEARCH_AND and
 * QUARRY_SEARCH_LITERAL apply). */
QUARRY_C_API quarry_status quarry_count(quarry_searcher* searcher, const char* query,
                                        size_t query_len, unsigned flags, uint64_t* count,
                                        quarry_error** error);
/* The stored fields of the document with this id in the searcher's snapshot;
 * QUARRY_NOT_FOUND if it is absent or deleted. */
QUARRY_C_API quarry_status quarry_searcher_get(quarry_searcher* searcher, const char* id,
                                               size_t id_len, quarry_document** out,
                                               quarry_error** error);

/* A result is a page of hits with a cursor, which starts before the first
 * hit: `while (quarry_result_next(r)) { ... }`. The hit accessors below read
 * the hit under the cursor; before the first or after the last hit they
 * return NULL / 0. Strings are valid until quarry_result_free. */
QUARRY_C_API void quarry_result_free(quarry_result* result);
/* Hits in this page. */
QUARRY_C_API size_t quarry_result_count(const quarry_result* result);
/* Matching documents; a lower bound when quarry_result_total_exact is 0. */
QUARRY_C_API uint64_t quarry_result_total_hits(const quarry_result* result);
QUARRY_C_API int quarry_result_total_exact(const quarry_result* result);
/* Moves to the next hit: 1 if there is one, 0 at the end. */
QUARRY_C_API int quarry_result_next(quarry_result* result);
/* Moves the cursor before the first hit again. */
QUARRY_C_API void quarry_result_rewind(quarry_result* result);
QUARRY_C_API const char* quarry_result_id(const quarry_result* result, size_t* len);
QUARRY_C_API double quarry_result_score(const quarry_result* result);
/* The first stored value of `field` (NULL if the hit has none). */
QUARRY_C_API const char* quarry_result_field(const quarry_result* result, const char* field,
                                             size_t* len);
/* All stored values in order: field i's name and value; 0 when i is out of
 * range. name/value/lengths may each be NULL. */
QUARRY_C_API size_t quarry_result_field_count(const quarry_result* result);
QUARRY_C_API int quarry_result_field_at(const quarry_result* result, size_t i, const char** name,
                                        size_t* name_len, const char** value, size_t* value_len);
/* The highlighted snippet of `field` (matches between <b> and </b>, "…"
 * where the window cuts the text); NULL when none was made (flag
 * QUARRY_SEARCH_SNIPPETS unset, or the field is not a stored text field). */
QUARRY_C_API const char* quarry_result_snippet(const quarry_result* result, const char* field,
                                               size_t* len);

/* A stored document (quarry_searcher_get). Strings are valid until
 * quarry_document_free. */
QUARRY_C_API void quarry_document_free(quarry_document* doc);
QUARRY_C_API const char* quarry_document_id(const quarry_document* doc, size_t* len);
QUARRY_C_API const char* quarry_document_field(const quarry_document* doc, const char* field,
                                               size_t* len);
QUARRY_C_API size_t quarry_document_field_count(const quarry_document* doc);
QUARRY_C_API int quarry_document_field_at(const quarry_document* doc, size_t i, const char** name,
                                          size_t* name_len, const char** value, size_t* value_len);

/* ------------------------------------------------------------------------ */
/* Analysis                                                                 */

typedef struct quarry_analyzer quarry_analyzer;
typedef struct quarry_tokens quarry_tokens;

/* Flags of quarry_analyzer_new: the AnalyzerOptions (analyzer.h) that differ
 * from the defaults. */
#define QUARRY_ANALYZE_NO_FOLD_DIACRITICS 0x1u
#define QUARRY_ANALYZE_TURKIC 0x2u
#define QUARRY_ANALYZE_KEEP_POSSESSIVE 0x4u
#define QUARRY_ANALYZE_NO_COMPOUNDS 0x8u

typedef enum quarry_token_kind {
  QUARRY_TOKEN_WORD = 0,   /* an ordinary term or a part of a compound */
  QUARRY_TOKEN_JOINED = 1, /* a compound's joined form, spanning its parts */
  QUARRY_TOKEN_STEM = 2    /* the stem of the term before it */
} quarry_token_kind;

/* An analyzer; `stem_language` is a Snowball name or NULL / "" for none. */
QUARRY_C_API quarry_status quarry_analyzer_new(const char* stem_language, unsigned flags,
                                               quarry_analyzer** out, quarry_error** error);
QUARRY_C_API void quarry_analyzer_free(quarry_analyzer* analyzer);

/* Analyzes `text` into tokens. `analyzer` NULL means the default options
 * (a new analyzer per call: slower). */
QUARRY_C_API quarry_status quarry_analyze(quarry_analyzer* analyzer, const char* text,
                                          size_t text_len, quarry_tokens** out,
                                          quarry_error** error);

/* Tokens with a cursor, like quarry_result: `while (quarry_tokens_next(t))`.
 * Terms are valid until quarry_tokens_free. */
QUARRY_C_API void quarry_tokens_free(quarry_tokens* tokens);
QUARRY_C_API size_t quarry_tokens_count(const quarry_tokens* tokens);
QUARRY_C_API int quarry_tokens_next(quarry_tokens* tokens);
QUARRY_C_API void quarry_tokens_rewind(quarry_tokens* tokens);
QUARRY_C_API const char* quarry_tokens_term(const quarry_tokens* tokens, size_t* len);
/* Token ordinal; positions spanned (>1 for a joined form). */
QUARRY_C_API uint32_t quarry_tokens_position(const quarry_tokens* tokens);
QUARRY_C_API uint32_t quarry_tokens_position_length(const quarry_tokens* tokens);
/* Byte offsets into the analyzed text: [start, end). */
QUARRY_C_API uint32_t quarry_tokens_start(const quarry_tokens* tokens);
QUARRY_C_API uint32_t quarry_tokens_end(const quarry_tokens* tokens);
QUARRY_C_API quarry_token_kind quarry_tokens_kind(const quarry_tokens* tokens);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* QUARRY_QUARRY_H_ */
