// Requests per second and p99 of the browser download redirect
// (GET /api/v1/documents/{id}/download -> 302) of a document whose link the
// gateway has cached, under concurrent load, beside nginx answering a static
// 302 on the same machine, both driven by the same wrk command.
//
//   bench_redirect [--duration=10] [--connections=N] [--threads=2] [--rounds=3]
//                  [--warmup=2] [--log-level=LEVEL] [--nginx-only]
//
// It starts the real stack with scripts/up --detach --no-build --quiet --throwaway --empty
// --run-dir $ROOT/.run/bench-redirect (binaries from this build directory),
// connects sample@example.com's Google Drive account through the gateway's
// OAuth URLs (walking the 302s with a cookie-keeping client), seeds a file in
// the emulator, creates a document for it, GETs its download URL once (the
// link is then cached), then alternates wrk runs against the gateway and
// against nginx, `--rounds` times each, and reports the medians. The stack
// and nginx are stopped at the end, on failure and on Ctrl-C.
//
// --connections defaults to the gateway's --http-threads (read from its
// configuration log line; 16 by default): the gateway serves one keep-alive
// connection per worker thread, so a connection beyond that waits in the
// accept queue and its wait, not the gateway's work, would set the p99.
// --log-level sets LC_LOG_LEVEL for the whole stack (default: the services'
// default, info, as deployed: the gateway writes one access-log line per
// request). --nginx-only checks wrk and nginx without the stack.
//
// The last line is
//   redirect: rps=<x> p99_ms=<x> nginx_rps=<x> nginx_p99_ms=<x> ratio=<rps/nginx_rps>
#include <arpa/inet.h>
#include <fcntl.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/http_client.h"

namespace {

using json = nlohmann::json;

// ---------------------------------------------------------------------------
// Processes and clean-up

struct Cleanup {
  std::string root;
  std::string run_dir;    // non-empty once scripts/up was started
  pid_t nginx_pid = 0;    // the nginx master (daemon off)
  std::string nginx_dir;  // its temp prefix
  bool done = false;
};
Cleanup g_cleanup;

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Runs `command` with /bin/sh; its stdout (and stderr when merged by the
// command) as a string; *status gets the exit status.
std::string Capture(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) {
    if (status != nullptr) *status = -1;
    return out;
  }
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = pclose(p);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

void StopNginx() {
  if (g_cleanup.nginx_pid > 0) {
    kill(g_cleanup.nginx_pid, SIGQUIT);  // graceful: workers finish, then the master exits
    for (int i = 0; i < 50; ++i) {
      int st = 0;
      if (waitpid(g_cleanup.nginx_pid, &st, WNOHANG) == g_cleanup.nginx_pid) {
        g_cleanup.nginx_pid = 0;
        break;
      }
      usleep(100 * 1000);
    }
    if (g_cleanup.nginx_pid > 0) {
      kill(g_cleanup.nginx_pid, SIGKILL);
      waitpid(g_cleanup.nginx_pid, nullptr, 0);
      g_cleanup.nginx_pid = 0;
    }
  }
  if (!g_cleanup.nginx_dir.empty()) {
    Capture("rm -rf " + ShellQuote(g_cleanup.nginx_dir));
    g_cleanup.nginx_dir.clear();
  }
}

void StopAll() {
  if (g_cleanup.done) return;
  g_cleanup.done = true;
  StopNginx();
  if (!g_cleanup.run_dir.empty()) {
    std::cerr << "bench: stopping the stack\n";
    Capture("cd " + ShellQuote(g_cleanup.root) + " && ./scripts/down --purge --run-dir " +
            ShellQuote(g_cleanup.run_dir) + " >/dev/null 2>&1");
    g_cleanup.run_dir.clear();
  }
}

void OnSignal(int sig) {
  // Not async-signal-safe, but the bench is single-threaded here and about
  // to exit: leaving the stack or nginx running would be worse.
  StopAll();
  _exit(128 + sig);
}

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "bench_redirect: " << message << "\n";
  StopAll();
  std::exit(1);
}

int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) Fail("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    close(fd);
    Fail("cannot bind a loopback port");
  }
  close(fd);
  return ntohs(addr.sin_port);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// KEY=VALUE lines (stack.env).
std::map<std::string, std::string> ReadEnvFile(const std::string& path) {
  std::map<std::string, std::string> out;
  std::istringstream in(ReadFile(path));
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos || line[0] == '#') continue;
    out[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

// The last JSON log line of `path` whose "msg" is `msg` (logs are appended).
json LastLogLine(const std::string& path, const std::string& msg) {
  std::istringstream in(ReadFile(path));
  std::string line;
  json found;
  while (std::getline(in, line)) {
    json j = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object() && j.value("msg", "") == msg) found = j;
  }
  return found;
}

// The environment of the process scripts/up started as `name` (RUN/pids).
std::map<std::string, std::string> ProcessEnv(const std::string& run, const std::string& name) {
  std::map<std::string, std::string> out;
  std::istringstream pids(ReadFile(run + "/pids"));
  std::string pid, who;
  while (pids >> pid >> who) {
    if (who != name) continue;
    const std::string environ = ReadFile("/proc/" + pid + "/environ");
    for (absl::string_view entry : absl::StrSplit(environ, '\0', absl::SkipEmpty())) {
      const size_t eq = entry.find('=');
      if (eq != absl::string_view::npos) {
        out[std::string(entry.substr(0, eq))] = std::string(entry.substr(eq + 1));
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// HTTP

lc::CurlHttpClient& Http() {
  static lc::CurlHttpClient* client = new lc::CurlHttpClient(
      lc::CurlHttpClient::Options{.retry = lc::RetryPolicy{.max_attempts = 1}, .ca_file = ""});
  return *client;
}

lc::HttpResponse Send(const std::string& method, const std::string& url,
                      std::vector<std::pair<std::string, std::string>> headers = {},
                      const std::string& body = "") {
  lc::HttpRequest req;
  req.method = method;
  req.url = url;
  req.headers = std::move(headers);
  req.body = body;
  req.timeout = absl::Seconds(30);
  req.follow_redirects = false;
  auto res = Http().Send(req);
  if (!res.ok()) Fail(absl::StrCat(method, " ", url, ": ", res.status().ToString()));
  return *std::move(res);
}

std::string OriginOf(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  return url.substr(0, url.find('/', scheme_end + 3));
}

// A browser that does not follow redirects itself and keeps cookies per
// origin, to walk the OAuth code flow hop by hop.
class Browser {
 public:
  lc::HttpResponse Get(const std::string& url,
                       std::vector<std::pair<std::string, std::string>> headers = {}) {
    const std::string origin = OriginOf(url);
    std::string cookie;
    for (const auto& [name, value] : jar_[origin]) {
      cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    }
    if (!cookie.empty()) headers.emplace_back("Cookie", cookie);
    lc::HttpResponse res = Send("GET", url, std::move(headers));
    auto [begin, end] = res.headers.equal_range("set-cookie");
    for (auto it = begin; it != end; ++it) {
      const std::string pair = it->second.substr(0, it->second.find(';'));
      const size_t eq = pair.find('=');
      if (eq != std::string::npos) jar_[origin][pair.substr(0, eq)] = pair.substr(eq + 1);
    }
    return res;
  }

 private:
  std::map<std::string, std::map<std::string, std::string>> jar_;
};

// Prometheus text format: sample lines ("name{labels} value") by series.
std::map<std::string, double> Scrape(int port) {
  std::map<std::string, double> out;
  if (port <= 0) return out;
  lc::HttpRequest req;
  req.url = absl::StrCat("http://127.0.0.1:", port, "/metrics");
  req.timeout = absl::Seconds(10);
  auto res = Http().Send(req);
  if (!res.ok() || res->status != 200) return out;
  std::istringstream in(res->body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    double v = 0;
    if (absl::SimpleAtod(line.substr(sp + 1), &v)) out[line.substr(0, sp)] = v;
  }
  return out;
}

double SumMatching(const std::map<std::string, double>& samples, const std::string& name,
                   const std::vector<std::string>& substrings) {
  double sum = 0;
  for (const auto& [series, v] : samples) {
    if (series.compare(0, name.size(), name) != 0) continue;
    if (series.size() > name.size() && series[name.size()] != '{') continue;
    bool all = true;
    for (const auto& s : substrings) all = all && absl::StrContains(series, s);
    if (all) sum += v;
  }
  return sum;
}

// ---------------------------------------------------------------------------
// wrk

struct WrkResult {
  double rps = 0;
  double p50_ms = -1, p75_ms = -1, p90_ms = -1, p99_ms = -1;
  int64_t requests = 0;
  int64_t non_3xx = 0;  // "Non-2xx or 3xx responses"
  int64_t socket_errors = 0;
  std::string socket_line;
};

// "612.00us", "1.23ms", "2.00s", "1.00m" -> milliseconds.
std::optional<double> Millis(absl::string_view text) {
  struct Unit {
    const char* suffix;
    double ms;
  };
  for (const Unit& u : {Unit{"us", 0.001}, Unit{"ms", 1.0}, Unit{"s", 1000.0}, Unit{"m", 60000.0},
                        Unit{"h", 3600000.0}}) {
    if (absl::EndsWith(text, u.suffix)) {
      double v = 0;
      if (absl::SimpleAtod(text.substr(0, text.size() - strlen(u.suffix)), &v)) return v * u.ms;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

WrkResult ParseWrk(const std::string& out) {
  WrkResult r;
  std::istringstream in(out);
  std::string line;
  bool distribution = false;
  while (std::getline(in, line)) {
    absl::string_view l = absl::StripAsciiWhitespace(line);
    if (absl::StartsWith(l, "Latency Distribution")) {
      distribution = true;
      continue;
    }
    std::vector<absl::string_view> words = absl::StrSplit(l, ' ', absl::SkipEmpty());
    if (distribution && words.size() == 2 && absl::EndsWith(words[0], "%")) {
      auto ms = Millis(words[1]);
      if (ms) {
        if (words[0] == "50%") r.p50_ms = *ms;
        if (words[0] == "75%") r.p75_ms = *ms;
        if (words[0] == "90%") r.p90_ms = *ms;
        if (words[0] == "99%") r.p99_ms = *ms;
      }
      continue;
    }
    distribution = false;
    if (absl::StartsWith(l, "Requests/sec:") && words.size() >= 2) {
      absl::SimpleAtod(words[1], &r.rps);
    } else if (absl::StartsWith(l, "Non-2xx or 3xx responses:") && !words.empty()) {
      absl::SimpleAtoi(words.back(), &r.non_3xx);
    } else if (absl::StartsWith(l, "Socket errors:")) {
      r.socket_line = std::string(l);
      for (absl::string_view part : absl::StrSplit(l.substr(14), ',')) {
        std::vector<absl::string_view> kv = absl::StrSplit(part, ' ', absl::SkipEmpty());
        int64_t n = 0;
        if (kv.size() == 2 && absl::SimpleAtoi(kv[1], &n)) r.socket_errors += n;
      }
    } else if (words.size() >= 4 && words[1] == "requests" && words[2] == "in") {
      absl::SimpleAtoi(words[0], &r.requests);
    }
  }
  return r;
}

struct Options {
  int duration_s = 10;
  int connections = 0;  // 0: the gateway's http-threads
  int threads = 2;
  int rounds = 3;
  int warmup_s = 2;
  std::string log_level;
  bool nginx_only = false;
};

std::string WrkCommand(const Options& o, int duration_s, const std::string& token,
                       const std::string& url) {
  return absl::StrCat("wrk -t", o.threads, " -c", o.connections, " -d", duration_s,
                      "s --latency -H ", ShellQuote("Authorization: Bearer " + token), " ",
                      ShellQuote(url));
}

WrkResult RunWrk(const Options& o, int duration_s, const std::string& token, const std::string& url,
                 const std::string& what) {
  int status = 0;
  const std::string out = Capture(WrkCommand(o, duration_s, token, url) + " 2>&1", &status);
  WrkResult r = ParseWrk(out);
  if (status != 0 || r.rps <= 0 || r.p99_ms < 0) {
    std::cerr << out;
    Fail(absl::StrCat("wrk against ", what, " failed or printed no figures (exit ", status, ")"));
  }
  if (r.non_3xx > 0) {
    std::cerr << out;
    Fail(absl::StrCat(what, " answered ", r.non_3xx, " of ", r.requests,
                      " requests with neither 2xx nor 3xx"));
  }
  return r;
}

// ---------------------------------------------------------------------------
// nginx

std::string NginxBinary() {
  for (const char* p : {"/usr/sbin/nginx", "/usr/bin/nginx"}) {
    if (access(p, X_OK) == 0) return p;
  }
  std::string which = Capture("command -v nginx 2>/dev/null");
  while (!which.empty() && (which.back() == '\n' || which.back() == ' ')) which.pop_back();
  return which;
}

// Starts nginx on a free loopback port answering every request with a
// static 302; its URL.
std::string StartNginx() {
  const std::string bin = NginxBinary();
  if (bin.empty()) Fail("nginx is not installed (./scripts/bench redirect installs nginx-light)");
  char tmpl[] = "/tmp/lc-bench-nginxXXXXXX";
  if (mkdtemp(tmpl) == nullptr) Fail("mkdtemp failed");
  const std::string dir = tmpl;
  g_cleanup.nginx_dir = dir;
  chmod(dir.c_str(), 0755);
  const int port = FreeLoopbackPort();
  // Temp paths of the modules this build has, so nothing touches /var.
  const std::string version = Capture(ShellQuote(bin) + " -V 2>&1");
  std::string temp_paths = absl::StrCat("  client_body_temp_path ", dir, "/client_body;\n",
                                        "  proxy_temp_path ", dir, "/proxy;\n");
  for (const char* m : {"fastcgi", "uwsgi", "scgi"}) {
    if (!absl::StrContains(version, absl::StrCat("--without-http_", m, "_module"))) {
      absl::StrAppend(&temp_paths, "  ", m, "_temp_path ", dir, "/", m, ";\n");
    }
  }
  {
    std::ofstream conf(dir + "/nginx.conf");
    conf << "# bench_redirect: a static 302, nothing else.\n"
         << "daemon off;\n"
         << "master_process on;\n"
         << "worker_processes auto;\n"
         << "pid " << dir << "/nginx.pid;\n"
         << "error_log " << dir << "/error.log warn;\n"
         << "events { worker_connections 4096; }\n"
         << "http {\n"
         << "  access_log off;\n"
         << temp_paths << "  server {\n"
         << "    listen 127.0.0.1:" << port << ";\n"
         << "    location / { return 302 https://example.invalid/file; }\n"
         << "  }\n"
         << "}\n";
  }
  const pid_t pid = fork();
  if (pid < 0) Fail("fork failed");
  if (pid == 0) {
    const int fd = open((dir + "/nginx.out").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execl(bin.c_str(), bin.c_str(), "-p", (dir + "/").c_str(), "-e", (dir + "/error.log").c_str(),
          "-c", (dir + "/nginx.conf").c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  g_cleanup.nginx_pid = pid;
  const std::string url = absl::StrCat("http://127.0.0.1:", port, "/file");
  for (int i = 0; i < 100; ++i) {
    int st = 0;
    if (waitpid(pid, &st, WNOHANG) == pid) {
      g_cleanup.nginx_pid = 0;
      Fail("nginx exited at start: " + ReadFile(dir + "/nginx.out") + ReadFile(dir + "/error.log"));
    }
    lc::HttpRequest req;
    req.url = url;
    req.timeout = absl::Seconds(1);
    auto res = Http().Send(req);
    if (res.ok()) {
      if (res->status != 302 || res->Header("location") != "https://example.invalid/file") {
        Fail(absl::StrCat("nginx answered ", res->status, " ", res->Header("location")));
      }
      return url;
    }
    usleep(100 * 1000);
  }
  Fail("nginx did not answer within 10 s");
}

// ---------------------------------------------------------------------------
// The stack and the document

struct Stack {
  std::map<std::string, std::string> env;
  std::string gateway;
  std::string token;
  int gateway_metrics_port = 0;
  int repository_metrics_port = 0;
  int gateway_http_threads = 16;
};

Stack StartStack(const std::string& root, const std::string& build_dir, const Options& o) {
  const std::string run = root + "/.run/bench-redirect";
  // Old logs would be read for this run's ports and settings; an old
  // emulator-ports.json would be read by scripts/up before the new emulator
  // rewrites it (it waits for the file to be non-empty).
  Capture("mkdir -p " + ShellQuote(run) + " && rm -f " + ShellQuote(run) + "/*.log " +
          ShellQuote(run) + "/emulator-ports.json");
  g_cleanup.run_dir = run;
  std::string command = "cd " + ShellQuote(root) + " && LC_BUILD_DIR=" + ShellQuote(build_dir);
  if (!o.log_level.empty()) command += " LC_LOG_LEVEL=" + ShellQuote(o.log_level);
  command += " ./scripts/up --detach --no-build --quiet --throwaway --empty --run-dir " +
             ShellQuote(run) + " 2>&1";
  std::cerr << "bench: starting the stack (" << run << ")\n";
  const auto t = std::chrono::steady_clock::now();
  int status = 0;
  const std::string out = Capture(command, &status);
  if (status != 0) {
    std::cerr << out;
    Fail("scripts/up failed; logs in " + run);
  }
  Stack s;
  s.env = ReadEnvFile(run + "/stack.env");
  s.gateway = s.env["LC_GATEWAY_URL"];
  s.token = s.env["LC_DEV_TOKEN_USER"];
  if (s.gateway.empty() || s.token.empty() || s.env["LC_EMULATOR_GOOGLEDRIVE_URL"].empty()) {
    Fail("stack.env lacks LC_GATEWAY_URL, LC_DEV_TOKEN_USER or LC_EMULATOR_GOOGLEDRIVE_URL");
  }
  // scripts/up gives each service its metrics port as LC_METRICS_PORT.
  const std::map<std::string, std::string> gateway_env = ProcessEnv(run, "gateway");
  const std::map<std::string, std::string> repository_env = ProcessEnv(run, "repository");
  auto port_of = [](const std::map<std::string, std::string>& env) {
    int port = 0;
    auto it = env.find("LC_METRICS_PORT");
    return it != env.end() && absl::SimpleAtoi(it->second, &port) ? port : 0;
  };
  s.gateway_metrics_port = port_of(gateway_env);
  s.repository_metrics_port = port_of(repository_env);
  // The gateway logs its settings at start (log level info); else its
  // environment, else the default.
  const json config = LastLogLine(run + "/gateway.log", "configuration");
  std::string threads;
  if (config.is_object() && config.contains("settings") &&
      config["settings"].contains("http-threads")) {
    threads = config["settings"]["http-threads"].get<std::string>();
  } else if (auto it = gateway_env.find("LC_HTTP_THREADS"); it != gateway_env.end()) {
    threads = it->second;
  }
  int n = 0;
  if (absl::SimpleAtoi(threads, &n) && n > 0) s.gateway_http_threads = n;
  std::cerr << absl::StrFormat(
      "bench: stack up in %.1f s; gateway %s (http-threads %d)\n",
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count(), s.gateway,
      s.gateway_http_threads);
  return s;
}

std::string Bearer(const Stack& s) { return "Bearer " + s.token; }

// sample@example.com's Google Drive account, connected through the
// gateway's OAuth URLs: authorize (bearer) -> emulator authorize page (which
// approves at once) -> gateway callback (session cookie).
std::string ConnectDrive(const Stack& s) {
  Browser browser;
  const std::string provider_authorize = s.env.at("LC_EMULATOR_GOOGLEDRIVE_URL");
  auto hop1 = browser.Get(s.gateway + "/oauth2/googledrive/authorize?return_to=%2F",
                          {{"Authorization", Bearer(s)}});
  const std::string to_provider = hop1.Header("location");
  if (hop1.status != 302 || !absl::StartsWith(to_provider, provider_authorize)) {
    Fail(absl::StrCat("gateway authorize answered ", hop1.status, " to ", to_provider, ": ",
                      hop1.body));
  }
  auto hop2 = browser.Get(to_provider);
  const std::string callback = hop2.Header("location");
  if (hop2.status != 302 ||
      !absl::StartsWith(callback, s.gateway + "/oauth2/googledrive/callback")) {
    Fail(absl::StrCat("emulator authorize answered ", hop2.status, " to ", callback, ": ",
                      hop2.body));
  }
  auto hop3 = browser.Get(callback);
  if (hop3.status != 302 && hop3.status != 200) {
    Fail(absl::StrCat("gateway callback answered ", hop3.status, ": ", hop3.body));
  }
  // The account, as the REST API lists it to the user.
  auto list = Send("GET", s.gateway + "/api/v1/accounts?provider=googledrive",
                   {{"Authorization", Bearer(s)}});
  if (list.status != 200) {
    Fail(absl::StrCat("GET /api/v1/accounts answered ", list.status,
                      " (are the gateway's /api/v1 routes built?): ", list.body));
  }
  json body = json::parse(list.body, nullptr, false);
  if (body.is_object() && body.contains("accounts")) {
    for (const auto& a : body["accounts"]) {
      if (a.value("provider", "") == "googledrive" && !a.value("account", "").empty()) {
        return a["account"].get<std::string>();
      }
    }
  }
  Fail("no googledrive account listed after the OAuth flow: " + list.body);
}

// A Drive file seeded in the emulator and a document for it; its id.
std::string CreateDocument(const Stack& s, const std::string& account) {
  const std::string emu = s.env.at("LC_EMULATOR_GOOGLEDRIVE_URL");
  const json seed = {{"user", account},
                     {"files", json::array({{{"path", "/bench/redirect.txt"},
                                             {"content", "bench redirect\n"},
                                             {"mime_type", "text/plain"}}})}};
  auto seeded =
      Send("POST", emu + "/_emulator/files", {{"Content-Type", "application/json"}}, seed.dump());
  json files = json::parse(seeded.body, nullptr, false);
  if (seeded.status != 200 || !files.contains("files") || files["files"].empty()) {
    Fail(absl::StrCat("emulator seed answered ", seeded.status, ": ", seeded.body));
  }
  const std::string file_id = files["files"][0].value("id", "");
  const json create = {
      {"type", "DOCUMENT_TYPE_FILE"},
      {"title", "bench"},
      {"blob", {{"provider", "googledrive"}, {"account", account}, {"fileId", file_id}}}};
  auto created =
      Send("POST", s.gateway + "/api/v1/documents",
           {{"Authorization", Bearer(s)}, {"Content-Type", "application/json"}}, create.dump());
  json doc = json::parse(created.body, nullptr, false);
  if ((created.status != 200 && created.status != 201) || !doc.is_object() ||
      doc.value("id", "").empty()) {
    Fail(absl::StrCat("POST /api/v1/documents answered ", created.status, ": ", created.body));
  }
  return doc["id"].get<std::string>();
}

// ---------------------------------------------------------------------------

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool IntFlag(const std::string& arg, const std::string& name, int min, int* out) {
  if (arg.rfind(name + "=", 0) != 0) return false;
  int v = 0;
  if (!absl::SimpleAtoi(arg.substr(name.size() + 1), &v) || v < min) {
    std::cerr << name << ": expected an integer >= " << min << "\n";
    std::exit(2);
  }
  *out = v;
  return true;
}

[[noreturn]] void Usage() {
  std::cerr << "usage: bench_redirect [--duration=10] [--connections=N] [--threads=2] "
               "[--rounds=3] [--warmup=2] [--log-level=LEVEL] [--nginx-only]\n"
               "  --connections defaults to the gateway's http-threads (16)\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::vector<std::string> args(argv + 1, argv + argc);
  // "--flag value" is accepted as well as "--flag=value".
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i].rfind("--", 0) == 0 && args[i].find('=') == std::string::npos &&
        args[i] != "--nginx-only" && args[i + 1].rfind("--", 0) != 0) {
      args[i] += "=" + args[i + 1];
      args.erase(args.begin() + static_cast<long>(i) + 1);
    }
  }
  for (const std::string& a : args) {
    if (IntFlag(a, "--duration", 1, &o.duration_s) ||
        IntFlag(a, "--connections", 1, &o.connections) || IntFlag(a, "--threads", 1, &o.threads) ||
        IntFlag(a, "--rounds", 1, &o.rounds) || IntFlag(a, "--warmup", 0, &o.warmup_s)) {
      continue;
    }
    if (a.rfind("--log-level=", 0) == 0) {
      o.log_level = a.substr(12);
    } else if (a == "--nginx-only") {
      o.nginx_only = true;
    } else {
      Usage();
    }
  }
  const char* root_env = std::getenv("LC_ROOT");
  const std::string root = root_env != nullptr && *root_env != '\0' ? root_env : LC_SOURCE_DIR;
  const char* build_env = std::getenv("LC_BENCH_BUILD_DIR");
  const std::string build_dir =
      build_env != nullptr && *build_env != '\0' ? build_env : LC_BUILD_DIR;
  g_cleanup.root = root;
  atexit(StopAll);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) signal(sig, OnSignal);
  if (Capture("command -v wrk >/dev/null 2>&1 && echo yes") != "yes\n") {
    Fail("wrk is not installed (./scripts/bench redirect installs it)");
  }

  Stack stack;
  std::string doc_url;
  std::string token = "bench";
  if (!o.nginx_only) {
    stack = StartStack(root, build_dir, o);
    token = stack.token;
    const std::string account = ConnectDrive(stack);
    std::cerr << "bench: connected googledrive account " << account << " through the gateway\n";
    const std::string id = CreateDocument(stack, account);
    doc_url = stack.gateway + "/api/v1/documents/" + id + "/download";
    // One download: the gateway asks the repository (and the provider) and
    // caches the link; every request of the runs then hits the cache.
    auto first = Send("GET", doc_url, {{"Authorization", Bearer(stack)}});
    if (first.status != 302 || first.Header("location").empty()) {
      Fail(absl::StrCat("GET ", doc_url, " answered ", first.status, ": ", first.body));
    }
    std::cerr << "bench: document " << id << " redirects to " << OriginOf(first.Header("location"))
              << "/...\n";
  }
  if (o.connections == 0) o.connections = stack.gateway_http_threads;
  o.threads = std::min(o.threads, o.connections);  // wrk needs a connection per thread

  const std::string nginx_url = StartNginx();

  // Counters before: the repository's GetBlobLink calls, the emulator's
  // Drive API calls, the gateway's own series.
  const std::string emu = o.nginx_only ? "" : stack.env["LC_EMULATOR_GOOGLEDRIVE_URL"];
  std::map<std::string, double> gw_before, repo_before;
  if (!o.nginx_only) {
    Send("POST", emu + "/_emulator/requests/reset");
    gw_before = Scrape(stack.gateway_metrics_port);
    repo_before = Scrape(stack.repository_metrics_port);
  }

  std::cout << "wrk command: " << WrkCommand(o, o.duration_s, "<sample user JWT>", "<URL>") << "\n";
  std::cout << absl::StrFormat(
                   "connections=%d (the gateway's http-threads: one keep-alive connection per "
                   "worker thread) threads=%d duration=%ds rounds=%d warmup=%ds",
                   o.connections, o.threads, o.duration_s, o.rounds, o.warmup_s)
            << std::endl;
  if (o.warmup_s > 0) {
    if (!o.nginx_only) RunWrk(o, o.warmup_s, token, doc_url, "the gateway (warm-up)");
    RunWrk(o, o.warmup_s, token, nginx_url, "nginx (warm-up)");
  }

  // A third contender: a bare cpp-httplib server (the gateway's HTTP
  // library, same worker-thread count, keep-alive limit 1000) answering a
  // static 302. It shows how much of the gap to nginx is the library's
  // thread-per-connection model rather than the gateway's own work.
  httplib::Server bare;
  const int bare_threads = o.connections;
  bare.new_task_queue = [bare_threads] { return new httplib::ThreadPool(bare_threads); };
  bare.set_keep_alive_max_count(1000);
  bare.Get("/file", [](const httplib::Request&, httplib::Response& res) {
    res.set_redirect("https://example.invalid/file", 302);
  });
  const int bare_port = bare.bind_to_any_port("127.0.0.1");
  std::thread bare_thread([&bare] { bare.listen_after_bind(); });
  const std::string bare_url = absl::StrCat("http://127.0.0.1:", bare_port, "/file");
  if (o.warmup_s > 0) RunWrk(o, o.warmup_s, token, bare_url, "bare cpp-httplib (warm-up)");

  std::vector<WrkResult> gw, ng, bh;
  std::cout << absl::StrFormat("%-8s %5s %10s %9s %9s %9s %10s %8s\n", "target", "round", "rps",
                               "p50_ms", "p90_ms", "p99_ms", "requests", "sock_err");
  auto row = [](const std::string& target, const std::string& round, const WrkResult& r) {
    std::cout << absl::StrFormat("%-8s %5s %10.0f %9.3f %9.3f %9.3f %10d %8d\n", target, round,
                                 r.rps, r.p50_ms, r.p90_ms, r.p99_ms, r.requests, r.socket_errors)
              << std::flush;
  };
  for (int round = 1; round <= o.rounds; ++round) {
    if (!o.nginx_only) {
      gw.push_back(RunWrk(o, o.duration_s, token, doc_url, "the gateway"));
      row("gateway", std::to_string(round), gw.back());
    }
    ng.push_back(RunWrk(o, o.duration_s, token, nginx_url, "nginx"));
    row("nginx", std::to_string(round), ng.back());
    bh.push_back(RunWrk(o, o.duration_s, token, bare_url, "bare cpp-httplib"));
    row("httplib", std::to_string(round), bh.back());
  }
  bare.stop();
  bare_thread.join();

  auto median = [](const std::vector<WrkResult>& v, double WrkResult::*field) {
    std::vector<double> x;
    for (const auto& r : v) x.push_back(r.*field);
    return x.empty() ? 0.0 : Median(x);
  };
  WrkResult gm, nm, bm;
  for (auto [m, v] :
       {std::pair<WrkResult*, const std::vector<WrkResult>*>{&gm, &gw}, {&nm, &ng}, {&bm, &bh}}) {
    m->rps = median(*v, &WrkResult::rps);
    m->p50_ms = median(*v, &WrkResult::p50_ms);
    m->p90_ms = median(*v, &WrkResult::p90_ms);
    m->p99_ms = median(*v, &WrkResult::p99_ms);
    for (const auto& r : *v) {
      m->requests += r.requests;
      m->socket_errors += r.socket_errors;
    }
  }
  if (!o.nginx_only) row("gateway", "med", gm);
  row("nginx", "med", nm);
  row("httplib", "med", bm);
  if (!o.nginx_only && bm.rps > 0 && nm.rps > 0) {
    std::cout << absl::StrFormat(
        "bare cpp-httplib / nginx = %.2f (the ceiling of the gateway's HTTP library "
        "here); gateway / bare cpp-httplib = %.2f\n",
        bm.rps / nm.rps, gm.rps / bm.rps);
  }

  if (!o.nginx_only) {
    // What the gateway asked upstream while answering every request above:
    // with the link cached, a handful of GetBlobLink calls (one per
    // --link-cache-ttl expiry), not one per request.
    const auto gw_after = Scrape(stack.gateway_metrics_port);
    const auto repo_after = Scrape(stack.repository_metrics_port);
    auto counters = Send("GET", emu + "/_emulator/counters");
    json c = json::parse(counters.body, nullptr, false);
    const double redirects =
        SumMatching(gw_after, "lc_http_server_requests_total", {"status=\"302\""}) -
        SumMatching(gw_before, "lc_http_server_requests_total", {"status=\"302\""});
    const double links = SumMatching(repo_after, "lc_grpc_server_handled_total", {"GetBlobLink"}) -
                         SumMatching(repo_before, "lc_grpc_server_handled_total", {"GetBlobLink"});
    std::cout << absl::StrFormat(
                     "during the gateway runs (warm-up included): gateway 302 answers=%.0f, "
                     "upstream repository GetBlobLink calls=%.0f, emulator Drive API calls=%d",
                     redirects, links, c.is_object() ? c.value("total", int64_t{-1}) : -1)
              << "\n";
    // The gateway's own upstream / link-cache series, when it exports them.
    for (const auto& [series, v] : gw_after) {
      if (!absl::StrContains(series, "cache") && !absl::StrContains(series, "upstream")) continue;
      if (absl::StrContains(series, "_bucket")) continue;
      auto it = gw_before.find(series);
      const double delta = v - (it == gw_before.end() ? 0.0 : it->second);
      if (delta != 0) std::cout << "  gateway " << series << " +" << delta << "\n";
    }
  }

  StopAll();
  const double ratio = nm.rps > 0 ? gm.rps / nm.rps : 0;
  std::cout << absl::StrFormat(
                   "redirect: rps=%.0f p99_ms=%.2f nginx_rps=%.0f nginx_p99_ms=%.2f ratio=%.2f",
                   gm.rps, gm.p99_ms, nm.rps, nm.p99_ms, ratio)
            << std::endl;
  return 0;
}
