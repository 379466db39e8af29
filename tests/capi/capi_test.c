/* Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
 *
 * The C API, exercised from C99: create an index, write, commit, search,
 * iterate hits, snippets, update/delete, reopen, analysis, and the error
 * paths (bad query syntax with its offset, NULL arguments, missing index,
 * a second writer, wrong schema). Exits 0 when every check passes.
 */
#define _XOPEN_SOURCE 700

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "quarry/quarry.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      ++failures;                                                              \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                          \
  } while (0)

/* Checks that a call succeeded; prints the error otherwise. */
#define CHECK_OK(call)                                                     \
  do {                                                                     \
    quarry_status check_st_;                                               \
    ++checks;                                                              \
    check_st_ = (call);                                                    \
    if (check_st_ != QUARRY_OK) {                                          \
      ++failures;                                                          \
      fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, #call, \
              quarry_status_name(check_st_));                              \
    }                                                                      \
  } while (0)

/* Runs a call that must fail with `code`; the error object must carry that
 * code and a message. */
static void expect_error(quarry_status got, quarry_error* err, quarry_status code, const char* what,
                         int line) {
  ++checks;
  if (got != code || quarry_error_code(err) != code || quarry_error_message(err)[0] == '\0') {
    ++failures;
    fprintf(stderr, "%s:%d: %s: expected %s, got %s / %s (%s)\n", __FILE__, line, what,
            quarry_status_name(code), quarry_status_name(got),
            quarry_status_name(quarry_error_code(err)), quarry_error_message(err));
  }
  quarry_error_free(err);
}
#define EXPECT_ERROR(code, call)                 \
  do {                                           \
    quarry_error* e_ = NULL;                     \
    quarry_status s_;                            \
    err = &e_;                                   \
    s_ = (call);                                 \
    expect_error(s_, e_, code, #call, __LINE__); \
    err = NULL;                                  \
  } while (0)

static int remove_entry(const char* path, const struct stat* sb, int flag, struct FTW* ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static quarry_field text_field(const char* name, const char* value) {
  quarry_field f;
  f.name = name;
  f.name_len = QUARRY_NUL_TERMINATED;
  f.value = value;
  f.value_len = QUARRY_NUL_TERMINATED;
  return f;
}

static int str_eq(const char* a, const char* b) {
  return a != NULL && b != NULL && strcmp(a, b) == 0;
}

static int add_doc(quarry_writer* w, const char* id, const char* title, const char* body) {
  quarry_field f[2];
  quarry_error* e = NULL;
  quarry_status st;
  f[0] = text_field("title", title);
  f[1] = text_field("body", body);
  st = quarry_writer_add(w, id, QUARRY_NUL_TERMINATED, f, 2, &e);
  if (st != QUARRY_OK) {
    fprintf(stderr, "add %s: %s\n", id, quarry_error_message(e));
    quarry_error_free(e);
  }
  CHECK(e == NULL || st != QUARRY_OK);
  return st == QUARRY_OK;
}

/* Searches and returns the result (NULL on failure, reported). */
static quarry_result* search(quarry_searcher* s, const char* q, size_t limit, size_t offset,
                             unsigned flags) {
  quarry_result* r = NULL;
  quarry_error* e = NULL;
  if (quarry_search(s, q, QUARRY_NUL_TERMINATED, limit, offset, flags, &r, &e) != QUARRY_OK) {
    ++failures;
    fprintf(stderr, "search [%s]: %s\n", q, quarry_error_message(e));
    quarry_error_free(e);
    return NULL;
  }
  CHECK(e == NULL);
  return r;
}

/* The ids of all hits, space-separated, in rank order. */
static void hit_ids(quarry_result* r, char* out, size_t cap) {
  out[0] = '\0';
  quarry_result_rewind(r);
  while (quarry_result_next(r)) {
    const char* id = quarry_result_id(r, NULL);
    if (out[0] != '\0') strncat(out, " ", cap - strlen(out) - 1);
    strncat(out, id, cap - strlen(out) - 1);
  }
  quarry_result_rewind(r);
}

static void test_errors_without_index(const char* dir) {
  quarry_error** err = NULL;
  char missing[4096];
  quarry_index* index = (quarry_index*)1;
  quarry_result* r = (quarry_result*)1;
  uint64_t count = 7;

  snprintf(missing, sizeof missing, "%s/no-such-index", dir);
  EXPECT_ERROR(QUARRY_NOT_FOUND, quarry_index_open(missing, &index, err));
  CHECK(index == NULL);
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_index_open(NULL, &index, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_index_open(missing, NULL, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_index_create(NULL, NULL, 0, &index, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_search(NULL, "x", QUARRY_NUL_TERMINATED, 10, 0, 0, &r, err));
  CHECK(r == NULL);
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_count(NULL, "x", QUARRY_NUL_TERMINATED, 0, &count, err));
  CHECK(count == 0);
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_writer_open(NULL, NULL, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_writer_commit(NULL, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_writer_delete(NULL, "x", QUARRY_NUL_TERMINATED, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_searcher_open(NULL, NULL, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_searcher_reopen(NULL, NULL, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_analyze(NULL, "x", 1, NULL, err));

  /* A NULL error pointer: the status code alone. */
  CHECK(quarry_index_open(missing, &index, NULL) == QUARRY_NOT_FOUND);

  /* Accessors and frees accept NULL. */
  CHECK(quarry_error_code(NULL) == QUARRY_OK);
  CHECK(str_eq(quarry_error_message(NULL), ""));
  CHECK(quarry_error_offset(NULL) == -1);
  CHECK(quarry_result_count(NULL) == 0);
  CHECK(quarry_result_next(NULL) == 0);
  CHECK(quarry_result_id(NULL, NULL) == NULL);
  CHECK(quarry_result_score(NULL) == 0.0);
  CHECK(quarry_result_field(NULL, "title", NULL) == NULL);
  CHECK(quarry_result_snippet(NULL, "title", NULL) == NULL);
  CHECK(quarry_tokens_next(NULL) == 0);
  CHECK(quarry_tokens_term(NULL, NULL) == NULL);
  CHECK(quarry_index_field_count(NULL) == 0);
  CHECK(quarry_index_field_name(NULL, 0) == NULL);
  CHECK(quarry_searcher_num_docs(NULL) == 0);
  CHECK(quarry_document_field(NULL, "x", NULL) == NULL);
  quarry_error_free(NULL);
  quarry_result_free(NULL);
  quarry_tokens_free(NULL);
  quarry_document_free(NULL);
  quarry_searcher_free(NULL);
  quarry_writer_free(NULL);
  quarry_index_free(NULL);
  quarry_analyzer_free(NULL);

  CHECK(str_eq(quarry_status_name(QUARRY_BUSY), "Busy"));
  CHECK(str_eq(quarry_status_name(QUARRY_INVALID_ARGUMENT), "InvalidArgument"));
  CHECK(str_eq(quarry_status_name((quarry_status)77), "Unknown"));
  CHECK(quarry_version()[0] != '\0');
}

static void test_index_and_search(const char* dir) {
  quarry_error** err = NULL;
  char path[4096];
  char ids[1024];
  quarry_index* index = NULL;
  quarry_index* again = NULL;
  quarry_writer* w = NULL;
  quarry_writer* w2 = NULL;
  quarry_searcher* s = NULL;
  quarry_result* r = NULL;
  quarry_document* doc = NULL;
  quarry_field f[2];
  int changed = -1;
  uint64_t count = 0;
  size_t len = 0;
  const char* text;
  double last_score;
  static const char kNulValue[] = "before\0after";

  snprintf(path, sizeof path, "%s/news", dir);
  CHECK_OK(quarry_index_create(path, NULL, 0, &index, NULL));
  if (index == NULL) return;
  CHECK(quarry_index_field_count(index) == 2);
  CHECK(str_eq(quarry_index_field_name(index, 0), "title"));
  CHECK(str_eq(quarry_index_field_name(index, 1), "body"));
  CHECK(quarry_index_field_kind(index, 1) == QUARRY_FIELD_TEXT);
  CHECK(quarry_index_field_name(index, 2) == NULL);

  CHECK_OK(quarry_writer_open(index, &w, NULL));
  if (w == NULL) return;
  /* One writer per index. */
  EXPECT_ERROR(QUARRY_BUSY, quarry_writer_open(index, &w2, err));
  CHECK(w2 == NULL);

  /* A searcher on the first (empty) commit. */
  CHECK_OK(quarry_searcher_open(index, &s, NULL));
  if (s == NULL) return;
  CHECK(quarry_searcher_num_docs(s) == 0);

  CHECK(add_doc(w, "az-1", "Bayramov meets the envoy",
                "Jeyhun Bayramov said talks on Nagorno-Karabakh will resume in Baku."));
  CHECK(add_doc(w, "tr-1", "Türkiye’s envoy visits Baku",
                "The envoy of Turkiye discussed trade and energy."));
  CHECK(add_doc(w, "nk-2", "Karabakh peace",
                "Nagorno Karabakh talks ended; NagornoKarabakh is also written as one word."));
  CHECK(add_doc(w, "us-1", "U.S. statement", "The US State Department welcomed the talks."));
  /* A value with an embedded NUL byte, given by length. */
  f[0] = text_field("title", "Binary");
  f[1].name = "body";
  f[1].name_len = 4;
  f[1].value = kNulValue;
  f[1].value_len = sizeof kNulValue - 1;
  CHECK_OK(quarry_writer_add(w, "bin-1", 5, f, 2, NULL));

  /* Writer errors. */
  f[0] = text_field("title", "again");
  EXPECT_ERROR(QUARRY_ALREADY_EXISTS,
               quarry_writer_add(w, "az-1", QUARRY_NUL_TERMINATED, f, 1, err));
  f[0] = text_field("no_such_field", "x");
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_writer_add(w, "bad-1", QUARRY_NUL_TERMINATED, f, 1, err));
  f[0] = text_field("title", "x");
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_writer_add(w, "", 0, f, 1, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_writer_add(w, NULL, QUARRY_NUL_TERMINATED, f, 1, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_writer_add(w, "x", QUARRY_NUL_TERMINATED, NULL, 1, err));
  f[0].name = NULL;
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_writer_add(w, "x", QUARRY_NUL_TERMINATED, f, 1, err));
  EXPECT_ERROR(QUARRY_NOT_FOUND,
               quarry_writer_delete(w, "no-such-doc", QUARRY_NUL_TERMINATED, err));

  /* Nothing is visible before the commit. */
  CHECK_OK(quarry_searcher_reopen(s, &changed, NULL));
  CHECK(changed == 0);
  CHECK_OK(quarry_writer_commit(w, NULL));
  CHECK(quarry_searcher_num_docs(s) == 0);
  CHECK_OK(quarry_searcher_reopen(s, &changed, NULL));
  CHECK(changed == 1);
  CHECK(quarry_searcher_num_docs(s) == 5);
  CHECK(quarry_searcher_generation(s) > 1);

  /* An entity: one hit, with fields and a highlighted snippet. */
  r = search(s, "Bayramov", 10, 0, QUARRY_SEARCH_SNIPPETS);
  if (r != NULL) {
    CHECK(quarry_result_count(r) == 1);
    CHECK(quarry_result_total_hits(r) == 1);
    CHECK(quarry_result_total_exact(r) == 1);
    CHECK(quarry_result_id(r, NULL) == NULL); /* before the first hit */
    CHECK(quarry_result_next(r) == 1);
    text = quarry_result_id(r, &len);
    CHECK(str_eq(text, "az-1") && len == 4);
    CHECK(quarry_result_score(r) > 0.0);
    CHECK(str_eq(quarry_result_field(r, "title", NULL), "Bayramov meets the envoy"));
    CHECK(quarry_result_field(r, "no_such_field", &len) == NULL && len == 0);
    CHECK(quarry_result_field_count(r) >= 2);
    {
      const char* name = NULL;
      const char* value = NULL;
      size_t name_len = 0, value_len = 0;
      size_t i;
      int saw_body = 0;
      for (i = 0; i < quarry_result_field_count(r); ++i) {
        CHECK(quarry_result_field_at(r, i, &name, &name_len, &value, &value_len) == 1);
        if (str_eq(name, "body")) saw_body = strstr(value, "Nagorno-Karabakh") != NULL;
      }
      CHECK(saw_body);
      CHECK(quarry_result_field_at(r, i, &name, NULL, &value, NULL) == 0 && name == NULL);
    }
    text = quarry_result_snippet(r, "body", &len);
    CHECK(text != NULL && strstr(text, "<b>Bayramov</b>") != NULL && len == strlen(text));
    text = quarry_result_snippet(r, "title", NULL);
    CHECK(text != NULL && strstr(text, "<b>Bayramov</b>") != NULL);
    CHECK(quarry_result_snippet(r, "no_such_field", NULL) == NULL);
    CHECK(quarry_result_next(r) == 0);
    CHECK(quarry_result_next(r) == 0);
    CHECK(quarry_result_id(r, NULL) == NULL); /* past the end */
    quarry_result_free(r);
  }

  /* Compounds find each other: Nagorno-Karabakh, Nagorno Karabakh,
   * NagornoKarabakh. */
  r = search(s, "Nagorno-Karabakh", 10, 0, 0);
  if (r != NULL) {
    hit_ids(r, ids, sizeof ids);
    CHECK(quarry_result_count(r) == 2);
    CHECK(strstr(ids, "az-1") != NULL && strstr(ids, "nk-2") != NULL);
    last_score = 1e300;
    while (quarry_result_next(r)) {
      CHECK(quarry_result_score(r) <= last_score);
      last_score = quarry_result_score(r);
    }
    quarry_result_free(r);
  }
  r = search(s, "NagornoKarabakh", 10, 0, 0);
  if (r != NULL) {
    CHECK(quarry_result_count(r) == 2);
    quarry_result_free(r);
  }
  /* Türkiye’s finds Turkiye; U.S. finds US. */
  r = search(s, "Türkiye's", 10, 0, 0);
  if (r != NULL) {
    CHECK(quarry_result_next(r) && str_eq(quarry_result_id(r, NULL), "tr-1"));
    CHECK(quarry_result_count(r) == 1);
    quarry_result_free(r);
  }
  r = search(s, "U.S.", 10, 0, 0);
  if (r != NULL) {
    CHECK(quarry_result_next(r) && str_eq(quarry_result_id(r, NULL), "us-1"));
    quarry_result_free(r);
  }
  /* Phrases and the AND flag. */
  r = search(s, "\"Jeyhun Bayramov\"", 10, 0, 0);
  if (r != NULL) {
    CHECK(quarry_result_count(r) == 1);
    quarry_result_free(r);
  }
  r = search(s, "talks Baku", 10, 0, QUARRY_SEARCH_AND | QUARRY_SEARCH_EXACT_TOTAL);
  if (r != NULL) {
    hit_ids(r, ids, sizeof ids);
    CHECK(str_eq(ids, "az-1"));
    quarry_result_free(r);
  }
  /* Literal mode: quotes and parentheses are ordinary text. */
  r = search(s, "(Bayramov \"", 10, 0, QUARRY_SEARCH_LITERAL);
  if (r != NULL) {
    CHECK(quarry_result_count(r) == 1);
    quarry_result_free(r);
  }

  /* Counting and paging. */
  CHECK_OK(quarry_count(s, "talks", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 3);
  r = search(s, "talks", 10, 0, 0);
  if (r != NULL) {
    char all[1024];
    char page[1024];
    size_t i;
    hit_ids(r, all, sizeof all);
    quarry_result_free(r);
    page[0] = '\0';
    for (i = 0; i < 3; ++i) {
      r = search(s, "talks", 1, i, 0);
      if (r == NULL) break;
      CHECK(quarry_result_count(r) == 1);
      CHECK(quarry_result_total_hits(r) == 3);
      if (quarry_result_next(r)) {
        if (page[0] != '\0') strcat(page, " ");
        strcat(page, quarry_result_id(r, NULL));
      }
      quarry_result_free(r);
    }
    CHECK(str_eq(all, page));
    r = search(s, "talks", 10, 3, 0);
    if (r != NULL) {
      CHECK(quarry_result_count(r) == 0 && quarry_result_total_hits(r) == 3);
      CHECK(quarry_result_next(r) == 0);
      quarry_result_free(r);
    }
  }
  /* Extreme windows are fine: everything, nothing, only the total. */
  r = search(s, "talks", (size_t)-1, 0, 0);
  CHECK(r != NULL && quarry_result_count(r) == 3);
  quarry_result_free(r);
  r = search(s, "talks", (size_t)-1, (size_t)-1, 0);
  CHECK(r != NULL && quarry_result_count(r) == 0 && quarry_result_total_hits(r) == 3);
  quarry_result_free(r);
  r = search(s, "talks", 0, 0, 0);
  CHECK(r != NULL && quarry_result_count(r) == 0 && quarry_result_total_hits(r) == 3);
  quarry_result_free(r);

  /* Stored fields can be left out. */
  r = search(s, "Bayramov", 10, 0, QUARRY_SEARCH_NO_FIELDS);
  if (r != NULL) {
    CHECK(quarry_result_next(r) == 1);
    CHECK(quarry_result_field(r, "title", NULL) == NULL);
    CHECK(quarry_result_snippet(r, "body", NULL) == NULL);
    quarry_result_free(r);
  }

  /* Stored documents by id; values with NUL bytes keep their length. */
  CHECK_OK(quarry_searcher_get(s, "bin-1", QUARRY_NUL_TERMINATED, &doc, NULL));
  if (doc != NULL) {
    CHECK(str_eq(quarry_document_id(doc, &len), "bin-1") && len == 5);
    text = quarry_document_field(doc, "body", &len);
    CHECK(text != NULL && len == sizeof kNulValue - 1 &&
          memcmp(text, kNulValue, sizeof kNulValue - 1) == 0);
    CHECK(quarry_document_field_count(doc) >= 2);
    quarry_document_free(doc);
    doc = NULL;
  }
  EXPECT_ERROR(QUARRY_NOT_FOUND,
               quarry_searcher_get(s, "no-such-doc", QUARRY_NUL_TERMINATED, &doc, err));
  CHECK(doc == NULL);

  /* Query syntax errors: InvalidArgument, a message, the byte offset. */
  {
    quarry_error* e = NULL;
    r = (quarry_result*)1;
    CHECK(quarry_search(s, "talks \"unclosed", QUARRY_NUL_TERMINATED, 10, 0, 0, &r, &e) ==
          QUARRY_INVALID_ARGUMENT);
    CHECK(r == NULL);
    CHECK(quarry_error_code(e) == QUARRY_INVALID_ARGUMENT);
    CHECK(strstr(quarry_error_message(e), "syntax") != NULL);
    CHECK(quarry_error_offset(e) == 6); /* the opening quote */
    quarry_error_free(e);
    e = NULL;
    CHECK(quarry_search(s, "(Bayramov", QUARRY_NUL_TERMINATED, 10, 0, 0, &r, &e) ==
          QUARRY_INVALID_ARGUMENT);
    CHECK(quarry_error_offset(e) == 0); /* the unmatched '(' */
    quarry_error_free(e);
    e = NULL;
    CHECK(quarry_count(s, "a AND", QUARRY_NUL_TERMINATED, 0, &count, &e) ==
          QUARRY_INVALID_ARGUMENT);
    CHECK(quarry_error_offset(e) == 2); /* 'AND' without a right operand */
    quarry_error_free(e);
  }
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_search(s, NULL, QUARRY_NUL_TERMINATED, 10, 0, 0, &r, err));
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT,
               quarry_search(s, "x", QUARRY_NUL_TERMINATED, 10, 0, 0, NULL, err));

  /* Update and delete, then reopen. The old result handle outlives nothing
   * it depends on. */
  f[0] = text_field("title", "Minister meets the envoy");
  f[1] = text_field("body", "The minister said talks will resume.");
  CHECK_OK(quarry_writer_update(w, "az-1", QUARRY_NUL_TERMINATED, f, 2, NULL));
  CHECK_OK(quarry_writer_delete(w, "us-1", QUARRY_NUL_TERMINATED, NULL));
  r = search(s, "Bayramov", 10, 0, 0);
  CHECK(r != NULL && quarry_result_count(r) == 1); /* old snapshot */
  CHECK_OK(quarry_writer_commit(w, NULL));
  CHECK_OK(quarry_searcher_reopen(s, &changed, NULL));
  CHECK(changed == 1);
  CHECK(quarry_searcher_num_docs(s) == 4);
  CHECK(quarry_result_next(r) == 1 && str_eq(quarry_result_id(r, NULL), "az-1"));
  quarry_result_free(r);
  CHECK_OK(quarry_count(s, "Bayramov", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 0);
  CHECK_OK(quarry_count(s, "minister", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 1);
  CHECK_OK(quarry_count(s, "U.S.", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 0);

  /* Rollback discards uncommitted changes. */
  CHECK(add_doc(w, "tmp-1", "Temporary", "Rolled back Xylophone"));
  CHECK_OK(quarry_writer_rollback(w, NULL));
  CHECK_OK(quarry_writer_commit(w, NULL));
  CHECK_OK(quarry_searcher_reopen(s, NULL, NULL));
  CHECK_OK(quarry_count(s, "xylophone", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 0);

  /* Reopening the index by path; the second writer may open once the first
   * is freed. The searcher outlives the index handle. */
  quarry_index_free(index);
  index = NULL;
  CHECK_OK(quarry_index_open(path, &again, NULL));
  quarry_writer_free(w);
  CHECK_OK(quarry_writer_open(again, &w2, NULL));
  quarry_writer_free(w2);
  quarry_index_free(again);
  CHECK_OK(quarry_count(s, "envoy", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 2);
  quarry_searcher_free(s);
}

static void test_schema(const char* dir) {
  quarry_error** err = NULL;
  char path[4096];
  quarry_index* index = NULL;
  quarry_writer* w = NULL;
  quarry_searcher* s = NULL;
  quarry_field f[3];
  uint64_t count = 0;
  quarry_field_spec spec[3];
  quarry_field_spec other[1];

  memset(spec, 0, sizeof spec);
  spec[0].name = "title";
  spec[0].kind = QUARRY_FIELD_TEXT;
  spec[0].stored = 1;
  spec[0].stem_language = "english";
  spec[1].name = "lang";
  spec[1].kind = QUARRY_FIELD_KEYWORD;
  spec[1].stored = 1;
  spec[2].name = "url";
  spec[2].kind = QUARRY_FIELD_STORED;
  memset(other, 0, sizeof other);
  other[0].name = "text";
  other[0].kind = QUARRY_FIELD_TEXT;

  snprintf(path, sizeof path, "%s/custom", dir);
  CHECK_OK(quarry_index_create(path, spec, 3, &index, NULL));
  if (index == NULL) return;
  CHECK(quarry_index_field_count(index) == 3);
  CHECK(quarry_index_field_kind(index, 1) == QUARRY_FIELD_KEYWORD);
  quarry_index_free(index);
  index = NULL;
  /* Same schema again: opens; NULL: opens as is; another schema: error. */
  CHECK_OK(quarry_index_create(path, spec, 3, &index, NULL));
  quarry_index_free(index);
  index = NULL;
  CHECK_OK(quarry_index_create(path, NULL, 0, &index, NULL));
  CHECK(quarry_index_field_count(index) == 3);
  {
    quarry_index* wrong = (quarry_index*)1;
    EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_index_create(path, other, 1, &wrong, err));
    CHECK(wrong == NULL);
  }
  /* Invalid schemas. */
  other[0].name = "_hidden";
  {
    quarry_index* bad = NULL;
    char bad_path[4096];
    snprintf(bad_path, sizeof bad_path, "%s/bad", dir);
    EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_index_create(bad_path, other, 1, &bad, err));
    other[0].name = "ok";
    other[0].kind = (quarry_field_kind)42;
    EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_index_create(bad_path, other, 1, &bad, err));
    CHECK(bad == NULL);
  }

  CHECK_OK(quarry_writer_open(index, &w, NULL));
  if (w == NULL) {
    quarry_index_free(index);
    return;
  }
  f[0] = text_field("title", "Running talks in Baku");
  f[1] = text_field("lang", "en");
  f[2] = text_field("url", "https://example.invalid/1");
  CHECK_OK(quarry_writer_add(w, "1", QUARRY_NUL_TERMINATED, f, 3, NULL));
  f[1] = text_field("lang", "ru");
  f[0] = text_field("title", "Переговоры в Баку");
  CHECK_OK(quarry_writer_add(w, "2", QUARRY_NUL_TERMINATED, f, 2, NULL));
  CHECK_OK(quarry_writer_commit(w, NULL));
  CHECK_OK(quarry_searcher_open(index, &s, NULL));
  /* Field syntax, keyword terms, stems. */
  CHECK_OK(quarry_count(s, "lang:ru", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 1);
  CHECK_OK(quarry_count(s, "title:run", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 1);
  CHECK_OK(quarry_count(s, "баку", QUARRY_NUL_TERMINATED, 0, &count, NULL));
  CHECK(count == 1);
  quarry_searcher_free(s);
  quarry_writer_free(w);
  quarry_index_free(index);
}

static void test_analyze(void) {
  quarry_error** err = NULL;
  quarry_tokens* t = NULL;
  quarry_analyzer* a = NULL;
  size_t len = 0;
  const char* text = "Türkiye’s Nagorno-Karabakh talks";

  CHECK_OK(quarry_analyze(NULL, text, QUARRY_NUL_TERMINATED, &t, NULL));
  if (t != NULL) {
    CHECK(quarry_tokens_count(t) == 5);
    CHECK(quarry_tokens_term(t, NULL) == NULL);
    CHECK(quarry_tokens_next(t) == 1);
    CHECK(str_eq(quarry_tokens_term(t, &len), "turkiye") && len == 7);
    CHECK(quarry_tokens_position(t) == 0 && quarry_tokens_start(t) == 0 &&
          quarry_tokens_end(t) == 8);
    CHECK(quarry_tokens_next(t) == 1);
    CHECK(str_eq(quarry_tokens_term(t, NULL), "nagornokarabakh"));
    CHECK(quarry_tokens_kind(t) == QUARRY_TOKEN_JOINED);
    CHECK(quarry_tokens_position(t) == 1 && quarry_tokens_position_length(t) == 2);
    CHECK(quarry_tokens_start(t) == 13 && quarry_tokens_end(t) == 29);
    CHECK(quarry_tokens_next(t) == 1);
    CHECK(str_eq(quarry_tokens_term(t, NULL), "nagorno"));
    CHECK(quarry_tokens_kind(t) == QUARRY_TOKEN_WORD);
    CHECK(quarry_tokens_next(t) == 1);
    CHECK(str_eq(quarry_tokens_term(t, NULL), "karabakh"));
    CHECK(quarry_tokens_position(t) == 2);
    CHECK(quarry_tokens_next(t) == 1);
    CHECK(str_eq(quarry_tokens_term(t, NULL), "talks"));
    CHECK(quarry_tokens_next(t) == 0);
    quarry_tokens_rewind(t);
    CHECK(quarry_tokens_next(t) == 1 && str_eq(quarry_tokens_term(t, NULL), "turkiye"));
    quarry_tokens_free(t);
    t = NULL;
  }

  /* A reusable analyzer with a stemmer and options. */
  CHECK_OK(quarry_analyzer_new("english", 0, &a, NULL));
  CHECK_OK(quarry_analyze(a, "running", 7, &t, NULL));
  if (t != NULL) {
    CHECK(quarry_tokens_count(t) == 2);
    CHECK(quarry_tokens_next(t) && str_eq(quarry_tokens_term(t, NULL), "running"));
    CHECK(quarry_tokens_next(t) && str_eq(quarry_tokens_term(t, NULL), "run") &&
          quarry_tokens_kind(t) == QUARRY_TOKEN_STEM);
    quarry_tokens_free(t);
    t = NULL;
  }
  quarry_analyzer_free(a);
  a = NULL;
  CHECK_OK(quarry_analyzer_new(
      NULL, QUARRY_ANALYZE_NO_COMPOUNDS | QUARRY_ANALYZE_NO_FOLD_DIACRITICS, &a, NULL));
  CHECK_OK(quarry_analyze(a, "Nagorno-Karabakh Türkiye", QUARRY_NUL_TERMINATED, &t, NULL));
  if (t != NULL) {
    CHECK(quarry_tokens_count(t) == 3);
    CHECK(quarry_tokens_next(t) && str_eq(quarry_tokens_term(t, NULL), "nagorno"));
    CHECK(quarry_tokens_next(t) && str_eq(quarry_tokens_term(t, NULL), "karabakh"));
    CHECK(quarry_tokens_next(t) && str_eq(quarry_tokens_term(t, NULL), "türkiye"));
    quarry_tokens_free(t);
    t = NULL;
  }
  /* Empty text and text given by length (no NUL needed). */
  CHECK_OK(quarry_analyze(a, NULL, 0, &t, NULL));
  CHECK(t != NULL && quarry_tokens_count(t) == 0 && quarry_tokens_next(t) == 0);
  quarry_tokens_free(t);
  t = NULL;
  CHECK_OK(quarry_analyze(a, "Baku and more", 4, &t, NULL));
  CHECK(t != NULL && quarry_tokens_count(t) == 1);
  quarry_tokens_free(t);
  t = NULL;
  quarry_analyzer_free(a);
  a = NULL;

  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_analyzer_new("klingon", 0, &a, err));
  CHECK(a == NULL);
  EXPECT_ERROR(QUARRY_INVALID_ARGUMENT, quarry_analyze(NULL, NULL, 5, &t, err));
  CHECK(t == NULL);
}

int main(void) {
  char dir[] = "/tmp/quarry-capi-XXXXXX";
  if (mkdtemp(dir) == NULL) {
    perror("mkdtemp");
    return 1;
  }
  test_errors_without_index(dir);
  test_index_and_search(dir);
  test_schema(dir);
  test_analyze();
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  if (failures != 0) {
    fprintf(stderr, "%d of %d checks failed\n", failures, checks);
    return 1;
  }
  printf("capi_test: %d checks passed\n", checks);
  return 0;
}
