// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
#include "analysis/stemmer.h"

#include <libstemmer.h>

#include <algorithm>
#include <climits>

namespace quarry::analysis {

Result<std::unique_ptr<Stemmer>> Stemmer::Create(const std::string& language) {
  sb_stemmer* s = sb_stemmer_new(language.c_str(), "UTF_8");
  if (s == nullptr) {
    std::string known;
    for (const std::string& l : Languages()) {
      if (!known.empty()) known += ", ";
      known += l;
    }
    return Status::InvalidArgument("unknown stemmer language '" + language +
                                   "' (known: " + known + ")");
  }
  return std::unique_ptr<Stemmer>(new Stemmer(s));
}

Stemmer::~Stemmer() { sb_stemmer_delete(stemmer_); }

void Stemmer::Stem(std::string_view word, std::string* out) {
  if (word.size() > INT_MAX / 2) {
    out->append(word);
    return;
  }
  const sb_symbol* stem =
      sb_stemmer_stem(stemmer_, reinterpret_cast<const sb_symbol*>(word.data()),
                      static_cast<int>(word.size()));
  if (stem == nullptr) {  // out of memory inside libstemmer
    out->append(word);
    return;
  }
  out->append(reinterpret_cast<const char*>(stem),
              static_cast<std::size_t>(sb_stemmer_length(stemmer_)));
}

std::vector<std::string> Stemmer::Languages() {
  std::vector<std::string> out;
  for (const char** l = sb_stemmer_list(); *l != nullptr; ++l) {
    out.emplace_back(*l);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace quarry::analysis
