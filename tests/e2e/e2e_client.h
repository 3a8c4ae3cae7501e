// Helpers of the end-to-end test (tests/e2e): the stack's settings from
// stack.env, the shared cookie-keeping HTTP client that never follows
// redirects (testing/browser.h) answering Exchanges, and small generators of
// the files the test puts in the clouds (a PDF and a DOCX carrying given
// words).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "runtime/encoding.h"
#include "runtime/http_client.h"
#include "testing/browser.h"

namespace lc::e2e {

using json = nlohmann::json;

// What scripts/up wrote to stack.env (the wrapper exports it).
struct StackEnv {
  std::string gateway;      // http://127.0.0.1:P
  std::string ca_file;      // the emulator's self-signed certificate (OneDrive is https)
  std::string user_token;   // sample@example.com
  std::string admin_token;  // admin@example.com, role admin
  std::string jwt_secret;
  std::string run_dir;
  std::map<std::string, std::string> emulator;  // provider -> base URL

  static std::string Var(const char* name) {
    const char* v = std::getenv(name);
    return v ? v : "";
  }
  static StackEnv FromEnvironment() {
    StackEnv e;
    e.gateway = Var("LC_GATEWAY_URL");
    e.ca_file = Var("LC_EMULATOR_CA_FILE");
    e.user_token = Var("LC_DEV_TOKEN_USER");
    e.admin_token = Var("LC_DEV_TOKEN_ADMIN");
    e.jwt_secret = Var("LC_DEV_JWT_SECRET");
    e.run_dir = Var("LC_RUN_DIR");
    e.emulator["googledrive"] = Var("LC_EMULATOR_GOOGLEDRIVE_URL");
    e.emulator["dropbox"] = Var("LC_EMULATOR_DROPBOX_URL");
    e.emulator["box"] = Var("LC_EMULATOR_BOX_URL");
    e.emulator["onedrive"] = Var("LC_EMULATOR_ONEDRIVE_URL");
    // One Graph emulator plays personal and work accounts.
    e.emulator["onedrive-business"] = e.emulator["onedrive"];
    return e;
  }
  // Empty when complete, else what is missing.
  std::string Missing() const {
    std::string out;
    auto need = [&](const std::string& v, const char* name) {
      if (v.empty()) out += std::string(out.empty() ? "" : ", ") + name;
    };
    need(gateway, "LC_GATEWAY_URL");
    need(ca_file, "LC_EMULATOR_CA_FILE");
    need(user_token, "LC_DEV_TOKEN_USER");
    need(admin_token, "LC_DEV_TOKEN_ADMIN");
    need(jwt_secret, "LC_DEV_JWT_SECRET");
    for (const auto& [p, url] : emulator) {
      if (url.empty()) out += (out.empty() ? "LC_EMULATOR_URL of " : ", LC_EMULATOR_URL of ") + p;
    }
    return out;
  }
};

// One exchange, for failure messages: the request line, the status, the
// request id, and the start of the body.
struct Exchange {
  std::string method, url;
  int status = 0;  // 0: transport failure
  std::string body, error, request_id, location, content_type;
  std::multimap<std::string, std::string> headers;

  std::string Describe() const {
    std::string out = method + " " + url + " -> ";
    if (status == 0) return out + "transport error: " + error;
    out += std::to_string(status);
    if (!request_id.empty()) out += " (X-Request-Id " + request_id + ")";
    if (!location.empty()) out += " Location: " + location;
    if (!content_type.empty()) out += " [" + content_type + "]";
    if (!body.empty()) {
      const bool binary = body.find('\0') != std::string::npos;
      out += binary ? " <" + std::to_string(body.size()) + " binary bytes>"
                    : "\n  body: " + body.substr(0, 2000) + (body.size() > 2000 ? "..." : "");
    }
    return out;
  }
  // The body as JSON (a discarded value when it is not JSON).
  json Json() const { return json::parse(body, nullptr, false); }
};

inline std::ostream& operator<<(std::ostream& os, const Exchange& x) { return os << x.Describe(); }

// testing::Browser (redirects never followed, cookies kept per origin)
// answering Exchanges, with a JSON body's Content-Type and a 30 s timeout.
class Browser {
 public:
  explicit Browser(const std::string& ca_file) : browser_(ca_file) {}

  Exchange Send(const std::string& method, const std::string& url, const std::string& body = "",
                std::vector<std::pair<std::string, std::string>> headers = {},
                absl::Duration timeout = absl::Seconds(30)) {
    HttpRequest req;
    req.method = method;
    req.url = url;
    req.body = body;
    req.timeout = timeout;
    req.headers = std::move(headers);
    if (!body.empty()) req.headers.emplace_back("Content-Type", "application/json");
    Exchange x{.method = method, .url = url};
    auto res = browser_.Send(std::move(req));
    if (!res.ok()) {
      x.error = res.status().ToString();
      return x;
    }
    x.status = res->status;
    x.body = std::move(res->body);
    x.request_id = res->Header("x-request-id");
    x.location = res->Header("location");
    x.content_type = res->Header("content-type");
    x.headers = std::move(res->headers);
    return x;
  }
  Exchange Get(const std::string& url,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    return Send("GET", url, "", std::move(headers));
  }

  std::string CookieOf(const std::string& origin, const std::string& name) const {
    return browser_.CookieOf(origin, name);
  }

 private:
  ::lc::testing::Browser browser_;
};

// An API client of the gateway: every call carries `token` as a bearer.
class Api {
 public:
  Api(std::string gateway, std::string token, const std::string& ca_file)
      : gateway_(std::move(gateway)), token_(std::move(token)), http_(ca_file) {}

  Exchange Call(const std::string& method, const std::string& path, const json& body = nullptr,
                absl::Duration timeout = absl::Seconds(30)) {
    return http_.Send(method, gateway_ + path, body.is_null() ? "" : body.dump(),
                      {{"Authorization", "Bearer " + token_}, {"Accept", "application/json"}},
                      timeout);
  }
  Exchange Get(const std::string& path) { return Call("GET", path); }
  Exchange Post(const std::string& path, const json& body) { return Call("POST", path, body); }

 private:
  std::string gateway_, token_;
  Browser http_;
};

// A word made of lower-case letters only (one token for any text search
// configuration), unique to this run.
inline std::string UniqueWord(const std::string& stem) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string w = stem;
  for (int i = 0; i < 8; ++i) w += static_cast<char>('a' + rng() % 26);
  return w;
}

// A one-page PDF showing `lines` (ASCII only, so it also travels as a JSON
// string), like tests/indexer/fixtures/make_fixtures.py writes them.
inline std::string MakePdf(const std::vector<std::string>& lines) {
  std::string content = "BT /F1 18 Tf 72 720 Td 22 TL\n";
  for (const auto& line : lines) content += "(" + line + ") Tj T*\n";
  content += "ET\n";
  const std::vector<std::string> objs = {
      "<< /Type /Catalog /Pages 2 0 R >>",
      "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
      "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
      "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
      "<< /Length " + std::to_string(content.size()) + " >>\nstream\n" + content + "endstream",
      "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  };
  std::string out = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objs.size(); ++i) {
    offsets.push_back(out.size());
    out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
  }
  const size_t xref = out.size();
  out += "xref\n0 " + std::to_string(objs.size() + 1) + "\n0000000000 65535 f \n";
  char line[32];
  for (size_t off : offsets) {
    snprintf(line, sizeof line, "%010zu 00000 n \n", off);
    out += line;
  }
  out += "trailer\n<< /Size " + std::to_string(objs.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
  return out;
}

namespace detail {
inline uint32_t Crc32(const std::string& data) {
  uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
inline void Le(std::string& out, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out += static_cast<char>((v >> (8 * i)) & 0xFF);
}
}  // namespace detail

// A ZIP archive of stored (uncompressed) entries.
inline std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& entries) {
  using detail::Le;
  std::string out, central;
  for (const auto& [name, data] : entries) {
    const uint32_t crc = detail::Crc32(data);
    const auto offset = static_cast<uint32_t>(out.size());
    const auto size = static_cast<uint32_t>(data.size());
    const auto name_len = static_cast<uint32_t>(name.size());
    Le(out, 0x04034b50, 4);  // local file header
    Le(out, 20, 2);          // version needed
    Le(out, 0, 2);           // flags
    Le(out, 0, 2);           // stored
    Le(out, 0, 2);           // time
    Le(out, 0x21, 2);        // date (1980-01-01)
    Le(out, crc, 4);
    Le(out, size, 4);
    Le(out, size, 4);
    Le(out, name_len, 2);
    Le(out, 0, 2);
    out += name + data;
    Le(central, 0x02014b50, 4);  // central directory header
    Le(central, 20, 2);
    Le(central, 20, 2);
    Le(central, 0, 2);
    Le(central, 0, 2);
    Le(central, 0, 2);
    Le(central, 0x21, 2);
    Le(central, crc, 4);
    Le(central, size, 4);
    Le(central, size, 4);
    Le(central, name_len, 2);
    Le(central, 0, 2);  // extra
    Le(central, 0, 2);  // comment
    Le(central, 0, 2);  // disk
    Le(central, 0, 2);  // internal attributes
    Le(central, 0, 4);  // external attributes
    Le(central, offset, 4);
    central += name;
  }
  const auto central_offset = static_cast<uint32_t>(out.size());
  out += central;
  Le(out, 0x06054b50, 4);  // end of central directory
  Le(out, 0, 2);
  Le(out, 0, 2);
  Le(out, static_cast<uint32_t>(entries.size()), 2);
  Le(out, static_cast<uint32_t>(entries.size()), 2);
  Le(out, static_cast<uint32_t>(central.size()), 4);
  Le(out, central_offset, 4);
  Le(out, 0, 2);
  return out;
}

// A minimal DOCX whose body is `paragraphs`.
inline std::string MakeDocx(const std::vector<std::string>& paragraphs) {
  const std::string types =
      R"(<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>)";
  std::string doc =
      R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>)";
  for (const auto& p : paragraphs) doc += "<w:p><w:r><w:t>" + p + "</w:t></w:r></w:p>";
  doc += "</w:body></w:document>";
  return MakeZip({{"[Content_Types].xml", types}, {"word/document.xml", doc}});
}

inline std::string Base64(const std::string& in) {
  static const char* kChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kChars[v >> 18];
    out += kChars[(v >> 12) & 63];
    out += kChars[(v >> 6) & 63];
    out += kChars[v & 63];
  }
  if (i + 1 == in.size()) {
    const uint32_t v = uint8_t(in[i]) << 16;
    out += kChars[v >> 18];
    out += kChars[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    const uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kChars[v >> 18];
    out += kChars[(v >> 12) & 63];
    out += kChars[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

// A string member of a JSON object, "" when absent or not a string.
inline std::string Str(const json& j, const std::string& key) {
  if (!j.is_object()) return "";
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : "";
}
inline const json& Member(const json& j, const std::string& key) {
  static const json kNull;
  if (!j.is_object()) return kNull;
  auto it = j.find(key);
  return it == j.end() ? kNull : *it;
}
// A copy (so that `for (auto& x : Array(res.Json(), "items"))` is safe).
inline json Array(const json& j, const std::string& key) {
  const json& m = Member(j, key);
  return m.is_array() ? m : json::array();
}

}  // namespace lc::e2e
