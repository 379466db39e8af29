// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// quarry-server: a JSON search service over HTTP that embeds the library.
//
//   quarry-server --index /data/news --port 8080          (127.0.0.1 only)
//   quarry serve  --index /data/news --port 8080          (the same, from the CLI)
//
// Endpoints (request and response bodies are JSON; errors are 4xx/5xx with
// {"error": {"code": "InvalidArgument", "message": "...", ["offset": N]}}):
//
//   GET  /health                      {"status":"ok","generation":G,"documents":N}
//   GET  /search?q=...&limit=&offset=&snippets=&fields=&operator=&exact=&literal=
//   POST /search  {"q":"...","limit":10,"offset":0,"snippets":true|["body"],
//                  "fields":["title"],"operator":"and"|"or","exact":false,
//                  "literal":false}   (or the GET parameters, form-encoded)
//        -> {"total":N,"total_exact":true,"generation":G,"took_ms":0.4,
//            "hits":[{"id":"...","score":1.5,"fields":{"title":"..."},
//                     "snippets":{"body":"... <b>word</b> ..."}}]}
//   POST /documents[?commit=true]     [{"id":"1","title":"...","body":"..."}, ...]
//        (or {"documents":[...]}, or one document object): upserts by id
//        -> {"indexed":N,"committed":false,"generation":G}
//   GET  /documents/{id}              {"id":"...","fields":{...},"generation":G}
//   DELETE /documents/{id}[?commit=true]  -> {"deleted":1,...}; 404 if absent
//   POST /delete[?commit=true]        {"ids":["a","b"]}
//        -> {"deleted":1,"not_found":["b"],"committed":false,"generation":G}
//   POST /commit                      {"generation":G,"documents":N}
//   POST /rollback                    {"generation":G}
//   GET  /stats                       index statistics plus pending changes
//
// Field values are strings or arrays of strings (multi-valued). Members that
// are not schema fields are kept as a JSON object in the stored field
// `extra` when the schema has one (the layout `quarry index` creates) and
// are returned as ordinary fields; `text` is read as `body`. `fields` lists
// schema fields; omitted means all stored fields, [] (or `fields=`) none.
// Request bodies over max_body_bytes get 413 (chunked ones too), multipart
// bodies 415, JSON nested deeper than 64 levels 400.
//
// Concurrency: one IndexWriter, used under a mutex; searches run on an
// immutable snapshot (IndexReader + Searcher) held by a shared_ptr that is
// swapped after each commit, so searches never wait for indexing and move to
// a new commit without dropping a request. Nothing a client sends can crash
// the process: every handler catches everything.
#ifndef QUARRY_EXAMPLES_SERVER_SERVER_H_
#define QUARRY_EXAMPLES_SERVER_SERVER_H_

#include <cstddef>
#include <memory>
#include <string>

#include "quarry/status.h"

namespace quarry::server {

struct ServerOptions {
  std::string index_path;  // created (title, body, extra) when missing
  std::string host = "127.0.0.1";
  int port = 8080;                         // 0: any free port (see Server::Bind)
  std::size_t max_body_bytes = 16u << 20;  // larger requests get 413
  std::size_t max_limit = 1000;            // largest `limit` of a search
  std::size_t max_offset = 100000;         // largest `offset` of a search
  unsigned http_threads = 16;              // connections served at once
  unsigned analysis_threads = 1;           // per POST /documents batch
  bool log_requests = false;               // one line per request on stderr
};

class Server {
 public:
  // Opens (or creates) the index, its writer and a first snapshot.
  static Result<std::unique_ptr<Server>> Open(ServerOptions options);
  ~Server();  // stops serving; uncommitted changes are rolled back

  // Binds the listening socket; returns the port (the chosen one for 0).
  Result<int> Bind();
  // Serves until Stop(); call after Bind() succeeded.
  Status Serve();
  // Stops serving and waits until Serve() has returned (if it runs). Any
  // thread, any number of times; not from inside a request handler.
  void Stop();

  int port() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The program: opens, binds, prints "listening on http://HOST:PORT" to
// stdout, serves until SIGINT or SIGTERM, then returns 0 (1 on a runtime
// error, after printing it to stderr).
int RunServer(const ServerOptions& options);

}  // namespace quarry::server

#endif  // QUARRY_EXAMPLES_SERVER_SERVER_H_
