// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "quarry/query.h"

namespace quarry {
namespace {

struct Case {
  std::string_view input;
  std::string_view expected;  // ToString() of the parsed query
};

QueryParseOptions Fields() {
  QueryParseOptions o;
  o.fields = {"title", "body"};
  return o;
}

QueryParseOptions AndFields() {
  QueryParseOptions o = Fields();
  o.default_operator = DefaultOperator::kAnd;
  return o;
}

// The input for failure messages, shortened.
std::string Shown(std::string_view input) {
  if (input.size() <= 80) return std::string(input);
  return std::string(input.substr(0, 80)) + "... (" + std::to_string(input.size()) + " bytes)";
}

// ToString() of the result, or "ERROR" with the error message.
std::string Parse(std::string_view input, const QueryParseOptions& options) {
  Result<Query> r = ParseQuery(input, options);
  if (!r.ok()) return "ERROR " + r.status().message();
  return r->ToString();
}

void RunTable(const std::vector<Case>& cases, const QueryParseOptions& options) {
  for (const Case& c : cases) {
    EXPECT_EQ(Parse(c.input, options), c.expected) << "input: " << Shown(c.input);
  }
}

TEST(QueryParser, Words) {
  RunTable(
      {
          {"a", R"q("a")q"},
          {"a b", R"q(("a" "b"))q"},
          {"  a \t b\nc\r\n", R"q(("a" "b" "c"))q"},
          {"Nagorno-Karabakh", R"q("Nagorno-Karabakh")q"},
          {"-Nagorno-Karabakh", R"q((-"Nagorno-Karabakh"))q"},
          {"C++ e-mail", R"q(("C++" "e-mail"))q"},
          {"a+b a-b a!b", R"q(("a+b" "a-b" "a!b"))q"},
          {"Yahoo! U.S.", R"q(("Yahoo!" "U.S."))q"},
          {"Türkiye’s", R"q("Türkiye’s")q"},
          {"東京大学 大阪", R"q(("東京大学" "大阪"))q"},
          {"東京\u3000大阪", "\"東京\u3000大阪\""},  // only ASCII whitespace separates
          {"\xff\xfe a", "(\"\xff\xfe\" \"a\")"},    // invalid UTF-8 is text
          {std::string_view("a\0b", 3), std::string("\"a\0b\"", 5)},
          {"“quoted”", R"q("“quoted”")q"},
          {"f(x)", R"q(("f" "x"))q"},
          {"a\"b c\"d", R"q(("a" "b c" "d"))q"},
          {"Note: http://x.org/a:b", R"q(("Note:" "http://x.org/a:b"))q"},
          {"a:b :a a: ::", R"q(("a:b" ":a" "a:" "::"))q"},
      },
      Fields());
}

TEST(QueryParser, EmptyInputMatchesNothing) {
  RunTable({{"", "<none>"}, {"   \t\n", "<none>"}}, Fields());
}

TEST(QueryParser, ModifiersAndNot) {
  RunTable(
      {
          {"+a b", R"q((+"a" "b"))q"},
          {"+a -b c", R"q((+"a" -"b" "c"))q"},
          {"-a", R"q((-"a"))q"},
          {"+a", R"q("a")q"},
          {"-a -b", R"q((-"a" -"b"))q"},
          {"NOT a", R"q((-"a"))q"},
          {"a NOT b", R"q(("a" -"b"))q"},
          {"NOT a b", R"q((-"a" "b"))q"},
          {"NOT NOT a", R"q((-(-"a")))q"},
          {"NOT -a", R"q((-(-"a")))q"},
          {"NOT +a", R"q((-"a"))q"},
          {"!a", R"q((-"a"))q"},
          {"!a b", R"q((-"a" "b"))q"},
          {"!!a", R"q((-(-"a")))q"},
          {"!-a", R"q((-(-"a")))q"},
          {"!(a b)", R"q((-("a" "b")))q"},
          {"!NOT a", R"q((-"NOT" "a"))q"},  // NOT glued to ! is a word
          // Operators detached from what follows are words.
          {"! a", R"q(("!" "a"))q"},
          {"a - b", R"q(("a" "-" "b"))q"},
          {"a + b", R"q(("a" "+" "b"))q"},
          {"a -", R"q(("a" "-"))q"},
          {"(a -)", R"q(("a" "-"))q"},
          {"(a !)", R"q(("a" "!"))q"},
          // One modifier only; the rest is word text.
          {"--a", R"q((-"-a"))q"},
          {"-+a", R"q((-"+a"))q"},
          {"+-a", R"q("-a")q"},
          {"-!a", R"q((-"!a"))q"},
          {"-(a b)", R"q((-("a" "b")))q"},
          {"+(a b) c", R"q((+("a" "b") "c"))q"},
          {"-\"a b\"", R"q((-"a b"))q"},
          {"NOT (a b)", R"q((-("a" "b")))q"},
      },
      Fields());
}

TEST(QueryParser, AndOrPrecedence) {
  RunTable(
      {
          {"a AND b", R"q((+"a" +"b"))q"},
          {"a && b", R"q((+"a" +"b"))q"},
          {"a AND b AND c", R"q((+"a" +"b" +"c"))q"},
          {"a OR b", R"q(("a" "b"))q"},
          {"a || b || c", R"q(("a" "b" "c"))q"},
          {"a OR b AND c", R"q(("a" (+"b" +"c")))q"},
          {"a AND b OR c", R"q(((+"a" +"b") "c"))q"},
          {"a AND b || c && d", R"q(((+"a" +"b") (+"c" +"d")))q"},
          {"a b AND c", R"q(("a" (+"b" +"c")))q"},
          {"a AND b c", R"q(((+"a" +"b") "c"))q"},
          {"a b OR c d", R"q(("a" "b" "c" "d"))q"},
          {"+a b OR c", R"q(((+"a" "b") "c"))q"},
          {"a OR -b", R"q(("a" (-"b")))q"},
          {"a OR NOT b", R"q(("a" (-"b")))q"},
          {"a AND NOT b", R"q((+"a" -"b"))q"},
          {"a AND -b", R"q((+"a" -"b"))q"},
          {"a AND +b", R"q((+"a" +"b"))q"},
          {"NOT a AND b", R"q((-"a" +"b"))q"},
          {"NOT a OR b", R"q(((-"a") "b"))q"},
          {"(a)", R"q("a")q"},
          {"((a b))", R"q(("a" "b"))q"},
          {"(((a)))", R"q("a")q"},
          {"(a b) OR c", R"q((("a" "b") "c"))q"},  // groups are not merged
          {"(a OR b) OR c", R"q((("a" "b") "c"))q"},
          {"a AND (b OR c)", R"q((+"a" +("b" "c")))q"},
          {"(a OR b) AND NOT c", R"q((+("a" "b") -"c"))q"},
          {"(a)(b)", R"q(("a" "b"))q"},
          {"(a)AND(b)", R"q((+"a" +"b"))q"},
          {"\"a\"AND\"b\"", R"q((+"a" +"b"))q"},
          {"( a  OR  b )", R"q(("a" "b"))q"},
          // Operators: upper case, whole words only.
          {"a and b or c not d", R"q(("a" "and" "b" "or" "c" "not" "d"))q"},
          {"a And b Or c", R"q(("a" "And" "b" "Or" "c"))q"},
          {"a ANDY b ORB NOTE", R"q(("a" "ANDY" "b" "ORB" "NOTE"))q"},
          {"a&&b a||b", R"q(("a&&b" "a||b"))q"},
          {"a & b | c", R"q(("a" "&" "b" "|" "c"))q"},
          {"-AND +OR", R"q((-"AND" +"OR"))q"},
          {"a \\AND b", R"q(("a" "AND" "b"))q"},
          {"NOTa ANDa", R"q(("NOTa" "ANDa"))q"},
      },
      Fields());
}

TEST(QueryParser, DefaultAnd) {
  RunTable(
      {
          {"a", R"q("a"&)q"},
          {"a b", R"q((+"a"& +"b"&))q"},
          {"a b -c", R"q((+"a"& +"b"& -"c"&))q"},
          {"+a", R"q("a"&)q"},
          {"-a", R"q((-"a"&))q"},
          {"a OR b", R"q(("a"& "b"&))q"},
          {"a b OR c", R"q(((+"a"& +"b"&) "c"&))q"},
          {"a b AND c", R"q((+"a"& +"b"& +"c"&))q"},  // merged: same meaning
          {"a AND -b c", R"q((+"a"& -"b"& +"c"&))q"},
          {"a OR b AND c", R"q(("a"& (+"b"& +"c"&)))q"},
          {"a NOT b", R"q((+"a"& -"b"&))q"},
          {"\"x y\" z", R"q((+"x y" +"z"&))q"},
          {"title:a b", R"q((+title:"a"& +"b"&))q"},
          {"a^2 b", R"q((+"a"&^2 +"b"&))q"},
          {"pre* b", R"q((+"pre"* +"b"&))q"},
          {"(a b) c", R"q((+(+"a"& +"b"&) +"c"&))q"},
          {"1990 - 2000", R"q((+"1990"& +"-"& +"2000"&))q"},
      },
      AndFields());
}

TEST(QueryParser, Fields) {
  RunTable(
      {
          {"title:a", R"q(title:"a")q"},
          {"title:Nagorno-Karabakh", R"q(title:"Nagorno-Karabakh")q"},
          {"title:\"a b\"", R"q(title:"a b")q"},
          {"title:\"a b\"~3", R"q(title:"a b"~3)q"},
          {"title:(a b)", R"q((title:"a" title:"b"))q"},
          {"title:(a body:b)", R"q((title:"a" body:"b"))q"},
          {"title:(a (b body:c))", R"q((title:"a" (title:"b" body:"c")))q"},
          {"title:(a OR NOT b)", R"q((title:"a" (-title:"b")))q"},
          {"title:pre*", R"q(title:"pre"*)q"},
          {"-title:a", R"q((-title:"a"))q"},
          {"NOT title:a", R"q((-title:"a"))q"},
          {"title:a^2", R"q(title:"a"^2)q"},
          {"title:(a b)^2", R"q((title:"a" title:"b")^2)q"},
          {"title:\"a b\"^2", R"q(title:"a b"^2)q"},
          {"title:a body:b", R"q((title:"a" body:"b"))q"},
          {"title:a AND body:b", R"q((+title:"a" +body:"b"))q"},
          // Not fields: unknown or differently cased names, a space after
          // the colon, an escaped colon.
          {"Title:a", R"q("Title:a")q"},
          {"lang:ru", R"q("lang:ru")q"},
          {"url:http://x", R"q("url:http://x")q"},
          {"title: a", R"q(("title:" "a"))q"},
          {"title\\:a", R"q("title:a")q"},
          {"ti\\tle:a", R"q("title:a")q"},
          // After `field:` comes a word, a phrase or a group: no operators,
          // no second field.
          {"title:url:x", R"q(title:"url:x")q"},
          {"title:title:a", R"q(title:"title:a")q"},
          {"title::a", R"q(title:":a")q"},
          {"title:-a", R"q(title:"-a")q"},
          {"title:AND", R"q(title:"AND")q"},
          {"title:NOT a", R"q((title:"NOT" "a"))q"},
          {"title:*", R"q(title:"*")q"},
          {"title:a:b", R"q(title:"a:b")q"},
      },
      Fields());
}

TEST(QueryParser, DefaultField) {
  QueryParseOptions o = Fields();
  o.default_field = "body";
  RunTable(
      {
          {"a title:b", R"q((body:"a" title:"b"))q"},
          {"\"a b\" c*", R"q((body:"a b" body:"c"*))q"},
          {"(a title:(b c))", R"q((body:"a" (title:"b" title:"c")))q"},
          {"lang:ru", R"q(body:"lang:ru")q"},
      },
      o);
  // No fields configured: every colon is text.
  RunTable({{"title:a", R"q("title:a")q"}}, QueryParseOptions{});
  // The empty name is never a field.
  QueryParseOptions empty_name;
  empty_name.fields = {""};
  RunTable({{":a", R"q(":a")q"}}, empty_name);
}

TEST(QueryParser, Escapes) {
  RunTable(
      {
          {"\\\"a", R"q("\"a")q"},
          {"\\(a\\)", R"q("(a)")q"},
          {"\\-a", R"q("-a")q"},
          {"\\+a", R"q("+a")q"},
          {"\\!a", R"q("!a")q"},
          {"a\\ b", R"q("a b")q"},
          {"foo\\*", R"q("foo*")q"},
          {"a*\\*", R"q("a**")q"},
          {"a\\^2", R"q("a^2")q"},
          {"a^\\2", R"q("a^2")q"},
          {"a\\\\", R"q("a\\")q"},
          {"a\\", R"q("a\\")q"},  // a trailing backslash is text
          {"\\", R"q("\\")q"},
          {"\\\\(a)", R"q(("\\" "a"))q"},
          {"\"say \\\"hi\\\"\"", R"q("say "hi"")q"},
          {"\"a\\\\b\"", R"q("a\b")q"},
          {"\"a\\b\"", R"q("ab")q"},
          {"\"a\\)\" b", R"q(("a)" "b"))q"},
      },
      Fields());
}

TEST(QueryParser, Boosts) {
  RunTable(
      {
          {"a^2", R"q("a"^2)q"},
          {"a^2.5", R"q("a"^2.5)q"},
          {"a^.5", R"q("a"^0.5)q"},
          {"a^2.", R"q("a"^2)q"},
          {"a^0", R"q("a"^0)q"},
          {"a^007", R"q("a"^7)q"},
          {"+a^2 b", R"q((+"a"^2 "b"))q"},
          {"-a^2", R"q((-"a"^2))q"},
          {"NOT a^2", R"q((-"a"^2))q"},
          {"pre*^2", R"q("pre"*^2)q"},
          {"a^^2", R"q("a^"^2)q"},
          {"a^2^3", R"q("a^2"^3)q"},
          {"\"a b\"^3", R"q("a b"^3)q"},
          {"\"a b\"~2^3", R"q("a b"~2^3)q"},
          {"(a b)^2", R"q(("a" "b")^2)q"},
          {"(a b)^2 c", R"q((("a" "b")^2 "c"))q"},
          {"(a)^2)", "ERROR query syntax error at byte 5: unbalanced ')'"},
          // Not a boost: the `^` is text.
          {"a^", R"q("a^")q"},
          {"a^b", R"q("a^b")q"},
          {"^2", R"q("^2")q"},
          {"^", R"q("^")q"},
          {"a^.", R"q("a^.")q"},
          {"a^1e3", R"q("a^1e3")q"},
          {"a^-1", R"q("a^-1")q"},
          {"a^2.5.1", R"q("a^2.5.1")q"},
          {"a^2x", R"q("a^2x")q"},
          {"a^999999999999999999999999999999999999999999",
           R"q("a^999999999999999999999999999999999999999999")q"},
          {"(a)^x", R"q(("a" "^x"))q"},
          {"\"a\"^x", R"q(("a" "^x"))q"},
          {"(a)^2x", R"q(("a" "^2x"))q"},
      },
      Fields());
}

TEST(QueryParser, PhrasesAndSlop) {
  RunTable(
      {
          {"\"a b\"", R"q("a b")q"},
          {"\"a b\"~2", R"q("a b"~2)q"},
          {"\"a b\"~0", R"q("a b")q"},
          {"\"a b\"~99999999999999", R"q("a b"~4294967295)q"},
          {"\"a b\"~x", R"q(("a b" "~x"))q"},
          {"\"a b\"~2x", R"q(("a b" "~2x"))q"},
          {"\"a b\"~", R"q(("a b" "~"))q"},
          {"\"a b\"~2 c", R"q(("a b"~2 "c"))q"},
          {"(\"a b\"~2)", R"q("a b"~2)q"},
          {"\"\"", R"q("")q"},
          {"\"a (b) OR c\"", R"q("a (b) OR c")q"},
          {"\"Nagorno-Karabakh talks\"", R"q("Nagorno-Karabakh talks")q"},
          {"word~2", R"q("word~2")q"},
      },
      Fields());
}

TEST(QueryParser, Prefixes) {
  RunTable(
      {
          {"pre*", R"q("pre"*)q"},
          {"pre**", R"q("pre"*)q"},
          {"é*", R"q("é"*)q"},
          {"-pre*", R"q((-"pre"*))q"},
          {"a* b*", R"q(("a"* "b"*))q"},
          {"*", R"q("*")q"},
          {"**", R"q("**")q"},
          {"*pre", R"q("*pre")q"},
          {"p*e", R"q("p*e")q"},
          {"a * b", R"q(("a" "*" "b"))q"},
      },
      Fields());
}

TEST(QueryParser, WorkedExampleFromTheDesignComment) {
  RunTable({{"title:Nagorno-Karabakh \"peace talks\"~2 -lang^2 OR pre*",
             R"q(((title:"Nagorno-Karabakh" "peace talks"~2 -"lang"^2) "pre"*))q"}},
           Fields());
}

TEST(QueryParser, BuildsTheDocumentedNodes) {
  Result<Query> r = ParseQuery("title:\"a b\"~3 c^2", Fields());
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->kind(), Query::Kind::kBool);
  const auto& clauses = r->node().clauses;
  ASSERT_EQ(clauses.size(), 2u);
  EXPECT_EQ(clauses[0].occur, Occur::kShould);
  const Query::Node& phrase = clauses[0].query.node();
  EXPECT_EQ(phrase.kind, Query::Kind::kPhrase);
  EXPECT_EQ(phrase.field, "title");
  EXPECT_EQ(phrase.text, "a b");
  EXPECT_EQ(phrase.slop, 3u);
  const Query::Node& boost = clauses[1].query.node();
  EXPECT_EQ(boost.kind, Query::Kind::kBoost);
  EXPECT_FLOAT_EQ(boost.boost, 2.0f);
  const Query::Node& text = boost.clauses.at(0).query.node();
  EXPECT_EQ(text.kind, Query::Kind::kText);
  EXPECT_EQ(text.text, "c");
  EXPECT_EQ(text.op, DefaultOperator::kOr);
}

struct ErrorCase {
  std::string_view input;
  std::size_t offset;
  std::string_view message;
};

void RunErrors(const std::vector<ErrorCase>& cases, const QueryParseOptions& options) {
  for (const ErrorCase& c : cases) {
    std::size_t offset = 999999;
    Result<Query> r = ParseQuery(c.input, options, &offset);
    ASSERT_FALSE(r.ok()) << "input: " << Shown(c.input) << " gave " << r->ToString();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << Shown(c.input);
    EXPECT_EQ(offset, c.offset) << "input: " << Shown(c.input);
    EXPECT_EQ(r.status().message(), "query syntax error at byte " +
                                        std::to_string(c.offset) + ": " +
                                        std::string(c.message))
        << "input: " << Shown(c.input);
  }
}

TEST(QueryParser, Errors) {
  RunErrors(
      {
          {"\"abc", 0, "missing closing quote"},
          {"a \"b c", 2, "missing closing quote"},
          {"\"a\\\"", 0, "missing closing quote"},
          {"\"a\\", 0, "missing closing quote"},
          {"a \"b\" \"c", 6, "missing closing quote"},
          {"(\"a)", 1, "missing closing quote"},
          {"title:\"abc", 6, "missing closing quote"},
          {"(a", 0, "missing ')'"},
          {"a (b (c)", 2, "missing ')'"},
          {"(", 0, "missing ')'"},
          {"title:(a", 6, "missing ')'"},
          {"a)", 1, "unbalanced ')'"},
          {")", 0, "unbalanced ')'"},
          {"(a)) b", 3, "unbalanced ')'"},
          {"a \\() b)", 4, "unbalanced ')'"},
          {"()", 0, "empty group"},
          {"a ( )", 2, "empty group"},
          {"-()", 1, "empty group"},
          {"AND a", 0, "'AND' has no left operand"},
          {"&& a", 0, "'&&' has no left operand"},
          {"(AND a)", 1, "'AND' has no left operand"},
          {"a AND", 2, "'AND' has no right operand"},
          {"a &&", 2, "'&&' has no right operand"},
          {"a AND )", 2, "'AND' has no right operand"},
          {"(a AND)", 3, "'AND' has no right operand"},
          {"a AND OR b", 2, "'AND' has no right operand"},
          {"a AND AND b", 2, "'AND' has no right operand"},
          {"OR a", 0, "'OR' has no left operand"},
          {"|| a", 0, "'||' has no left operand"},
          {"a OR", 2, "'OR' has no right operand"},
          {"a ||", 2, "'||' has no right operand"},
          {"a OR OR b", 2, "'OR' has no right operand"},
          {"a OR AND b", 2, "'OR' has no right operand"},
          {"(a OR) b", 3, "'OR' has no right operand"},
          {"NOT", 0, "'NOT' has no operand"},
          {"a NOT", 2, "'NOT' has no operand"},
          {"(NOT)", 1, "'NOT' has no operand"},
          {"NOT AND a", 0, "'NOT' has no operand"},
          {"NOT NOT", 4, "'NOT' has no operand"},
          {"a AND NOT", 6, "'NOT' has no operand"},
          {"title:", 0, "nothing after 'title:'"},
          {"a title:", 2, "nothing after 'title:'"},
          {"(title:)", 1, "nothing after 'title:'"},
          {"-body:", 1, "nothing after 'body:'"},
      },
      Fields());
}

TEST(QueryParser, ErrorOffsetUntouchedOnSuccessAndOptional) {
  std::size_t offset = 12345;
  ASSERT_TRUE(ParseQuery("a b", Fields(), &offset).ok());
  EXPECT_EQ(offset, 12345u);
  Result<Query> r = ParseQuery("a (", Fields());  // no offset pointer
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "query syntax error at byte 2: missing ')'");
}

TEST(QueryParser, SmallLimits) {
  QueryParseOptions o = Fields();
  o.max_depth = 2;
  RunTable({{"((a))", R"q("a")q"}, {"NOT (a)", R"q((-"a"))q"}, {"!!a", R"q((-(-"a")))q"}}, o);
  RunErrors(
      {
          {"(((a)))", 2, "nesting deeper than 2"},
          {"NOT NOT NOT a", 8, "nesting deeper than 2"},
          {"!!!a", 2, "nesting deeper than 2"},
          {"NOT (NOT a)", 5, "nesting deeper than 2"},
          {"title:(((a)))", 8, "nesting deeper than 2"},
      },
      o);
  o.max_depth = 0;
  RunTable({{"a -b", R"q(("a" -"b"))q"}}, o);
  RunErrors({{"a (b)", 2, "nesting deeper than 0"}, {"!a", 0, "nesting deeper than 0"}},
            o);

  o = Fields();
  o.max_clauses = 2;
  RunTable({{"a \"b c\"", R"q(("a" "b c"))q"}, {"(a) (b)", R"q(("a" "b"))q"}}, o);
  RunErrors({{"a b c", 4, "more than 2 clauses"},
             {"a (b \"c\")", 5, "more than 2 clauses"},
             {"title:a b title:c*", 10, "more than 2 clauses"}},
            o);

  o = Fields();
  o.max_length = 3;
  RunTable({{"abc", R"q("abc")q"}}, o);
  RunErrors({{"abcd", 3, "query longer than 3 bytes"}}, o);
}

TEST(QueryParser, LiteralMode) {
  QueryParseOptions o = Fields();
  o.literal = true;
  o.default_field = "body";
  RunTable(
      {
          {"title:a AND (b", R"q(body:"title:a AND (b")q"},
          {"\"unterminated", R"q(body:"\"unterminated")q"},
          {"", R"q(body:"")q"},
          {")))", R"q(body:")))")q"},
      },
      o);
  o.default_operator = DefaultOperator::kAnd;
  o.max_length = 4;
  RunTable({{"longer than four", R"q(body:"longer than four"&)q"}}, o);
}

std::string Repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// Leaves and depth of a parsed tree.
void Measure(const Query& q, std::size_t depth, std::size_t* leaves, std::size_t* max_depth) {
  *max_depth = std::max(*max_depth, depth);
  const Query::Node& n = q.node();
  if (n.kind == Query::Kind::kBool || n.kind == Query::Kind::kBoost) {
    for (const Query::Clause& c : n.clauses) Measure(c.query, depth + 1, leaves, max_depth);
  } else {
    ++*leaves;
  }
}

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) {
  return std::chrono::duration<double>(Clock::now() - since).count();
}

// Timing bounds: errors on huge inputs must come back at once (they stop at
// the limit); the successful parses of megabyte inputs only have to be
// linear, so their bound is loose enough for a loaded machine yet far below
// what quadratic work on 1 MB would take.
constexpr double kErrorSeconds = 1.0;
constexpr double kLinearSeconds = 30.0;

TEST(QueryParser, DeepNestingFailsFast) {
  const std::string parens = Repeat("(", 10000) + "a" + Repeat(")", 10000);
  const std::string nots = Repeat("NOT ", 10000) + "a";
  const std::string bangs = Repeat("!", 10000) + "a";
  auto start = Clock::now();
  RunErrors({{parens, 32, "nesting deeper than 32"},
             {nots, 128, "nesting deeper than 32"},
             {bangs, 32, "nesting deeper than 32"}},
            QueryParseOptions{});
  // A huge max_depth is held to the parser's own limit of 256.
  QueryParseOptions o;
  o.max_depth = 1'000'000;
  RunErrors({{parens, 256, "nesting deeper than 256"}}, o);
  EXPECT_LT(Seconds(start), kErrorSeconds);
}

TEST(QueryParser, DeepestAllowedNestingParses) {
  QueryParseOptions o;
  o.max_depth = 256;
  // Groups that cannot collapse: (a (a (a ... ))).
  const std::string q = Repeat("(a ", 256) + Repeat(")", 256);
  Result<Query> r = ParseQuery(q, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  std::size_t leaves = 0, depth = 0;
  Measure(*r, 0, &leaves, &depth);
  EXPECT_EQ(leaves, 256u);
  EXPECT_EQ(depth, 255u);
  // Redundant parentheses collapse to the clause.
  Result<Query> single = ParseQuery(Repeat("(", 256) + "a" + Repeat(")", 256), o);
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->ToString(), R"q("a")q");
  // One more level fails.
  std::size_t offset = 0;
  Result<Query> deeper = ParseQuery("(" + q + ")", o, &offset);
  ASSERT_FALSE(deeper.ok());
  EXPECT_EQ(offset, 1u + 3 * 255);  // the innermost '(', at depth 257
}

TEST(QueryParser, ManyClauses) {
  const std::string q = Repeat("a ", 100000);
  QueryParseOptions o;
  o.max_length = 1 << 20;
  auto start = Clock::now();
  RunErrors({{q, 2048, "more than 1024 clauses"}}, o);
  EXPECT_LT(Seconds(start), kErrorSeconds);
  // Allowed when the limits allow it.
  o.max_clauses = 100000;
  start = Clock::now();
  Result<Query> r = ParseQuery(q, o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->node().clauses.size(), 100000u);
  EXPECT_LT(Seconds(start), kLinearSeconds);
}

TEST(QueryParser, MegabyteInputs) {
  const std::size_t mb = 1 << 20;
  auto start = Clock::now();
  RunErrors({{std::string(mb, 'x'), 65536, "query longer than 65536 bytes"}},
            QueryParseOptions{});
  QueryParseOptions o;
  o.max_length = 2 * mb;
  RunErrors({{"a \"" + std::string(mb, 'x'), 2, "missing closing quote"},
             {Repeat("(", mb), 32, "nesting deeper than 32"},
             {Repeat("NOT ", mb / 4) + "a", 128, "nesting deeper than 32"},
             {Repeat("a AND ", mb / 6), 6144, "more than 1024 clauses"}},
            o);
  EXPECT_LT(Seconds(start), kErrorSeconds);

  // One long word, a long phrase, escapes, carets, colons and stars: linear
  // work each.
  start = Clock::now();
  o.fields = {"title"};
  struct Big {
    std::string input;
    Query::Kind kind;
    std::size_t text_size;
  };
  const std::vector<Big> bigs = {
      {std::string(mb, 'x'), Query::Kind::kText, mb},
      {"\"" + std::string(mb, 'x') + "\"~3", Query::Kind::kPhrase, mb},
      {Repeat("\\^", mb / 2) + "x", Query::Kind::kText, mb / 2 + 1},
      {Repeat("a^", mb / 2) + "2", Query::Kind::kBoost, 0},
      {Repeat("title:", mb / 6), Query::Kind::kText, 6 * (mb / 6 - 1)},
      {Repeat("*", mb), Query::Kind::kText, mb},
      {Repeat("x", mb) + "*", Query::Kind::kPrefix, mb},
  };
  for (const Big& big : bigs) {
    Result<Query> r = ParseQuery(big.input, o);
    ASSERT_TRUE(r.ok()) << Shown(big.input);
    EXPECT_EQ(r->kind(), big.kind) << Shown(big.input);
    if (big.kind != Query::Kind::kBoost) {
      EXPECT_EQ(r->node().text.size(), big.text_size) << Shown(big.input);
    }
  }
  EXPECT_LT(Seconds(start), kLinearSeconds);
}

// Checks the contract on one input: no crash, an InvalidArgument with a
// well-formed message and an offset inside the input, or a tree within the
// limits; literal mode always succeeds. Returns whether it parsed.
bool CheckContract(const std::string& input, const QueryParseOptions& options) {
  std::size_t offset = static_cast<std::size_t>(-1);
  Result<Query> r = ParseQuery(input, options, &offset);
  if (r.ok()) {
    std::size_t leaves = 0, depth = 0;
    Measure(*r, 0, &leaves, &depth);
    EXPECT_LE(leaves, std::max<std::size_t>(options.max_clauses, 1)) << input;
    EXPECT_LE(depth, 3 * options.max_depth + 3) << input;
    EXPECT_FALSE(r->ToString().empty());
  } else {
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << input;
    EXPECT_LE(offset, input.size()) << input;
    EXPECT_EQ(r.status().message().rfind(
                  "query syntax error at byte " + std::to_string(offset) + ": ", 0),
              0u)
        << r.status().message();
  }
  QueryParseOptions literal = options;
  literal.literal = true;
  Result<Query> l = ParseQuery(input, literal);
  EXPECT_TRUE(l.ok() && l->node().text == input) << input;
  return r.ok();
}

TEST(QueryParser, RandomBytesNeverCrash) {
  std::mt19937 rng(20260101);
  // Bytes weighted towards the syntax.
  const std::string syntax = "()\"\\+-!*^~:&|. \t\n0123456789aAzZ";
  QueryParseOptions o;
  o.fields = {"a", "title"};
  o.max_depth = 8;
  o.max_clauses = 64;
  o.max_length = 200;
  std::size_t parsed = 0;
  for (int i = 0; i < 50000; ++i) {
    std::size_t len = rng() % 40;
    std::string s;
    for (std::size_t j = 0; j < len; ++j) {
      s += rng() % 4 == 0 ? static_cast<char>(rng() % 256) : syntax[rng() % syntax.size()];
    }
    o.default_operator = (i & 1) != 0 ? DefaultOperator::kAnd : DefaultOperator::kOr;
    if (CheckContract(s, o)) ++parsed;
    if (HasFailure()) break;
  }
  // Both outcomes are exercised.
  EXPECT_GT(parsed, 5000u);
  EXPECT_LT(parsed, 45000u);
}

TEST(QueryParser, RandomTokenSoupsNeverCrash) {
  std::mt19937 rng(7);
  const std::vector<std::string> tokens = {
      "a", "b", "Nagorno-Karabakh", "Türkiye’s", "東京", "AND", "OR", "NOT", "&&", "||",
      "and", "(", ")", "\"", "\"x y\"", "\"x y\"~2", "~3", "^2", "^", "+", "-", "!", "*",
      "pre*", "title:", "title:a", "a:", "\\", "\\\"", "\\(", ":", "^0.5", "x^2", "\xff",
      "C++", " "};
  QueryParseOptions o;
  o.fields = {"title"};
  o.max_depth = 6;
  o.max_clauses = 16;
  std::size_t parsed = 0;
  for (int i = 0; i < 50000; ++i) {
    std::size_t n = rng() % 12;
    std::string s;
    for (std::size_t j = 0; j < n; ++j) {
      if (j > 0 && rng() % 3 != 0) s += ' ';
      s += tokens[rng() % tokens.size()];
    }
    o.default_operator = (i & 1) != 0 ? DefaultOperator::kAnd : DefaultOperator::kOr;
    if (CheckContract(s, o)) ++parsed;
    if (HasFailure()) break;
  }
  EXPECT_GT(parsed, 5000u);
  EXPECT_LT(parsed, 45000u);
}

}  // namespace
}  // namespace quarry
