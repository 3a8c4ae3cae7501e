// A fake OAuth2 provider inside the test process (cpp-httplib on
// 127.0.0.1:0): token endpoint (authorization_code with a PKCE S256 check,
// refresh_token with optional Box-style rotation), the four providers'
// account endpoints, their revoke endpoints, and counters of every call.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace lc::testing {

class FakeProvider {
 public:
  static constexpr char kClientId[] = "test-client-id";
  static constexpr char kClientSecret[] = "cs-TOP-SECRET-5e1f0c";

  FakeProvider();
  ~FakeProvider();

  std::string base_url() const;

  // What the user's consent at the authorize page would produce: a code
  // bound to the client, redirect URI and PKCE challenge, for `account`.
  std::string ApproveCode(const std::string& redirect_uri, const std::string& code_challenge,
                          const std::string& account);

  // Knobs.
  std::atomic<bool> rotate_refresh{false};    // Box: single-use refresh tokens
  std::atomic<bool> issue_refresh{true};      // false: no refresh token (no offline access)
  std::atomic<int> refresh_http_status{200};  // e.g. 503 to fail refreshes
  std::atomic<int> expires_in{3600};
  std::atomic<int> token_delay_ms{0};  // slows the token endpoint (widens races)

  // Counters and records.
  int refresh_calls() const { return refresh_calls_.load(); }
  int code_calls() const { return code_calls_.load(); }
  void ResetCounters();
  // The account endpoints accept any bearer token as `account` (tokens
  // issued by another server, such as oauth2-mock-server); "" turns it off.
  void AcceptAnyBearerAs(const std::string& account);
  // Makes every refresh token of `account` invalid (as a revoked grant).
  void RevokeGrantsOf(const std::string& account);
  // Every token, code and verifier the fake issued or received.
  std::vector<std::string> AllSecrets() const;
  std::vector<std::string> revoke_requests() const;
  // The refresh token currently valid for an account ("" when none).
  std::string RefreshTokenOf(const std::string& account) const;
  bool AccessTokenValid(const std::string& token) const;

 private:
  struct Code {
    std::string redirect_uri, challenge, account;
  };
  std::string Issue(const std::string& prefix);

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, Code> codes_;
  std::map<std::string, std::string> access_;   // token -> account
  std::map<std::string, std::string> refresh_;  // token -> account
  std::vector<std::string> secrets_;
  std::vector<std::string> revokes_;
  std::string any_bearer_account_;
  std::atomic<int> refresh_calls_{0};
  std::atomic<int> code_calls_{0};
  int counter_ = 0;
};

}  // namespace lc::testing
