// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// quarry-server --index DIR [--port N] [--host ADDR] [--max-body-bytes N]
//               [--threads N] [--analysis-threads N] [--log]
//
// Serves the index over HTTP (see server.h for the API). Listens on
// 127.0.0.1 unless --host says otherwise; --port 0 picks a free port (the
// chosen one is printed). Stops cleanly on SIGINT/SIGTERM.
// Exit codes: 0 success, 1 a runtime error, 2 a usage error.
#include <CLI/CLI.hpp>

#include "server.h"

int main(int argc, char** argv) {
  quarry::server::ServerOptions options;
  CLI::App app{"quarry-server: a JSON search service over a quarry index"};
  app.add_option("--index", options.index_path, "Index directory (created if missing)")->required();
  app.add_option("--port", options.port, "TCP port (0 = any free port)")
      ->check(CLI::Range(0, 65535));
  app.add_option("--host", options.host, "Address to listen on (default loopback)");
  app.add_option("--max-body-bytes", options.max_body_bytes,
                 "Largest request body (larger ones get 413)")
      ->check(CLI::PositiveNumber);
  app.add_option("--threads", options.http_threads, "Connections served at once")
      ->check(CLI::Range(1u, 1024u));
  app.add_option("--analysis-threads", options.analysis_threads,
                 "Threads analyzing one batch of documents (0 = all cores)");
  app.add_flag("--log", options.log_requests, "Log every request to stderr");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  return quarry::server::RunServer(options);
}
