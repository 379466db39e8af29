// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Word segmentation: UAX #29 word boundaries as ICU implements them, over
// UTF-8 without a UTF-16 copy of the text.
//
// Two layers:
//  * IcuWords(): every segment ICU's word BreakIterator finds, with its rule
//    status. The reference, used by the conformance and differential tests.
//  * Words(): only the segments that are words (rule status not
//    UBRK_WORD_NONE), produced by a fast path where the text allows it and by
//    ICU elsewhere; boundary-identical to IcuWords() (tests/analysis prove it).
//
// The fast path. The text is cut into chunks at ASCII whitespace: a word never
// spans ASCII whitespace, and no UAX #29 rule joins anything to the character
// after whitespace (WB4 only attaches Extend/Format/ZWJ, which are "unsafe").
// A chunk whose every code point is in a "safe" class (ALetter, Numeric,
// ExtendNumLet, MidLetter, MidNumLet, Single_Quote, MidNum, Other; taken from
// ICU's own Word_Break property data, with ICU's changes: `@` is ALetter and
// `:` is not MidLetter) is segmented by the rules WB5-WB13b directly. Chunks
// holding anything else (combining marks, Format characters, Hebrew, Katakana,
// dictionary scripts, emoji, supplementary planes, invalid UTF-8) go to ICU,
// together with the whitespace before them so WB4 sees the same context.
#ifndef QUARRY_SRC_ANALYSIS_SEGMENTER_H_
#define QUARRY_SRC_ANALYSIS_SEGMENTER_H_

#include <cstdint>
#include <memory>
#include <string_view>

#include "quarry/status.h"

namespace quarry::analysis {

// Receives word segments [start, end) as byte offsets, in text order.
class WordSink {
 public:
  virtual ~WordSink() = default;
  virtual void OnWord(std::uint32_t start, std::uint32_t end) = 0;
};

// Receives every ICU segment with its rule status (0 = not a word).
class SegmentSink {
 public:
  virtual ~SegmentSink() = default;
  virtual void OnSegment(std::uint32_t start, std::uint32_t end,
                         std::int32_t rule_status) = 0;
};

// Not thread-safe; one per thread.
class Segmenter {
 public:
  static Result<std::unique_ptr<Segmenter>> Create();
  ~Segmenter();

  // Word segments of `text` (size < 4 GiB), fast path where possible.
  Status Words(std::string_view text, WordSink& sink);

  // Word segments from ICU alone (no fast path).
  Status IcuOnlyWords(std::string_view text, WordSink& sink);

  // Every ICU segment with its rule status.
  Status IcuSegments(std::string_view text, SegmentSink& sink);

  class Impl;

 private:
  explicit Segmenter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace quarry::analysis

#endif  // QUARRY_SRC_ANALYSIS_SEGMENTER_H_
