// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// ParseQuery: the syntax people type, turned into a Query tree.
//
// Grammar (precedence from low to high):
//
//   query   := orExpr                       (empty or blank input: MatchNone)
//   orExpr  := seq (("OR" | "||") seq)*
//   seq     := andExpr+                     joined by default_operator
//   andExpr := unary (("AND" | "&&") unary)*
//   unary   := ("NOT" | "!") unary | ["+" | "-"] primary
//   primary := "(" orExpr ")" ["^" number]
//            | field ":" (word | phrase | "(" orExpr ")" ["^" number])
//            | phrase | word
//   phrase  := '"' chars '"' ["~" digits] ["^" number]
//   word    := wordchar+ ["^" number]       (a prefix when it ends in `*`)
//
// Worked example, default OR, fields {title}:
//   title:Nagorno-Karabakh "peace talks"~2 -lang^2 OR pre*
//   -> ((title:"Nagorno-Karabakh" "peace talks"~2 -"lang"^2) "pre"*)
//
// Lexical decisions:
//  * Whitespace is ASCII space, \t \n \v \f \r. Every other byte (non-ASCII
//    spaces, NUL, invalid UTF-8) is word text for the analyzer to judge.
//  * A word runs to the next whitespace, `(`, `)` or `"`. `+ - !` inside a
//    word are text (`C++`, `e-mail`, `Yahoo!`). At the start of a clause they
//    are operators only when directly attached to what follows: in `a - b`
//    the `-` is a word of its own (the analyzer drops it). Only one `+`/`-`
//    is taken: `--a` is -"-a".
//  * AND OR NOT && || are operators only in upper case and as whole words,
//    delimited on both sides by whitespace, parentheses, quotes or the ends
//    of the input. `a&&b`, `-AND`, `title:NOT`, `and` are words.
//  * `\` makes the next byte plain text and is dropped (`\"`, `\(`, `\:`,
//    `\-`, `\*`, `\^`, `\\`, `\ `); a `\` at the very end is itself text.
//    The same holds inside a phrase (`"say \"hi\""`).
//  * `name:` names a field only when `name` is exactly one of
//    QueryParseOptions::fields and the colon is directly followed by
//    something other than whitespace. `title:` at the end of the input or
//    before `)` is an error; `title: x` (space after the colon), `Note:`,
//    `http://x`, `a:b` with unknown names are plain word text. What follows a
//    field is a word, a phrase or a group, never another field or an
//    operator: `title:url:x` is title:"url:x".
//  * Boost: a word ending in `^N`, where N is digits with at most one `.`
//    (`2`, `2.5`, `.5`, `0`) and at least one byte precedes the `^`. After a
//    phrase or `)` the `^N` must end at whitespace, a parenthesis, a quote or
//    the end. Anything else (`a^b`, `^2`, `a^1e3`, a value too large for a
//    float) leaves the `^` as plain text.
//  * Slop: `~` and digits directly after a closing quote, ending where a
//    boost may end (or at `^`). Values above 2^32-1 are clamped. A `~` not
//    followed by that is text starting the next clause (`"a"~x`).
//  * Prefix: a word ending in one or more unescaped `*` with something
//    before them; all trailing stars are removed (`pre**` -> "pre"*). A `*`
//    elsewhere or a word of stars only is plain text.
//  * `()` is an error (empty group); `""` is an empty Phrase (the search
//    layer sees no words in it).
//
// Building the tree (flattening only where it cannot change matches or
// scores; parenthesized groups are never merged into their parent):
//  * `a AND b AND c` -> (+a +b +c); `-x` and NOT x operands are must_not.
//  * seq: plain clauses are should (default OR) or must (default AND), `+`
//    clauses must, `-`/NOT clauses must_not. With default AND an AND chain's
//    clauses join the seq directly; with default OR it is one should clause.
//  * OR: each seq is a should clause; a seq made only of should clauses (a
//    default-OR seq without modifiers) is merged, so `a b OR c` -> (a b c).
//    `a OR NOT b` -> (a (-b)), i.e. a or not b.
//  * A result with one clause is the clause itself when it is should or
//    must (`+a` alone is a); a lone must_not stays (-a). NOT applied to an
//    operand x gives a must_not clause of x as a standalone query.
//
// Limits and errors (InvalidArgument "query syntax error at byte N: ..."):
//  * Input longer than max_length: N = max_length.
//  * Depth counts open parentheses plus NOT/! operators around a clause; an
//    opening that goes beyond max_depth fails at its offset. The parser
//    recurses only through groups, after the check. Whatever max_depth says,
//    depth is limited to kHardMaxDepth (256), so that the parser (about
//    1.3 KB of stack per level in a Debug build, less optimized) and every
//    recursive walk over the tree stay within a small stack.
//  * Clauses are the leaves (words, phrases, prefixes); the first one beyond
//    max_clauses fails at its offset (that of its `field:` when named).
//  * Unterminated quote: the opening quote. Missing `)`: the unmatched `(`.
//    Stray `)`: itself. AND/OR/NOT without an operand, and `field:` with
//    nothing after it: the operator or field name.
// On success *error_offset is left unchanged.
//
// Literal mode skips all of this: Text(default_field, input, default_operator),
// whatever the input and its length.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "quarry/query.h"

namespace quarry {

namespace {

// Protects the stack of the parser and of later recursive tree walks.
constexpr std::size_t kHardMaxDepth = 256;

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// Ends a word.
bool IsDelim(char c) { return IsSpace(c) || c == '(' || c == ')' || c == '"'; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses a boost value: digits with at most one '.', finite as a float.
bool ParseBoostNumber(std::string_view s, float* out) {
  if (s.empty()) return false;
  int digits = 0;
  int dots = 0;
  for (char c : s) {
    if (IsDigit(c)) {
      ++digits;
    } else if (c == '.') {
      ++dots;
    } else {
      return false;
    }
  }
  if (digits == 0 || dots > 1) return false;
  float v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v,
                                   std::chars_format::fixed);
  if (ec != std::errc() || ptr != s.data() + s.size() || !std::isfinite(v)) {
    return false;
  }
  *out = v;
  return true;
}

enum class Mod : std::uint8_t { kNone, kPlus, kMinus };

// A unary expression: a query and how it was marked.
struct Operand {
  Query query;
  Mod mod = Mod::kNone;
};

Occur OccurOf(Mod mod, Occur plain) {
  switch (mod) {
    case Mod::kPlus: return Occur::kMust;
    case Mod::kMinus: return Occur::kMustNot;
    case Mod::kNone: break;
  }
  return plain;
}

// The operand as a query of its own: +a is a, -a is (-a).
Query Standalone(Operand o) {
  if (o.mod == Mod::kMinus) return Query::Not(std::move(o.query));
  return std::move(o.query);
}

// A clause list as a query; one should or must clause is the clause itself.
Query FromClauses(std::vector<Query::Clause> clauses) {
  if (clauses.size() == 1 && clauses[0].occur != Occur::kMustNot) {
    return std::move(clauses[0].query);
  }
  return Query::Bool(std::move(clauses));
}

class Parser {
 public:
  Parser(std::string_view in, const QueryParseOptions& options)
      : in_(in),
        options_(options),
        max_depth_(std::min(options.max_depth, kHardMaxDepth)),
        plain_(options.default_operator == DefaultOperator::kAnd ? Occur::kMust
                                                                 : Occur::kShould) {}

  Result<Query> Run(std::size_t* error_offset) {
    Query q;
    bool empty = false;
    bool ok = ParseOr(options_.default_field, &q, &empty);
    if (ok) {
      SkipSpace();
      // ParseOr stops only at the end or at a ')'.
      if (pos_ < in_.size()) ok = Fail(pos_, "unbalanced ')'");
    }
    if (!ok) {
      if (error_offset != nullptr) *error_offset = error_offset_;
      return Status::InvalidArgument("query syntax error at byte " +
                                     std::to_string(error_offset_) + ": " + error_);
    }
    if (empty) return Query::MatchNone();
    return q;
  }

 private:
  enum class Tok : std::uint8_t { kEnd, kClose, kAnd, kOr, kNot, kOther };
  struct Token {
    Tok kind = Tok::kOther;
    std::size_t len = 0;
  };

  // Records the error `before` + `subject` + `after` at `offset`. (Built
  // here rather than by the callers to keep the recursive frames small.)
  bool Fail(std::size_t offset, std::string_view before, std::string_view subject = {},
            std::string_view after = {}) {
    error_offset_ = offset;
    error_.assign(before);
    error_ += subject;
    error_ += after;
    return false;
  }

  void SkipSpace() {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) ++pos_;
  }

  // The token at pos_ (after SkipSpace): an operator only as a whole word.
  Token Peek() const {
    if (pos_ >= in_.size()) return {Tok::kEnd, 0};
    if (in_[pos_] == ')') return {Tok::kClose, 1};
    if (pos_ > 0 && !IsDelim(in_[pos_ - 1])) return {Tok::kOther, 0};
    std::size_t e = pos_;
    while (e < in_.size() && e - pos_ < 4 && !IsDelim(in_[e])) ++e;
    if (e - pos_ > 3 || (e < in_.size() && !IsDelim(in_[e]))) return {Tok::kOther, 0};
    std::string_view w = in_.substr(pos_, e - pos_);
    if (w == "AND" || w == "&&") return {Tok::kAnd, w.size()};
    if (w == "OR" || w == "||") return {Tok::kOr, w.size()};
    if (w == "NOT") return {Tok::kNot, w.size()};
    return {Tok::kOther, 0};
  }

  // Whether the byte after a prefix operator at `at` belongs to it.
  bool Attached(std::size_t at) const {
    return at + 1 < in_.size() && !IsSpace(in_[at + 1]) && in_[at + 1] != ')';
  }

  bool CountClause(std::size_t offset) {
    if (++clauses_ > options_.max_clauses) {
      return Fail(offset, "more than ", std::to_string(options_.max_clauses), " clauses");
    }
    return true;
  }

  bool DepthError(std::size_t offset) {
    return Fail(offset, "nesting deeper than ", std::to_string(max_depth_));
  }

  // orExpr; stops at the end of the input or at ')'. *empty is set when
  // nothing at all was there.
  bool ParseOr(std::string_view field, Query* out, bool* empty) {
    std::vector<std::vector<Query::Clause>> seqs;
    std::size_t last_or = 0;
    std::string_view last_or_text;
    for (;;) {
      std::vector<Query::Clause> seq;
      for (;;) {
        SkipSpace();
        Token t = Peek();
        if (t.kind == Tok::kEnd || t.kind == Tok::kClose || t.kind == Tok::kOr) break;
        if (t.kind == Tok::kAnd) {
          if (!seqs.empty()) {
            return Fail(last_or, "'", last_or_text, "' has no right operand");
          }
          return Fail(pos_, "'", in_.substr(pos_, t.len), "' has no left operand");
        }
        std::vector<Operand> ands(1);
        if (!ParseUnary(field, &ands.back())) return false;
        for (;;) {
          SkipSpace();
          Token a = Peek();
          if (a.kind != Tok::kAnd) break;
          std::size_t at = pos_;
          pos_ += a.len;
          SkipSpace();
          Tok next = Peek().kind;
          if (next == Tok::kEnd || next == Tok::kClose || next == Tok::kAnd ||
              next == Tok::kOr) {
            return Fail(at, "'", in_.substr(at, a.len), "' has no right operand");
          }
          ands.emplace_back();
          if (!ParseUnary(field, &ands.back())) return false;
        }
        AppendAndExpr(std::move(ands), &seq);
      }
      if (seq.empty()) {
        if (!seqs.empty()) {
          return Fail(last_or, "'", last_or_text, "' has no right operand");
        }
        Token t = Peek();
        if (t.kind == Tok::kOr) {
          return Fail(pos_, "'", in_.substr(pos_, t.len), "' has no left operand");
        }
        *empty = true;
        return true;
      }
      seqs.push_back(std::move(seq));
      SkipSpace();
      Token t = Peek();
      if (t.kind != Tok::kOr) break;
      last_or = pos_;
      last_or_text = in_.substr(pos_, t.len);
      pos_ += t.len;
    }
    *empty = false;
    *out = BuildOr(std::move(seqs));
    return true;
  }

  void AppendAndExpr(std::vector<Operand> ands, std::vector<Query::Clause>* seq) const {
    if (ands.size() == 1) {
      seq->push_back({OccurOf(ands[0].mod, plain_), std::move(ands[0].query)});
      return;
    }
    std::vector<Query::Clause> chain;
    chain.reserve(ands.size());
    for (Operand& o : ands) chain.push_back({OccurOf(o.mod, Occur::kMust), std::move(o.query)});
    if (plain_ == Occur::kMust) {
      for (Query::Clause& c : chain) seq->push_back(std::move(c));
    } else {
      seq->push_back({Occur::kShould, Query::Bool(std::move(chain))});
    }
  }

  static Query BuildOr(std::vector<std::vector<Query::Clause>> seqs) {
    if (seqs.size() == 1) return FromClauses(std::move(seqs[0]));
    std::vector<Query::Clause> out;
    for (std::vector<Query::Clause>& seq : seqs) {
      bool all_should = std::all_of(seq.begin(), seq.end(), [](const Query::Clause& c) {
        return c.occur == Occur::kShould;
      });
      if (all_should) {
        for (Query::Clause& c : seq) out.push_back(std::move(c));
      } else {
        out.push_back({Occur::kShould, FromClauses(std::move(seq))});
      }
    }
    return Query::Bool(std::move(out));
  }

  // unary, at a byte that starts an operand (not the end, ')' or AND/OR).
  bool ParseUnary(std::string_view field, Operand* out) {
    std::size_t nots = 0;
    for (;;) {
      Token t = Peek();
      bool bang = t.kind != Tok::kNot && pos_ < in_.size() && in_[pos_] == '!' &&
                  Attached(pos_);
      if (t.kind != Tok::kNot && !bang) break;
      if (depth_ + nots >= max_depth_) return DepthError(pos_);
      ++nots;
      if (bang) {
        ++pos_;
        continue;
      }
      std::size_t at = pos_;
      pos_ += t.len;
      SkipSpace();
      Tok next = Peek().kind;
      if (next == Tok::kEnd || next == Tok::kClose || next == Tok::kAnd ||
          next == Tok::kOr) {
        return Fail(at, "'NOT' has no operand");
      }
    }
    Mod mod = Mod::kNone;
    if ((in_[pos_] == '+' || in_[pos_] == '-') && Attached(pos_)) {
      mod = in_[pos_] == '+' ? Mod::kPlus : Mod::kMinus;
      ++pos_;
    }
    depth_ += nots;
    Query q;
    bool ok = ParsePrimary(field, &q);
    depth_ -= nots;
    if (!ok) return false;
    Operand o{std::move(q), mod};
    for (std::size_t i = 0; i < nots; ++i) o = Operand{Standalone(std::move(o)), Mod::kMinus};
    *out = std::move(o);
    return true;
  }

  // primary, at a byte that is not whitespace or ')'.
  bool ParsePrimary(std::string_view field, Query* out) {
    clause_start_ = pos_;
    char c = in_[pos_];
    if (c == '(') return ParseGroup(field, out);
    if (c == '"') return ParsePhrase(field, out);
    std::size_t e = pos_;
    while (e < in_.size() && !IsDelim(in_[e]) && in_[e] != ':' && in_[e] != '\\') ++e;
    if (e > pos_ && e < in_.size() && in_[e] == ':') {
      std::string_view name = in_.substr(pos_, e - pos_);
      const std::vector<std::string>& fields = options_.fields;
      if (std::find(fields.begin(), fields.end(), name) != fields.end()) {
        std::size_t after = e + 1;
        if (after == in_.size() || in_[after] == ')') {
          return Fail(pos_, "nothing after '", name, ":'");
        }
        if (!IsSpace(in_[after])) {
          pos_ = after;
          if (in_[pos_] == '(') return ParseGroup(name, out);
          if (in_[pos_] == '"') return ParsePhrase(name, out);
          return ParseWord(name, out);
        }
      }
    }
    return ParseWord(field, out);
  }

  bool ParseGroup(std::string_view field, Query* out) {
    std::size_t open = pos_;
    if (depth_ >= max_depth_) return DepthError(open);
    ++depth_;
    ++pos_;
    bool empty = false;
    bool ok = ParseOr(field, out, &empty);
    --depth_;
    if (!ok) return false;
    SkipSpace();
    if (pos_ >= in_.size()) return Fail(open, "missing ')'");
    if (empty) return Fail(open, "empty group");
    ++pos_;  // ')'
    MaybeBoost(out);
    return true;
  }

  bool ParsePhrase(std::string_view field, Query* out) {
    std::size_t open = pos_;
    ++pos_;
    std::string text;
    for (;;) {
      if (pos_ >= in_.size()) return Fail(open, "missing closing quote");
      char c = in_[pos_];
      if (c == '"') {
        ++pos_;
        break;
      }
      if (c == '\\' && pos_ + 1 < in_.size()) {
        text += in_[pos_ + 1];
        pos_ += 2;
      } else {
        text += c;
        ++pos_;
      }
    }
    std::uint32_t slop = 0;
    if (pos_ + 1 < in_.size() && in_[pos_] == '~' && IsDigit(in_[pos_ + 1])) {
      std::size_t e = pos_ + 1;
      std::uint64_t v = 0;
      while (e < in_.size() && IsDigit(in_[e])) {
        v = std::min<std::uint64_t>(v * 10 + static_cast<std::uint64_t>(in_[e] - '0'),
                                    std::numeric_limits<std::uint32_t>::max());
        ++e;
      }
      if (e == in_.size() || IsDelim(in_[e]) || in_[e] == '^') {
        slop = static_cast<std::uint32_t>(v);
        pos_ = e;
      }
    }
    if (!CountClause(clause_start_)) return false;
    *out = Query::Phrase(std::string(field), std::move(text), slop);
    MaybeBoost(out);
    return true;
  }

  // `^N` after a phrase or a group.
  void MaybeBoost(Query* q) {
    if (pos_ >= in_.size() || in_[pos_] != '^') return;
    std::size_t e = pos_ + 1;
    while (e < in_.size() && !IsDelim(in_[e])) ++e;
    float boost = 0;
    if (!ParseBoostNumber(in_.substr(pos_ + 1, e - pos_ - 1), &boost)) return;
    *q = Query::Boost(std::move(*q), boost);
    pos_ = e;
  }

  bool ParseWord(std::string_view field, Query* out) {
    std::string text;
    std::vector<bool> escaped;  // per byte of text
    while (pos_ < in_.size() && !IsDelim(in_[pos_])) {
      if (in_[pos_] == '\\') {
        text += pos_ + 1 < in_.size() ? in_[pos_ + 1] : '\\';
        pos_ += pos_ + 1 < in_.size() ? 2 : 1;
        escaped.push_back(true);
      } else {
        text += in_[pos_++];
        escaped.push_back(false);
      }
    }
    // Boost: the last unescaped '^', with something before it and an
    // unescaped number after it.
    bool boosted = false;
    float boost = 0;
    std::size_t caret = text.rfind('^');
    while (caret != std::string::npos && caret > 0 && escaped[caret]) {
      caret = text.rfind('^', caret - 1);
    }
    if (caret != std::string::npos && caret > 0 &&
        std::none_of(escaped.begin() + static_cast<std::ptrdiff_t>(caret), escaped.end(),
                     [](bool b) { return b; }) &&
        ParseBoostNumber(std::string_view(text).substr(caret + 1), &boost)) {
      boosted = true;
      text.resize(caret);
      escaped.resize(caret);
    }
    // Prefix: trailing unescaped stars after at least one other byte.
    std::size_t stars = 0;
    while (stars < text.size() && text[text.size() - 1 - stars] == '*' &&
           !escaped[text.size() - 1 - stars]) {
      ++stars;
    }
    if (!CountClause(clause_start_)) return false;
    if (stars > 0 && stars < text.size()) {
      text.resize(text.size() - stars);
      *out = Query::Prefix(std::string(field), std::move(text));
    } else {
      *out = Query::Text(std::string(field), std::move(text), options_.default_operator);
    }
    if (boosted) *out = Query::Boost(std::move(*out), boost);
    return true;
  }

  std::string_view in_;
  const QueryParseOptions& options_;
  const std::size_t max_depth_;
  const Occur plain_;  // occur of a clause without modifier in a seq
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
  std::size_t clauses_ = 0;
  std::size_t clause_start_ = 0;  // of the innermost primary, for errors
  std::size_t error_offset_ = 0;
  std::string error_;
};

}  // namespace

Result<Query> ParseQuery(std::string_view text, const QueryParseOptions& options,
                         std::size_t* error_offset) {
  if (options.literal) {
    return Query::Text(options.default_field, std::string(text), options.default_operator);
  }
  if (text.size() > options.max_length) {
    if (error_offset != nullptr) *error_offset = options.max_length;
    return Status::InvalidArgument("query syntax error at byte " +
                                   std::to_string(options.max_length) +
                                   ": query longer than " +
                                   std::to_string(options.max_length) + " bytes");
  }
  return Parser(text, options).Run(error_offset);
}

}  // namespace quarry
