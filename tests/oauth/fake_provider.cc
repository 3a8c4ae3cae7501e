#include "fake_provider.h"

#include <httplib.h>
#include <openssl/sha.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>

#include "runtime/jwt.h"
#include "testing/wait.h"

namespace lc::testing {
namespace {

using json = nlohmann::json;

std::string S256(const std::string& verifier) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(verifier.data()), verifier.size(), d);
  return Base64UrlEncode(std::string(reinterpret_cast<char*>(d), sizeof(d)));
}

void Error(httplib::Response& res, int status, const std::string& error) {
  res.status = status;
  res.set_content(json{{"error", error}, {"error_description", "fake: " + error}}.dump(),
                  "application/json");
}

std::string Bearer(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  return h.rfind("Bearer ", 0) == 0 ? h.substr(7) : "";
}

}  // namespace

FakeProvider::FakeProvider() : server_(std::make_unique<httplib::Server>()) {
  auto& s = *server_;
  s.Post("/token", [this](const httplib::Request& req, httplib::Response& res) {
    if (token_delay_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(token_delay_ms.load()));
    }
    if (req.get_param_value("client_id") != kClientId ||
        req.get_param_value("client_secret") != kClientSecret) {
      return Error(res, 401, "invalid_client");
    }
    const std::string grant = req.get_param_value("grant_type");
    std::lock_guard<std::mutex> lock(mu_);
    std::string account;
    if (grant == "authorization_code") {
      ++code_calls_;
      auto it = codes_.find(req.get_param_value("code"));
      if (it == codes_.end()) return Error(res, 400, "invalid_grant");
      Code code = it->second;
      codes_.erase(it);  // single use
      const std::string verifier = req.get_param_value("code_verifier");
      secrets_.push_back(verifier);
      if (code.redirect_uri != req.get_param_value("redirect_uri") ||
          S256(verifier) != code.challenge) {
        return Error(res, 400, "invalid_grant");
      }
      account = code.account;
    } else if (grant == "refresh_token") {
      ++refresh_calls_;
      if (refresh_http_status != 200) {
        res.status = refresh_http_status;
        res.set_content("{\"error\":\"temporarily_unavailable\"}", "application/json");
        return;
      }
      auto it = refresh_.find(req.get_param_value("refresh_token"));
      if (it == refresh_.end()) return Error(res, 400, "invalid_grant");
      account = it->second;
      if (rotate_refresh) refresh_.erase(it);
    } else {
      return Error(res, 400, "unsupported_grant_type");
    }
    json body = {{"access_token", Issue("at")},
                 {"token_type", "bearer"},
                 {"expires_in", expires_in.load()},
                 {"scope", "files.read files.write"}};
    access_[body["access_token"]] = account;
    if ((grant == "authorization_code" && issue_refresh) ||
        (grant == "refresh_token" && rotate_refresh)) {
      std::string rt = Issue("rt");
      refresh_[rt] = account;
      body["refresh_token"] = rt;
    }
    res.set_content(body.dump(), "application/json");
  });

  // Account endpoints, one per dialect.
  auto whoami = [this](const httplib::Request& req, std::string* account) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = access_.find(Bearer(req));
    if (it == access_.end()) {
      if (any_bearer_account_.empty() || Bearer(req).empty()) return false;
      *account = any_bearer_account_;
      return true;
    }
    *account = it->second;
    return true;
  };
  s.Get("/drive/v3/about", [whoami](const httplib::Request& req, httplib::Response& res) {
    std::string a;
    if (!whoami(req, &a)) return Error(res, 401, "invalid_token");
    res.set_content(json{{"user", {{"emailAddress", a}, {"displayName", "G " + a}}}}.dump(),
                    "application/json");
  });
  s.Post("/2/users/get_current_account", [whoami](const httplib::Request& req,
                                                  httplib::Response& res) {
    std::string a;
    if (!whoami(req, &a)) return Error(res, 401, "invalid_access_token");
    res.set_content(
        json{{"account_id", "dbid:" + a}, {"email", a}, {"name", {{"display_name", "D " + a}}}}
            .dump(),
        "application/json");
  });
  s.Get("/2.0/users/me", [whoami](const httplib::Request& req, httplib::Response& res) {
    std::string a;
    if (!whoami(req, &a)) return Error(res, 401, "unauthorized");
    res.set_content(json{{"type", "user"}, {"login", a}, {"name", "B " + a}}.dump(),
                    "application/json");
  });
  s.Get("/v1.0/me", [whoami](const httplib::Request& req, httplib::Response& res) {
    std::string a;
    if (!whoami(req, &a)) return Error(res, 401, "InvalidAuthenticationToken");
    res.set_content(
        json{{"userPrincipalName", a}, {"mail", nullptr}, {"displayName", "M " + a}}.dump(),
        "application/json");
  });

  // Revoke endpoints: Google (?token=), Dropbox (bearer), Box (form + client).
  auto revoke_grant = [this](const std::string& token, const std::string& style) {
    std::lock_guard<std::mutex> lock(mu_);
    revokes_.push_back(style);
    std::string account;
    if (auto it = refresh_.find(token); it != refresh_.end()) account = it->second;
    if (auto it = access_.find(token); it != access_.end()) account = it->second;
    if (account.empty()) return false;
    for (auto* m : {&refresh_, &access_}) {
      for (auto it = m->begin(); it != m->end();) {
        it = it->second == account ? m->erase(it) : std::next(it);
      }
    }
    return true;
  };
  s.Post("/revoke", [revoke_grant](const httplib::Request& req, httplib::Response& res) {
    if (!revoke_grant(req.get_param_value("token"), "google"))
      return Error(res, 400, "invalid_token");
    res.set_content("{}", "application/json");
  });
  s.Post("/2/auth/token/revoke",
         [revoke_grant](const httplib::Request& req, httplib::Response& res) {
           if (!revoke_grant(Bearer(req), "dropbox"))
             return Error(res, 401, "invalid_access_token");
           res.set_content("null", "application/json");
         });
  s.Post("/oauth2/revoke",
         [this, revoke_grant](const httplib::Request& req, httplib::Response& res) {
           if (req.get_param_value("client_id") != kClientId ||
               req.get_param_value("client_secret") != kClientSecret) {
             return Error(res, 401, "invalid_client");
           }
           if (!revoke_grant(req.get_param_value("token"), "box"))
             return Error(res, 400, "invalid_token");
           res.status = 200;
         });

  port_ = s.bind_to_any_port("127.0.0.1");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() is a no-op until the server runs: the destructor must not race it.
  if (!WaitFor([this] { return server_->is_running(); }, absl::Seconds(10),
               absl::Milliseconds(1))) {
    throw std::runtime_error("the fake provider did not start");
  }
}

FakeProvider::~FakeProvider() {
  server_->stop();
  thread_.join();
}

std::string FakeProvider::base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }

std::string FakeProvider::Issue(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string token = prefix + "-" + std::to_string(++counter_) + "-" + std::to_string(rng());
  secrets_.push_back(token);
  return token;
}

std::string FakeProvider::ApproveCode(const std::string& redirect_uri,
                                      const std::string& code_challenge,
                                      const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string code = Issue("code");
  codes_[code] = Code{redirect_uri, code_challenge, account};
  return code;
}

void FakeProvider::ResetCounters() {
  refresh_calls_ = 0;
  code_calls_ = 0;
}

void FakeProvider::AcceptAnyBearerAs(const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  any_bearer_account_ = account;
}

void FakeProvider::RevokeGrantsOf(const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = refresh_.begin(); it != refresh_.end();) {
    it = it->second == account ? refresh_.erase(it) : std::next(it);
  }
}

std::vector<std::string> FakeProvider::AllSecrets() const {
  std::lock_guard<std::mutex> lock(mu_);
  return secrets_;
}

std::vector<std::string> FakeProvider::revoke_requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return revokes_;
}

std::string FakeProvider::RefreshTokenOf(const std::string& account) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [token, a] : refresh_) {
    if (a == account) return token;
  }
  return "";
}

bool FakeProvider::AccessTokenValid(const std::string& token) const {
  std::lock_guard<std::mutex> lock(mu_);
  return access_.count(token) > 0;
}

}  // namespace lc::testing
