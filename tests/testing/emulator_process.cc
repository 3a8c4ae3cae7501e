#include "testing/emulator_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "runtime/encoding.h"
#include "testing/wait.h"

namespace lc::testing {

std::map<std::string, std::string> QueryOf(const std::string& url) {
  std::map<std::string, std::string> out;
  size_t q = url.find('?');
  if (q == std::string::npos) return out;
  for (auto& [key, value] : FormDecode(url.substr(q + 1))) out[key] = std::move(value);
  return out;
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    throw std::runtime_error("bind");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

EmulatorEndpoints EmulatorEndpointsOf(const std::string& provider) {
  if (provider == "googledrive") return {"/o/oauth2/v2/auth", "/token", "/revoke"};
  if (provider == "dropbox") return {"/oauth2/authorize", "/oauth2/token", "/2/auth/token/revoke"};
  if (provider == "box") return {"/api/oauth2/authorize", "/oauth2/token", "/oauth2/revoke"};
  return {"/{tenant}/oauth2/v2.0/authorize", "/{tenant}/oauth2/v2.0/token", ""};
}

EmulatorProcess::EmulatorProcess(const std::string& bin) {
  char dir_template[] = "/tmp/lc-emu-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) throw std::runtime_error("mkdtemp");
  dir_ = dir_template;
  const std::string ports_file = dir_ + "/ports.json";
  cert_file_ = dir_ + "/cert.pem";
  const char* override_bin = std::getenv("LC_CLOUD_EMULATOR");
  const std::string path = override_bin ? override_bin : bin;
  pid_ = fork();
  if (pid_ == 0) {
    // Dies with the test process, even when that one is killed.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
    execl(path.c_str(), "cloud-emulator", "--ports-file", ports_file.c_str(), "--tls-cert-out",
          cert_file_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  // The emulator writes its ports file once it listens; stop waiting early
  // when it died instead.
  WaitFor(
      [&] {
        std::ifstream in(ports_file);
        std::stringstream buf;
        buf << in.rdbuf();
        ports_ = json::parse(buf.str(), nullptr, false);
        if (ports_.is_object()) return true;
        if (waitpid(pid_, nullptr, WNOHANG) != pid_) return false;
        pid_ = -1;  // reaped: Stop() must not signal a recycled pid
        return true;
      },
      absl::Seconds(20), absl::Milliseconds(10));
  if (!ports_.is_object()) {
    Stop();
    throw std::runtime_error("the emulator did not start: " + path);
  }
  http_ = std::make_unique<CurlHttpClient>(
      CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}, .ca_file = cert_file_});
}

EmulatorProcess::~EmulatorProcess() { Stop(); }

void EmulatorProcess::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

std::string EmulatorProcess::Base(const std::string& provider) const {
  const bool graph = provider.rfind("onedrive", 0) == 0;
  return std::string(graph ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(ports_[graph ? "onedrive" : provider].get<int>());
}

absl::StatusOr<HttpResponse> EmulatorProcess::Send(const std::string& method,
                                                   const std::string& url,
                                                   const std::string& body) {
  HttpRequest req;
  req.method = method;
  req.url = url;
  req.body = body;
  if (!body.empty()) req.headers = {{"Content-Type", "application/json"}};
  return http_->Send(req);
}

EmulatorProcess::json EmulatorProcess::Admin(const std::string& provider, const std::string& method,
                                             const std::string& path, const json& body) {
  auto r = Send(method, Base(provider) + path, body.is_null() ? "" : body.dump());
  if (!r.ok() || r->status != 200) {
    throw std::runtime_error(
        "admin " + path + ": " +
        (r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString()));
  }
  return json::parse(r->body, nullptr, false);
}

void EmulatorProcess::RegisterClient(const std::string& provider, const std::string& client_id,
                                     const std::string& client_secret,
                                     const std::vector<std::string>& redirect_uris) {
  Admin(provider, "POST", "/_emulator/clients",
        json{{"client_id", client_id},
             {"client_secret", client_secret},
             {"redirect_uris", redirect_uris}});
}

absl::StatusOr<HttpResponse> EmulatorProcess::Fetch(const std::string& url) {
  HttpRequest req;
  req.url = url;
  req.follow_redirects = true;
  return http_->Send(req);
}

int64_t EmulatorProcess::TokenCalls(const std::string& provider) {
  auto resp = Send("GET", Base(provider) + "/_emulator/counters");
  if (!resp.ok()) return -1;
  json j = json::parse(resp->body, nullptr, false);
  return j["operations"].value("oauth.token", 0);
}

int EmulatorProcess::AccountStatus(const std::string& provider, const std::string& token) {
  const std::string base = Base(provider);
  HttpRequest req;
  req.headers = {{"Authorization", "Bearer " + token}};
  if (provider == "googledrive") {
    req.url = base + "/drive/v3/about?fields=user";
  } else if (provider == "dropbox") {
    // An RPC route: a JSON body (an empty POST would be typed as a form).
    req.method = "POST";
    req.url = base + "/2/users/get_current_account";
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = "null";
  } else if (provider == "box") {
    req.url = base + "/2.0/users/me";
  } else {
    req.url = base + "/v1.0/me";
  }
  auto resp = http_->Send(req);
  return resp.ok() ? resp->status : -1;
}

}  // namespace lc::testing
