// The external OAuth2 servers the oauth tests run against, as child
// processes on free loopback ports: the cloud emulator (tools/cloud-emulator)
// and oauth2-mock-server (npm, tests/oauth/mock-oauth2). Shared by
// tests/oauth and tests/oauth_gateway.
#pragma once

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "runtime/http_client.h"

namespace lc::testing {

// The decoded query parameters of a URL ("" keys absent).
inline std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  for (absl::string_view part : absl::StrSplit(url.substr(q + 1), '&')) {
    std::pair<std::string, std::string> kv = absl::StrSplit(part, absl::MaxSplits('=', 1));
    std::string v;
    for (size_t i = 0; i < kv.second.size(); ++i) {
      if (kv.second[i] == '%' && i + 2 < kv.second.size()) {
        v += static_cast<char>(std::stoi(kv.second.substr(i + 1, 2), nullptr, 16));
        i += 2;
      } else {
        v += kv.second[i] == '+' ? ' ' : kv.second[i];
      }
    }
    out[kv.first] = v;
  }
  return out;
}

// The emulator's OAuth endpoint paths per registry entry (as ./scripts/up
// configures them); "{tenant}" is filled in by the oauth service.
struct EmulatorEndpoints {
  std::string auth, token, revoke;
};

inline EmulatorEndpoints EmulatorEndpointsOf(const std::string& provider) {
  if (provider == "googledrive") return {"/o/oauth2/v2/auth", "/token", "/revoke"};
  if (provider == "dropbox") return {"/oauth2/authorize", "/oauth2/token", "/2/auth/token/revoke"};
  if (provider == "box") return {"/api/oauth2/authorize", "/oauth2/token", "/oauth2/revoke"};
  return {"/{tenant}/oauth2/v2.0/authorize", "/{tenant}/oauth2/v2.0/token", ""};
}

// The emulator binary as a child process on free loopback ports. `bin` is
// the binary built beside the test; LC_CLOUD_EMULATOR overrides it.
class EmulatorProcess {
 public:
  explicit EmulatorProcess(const std::string& bin) {
    char dir_template[] = "/tmp/lc-emu-XXXXXX";
    if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp");
    dir_ = dir_template;
    const std::string ports_file = dir_ + "/ports.json";
    cert_file_ = dir_ + "/cert.pem";
    const char* override_bin = std::getenv("LC_CLOUD_EMULATOR");
    const std::string path = override_bin ? override_bin : bin;
    pid_ = fork();
    if (pid_ == 0) {
      if (freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
      execl(path.c_str(), "cloud-emulator", "--ports-file", ports_file.c_str(), "--tls-cert-out",
            cert_file_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Start-up, not a test condition: poll for the ports file (at most 20 s).
    for (int i = 0; i < 2000; ++i) {
      std::ifstream in(ports_file);
      if (in) {
        std::stringstream buf;
        buf << in.rdbuf();
        ports_ = nlohmann::json::parse(buf.str(), nullptr, false);
        if (ports_.is_object()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!ports_.is_object()) {
      Stop();
      throw std::runtime_error("the emulator did not start: " + path);
    }
    http_ = std::make_unique<CurlHttpClient>(
        CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}, .ca_file = cert_file_});
  }
  ~EmulatorProcess() { Stop(); }
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  // The emulator's self-signed certificate (the CA for its HTTPS ports).
  const std::string& ca_file() const { return cert_file_; }
  // onedrive and onedrive-business share the Graph emulator (TLS only).
  std::string Base(const std::string& provider) const {
    const bool graph = provider.rfind("onedrive", 0) == 0;
    return std::string(graph ? "https" : "http") +
           "://127.0.0.1:" + std::to_string(ports_[graph ? "onedrive" : provider].get<int>());
  }

  absl::StatusOr<HttpResponse> Send(const std::string& method, const std::string& url,
                                    const std::string& body = "") {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    if (!body.empty()) req.headers = {{"Content-Type", "application/json"}};
    return http_->Send(req);
  }
  int64_t TokenCalls(const std::string& provider) {
    auto resp = Send("GET", Base(provider) + "/_emulator/counters");
    if (!resp.ok()) return -1;
    nlohmann::json j = nlohmann::json::parse(resp->body, nullptr, false);
    return j["operations"].value("oauth.token", 0);
  }

  // Calls the provider's account endpoint with `token`: the HTTP status
  // (200 for a live token), -1 when the call itself failed.
  int AccountStatus(const std::string& provider, const std::string& token) {
    const std::string base = Base(provider);
    HttpRequest req;
    req.headers = {{"Authorization", "Bearer " + token}};
    if (provider == "googledrive") {
      req.url = base + "/drive/v3/about?fields=user";
    } else if (provider == "dropbox") {
      req.method = "POST";
      req.url = base + "/2/users/get_current_account";
    } else if (provider == "box") {
      req.url = base + "/2.0/users/me";
    } else {
      req.url = base + "/v1.0/me";
    }
    auto resp = http_->Send(req);
    return resp.ok() ? resp->status : -1;
  }

 private:
  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string dir_, cert_file_;
  pid_t pid_ = -1;
  nlohmann::json ports_;
  std::unique_ptr<CurlHttpClient> http_;
};

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
