// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// A switch for the analyzer's fast paths, for differential tests: with it off
// every word takes the general path, so a test can compare the tokens of
// both on the same text. On by default; the library never turns it off.
#ifndef QUARRY_SRC_ANALYSIS_FAST_PATHS_H_
#define QUARRY_SRC_ANALYSIS_FAST_PATHS_H_

namespace quarry::analysis {

// Takes effect at the next Analyze/AnalyzeQuery call of any analyzer.
void SetAnalyzerFastPaths(bool on);
bool AnalyzerFastPaths();

}  // namespace quarry::analysis

#endif  // QUARRY_SRC_ANALYSIS_FAST_PATHS_H_
