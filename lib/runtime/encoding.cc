#include "runtime/encoding.h"

#include <curl/curl.h>

#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"

namespace lc {
namespace {

// Abseil here has its own string_view type, distinct from std::string_view.
absl::string_view AbslView(std::string_view s) { return absl::string_view(s.data(), s.size()); }

struct CurlFree {
  void operator()(char* p) const { curl_free(p); }
};
struct CurlUrlFree {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

template <class Encode>
bool StrictDecode(std::string_view data, std::string* out,
                  bool (*decode)(absl::string_view, std::string*), Encode encode) {
  std::string decoded;
  if (!decode(AbslView(data), &decoded)) return false;
  // absl accepts some non-canonical spellings (missing padding, stray bits);
  // re-encoding tells them apart.
  if (encode(decoded) != AbslView(data)) return false;
  *out = std::move(decoded);
  return true;
}

}  // namespace

std::string Base64Encode(std::string_view data) { return absl::Base64Escape(AbslView(data)); }

std::string Base64UrlEncode(std::string_view data) {
  return absl::WebSafeBase64Escape(AbslView(data));
}

bool Base64Decode(std::string_view data, std::string* out) {
  return StrictDecode(data, out, &absl::Base64Unescape,
                      [](const std::string& s) { return absl::Base64Escape(s); });
}

bool Base64UrlDecode(std::string_view data, std::string* out) {
  return StrictDecode(data, out, &absl::WebSafeBase64Unescape,
                      [](const std::string& s) { return absl::WebSafeBase64Escape(s); });
}

std::string PercentEncode(std::string_view text) {
  if (text.empty()) return "";
  // Since curl 7.82 the handle argument is ignored; curl escapes all but the
  // RFC 3986 unreserved characters, with upper-case hex.
  std::unique_ptr<char, CurlFree> escaped(
      curl_easy_escape(nullptr, text.data(), static_cast<int>(text.size())));
  if (escaped == nullptr) throw std::bad_alloc();
  return std::string(escaped.get());
}

std::string PercentDecode(std::string_view text) {
  if (text.empty()) return "";
  int length = 0;
  std::unique_ptr<char, CurlFree> decoded(
      curl_easy_unescape(nullptr, text.data(), static_cast<int>(text.size()), &length));
  if (decoded == nullptr) throw std::bad_alloc();
  return std::string(decoded.get(), static_cast<size_t>(length));
}

std::string FormEncode(const FormFields& fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&out, out.empty() ? "" : "&", PercentEncode(key), "=", PercentEncode(value));
  }
  return out;
}

std::string FormEncode(
    std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string out;
  for (const auto& [key, value] : fields) {
    absl::StrAppend(&out, out.empty() ? "" : "&", PercentEncode(key), "=", PercentEncode(value));
  }
  return out;
}

FormFields FormDecode(std::string_view text) {
  FormFields out;
  for (absl::string_view pair : absl::StrSplit(AbslView(text), '&', absl::SkipEmpty())) {
    const std::string plus_as_space = absl::StrReplaceAll(pair, {{"+", " "}});
    const size_t eq = plus_as_space.find('=');
    if (eq == std::string::npos) {
      out.emplace_back(PercentDecode(plus_as_space), "");
    } else {
      out.emplace_back(PercentDecode(std::string_view(plus_as_space).substr(0, eq)),
                       PercentDecode(std::string_view(plus_as_space).substr(eq + 1)));
    }
  }
  return out;
}

absl::StatusOr<std::string> AppendQuery(std::string_view url, const FormFields& fields) {
  std::unique_ptr<CURLU, CurlUrlFree> handle(curl_url());
  if (handle == nullptr) throw std::bad_alloc();
  const std::string text(url);
  // Without CURLU_NON_SUPPORT_SCHEME only schemes this libcurl speaks pass.
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError(absl::StrCat("not an absolute URL: \"", text, "\""));
  }
  if (!fields.empty()) {
    // Already encoded here, so curl must not encode it again.
    const std::string query = FormEncode(fields);
    if (curl_url_set(handle.get(), CURLUPART_QUERY, query.c_str(), CURLU_APPENDQUERY) !=
        CURLUE_OK) {
      return absl::InvalidArgumentError(absl::StrCat("cannot add a query to \"", text, "\""));
    }
  }
  char* joined = nullptr;
  if (curl_url_get(handle.get(), CURLUPART_URL, &joined, 0) != CURLUE_OK) {
    return absl::InvalidArgumentError(absl::StrCat("cannot rebuild the URL \"", text, "\""));
  }
  std::unique_ptr<char, CurlFree> owned(joined);
  return std::string(owned.get());
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace lc
