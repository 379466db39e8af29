// Copyright 2026 The quarry Authors. Licensed under the Apache License 2.0.
//
// quarry-server over real HTTP on a free loopback port: documents in,
// commits, searches, gets, deletes, stats, every error case, searches
// running while another client indexes and commits, and the real binary
// stopping cleanly on SIGTERM.
#include "server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "quarry/index.h"

extern char** environ;

namespace quarry::server {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

constexpr std::size_t kMaxBody = 256 << 10;

fs::path TempDir(const std::string& name) {
  fs::path p =
      fs::temp_directory_path() / ("quarry-server-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

// A response: HTTP status and parsed JSON body (null if not JSON).
struct Reply {
  int status = 0;
  json body;
};

Reply ToReply(const httplib::Result& r) {
  Reply out;
  if (!r) {
    out.status = -static_cast<int>(r.error());
    return out;
  }
  out.status = r->status;
  out.body = json::parse(r->body, nullptr, /*allow_exceptions=*/false);
  return out;
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = TempDir(::testing::UnitTest::GetInstance()->current_test_info()->name());
    ServerOptions options;
    options.index_path = (dir_ / "index").string();
    options.port = 0;
    options.max_body_bytes = kMaxBody;
    options.max_limit = 100;
    auto server = Server::Open(options);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
    auto port = server_->Bind();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
    ASSERT_GT(port_, 0);
    serve_ = std::thread([this] { serve_status_ = server_->Serve(); });
  }

  void TearDown() override {
    client_.reset();  // an idle keep-alive connection would delay the stop
    if (server_) server_->Stop();
    if (serve_.joinable()) serve_.join();
    EXPECT_TRUE(serve_status_.ok()) << serve_status_.ToString();
    server_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<httplib::Client> NewClient() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    c->set_read_timeout(60, 0);
    c->set_write_timeout(60, 0);
    c->set_keep_alive(true);
    c->set_tcp_nodelay(true);
    return c;
  }

  httplib::Client& client() {
    if (!client_) client_ = NewClient();
    return *client_;
  }

  Reply Get(const std::string& path) { return ToReply(client().Get(path)); }
  Reply Post(const std::string& path, const std::string& body,
             const std::string& type = "application/json") {
    return ToReply(client().Post(path, body, type));
  }
  Reply PostJson(const std::string& path, const json& body) { return Post(path, body.dump()); }
  Reply Delete(const std::string& path) { return ToReply(client().Delete(path)); }

  // Expects an error response of this status and code.
  static void ExpectError(const Reply& r, int status, const std::string& code,
                          const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.body.dump();
    ASSERT_TRUE(r.body.is_object()) << what;
    ASSERT_TRUE(r.body.contains("error")) << what << ": " << r.body.dump();
    EXPECT_EQ(r.body["error"]["code"], code) << what << ": " << r.body.dump();
    EXPECT_TRUE(r.body["error"]["message"].is_string()) << what;
    EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty()) << what;
  }

  void AddNews() {
    const json docs = json::array({
        {{"id", "az-1"},
         {"title", "Bayramov meets the envoy"},
         {"body", "Jeyhun Bayramov said talks on Nagorno-Karabakh will resume in Baku."},
         {"lang", "az"}},
        {{"id", "tr-1"},
         {"title", "Türkiye’s envoy visits Baku"},
         {"text", "The envoy of Turkiye discussed trade."}},
        {{"id", "nk-2"},
         {"title", "Karabakh peace"},
         {"body", "Nagorno Karabakh talks ended; NagornoKarabakh is one word here."}},
        {{"id", "us-1"},
         {"title", json::array({"U.S. statement", "Second title"})},
         {"body", "The US State Department welcomed the talks."}},
    });
    const Reply r = PostJson("/documents", docs);
    ASSERT_EQ(r.status, 200) << r.body.dump();
    EXPECT_EQ(r.body["indexed"], 4);
    EXPECT_EQ(r.body["committed"], false);
  }

  fs::path dir_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::thread serve_;
  Status serve_status_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, Health) {
  const Reply r = Get("/health");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["status"], "ok");
  EXPECT_EQ(r.body["documents"], 0);
  EXPECT_GE(r.body["generation"].get<int>(), 1);
  EXPECT_EQ(server_->port(), port_);
}

TEST_F(ServerTest, AddCommitSearchGetDelete) {
  AddNews();
  // Not visible before the commit.
  Reply r = Get("/search?q=Bayramov");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["total"], 0);
  r = Get("/stats");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["uncommitted_changes"], true);
  EXPECT_EQ(r.body["documents"], 0);
  const int gen0 = r.body["generation"];

  r = Post("/commit", "");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_GT(r.body["generation"].get<int>(), gen0);
  EXPECT_EQ(r.body["documents"], 4);

  // An entity, with fields and snippets.
  r = Get("/search?q=Bayramov&snippets=true");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["total"], 1);
  EXPECT_EQ(r.body["total_exact"], true);
  ASSERT_EQ(r.body["hits"].size(), 1u);
  json hit = r.body["hits"][0];
  EXPECT_EQ(hit["id"], "az-1");
  EXPECT_GT(hit["score"].get<double>(), 0.0);
  EXPECT_EQ(hit["fields"]["title"], "Bayramov meets the envoy");
  EXPECT_EQ(hit["fields"]["lang"], "az");  // kept in `extra`, spread back out
  EXPECT_FALSE(hit["fields"].contains("extra"));
  EXPECT_NE(hit["snippets"]["body"].get<std::string>().find("<b>Bayramov</b>"), std::string::npos);
  EXPECT_NE(hit["snippets"]["title"].get<std::string>().find("<b>Bayramov</b>"), std::string::npos);

  // Compounds, paging over POST.
  r = PostJson("/search", json{{"q", "Nagorno-Karabakh"}, {"limit", 1}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["total"], 2);
  ASSERT_EQ(r.body["hits"].size(), 1u);
  const std::string first = r.body["hits"][0]["id"];
  r = PostJson("/search", json{{"q", "Nagorno-Karabakh"}, {"limit", 1}, {"offset", 1}});
  ASSERT_EQ(r.body["hits"].size(), 1u);
  const std::string second = r.body["hits"][0]["id"];
  EXPECT_NE(first, second);
  EXPECT_TRUE((first == "az-1" && second == "nk-2") || (first == "nk-2" && second == "az-1"));
  // Form-encoded POST works like GET.
  r = Post("/search", "q=Turkiye%27s", "application/x-www-form-urlencoded");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(r.body["hits"].size(), 1u);
  EXPECT_EQ(r.body["hits"][0]["id"], "tr-1");
  EXPECT_NE(r.body["hits"][0]["fields"]["body"].get<std::string>().find("trade"),
            std::string::npos);  // given as "text"

  // Field selection, multi-valued fields, AND.
  r = Get("/search?q=U.S.&fields=title");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(r.body["hits"].size(), 1u);
  EXPECT_EQ(r.body["hits"][0]["fields"],
            json({{"title", json::array({"U.S. statement", "Second title"})}}));
  r = Get("/search?q=talks&fields=");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["total"], 3);
  EXPECT_FALSE(r.body["hits"][0].contains("fields"));
  r = PostJson("/search", json{{"q", "talks Baku"}, {"operator", "and"}, {"exact", true}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(r.body["hits"].size(), 1u);
  EXPECT_EQ(r.body["hits"][0]["id"], "az-1");
  r = PostJson("/search", json{{"q", "(Bayramov \""}, {"literal", true}, {"snippets", {"body"}}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(r.body["hits"].size(), 1u);
  EXPECT_TRUE(r.body["hits"][0]["snippets"].contains("body"));
  EXPECT_FALSE(r.body["hits"][0]["snippets"].contains("title"));

  // Documents by id.
  r = Get("/documents/az-1");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["id"], "az-1");
  EXPECT_EQ(r.body["fields"]["lang"], "az");
  ExpectError(Get("/documents/nope"), 404, "NotFound", "GET missing document");

  // Upsert with commit in the same request.
  r = PostJson("/documents?commit=true",
               json{{"id", "az-1"}, {"title", "Minister meets the envoy"}, {"body", "No names."}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["committed"], true);
  EXPECT_EQ(Get("/search?q=Bayramov").body["total"], 0);
  EXPECT_EQ(Get("/search?q=minister").body["total"], 1);

  // Deletes.
  r = Delete("/documents/us-1?commit=true");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["deleted"], 1);
  ExpectError(Get("/documents/us-1"), 404, "NotFound", "GET deleted document");
  ExpectError(Delete("/documents/us-1"), 404, "NotFound", "DELETE twice");
  r = PostJson("/delete?commit=true", json{{"ids", {"tr-1", "nope"}}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["deleted"], 1);
  EXPECT_EQ(r.body["not_found"], json::array({"nope"}));
  EXPECT_EQ(Get("/health").body["documents"], 2);

  // Ids with slashes and spaces, URL-encoded.
  r = PostJson("/documents?commit=1", json{{"id", "news/2024 x"}, {"title", "Slash"}});
  ASSERT_EQ(r.status, 200) << r.body.dump();
  r = Get("/documents/news%2F2024%20x");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["id"], "news/2024 x");
  r = Delete("/documents/news%2F2024%20x");
  ASSERT_EQ(r.status, 200) << r.body.dump();

  // Rollback drops uncommitted changes.
  r = PostJson("/documents", json{{"id", "tmp"}, {"title", "Xylophone"}});
  ASSERT_EQ(r.status, 200);
  r = Post("/rollback", "");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(Post("/commit", "").status, 200);
  EXPECT_EQ(Get("/search?q=xylophone").body["total"], 0);
  EXPECT_EQ(Get("/search?q=slash").body["total"], 1);  // the delete was rolled back

  r = Get("/stats");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["documents"], 3);
  EXPECT_EQ(r.body["uncommitted_changes"], false);
  ASSERT_TRUE(r.body["fields"].is_array());
  EXPECT_EQ(r.body["fields"][0]["name"], "title");
  EXPECT_EQ(r.body["fields"][0]["kind"], "text");
  EXPECT_GE(r.body["segments"].get<int>(), 1);
}

TEST_F(ServerTest, BadRequests) {
  AddNews();
  ASSERT_EQ(Post("/commit", "").status, 200);

  // Documents.
  ExpectError(Post("/documents", "{"), 400, "InvalidJson", "malformed JSON");
  ExpectError(Post("/documents", ""), 400, "InvalidJson", "empty body");
  ExpectError(Post("/documents", "\"\xff\xfe\""), 400, "InvalidJson", "invalid UTF-8");
  ExpectError(PostJson("/documents", json{{"title", "no id"}}), 400, "InvalidArgument",
              "missing id");
  ExpectError(PostJson("/documents", json::array({json{{"id", "ok-1"}, {"title", "fine"}},
                                                  json{{"title", "no id"}}})),
              400, "InvalidArgument", "second document without id");
  ExpectError(PostJson("/documents", json{{"id", json::object()}, {"title", "x"}}), 400,
              "InvalidArgument", "id of a wrong type");
  ExpectError(PostJson("/documents", json{{"id", ""}}), 400, "InvalidArgument", "empty id");
  ExpectError(PostJson("/documents", json{{"id", std::string(513, 'x')}}), 400, "InvalidArgument",
              "id too long");
  ExpectError(PostJson("/documents", json{{"id", "x"}, {"title", 5}}), 400, "InvalidArgument",
              "number value");
  ExpectError(PostJson("/documents", json{{"id", "x"}, {"title", json::array({"a", 1})}}), 400,
              "InvalidArgument", "array with a number");
  ExpectError(PostJson("/documents", json{{"id", "x"}, {"other", json::object()}}), 400,
              "InvalidArgument", "unknown field, not a string");
  ExpectError(Post("/documents", "5"), 400, "InvalidArgument", "not an array");
  ExpectError(PostJson("/documents?commit=maybe", json{{"id", "x"}}), 400, "InvalidArgument",
              "bad commit parameter");
  // A rejected batch changed nothing: ok-1 was not applied.
  ASSERT_EQ(Post("/commit", "").status, 200);
  ExpectError(Get("/documents/ok-1"), 404, "NotFound", "document of a rejected batch");

  // Deep nesting is refused without building it; nothing overflows.
  ExpectError(Post("/documents", std::string(100000, '[') + std::string(100000, ']')), 400,
              "InvalidJson", "deep nesting");
  // Bodies over the limit.
  const json big = {{"id", "big"}, {"body", std::string(kMaxBody + 10, 'a')}};
  ExpectError(PostJson("/documents", big), 413, "PayloadTooLarge", "oversized body");

  // A chunked body has no Content-Length for httplib to check: counted by
  // the server, refused past the limit; one within the limit is served.
  auto chunked = [&](std::string body) {
    std::size_t sent = 0;
    return ToReply(client().Post(
        "/documents",
        [body = std::move(body), sent](std::size_t, httplib::DataSink& sink) mutable {
          if (sent >= body.size()) {
            sink.done();
            return true;
          }
          const std::size_t n = std::min<std::size_t>(16 << 10, body.size() - sent);
          sink.write(body.data() + sent, n);
          sent += n;
          return true;
        },
        "application/json"));
  };
  ExpectError(chunked(big.dump()), 413, "PayloadTooLarge", "chunked body over the limit");
  Reply ok = chunked(json{{"id", "chunked-1"}, {"title", "Chunked"}}.dump());
  EXPECT_EQ(ok.status, 200) << ok.body.dump();
  ASSERT_EQ(Post("/rollback", "").status, 200);
  ExpectError(
      ToReply(client().Post("/documents", httplib::MultipartFormDataItems{{"file", "{}", "a.json",
                                                                           "application/json"}})),
      415, "UnsupportedMediaType", "multipart body");

  // Deletes.
  ExpectError(PostJson("/delete", json{{"ids", "a"}}), 400, "InvalidArgument", "ids not an array");
  ExpectError(PostJson("/delete", json{{"ids", {1, 2}}}), 400, "InvalidArgument", "ids numbers");
  ExpectError(PostJson("/delete", json{{"id", {"a"}}}), 400, "InvalidArgument", "no ids");
  ExpectError(Post("/delete", "["), 400, "InvalidJson", "malformed delete");

  // Searches.
  ExpectError(Get("/search"), 400, "InvalidArgument", "missing q");
  ExpectError(Get("/search?q=a&limit=abc"), 400, "InvalidArgument", "limit not a number");
  ExpectError(Get("/search?q=a&limit=-1"), 400, "InvalidArgument", "negative limit");
  ExpectError(Get("/search?q=a&limit=101"), 400, "InvalidArgument", "limit over the maximum");
  ExpectError(Get("/search?q=a&offset=99999999999999999999999"), 400, "InvalidArgument",
              "huge offset");
  ExpectError(Get("/search?q=a&exact=perhaps"), 400, "InvalidArgument", "bad bool");
  ExpectError(Get("/search?q=a&operator=xor"), 400, "InvalidArgument", "bad operator");
  ExpectError(Get("/search?q=a&fields=nosuch"), 400, "InvalidArgument", "unknown field");
  ExpectError(Get("/search?q=a&snippets=extra"), 400, "InvalidArgument",
              "snippets of a stored-only field");
  ExpectError(PostJson("/search", json{{"q", 5}}), 400, "InvalidArgument", "q a number");
  ExpectError(PostJson("/search", json{{"q", "a"}, {"limit", "10"}}), 400, "InvalidArgument",
              "limit a string");
  ExpectError(PostJson("/search", json{{"q", "a"}, {"limit", 1.5}}), 400, "InvalidArgument",
              "limit a float");
  ExpectError(PostJson("/search", json{{"q", "a"}, {"limt", 1}}), 400, "InvalidArgument",
              "unknown option");
  ExpectError(PostJson("/search", json{{"q", "a"}, {"snippets", 1}}), 400, "InvalidArgument",
              "snippets a number");
  ExpectError(PostJson("/search", json::array()), 400, "InvalidArgument", "search body an array");
  ExpectError(Post("/search", "{\"q\":"), 400, "InvalidJson", "malformed search");

  // Query syntax errors carry the byte offset.
  Reply r = Get("/search?q=talks%20%22unclosed");
  ExpectError(r, 400, "InvalidArgument", "unclosed quote");
  EXPECT_EQ(r.body["error"]["offset"], 6);
  EXPECT_NE(r.body["error"]["message"].get<std::string>().find("syntax"), std::string::npos);
  r = PostJson("/search", json{{"q", "a AND"}});
  ExpectError(r, 400, "InvalidArgument", "dangling AND");
  EXPECT_EQ(r.body["error"]["offset"], 2);

  // Unknown endpoints and methods.
  ExpectError(Get("/nope"), 404, "NotFound", "unknown endpoint");
  ExpectError(Delete("/search"), 404, "NotFound", "wrong method");

  // Still serving, nothing changed.
  r = Get("/health");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["documents"], 4);
  EXPECT_EQ(Get("/search?q=Bayramov").body["total"], 1);
}

TEST_F(ServerTest, SecondServerOnTheSameIndexIsBusy) {
  ServerOptions options;
  options.index_path = (dir_ / "index").string();
  options.port = 0;
  auto other = Server::Open(options);
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kBusy) << other.status().ToString();
}

TEST_F(ServerTest, SearchesWhileIndexing) {
  constexpr int kBatches = 20;
  constexpr int kBatch = 10;
  constexpr int kSearchers = 4;
  std::atomic<bool> done{false};
  std::atomic<int> searches{0};
  std::vector<std::string> failures[kSearchers + 1];

  std::vector<std::thread> threads;
  for (int t = 0; t < kSearchers; ++t) {
    threads.emplace_back([&, t] {
      auto c = NewClient();
      std::uint64_t last_total = 0, last_gen = 0;
      while (!done.load()) {
        httplib::Result res =
            t % 2 == 0
                ? c->Get("/search?q=common&exact=true&limit=5&snippets=body")
                : c->Post("/search", json{{"q", "common"}, {"exact", true}, {"limit", 5}}.dump(),
                          "application/json");
        const Reply r = ToReply(res);
        if (r.status != 200 || !r.body.is_object()) {
          failures[t].push_back("status " + std::to_string(r.status) + " " + r.body.dump());
          continue;
        }
        const std::uint64_t total = r.body["total"];
        const std::uint64_t gen = r.body["generation"];
        // Totals only grow (only additions) and always cover whole batches
        // (each batch is committed at once); snapshots move forward.
        if (total < last_total) failures[t].push_back("total went down");
        if (gen < last_gen) failures[t].push_back("generation went down");
        if (total % kBatch != 0) failures[t].push_back("partial batch visible");
        if (r.body["hits"].size() != std::min<std::uint64_t>(total, 5)) {
          failures[t].push_back("hits and total disagree");
        }
        last_total = total;
        last_gen = gen;
        ++searches;
      }
    });
  }
  threads.emplace_back([&] {
    auto c = NewClient();
    for (int b = 0; b < kBatches; ++b) {
      json docs = json::array();
      for (int i = 0; i < kBatch; ++i) {
        const int n = b * kBatch + i;
        docs.push_back({{"id", "doc-" + std::to_string(n)},
                        {"title", "Common title " + std::to_string(n)},
                        {"body", "A common body about Baku and Nagorno-Karabakh."}});
      }
      const Reply r = ToReply(c->Post("/documents?commit=true", docs.dump(), "application/json"));
      if (r.status != 200) failures[kSearchers].push_back("add: " + r.body.dump());
      const Reply s = ToReply(c->Get("/stats"));
      if (s.status != 200) failures[kSearchers].push_back("stats: " + s.body.dump());
    }
    done.store(true);
  });
  for (std::thread& t : threads) t.join();
  for (const auto& f : failures) {
    EXPECT_TRUE(f.empty()) << f.size() << " failures, first: " << f.front();
  }
  EXPECT_GT(searches.load(), 0);
  std::printf("%d searches during %d commits\n", searches.load(), kBatches);
  const Reply r = Get("/search?q=common&exact=true");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body["total"], kBatches * kBatch);
  EXPECT_EQ(Get("/health").body["documents"], kBatches * kBatch);
}

// The real binary: prints its port, serves, and exits 0 on SIGTERM with
// committed documents on disk.
TEST(ServerBinaryTest, ServesAndStopsOnSigterm) {
  const fs::path dir = TempDir("binary");
  const std::string index = (dir / "index").string();
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  std::vector<std::string> args = {QUARRY_SERVER_BINARY, "--index", index, "--port", "0"};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  ASSERT_EQ(posix_spawn(&pid, QUARRY_SERVER_BINARY, &actions, nullptr, argv.data(), environ), 0);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);

  // "quarry-server: index DIR, listening on http://127.0.0.1:PORT\n"
  std::string line;
  char ch = 0;
  while (::read(out[0], &ch, 1) == 1 && ch != '\n') line += ch;
  const std::size_t colon = line.rfind(':');
  ASSERT_NE(colon, std::string::npos) << line;
  const int port = std::atoi(line.c_str() + colon + 1);
  ASSERT_GT(port, 0) << line;

  {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(30, 0);
    Reply r = ToReply(c.Get("/health"));
    EXPECT_EQ(r.status, 200);
    r = ToReply(c.Post("/documents?commit=true",
                       json{{"id", "b-1"}, {"title", "Bayramov in Baku"}}.dump(),
                       "application/json"));
    EXPECT_EQ(r.status, 200) << r.body.dump();
    r = ToReply(c.Post("/documents", json{{"id", "b-2"}, {"title", "Uncommitted"}}.dump(),
                       "application/json"));
    EXPECT_EQ(r.status, 200) << r.body.dump();
    r = ToReply(c.Get("/search?q=bayramov"));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body["total"], 1);
  }
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ::close(out[0]);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_LT(secs, 10.0);

  auto reader = IndexReader::Open(index);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->num_docs(), 1u);
  EXPECT_TRUE((*reader)->Get("b-1").ok());
  EXPECT_FALSE((*reader)->Get("b-2").ok());  // rolled back at shutdown
  fs::remove_all(dir);
}

// Opening fails cleanly: a file where the index directory should be.
TEST(ServerOpenTest, BadIndexPath) {
  const fs::path dir = TempDir("badpath");
  const fs::path file = dir / "file";
  std::FILE* f = std::fopen(file.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fclose(f);
  ServerOptions options;
  options.index_path = file.string();
  auto server = Server::Open(options);
  EXPECT_FALSE(server.ok());
  options.index_path.clear();
  EXPECT_FALSE(Server::Open(options).ok());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace quarry::server
