// Built against the installed quarry (find_package and pkg-config) to prove
// that packaging works: headers install, link dependencies resolve, and the
// public headers need no ICU headers.
#include <quarry/analyzer.h>
#include <quarry/status.h>

#include <cstdio>

int main() {
  auto analyzer = quarry::Analyzer::Create();
  if (!analyzer.ok()) {
    std::fprintf(stderr, "%s\n", analyzer.status().ToString().c_str());
    return 1;
  }
  auto tokens = analyzer->Analyze("Nagorno-Karabakh");
  if (!tokens.ok() || tokens->size() != 3 ||
      (*tokens)[0].term != "nagornokarabakh") {
    std::fprintf(stderr, "unexpected tokens\n");
    return 1;
  }
  std::printf("consumer ok: %zu tokens\n", tokens->size());
  return 0;
}
