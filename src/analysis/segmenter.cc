// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "analysis/segmenter.h"

#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <array>
#include <bit>
#include <mutex>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace quarry::analysis {
namespace {

// Word_Break classes the fast path understands. kUnsafe sends the chunk to ICU.
enum Wb : std::uint8_t {
  kOther = 0,    // breaks on both sides (punctuation, symbols, controls)
  kALetter,      // WB5 letters, plus `@` (an ICU tailoring)
  kNumeric,
  kExtendNumLet,
  kMidLetter,    // between letters only (`·`); ICU removed `:`
  kMidNumLet,    // between letters or between digits (`.` `'` `’`)
  kMidNum,       // between digits only (`,` `;`)
  kSpace,        // ASCII whitespace: chunk separator
  kUnsafe,
};

constexpr std::uint32_t kTableSize = 0x10000;  // the BMP

struct ClassTable {
  std::array<std::uint8_t, kTableSize> wb{};
};

bool IsDictionaryChar(UChar32 c) {
  if (u_getIntPropertyValue(c, UCHAR_LINE_BREAK) == U_LB_COMPLEX_CONTEXT) {
    return true;
  }
  UErrorCode status = U_ZERO_ERROR;
  UScriptCode script = uscript_getScript(c, &status);
  if (U_FAILURE(status)) return true;
  if (script == USCRIPT_HAN || script == USCRIPT_HIRAGANA ||
      script == USCRIPT_KATAKANA) {
    return true;
  }
  return c >= 0xAC00 && c <= 0xD7A3;  // Hangul syllables
}

std::uint8_t Classify(UChar32 c) {
  if (c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' ||
      c == '\r') {
    return kSpace;
  }
  if (U_IS_SURROGATE(c)) return kUnsafe;
  if (c == '@') return kALetter;
  if (c == ':' || c == 0xFE55 || c == 0xFF1A) return kOther;
  if (u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC)) return kUnsafe;
  if (IsDictionaryChar(c)) return kUnsafe;
  switch (u_getIntPropertyValue(c, UCHAR_WORD_BREAK)) {
    case U_WB_OTHER:
    case U_WB_CR:
    case U_WB_LF:
    case U_WB_NEWLINE:
    case U_WB_WSEGSPACE:
      return kOther;
    case U_WB_ALETTER:
      return kALetter;
    case U_WB_NUMERIC:
      return kNumeric;
    case U_WB_EXTENDNUMLET:
      return kExtendNumLet;
    case U_WB_MIDLETTER:
      return kMidLetter;
    case U_WB_MIDNUMLET:
    case U_WB_SINGLE_QUOTE:
      return kMidNumLet;
    case U_WB_MIDNUM:
      return kMidNum;
    default:  // Extend, Format, ZWJ, Katakana, Hebrew_Letter, RI, quotes, ...
      return kUnsafe;
  }
}

const ClassTable& Table() {
  static const ClassTable* table = [] {
    auto* t = new ClassTable;
    for (UChar32 c = 0; c < static_cast<UChar32>(kTableSize); ++c) {
      t->wb[static_cast<std::size_t>(c)] = Classify(c);
    }
    return t;
  }();
  return *table;
}

// Decodes the code point at p[i] (i < n) and returns its class; *len gets its
// length in bytes. Invalid UTF-8 and supplementary characters are unsafe.
inline std::uint8_t ClassAt(const std::uint8_t* wb, const char* p,
                            std::size_t i, std::size_t n, std::size_t* len) {
  const auto b = static_cast<unsigned char>(p[i]);
  if (b < 0x80) {
    *len = 1;
    return wb[b];
  }
  std::int32_t off = static_cast<std::int32_t>(i);
  UChar32 c;
  U8_NEXT(reinterpret_cast<const std::uint8_t*>(p), off,
          static_cast<std::int32_t>(n), c);
  *len = static_cast<std::size_t>(off) - i;
  if (c < 0 || c >= static_cast<UChar32>(kTableSize)) return kUnsafe;
  return wb[c];
}

inline bool IsWordClass(std::uint8_t c) {
  return c == kALetter || c == kNumeric || c == kExtendNumLet;
}

#if defined(__SSE2__)
// 16 bytes at a time, for the chunk scan (Impl::ChunkStop). Bit k of the
// result is about byte k. The byte set is the one Impl derives from the
// class table; Impl checks at start-up that they agree (else it scans byte
// by byte).
inline __m128i Load16(const char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}
// Bytes that end a chunk scan: ASCII whitespace (9-13, 32) and every byte
// >= 0x80 (negative as signed bytes).
inline unsigned ChunkStopBits(__m128i v) {
  const __m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
  const __m128i control = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8(8)),
                                        _mm_cmplt_epi8(v, _mm_set1_epi8(14)));
  return static_cast<unsigned>(_mm_movemask_epi8(v)) |
         static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(space, control)));
}
// ASCII letters and digits and `@` (the bytes of Impl::ascii_alnum; Impl
// checks that too at start-up).
inline unsigned AlnumBits(__m128i v) {
  const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
  const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));  // A-Z -> a-z
  const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                       _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
  const __m128i at = _mm_cmpeq_epi8(v, _mm_set1_epi8('@'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(digit, letter), at)));
}
#endif

}  // namespace

class Segmenter::Impl {
 public:
  std::unique_ptr<icu::BreakIterator> bi;
  UText ut = UTEXT_INITIALIZER;
  const std::uint8_t* wb = Table().wb.data();
  // Byte tables derived from wb, for the tight loops: ASCII whitespace;
  // bytes that end a chunk scan's fast loop (ASCII whitespace and every
  // byte of a multi-byte character); ASCII ALetter/Numeric bytes.
  std::array<bool, 256> is_space{}, chunk_stop{}, ascii_alnum{};

  Impl() {
    for (int b = 0; b < 256; ++b) {
      const auto i = static_cast<std::size_t>(b);
      is_space[i] = b < 0x80 && wb[b] == kSpace;
      chunk_stop[i] = b >= 0x80 || wb[b] == kSpace;
      ascii_alnum[i] = b < 0x80 && (wb[b] == kALetter || wb[b] == kNumeric);
    }
#if defined(__SSE2__)
    // The vector scan hard-codes its byte set: use it only if it is the
    // one the table gives.
    simd = true;
    for (int b = 0; b < 256; ++b) {
      const __m128i v = _mm_set1_epi8(static_cast<char>(b));
      simd = simd && ((ChunkStopBits(v) & 1) != 0) == chunk_stop[static_cast<std::size_t>(b)];
      simd_alnum = simd_alnum &&
                   ((AlnumBits(v) & 1) != 0) == ascii_alnum[static_cast<std::size_t>(b)];
    }
    // The chunk shortcut in Words also relies on `_` being the only other
    // ASCII word character.
    for (int b = 0; b < 0x80; ++b) {
      const auto i = static_cast<std::size_t>(b);
      if (!ascii_alnum[i] && b != '_' && IsWordClass(wb[b])) simd_alnum = false;
    }
    simd_alnum = simd_alnum && simd;
#endif
  }

  bool simd = false;  // the SSE2 chunk scan agrees with chunk_stop
  bool simd_alnum = true;  // and AlnumBits with ascii_alnum (SSE2 only)

  // The first j >= i with j == n or chunk_stop[p[j]].
  std::size_t ChunkStop(const char* p, std::size_t i, std::size_t n) const {
#if defined(__SSE2__)
    if (simd) {
      for (; i + 16 <= n; i += 16) {
        const unsigned bits = ChunkStopBits(Load16(p + i));
        if (bits != 0) return i + static_cast<std::size_t>(std::countr_zero(bits));
      }
    }
#endif
    while (i < n && !chunk_stop[static_cast<unsigned char>(p[i])]) ++i;
    return i;
  }

  ~Impl() { utext_close(&ut); }

  // ICU over text[begin, end), reporting word segments with absolute offsets.
  Status IcuRange(const char* text, std::size_t begin, std::size_t end,
                  WordSink& sink) {
    UErrorCode status = U_ZERO_ERROR;
    utext_openUTF8(&ut, text + begin, static_cast<std::int64_t>(end - begin),
                   &status);
    bi->setText(&ut, status);
    if (U_FAILURE(status)) {
      return Status::Internal(std::string("ICU word break setText: ") +
                              u_errorName(status));
    }
    std::int32_t prev = bi->first();
    for (std::int32_t next = bi->next(); next != icu::BreakIterator::DONE;
         prev = next, next = bi->next()) {
      if (bi->getRuleStatus() != UBRK_WORD_NONE) {
        sink.OnWord(static_cast<std::uint32_t>(begin + prev),
                    static_cast<std::uint32_t>(begin + next));
      }
    }
    return Status::OK();
  }

  // The fast path over one safe chunk text[a, b): WB5-WB13b.
  void FastChunk(const char* p, std::size_t a, std::size_t b,
                 WordSink& sink) const {
    std::size_t i = a;
    while (i < b) {
      std::size_t len;
      std::uint8_t c = ClassAt(wb, p, i, b, &len);
      if (!IsWordClass(c)) {
        i += len;
        continue;
      }
      const std::size_t start = i;
      // ICU: a run of ExtendNumLet alone is a word only from two on (`__`).
      bool has_alnum = c != kExtendNumLet;
      int code_points = 1;
      std::uint8_t last = c;
      i += len;
      while (i < b) {
        // Runs of ASCII letters and digits, most of a word: the same steps
        // as the general case below, in a tight loop.
        if (ascii_alnum[static_cast<unsigned char>(p[i])]) {
          const std::size_t run = i;
          do {
            ++i;
          } while (i < b && ascii_alnum[static_cast<unsigned char>(p[i])]);
          has_alnum = true;
          code_points += static_cast<int>(i - run);
          last = wb[static_cast<unsigned char>(p[i - 1])];
          continue;
        }
        std::uint8_t c2 = ClassAt(wb, p, i, b, &len);
        if (IsWordClass(c2)) {
          has_alnum |= c2 != kExtendNumLet;
          ++code_points;
          last = c2;
          i += len;
          continue;
        }
        if ((c2 == kMidLetter || c2 == kMidNumLet || c2 == kMidNum) &&
            i + len < b) {
          std::size_t len3;
          std::uint8_t c3 = ClassAt(wb, p, i + len, b, &len3);
          if ((last == kALetter && c3 == kALetter &&
               (c2 == kMidLetter || c2 == kMidNumLet)) ||
              (last == kNumeric && c3 == kNumeric &&
               (c2 == kMidNum || c2 == kMidNumLet))) {
            i += len + len3;
            continue;  // `last` is unchanged: same class as c3
          }
        }
        break;
      }
      if (has_alnum || code_points >= 2) {
        sink.OnWord(static_cast<std::uint32_t>(start),
                    static_cast<std::uint32_t>(i));
      }
    }
  }

  Status Words(std::string_view text, WordSink& sink) {
    const char* p = text.data();
    const std::size_t n = text.size();
    // An ICU region [icu_begin, icu_end) is open when icu_end > icu_begin.
    // Safe chunks seen after it are held back (up to kMaxPending) in case
    // another unsafe chunk follows and ICU should take them too.
    constexpr int kMaxPending = 2;
    std::size_t pending_begin[kMaxPending], pending_end[kMaxPending];
    int pending = 0;
    std::size_t icu_begin = 0, icu_end = 0;
    auto flush = [&]() -> Status {
      if (icu_end > icu_begin) {
        QUARRY_RETURN_IF_ERROR(IcuRange(p, icu_begin, icu_end, sink));
        icu_begin = icu_end = 0;
      }
      for (int k = 0; k < pending; ++k) {
        FastChunk(p, pending_begin[k], pending_end[k], sink);
      }
      pending = 0;
      return Status::OK();
    };

    std::size_t i = 0;
    while (i < n) {
      const std::size_t space_begin = i;
      while (i < n && is_space[static_cast<unsigned char>(p[i])]) ++i;
      if (i >= n) break;
      const std::size_t a = i;
#if defined(__SSE2__)
      // The most common chunks: up to 15 ASCII bytes before ASCII
      // whitespace, whose letters and digits (and `@`) are one run, possibly
      // between other ASCII bytes other than `_` (`said,` `(the` `--`).
      // Those others are not word characters, and none joins the run to
      // anything (a Mid* byte would need a letter or digit on both sides),
      // so with no ICU region open FastChunk would report just the run:
      // report it at once.
      if (simd_alnum && a + 16 <= n && icu_end <= icu_begin) {
        const __m128i v = Load16(p + a);
        const unsigned stop = ChunkStopBits(v);
        if (stop != 0) {
          const int k = std::countr_zero(stop);
          const unsigned in_chunk = (1u << k) - 1;
          const unsigned alnum = AlnumBits(v) & in_chunk;
          if (static_cast<unsigned char>(p[a + static_cast<std::size_t>(k)]) < 0x80 &&
              (static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')))) &
               in_chunk) == 0) {
            i = a + static_cast<std::size_t>(k);
            if (alnum == 0) continue;  // no word at all
            const int s1 = std::countr_zero(alnum);
            const unsigned run = alnum >> s1;
            if ((run & (run + 1)) == 0) {  // one run of ones
              sink.OnWord(static_cast<std::uint32_t>(a + static_cast<std::size_t>(s1)),
                          static_cast<std::uint32_t>(a + static_cast<std::size_t>(s1) +
                                                     static_cast<std::size_t>(std::countr_zero(~run))));
              continue;
            }
            i = a;  // FastChunk's case
          }
        }
      }
#endif
      bool safe = true;
      for (;;) {
        i = ChunkStop(p, i, n);
        if (i >= n || static_cast<unsigned char>(p[i]) < 0x80) break;  // whitespace
        std::size_t len;
        if (ClassAt(wb, p, i, n, &len) == kUnsafe) safe = false;
        i += len;
      }
      const std::size_t b = i;
      if (!safe) {
        if (icu_end > icu_begin) {
          icu_end = b;  // absorbs the held-back safe chunks
          pending = 0;
        } else {
          QUARRY_RETURN_IF_ERROR(flush());
          icu_begin = space_begin;
          icu_end = b;
        }
      } else if (icu_end > icu_begin) {
        if (pending == kMaxPending) {
          QUARRY_RETURN_IF_ERROR(flush());
          FastChunk(p, a, b, sink);
        } else {
          pending_begin[pending] = a;
          pending_end[pending] = b;
          ++pending;
        }
      } else {
        FastChunk(p, a, b, sink);
      }
    }
    return flush();
  }
};

Segmenter::Segmenter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Segmenter::~Segmenter() = default;

Result<std::unique_ptr<Segmenter>> Segmenter::Create() {
  auto impl = std::make_unique<Impl>();
  UErrorCode status = U_ZERO_ERROR;
  impl->bi.reset(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || impl->bi == nullptr) {
    return Status::Internal(std::string("ICU word BreakIterator: ") +
                            u_errorName(status));
  }
  return std::unique_ptr<Segmenter>(new Segmenter(std::move(impl)));
}

Status Segmenter::Words(std::string_view text, WordSink& sink) {
  if (text.size() >= 0xFFFFFFFFu) {
    return Status::InvalidArgument("text of 4 GiB or more");
  }
  return impl_->Words(text, sink);
}

Status Segmenter::IcuOnlyWords(std::string_view text, WordSink& sink) {
  if (text.size() >= 0xFFFFFFFFu) {
    return Status::InvalidArgument("text of 4 GiB or more");
  }
  return impl_->IcuRange(text.data(), 0, text.size(), sink);
}

Status Segmenter::IcuSegments(std::string_view text, SegmentSink& sink) {
  if (text.size() >= 0xFFFFFFFFu) {
    return Status::InvalidArgument("text of 4 GiB or more");
  }
  UErrorCode status = U_ZERO_ERROR;
  utext_openUTF8(&impl_->ut, text.data(), static_cast<std::int64_t>(text.size()),
                 &status);
  impl_->bi->setText(&impl_->ut, status);
  if (U_FAILURE(status)) {
    return Status::Internal(std::string("ICU word break setText: ") +
                            u_errorName(status));
  }
  icu::BreakIterator& bi = *impl_->bi;
  std::int32_t prev = bi.first();
  for (std::int32_t next = bi.next(); next != icu::BreakIterator::DONE;
       prev = next, next = bi.next()) {
    sink.OnSegment(static_cast<std::uint32_t>(prev),
                   static_cast<std::uint32_t>(next), bi.getRuleStatus());
  }
  return Status::OK();
}

}  // namespace quarry::analysis
