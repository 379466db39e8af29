// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Snowball stemming through Debian's libstemmer (UTF-8).
#ifndef QUARRY_SRC_ANALYSIS_STEMMER_H_
#define QUARRY_SRC_ANALYSIS_STEMMER_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/status.h"

struct sb_stemmer;

namespace quarry::analysis {

// Not thread-safe; one per thread.
class Stemmer {
 public:
  static Result<std::unique_ptr<Stemmer>> Create(const std::string& language);
  ~Stemmer();

  // Appends the stem of `word` (already case-folded) to *out.
  void Stem(std::string_view word, std::string* out);

  static std::vector<std::string> Languages();

 private:
  explicit Stemmer(sb_stemmer* s) : stemmer_(s) {}
  sb_stemmer* stemmer_;
};

}  // namespace quarry::analysis

#endif  // QUARRY_SRC_ANALYSIS_STEMMER_H_
