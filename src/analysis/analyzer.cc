// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// The analyzer pipeline: segments -> word groups -> parts -> terms.
//
// A *word group* is a run of word segments joined by single hyphens with no
// space (`Nagorno-Karabakh`, `COVID-19`, `state-of-the-art`). Each segment is
// split further at inner separators (apostrophes, dots, `@`) unless the
// separator sits between two digits (`1.5`, `3,000` stay whole). A segment
// made of single letters joined by dots is an acronym (`U.S` -> `us`) and
// stays one part. The parts of a group get consecutive positions; a group of
// two or more parts also gets its joined form at the first part's position,
// spanning all of them.
//
// Worked example, "Türkiye’s Nagorno-Karabakh talks" (default options):
//   term             position  length  bytes
//   turkiye          0         1       [0, 12)     `’s` dropped, ü folded
//   nagornokarabakh  1         2       [13, 29)    joined form
//   nagorno          1         1       [13, 20)
//   karabakh         2         1       [21, 29)
//   talks            3         1       [30, 35)
#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <unicode/uchar.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "analysis/fast_paths.h"
#include "analysis/normalizer.h"
#include "analysis/segmenter.h"
#include "analysis/stemmer.h"
#include "quarry/analyzer.h"

namespace quarry {
namespace {

using analysis::Segmenter;
using analysis::Stemmer;
using analysis::TermNormalizer;

// Decodes one code point at s[i] without validation beyond bounds: returns
// the code point (or -1 if malformed) and advances *i.
inline std::int32_t DecodeAt(std::string_view s, std::size_t* i) {
  const auto b0 = static_cast<unsigned char>(s[*i]);
  if (b0 < 0x80) {
    ++*i;
    return b0;
  }
  int len = b0 >= 0xF0 ? 4 : b0 >= 0xE0 ? 3 : b0 >= 0xC0 ? 2 : 1;
  if (len == 1 || *i + static_cast<std::size_t>(len) > s.size()) {
    ++*i;
    return -1;
  }
  std::int32_t c = b0 & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[*i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++*i;
      return -1;
    }
    c = (c << 6) | (b & 0x3F);
  }
  *i += static_cast<std::size_t>(len);
  return c;
}

// The code point that ends just before s[end], or -1; *begin gets its start.
inline std::int32_t DecodeBefore(std::string_view s, std::size_t end,
                                 std::size_t* begin) {
  std::size_t b = end;
  while (b > 0 && end - b < 4) {
    --b;
    if ((static_cast<unsigned char>(s[b]) & 0xC0) != 0x80) break;
  }
  std::size_t i = b;
  const std::int32_t c = DecodeAt(s, &i);
  if (i != end) return -1;
  *begin = b;
  return c;
}

inline bool IsApostrophe(std::int32_t c) {
  return c == '\'' || c == 0x2019 || c == 0x2018 || c == 0x02BC ||
         c == 0xFF07;
}
inline bool IsDot(std::int32_t c) {
  return c == '.' || c == 0xFF0E || c == 0x2024 || c == 0xFE52;
}
// ExtendNumLet: `_` and its relatives (U+203F, U+2040, U+2054, U+FE33,
// U+FE34, U+FE4D-U+FE4F, U+FF3F).
inline bool IsConnector(std::int32_t c) {
  return c == '_' || c == 0x203F || c == 0x2040 || c == 0x2054 ||
         c == 0xFE33 || c == 0xFE34 || (c >= 0xFE4D && c <= 0xFE4F) ||
         c == 0xFF3F;
}
inline bool IsInnerSeparator(std::int32_t c) {
  return IsApostrophe(c) || IsDot(c) || IsConnector(c) || c == '@';
}
// A decimal digit in any script (`1`, `１`, `١`, `१`).
inline bool IsDigit(std::int32_t c) {
  if (c < 0) return false;
  if (c < 0x80) return c >= '0' && c <= '9';
  return u_isdigit(c) != 0;
}
inline bool IsPossessiveS(std::int32_t c) {
  return c == 's' || c == 'S' || c == 0xFF53 /* ｓ */ || c == 0xFF33 /* Ｓ */;
}

// For the plain ASCII path (Analyzer::Impl::AddPlainAsciiSegment): each byte's
// lowercase form when it is ASCII and not an inner separator (`'`, `.`, `_`,
// `@`), else 0 (also for NUL and every byte of a multi-byte character).
constexpr std::array<char, 256> kPlainAsciiLower = [] {
  std::array<char, 256> t{};
  for (int b = 1; b < 0x80; ++b) {
    if (b == '\'' || b == '.' || b == '_' || b == '@') continue;
    t[static_cast<std::size_t>(b)] =
        static_cast<char>(b >= 'A' && b <= 'Z' ? b - 'A' + 'a' : b);
  }
  return t;
}();

#if defined(__SSE2__)
// kPlainAsciiLower for 16 bytes at once: *lower gets each byte lowercased,
// and bit k of the result is set when byte k is one the plain ASCII path
// takes (kPlainAsciiLower non-zero).
inline unsigned PlainAsciiLower16(__m128i v, __m128i* lower) {
  // Signed bytes: NUL and every byte >= 0x80 are <= 0.
  const __m128i excluded = _mm_or_si128(
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\'')), _mm_cmpeq_epi8(v, _mm_set1_epi8('.'))),
      _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('_')), _mm_cmpeq_epi8(v, _mm_set1_epi8('@'))));
  const __m128i plain = _mm_andnot_si128(excluded, _mm_cmpgt_epi8(v, _mm_setzero_si128()));
  const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('Z' + 1)));
  *lower = _mm_add_epi8(v, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
  return static_cast<unsigned>(_mm_movemask_epi8(plain));
}

// Whether PlainAsciiLower16 agrees with kPlainAsciiLower on every byte.
bool PlainAsciiLower16Checked() {
  static const bool ok = [] {
    for (int b = 0; b < 256; ++b) {
      __m128i lower;
      const unsigned plain = PlainAsciiLower16(_mm_set1_epi8(static_cast<char>(b)), &lower);
      const char want = kPlainAsciiLower[static_cast<std::size_t>(b)];
      if (((plain & 1) != 0) != (want != 0)) return false;
      if (want != 0 && static_cast<char>(_mm_cvtsi128_si32(lower)) != want) return false;
    }
    return true;
  }();
  return ok;
}
#endif

std::atomic<bool> g_fast_paths{true};

// The bytes between two segments that make them one hyphenated compound.
inline bool IsHyphenGap(std::string_view gap) {
  return gap == "-" || gap == "\xE2\x80\x90" /* U+2010 */ ||
         gap == "\xE2\x80\x91" /* U+2011 */ ||
         gap == "\xEF\xB9\xA3" /* U+FE63 */ ||
         gap == "\xEF\xBC\x8D" /* U+FF0D */;
}

// The longest prefix of s of at most max bytes that ends on a code point
// boundary.
inline std::size_t Utf8PrefixLength(std::string_view s, std::size_t max) {
  if (s.size() <= max) return s.size();
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

// Cuts s to at most max bytes at a code point boundary.
inline void TruncateUtf8(std::string* s, std::size_t from, std::size_t max) {
  s->resize(from + Utf8PrefixLength(std::string_view(*s).substr(from), max));
}

// A part of a word group: its raw bytes and its terms in the arena.
struct Part {
  std::uint32_t start, end;      // raw byte offsets
  std::uint32_t folded_off, folded_len;  // the exact term
  std::uint32_t cased_off, cased_len;    // case-folded, before diacritic fold
};

// Where a finished group goes: the document token stream or a query.
class GroupSink {
 public:
  virtual ~GroupSink() = default;
  // `parts` of one group; `joined` says whether to emit the joined form.
  // `continuation` is set for the 2nd.. calls of a group that overflowed
  // max_compound_parts (those never carry a joined form).
  virtual void OnGroup(const Part* parts, std::size_t n, bool joined,
                       bool continuation) = 0;
};

class TokenEmitter;

}  // namespace

class Analyzer::Impl : public analysis::WordSink {
 public:
  AnalyzerOptions options;
  std::unique_ptr<Segmenter> segmenter;
  TermNormalizer normalizer;
  std::unique_ptr<Stemmer> stemmer;  // null when stemming is off

  Impl(AnalyzerOptions o, std::unique_ptr<Segmenter> s, TermNormalizer n,
       std::unique_ptr<Stemmer> st)
      : options(std::move(o)),
        segmenter(std::move(s)),
        normalizer(std::move(n)),
        stemmer(std::move(st)) {}

  // Per-call state.
  std::string_view text;
  GroupSink* out = nullptr;
  // `out` when it is the document side's TokenEmitter (called directly,
  // not through the vtable), else null.
  TokenEmitter* emitter = nullptr;
  // out->OnGroup (defined after TokenEmitter).
  void EmitGroup(const Part* parts, std::size_t n, bool joined, bool continuation);
  std::vector<Part> parts;
  std::string arena;       // part terms of the current group
  std::string scratch;     // case-folded text before diacritic folding
  std::string acronym;     // the letters of a dotted acronym
  std::uint32_t group_end = 0;
  bool in_group = false;
  bool overflowed = false;
  bool plain_ascii_path = true;  // AddPlainAsciiSegment may be used
  bool plain_ascii_simd = false;  // and its 16-byte form

  // `doc_emitter`: the same as `sink` when that is a TokenEmitter, else null.
  Status Run(std::string_view t, GroupSink& sink, TokenEmitter* doc_emitter = nullptr) {
    text = t;
    out = &sink;
    emitter = doc_emitter;
    // Turkic folding maps `I` to a non-ASCII letter: general path only.
    plain_ascii_path = !options.turkic_folding &&
                       g_fast_paths.load(std::memory_order_relaxed);
#if defined(__SSE2__)
    plain_ascii_simd = plain_ascii_path && PlainAsciiLower16Checked();
#endif
    parts.clear();
    arena.clear();
    in_group = false;
    overflowed = false;
    Status s = segmenter->Words(t, *this);
    if (s.ok()) FlushGroup();
    out = nullptr;
    emitter = nullptr;
    return s;
  }

  void OnWord(std::uint32_t start, std::uint32_t end) override {
    if (in_group && options.strip_possessive && IsDetachedPossessive(start, end)) {
      return;
    }
    if (!(in_group && start > group_end &&
          IsHyphenGap(text.substr(group_end, start - group_end)))) {
      FlushGroup();
    }
    in_group = true;
    group_end = end;
    AddSegment(start, end);
  }

  // `U.S.'s`, `1990's`: ICU ends the word before `.'` or between a digit and
  // an apostrophe, so the possessive `s` arrives as a word of its own, right
  // after an apostrophe that directly follows the previous word.
  bool IsDetachedPossessive(std::uint32_t start, std::uint32_t end) const {
    std::size_t i = start;
    if (!IsPossessiveS(DecodeAt(text, &i)) || i != end) return false;
    std::string_view gap = text.substr(group_end, start - group_end);
    std::size_t ap;
    if (gap.empty() || !IsApostrophe(DecodeBefore(gap, gap.size(), &ap))) {
      return false;
    }
    gap = gap.substr(0, ap);
    std::size_t dot;
    return gap.empty() || (IsDot(DecodeBefore(gap, gap.size(), &dot)) && dot == 0);
  }

  void FlushGroup() {
    if (!parts.empty()) {
      const bool joined = options.split_compounds && !overflowed &&
                          parts.size() > 1;
      EmitGroup(parts.data(), parts.size(), joined, overflowed);
    }
    parts.clear();
    arena.clear();
    in_group = false;
    overflowed = false;
  }

  // The common case, in one pass: a segment of ASCII bytes without an inner
  // separator. The general path below would find no possessive (that needs
  // an apostrophe) and no separator, so one part; its case fold is ASCII
  // lowercasing, the result is ASCII (no diacritic fold), and it is cut to
  // max_term_bytes. False, with nothing changed, for any other segment.
  bool AddPlainAsciiSegment(std::uint32_t start, std::uint32_t end) {
    const std::size_t n = end - start;
#if defined(__SSE2__)
    // Most words: up to 16 bytes (never cut), with 16 bytes readable.
    if (plain_ascii_simd && n - 1 < 16 && n <= options.max_term_bytes &&
        start + 16 <= text.size()) {
      __m128i lower;
      const unsigned plain = PlainAsciiLower16(
          _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + start)), &lower);
      const unsigned want = (1u << n) - 1;
      if ((plain & want) != want) return false;
      char buf[16];
      _mm_storeu_si128(reinterpret_cast<__m128i*>(buf), lower);
      const std::size_t off = arena.size();
      arena.append(buf, n);
      Part p;
      p.start = start;
      p.end = end;
      p.folded_off = p.cased_off = static_cast<std::uint32_t>(off);
      p.folded_len = p.cased_len = static_cast<std::uint32_t>(n);
      if (!overflowed && parts.size() < options.max_compound_parts) {
        parts.push_back(p);  // what AddPart does then
      } else {
        AddPart(p);
      }
      return true;
    }
#endif
    const std::size_t keep = std::min<std::size_t>(n, options.max_term_bytes);
    const auto* src = reinterpret_cast<const unsigned char*>(text.data()) + start;
    for (std::size_t i = keep; i < n; ++i) {  // the part past the cut: check only
      if (kPlainAsciiLower[src[i]] == 0) return false;
    }
    const std::size_t off = arena.size();
    arena.resize(off + keep);
    char* dst = arena.data() + off;
    for (std::size_t i = 0; i < keep; ++i) {
      const char c = kPlainAsciiLower[src[i]];
      if (c == 0) {
        arena.resize(off);
        return false;
      }
      dst[i] = c;
    }
    if (keep == 0) return true;  // an empty segment has no part either way
    Part p;
    p.start = start;
    p.end = end;
    p.folded_off = p.cased_off = static_cast<std::uint32_t>(off);
    p.folded_len = p.cased_len = static_cast<std::uint32_t>(keep);
    AddPart(p);
    return true;
  }

  void AddSegment(std::uint32_t start, std::uint32_t end) {
    if (plain_ascii_path && AddPlainAsciiSegment(start, end)) return;
    AddGeneralSegment(start, end);
  }

  // Out of line: the plain ASCII path above is the common one.
  [[gnu::noinline]] void AddGeneralSegment(std::uint32_t start, std::uint32_t end) {
    std::string_view seg = text.substr(start, end - start);
    // English possessive: drop a final apostrophe + s.
    if (options.strip_possessive && seg.size() >= 3) {
      std::size_t s_at, ap;
      if (IsPossessiveS(DecodeBefore(seg, seg.size(), &s_at)) &&
          IsApostrophe(DecodeBefore(seg, s_at, &ap)) && ap > 0) {
        seg = seg.substr(0, ap);
        end = start + static_cast<std::uint32_t>(ap);
      }
    }
    // Split at inner separators that are not between two digits.
    std::size_t sub_begin = 0;
    std::uint32_t n_sub = 0, n_single_letter = 0;
    bool only_dots = true;
    struct Sub { std::uint32_t b, e; };
    Sub subs_inline[8];
    std::vector<Sub> subs_heap;
    auto add_sub = [&](std::size_t b, std::size_t e) {
      if (e <= b) return;
      Sub s{static_cast<std::uint32_t>(b), static_cast<std::uint32_t>(e)};
      if (n_sub < 8) {
        subs_inline[n_sub] = s;
      } else {
        if (n_sub == 8) subs_heap.assign(subs_inline, subs_inline + 8);
        subs_heap.push_back(s);
      }
      // A single letter (one code point, not a digit)?
      std::size_t i = b;
      const std::int32_t c = DecodeAt(seg, &i);
      if (i == e && c >= 0 && u_isalpha(c)) {
        ++n_single_letter;
      }
      ++n_sub;
    };
    std::int32_t prev = -1;
    for (std::size_t i = 0; i < seg.size();) {
      const std::size_t at = i;
      const std::int32_t c = DecodeAt(seg, &i);
      if (IsInnerSeparator(c)) {
        std::size_t peek = i;
        const std::int32_t next = i < seg.size() ? DecodeAt(seg, &peek) : -1;
        if (!(IsDigit(prev) && IsDigit(next))) {
          if (!IsDot(c)) only_dots = false;
          add_sub(sub_begin, at);
          sub_begin = i;
        }
      }
      prev = c;
    }
    add_sub(sub_begin, seg.size());
    if (n_sub == 0) return;
    const Sub* subs = n_sub <= 8 ? subs_inline : subs_heap.data();
    if (n_sub >= 2 && only_dots && n_single_letter == n_sub) {
      // Acronym: one part, the letters without dots.
      acronym.clear();
      for (std::uint32_t k = 0; k < n_sub; ++k) {
        acronym.append(seg.substr(subs[k].b, subs[k].e - subs[k].b));
      }
      AddPartFromRaw(start, end, acronym);
      return;
    }
    for (std::uint32_t k = 0; k < n_sub; ++k) {
      AddPartFromRaw(start + subs[k].b, start + subs[k].e,
                     seg.substr(subs[k].b, subs[k].e - subs[k].b));
    }
  }

  void AddPartFromRaw(std::uint32_t start, std::uint32_t end,
                      std::string_view raw) {
    // Bound the work for huge segments: the term is cut to max bytes anyway,
    // and a raw prefix 8 times as long yields that many bytes unless it is
    // mostly characters that NFKC_Casefold deletes (then the term is a
    // shorter prefix of the full one).
    const std::size_t max = options.max_term_bytes;
    raw = raw.substr(0, Utf8PrefixLength(raw, 8 * max));
    Part p;
    p.start = start;
    p.end = end;
    p.cased_off = static_cast<std::uint32_t>(arena.size());
    normalizer.CaseFold(raw, &arena);
    // Cut generously here; the final cut happens after diacritic folding so
    // that `ééééé` cut to 5 bytes gives `eeeee`, not `ee`.
    TruncateUtf8(&arena, p.cased_off, 4 * max);
    const std::size_t cased_full = arena.size() - p.cased_off;
    if (cased_full == 0) {
      arena.resize(p.cased_off);
      return;
    }
    bool ascii = true;
    for (std::size_t i = p.cased_off; i < arena.size() && ascii; ++i) {
      ascii = static_cast<unsigned char>(arena[i]) < 0x80;
    }
    if (options.fold_diacritics && !ascii) {
      p.folded_off = static_cast<std::uint32_t>(arena.size());
      // The fold reads from arena while appending to it: copy first.
      scratch.assign(arena, p.cased_off, cased_full);
      normalizer.FoldDiacritics(scratch, &arena);
      TruncateUtf8(&arena, p.folded_off, max);
      p.folded_len = static_cast<std::uint32_t>(arena.size()) - p.folded_off;
      if (p.folded_len == 0) {
        arena.resize(p.cased_off);
        return;
      }
    } else {
      TruncateUtf8(&arena, p.cased_off, max);
      p.folded_off = p.cased_off;
      p.folded_len = static_cast<std::uint32_t>(arena.size()) - p.cased_off;
    }
    // The case-folded form feeds the stemmer: cut it to max as well.
    p.cased_len = static_cast<std::uint32_t>(
        Utf8PrefixLength(std::string_view(arena).substr(p.cased_off, cased_full),
                         max));
    AddPart(p);
  }

  void AddPart(const Part& p) {
    if (!overflowed && parts.size() == options.max_compound_parts) {
      // Too many parts for a joined form: emit what we have as plain parts
      // and stream the rest of the group.
      overflowed = true;
      EmitGroup(parts.data(), parts.size(), false, false);
      parts.clear();
      // Keep the arena: the new part's terms live in it. It is cleared with
      // the group.
    }
    parts.push_back(p);
    if (overflowed) {
      EmitGroup(parts.data(), parts.size(), false, true);
      parts.clear();
      arena.clear();
    }
  }

  std::string_view Folded(const Part& p) const {
    return std::string_view(arena).substr(p.folded_off, p.folded_len);
  }
  std::string_view Cased(const Part& p) const {
    return std::string_view(arena).substr(p.cased_off, p.cased_len);
  }

  // Appends the stem of a case-folded term (diacritic-folded first when
  // folding is on) to the
  // (empty) *dst. Stems are cached: natural text repeats a small vocabulary,
  // and libstemmer is most of the cost of a stemmed analysis.
  void AppendStem(std::string_view cased, std::string* dst,
                  std::string* tmp) {
    auto it = stem_cache.find(cased);
    if (it != stem_cache.end()) {
      dst->append(it->second);
      return;
    }
    const std::size_t base = dst->size();
    tmp->clear();
    if (options.fold_diacritics) {
      // Stem the folded form, so that `résumé` and `resume` (which fold to
      // one exact term) also share their stem.
      std::string folded;
      normalizer.FoldDiacritics(cased, &folded);
      stemmer->Stem(folded, tmp);
    } else {
      stemmer->Stem(cased, tmp);
    }
    dst->append(*tmp);
    TruncateUtf8(dst, base, options.max_term_bytes);
    if (stem_cache.size() >= kStemCacheEntries) stem_cache.clear();
    stem_cache.emplace(std::string(cased), dst->substr(base));
  }

  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  static constexpr std::size_t kStemCacheEntries = 1 << 16;
  std::unordered_map<std::string, std::string, StringHash, std::equal_to<>>
      stem_cache;

  // The joined form of a group: exact (folded) and case-folded.
  void Joined(const Part* ps, std::size_t n, std::string* folded,
              std::string* cased) const {
    folded->clear();
    cased->clear();
    for (std::size_t k = 0; k < n; ++k) {
      folded->append(Folded(ps[k]));
      cased->append(Cased(ps[k]));
    }
    TruncateUtf8(folded, 0, options.max_term_bytes);
    TruncateUtf8(cased, 0, options.max_term_bytes);
  }
};

namespace {

// Document side: positions and tokens.
class TokenEmitter final : public GroupSink {
 public:
  TokenEmitter(Analyzer::Impl& impl, TokenSink& sink, std::uint32_t first)
      : impl_(impl), sink_(sink), position_(first) {}

  void OnGroup(const Part* ps, std::size_t n, bool joined,
               bool /*continuation*/) override {
    if (joined) {
      impl_.Joined(ps, n, &joined_, &joined_cased_);
      TokenView t;
      t.term = joined_;
      t.position = position_;
      t.position_length = static_cast<std::uint32_t>(n);
      t.start = ps[0].start;
      t.end = ps[n - 1].end;
      t.kind = TokenKind::kJoined;
      Emit(t, joined_cased_);
    }
    for (std::size_t k = 0; k < n; ++k) {
      TokenView t;
      t.term = impl_.Folded(ps[k]);
      t.position = position_;
      t.start = ps[k].start;
      t.end = ps[k].end;
      Emit(t, impl_.Cased(ps[k]));
      if (position_ != UINT32_MAX) ++position_;
    }
  }

  // OnGroup for the most common group: one part, and no stemmer.
  void OnPlainPart(const Part& part) {
    TokenView t;
    t.term = std::string_view(impl_.arena.data() + part.folded_off, part.folded_len);
    t.position = position_;
    t.start = part.start;
    t.end = part.end;
    sink_.OnToken(t);
    if (position_ != UINT32_MAX) ++position_;
  }

 private:
  void Emit(TokenView& t, std::string_view cased) {
    sink_.OnToken(t);
    if (impl_.stemmer) {
      stem_.clear();
      impl_.AppendStem(cased, &stem_, &tmp_);
      t.term = stem_;
      t.kind = TokenKind::kStem;
      sink_.OnToken(t);
    }
  }

  Analyzer::Impl& impl_;
  TokenSink& sink_;
  std::uint32_t position_;
  std::string joined_, joined_cased_, stem_, tmp_;
};

}  // namespace

inline void Analyzer::Impl::EmitGroup(const Part* ps, std::size_t n, bool joined,
                                      bool continuation) {
  if (emitter != nullptr) {
    if (n == 1 && !joined && stemmer == nullptr) {
      emitter->OnPlainPart(ps[0]);
    } else {
      emitter->OnGroup(ps, n, joined, continuation);
    }
  } else {
    out->OnGroup(ps, n, joined, continuation);
  }
}

namespace {

// Query side: one QueryWord per group.
class QueryEmitter : public GroupSink {
 public:
  QueryEmitter(Analyzer::Impl& impl, AnalyzedQuery& q) : impl_(impl), q_(q) {}

  void OnGroup(const Part* ps, std::size_t n, bool joined,
               bool continuation) override {
    if (!continuation || q_.words.empty()) q_.words.emplace_back();
    QueryWord& w = q_.words.back();
    if (w.parts.empty()) w.start = ps[0].start;
    w.end = ps[n - 1].end;
    for (std::size_t k = 0; k < n; ++k) {
      w.parts.emplace_back(impl_.Folded(ps[k]));
      if (impl_.stemmer) {
        std::string stem;
        impl_.AppendStem(impl_.Cased(ps[k]), &stem, &tmp_);
        w.stems.push_back(std::move(stem));
      }
    }
    if (joined) {
      std::string cased;
      impl_.Joined(ps, n, &w.joined, &cased);
      if (impl_.stemmer) impl_.AppendStem(cased, &w.joined_stem, &tmp_);
    }
  }

 private:
  Analyzer::Impl& impl_;
  AnalyzedQuery& q_;
  std::string tmp_;
};

class VectorSink : public TokenSink {
 public:
  explicit VectorSink(std::vector<Token>* out) : out_(out) {}
  void OnToken(const TokenView& t) override {
    out_->push_back(Token{std::string(t.term), t.position, t.position_length,
                          t.start, t.end, t.kind});
  }

 private:
  std::vector<Token>* out_;
};

Status CheckOptions(const AnalyzerOptions& o) {
  if (o.max_term_bytes < 4 || o.max_term_bytes > 65535) {
    return Status::InvalidArgument("max_term_bytes must be in [4, 65535], got " +
                                   std::to_string(o.max_term_bytes));
  }
  if (o.max_compound_parts < 2 || o.max_compound_parts > 64) {
    return Status::InvalidArgument(
        "max_compound_parts must be in [2, 64], got " +
        std::to_string(o.max_compound_parts));
  }
  return Status::OK();
}

}  // namespace

Analyzer::Analyzer(std::unique_ptr<Impl> impl) noexcept
    : impl_(std::move(impl)) {}
Analyzer::Analyzer(Analyzer&&) noexcept = default;
Analyzer& Analyzer::operator=(Analyzer&&) noexcept = default;
Analyzer::~Analyzer() = default;

Result<Analyzer> Analyzer::Create(const AnalyzerOptions& options) {
  QUARRY_RETURN_IF_ERROR(CheckOptions(options));
  QUARRY_ASSIGN_OR_RETURN(auto segmenter, Segmenter::Create());
  QUARRY_ASSIGN_OR_RETURN(auto normalizer,
                          TermNormalizer::Create(options.turkic_folding));
  std::unique_ptr<Stemmer> stemmer;
  if (!options.stem_language.empty()) {
    QUARRY_ASSIGN_OR_RETURN(stemmer, Stemmer::Create(options.stem_language));
  }
  return Analyzer(std::make_unique<Impl>(options, std::move(segmenter),
                                         std::move(normalizer),
                                         std::move(stemmer)));
}

Result<Analyzer> Analyzer::Clone() const { return Create(impl_->options); }

const AnalyzerOptions& Analyzer::options() const noexcept {
  return impl_->options;
}

Status Analyzer::Analyze(std::string_view text, TokenSink& sink,
                         std::uint32_t first_position) {
  TokenEmitter emitter(*impl_, sink, first_position);
  return impl_->Run(text, emitter, &emitter);
}

Result<std::vector<Token>> Analyzer::Analyze(std::string_view text,
                                             std::uint32_t first_position) {
  std::vector<Token> tokens;
  VectorSink sink(&tokens);
  QUARRY_RETURN_IF_ERROR(Analyze(text, sink, first_position));
  return tokens;
}

Result<AnalyzedQuery> Analyzer::AnalyzeQuery(std::string_view text) {
  AnalyzedQuery q;
  QueryEmitter emitter(*impl_, q);
  QUARRY_RETURN_IF_ERROR(impl_->Run(text, emitter));
  return q;
}

std::vector<std::string> Analyzer::StemmerLanguages() {
  return Stemmer::Languages();
}

namespace analysis {

void SetAnalyzerFastPaths(bool on) { g_fast_paths.store(on, std::memory_order_relaxed); }
bool AnalyzerFastPaths() { return g_fast_paths.load(std::memory_order_relaxed); }

}  // namespace analysis

}  // namespace quarry
