#include "provider_server.h"

#include <chrono>
#include <thread>

#include "tls.h"
#include "util.h"

namespace lc::emulator {

using nlohmann::json;

namespace {
thread_local std::string t_request_user;
}  // namespace

void NoteRequestUser(const std::string& user_id) { t_request_user = user_id; }

ProviderServer::ProviderServer(std::string name, IdStyle style, OAuthServer::Options oauth,
                               Clock& clock, int64_t token_ttl_seconds, const TlsIdentity* tls)
    : name_(std::move(name)),
      tls_(tls != nullptr),
      store_(style, clock),
      oauth_(std::move(oauth), clock, token_ttl_seconds) {
  if (tls) {
    http_ = std::make_unique<httplib::SSLServer>(tls->cert, tls->key);
  } else {
    http_ = std::make_unique<httplib::Server>();
  }
  // Long polls park a worker each; keep enough for them and real traffic.
  http_->new_task_queue = [] { return new httplib::ThreadPool(48); };
  http_->set_keep_alive_max_count(1000);
  http_->set_tcp_nodelay(true);
  http_->set_read_timeout(30, 0);
  http_->set_write_timeout(30, 0);
  fault_responder_ = [](httplib::Response& res, int status, int) {
    SendJson(res, status, {{"error", "injected fault"}});
  };
  http_->set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        SendJson(res, 500, {{"error", "emulator exception"}, {"message", what}});
      });
}

ProviderServer::~ProviderServer() { Stop(); }

void ProviderServer::Route(const std::string& method, const std::string& pattern,
                           const std::string& op, httplib::Server::Handler handler) {
  auto wrapped = [this, op, handler](const httplib::Request& req, httplib::Response& res) {
    auto start = std::chrono::steady_clock::now();
    std::string fault_name;
    t_request_user.clear();
    bool truncate = false;
    bool handled = false;
    if (auto fault = faults_.Match(req.method, req.path)) {
      switch (fault->kind) {
        case FaultKind::kDelay:
          fault_name = "delay";
          std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
          break;
        case FaultKind::kStatus:
          fault_name = "status " + std::to_string(fault->status);
          fault_responder_(res, fault->status, fault->retry_after);
          if (fault->status == 429 || fault->status == 503) {
            res.set_header("Retry-After", std::to_string(fault->retry_after));
          }
          handled = true;
          break;
        case FaultKind::kDrop:
          fault_name = "drop";
          // Headers go out, then the connection closes with no body.
          res.set_content_provider(4096, "application/octet-stream",
                                   [](size_t, size_t, httplib::DataSink&) { return false; });
          handled = true;
          break;
        case FaultKind::kTruncate:
          fault_name = "truncate";
          truncate = true;
          break;
      }
    }
    if (!handled) handler(req, res);
    if (truncate && !res.body.empty()) {
      auto body = std::make_shared<std::string>(std::move(res.body));
      res.body.clear();
      std::string type = res.get_header_value("Content-Type");
      res.headers.erase("Content-Type");
      res.set_content_provider(body->size(), type.c_str(),
                               [body](size_t offset, size_t length, httplib::DataSink& sink) {
                                 size_t half = body->size() / 2;
                                 if (offset >= half) return false;
                                 sink.write(body->data() + offset, std::min(length, half - offset));
                                 return true;
                               });
    }
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    log_.Record(req.method, req.path, op, res.status, store_.clock().NowMs(), ms, t_request_user,
                fault_name);
  };
  if (method == "GET") {
    http_->Get(pattern, wrapped);
  } else if (method == "POST") {
    http_->Post(pattern, wrapped);
  } else if (method == "PUT") {
    http_->Put(pattern, wrapped);
  } else if (method == "PATCH") {
    http_->Patch(pattern, wrapped);
  } else if (method == "DELETE") {
    http_->Delete(pattern, wrapped);
  } else if (method == "OPTIONS") {
    http_->Options(pattern, wrapped);
  }
}

std::string ProviderServer::BaseUrl(const httplib::Request& req) const {
  std::string host = req.get_header_value("Host");
  if (host.empty()) host = "127.0.0.1:" + std::to_string(port_);
  return std::string(tls_ ? "https://" : "http://") + host;
}

std::optional<User> ProviderServer::ResolveLoginUser(const std::string& login_hint,
                                                     const std::string& new_account_type) {
  if (!login_hint.empty()) {
    if (auto user = store_.FindUser(login_hint)) return user;
    if (login_hint.find('@') != std::string::npos) {
      UserOptions options;
      options.account_type = new_account_type;
      return store_.AddUser("", login_hint, "", options);
    }
  }
  if (default_user_.empty()) return std::nullopt;
  return store_.FindUser(default_user_);
}

int ProviderServer::Bind(const std::string& host, int port) {
  if (port == 0) {
    port_ = http_->bind_to_any_port(host);
  } else {
    port_ = http_->bind_to_port(host, port) ? port : -1;
  }
  return port_;
}

void ProviderServer::Listen() { http_->listen_after_bind(); }

void ProviderServer::Stop() {
  if (http_) http_->stop();
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(), "application/json; charset=UTF-8");
}

std::optional<json> ParseJsonBody(const std::string& body) {
  if (body.empty()) return json::object();
  json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) return std::nullopt;
  return j;
}

void SendBytes(const httplib::Request& req, httplib::Response& res, const std::string& content,
               const std::string& content_type) {
  res.set_header("Accept-Ranges", "bytes");
  if (req.ranges.size() == 1 && !content.empty()) {
    auto [first, last] = req.ranges[0];
    int64_t size = static_cast<int64_t>(content.size());
    if (first < 0) {  // suffix range: last N bytes
      first = std::max<int64_t>(0, size - last);
      last = size - 1;
    }
    if (last < 0 || last >= size) last = size - 1;
    if (first >= size || first > last) {
      res.status = 416;
      res.set_header("Content-Range", "bytes */" + std::to_string(size));
      return;
    }
    res.status = 206;
    res.set_header("Content-Range", "bytes " + std::to_string(first) + "-" + std::to_string(last) +
                                        "/" + std::to_string(size));
    res.set_content(content.substr(first, last - first + 1), content_type);
    return;
  }
  res.status = 200;
  res.set_content(content, content_type);
}

namespace {

json ItemSummary(Store& store, const Item& item) {
  json revisions = json::array();
  for (const auto& r : item.revisions) {
    revisions.push_back(
        {{"id", r.id}, {"size", r.content.size()}, {"keep_forever", r.keep_forever}});
  }
  return {{"id", item.id},
          {"user", item.user_id},
          {"name", item.name},
          {"path", store.PathOf(item)},
          {"folder", item.folder},
          {"native", item.native},
          {"mime_type", item.mime_type},
          {"size", item.size()},
          {"trashed", item.trashed},
          {"revisions", revisions},
          {"shared_link", item.shared_link},
          {"seq", item.seq}};
}

std::string ResolveUserId(ProviderServer& server, const json& j) {
  std::string who = j.value("user", server.default_user());
  auto user = server.store().FindUser(who);
  return user ? user->id : "";
}

json UserJson(const User& u) {
  return {{"id", u.id},
          {"email", u.email},
          {"name", u.name},
          {"root", u.root_id},
          {"account_type", u.account_type},
          {"version_history_days", u.retention.history_days},
          {"max_versions", u.retention.max_versions},
          {"paid", u.retention.paid}};
}

// The account type and retention fields of a seeded user; wrong types are
// refused rather than ignored.
absl::StatusOr<UserOptions> ParseUserOptions(const json& u) {
  UserOptions o;
  auto bad = [](const char* field, const char* type) {
    return absl::InvalidArgumentError(std::string(field) + " must be " + type);
  };
  if (u.contains("account_type")) {
    if (!u["account_type"].is_string()) return bad("account_type", "a string");
    o.account_type = u["account_type"].get<std::string>();
    if (*o.account_type != "personal" && *o.account_type != "business") {
      return absl::InvalidArgumentError("account_type must be \"personal\" or \"business\"");
    }
  }
  if (u.contains("version_history_days")) {
    if (!u["version_history_days"].is_number_integer()) {
      return bad("version_history_days", "an integer");
    }
    o.history_days = u["version_history_days"].get<int64_t>();
  }
  if (u.contains("max_versions")) {
    if (!u["max_versions"].is_number_integer()) return bad("max_versions", "an integer");
    o.max_versions = u["max_versions"].get<int>();
  }
  if (u.contains("paid")) {
    if (!u["paid"].is_boolean()) return bad("paid", "a boolean");
    o.paid = u["paid"].get<bool>();
  }
  return o;
}

void AdminError(httplib::Response& res, int status, const std::string& msg) {
  SendJson(res, status, {{"error", msg}});
}

}  // namespace

absl::StatusOr<json> ApplySeed(ProviderServer& server, const json& seed) {
  Store& store = server.store();
  json out = {{"users", json::array()}, {"files", json::array()}};
  auto applies = [&](const json& entry) {
    if (!entry.contains("provider")) return true;
    return entry["provider"].get<std::string>() == server.name();
  };
  for (const auto& u : seed.value("users", json::array())) {
    if (!applies(u)) continue;
    absl::StatusOr<UserOptions> options = ParseUserOptions(u);
    if (!options.ok()) return options.status();
    const std::string id = u.value("id", std::string());
    const std::string email = u.value("email", std::string());
    // An existing user is updated (and a bad value refused) before AddUser
    // returns it.
    const std::string& key = id.empty() ? email : id;
    if (!key.empty() && store.FindUser(key)) {
      if (auto updated = store.UpdateUser(key, *options); !updated.ok()) return updated.status();
    }
    User user = store.AddUser(id, email, u.value("name", std::string()), *options);
    out["users"].push_back(UserJson(user));
  }
  for (const auto& f : seed.value("files", json::array())) {
    if (!applies(f)) continue;
    std::string user_id = ResolveUserId(server, f);
    if (user_id.empty()) {
      return absl::NotFoundError("unknown user " + f.value("user", std::string()));
    }
    std::string path = f.value("path", std::string());
    if (path.empty()) return absl::InvalidArgumentError("file without path");
    absl::StatusOr<Item> item;
    if (f.value("folder", false)) {
      item = store.MakeFolders(user_id, path);
    } else {
      bool native = f.value("native", false);
      std::string mime = f.value("mime_type", std::string());
      if (native && mime.empty()) mime = "application/vnd.google-apps.document";
      std::vector<std::string> contents;
      if (f.contains("revisions")) {
        for (const auto& c : f["revisions"]) contents.push_back(c.get<std::string>());
      } else if (f.contains("content_base64")) {
        std::string bytes;
        if (!Base64Decode(f["content_base64"].get<std::string>(), &bytes)) {
          return absl::InvalidArgumentError(path + ": content_base64 is not base64");
        }
        contents.push_back(std::move(bytes));
      } else {
        contents.push_back(f.value("content", std::string()));
      }
      for (const auto& content : contents) {
        item = store.PutAtPath(user_id, path, content, mime, native);
        if (!item.ok()) break;
      }
    }
    if (!item.ok()) return item.status();
    out["files"].push_back({{"id", item->id},
                            {"path", store.PathOf(*item)},
                            {"revision", item->head() ? item->head()->id : ""}});
  }
  if (seed.contains("generate")) {
    const json& g = seed["generate"];
    if (applies(g)) {
      std::string user_id = ResolveUserId(server, g);
      if (user_id.empty()) return absl::NotFoundError("unknown user");
      std::string folder = g.value("folder", std::string("/bulk"));
      std::string prefix = g.value("prefix", std::string("file-"));
      int count = g.value("count", 0);
      int size = g.value("size", 64);
      for (int i = 0; i < count; ++i) {
        std::string name = prefix + std::to_string(i) + ".txt";
        std::string content(static_cast<size_t>(size), 'x');
        std::string label = name + "\n";
        content.replace(0, std::min(label.size(), content.size()), label.substr(0, content.size()));
        auto item = store.PutAtPath(user_id, folder + "/" + name, content, "text/plain", false);
        if (!item.ok()) return item.status();
      }
      out["generated"] = count;
    }
  }
  return out;
}

namespace {

// A registered client as the admin API shows it: never its secret.
json ClientJson(const OAuthClient& c) {
  return {{"client_id", c.client_id},
          {"redirect_uris", c.redirect_uris},
          {"public", c.client_secret.empty()}};
}

// POST /_emulator/clients: {"client_id", "client_secret"?, "redirect_uris": [...]}
// (or an array of them) registers clients; GET lists them.
void InstallClientAdmin(ProviderServer& server) {
  ProviderServer* s = &server;
  server.http().Post(
      "/_emulator/clients", [s](const httplib::Request& req, httplib::Response& res) {
        auto body = ParseJsonBody(req.body);
        if (!body || !(body->is_object() || body->is_array())) {
          return AdminError(res, 400, "expected a client object or an array of them");
        }
        json list = body->is_array() ? *body : json::array({*body});
        std::vector<OAuthClient> clients;
        for (const json& c : list) {
          if (!c.is_object()) return AdminError(res, 400, "a client must be an object");
          auto id = c.find("client_id");
          if (id == c.end() || !id->is_string() || id->get<std::string>().empty()) {
            return AdminError(res, 400, "client_id must be a non-empty string");
          }
          OAuthClient client;
          client.client_id = id->get<std::string>();
          if (auto secret = c.find("client_secret"); secret != c.end() && !secret->is_null()) {
            if (!secret->is_string()) return AdminError(res, 400, "client_secret must be a string");
            client.client_secret = secret->get<std::string>();
          }
          auto uris = c.find("redirect_uris");
          if (uris == c.end() || !uris->is_array()) {
            return AdminError(res, 400, "redirect_uris must be an array of absolute URIs");
          }
          for (const json& u : *uris) {
            if (!u.is_string() || u.get<std::string>().find("://") == std::string::npos) {
              return AdminError(res, 400, "redirect_uris must be an array of absolute URIs");
            }
            client.redirect_uris.push_back(u.get<std::string>());
          }
          clients.push_back(std::move(client));
        }
        json out = json::array();
        for (auto& c : clients) {
          out.push_back(ClientJson(c));
          s->oauth().RegisterClient(std::move(c));
        }
        SendJson(res, 200, {{"clients", out}});
      });
  server.http().Get("/_emulator/clients", [s](const httplib::Request&, httplib::Response& res) {
    json out = json::array();
    for (const auto& c : s->oauth().Clients()) out.push_back(ClientJson(c));
    SendJson(res, 200, {{"clients", out}});
  });
}

}  // namespace

void InstallAdminApi(ProviderServer& server) {
  httplib::Server& http = server.http();
  Store& store = server.store();
  ProviderServer* s = &server;

  http.Get("/_emulator/health", [s, &store](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200,
             {{"provider", s->name()},
              {"port", s->port()},
              {"items", store.ItemCount()},
              {"latest_seq", store.LatestSeq()},
              {"token_ttl", s->oauth().ttl_seconds()},
              {"default_user", s->default_user()}});
  });

  http.Get("/_emulator/users", [&store](const httplib::Request&, httplib::Response& res) {
    json users = json::array();
    for (const auto& u : store.Users()) users.push_back(UserJson(u));
    SendJson(res, 200, {{"users", users}});
  });

  auto seed = [s](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req.body);
    if (!body) return AdminError(res, 400, "invalid JSON");
    json doc = *body;
    if (req.path == "/_emulator/users" && !doc.contains("users")) {
      doc = {{"users", doc.is_array() ? doc : json::array({doc})}};
    }
    if (req.path == "/_emulator/files" && doc.contains("files") == false &&
        !doc.contains("generate")) {
      return AdminError(res, 400, "expected files or generate");
    }
    if (req.path == "/_emulator/files" && doc.contains("user")) {
      for (auto& f : doc["files"]) {
        if (!f.contains("user")) f["user"] = doc["user"];
      }
      if (doc.contains("generate") && !doc["generate"].contains("user")) {
        doc["generate"]["user"] = doc["user"];
      }
    }
    auto result = ApplySeed(*s, doc);
    if (!result.ok()) {
      return AdminError(res, result.status().code() == absl::StatusCode::kNotFound ? 404 : 400,
                        std::string(result.status().message()));
    }
    SendJson(res, 200, *result);
  };
  http.Post("/_emulator/users", seed);
  http.Post("/_emulator/files", seed);
  http.Post("/_emulator/seed", seed);

  http.Get("/_emulator/files", [s, &store](const httplib::Request& req, httplib::Response& res) {
    json q = {{"user", req.get_param_value("user")}};
    if (q["user"] == "") q.erase("user");
    std::string user_id = ResolveUserId(*s, q);
    // An id names its item whoever owns it (not only the default user's).
    if (!q.contains("user") && req.has_param("id")) {
      if (auto owner = store.OwnerOf(req.get_param_value("id"))) user_id = *owner;
    }
    if (user_id.empty()) return AdminError(res, 404, "unknown user");
    absl::StatusOr<Item> item = req.has_param("id")
                                    ? store.Get(user_id, req.get_param_value("id"))
                                    : store.GetByPath(user_id, req.get_param_value("path"));
    if (!item.ok()) return AdminError(res, 404, "not found");
    json out = ItemSummary(store, *item);
    if (item->folder) {
      json children = json::array();
      auto page = store.ListChildren(user_id, item->id, "", 1000);
      for (const auto& c : page.items) children.push_back(c.name);
      out["children"] = children;
    }
    SendJson(res, 200, out);
  });

  // Outside changes: what another app or the user does directly.
  http.Post("/_emulator/changes", [s, &store](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req.body);
    if (!body) return AdminError(res, 400, "invalid JSON");
    const json& j = *body;
    std::string id = j.value("id", std::string());
    std::string user_id;
    if (!id.empty()) {
      auto owner = store.OwnerOf(id);
      if (!owner) return AdminError(res, 404, "no such item " + id);
      user_id = *owner;
    } else {
      user_id = ResolveUserId(*s, j);
      if (user_id.empty()) return AdminError(res, 404, "unknown user");
      auto item = store.GetByPath(user_id, j.value("path", std::string()));
      if (!item.ok()) return AdminError(res, 404, "no such path");
      id = item->id;
    }
    std::string action = j.value("action", std::string());
    absl::StatusOr<Item> item = absl::InvalidArgumentError("unknown action");
    if (action == "rename" || action == "move") {
      std::optional<std::string> name, parent;
      if (j.contains("name")) name = j["name"].get<std::string>();
      if (j.contains("parent")) parent = j["parent"].get<std::string>();
      item = store.Move(user_id, id, name, parent);
    } else if (action == "content") {
      item = store.UpdateContent(user_id, id, j.value("content", std::string()));
    } else if (action == "trash" || action == "untrash") {
      item = store.SetTrashed(user_id, id, action == "trash");
    } else if (action == "delete") {
      auto st = store.Delete(user_id, id);
      if (!st.ok()) return AdminError(res, 400, std::string(st.message()));
      return SendJson(res, 200, {{"deleted", id}, {"latest_seq", store.LatestSeq()}});
    }
    if (!item.ok()) return AdminError(res, 400, std::string(item.status().message()));
    SendJson(res, 200, ItemSummary(store, *item));
  });

  http.Post(R"(/_emulator/users/([^/]+)/revoke)",
            [s, &store](const httplib::Request& req, httplib::Response& res) {
              auto user = store.FindUser(PercentDecode(std::string(req.matches[1])));
              if (!user) return AdminError(res, 404, "unknown user");
              s->oauth().RevokeUser(user->id);
              SendJson(res, 200, {{"revoked", user->id}});
            });

  http.Post("/_emulator/tokens", [s](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req.body);
    if (!body) return AdminError(res, 400, "invalid JSON");
    std::string user_id = ResolveUserId(*s, *body);
    if (user_id.empty()) return AdminError(res, 404, "unknown user");
    TokenGrant g = s->oauth().IssueTokens(user_id, body->value("client_id", std::string()),
                                          body->value("scope", std::string()));
    SendJson(res, 200,
             {{"access_token", g.access_token},
              {"refresh_token", g.refresh_token},
              {"expires_in", g.expires_in},
              {"user", user_id}});
  });

  http.Post("/_emulator/tokens/expire", [s](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req.body);
    std::string user_id;
    if (body && body->contains("user")) {
      user_id = ResolveUserId(*s, *body);
      if (user_id.empty()) return AdminError(res, 404, "unknown user");
    }
    SendJson(res, 200, {{"expired", s->oauth().ExpireAccessTokens(user_id)}});
  });

  http.Post("/_emulator/token-ttl", [s](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req.body);
    if (!body || !body->contains("seconds")) {
      return AdminError(res, 400, "expected {\"seconds\":N}");
    }
    s->oauth().set_ttl_seconds((*body)["seconds"].get<int64_t>());
    SendJson(res, 200, {{"token_ttl", s->oauth().ttl_seconds()}});
  });

  http.Post("/_emulator/clock", [&store](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req.body);
    if (!body) return AdminError(res, 400, "invalid JSON");
    store.clock().Advance(static_cast<int64_t>(body->value("advance_seconds", 0.0) * 1000));
    SendJson(res, 200, {{"now_ms", store.clock().NowMs()}});
  });

  http.Post("/_emulator/cursors/expire", [&store](const httplib::Request&, httplib::Response& res) {
    store.ExpireCursors();
    SendJson(res, 200, {{"oldest_valid_seq", store.OldestValidSeq()}});
  });

  http.Post("/_emulator/faults", [s](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req.body);
    if (!body) return AdminError(res, 400, "invalid JSON");
    json specs = body->is_array() ? *body : json::array({*body});
    json ids = json::array();
    for (const auto& spec : specs) {
      auto fault = FaultInjector::Parse(spec);
      if (!fault.ok()) return AdminError(res, 400, std::string(fault.status().message()));
      ids.push_back(s->faults().Add(*fault));
    }
    SendJson(res, 200, {{"ids", ids}});
  });
  http.Get("/_emulator/faults", [s](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, {{"faults", s->faults().ToJson()}});
  });
  http.Delete("/_emulator/faults", [s](const httplib::Request&, httplib::Response& res) {
    s->faults().Clear();
    SendJson(res, 200, {{"faults", json::array()}});
  });

  http.Get("/_emulator/requests", [s](const httplib::Request& req, httplib::Response& res) {
    size_t limit = 1000;
    if (req.has_param("limit")) limit = std::stoul(req.get_param_value("limit"));
    SendJson(res, 200, {{"requests", s->log().Entries(limit)}, {"counters", s->log().Counters()}});
  });
  http.Get("/_emulator/counters", [s](const httplib::Request&, httplib::Response& res) {
    SendJson(res, 200, s->log().Counters());
  });
  auto reset = [s](const httplib::Request&, httplib::Response& res) {
    s->log().Reset();
    SendJson(res, 200, s->log().Counters());
  };
  http.Delete("/_emulator/requests", reset);
  http.Post("/_emulator/requests/reset", reset);
  InstallClientAdmin(server);
}

}  // namespace lc::emulator

namespace lc::emulator {

std::map<std::string, std::string> OAuthParams(const httplib::Request& req) {
  std::map<std::string, std::string> params;
  for (const auto& [k, v] : req.params) params[k] = v;
  if (req.get_header_value("Content-Type").find("x-www-form-urlencoded") != std::string::npos) {
    for (const auto& [k, v] : FormDecode(req.body)) params[k] = v;
  }
  std::string auth = req.get_header_value("Authorization");
  if (StartsWith(auth, "Basic ")) {
    std::string creds;
    Base64Decode(auth.substr(6), &creds);
    auto colon = creds.find(':');
    if (colon != std::string::npos) {
      params.emplace("client_id", PercentDecode(creds.substr(0, colon)));
      params.emplace("client_secret", PercentDecode(creds.substr(colon + 1)));
    }
  }
  return params;
}

void HandleAuthorize(ProviderServer& server, const httplib::Request& req, httplib::Response& res,
                     bool offline) {
  const OAuthDialect& dialect = server.oauth().dialect();
  const std::string client_id = req.get_param_value("client_id");
  // Microsoft's authority segment (/{tenant}/oauth2/v2.0/authorize).
  const std::string tenant = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
  std::string redirect = req.get_param_value("redirect_uri");
  auto show = [&res](const ErrorPage& page) {
    res.status = page.status;
    res.set_content(page.html, "text/html; charset=utf-8");
  };
  // A strict server checks the client and its redirect URI first, and
  // never redirects to a URI it cannot trust: it shows an error page.
  if (auto refusal = server.oauth().CheckAuthorizeClient(client_id, &redirect)) {
    return show(dialect.AuthorizeRefusal(*refusal, {client_id, redirect, tenant}));
  }
  if (redirect.empty()) {
    res.status = 400;
    res.set_content("Error 400: invalid_request\nMissing redirect_uri.", "text/plain");
    return;
  }
  std::string state = req.get_param_value("state");
  std::string sep = redirect.find('?') == std::string::npos ? "?" : "&";
  if (req.get_param_value("response_type") != "code" && req.has_param("response_type")) {
    res.status = 302;
    res.set_header("Location", redirect + sep +
                                   "error=unsupported_response_type&state=" + PercentEncode(state));
    return;
  }
  // An unknown login_hint signs up an account of the kind the tenant
  // signs in (Microsoft organizations: work or school).
  auto user =
      server.ResolveLoginUser(req.get_param_value("login_hint"), dialect.NewAccountType(tenant));
  if (!user) {
    res.status = 302;
    res.set_header("Location",
                   redirect + sep + "error=access_denied&state=" + PercentEncode(state));
    return;
  }
  // Microsoft: organizations signs in work or school accounts only,
  // consumers personal ones only; the sign-in page says so and goes nowhere.
  if (auto page = dialect.RefuseAccount(tenant, user->account_type, user->email, client_id)) {
    return show(*page);
  }
  std::string code =
      server.oauth().IssueCode(user->id, client_id, redirect, req.get_param_value("scope"),
                               req.get_param_value("code_challenge"),
                               req.get_param_value("code_challenge_method").empty()
                                   ? "plain"
                                   : req.get_param_value("code_challenge_method"),
                               offline, req.get_param_value("nonce"));
  std::string location = redirect + sep + "code=" + PercentEncode(code);
  if (req.has_param("state")) location += "&state=" + PercentEncode(state);
  if (req.has_param("scope")) {
    location += "&scope=" + PercentEncode(req.get_param_value("scope"));
  }
  res.status = 302;
  res.set_header("Location", location);
}

bool GrantTokens(ProviderServer& server, const std::map<std::string, std::string>& params,
                 TokenGrant* grant, OAuthError* error, const std::string& tenant) {
  auto get = [&](const char* key) {
    auto it = params.find(key);
    return it == params.end() ? std::string() : it->second;
  };
  TokenRequest request{
      get("client_id"), get("client_secret"), get("redirect_uri"), get("code_verifier"), tenant,
      nullptr};
  // Microsoft: a grant carried to a tenant that does not sign its account
  // in is refused (a personal account's refresh token at organizations).
  request.check_account = [&server, &tenant,
                           client_id = request.client_id](const std::string& user_id) {
    auto user = server.store().FindUser(user_id);
    if (!user) return std::optional<OAuthError>();
    return server.oauth().dialect().RefuseAccountGrant(tenant, user->account_type, user->email,
                                                       client_id);
  };
  std::string type = get("grant_type");
  if (type == "authorization_code") {
    if (get("code").empty()) {
      *error = {"invalid_request", "Missing required parameter: code"};
      return false;
    }
    return server.oauth().ExchangeCode(get("code"), request, grant, error);
  }
  if (type == "refresh_token") {
    if (get("refresh_token").empty()) {
      *error = {"invalid_request", "Missing required parameter: refresh_token"};
      return false;
    }
    return server.oauth().Refresh(get("refresh_token"), request, grant, error);
  }
  *error = {"unsupported_grant_type", "Invalid grant_type: " + type};
  return false;
}

void SendTokenError(ProviderServer& server, httplib::Response& res, const OAuthError& error) {
  const OAuthDialect& dialect = server.oauth().dialect();
  SendJson(res, dialect.TokenErrorStatus(error),
           dialect.TokenErrorBody(error, server.store().clock().NowMs()));
}

}  // namespace lc::emulator
