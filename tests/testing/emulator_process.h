// The cloud emulator (tools/cloud-emulator) as a child process on free
// loopback ports, for every suite that runs against it (oauth,
// oauth_gateway, providers, sync, indexer): its ports file, its TLS
// certificate, its admin API (seeding, outside changes, faults, request log,
// counters), and the small URL helpers those suites share.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "runtime/http_client.h"

namespace lc::testing {

// The decoded query parameters of a URL (%XX and '+' decoded in keys and
// values; "" for an absent value; the last of repeated keys wins).
std::map<std::string, std::string> QueryOf(const std::string& url);

// A free loopback port, for a server that must name its port before it binds
// (another process may still take it: retry on a failed bind).
int FreeLoopbackPort();

// The emulator's OAuth endpoint paths per registry entry (as ./scripts/up
// configures them); "{tenant}" is filled in by the oauth service. `revoke`
// is "" where the provider has no revocation endpoint (Microsoft).
struct EmulatorEndpoints {
  std::string auth, token, revoke;
};
EmulatorEndpoints EmulatorEndpointsOf(const std::string& provider);

// Names the instances of a test parameterized by provider after it
// ("onedrive-business" -> "onedrive_business": gtest names allow no '-').
struct ProviderParamName {
  template <class ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    std::string name = info.param;
    for (char& c : name) {
      if (c == '-') c = '_';
    }
    return name;
  }
};

// The emulator binary as a child process: it picks free ports itself and
// writes them to a ports file, and writes its self-signed certificate (for
// the Graph emulator's HTTPS port) beside it. The child dies with the test
// process. `bin` is the binary built beside the test (LC_CLOUD_EMULATOR_BIN);
// the environment variable LC_CLOUD_EMULATOR overrides it. Throws when the
// emulator does not start within 20 s.
class EmulatorProcess {
 public:
  using json = nlohmann::json;

  explicit EmulatorProcess(const std::string& bin);
  ~EmulatorProcess();
  EmulatorProcess(const EmulatorProcess&) = delete;
  EmulatorProcess& operator=(const EmulatorProcess&) = delete;

  // The emulator's self-signed certificate (the CA for its HTTPS ports).
  const std::string& ca_file() const { return cert_file_; }
  // "scheme://127.0.0.1:PORT" of a provider's emulator. onedrive and
  // onedrive-business share the Graph emulator (TLS only).
  std::string Base(const std::string& provider) const;

  // One request (no retries; a JSON body when `body` is not empty).
  absl::StatusOr<HttpResponse> Send(const std::string& method, const std::string& url,
                                    const std::string& body = "");
  // An admin call that must work: its JSON answer; throws otherwise.
  json Admin(const std::string& provider, const std::string& method, const std::string& path,
             const json& body = nullptr);
  // Registers an OAuth client on the provider's emulator (POST
  // /_emulator/clients): from then on its authorize and token endpoints
  // refuse other clients, wrong secrets and other redirect URIs, as the
  // provider does. onedrive and onedrive-business share the Graph port.
  void RegisterClient(const std::string& provider, const std::string& client_id,
                      const std::string& client_secret,
                      const std::vector<std::string>& redirect_uris);
  // GET without a token, following redirects (short-lived links).
  absl::StatusOr<HttpResponse> Fetch(const std::string& url);
  // How many token calls the provider's emulator has answered (its
  // counters), -1 when they cannot be read.
  int64_t TokenCalls(const std::string& provider);
  // Calls the provider's account endpoint with `token`: the HTTP status
  // (200 for a live token), -1 when the call itself failed.
  int AccountStatus(const std::string& provider, const std::string& token);

 private:
  void Stop();

  std::string dir_, cert_file_;
  pid_t pid_ = -1;
  json ports_;
  std::unique_ptr<CurlHttpClient> http_;
};

}  // namespace lc::testing
