// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// Query -> PlanNode (see plan.h): analysis per field, field expansion,
// prefix expansion, boosts pushed to the leaves, empty clauses dropped.
//
// "Empty" is different from "matches nothing": text without any word (only
// punctuation, say) is empty and disappears from the Boolean query around
// it, the way a user expects `Bayramov -- news` to behave; a prefix with no
// expansion matches nothing and makes a required clause fail.
#include <cmath>
#include <optional>

#include "index/segment_format.h"
#include "search/plan.h"

namespace quarry::search {
namespace {

class Rewriter {
 public:
  Rewriter(const Schema& schema, const AnalyzerFor& analyzers,
           const PrefixExpander& expand, const SearcherOptions& options)
      : schema_(schema), analyzers_(analyzers), expand_(expand), options_(options) {}

  // Rewrites q into *out, a default PlanNode (its place in the parent's
  // list: plans are built where they end up, never moved through return
  // values). Sets *empty when q is empty; *out is then to be discarded.
  Status Run(const Query& q, double boost, int depth, PlanNode* out, bool* empty) {
    *empty = false;
    if (depth > 256) return Status::InvalidArgument("query nested too deeply");
    const Query::Node& n = q.node();
    switch (n.kind) {
      case Query::Kind::kMatchAll:
        out->kind = PlanNode::Kind::kAll;
        return Status::OK();
      case Query::Kind::kMatchNone:
        out->kind = PlanNode::Kind::kNone;
        return Status::OK();
      case Query::Kind::kBoost: {
        if (!(n.boost >= 0) || !std::isfinite(n.boost)) {
          return Status::InvalidArgument("boost must be a finite number >= 0");
        }
        if (n.clauses.empty()) {
          *empty = true;
          return Status::OK();
        }
        return Run(n.clauses[0].query, boost * n.boost, depth + 1, out, empty);
      }
      case Query::Kind::kBool:
        return RunBool(n, boost, depth, out, empty);
      default:
        break;
    }
    // Leaves: one field or every text field.
    if (!n.field.empty()) {  // one field: no list to allocate
      std::size_t f = 0;
      QUARRY_RETURN_IF_ERROR(FieldOf(n.field, &f));
      return Leaf(n, f, boost, out, empty);
    }
    return AllFieldsLeaf(n, boost, out, empty);
  }

 private:
  // The code of the common path (Boolean nodes, leaves of one field, exact
  // terms) is kept together and small: it runs with cold instruction caches
  // at the start of most queries. Everything else is out of line.
  [[gnu::noinline]] Status AllFieldsLeaf(const Query::Node& n, double boost, PlanNode* out,
                                         bool* empty) {
    std::vector<std::size_t> fields;
    QUARRY_RETURN_IF_ERROR(FieldsOf(n.field, &fields));
    if (fields.size() == 1) return Leaf(n, fields[0], boost, out, empty);
    if (n.kind == Query::Kind::kText && fields.size() > 1) {
      // Each word may match in any field: (title:a body:a) op (title:b body:b).
      return TextAcrossFields(n, fields, boost, out, empty);
    }
    std::vector<PlanNode> per_field;
    per_field.reserve(fields.size());
    for (std::size_t f : fields) {
      bool e = false;
      QUARRY_RETURN_IF_ERROR(Leaf(n, f, boost, &per_field.emplace_back(), &e));
      if (e) per_field.pop_back();
    }
    return Combine(std::move(per_field), DefaultOperator::kOr, out, empty);
  }

  Status CountLeaf() {
    if (++leaves_ > options_.max_leaves) return TooManyLeaves();
    return Status::OK();
  }
  [[gnu::cold, gnu::noinline]] Status TooManyLeaves() const {
    return Status::InvalidArgument("query too large: more than " +
                                   std::to_string(options_.max_leaves) +
                                   " terms after expansion");
  }

  Status FieldsOf(const std::string& name, std::vector<std::size_t>* out) {
    const auto& fs = schema_.fields();
    if (name.empty()) {
      for (std::size_t i = 0; i < fs.size(); ++i) {
        if (fs[i].kind == FieldKind::kText) out->push_back(i);
      }
      return Status::OK();
    }
    std::size_t f = 0;
    QUARRY_RETURN_IF_ERROR(FieldOf(name, &f));
    out->push_back(f);
    return Status::OK();
  }

  // The searchable field called `name`.
  Status FieldOf(const std::string& name, std::size_t* out) const {
    auto f = schema_.Find(name);
    if (!f || schema_.fields()[*f].kind == FieldKind::kStored) return BadField(name);
    *out = *f;
    return Status::OK();
  }
  [[gnu::cold, gnu::noinline]] Status BadField(const std::string& name) const {
    if (!schema_.Find(name)) return Status::InvalidArgument("unknown field '" + name + "'");
    return Status::InvalidArgument("field '" + name + "' is stored only, not searchable");
  }

  double FieldBoost(std::size_t f) const {
    return static_cast<double>(schema_.fields()[f].boost);
  }

  bool IsText(std::size_t f) const {
    return schema_.fields()[f].kind == FieldKind::kText;
  }

  Status TermLeaf(std::size_t f, std::string term, bool stem, double boost, PlanNode* out) {
    QUARRY_RETURN_IF_ERROR(CountLeaf());
    out->kind = PlanNode::Kind::kTerm;
    out->field = f;
    out->term = std::move(term);
    out->stem = stem;
    out->boost = boost * FieldBoost(f);
    return Status::OK();
  }

  // A phrase of words; collapses to a term when it is one plain term.
  [[gnu::noinline]] Status PhraseLeaf(std::size_t f, std::vector<PhraseWord> words,
                                      std::uint32_t slop, double boost, PlanNode* out) {
    if (words.size() == 1 && words[0].alternatives.size() == 1 &&
        words[0].alternatives[0].size() == 1) {
      return TermLeaf(f, std::move(words[0].alternatives[0][0]), false, boost, out);
    }
    for (const PhraseWord& w : words) {
      for (const auto& alt : w.alternatives) {
        for (std::size_t i = 0; i < alt.size(); ++i) QUARRY_RETURN_IF_ERROR(CountLeaf());
      }
    }
    out->kind = PlanNode::Kind::kPhrase;
    out->field = f;
    out->words = std::move(words);
    out->slop = slop;
    out->boost = boost * FieldBoost(f);
    return Status::OK();
  }

  static PhraseWord WordOf(const QueryWord& w) {
    PhraseWord pw;
    pw.alternatives.push_back(w.parts);
    if (!w.joined.empty()) pw.alternatives.push_back({w.joined});
    return pw;
  }

  // One analyzed query word in text field f.
  Status WordLeaf(std::size_t f, const QueryWord& w, double boost, PlanNode* out) {
    if (w.parts.size() == 1) {
      const bool stemming = !schema_.fields()[f].analyzer.stem_language.empty();
      if (stemming && !w.stems.empty() && !w.stems[0].empty()) {
        return TermLeaf(f, w.stems[0], true, boost, out);
      }
      return TermLeaf(f, w.parts[0], false, boost, out);
    }
    return PhraseLeaf(f, {WordOf(w)}, 0, boost, out);
  }

  Result<AnalyzedQuery> AnalyzeIn(std::size_t f, const std::string& text) {
    QUARRY_ASSIGN_OR_RETURN(Analyzer * an, analyzers_(f));
    return an->AnalyzeQuery(text);
  }

  // out := the one plan of `parts`, their combination with `op` (kOr: a
  // disjunction), or empty.
  static Status Combine(std::vector<PlanNode> parts, DefaultOperator op, PlanNode* out,
                        bool* empty) {
    if (parts.empty()) {
      *empty = true;
    } else if (parts.size() == 1) {
      *out = std::move(parts[0]);
    } else {
      out->kind = PlanNode::Kind::kBool;
      (op == DefaultOperator::kAnd ? out->must : out->should) = std::move(parts);
    }
    return Status::OK();
  }

  [[gnu::noinline]] Status TextAcrossFields(const Query::Node& n,
                                            const std::vector<std::size_t>& fields,
                                            double boost, PlanNode* out, bool* empty) {
    // Words are analyzed per field (fields may differ in analysis); word i
    // of each field's analysis forms one cross-field clause when the fields
    // agree on the word count, otherwise each field is its own clause.
    std::vector<AnalyzedQuery> per;
    std::size_t count = SIZE_MAX;
    bool same = true;
    for (std::size_t f : fields) {
      QUARRY_ASSIGN_OR_RETURN(AnalyzedQuery a, AnalyzeIn(f, n.text));
      if (count != SIZE_MAX && a.words.size() != count) same = false;
      count = a.words.size();
      per.push_back(std::move(a));
    }
    if (same) {
      std::vector<PlanNode> words;
      words.reserve(count);
      for (std::size_t i = 0; i < count; ++i) {
        std::vector<PlanNode> any;
        any.reserve(fields.size());
        for (std::size_t j = 0; j < fields.size(); ++j) {
          QUARRY_RETURN_IF_ERROR(
              WordLeaf(fields[j], per[j].words[i], boost, &any.emplace_back()));
        }
        bool e = false;
        QUARRY_RETURN_IF_ERROR(
            Combine(std::move(any), DefaultOperator::kOr, &words.emplace_back(), &e));
        if (e) words.pop_back();
      }
      return Combine(std::move(words), n.op, out, empty);
    }
    std::vector<PlanNode> any;
    any.reserve(fields.size());
    for (std::size_t j = 0; j < fields.size(); ++j) {
      std::vector<PlanNode> ws;
      ws.reserve(per[j].words.size());
      for (const QueryWord& w : per[j].words) {
        QUARRY_RETURN_IF_ERROR(WordLeaf(fields[j], w, boost, &ws.emplace_back()));
      }
      bool e = false;
      QUARRY_RETURN_IF_ERROR(Combine(std::move(ws), n.op, &any.emplace_back(), &e));
      if (e) any.pop_back();
    }
    return Combine(std::move(any), DefaultOperator::kOr, out, empty);
  }

  Status Leaf(const Query::Node& n, std::size_t f, double boost, PlanNode* out, bool* empty) {
    if (n.kind == Query::Kind::kTerm && IsText(f)) {
      return TermLeaf(f, n.text, n.term_kind == TermKind::kStem, boost, out);
    }
    return OtherLeaf(n, f, boost, out, empty);
  }

  [[gnu::noinline]] Status OtherLeaf(const Query::Node& n, std::size_t f, double boost,
                                     PlanNode* out, bool* empty) {
    if (!IsText(f)) {
      // Keyword fields hold exact values: no analysis.
      switch (n.kind) {
        case Query::Kind::kTerm:
        case Query::Kind::kText:
        case Query::Kind::kPhrase:
          if (n.text.empty()) {
            *empty = true;
            return Status::OK();
          }
          return TermLeaf(f, n.text, false, boost, out);
        case Query::Kind::kPrefix:
          return PrefixLeaf(f, n.text, boost, out, empty);
        default:
          return Status::InvalidArgument("field '" + schema_.fields()[f].name +
                                         "' is a keyword field: only term, text and "
                                         "prefix queries apply");
      }
    }
    switch (n.kind) {
      case Query::Kind::kTerm:
        return TermLeaf(f, n.text, n.term_kind == TermKind::kStem, boost, out);
      case Query::Kind::kText: {
        QUARRY_ASSIGN_OR_RETURN(AnalyzedQuery a, AnalyzeIn(f, n.text));
        std::vector<PlanNode> ws;
        ws.reserve(a.words.size());
        for (const QueryWord& w : a.words) {
          QUARRY_RETURN_IF_ERROR(WordLeaf(f, w, boost, &ws.emplace_back()));
        }
        return Combine(std::move(ws), n.op, out, empty);
      }
      case Query::Kind::kPhrase: {
        QUARRY_ASSIGN_OR_RETURN(AnalyzedQuery a, AnalyzeIn(f, n.text));
        if (a.words.empty()) {
          *empty = true;
          return Status::OK();
        }
        std::vector<PhraseWord> words;
        for (const QueryWord& w : a.words) words.push_back(WordOf(w));
        return PhraseLeaf(f, std::move(words), n.slop, boost, out);
      }
      case Query::Kind::kTermPhrase: {
        if (n.terms.empty()) {
          *empty = true;
          return Status::OK();
        }
        std::vector<PhraseWord> words;
        for (const std::string& t : n.terms) words.push_back(PhraseWord{{{t}}});
        return PhraseLeaf(f, std::move(words), n.slop, boost, out);
      }
      case Query::Kind::kNear: {
        if (n.terms.empty()) {
          *empty = true;
          return Status::OK();
        }
        if (n.slop == 0) {
          out->kind = PlanNode::Kind::kNone;
          return Status::OK();
        }
        if (n.terms.size() == 1) return TermLeaf(f, n.terms[0], false, boost, out);
        for (std::size_t i = 0; i < n.terms.size(); ++i) QUARRY_RETURN_IF_ERROR(CountLeaf());
        out->kind = PlanNode::Kind::kNear;
        out->field = f;
        out->terms = n.terms;
        out->slop = n.slop;
        out->boost = boost * FieldBoost(f);
        return Status::OK();
      }
      case Query::Kind::kPrefix: {
        // The prefix is normalized like any term: `Bayr` -> `bayr`. A
        // compound prefix (`nagorno-kar`) uses its joined form.
        QUARRY_ASSIGN_OR_RETURN(Analyzer * an, analyzers_(f));
        QUARRY_ASSIGN_OR_RETURN(std::vector<Token> toks, an->Analyze(n.text));
        std::string prefix;
        std::size_t words = 0;
        for (const Token& t : toks) {
          if (t.kind == TokenKind::kJoined && t.position == 0) prefix = t.term;
          if (t.kind == TokenKind::kWord) ++words;
        }
        if (prefix.empty()) {
          if (words == 0) {
            *empty = true;
            return Status::OK();
          }
          for (const Token& t : toks) {
            if (t.kind == TokenKind::kWord) prefix = t.term;  // the last word
          }
        }
        return PrefixLeaf(f, prefix, boost, out, empty);
      }
      default:
        return Status::Internal("unexpected query node");
    }
  }

  [[gnu::noinline]] Status PrefixLeaf(std::size_t f, const std::string& prefix, double boost,
                                      PlanNode* out, bool* empty) {
    if (prefix.empty()) {
      return Status::InvalidArgument("a prefix query needs at least one character");
    }
    const std::size_t limit = options_.max_prefix_expansions;
    QUARRY_ASSIGN_OR_RETURN(std::vector<std::string> terms, expand_(f, prefix, limit));
    if (terms.size() > limit) {
      return Status::InvalidArgument("prefix '" + prefix + "*' matches more than " +
                                     std::to_string(limit) + " terms; use a longer prefix");
    }
    if (terms.empty()) {
      out->kind = PlanNode::Kind::kNone;
      return Status::OK();
    }
    std::vector<PlanNode> leaves;
    leaves.reserve(terms.size());
    for (std::string& t : terms) {
      QUARRY_RETURN_IF_ERROR(TermLeaf(f, std::move(t), false, boost, &leaves.emplace_back()));
    }
    return Combine(std::move(leaves), DefaultOperator::kOr, out, empty);
  }

  Status RunBool(const Query::Node& n, double boost, int depth, PlanNode* out, bool* empty) {
    PlanNode& b = *out;
    b.kind = PlanNode::Kind::kBool;
    // Room for every clause up front: children are rewritten in place, and
    // no regrowth moves them.
    std::size_t must = 0, should = 0, must_not = 0;
    for (const Query::Clause& c : n.clauses) {
      must += c.occur == Occur::kMust;
      should += c.occur == Occur::kShould;
      must_not += c.occur == Occur::kMustNot;
    }
    b.must.reserve(must);
    b.should.reserve(should);
    b.must_not.reserve(must_not);
    for (const Query::Clause& c : n.clauses) {
      std::vector<PlanNode>& list = c.occur == Occur::kMust     ? b.must
                                    : c.occur == Occur::kShould ? b.should
                                                                : b.must_not;
      bool e = false;
      QUARRY_RETURN_IF_ERROR(Run(c.query, boost, depth + 1, &list.emplace_back(), &e));
      if (e) list.pop_back();
    }
    if (b.must.empty() && b.should.empty() && b.must_not.empty()) {
      *empty = true;
    } else if (b.must_not.empty() && b.must.size() + b.should.size() == 1) {
      PlanNode only = std::move(b.must.empty() ? b.should[0] : b.must[0]);
      *out = std::move(only);
    }
    return Status::OK();
  }

  const Schema& schema_;
  const AnalyzerFor& analyzers_;
  const PrefixExpander& expand_;
  const SearcherOptions& options_;
  std::size_t leaves_ = 0;
};

void CollectHighlights(const PlanNode& p, std::size_t field, FieldHighlight* out) {
  switch (p.kind) {
    case PlanNode::Kind::kTerm:
      if (p.field == field) (p.stem ? out->stems : out->terms).push_back(p.term);
      return;
    case PlanNode::Kind::kPhrase:
      if (p.field == field) out->phrases.push_back({p.words, p.slop});
      return;
    case PlanNode::Kind::kNear:
      if (p.field == field) {
        out->nears.push_back(p.terms);
        out->near_windows.push_back(p.slop);
      }
      return;
    case PlanNode::Kind::kBool:
      for (const PlanNode& c : p.must) CollectHighlights(c, field, out);
      for (const PlanNode& c : p.should) CollectHighlights(c, field, out);
      return;
    default:
      return;
  }
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) s += sep;
    s += v[i];
  }
  return s;
}

}  // namespace

Status Rewrite(const Query& query, const Schema& schema, const AnalyzerFor& analyzers,
               const PrefixExpander& expand, const SearcherOptions& options, PlanNode* out) {
  Rewriter r(schema, analyzers, expand, options);
  bool empty = false;
  QUARRY_RETURN_IF_ERROR(r.Run(query, 1.0, 0, out, &empty));
  if (empty) {
    *out = PlanNode();
    out->kind = PlanNode::Kind::kNone;
  }
  return Status::OK();
}

FieldHighlight HighlightFor(const PlanNode& plan, std::size_t field) {
  FieldHighlight h;
  CollectHighlights(plan, field, &h);
  return h;
}

PlanNode::PlanNode() = default;
PlanNode::PlanNode(const PlanNode&) = default;
PlanNode::PlanNode(PlanNode&&) noexcept = default;
PlanNode& PlanNode::operator=(const PlanNode&) = default;
PlanNode& PlanNode::operator=(PlanNode&&) noexcept = default;
PlanNode::~PlanNode() = default;

std::string PlanNode::ToString(const Schema& schema) const {
  auto fname = [&](std::size_t f) {
    return f < schema.fields().size() ? schema.fields()[f].name : std::string("?");
  };
  auto boosted = [&](std::string s) {
    if (boost != 1.0) s += std::string("^") + std::to_string(boost);
    return s;
  };
  switch (kind) {
    case Kind::kAll: return "*:*";
    case Kind::kNone: return "<none>";
    case Kind::kTerm:
      return boosted(fname(field) + ":" + (stem ? "~" : "") + term);
    case Kind::kPhrase: {
      std::string s = fname(field) + ":\"";
      for (std::size_t i = 0; i < words.size(); ++i) {
        if (i) s += ' ';
        std::vector<std::string> alts;
        for (const auto& a : words[i].alternatives) alts.push_back(Join(a, " "));
        s += alts.size() == 1 ? alts[0] : std::string("(") + Join(alts, "|") + ")";
      }
      s += "\"";
      if (slop) s += std::string("~") + std::to_string(slop);
      return boosted(s);
    }
    case Kind::kNear:
      return boosted(fname(field) + ":NEAR/" + std::to_string(slop) + "(" +
                     Join(terms, " ") + ")");
    case Kind::kBool: {
      std::vector<std::string> parts;
      for (const PlanNode& c : must) parts.push_back(std::string("+") + c.ToString(schema));
      for (const PlanNode& c : should) parts.push_back(c.ToString(schema));
      for (const PlanNode& c : must_not) parts.push_back(std::string("-") + c.ToString(schema));
      return std::string("(") + Join(parts, " ") + ")";
    }
  }
  return "?";
}

}  // namespace quarry::search
