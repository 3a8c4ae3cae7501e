// The cloud emulator binary as a child process on free loopback ports, with
// helpers for its admin API (seeding, outside changes, faults, request log).
#pragma once

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include "runtime/http_client.h"

namespace lc::testing {

class EmulatorProcess {
 public:
  using json = nlohmann::json;

  EmulatorProcess() {
    char dir_template[] = "/tmp/lc-prov-emu-XXXXXX";
    dir_ = mkdtemp(dir_template);
    const std::string ports_file = dir_ + "/ports.json";
    cert_file_ = dir_ + "/cert.pem";
    // LC_CLOUD_EMULATOR overrides the binary built beside this test.
    const char* override_bin = std::getenv("LC_CLOUD_EMULATOR");
    const std::string bin = override_bin ? override_bin : LC_CLOUD_EMULATOR_BIN;
    pid_ = fork();
    if (pid_ == 0) {
      // Dies with the test process, even when that one is killed.
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (freopen("/dev/null", "w", stdout) == nullptr) _exit(126);
      execl(bin.c_str(), "cloud-emulator", "--ports-file", ports_file.c_str(), "--tls-cert-out",
            cert_file_.c_str(), static_cast<char*>(nullptr));
      _exit(127);
    }
    // Start-up, not a test condition: poll for the ports file (at most 20 s).
    for (int i = 0; i < 2000; ++i) {
      std::ifstream in(ports_file);
      if (in) {
        std::stringstream buf;
        buf << in.rdbuf();
        ports_ = json::parse(buf.str(), nullptr, false);
        if (ports_.is_object()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (!ports_.is_object()) throw std::runtime_error("the emulator did not start");
    http_ = std::make_unique<CurlHttpClient>(
        CurlHttpClient::Options{.retry = RetryPolicy{.max_attempts = 1}, .ca_file = cert_file_});
  }
  ~EmulatorProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }

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
  // An admin call that must work; its JSON answer.
  json Admin(const std::string& provider, const std::string& method, const std::string& path,
             const json& body = nullptr) {
    auto r = Send(method, Base(provider) + path, body.is_null() ? "" : body.dump());
    if (!r.ok() || r->status != 200) {
      throw std::runtime_error(
          "admin " + path + ": " +
          (r.ok() ? std::to_string(r->status) + " " + r->body : r.status().ToString()));
    }
    return json::parse(r->body, nullptr, false);
  }
  // GET without a token (short-lived links).
  absl::StatusOr<HttpResponse> Fetch(const std::string& url) {
    HttpRequest req;
    req.url = url;
    req.follow_redirects = true;
    return http_->Send(req);
  }

 private:
  std::string dir_, cert_file_;
  pid_t pid_ = -1;
  json ports_;
  std::unique_ptr<CurlHttpClient> http_;
};

}  // namespace lc::testing
