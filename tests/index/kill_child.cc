// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The writer process of kill_test, which SIGKILLs it at a random moment.
//
//   kill_child <index-dir>
//
// Opens the index on the file system (creating it if missing), reads the
// last committed round from the "meta" document, and then for rounds k+1,
// k+2, ... applies the round's documents (fault_test_util.h), commits, and
// writes "<round>\n" to stdout once the commit has returned OK. Every fourth
// round a ForceMerge(1) follows (it changes no documents). Runs until killed;
// exits with 1 (and a message on stderr) on any error.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <string>

#include "fault_test_util.h"  // tests/index/
#include "quarry/index.h"

namespace {

int Fail(const std::string& what, const quarry::Status& s) {
  std::fprintf(stderr, "kill_child: %s: %s\n", what.c_str(),
               s.ToString().c_str());
  return 1;
}

// Writes all of `line` to stdout, unbuffered: the parent must see a round
// as soon as (and only after) its commit returned.
bool Report(const std::string& line) {
  std::size_t done = 0;
  while (done < line.size()) {
    const ssize_t n =
        ::write(STDOUT_FILENO, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

int Run(const std::string& path) {
  using quarry::faulttest::KillRoundOps;
  auto writer =
      quarry::IndexWriter::Open(path, quarry::faulttest::KillWriterOptions());
  if (!writer.ok())
    return Fail("opening the writer on " + path, writer.status());
  auto reader = quarry::IndexReader::Open(path);
  if (!reader.ok()) return Fail("opening a reader on " + path, reader.status());
  const int last = quarry::faulttest::KillRoundOf(**reader);
  if (last < 0) {
    std::fprintf(stderr, "kill_child: unreadable round in %s\n", path.c_str());
    return 1;
  }
  for (int k = last + 1;; ++k) {
    for (const quarry::faulttest::KillOp& op : KillRoundOps(k)) {
      quarry::Status s =
          op.is_delete ? (*writer)->Delete(op.id) : (*writer)->Update(op.doc);
      if (!s.ok()) return Fail("round " + std::to_string(k), s);
    }
    quarry::Status s = (*writer)->Commit();
    if (!s.ok()) return Fail("commit of round " + std::to_string(k), s);
    if (!Report(std::to_string(k) + "\n")) return 1;
    if (k % 4 == 0) {
      s = (*writer)->ForceMerge(1);
      if (!s.ok())
        return Fail("force merge after round " + std::to_string(k), s);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <index-dir>\n",
                 argc > 0 ? argv[0] : "kill_child");
    return 2;
  }
  return Run(argv[1]);
}
