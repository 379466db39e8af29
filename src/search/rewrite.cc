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

  // nullopt = empty.
  Result<std::optional<PlanNode>> Run(const Query& q, double boost, int depth) {
    if (depth > 256) return Status::InvalidArgument("query nested too deeply");
    const Query::Node& n = q.node();
    switch (n.kind) {
      case Query::Kind::kMatchAll: {
        PlanNode p;
        p.kind = PlanNode::Kind::kAll;
        return std::optional<PlanNode>(std::move(p));
      }
      case Query::Kind::kMatchNone:
        return std::optional<PlanNode>(None());
      case Query::Kind::kBoost: {
        if (!(n.boost >= 0) || !std::isfinite(n.boost)) {
          return Status::InvalidArgument("boost must be a finite number >= 0");
        }
        if (n.clauses.empty()) return std::optional<PlanNode>();
        return Run(n.clauses[0].query, boost * n.boost, depth + 1);
      }
      case Query::Kind::kBool:
        return RunBool(n, boost, depth);
      default:
        break;
    }
    // Leaves: one field or every text field.
    if (!n.field.empty()) {  // one field: no list to allocate
      std::size_t f = 0;
      QUARRY_RETURN_IF_ERROR(FieldOf(n.field, &f));
      return Leaf(n, f, boost);
    }
    std::vector<std::size_t> fields;
    QUARRY_RETURN_IF_ERROR(FieldsOf(n.field, &fields));
    if (fields.size() == 1) return Leaf(n, fields[0], boost);
    std::vector<PlanNode> per_field;
    if (n.kind == Query::Kind::kText && fields.size() > 1) {
      // Each word may match in any field: (title:a body:a) op (title:b body:b).
      return TextAcrossFields(n, fields, boost);
    }
    for (std::size_t f : fields) {
      QUARRY_ASSIGN_OR_RETURN(std::optional<PlanNode> p, Leaf(n, f, boost));
      if (p) per_field.push_back(std::move(*p));
    }
    if (per_field.empty()) return std::optional<PlanNode>();
    if (per_field.size() == 1) return std::optional<PlanNode>(std::move(per_field[0]));
    PlanNode b;
    b.kind = PlanNode::Kind::kBool;
    b.should = std::move(per_field);
    return std::optional<PlanNode>(std::move(b));
  }

 private:
  static PlanNode None() {
    PlanNode p;
    p.kind = PlanNode::Kind::kNone;
    return p;
  }

  Status CountLeaf() {
    if (++leaves_ > options_.max_leaves) {
      return Status::InvalidArgument("query too large: more than " +
                                     std::to_string(options_.max_leaves) +
                                     " terms after expansion");
    }
    return Status::OK();
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
    if (!f) return Status::InvalidArgument("unknown field '" + name + "'");
    if (schema_.fields()[*f].kind == FieldKind::kStored) {
      return Status::InvalidArgument("field '" + name + "' is stored only, not searchable");
    }
    *out = *f;
    return Status::OK();
  }

  double FieldBoost(std::size_t f) const {
    return static_cast<double>(schema_.fields()[f].boost);
  }

  bool IsText(std::size_t f) const {
    return schema_.fields()[f].kind == FieldKind::kText;
  }

  Result<PlanNode> TermLeaf(std::size_t f, std::string term, bool stem, double boost) {
    QUARRY_RETURN_IF_ERROR(CountLeaf());
    PlanNode p;
    p.kind = PlanNode::Kind::kTerm;
    p.field = f;
    p.term = std::move(term);
    p.stem = stem;
    p.boost = boost * FieldBoost(f);
    return p;
  }

  // A phrase of words; collapses to a term when it is one plain term.
  Result<PlanNode> PhraseLeaf(std::size_t f, std::vector<PhraseWord> words,
                              std::uint32_t slop, double boost) {
    if (words.size() == 1 && words[0].alternatives.size() == 1 &&
        words[0].alternatives[0].size() == 1) {
      return TermLeaf(f, std::move(words[0].alternatives[0][0]), false, boost);
    }
    for (const PhraseWord& w : words) {
      for (const auto& alt : w.alternatives) {
        for (std::size_t i = 0; i < alt.size(); ++i) QUARRY_RETURN_IF_ERROR(CountLeaf());
      }
    }
    PlanNode p;
    p.kind = PlanNode::Kind::kPhrase;
    p.field = f;
    p.words = std::move(words);
    p.slop = slop;
    p.boost = boost * FieldBoost(f);
    return p;
  }

  static PhraseWord WordOf(const QueryWord& w) {
    PhraseWord pw;
    pw.alternatives.push_back(w.parts);
    if (!w.joined.empty()) pw.alternatives.push_back({w.joined});
    return pw;
  }

  // One analyzed query word in text field f.
  Result<PlanNode> WordLeaf(std::size_t f, const QueryWord& w, double boost) {
    if (w.parts.size() == 1) {
      const bool stemming = !schema_.fields()[f].analyzer.stem_language.empty();
      if (stemming && !w.stems.empty() && !w.stems[0].empty()) {
        return TermLeaf(f, w.stems[0], true, boost);
      }
      return TermLeaf(f, w.parts[0], false, boost);
    }
    return PhraseLeaf(f, {WordOf(w)}, 0, boost);
  }

  Result<AnalyzedQuery> AnalyzeIn(std::size_t f, const std::string& text) {
    return analyzers_(f).AnalyzeQuery(text);
  }

  Result<std::optional<PlanNode>> Combine(std::vector<PlanNode> parts,
                                          DefaultOperator op) {
    if (parts.empty()) return std::optional<PlanNode>();
    if (parts.size() == 1) return std::optional<PlanNode>(std::move(parts[0]));
    PlanNode b;
    b.kind = PlanNode::Kind::kBool;
    (op == DefaultOperator::kAnd ? b.must : b.should) = std::move(parts);
    return std::optional<PlanNode>(std::move(b));
  }

  Result<std::optional<PlanNode>> TextAcrossFields(const Query::Node& n,
                                                   const std::vector<std::size_t>& fields,
                                                   double boost) {
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
    std::vector<PlanNode> words;
    if (same) {
      for (std::size_t i = 0; i < count; ++i) {
        PlanNode any;
        any.kind = PlanNode::Kind::kBool;
        for (std::size_t j = 0; j < fields.size(); ++j) {
          QUARRY_ASSIGN_OR_RETURN(PlanNode leaf, WordLeaf(fields[j], per[j].words[i], boost));
          any.should.push_back(std::move(leaf));
        }
        if (any.should.size() == 1) {
          words.push_back(std::move(any.should[0]));
        } else {
          words.push_back(std::move(any));
        }
      }
      return Combine(std::move(words), n.op);
    }
    PlanNode any;
    any.kind = PlanNode::Kind::kBool;
    for (std::size_t j = 0; j < fields.size(); ++j) {
      std::vector<PlanNode> ws;
      for (const QueryWord& w : per[j].words) {
        QUARRY_ASSIGN_OR_RETURN(PlanNode leaf, WordLeaf(fields[j], w, boost));
        ws.push_back(std::move(leaf));
      }
      QUARRY_ASSIGN_OR_RETURN(std::optional<PlanNode> c, Combine(std::move(ws), n.op));
      if (c) any.should.push_back(std::move(*c));
    }
    if (any.should.empty()) return std::optional<PlanNode>();
    if (any.should.size() == 1) return std::optional<PlanNode>(std::move(any.should[0]));
    return std::optional<PlanNode>(std::move(any));
  }

  Result<std::optional<PlanNode>> Leaf(const Query::Node& n, std::size_t f, double boost) {
    if (!IsText(f)) {
      // Keyword fields hold exact values: no analysis.
      switch (n.kind) {
        case Query::Kind::kTerm:
        case Query::Kind::kText:
        case Query::Kind::kPhrase: {
          if (n.text.empty()) return std::optional<PlanNode>();
          QUARRY_ASSIGN_OR_RETURN(PlanNode t, TermLeaf(f, n.text, false, boost));
          return std::optional<PlanNode>(std::move(t));
        }
        case Query::Kind::kPrefix:
          return PrefixLeaf(f, n.text, boost);
        default:
          return Status::InvalidArgument("field '" + schema_.fields()[f].name +
                                         "' is a keyword field: only term, text and "
                                         "prefix queries apply");
      }
    }
    switch (n.kind) {
      case Query::Kind::kTerm: {
        QUARRY_ASSIGN_OR_RETURN(
            PlanNode t, TermLeaf(f, n.text, n.term_kind == TermKind::kStem, boost));
        return std::optional<PlanNode>(std::move(t));
      }
      case Query::Kind::kText: {
        QUARRY_ASSIGN_OR_RETURN(AnalyzedQuery a, AnalyzeIn(f, n.text));
        std::vector<PlanNode> ws;
        ws.reserve(a.words.size());
        for (const QueryWord& w : a.words) {
          QUARRY_ASSIGN_OR_RETURN(PlanNode leaf, WordLeaf(f, w, boost));
          ws.push_back(std::move(leaf));
        }
        return Combine(std::move(ws), n.op);
      }
      case Query::Kind::kPhrase: {
        QUARRY_ASSIGN_OR_RETURN(AnalyzedQuery a, AnalyzeIn(f, n.text));
        if (a.words.empty()) return std::optional<PlanNode>();
        std::vector<PhraseWord> words;
        for (const QueryWord& w : a.words) words.push_back(WordOf(w));
        QUARRY_ASSIGN_OR_RETURN(PlanNode p, PhraseLeaf(f, std::move(words), n.slop, boost));
        return std::optional<PlanNode>(std::move(p));
      }
      case Query::Kind::kTermPhrase: {
        if (n.terms.empty()) return std::optional<PlanNode>();
        std::vector<PhraseWord> words;
        for (const std::string& t : n.terms) words.push_back(PhraseWord{{{t}}});
        QUARRY_ASSIGN_OR_RETURN(PlanNode p, PhraseLeaf(f, std::move(words), n.slop, boost));
        return std::optional<PlanNode>(std::move(p));
      }
      case Query::Kind::kNear: {
        if (n.terms.empty()) return std::optional<PlanNode>();
        if (n.slop == 0) return std::optional<PlanNode>(None());
        if (n.terms.size() == 1) {
          QUARRY_ASSIGN_OR_RETURN(PlanNode t, TermLeaf(f, n.terms[0], false, boost));
          return std::optional<PlanNode>(std::move(t));
        }
        for (std::size_t i = 0; i < n.terms.size(); ++i) QUARRY_RETURN_IF_ERROR(CountLeaf());
        PlanNode p;
        p.kind = PlanNode::Kind::kNear;
        p.field = f;
        p.terms = n.terms;
        p.slop = n.slop;
        p.boost = boost * FieldBoost(f);
        return std::optional<PlanNode>(std::move(p));
      }
      case Query::Kind::kPrefix: {
        // The prefix is normalized like any term: `Bayr` -> `bayr`. A
        // compound prefix (`nagorno-kar`) uses its joined form.
        Analyzer& an = analyzers_(f);
        QUARRY_ASSIGN_OR_RETURN(std::vector<Token> toks, an.Analyze(n.text));
        std::string prefix;
        std::size_t words = 0;
        for (const Token& t : toks) {
          if (t.kind == TokenKind::kJoined && t.position == 0) prefix = t.term;
          if (t.kind == TokenKind::kWord) ++words;
        }
        if (prefix.empty()) {
          if (words == 0) return std::optional<PlanNode>();
          for (const Token& t : toks) {
            if (t.kind == TokenKind::kWord) prefix = t.term;  // the last word
          }
        }
        return PrefixLeaf(f, prefix, boost);
      }
      default:
        return Status::Internal("unexpected query node");
    }
  }

  Result<std::optional<PlanNode>> PrefixLeaf(std::size_t f, const std::string& prefix,
                                             double boost) {
    if (prefix.empty()) {
      return Status::InvalidArgument("a prefix query needs at least one character");
    }
    const std::size_t limit = options_.max_prefix_expansions;
    QUARRY_ASSIGN_OR_RETURN(std::vector<std::string> terms, expand_(f, prefix, limit));
    if (terms.size() > limit) {
      return Status::InvalidArgument("prefix '" + prefix + "*' matches more than " +
                                     std::to_string(limit) + " terms; use a longer prefix");
    }
    if (terms.empty()) return std::optional<PlanNode>(None());
    std::vector<PlanNode> leaves;
    for (std::string& t : terms) {
      QUARRY_ASSIGN_OR_RETURN(PlanNode leaf, TermLeaf(f, std::move(t), false, boost));
      leaves.push_back(std::move(leaf));
    }
    if (leaves.size() == 1) return std::optional<PlanNode>(std::move(leaves[0]));
    PlanNode b;
    b.kind = PlanNode::Kind::kBool;
    b.should = std::move(leaves);
    return std::optional<PlanNode>(std::move(b));
  }

  Result<std::optional<PlanNode>> RunBool(const Query::Node& n, double boost, int depth) {
    PlanNode b;
    b.kind = PlanNode::Kind::kBool;
    // Room for every clause up front: no PlanNode is moved by a regrowth.
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
      QUARRY_ASSIGN_OR_RETURN(std::optional<PlanNode> p, Run(c.query, boost, depth + 1));
      if (!p) continue;
      switch (c.occur) {
        case Occur::kMust: b.must.push_back(std::move(*p)); break;
        case Occur::kShould: b.should.push_back(std::move(*p)); break;
        case Occur::kMustNot: b.must_not.push_back(std::move(*p)); break;
      }
    }
    if (b.must.empty() && b.should.empty() && b.must_not.empty()) {
      return std::optional<PlanNode>();
    }
    if (b.must_not.empty() && b.must.size() + b.should.size() == 1) {
      return std::optional<PlanNode>(
          std::move(b.must.empty() ? b.should[0] : b.must[0]));
    }
    return std::optional<PlanNode>(std::move(b));
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

Result<PlanNode> Rewrite(const Query& query, const Schema& schema,
                         const AnalyzerFor& analyzers, const PrefixExpander& expand,
                         const SearcherOptions& options) {
  Rewriter r(schema, analyzers, expand, options);
  QUARRY_ASSIGN_OR_RETURN(std::optional<PlanNode> p, r.Run(query, 1.0, 0));
  if (!p) {
    PlanNode none;
    none.kind = PlanNode::Kind::kNone;
    return none;
  }
  return std::move(*p);
}

FieldHighlight HighlightFor(const PlanNode& plan, std::size_t field) {
  FieldHighlight h;
  CollectHighlights(plan, field, &h);
  return h;
}

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
