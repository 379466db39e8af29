// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// quarry-server's implementation: cpp-httplib routes over one IndexWriter
// and a swappable search snapshot. The HTTP API is documented in server.h.
#include "server.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "quarry/index.h"
#include "quarry/query.h"
#include "quarry/schema.h"
#include "quarry/search.h"

namespace quarry::server {

namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

// Request JSON nested deeper than this is refused (and never built).
constexpr int kMaxJsonDepth = 64;
// Bytes of a document id and of a keyword value (the index's limits).
constexpr std::size_t kMaxIdBytes = 512;
constexpr std::size_t kMaxKeywordBytes = 512;
// The stored field that keeps a document's other members as a JSON object
// (the convention of `quarry index`).
constexpr std::string_view kExtraField = "extra";

// An error response. Handlers throw it; the route wrapper sends it.
struct HttpError {
  int status = 500;
  std::string code;
  std::string message;
  std::int64_t offset = -1;  // query syntax errors: byte offset in `q`
};

HttpError BadRequest(std::string message) {
  return {400, "InvalidArgument", std::move(message), -1};
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kBusy:
      return 503;
    case StatusCode::kResourceExhausted:
      return 503;
    case StatusCode::kNotSupported:
      return 501;
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

HttpError FromStatus(const Status& s, std::int64_t offset = -1) {
  return {HttpStatusFor(s.code()), std::string(StatusCodeName(s.code())), s.message(), offset};
}

// Stored values may hold invalid UTF-8: replace it rather than fail.
std::string Dump(const ojson& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

void SendJson(httplib::Response& res, int status, const ojson& body) {
  res.status = status;
  res.set_content(Dump(body), "application/json");
}

void SendError(httplib::Response& res, const HttpError& e) {
  ojson err = {{"code", e.code}, {"message", e.message}};
  if (e.offset >= 0) err["offset"] = e.offset;
  SendJson(res, e.status, {{"error", std::move(err)}});
}

// A callback for json::parse that refuses nesting deeper than kMaxJsonDepth
// (the value is never built) and records that it did.
template <typename Json>
typename Json::parser_callback_t DepthLimit(bool* too_deep) {
  return [too_deep](int depth, typename Json::parse_event_t, Json&) {
    if (depth > kMaxJsonDepth) {
      *too_deep = true;
      return false;
    }
    return true;
  };
}

// Parses a request body as JSON, refusing deep nesting before it is built.
json ParseJson(const std::string& body) {
  bool too_deep = false;
  json j;
  try {
    j = json::parse(body, DepthLimit<json>(&too_deep), /*allow_exceptions=*/true);
  } catch (const json::parse_error& e) {
    HttpError err = BadRequest(std::string("request body is not valid JSON: ") + e.what());
    err.code = "InvalidJson";
    throw err;
  }
  if (too_deep) {
    HttpError err =
        BadRequest("request JSON is nested deeper than " + std::to_string(kMaxJsonDepth));
    err.code = "InvalidJson";
    throw err;
  }
  return j;
}

bool ParseUint(std::string_view s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19) return false;
  std::uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  *out = v;
  return true;
}

bool ParseBool(std::string_view s, bool* out) {
  if (s == "true" || s == "1" || s == "yes") {
    *out = true;
  } else if (s == "false" || s == "0" || s == "no" || s.empty()) {
    *out = false;
  } else {
    return false;
  }
  return true;
}

std::vector<std::string> SplitCommas(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    const std::size_t comma = s.find(',');
    std::string_view part = s.substr(0, comma);
    if (!part.empty()) out.emplace_back(part);
    if (comma == std::string_view::npos) break;
    s.remove_prefix(comma + 1);
  }
  return out;
}

// Decodes application/x-www-form-urlencoded text (`+` is a space).
std::string FormDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// The URL's query parameters plus those of a form-encoded body.
httplib::Params AllParams(const httplib::Request& req, std::string_view form) {
  httplib::Params params = req.params;
  while (!form.empty()) {
    const std::size_t amp = form.find('&');
    const std::string_view pair = form.substr(0, amp);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      params.emplace(FormDecode(pair.substr(0, eq)), eq == std::string_view::npos
                                                         ? std::string()
                                                         : FormDecode(pair.substr(eq + 1)));
    }
    if (amp == std::string_view::npos) break;
    form.remove_prefix(amp + 1);
  }
  return params;
}

const std::string* Param(const httplib::Params& params, const char* name) {
  const auto it = params.find(name);
  return it == params.end() ? nullptr : &it->second;
}

// ?commit=true on write requests.
bool CommitParam(const httplib::Request& req) {
  if (!req.has_param("commit")) return false;
  bool commit = false;
  if (!ParseBool(req.get_param_value("commit"), &commit)) {
    throw BadRequest("parameter 'commit' must be true or false");
  }
  return commit;
}

bool HasExtra(const Schema& schema) {
  const auto f = schema.Find(kExtraField);
  return f && schema.fields()[*f].kind == FieldKind::kStored;
}

bool IsStored(const FieldSpec& f) { return f.kind == FieldKind::kStored || f.stored; }

// Appends a field to a JSON object; a repeated name becomes an array.
void AddField(ojson* out, const std::string& name, const std::string& value) {
  auto it = out->find(name);
  if (it == out->end()) {
    (*out)[name] = value;
  } else if (it->is_array()) {
    it->push_back(value);
  } else {
    ojson first = std::move(*it);
    *it = ojson::array({std::move(first), value});
  }
}

// Stored fields as a JSON object. The `extra` field of `quarry index`
// indexes (a JSON object of the document's other members) is spread into it.
ojson FieldsJson(const std::vector<std::pair<std::string, std::string>>& fields,
                 bool expand_extra) {
  ojson out = ojson::object();
  std::vector<const std::string*> extras;
  for (const auto& [name, value] : fields) {
    if (expand_extra && name == kExtraField) {
      extras.push_back(&value);
    } else {
      AddField(&out, name, value);
    }
  }
  for (const std::string* value : extras) {
    bool too_deep = false;
    ojson members = ojson::parse(*value, DepthLimit<ojson>(&too_deep),
                                 /*allow_exceptions=*/false);
    if (too_deep || !members.is_object()) {
      AddField(&out, std::string(kExtraField), *value);
      continue;
    }
    for (auto it = members.begin(); it != members.end(); ++it) {
      if (it.value().is_string() && !out.contains(it.key())) {
        out[it.key()] = it.value();
      }
    }
  }
  return out;
}

// The schema of an index the server creates: what `quarry index` makes.
Schema NewIndexSchema() {
  Schema s = Schema::Default();
  s.AddStored(std::string(kExtraField));
  return s;
}

// A search request, from query parameters or a JSON body.
struct SearchRequest {
  std::string q;
  std::uint64_t limit = 10;
  std::uint64_t offset = 0;
  bool snippets_all = false;
  std::vector<std::string> snippet_fields;
  std::optional<std::vector<std::string>> fields;  // nullopt: all stored
  DefaultOperator op = DefaultOperator::kOr;
  bool exact = false;
  bool literal = false;
};

DefaultOperator ParseOperator(std::string_view s) {
  if (s == "or" || s == "OR") return DefaultOperator::kOr;
  if (s == "and" || s == "AND") return DefaultOperator::kAnd;
  throw BadRequest("'operator' must be \"and\" or \"or\"");
}

SearchRequest SearchFromParams(const httplib::Params& params) {
  SearchRequest r;
  const std::string* q = Param(params, "q");
  if (q == nullptr) throw BadRequest("missing parameter 'q' (the query)");
  r.q = *q;
  auto number = [&](const char* name, std::uint64_t* out) {
    const std::string* v = Param(params, name);
    if (v != nullptr && !ParseUint(*v, out)) {
      throw BadRequest(std::string("parameter '") + name + "' must be a non-negative integer");
    }
  };
  number("limit", &r.limit);
  number("offset", &r.offset);
  auto flag = [&](const char* name, bool* out) {
    const std::string* v = Param(params, name);
    if (v != nullptr && !ParseBool(*v, out)) {
      throw BadRequest(std::string("parameter '") + name + "' must be true or false");
    }
  };
  flag("exact", &r.exact);
  flag("literal", &r.literal);
  if (const std::string* v = Param(params, "snippets")) {
    if (!ParseBool(*v, &r.snippets_all)) r.snippet_fields = SplitCommas(*v);
  }
  if (const std::string* v = Param(params, "fields")) r.fields = SplitCommas(*v);
  if (const std::string* v = Param(params, "operator")) r.op = ParseOperator(*v);
  return r;
}

std::vector<std::string> StringList(const json& j, const char* what) {
  if (!j.is_array()) throw BadRequest(std::string("'") + what + "' must be an array of strings");
  std::vector<std::string> out;
  for (const json& v : j) {
    if (!v.is_string()) {
      throw BadRequest(std::string("'") + what + "' must be an array of strings");
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

SearchRequest SearchFromJson(const json& j) {
  if (!j.is_object()) throw BadRequest("the search request must be a JSON object");
  SearchRequest r;
  bool has_q = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (key == "q") {
      if (!v.is_string()) throw BadRequest("'q' must be a string");
      r.q = v.get<std::string>();
      has_q = true;
    } else if (key == "limit" || key == "offset") {
      if (!v.is_number_unsigned()) {
        throw BadRequest("'" + key + "' must be a non-negative integer");
      }
      (key == "limit" ? r.limit : r.offset) = v.get<std::uint64_t>();
    } else if (key == "snippets") {
      if (v.is_boolean()) {
        r.snippets_all = v.get<bool>();
      } else {
        r.snippet_fields = StringList(v, "snippets");
      }
    } else if (key == "fields") {
      r.fields = StringList(v, "fields");
    } else if (key == "operator") {
      if (!v.is_string()) throw BadRequest("'operator' must be \"and\" or \"or\"");
      r.op = ParseOperator(v.get<std::string>());
    } else if (key == "exact" || key == "literal") {
      if (!v.is_boolean()) throw BadRequest("'" + key + "' must be true or false");
      (key == "exact" ? r.exact : r.literal) = v.get<bool>();
    } else {
      throw BadRequest("unknown search option '" + key + "'");
    }
  }
  if (!has_q) throw BadRequest("missing 'q' (the query)");
  return r;
}

// One immutable snapshot: what every search in flight holds on to.
struct Snapshot {
  std::shared_ptr<const IndexReader> reader;
  std::unique_ptr<Searcher> searcher;
};

}  // namespace

struct Server::Impl {
  ServerOptions options;
  httplib::Server http;

  std::mutex writer_mu;  // serializes every use of `writer`
  std::unique_ptr<IndexWriter> writer;
  bool uncommitted = false;  // guarded by writer_mu

  mutable std::mutex snap_mu;  // guards the pointer `snap`, not the snapshot
  std::shared_ptr<const Snapshot> snap;

  std::mutex run_mu;  // guards the fields below
  std::condition_variable run_cv;
  bool serving = false;
  bool stopping = false;
  int bound_port = -1;

  std::shared_ptr<const Snapshot> Current() const {
    std::lock_guard<std::mutex> lock(snap_mu);
    return snap;
  }

  // Moves searches to the newest commit. Called with writer_mu held, so
  // snapshots are published in commit order.
  Status PublishLocked() {
    const std::shared_ptr<const Snapshot> old = Current();
    auto reader = old->reader->Reopen();
    if (!reader.ok()) return reader.status();
    if (reader->get() == old->reader.get()) return Status::OK();
    auto searcher = Searcher::Create(*reader);
    if (!searcher.ok()) return searcher.status();
    auto fresh = std::make_shared<Snapshot>();
    fresh->reader = std::move(reader).value();
    fresh->searcher = std::move(searcher).value();
    std::lock_guard<std::mutex> lock(snap_mu);
    snap = std::move(fresh);
    return Status::OK();
  }

  Status CommitLocked() {
    QUARRY_RETURN_IF_ERROR(writer->Commit());
    uncommitted = false;
    // The commit is durable; if the new snapshot cannot be opened, the
    // error says so and the next commit tries again.
    Status s = PublishLocked();
    if (!s.ok()) {
      return Status(s.code(),
                    "committed, but searches still see the previous commit: " + s.message());
    }
    return Status::OK();
  }

  std::uint64_t Generation() const { return Current()->reader->generation(); }

  // Handlers. `body` is the request body (read within max_body_bytes).
  using Body = const std::string&;
  void Health(const httplib::Request& req, Body body, httplib::Response& res);
  void Search(const httplib::Request& req, Body body, httplib::Response& res);
  void AddDocuments(const httplib::Request& req, Body body, httplib::Response& res);
  void GetDocument(const httplib::Request& req, Body body, httplib::Response& res);
  void DeleteDocument(const httplib::Request& req, Body body, httplib::Response& res);
  void DeleteMany(const httplib::Request& req, Body body, httplib::Response& res);
  void Commit(const httplib::Request& req, Body body, httplib::Response& res);
  void Rollback(const httplib::Request& req, Body body, httplib::Response& res);
  void Stats(const httplib::Request& req, Body body, httplib::Response& res);

  Document ToDocument(const json& j, std::size_t index, const Schema& schema) const;
  void Routes();
};

namespace {

using Method = void (Server::Impl::*)(const httplib::Request&, const std::string&,
                                      httplib::Response&);

// Runs `body`; every exception becomes a JSON error response.
template <typename Body>
void Safely(httplib::Response& res, Body&& body) noexcept {
  try {
    try {
      body();
    } catch (const HttpError& e) {
      SendError(res, e);
    } catch (const std::bad_alloc&) {
      SendError(res, {503, "ResourceExhausted", "out of memory", -1});
    } catch (const std::exception& e) {
      SendError(res, {500, "Internal", e.what(), -1});
    } catch (...) {
      SendError(res, {500, "Internal", "unknown error", -1});
    }
  } catch (...) {
    // Even the error could not be sent (out of memory): a bare 500.
    res.status = 500;
    res.body.clear();
  }
}

HttpError TooLarge(std::size_t max) {
  return {413, "PayloadTooLarge", "request body larger than " + std::to_string(max) + " bytes", -1};
}

// Reads the request body, at most `max` bytes. httplib refuses a larger
// Content-Length itself (413, body skipped); a chunked body is counted here.
std::string ReadBody(const httplib::Request& req, const httplib::ContentReader& reader,
                     std::size_t max, httplib::Response& res) {
  if (req.is_multipart_form_data()) {
    res.set_header("Connection", "close");  // its body is left unread
    throw HttpError{415, "UnsupportedMediaType", "multipart bodies are not accepted; send JSON",
                    -1};
  }
  // HTTP/1.1: a request with neither header has no body.
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) return {};
  std::string body;
  std::uint64_t seen = 0;
  // Past the limit, read on (discarding) for a while so that the client gets
  // its 413 on a clean connection; then give up on the connection.
  const std::uint64_t drain =
      static_cast<std::uint64_t>(max) + std::max<std::uint64_t>(max, std::uint64_t{1} << 20);
  const bool ok = reader([&](const char* data, std::size_t len) {
    seen += len;
    if (seen <= max) {
      body.append(data, len);
      return true;
    }
    std::string().swap(body);
    return seen <= drain;
  });
  if (seen > max || (!ok && res.status == 413)) {
    if (!ok) res.set_header("Connection", "close");
    throw TooLarge(max);
  }
  if (!ok) throw BadRequest("could not read the request body");
  return body;
}

httplib::Server::Handler Guarded(Server::Impl* impl, Method fn) {
  return [impl, fn](const httplib::Request& req, httplib::Response& res) {
    Safely(res, [&] { (impl->*fn)(req, req.body, res); });
  };
}

// For requests with a body.
httplib::Server::HandlerWithContentReader GuardedWithBody(Server::Impl* impl, Method fn) {
  return [impl, fn](const httplib::Request& req, httplib::Response& res,
                    const httplib::ContentReader& reader) {
    Safely(res, [&] {
      const std::string body = ReadBody(req, reader, impl->options.max_body_bytes, res);
      (impl->*fn)(req, body, res);
    });
  };
}

}  // namespace

void Server::Impl::Health(const httplib::Request&, Body, httplib::Response& res) {
  const auto s = Current();
  SendJson(res, 200,
           {{"status", "ok"},
            {"generation", s->reader->generation()},
            {"documents", s->reader->num_docs()}});
}

void Server::Impl::Search(const httplib::Request& req, Body body, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  // POST: a JSON object, or form fields; GET: the URL's parameters.
  const bool form =
      req.get_header_value("Content-Type").find("application/x-www-form-urlencoded") !=
      std::string::npos;
  const SearchRequest r = req.method == "POST" && !body.empty() && !form
                              ? SearchFromJson(ParseJson(body))
                              : SearchFromParams(AllParams(req, form ? body : ""));
  if (r.limit > options.max_limit) {
    throw BadRequest("'limit' must be at most " + std::to_string(options.max_limit));
  }
  if (r.offset > options.max_offset) {
    throw BadRequest("'offset' must be at most " + std::to_string(options.max_offset));
  }

  // Every search runs on the snapshot current when it starts.
  const std::shared_ptr<const Snapshot> s = Current();
  const Schema& schema = s->reader->schema();
  SearchOptions so;
  so.limit = r.limit;
  so.offset = r.offset;
  so.total_hits_threshold = r.exact ? UINT64_MAX : SearchOptions{}.total_hits_threshold;
  bool expand_extra = HasExtra(schema);
  if (r.fields) {
    so.load_fields = !r.fields->empty();
    for (const std::string& name : *r.fields) {
      const auto f = schema.Find(name);
      if (!f || !IsStored(schema.fields()[*f])) {
        throw BadRequest("'fields': '" + name + "' is not a stored field");
      }
    }
    so.fields = *r.fields;
    expand_extra = expand_extra &&
                   std::find(so.fields.begin(), so.fields.end(), kExtraField) != so.fields.end();
  }
  if (r.snippets_all) {
    for (const FieldSpec& f : schema.fields()) {
      if (f.kind == FieldKind::kText && f.stored) so.snippet_fields.push_back(f.name);
    }
  } else {
    for (const std::string& name : r.snippet_fields) {
      const auto f = schema.Find(name);
      if (!f || schema.fields()[*f].kind != FieldKind::kText || !schema.fields()[*f].stored) {
        throw BadRequest("'snippets': '" + name + "' is not a stored text field");
      }
      so.snippet_fields.push_back(name);
    }
  }

  QueryParseOptions po;
  po.default_operator = r.op;
  po.literal = r.literal;
  std::size_t error_offset = static_cast<std::size_t>(-1);
  auto query = s->searcher->Parse(r.q, po, &error_offset);
  if (!query.ok()) {
    throw FromStatus(query.status(), error_offset == static_cast<std::size_t>(-1)
                                         ? -1
                                         : static_cast<std::int64_t>(error_offset));
  }
  auto result = s->searcher->Search(*query, so);
  if (!result.ok()) throw FromStatus(result.status());

  ojson hits = ojson::array();
  for (const Hit& hit : result->hits) {
    ojson h = {{"id", hit.id}, {"score", hit.score}};
    if (so.load_fields) h["fields"] = FieldsJson(hit.fields, expand_extra);
    if (!so.snippet_fields.empty()) {
      ojson snippets = ojson::object();
      for (const Snippet& sn : hit.snippets) snippets[sn.field] = sn.text;
      h["snippets"] = std::move(snippets);
    }
    hits.push_back(std::move(h));
  }
  const double took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  SendJson(res, 200,
           {{"total", result->total_hits},
            {"total_exact", result->total_exact},
            {"generation", s->reader->generation()},
            {"took_ms", took_ms},
            {"hits", std::move(hits)}});
}

Document Server::Impl::ToDocument(const json& j, std::size_t index, const Schema& schema) const {
  const std::string where = "documents[" + std::to_string(index) + "]";
  if (!j.is_object()) throw BadRequest(where + " is not a JSON object");
  Document doc;
  const auto id = j.find("id");
  if (id == j.end()) throw BadRequest(where + ": missing \"id\"");
  if (id->is_string()) {
    doc.id = id->get<std::string>();
  } else if (id->is_number_integer()) {
    doc.id = id->dump();
  } else {
    throw BadRequest(where + ": \"id\" must be a string");
  }
  if (doc.id.empty() || doc.id.size() > kMaxIdBytes) {
    throw BadRequest(where + ": \"id\" must be 1-" + std::to_string(kMaxIdBytes) + " bytes");
  }
  const bool has_extra = HasExtra(schema);
  ojson extra = ojson::object();
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "id") continue;
    const json& v = it.value();
    std::string field = key;
    auto f = schema.Find(key);
    if (!f && key == "text" && schema.Find("body")) {
      field = "body";  // as `quarry index` reads JSONL
      f = schema.Find(field);
    }
    if (!f) {
      if (has_extra && v.is_string()) {
        extra[key] = v;
        continue;
      }
      throw BadRequest(where + ": unknown field '" + key + "'");
    }
    auto add = [&](const json& value) {
      if (!value.is_string()) {
        throw BadRequest(where + ": field '" + key + "' must be a string or an array of strings");
      }
      const std::string& s = value.get_ref<const std::string&>();
      if (schema.fields()[*f].kind == FieldKind::kKeyword &&
          (s.empty() || s.size() > kMaxKeywordBytes)) {
        throw BadRequest(where + ": keyword field '" + key + "' values must be 1-" +
                         std::to_string(kMaxKeywordBytes) + " bytes");
      }
      doc.Add(field, s);
    };
    if (v.is_array()) {
      for (const json& value : v) add(value);
    } else {
      add(v);
    }
  }
  if (!extra.empty()) {
    doc.Add(std::string(kExtraField), extra.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  return doc;
}

void Server::Impl::AddDocuments(const httplib::Request& req, Body body, httplib::Response& res) {
  const bool commit = CommitParam(req);
  const json parsed = ParseJson(body);
  const json* list = &parsed;
  json single;
  if (parsed.is_object()) {
    if (auto it = parsed.find("documents"); it != parsed.end() && parsed.size() == 1) {
      list = &*it;
    } else {
      single = json::array({parsed});
      list = &single;
    }
  }
  if (!list->is_array()) {
    throw BadRequest("expected an array of documents, {\"documents\": [...]}, or a document");
  }
  // Everything is checked before the writer is touched, so a bad request
  // changes nothing.
  const std::shared_ptr<const Snapshot> s = Current();
  std::vector<Document> docs;
  docs.reserve(list->size());
  for (std::size_t i = 0; i < list->size(); ++i) {
    docs.push_back(ToDocument((*list)[i], i, s->reader->schema()));
  }
  std::lock_guard<std::mutex> lock(writer_mu);
  if (!docs.empty()) {
    Status st = writer->UpdateBatch(docs);
    uncommitted = true;  // even on error: the documents before it are applied
    if (!st.ok()) throw FromStatus(st);
  }
  if (commit) {
    if (Status st = CommitLocked(); !st.ok()) throw FromStatus(st);
  }
  SendJson(res, 200,
           {{"indexed", docs.size()}, {"committed", commit}, {"generation", Generation()}});
}

void Server::Impl::GetDocument(const httplib::Request& req, Body, httplib::Response& res) {
  const std::string id = req.matches[1];
  const auto s = Current();
  auto doc = s->reader->Get(id);
  if (!doc.ok()) throw FromStatus(doc.status());
  SendJson(res, 200,
           {{"id", doc->id},
            {"fields", FieldsJson(doc->fields, HasExtra(s->reader->schema()))},
            {"generation", s->reader->generation()}});
}

void Server::Impl::DeleteDocument(const httplib::Request& req, Body, httplib::Response& res) {
  const bool commit = CommitParam(req);
  const std::string id = req.matches[1];
  std::lock_guard<std::mutex> lock(writer_mu);
  if (Status st = writer->Delete(id); !st.ok()) throw FromStatus(st);
  uncommitted = true;
  if (commit) {
    if (Status st = CommitLocked(); !st.ok()) throw FromStatus(st);
  }
  SendJson(res, 200, {{"deleted", 1}, {"committed", commit}, {"generation", Generation()}});
}

void Server::Impl::DeleteMany(const httplib::Request& req, Body body, httplib::Response& res) {
  const bool commit = CommitParam(req);
  const json parsed = ParseJson(body);
  if (!parsed.is_object() || !parsed.contains("ids")) {
    throw BadRequest("expected {\"ids\": [...]}");
  }
  for (auto it = parsed.begin(); it != parsed.end(); ++it) {
    if (it.key() != "ids") throw BadRequest("unknown member '" + it.key() + "'");
  }
  const std::vector<std::string> ids = StringList(parsed["ids"], "ids");
  std::lock_guard<std::mutex> lock(writer_mu);
  std::size_t deleted = 0;
  ojson not_found = ojson::array();
  for (const std::string& id : ids) {
    Status st = writer->Delete(id);
    if (st.ok()) {
      ++deleted;
      uncommitted = true;
    } else if (st.code() == StatusCode::kNotFound) {
      not_found.push_back(id);
    } else {
      throw FromStatus(st);
    }
  }
  if (commit) {
    if (Status st = CommitLocked(); !st.ok()) throw FromStatus(st);
  }
  SendJson(res, 200,
           {{"deleted", deleted},
            {"not_found", std::move(not_found)},
            {"committed", commit},
            {"generation", Generation()}});
}

void Server::Impl::Commit(const httplib::Request&, Body, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(writer_mu);
  if (Status st = CommitLocked(); !st.ok()) throw FromStatus(st);
  const auto s = Current();
  SendJson(res, 200,
           {{"generation", s->reader->generation()}, {"documents", s->reader->num_docs()}});
}

void Server::Impl::Rollback(const httplib::Request&, Body, httplib::Response& res) {
  std::lock_guard<std::mutex> lock(writer_mu);
  if (Status st = writer->Rollback(); !st.ok()) throw FromStatus(st);
  uncommitted = false;
  SendJson(res, 200, {{"generation", Generation()}});
}

void Server::Impl::Stats(const httplib::Request&, Body, httplib::Response& res) {
  const auto s = Current();
  const IndexStats st = s->reader->Stats();
  std::size_t buffered_docs = 0, buffered_bytes = 0;
  bool pending = false;
  {
    std::lock_guard<std::mutex> lock(writer_mu);
    buffered_docs = writer->buffered_documents();
    buffered_bytes = writer->buffered_bytes();
    pending = uncommitted;
  }
  ojson fields = ojson::array();
  const Schema& schema = s->reader->schema();
  for (const FieldSpec& spec : schema.fields()) {
    ojson f = {{"name", spec.name},
               {"kind", spec.kind == FieldKind::kText      ? "text"
                        : spec.kind == FieldKind::kKeyword ? "keyword"
                                                           : "stored"},
               {"stored", IsStored(spec)}};
    for (const IndexStats::Field& fs : st.fields) {
      if (fs.name == spec.name) {
        f["documents"] = fs.documents;
        f["total_length"] = fs.total_length;
      }
    }
    fields.push_back(std::move(f));
  }
  SendJson(res, 200,
           {{"index", options.index_path},
            {"generation", st.generation},
            {"documents", st.documents},
            {"deleted", st.deleted},
            {"segments", st.segments},
            {"terms", st.terms},
            {"bytes_on_disk", st.bytes_on_disk},
            {"fields", std::move(fields)},
            {"uncommitted_changes", pending},
            {"buffered_documents", buffered_docs},
            {"buffered_bytes", buffered_bytes}});
}

void Server::Impl::Routes() {
  http.Get("/health", Guarded(this, &Impl::Health));
  http.Get("/search", Guarded(this, &Impl::Search));
  http.Post("/search", GuardedWithBody(this, &Impl::Search));
  http.Post("/documents", GuardedWithBody(this, &Impl::AddDocuments));
  http.Get("/documents/(.+)", Guarded(this, &Impl::GetDocument));
  http.Delete("/documents/(.+)", GuardedWithBody(this, &Impl::DeleteDocument));
  http.Post("/delete", GuardedWithBody(this, &Impl::DeleteMany));
  http.Post("/commit", GuardedWithBody(this, &Impl::Commit));
  http.Post("/rollback", GuardedWithBody(this, &Impl::Rollback));
  http.Get("/stats", Guarded(this, &Impl::Stats));

  const std::size_t max_body = options.max_body_bytes;
  // Errors httplib produces itself (no route, body too large, bad HTTP) get
  // the same JSON shape; responses our handlers filled are left alone.
  http.set_error_handler(httplib::Server::HandlerWithResponse(
      [max_body](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        HttpError e{res.status, "", "", -1};
        switch (res.status) {
          case 404:
            e.code = "NotFound";
            e.message = "no endpoint " + req.method + " " + req.path;
            break;
          case 413:
            e.code = "PayloadTooLarge";
            e.message = "request body larger than " + std::to_string(max_body) + " bytes";
            break;
          case 400:
            e.code = "BadRequest";
            e.message = "malformed HTTP request";
            break;
          default:
            e.code = "HttpError";
            e.message = "HTTP status " + std::to_string(res.status);
            break;
        }
        try {
          SendError(res, e);
        } catch (...) {
          return httplib::Server::HandlerResponse::Unhandled;
        }
        return httplib::Server::HandlerResponse::Handled;
      }));
  http.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        try {
          SendError(res, {500, "Internal", "unexpected error", -1});
        } catch (...) {
          res.status = 500;
        }
      });
  if (options.log_requests) {
    http.set_logger([](const httplib::Request& req, const httplib::Response& res) {
      std::fprintf(stderr, "%s %s %d\n", req.method.c_str(), req.path.c_str(), res.status);
    });
  }
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  if (impl_) Stop();
}

Result<std::unique_ptr<Server>> Server::Open(ServerOptions options) {
  try {
    if (options.index_path.empty()) return Status::InvalidArgument("no index path given");
    if (options.max_body_bytes == 0) {
      return Status::InvalidArgument("max_body_bytes must be positive");
    }
    if (options.http_threads == 0) return Status::InvalidArgument("http_threads must be >= 1");
    auto impl = std::make_unique<Impl>();
    impl->options = std::move(options);
    const std::string& path = impl->options.index_path;

    // An existing index keeps its schema; a missing one is created.
    IndexWriterOptions wo;
    wo.create_if_missing = false;
    wo.analysis_threads = impl->options.analysis_threads;
    auto writer = IndexWriter::Open(path, wo);
    if (!writer.ok() && writer.status().code() == StatusCode::kNotFound) {
      wo.create_if_missing = true;
      wo.schema = NewIndexSchema();
      writer = IndexWriter::Open(path, wo);
    }
    if (!writer.ok()) return writer.status();
    impl->writer = std::move(writer).value();

    auto reader = IndexReader::Open(path);
    if (!reader.ok()) return reader.status();
    auto searcher = Searcher::Create(*reader);
    if (!searcher.ok()) return searcher.status();
    auto snap = std::make_shared<Snapshot>();
    snap->reader = std::move(reader).value();
    snap->searcher = std::move(searcher).value();
    impl->snap = std::move(snap);

    const unsigned threads = impl->options.http_threads;
    impl->http.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    impl->http.set_payload_max_length(impl->options.max_body_bytes);
    impl->http.set_keep_alive_timeout(2);
    // Responses go out in several writes (status, headers, body): without
    // TCP_NODELAY, Nagle's algorithm and delayed ACKs add ~40-90 ms.
    impl->http.set_tcp_nodelay(true);
    impl->Routes();
    return std::unique_ptr<Server>(new Server(std::move(impl)));
  } catch (const std::bad_alloc&) {
    return Status::ResourceExhausted("out of memory starting the server");
  } catch (const std::exception& e) {
    return Status::Internal(std::string("starting the server: ") + e.what());
  }
}

Result<int> Server::Bind() {
  Impl& m = *impl_;
  int port = -1;
  if (m.options.port == 0) {
    port = m.http.bind_to_any_port(m.options.host);
  } else if (m.options.port > 0 && m.options.port < 65536) {
    port = m.http.bind_to_port(m.options.host, m.options.port) ? m.options.port : -1;
  } else {
    return Status::InvalidArgument("port must be in [0, 65535]");
  }
  if (port <= 0) {
    return Status::IOError("cannot listen on " + m.options.host + ":" +
                           std::to_string(m.options.port) +
                           " (address in use, not local, or not allowed)");
  }
  std::lock_guard<std::mutex> lock(m.run_mu);
  m.bound_port = port;
  return port;
}

Status Server::Serve() {
  Impl& m = *impl_;
  {
    std::lock_guard<std::mutex> lock(m.run_mu);
    if (m.bound_port < 0) return Status::InvalidArgument("Serve() before a successful Bind()");
    if (m.stopping) return Status::OK();
    m.serving = true;
  }
  const bool ok = m.http.listen_after_bind();
  {
    std::lock_guard<std::mutex> lock(m.run_mu);
    m.serving = false;
  }
  m.run_cv.notify_all();
  if (!ok && !m.stopping) return Status::IOError("the HTTP server stopped unexpectedly");
  return Status::OK();
}

void Server::Stop() {
  Impl& m = *impl_;
  std::unique_lock<std::mutex> lock(m.run_mu);
  m.stopping = true;
  bool stopped = false;
  // listen_after_bind() may not have started running yet: wait for it, then
  // stop it once.
  while (m.serving) {
    if (!stopped && m.http.is_running()) {
      m.http.stop();
      stopped = true;
    }
    m.run_cv.wait_for(lock, std::chrono::milliseconds(1));
  }
}

int Server::port() const {
  std::lock_guard<std::mutex> lock(impl_->run_mu);
  return impl_->bound_port;
}

int RunServer(const ServerOptions& options) {
  // SIGINT and SIGTERM are taken by a watcher thread with sigwait (so the
  // server stops cleanly); every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t old_mask;
  pthread_sigmask(SIG_BLOCK, &signals, &old_mask);
  struct sigaction ignore = {};
  ignore.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &ignore, nullptr);

  auto fail = [&](const Status& s) {
    std::fprintf(stderr, "quarry-server: %s\n", s.ToString().c_str());
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return 1;
  };
  auto server = Server::Open(options);
  if (!server.ok()) return fail(server.status());
  auto port = (*server)->Bind();
  if (!port.ok()) return fail(port.status());
  std::printf("quarry-server: index %s, listening on http://%s:%d\n", options.index_path.c_str(),
              options.host.c_str(), *port);
  std::fflush(stdout);

  std::atomic<bool> done{false};
  Server* raw = server->get();
  std::thread watcher([&] {
    int sig = 0;
    while (sigwait(&signals, &sig) == 0) {
      if (done.load()) return;
      std::fprintf(stderr, "quarry-server: signal %d, shutting down\n", sig);
      raw->Stop();
      return;
    }
  });
  Status st = (*server)->Serve();
  done.store(true);
  pthread_kill(watcher.native_handle(), SIGTERM);  // wakes it if no signal came
  watcher.join();
  server->reset();  // rolls back uncommitted changes, releases the index
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  if (!st.ok()) {
    std::fprintf(stderr, "quarry-server: %s\n", st.ToString().c_str());
    return 1;
  }
  return 0;
}

}  // namespace quarry::server
