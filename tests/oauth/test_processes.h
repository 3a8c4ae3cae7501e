// oauth2-mock-server (npm, tests/oauth/mock-oauth2) as a child process on a
// free loopback port: an external OAuth2 server the oauth tests run against.
// Shared by tests/oauth and tests/oauth_gateway. The cloud emulator, the
// other one, is testing/emulator_process.h.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "runtime/jwt.h"

namespace lc::testing {

// The claims server.mjs puts in each token it signs: "grant" (the grant type
// that produced it) and "pkce" (a code_verifier came with the request); an
// empty object when `jwt` is not a JWT.
inline nlohmann::json MockTokenClaims(const std::string& jwt) {
  std::vector<std::string> parts = absl::StrSplit(jwt, '.');
  std::string payload;
  if (parts.size() != 3 || !Base64UrlDecode(parts[1], &payload)) return nlohmann::json::object();
  auto claims = nlohmann::json::parse(payload, nullptr, false);
  return claims.is_object() ? claims : nlohmann::json::object();
}

// True when `npm ci` ran in the mock server's folder.
inline bool MockServerInstalled(const std::string& dir) {
  struct stat st;
  return stat((dir + "/node_modules/oauth2-mock-server").c_str(), &st) == 0;
}

// oauth2-mock-server started by `node server.mjs` in `dir`, which prints
// {"url": "http://127.0.0.1:PORT"} once it listens.
class MockOAuthServer {
 public:
  explicit MockOAuthServer(const std::string& dir) {
    int fds[2];
    if (pipe(fds) != 0) throw std::runtime_error("pipe");
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      if (chdir(dir.c_str()) != 0) _exit(126);
      execlp("node", "node", "server.mjs", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    FILE* out = fdopen(fds[0], "r");
    char line[512] = {0};
    const bool started = out != nullptr && fgets(line, sizeof(line), out) != nullptr;
    if (out != nullptr) fclose(out);
    auto parsed = nlohmann::json::parse(started ? line : "", nullptr, false);
    if (!parsed.is_object() || !parsed.contains("url")) {
      Stop();
      throw std::runtime_error("oauth2-mock-server did not start in " + dir);
    }
    url_ = parsed["url"].get<std::string>();
  }
  ~MockOAuthServer() { Stop(); }
  MockOAuthServer(const MockOAuthServer&) = delete;
  MockOAuthServer& operator=(const MockOAuthServer&) = delete;

  const std::string& url() const { return url_; }

 private:
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  pid_t pid_ = -1;
  std::string url_;
};

}  // namespace lc::testing
