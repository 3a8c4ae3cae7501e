#include "gateway/settings.h"

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/process.h"

namespace lc::gateway {

std::vector<SettingSpec> SettingSpecs() {
  std::vector<SettingSpec> s = CommonSettings("0.0.0.0:8080");
  for (SettingSpec& spec : s) {
    if (spec.name == "listen-addr") spec.help = "HTTP listen address host:port (port 0: free port)";
  }
  s.push_back({.name = "public-url",
               .type = SettingType::kUrl,
               .help = "the gateway's browser-visible URL (http://127.0.0.1:8080); OAuth "
                       "callbacks are built from it and return_to must stay on its origin",
               .required = true});
  s.push_back({.name = "oauth-addr",
               .type = SettingType::kHostPort,
               .help = "host:port of the oauth gRPC service",
               .required = true});
  for (const char* service : {"repository", "providers", "indexer", "sync"}) {
    s.push_back({.name = absl::StrCat(service, "-addr"),
                 .type = SettingType::kHostPort,
                 .help = absl::StrCat("host:port of the ", service, " gRPC service"),
                 .required = true});
  }
  s.push_back({.name = "stream-timeout",
               .type = SettingType::kDuration,
               .default_value = "30m",
               .help = "deadline of streaming calls (sync run, reindex)",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(24)});
  s.push_back({.name = "content-timeout",
               .type = SettingType::kDuration,
               .default_value = "5m",
               .help = "deadline of a file the gateway streams itself (links that need the "
                       "account's token)",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(24)});
  s.push_back({.name = "link-cache-ttl",
               .type = SettingType::kDuration,
               .default_value = "30s",
               .help = "how long a browser link is reused for the same user, document and kind "
                       "(never past the link's own expiry; 0s: off)",
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "link-cache-entries",
               .type = SettingType::kInt,
               .default_value = "100000",
               .help = "links kept per gateway replica (least recently used dropped)",
               .min = 0,
               .max = 10000000});
  s.push_back({.name = "upstream-timeout",
               .type = SettingType::kDuration,
               .default_value = "10s",
               .help = "deadline of each gRPC call to a service",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "http-read-timeout",
               .type = SettingType::kDuration,
               .default_value = "10s",
               .help = "how long reading a request may stall",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "http-write-timeout",
               .type = SettingType::kDuration,
               .default_value = "10s",
               .help = "how long writing a response may stall",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "http-idle-timeout",
               .type = SettingType::kDuration,
               .default_value = "5s",
               .help = "how long an idle keep-alive connection stays open",
               .min_duration = absl::Milliseconds(1),
               .max_duration = absl::Hours(1)});
  s.push_back({.name = "http-keepalive-requests",
               .type = SettingType::kInt,
               .default_value = "1000",
               .help = "requests served on one keep-alive connection before it is closed",
               .min = 1,
               .max = 1000000});
  s.push_back({.name = "http-max-request-bytes",
               .type = SettingType::kInt,
               .default_value = "1048576",
               .help = "largest request body accepted (413 above)",
               .min = 1024,
               .max = 64 << 20});
  s.push_back({.name = "http-threads",
               .type = SettingType::kInt,
               .default_value = "16",
               .help = "HTTP worker threads (one connection each at a time)",
               .min = 1,
               .max = 1024});
  return s;
}

absl::StatusOr<Settings> ReadSettings(const Config& config) {
  Settings s;
  s.runtime = ReadRuntimeSettings(config);
  Gateway::Options& options = s.gateway;
  const std::string& listen = s.runtime.listen_addr;
  const size_t colon = listen.rfind(':');
  options.listen_host = listen.substr(0, colon);
  if (!absl::SimpleAtoi(absl::string_view(listen).substr(colon + 1), &options.listen_port)) {
    return InvalidSetting("listen-addr", "not host:port");
  }
  auto public_url = PublicUrl::Parse(config.GetString("public-url"));
  if (!public_url.ok()) {
    return InvalidSetting("public-url", std::string(public_url.status().message()));
  }
  options.public_url = *std::move(public_url);
  options.oauth_addr = config.GetString("oauth-addr");
  options.repository_addr = config.GetString("repository-addr");
  options.providers_addr = config.GetString("providers-addr");
  options.indexer_addr = config.GetString("indexer-addr");
  options.sync_addr = config.GetString("sync-addr");
  options.upstream_timeout = config.GetDuration("upstream-timeout");
  options.stream_timeout = config.GetDuration("stream-timeout");
  options.content_timeout = config.GetDuration("content-timeout");
  options.link_cache.ttl = config.GetDuration("link-cache-ttl");
  options.link_cache.max_entries = static_cast<size_t>(config.GetInt("link-cache-entries"));
  options.read_timeout = config.GetDuration("http-read-timeout");
  options.write_timeout = config.GetDuration("http-write-timeout");
  options.idle_timeout = config.GetDuration("http-idle-timeout");
  options.max_request_bytes = static_cast<size_t>(config.GetInt("http-max-request-bytes"));
  options.threads = static_cast<int>(config.GetInt("http-threads"));
  options.keepalive_requests = static_cast<int>(config.GetInt("http-keepalive-requests"));
  return s;
}

}  // namespace lc::gateway
