// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// libFuzzer target for the analyzer. Any input must analyze without a crash,
// keep every token invariant, and segment identically through the fast path
// and through ICU alone.
//
//   cmake --preset fuzz && cmake --build --preset fuzz
//   build/fuzz/fuzz/analyzer_fuzz -max_total_time=60
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "analysis/segmenter.h"
#include "quarry/analyzer.h"

namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "invariant violated: %s\n", what);
  std::abort();
}

class Check : public quarry::TokenSink {
 public:
  Check(std::string_view text, std::size_t max) : text_(text), max_(max) {}
  void OnToken(const quarry::TokenView& t) override {
    if (t.term.empty()) Die("empty term");
    if (t.term.size() > max_) Die("term longer than max_term_bytes");
    if (t.start >= t.end || t.end > text_.size()) Die("offsets out of range");
    if (t.start < last_start_) Die("offsets went backwards");
    if (t.position < last_pos_) Die("positions decreased");
    last_start_ = t.start;
    last_pos_ = t.position;
  }

 private:
  std::string_view text_;
  std::size_t max_;
  std::uint32_t last_start_ = 0, last_pos_ = 0;
};

class Spans : public quarry::analysis::WordSink {
 public:
  std::vector<std::uint64_t> v;
  void OnWord(std::uint32_t s, std::uint32_t e) override {
    v.push_back((std::uint64_t{s} << 32) | e);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static quarry::Analyzer* plain =
      new quarry::Analyzer(std::move(quarry::Analyzer::Create().value()));
  static quarry::Analyzer* tight = [] {
    quarry::AnalyzerOptions o;
    o.max_term_bytes = 6;
    o.max_compound_parts = 2;
    o.turkic_folding = true;
    o.fold_diacritics = false;
    o.stem_language = "english";
    return new quarry::Analyzer(std::move(quarry::Analyzer::Create(o).value()));
  }();
  static auto* segmenter =
      quarry::analysis::Segmenter::Create().value().release();

  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (quarry::Analyzer* a : {plain, tight}) {
    Check check(text, a->options().max_term_bytes);
    if (!a->Analyze(text, check).ok()) Die("Analyze failed");
    if (!a->AnalyzeQuery(text).ok()) Die("AnalyzeQuery failed");
  }
  Spans fast, icu;
  if (!segmenter->Words(text, fast).ok()) Die("Words failed");
  if (!segmenter->IcuOnlyWords(text, icu).ok()) Die("IcuOnlyWords failed");
  if (fast.v != icu.v) Die("fast path differs from ICU");
  return 0;
}
