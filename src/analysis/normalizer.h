// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Term normalization: NFKC case folding with quarry's entity adjustments, and
// diacritic folding. Works on UTF-8; ASCII takes a fast path.
#ifndef QUARRY_SRC_ANALYSIS_NORMALIZER_H_
#define QUARRY_SRC_ANALYSIS_NORMALIZER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "quarry/status.h"


namespace quarry::analysis {

// Not thread-safe (it caches folds); one per thread.
class TermNormalizer {
 public:
  static Result<TermNormalizer> Create(bool turkic_folding);

  // Appends NFKC_Casefold(raw) to *out, with: `İ` -> `i`; with Turkic folding
  // `I` -> `ı`; apostrophes U+2019, U+2018, U+02BC -> U+0027. Invalid UTF-8
  // becomes U+FFFD.
  void CaseFold(std::string_view raw, std::string* out) const;

  // Appends `in` with diacritics removed from Latin and Greek letters (and
  // the few letters in the fold table) to *out.
  void FoldDiacritics(std::string_view in, std::string* out);

 private:
  explicit TermNormalizer(bool turkic, const void* nfkc_cf, const void* nfd)
      : turkic_(turkic), nfkc_cf_(nfkc_cf), nfd_(nfd) {}

  struct Fold {
    enum Kind : std::uint8_t { kKeep, kReplace, kMark } kind = kKeep;
    bool foldable_base = false;  // Latin or Greek: marks after it are dropped
    std::string replacement;
  };
  const Fold& LookupFold(std::int32_t c);

  bool turkic_;
  const void* nfkc_cf_;  // const icu::Normalizer2*
  const void* nfd_;      // const icu::Normalizer2*
  std::unordered_map<std::int32_t, Fold> fold_cache_;
};

}  // namespace quarry::analysis

#endif  // QUARRY_SRC_ANALYSIS_NORMALIZER_H_
