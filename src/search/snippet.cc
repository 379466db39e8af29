// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Snippets: the best window of a stored text value, with highlights.
//
// 1. Analyze. The text goes through the field's own analyzer once. Exact
//    tokens (kWord, kJoined) are kept compactly (position, span, bytes and an
//    id when their term is one we look for); stem tokens are only looked up
//    in the stem set. Nothing else is stored per token.
// 2. Match. Every highlight unit becomes a match: a byte range plus a key
//    (the exact term, the stem, or the phrase) used to count distinct hits.
//      - terms / stems: the token's bytes;
//      - phrases (query.h): tried at each position where the first word can
//        start. Words match as one of their alternatives (a chain of exact
//        tokens, each starting where the previous one ended). With slop the
//        search is a small dynamic program over "where the previous word
//        ended -> fewest gap positions used", visiting only positions where
//        the next word can start, dropping dominated states and stopping
//        early on the last word. The tightest match per start is kept and
//        gives ONE range from its first token's start to its last token's
//        end. Slop is capped at max_bytes: wider matches span more bytes
//        than any window and are not worth the (quadratic) search;
//      - Near sets: a sliding window over the positions holding the set's
//        terms; every occurrence inside a satisfying window is highlighted.
//        "Distinct positions" is checked exactly (Hall's condition over the
//        term subsets) only when one position holds several of the terms.
// 3. Choose the window. Windows are anchored at match starts; a two-pointer
//    sweep (matches by start and by end) keeps the set of matches entirely
//    inside [anchor, anchor + max_bytes) and picks the most distinct keys,
//    then the most matches, then the earliest. The covered range is centred
//    in the byte budget (shifted back at the end of the text), then the start
//    moves forward and the end backward to whitespace (else token, else code
//    point) boundaries, never past the covered matches.
// 4. Render. Highlights are all match ranges merged (overlapping or touching)
//    and clipped to the window; the text gets tags, optional HTML escaping of
//    the text only, and ellipses where the window cuts the value.
// After analysis the work is about linear in the number of tokens (sorting
// aside): a phrase start looks only at positions within its slop, and slop
// is at most max_bytes. Boundary searches look at O(max_bytes) bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "search/plan.h"

namespace quarry::search {
namespace {

constexpr std::uint32_t kNoId = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint32_t kMaxU32 = std::numeric_limits<std::uint32_t>::max();

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
using IdMap =
    std::unordered_map<std::string, std::uint32_t, StringHash, std::equal_to<>>;

std::uint32_t Intern(IdMap& map, const std::string& term) {
  auto [it, inserted] =
      map.try_emplace(term, static_cast<std::uint32_t>(map.size()));
  (void)inserted;
  return it->second;
}

std::uint32_t Find(const IdMap& map, std::string_view term) {
  auto it = map.find(term);
  return it == map.end() ? kNoId : it->second;
}

// An exact token (kWord or kJoined).
struct Tok {
  std::uint32_t pos;
  std::uint32_t len;
  std::uint32_t start;
  std::uint32_t end;
  std::uint32_t id;  // exact term id, or kNoId
};

struct Match {
  std::uint32_t start;
  std::uint32_t end;
  std::uint32_t key;
  friend bool operator==(const Match&, const Match&) = default;
};

class Collector : public TokenSink {
 public:
  Collector(const IdMap& exact, const IdMap& stems, std::uint32_t stem_key_base,
            std::vector<Tok>& toks, std::vector<Match>& matches)
      : exact_(exact),
        stems_(stems),
        stem_key_base_(stem_key_base),
        toks_(toks),
        matches_(matches) {}

  void OnToken(const TokenView& t) override {
    if (t.kind == TokenKind::kStem) {
      if (stems_.empty()) return;
      const std::uint32_t id = Find(stems_, t.term);
      if (id != kNoId)
        matches_.push_back({t.start, t.end, stem_key_base_ + id});
      return;
    }
    toks_.push_back({t.position, std::max<std::uint32_t>(t.position_length, 1),
                     t.start, t.end,
                     exact_.empty() ? kNoId : Find(exact_, t.term)});
  }

 private:
  const IdMap& exact_;
  const IdMap& stems_;
  std::uint32_t stem_key_base_;
  std::vector<Tok>& toks_;
  std::vector<Match>& matches_;
};

// Interesting exact tokens indexed by position.
struct PositionIndex {
  std::vector<Tok> hits;             // by position
  std::vector<std::uint32_t> begin;  // position -> first index in hits
  std::vector<std::vector<std::uint32_t>> occ;  // id -> indices in hits
  std::uint32_t max_len = 1;  // largest position_length in hits

  std::pair<const Tok*, const Tok*> At(std::uint32_t pos) const {
    if (pos + 1 >= begin.size()) return {nullptr, nullptr};
    return {hits.data() + begin[pos], hits.data() + begin[pos + 1]};
  }
};

PositionIndex BuildIndex(const std::vector<Tok>& toks, std::size_t num_ids) {
  PositionIndex index;
  index.occ.resize(num_ids);
  std::uint32_t max_pos = 0;
  for (const Tok& t : toks) {
    if (t.id == kNoId) continue;
    index.hits.push_back(t);
    max_pos = std::max(max_pos, t.pos);
  }
  // Positions never decrease in analyzer output; keep the order robust anyway.
  std::stable_sort(index.hits.begin(), index.hits.end(),
                   [](const Tok& a, const Tok& b) { return a.pos < b.pos; });
  if (index.hits.empty()) return index;
  index.begin.assign(static_cast<std::size_t>(max_pos) + 2, 0);
  for (const Tok& t : index.hits) ++index.begin[t.pos + 1];
  for (std::size_t i = 1; i < index.begin.size(); ++i)
    index.begin[i] += index.begin[i - 1];
  for (std::uint32_t i = 0; i < index.hits.size(); ++i) {
    const Tok& t = index.hits[i];
    index.occ[t.id].push_back(i);
    index.max_len = std::max(index.max_len, t.len);
  }
  return index;
}

// ---------------------------------------------------------------------------
// Phrases.

using Alternative = std::vector<std::uint32_t>;  // exact term ids
using Word = std::vector<Alternative>;

struct State {
  std::uint32_t next;   // position after the word's last token
  std::uint32_t gap;    // slop positions used so far
  std::uint32_t start;  // byte where the match started
  std::uint32_t end;    // byte where the word's last token ended
};

// Appends the ways `word` matches starting at position `at`. `frontier`
// and `next` are scratch space.
void MatchWord(const PositionIndex& index, const Word& word, std::uint32_t at,
               std::uint32_t gap, std::vector<State>& out,
               std::vector<State>& frontier, std::vector<State>& next) {
  for (const Alternative& alt : word) {
    frontier.assign(1, State{at, gap, kMaxU32, 0});
    for (const std::uint32_t id : alt) {
      next.clear();
      for (const State& s : frontier) {
        auto [b, e] = index.At(s.next);
        for (const Tok* t = b; t != e; ++t) {
          if (t->id != id) continue;
          next.push_back(
              {t->pos + t->len, gap, std::min(s.start, t->start), t->end});
        }
      }
      frontier.swap(next);
      if (frontier.empty()) break;
    }
    out.insert(out.end(), frontier.begin(), frontier.end());
  }
}

// Drops dominated states and sorts the rest by `next`. From a state the next
// word may start at any s >= next at total gap `gap + s - next`, so a state
// with next <= B.next and gap - next <= B.gap - B.next is never worse than B.
// What remains has ascending `next` and strictly descending gap - next.
void Prune(std::vector<State>& states) {
  std::sort(states.begin(), states.end(), [](const State& a, const State& b) {
    if (a.next != b.next) return a.next < b.next;
    return a.gap < b.gap;
  });
  std::size_t kept = 0;
  std::int64_t min_base = std::numeric_limits<std::int64_t>::max();
  for (const State& s : states) {
    const std::int64_t base = std::int64_t{s.gap} - s.next;
    if (base >= min_base) continue;
    min_base = base;
    states[kept++] = s;
  }
  states.resize(kept);
}

// Positions where some alternative of `word` can start, ascending.
std::vector<std::uint32_t> WordStarts(const PositionIndex& index,
                                      const Word& word) {
  std::vector<std::uint32_t> starts;
  for (const Alternative& alt : word) {
    for (const std::uint32_t i : index.occ[alt[0]])
      starts.push_back(index.hits[i].pos);
  }
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  return starts;
}

// `slop` is already capped (see the caller): a match whose words are more
// than max_bytes positions apart spans more than max_bytes bytes and could
// never be shown whole.
void MatchPhrase(const PositionIndex& index, const std::vector<Word>& words,
                 std::uint32_t slop, std::uint32_t key,
                 std::vector<Match>& out) {
  if (words.empty()) return;
  for (const Word& w : words) {
    if (w.empty()) return;
  }
  std::vector<std::vector<std::uint32_t>> word_starts;
  std::vector<std::int64_t> max_span;  // positions a word can cover at most
  for (const Word& w : words) {
    word_starts.push_back(WordStarts(index, w));
    if (word_starts.back().empty()) return;
    std::size_t parts = 0;
    for (const Alternative& alt : w) parts = std::max(parts, alt.size());
    max_span.push_back(static_cast<std::int64_t>(parts) * index.max_len);
  }

  std::vector<State> states, next, scratch1, scratch2;
  for (const std::uint32_t p : word_starts[0]) {
    states.clear();
    MatchWord(index, words[0], p, 0, states, scratch1, scratch2);
    for (std::size_t w = 1; w < words.size() && !states.empty(); ++w) {
      Prune(states);
      const bool last = w + 1 == words.size();
      std::uint64_t hi = 0;
      for (const State& s : states) {
        hi =
            std::max<std::uint64_t>(hi, std::uint64_t{s.next} + (slop - s.gap));
      }
      // The smallest gap - next of all states (the last one after pruning).
      const std::int64_t min_base =
          std::int64_t{states.back().gap} - states.back().next;
      std::int64_t best_final = std::numeric_limits<std::int64_t>::max();
      next.clear();
      // best(s) = min over states with next <= s of gap + (s - next).
      const std::vector<std::uint32_t>& cands = word_starts[w];
      auto it =
          std::lower_bound(cands.begin(), cands.end(), states.front().next);
      std::size_t k = 0;
      std::int64_t best_base = std::numeric_limits<std::int64_t>::max();
      const State* best_state = nullptr;
      // The found state with the smallest gap - next (for the early stop).
      std::int64_t found_base = std::numeric_limits<std::int64_t>::max();
      std::uint32_t found_next = 0;
      for (; it != cands.end() && *it <= hi; ++it) {
        const std::uint32_t at = *it;
        // For the last word a match at `at` costs at least at + min_base:
        // nothing further can beat what was found.
        if (last && at + min_base >= best_final) break;
        // Otherwise a state found from here on has gap - next >= min_base -
        // max_span and next >= at + 1: one found earlier with a base that
        // small and next <= at + 1 dominates them all.
        if (found_base <= min_base - max_span[w] &&
            found_next <= std::int64_t{at} + 1)
          break;
        while (k < states.size() && states[k].next <= at) {
          const std::int64_t base =
              std::int64_t{states[k].gap} - states[k].next;
          if (base < best_base) {
            best_base = base;
            best_state = &states[k];
          }
          ++k;
        }
        if (best_state == nullptr) continue;
        const std::int64_t gap = best_base + at;
        if (gap > static_cast<std::int64_t>(slop)) continue;
        const std::size_t first = next.size();
        MatchWord(index, words[w], at, static_cast<std::uint32_t>(gap), next,
                  scratch1, scratch2);
        for (std::size_t i = first; i < next.size(); ++i) {
          next[i].start = best_state->start;
          const std::int64_t base = std::int64_t{next[i].gap} - next[i].next;
          if (base < found_base) {
            found_base = base;
            found_next = next[i].next;
          }
        }
        if (next.size() > first) best_final = std::min(best_final, gap);
      }
      states.swap(next);
    }
    if (states.empty()) continue;
    const State* best = &states[0];
    for (const State& s : states) {
      if (s.gap < best->gap || (s.gap == best->gap && s.next < best->next))
        best = &s;
    }
    if (best->start < best->end) out.push_back({best->start, best->end, key});
  }
}

// ---------------------------------------------------------------------------
// Near sets.

void MatchNear(const PositionIndex& index,
               const std::vector<std::uint32_t>& ids, std::uint32_t window,
               std::vector<Match>& out) {
  if (ids.empty() || window == 0) return;
  // Unique terms with multiplicities.
  std::vector<std::uint32_t> uniq = ids;
  std::sort(uniq.begin(), uniq.end());
  uniq.erase(std::unique(uniq.begin(), uniq.end()), uniq.end());
  const std::size_t k = uniq.size();
  if (k > 64) return;  // not a realistic query; nothing to highlight
  std::vector<std::uint32_t> need(k, 0);
  for (const std::uint32_t id : ids) {
    ++need[static_cast<std::size_t>(
        std::lower_bound(uniq.begin(), uniq.end(), id) - uniq.begin())];
  }
  // Occurrences (hit index, bit) by position, grouped by position.
  struct Occ {
    std::uint32_t pos;
    std::uint32_t hit;
    std::uint32_t bit;
  };
  std::vector<Occ> occs;
  for (std::size_t b = 0; b < k; ++b) {
    for (const std::uint32_t i : index.occ[uniq[b]]) {
      occs.push_back({index.hits[i].pos, i, static_cast<std::uint32_t>(b)});
    }
  }
  if (occs.empty()) return;
  std::sort(occs.begin(), occs.end(), [](const Occ& a, const Occ& b) {
    return a.pos != b.pos ? a.pos < b.pos : a.hit < b.hit;
  });
  std::vector<std::uint32_t> gpos;    // group position
  std::vector<std::uint64_t> gmask;   // terms at the position
  std::vector<std::uint32_t> gfirst;  // first occurrence of the group
  for (std::uint32_t i = 0; i < occs.size(); ++i) {
    if (gpos.empty() || gpos.back() != occs[i].pos) {
      gpos.push_back(occs[i].pos);
      gmask.push_back(0);
      gfirst.push_back(i);
    }
    gmask.back() |= std::uint64_t{1} << occs[i].bit;
  }
  gfirst.push_back(static_cast<std::uint32_t>(occs.size()));
  const std::size_t groups = gpos.size();

  // Exact check of "distinct positions" when a position holds several terms:
  // for every subset S of terms, the positions holding some term of S must
  // be at least the number of slots of S (Hall). It costs k * 2^k per
  // window, so only for small sets; larger ones check only S = all terms.
  const bool exact_hall = k <= 6;
  const std::size_t subsets = exact_hall ? std::size_t{1} << k : 0;
  std::vector<std::uint32_t> mask_count(subsets, 0), sub(subsets, 0),
      slots(subsets, 0);
  for (std::size_t s = 1; s < subsets; ++s) {
    for (std::size_t b = 0; b < k; ++b) {
      if (s & (std::size_t{1} << b)) slots[s] += need[b];
    }
  }
  const std::uint32_t total_slots = static_cast<std::uint32_t>(ids.size());
  auto hall = [&](std::uint32_t in_window) {
    if (!exact_hall) return in_window >= total_slots;
    sub = mask_count;  // sub[m] = positions whose mask is a subset of m
    for (std::size_t b = 0; b < k; ++b) {
      for (std::size_t m = 0; m < subsets; ++m) {
        if (m & (std::size_t{1} << b)) sub[m] += sub[m ^ (std::size_t{1} << b)];
      }
    }
    const std::size_t full = subsets - 1;
    for (std::size_t s = 1; s < subsets; ++s) {
      if (in_window - sub[full ^ s] < slots[s]) return false;
    }
    return true;
  };

  std::vector<std::uint32_t> count(k, 0);
  std::size_t deficient = k;
  std::uint32_t multi = 0, in_window = 0;
  auto update = [&](std::size_t g, bool add) {
    const std::uint64_t m = gmask[g];
    for (std::size_t b = 0; b < k; ++b) {
      if (!(m & (std::uint64_t{1} << b))) continue;
      if (add) {
        if (++count[b] == need[b]) --deficient;
      } else {
        if (count[b]-- == need[b]) ++deficient;
      }
    }
    const bool several = (m & (m - 1)) != 0;
    if (add) {
      ++in_window;
      multi += several;
      if (exact_hall) ++mask_count[m];
    } else {
      --in_window;
      multi -= several;
      if (exact_hall) --mask_count[m];
    }
  };
  std::vector<std::int32_t> marks(groups + 1, 0);
  std::size_t j = 0;
  for (std::size_t i = 0; i < groups; ++i) {
    const std::uint64_t last = std::uint64_t{gpos[i]} + window - 1;
    while (j < groups && gpos[j] <= last) update(j++, true);
    if (deficient == 0 && (multi == 0 || hall(in_window))) {
      ++marks[i];
      --marks[j];
    }
    update(i, false);
  }
  std::int32_t on = 0;
  for (std::size_t g = 0; g < groups; ++g) {
    on += marks[g];
    if (on <= 0) continue;
    for (std::uint32_t o = gfirst[g]; o < gfirst[g + 1]; ++o) {
      const Tok& t = index.hits[occs[o].hit];
      out.push_back({t.start, t.end, t.id});
    }
  }
}

// ---------------------------------------------------------------------------
// Window.

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

bool IsContinuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// The largest offset <= at that does not fall inside a UTF-8 sequence
// (stray continuation bytes of invalid input may be dropped too).
std::size_t CodePointFloor(std::string_view text, std::size_t at,
                           std::size_t lo) {
  if (at >= text.size()) return text.size();
  std::size_t b = at;
  for (int i = 0; i < 3 && b > lo && IsContinuation(text[b]); ++i) --b;
  return IsContinuation(text[b]) ? at : b;
}

// The first exact token starting at or after `at` (tokens come in offset
// order).
std::vector<Tok>::const_iterator FirstStartingAt(const std::vector<Tok>& toks,
                                                 std::size_t at) {
  return std::lower_bound(
      toks.begin(), toks.end(), at,
      [](const Tok& t, std::size_t v) { return t.start < v; });
}

// Moves `from` forward (not past `limit`) to a good window start: after
// whitespace, else a token start.
std::size_t SnapStart(std::string_view text, const std::vector<Tok>& toks,
                      std::size_t from, std::size_t limit) {
  if (from == 0) return 0;
  for (std::size_t b = from; b <= limit; ++b) {
    if (IsSpace(text[b - 1])) {
      while (b < limit && IsSpace(text[b])) ++b;
      return b;
    }
  }
  auto it = FirstStartingAt(toks, from);
  if (it != toks.end() && it->start <= limit) return it->start;
  return limit;
}

// Moves `from` backward (not before `limit`, and keeping the window
// non-empty when possible) to a good window end: before whitespace, else a
// token end, else a code point boundary.
std::size_t SnapEnd(std::string_view text, const std::vector<Tok>& toks,
                    std::size_t start, std::size_t from, std::size_t limit) {
  if (from >= text.size()) return text.size();
  const std::size_t floor = std::max(limit, start + 1);
  for (std::size_t b = from; b >= floor; --b) {
    if (IsSpace(text[b])) {
      while (b > floor && IsSpace(text[b - 1])) --b;
      if (!IsSpace(text[b - 1])) return b;
    }
  }
  std::size_t best = 0;
  for (auto it = FirstStartingAt(toks, start);
       it != toks.end() && it->start < from; ++it) {
    if (it->end <= from && it->end >= floor)
      best = std::max<std::size_t>(best, it->end);
  }
  if (best > 0) return best;
  if (limit > start) return limit;
  return std::max(start, CodePointFloor(text, from, start));
}

void AppendEscaped(std::string& out, std::string_view s, bool escape) {
  if (!escape) {
    out.append(s);
    return;
  }
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
}

}  // namespace

Snippet MakeSnippet(Analyzer& analyzer, std::string_view field_name,
                    std::string_view text, const FieldHighlight& highlight,
                    const SnippetOptions& options) {
  Snippet snippet;
  snippet.field = std::string(field_name);
  // Offsets are 32-bit; the analyzer refuses larger values, and so do we.
  if (text.size() >= kMaxU32)
    text = text.substr(0, CodePointFloor(text, kMaxU32 - 1, 0));
  const std::size_t n = text.size();
  const std::size_t budget = std::min(options.max_bytes, n);

  // Term ids. Exact ids are shared by terms, phrase parts and Near terms.
  IdMap exact, stems;
  for (const std::string& t : highlight.terms) Intern(exact, t);
  std::vector<std::vector<Word>> phrases;
  for (const FieldHighlight::Phrase& phrase : highlight.phrases) {
    std::vector<Word> words;
    for (const PhraseWord& pw : phrase.words) {
      Word word;
      for (const auto& alt : pw.alternatives) {
        if (alt.empty()) continue;
        Alternative ids;
        for (const std::string& t : alt) ids.push_back(Intern(exact, t));
        word.push_back(std::move(ids));
      }
      words.push_back(std::move(word));
    }
    phrases.push_back(std::move(words));
  }
  std::vector<std::vector<std::uint32_t>> nears;
  for (const auto& near : highlight.nears) {
    std::vector<std::uint32_t> ids;
    for (const std::string& t : near) ids.push_back(Intern(exact, t));
    nears.push_back(std::move(ids));
  }
  std::vector<bool> is_term(exact.size(), false);
  for (const std::string& t : highlight.terms) is_term[Find(exact, t)] = true;
  for (const std::string& t : highlight.stems) Intern(stems, t);
  const auto stem_base = static_cast<std::uint32_t>(exact.size());
  const auto phrase_base = static_cast<std::uint32_t>(stem_base + stems.size());

  // Analyze.
  std::vector<Tok> toks;
  std::vector<Match> matches;
  if (n > 0) {
    // With nothing to highlight only the start of the text matters: analyze
    // a prefix with some margin, so that token boundaries near the cut are
    // those of the whole text.
    std::string_view analyzed = text;
    constexpr std::size_t kMargin = 256;
    if (highlight.empty() && n > budget + kMargin) {
      analyzed = text.substr(0, CodePointFloor(text, budget + kMargin, 0));
    }
    toks.reserve(analyzed.size() / 4 + 16);
    Collector collector(exact, stems, stem_base, toks, matches);
    if (!analyzer.Analyze(analyzed, collector).ok()) {
      toks.clear();
      matches.clear();
    }
  }

  // Match.
  for (const Tok& t : toks) {
    if (t.id != kNoId && is_term[t.id])
      matches.push_back({t.start, t.end, t.id});
  }
  if (!phrases.empty() || !nears.empty()) {
    const PositionIndex index = BuildIndex(toks, exact.size());
    if (!index.hits.empty()) {
      for (std::size_t i = 0; i < phrases.size(); ++i) {
        const std::uint32_t slop = static_cast<std::uint32_t>(
            std::min<std::size_t>(highlight.phrases[i].slop, budget));
        MatchPhrase(index, phrases[i], slop,
                    phrase_base + static_cast<std::uint32_t>(i), matches);
      }
      for (std::size_t i = 0; i < nears.size(); ++i) {
        if (i < highlight.near_windows.size()) {
          MatchNear(index, nears[i], highlight.near_windows[i], matches);
        }
      }
    }
  }
  for (Match& m : matches) {  // defensive: keep ranges inside the text
    m.end = static_cast<std::uint32_t>(std::min<std::size_t>(m.end, n));
    m.start = std::min(m.start, m.end);
  }
  matches.erase(std::remove_if(matches.begin(), matches.end(),
                               [](const Match& m) { return m.start >= m.end; }),
                matches.end());
  std::sort(matches.begin(), matches.end(), [](const Match& a, const Match& b) {
    if (a.start != b.start) return a.start < b.start;
    if (a.end != b.end) return a.end < b.end;
    return a.key < b.key;
  });
  matches.erase(std::unique(matches.begin(), matches.end()), matches.end());

  // Choose the covered range [core_start, core_end).
  std::size_t core_start = 0, core_end = 0;
  bool center = false;
  if (!matches.empty()) {
    const std::size_t m = matches.size();
    std::vector<std::uint32_t> by_end(m);
    for (std::uint32_t i = 0; i < m; ++i) by_end[i] = i;
    std::stable_sort(by_end.begin(), by_end.end(),
                     [&](std::uint32_t a, std::uint32_t b) {
                       return matches[a].end < matches[b].end;
                     });
    std::vector<std::uint32_t> key_count(phrase_base + phrases.size(), 0);
    std::vector<std::uint8_t> state(m, 0);  // 1 = in the window, 2 = passed
    std::size_t distinct = 0, total = 0, best_distinct = 0, best_total = 0;
    std::size_t best = m;
    std::size_t passed = 0, added = 0;
    for (std::size_t i = 0; i < m; ++i) {
      const std::uint64_t anchor = matches[i].start;
      if (i > 0 && matches[i - 1].start == anchor) continue;
      for (; matches[passed].start < anchor; ++passed) {
        if (state[passed] == 1) {
          --total;
          if (--key_count[matches[passed].key] == 0) --distinct;
        }
        state[passed] = 2;
      }
      for (; added < m && matches[by_end[added]].end <= anchor + budget;
           ++added) {
        const std::uint32_t a = by_end[added];
        if (state[a] != 0) continue;
        state[a] = 1;
        ++total;
        if (key_count[matches[a].key]++ == 0) ++distinct;
      }
      if (distinct > best_distinct ||
          (distinct == best_distinct && total > best_total)) {
        best_distinct = distinct;
        best_total = total;
        best = i;
      }
    }
    if (best < m) {
      core_start = core_end = matches[best].start;
      for (std::size_t i = best;
           i < m && matches[i].start <= core_start + budget; ++i) {
        if (matches[i].end <= core_start + budget) {
          core_end = std::max<std::size_t>(core_end, matches[i].end);
        }
      }
      center = true;
    } else {
      // No match fits in the budget: start the window at the first match.
      core_start = core_end = matches[0].start;
    }
  }

  // Place and snap the window.
  std::size_t start = 0, end = 0;
  if (budget > 0 && n > 0) {
    std::size_t from = core_start;
    if (center) {
      const std::size_t slack = budget - (core_end - core_start);
      from = core_start - std::min(core_start, slack / 2);
      if (n > budget)
        from = std::min(from, n - budget);
      else
        from = 0;
    }
    start = SnapStart(text, toks, from, core_start);
    end = SnapEnd(text, toks, start, std::min(n, start + budget), core_end);
  }
  snippet.start = static_cast<std::uint32_t>(start);
  snippet.end = static_cast<std::uint32_t>(end);

  // Highlights: merged, clipped.
  for (const Match& m : matches) {
    const std::uint32_t s = std::max<std::uint32_t>(m.start, snippet.start);
    const std::uint32_t e = std::min<std::uint32_t>(m.end, snippet.end);
    if (s >= e) continue;
    if (!snippet.highlights.empty() && s <= snippet.highlights.back().second) {
      snippet.highlights.back().second =
          std::max(snippet.highlights.back().second, e);
    } else {
      snippet.highlights.emplace_back(s, e);
    }
  }

  // Render.
  std::string& out = snippet.text;
  out.reserve(end - start + 2 * options.ellipsis.size() +
              snippet.highlights.size() *
                  (options.pre_tag.size() + options.post_tag.size()));
  if (start > 0) out += options.ellipsis;
  std::size_t at = start;
  for (const auto& [s, e] : snippet.highlights) {
    AppendEscaped(out, text.substr(at, s - at), options.escape_html);
    out += options.pre_tag;
    AppendEscaped(out, text.substr(s, e - s), options.escape_html);
    out += options.post_tag;
    at = e;
  }
  AppendEscaped(out, text.substr(at, end - at), options.escape_html);
  if (end < n) out += options.ellipsis;
  return snippet;
}

}  // namespace quarry::search
