// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include <cstdio>
#include <utility>

#include "quarry/query.h"
#include "quarry/search.h"

namespace quarry {

namespace {

std::shared_ptr<Query::Node> NewNode(Query::Kind kind) {
  auto n = std::make_shared<Query::Node>();
  n->kind = kind;
  return n;
}

// Quotes a term or text so ToString() is unambiguous.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

std::string FieldPrefix(const std::string& field) {
  return field.empty() ? std::string() : field + ":";
}

std::string FormatFloat(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Query::Query() : node_(NewNode(Kind::kMatchNone)) {}

Query Query::MatchAll() { return Query(NewNode(Kind::kMatchAll)); }
Query Query::MatchNone() { return Query(NewNode(Kind::kMatchNone)); }

Query Query::Term(std::string field, std::string term, TermKind kind) {
  auto n = NewNode(Kind::kTerm);
  n->field = std::move(field);
  n->text = std::move(term);
  n->term_kind = kind;
  return Query(std::move(n));
}

Query Query::Text(std::string field, std::string text, DefaultOperator op) {
  auto n = NewNode(Kind::kText);
  n->field = std::move(field);
  n->text = std::move(text);
  n->op = op;
  return Query(std::move(n));
}

Query Query::Phrase(std::string field, std::string text, std::uint32_t slop) {
  auto n = NewNode(Kind::kPhrase);
  n->field = std::move(field);
  n->text = std::move(text);
  n->slop = slop;
  return Query(std::move(n));
}

Query Query::TermPhrase(std::string field, std::vector<std::string> terms,
                        std::uint32_t slop) {
  auto n = NewNode(Kind::kTermPhrase);
  n->field = std::move(field);
  n->terms = std::move(terms);
  n->slop = slop;
  return Query(std::move(n));
}

Query Query::Near(std::string field, std::vector<std::string> terms,
                  std::uint32_t window) {
  auto n = NewNode(Kind::kNear);
  n->field = std::move(field);
  n->terms = std::move(terms);
  n->slop = window;
  return Query(std::move(n));
}

Query Query::Prefix(std::string field, std::string prefix) {
  auto n = NewNode(Kind::kPrefix);
  n->field = std::move(field);
  n->text = std::move(prefix);
  return Query(std::move(n));
}

Query Query::Bool(std::vector<Clause> clauses) {
  auto n = NewNode(Kind::kBool);
  n->clauses = std::move(clauses);
  return Query(std::move(n));
}

Query Query::And(std::vector<Query> queries) {
  std::vector<Clause> c;
  c.reserve(queries.size());
  for (Query& q : queries) c.push_back({Occur::kMust, std::move(q)});
  return Bool(std::move(c));
}

Query Query::Or(std::vector<Query> queries) {
  std::vector<Clause> c;
  c.reserve(queries.size());
  for (Query& q : queries) c.push_back({Occur::kShould, std::move(q)});
  return Bool(std::move(c));
}

Query Query::Not(Query query) {
  return Bool({{Occur::kMustNot, std::move(query)}});
}

Query Query::Boost(Query query, float factor) {
  auto n = NewNode(Kind::kBoost);
  n->boost = factor;
  n->clauses.push_back({Occur::kMust, std::move(query)});
  return Query(std::move(n));
}

std::string Query::ToString() const {
  const Node& n = *node_;
  switch (n.kind) {
    case Kind::kMatchAll:
      return "*:*";
    case Kind::kMatchNone:
      return "<none>";
    case Kind::kTerm:
      return FieldPrefix(n.field) + (n.term_kind == TermKind::kStem ? "stem:" : "") +
             Quote(n.text) + "=";
    case Kind::kText:
      return FieldPrefix(n.field) + Quote(n.text) +
             (n.op == DefaultOperator::kAnd ? "&" : "");
    case Kind::kPhrase:
    case Kind::kTermPhrase: {
      std::string s = FieldPrefix(n.field);
      if (n.kind == Kind::kPhrase) {
        s += "\"" + n.text + "\"";
      } else {
        s += "\"";
        for (std::size_t i = 0; i < n.terms.size(); ++i) {
          if (i) s += ' ';
          s += n.terms[i] + "=";
        }
        s += "\"";
      }
      if (n.slop) s += std::string("~") + std::to_string(n.slop);
      return s;
    }
    case Kind::kNear: {
      std::string s = FieldPrefix(n.field) + "NEAR/" + std::to_string(n.slop) + "(";
      for (std::size_t i = 0; i < n.terms.size(); ++i) {
        if (i) s += ' ';
        s += n.terms[i];
      }
      return s + ")";
    }
    case Kind::kPrefix:
      return FieldPrefix(n.field) + Quote(n.text) + "*";
    case Kind::kBool: {
      std::string s = "(";
      for (std::size_t i = 0; i < n.clauses.size(); ++i) {
        if (i) s += ' ';
        switch (n.clauses[i].occur) {
          case Occur::kMust: s += '+'; break;
          case Occur::kMustNot: s += '-'; break;
          case Occur::kShould: break;
        }
        s += n.clauses[i].query.ToString();
      }
      return s + ")";
    }
    case Kind::kBoost:
      return n.clauses.at(0).query.ToString() + "^" + FormatFloat(n.boost);
  }
  return "?";
}

std::string Explanation::ToString(int indent) const {
  std::string s(static_cast<std::size_t>(indent) * 2, ' ');
  s += FormatFloat(value) + " = " + description + "\n";
  for (const Explanation& d : details) s += d.ToString(indent + 1);
  return s;
}

}  // namespace quarry
