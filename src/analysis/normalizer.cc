// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "analysis/normalizer.h"

#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

namespace quarry::analysis {
namespace {

const icu::Normalizer2* AsNorm(const void* p) {
  return static_cast<const icu::Normalizer2*>(p);
}

void AppendUtf8(UChar32 c, std::string* out) {
  char buf[4];
  std::int32_t len = 0;
  UBool err = false;
  U8_APPEND(reinterpret_cast<std::uint8_t*>(buf), len, 4, c, err);
  if (err) {
    out->append("\xEF\xBF\xBD");
  } else {
    out->append(buf, static_cast<std::size_t>(len));
  }
}

// Letters without a canonical decomposition that people type as ASCII.
struct SpecialFold {
  UChar32 from;
  const char* to;
};
constexpr SpecialFold kSpecialFolds[] = {
    {0x0131, "i"},   // ı dotless i (Turkish, Azerbaijani)
    {0x0259, "e"},   // ə schwa (Azerbaijani)
    {0x00F8, "o"},   // ø
    {0x0142, "l"},   // ł
    {0x0111, "d"},   // đ
    {0x00F0, "d"},   // ð
    {0x0127, "h"},   // ħ
    {0x0167, "t"},   // ŧ
    {0x00E6, "ae"},  // æ
    {0x0153, "oe"},  // œ
    {0x0451, "\xD0\xB5"},  // ё -> е (Russian)
    {0x0450, "\xD0\xB5"},  // ѐ -> е
};

bool IsAsciiOnly(std::string_view s) {
  for (char ch : s) {
    if (static_cast<unsigned char>(ch) >= 0x80) return false;
  }
  return true;
}

}  // namespace

Result<TermNormalizer> TermNormalizer::Create(bool turkic_folding) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf =
      icu::Normalizer2::getNFKCCasefoldInstance(status);
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || nfkc_cf == nullptr || nfd == nullptr) {
    return Status::Internal(std::string("ICU normalizer data: ") +
                            u_errorName(status));
  }
  return TermNormalizer(turkic_folding, nfkc_cf, nfd);
}

void TermNormalizer::CaseFold(std::string_view raw, std::string* out) const {
  if (IsAsciiOnly(raw)) {
    if (turkic_) {
      for (char ch : raw) {
        if (ch == 'I') {
          out->append("\xC4\xB1");  // ı
        } else {
          out->push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
        }
      }
      return;
    }
    // One resize, then a plain loop (push_back per byte showed in profiles).
    const std::size_t base = out->size();
    out->resize(base + raw.size());
    char* dst = out->data() + base;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      const char ch = raw[i];
      dst[i] = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch;
    }
    return;
  }
  // Pre-map: `İ` (also decomposed, `I` + U+0307) -> `i` always; with Turkic
  // folding also `I` -> `ı`. Then
  // decode (invalid bytes become U+FFFD) into UTF-16 for ICU.
  icu::UnicodeString src;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(raw.data());
  const auto n = static_cast<std::int32_t>(raw.size());
  for (std::int32_t i = 0; i < n;) {
    UChar32 c;
    U8_NEXT(bytes, i, n, c);
    if (c < 0) c = 0xFFFD;
    if (c == 'I' && i + 1 < n && bytes[i] == 0xCC && bytes[i + 1] == 0x87) {
      c = 0x0130;  // `I` + U+0307 is the decomposed `İ`
      i += 2;
    }
    if (c == 0x0130) c = 'i';
    if (turkic_ && c == 'I') c = 0x0131;
    src.append(c);
  }
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString folded = AsNorm(nfkc_cf_)->normalize(src, status);
  if (U_FAILURE(status)) folded = src;  // cannot happen for valid input
  const std::size_t base = out->size();
  icu::StringByteSink<std::string> sink(out);
  folded.toUTF8(sink);
  // Apostrophe look-alikes -> U+0027 (U+FF07 is already mapped by NFKC).
  std::string& s = *out;
  std::size_t w = base;
  for (std::size_t r = base; r < s.size();) {
    const auto b0 = static_cast<unsigned char>(s[r]);
    if (b0 == 0xE2 && r + 2 < s.size() &&
        static_cast<unsigned char>(s[r + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[r + 2]) == 0x98 ||
         static_cast<unsigned char>(s[r + 2]) == 0x99)) {
      s[w++] = '\'';
      r += 3;
    } else if (b0 == 0xCA && r + 1 < s.size() &&
               static_cast<unsigned char>(s[r + 1]) == 0xBC) {
      s[w++] = '\'';
      r += 2;
    } else {
      s[w++] = s[r++];
    }
  }
  s.resize(w);
}

const TermNormalizer::Fold& TermNormalizer::LookupFold(std::int32_t c) {
  auto it = fold_cache_.find(c);
  if (it != fold_cache_.end()) return it->second;
  Fold f;
  UErrorCode status = U_ZERO_ERROR;
  const UScriptCode script = uscript_getScript(c, &status);
  f.foldable_base = U_SUCCESS(status) &&
                    (script == USCRIPT_LATIN || script == USCRIPT_GREEK);
  bool special = false;
  for (const SpecialFold& s : kSpecialFolds) {
    if (s.from == c) {
      f.kind = Fold::kReplace;
      f.replacement = s.to;
      special = true;
      break;
    }
  }
  if (!special) {
    if ((U_GET_GC_MASK(c) & (U_GC_MN_MASK | U_GC_ME_MASK)) != 0) {
      f.kind = Fold::kMark;
    } else if (f.foldable_base) {
      icu::UnicodeString decomposition;
      if (AsNorm(nfd_)->getDecomposition(c, decomposition)) {
        std::string repl;
        for (std::int32_t i = 0; i < decomposition.length();) {
          const UChar32 d = decomposition.char32At(i);
          i += U16_LENGTH(d);
          if ((U_GET_GC_MASK(d) & U_GC_MN_MASK) == 0) AppendUtf8(d, &repl);
        }
        if (!repl.empty()) {
          f.kind = Fold::kReplace;
          f.replacement = std::move(repl);
        }
      }
    }
  }
  return fold_cache_.emplace(c, std::move(f)).first->second;
}

void TermNormalizer::FoldDiacritics(std::string_view in, std::string* out) {
  if (IsAsciiOnly(in)) {
    out->append(in);
    return;
  }
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(in.data());
  const auto n = static_cast<std::int32_t>(in.size());
  bool after_foldable = false;
  for (std::int32_t i = 0; i < n;) {
    const std::int32_t begin = i;
    UChar32 c;
    U8_NEXT(bytes, i, n, c);
    if (c < 0x80) {
      if (c < 0) {
        out->append("\xEF\xBF\xBD");
        after_foldable = false;
      } else {
        out->push_back(static_cast<char>(c));
        after_foldable = true;
      }
      continue;
    }
    const Fold& f = LookupFold(c);
    switch (f.kind) {
      case Fold::kMark:
        if (!after_foldable) {
          out->append(in.substr(static_cast<std::size_t>(begin),
                                static_cast<std::size_t>(i - begin)));
        }
        break;  // a mark keeps the base it attaches to
      case Fold::kReplace:
        out->append(f.replacement);
        after_foldable = f.foldable_base;
        break;
      case Fold::kKeep:
        out->append(in.substr(static_cast<std::size_t>(begin),
                              static_cast<std::size_t>(i - begin)));
        after_foldable = f.foldable_base;
        break;
    }
  }
}

}  // namespace quarry::analysis
