// Byte and text encodings shared by the services and tools: base64 (absl),
// percent-encoding and application/x-www-form-urlencoded (libcurl), and
// appending a query to a URL (libcurl's URL API). Built as its own small
// library (lc_encoding) so the cloud emulator uses it without the runtime.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace lc {

// base64 with padding (RFC 4648 section 4).
std::string Base64Encode(std::string_view data);
// base64url without padding (RFC 4648 section 5), as JWTs and page tokens use.
std::string Base64UrlEncode(std::string_view data);
// Strict decoders: only the canonical encoding of some bytes is accepted (the
// right alphabet, padding only for Base64Decode and exactly as the encoder
// writes it, zero unused bits), so one value has exactly one encoding.
bool Base64Decode(std::string_view data, std::string* out);
bool Base64UrlDecode(std::string_view data, std::string* out);

// Percent-encodes every byte but RFC 3986 unreserved characters
// (A-Z a-z 0-9 - . _ ~), for a path segment, a query key or a value.
std::string PercentEncode(std::string_view text);
// Decodes %XX escapes; a '%' not followed by two hex digits stays as it is.
// '+' stays '+' (see FormDecode for forms).
std::string PercentDecode(std::string_view text);

using FormFields = std::vector<std::pair<std::string, std::string>>;

// "k=v&k2=v2", both sides percent-encoded: an x-www-form-urlencoded body or
// a query string.
std::string FormEncode(const FormFields& fields);
std::string FormEncode(std::initializer_list<std::pair<std::string_view, std::string_view>> fields);
// Parses a form body or a query string (without the '?'): pairs in order,
// '+' read as a space, a key without '=' has the value "", empty pairs are
// skipped.
FormFields FormDecode(std::string_view text);

// `url` with `fields` appended to its query (after any existing one, before
// any fragment). INVALID_ARGUMENT when `url` is not an absolute URL.
absl::StatusOr<std::string> AppendQuery(std::string_view url, const FormFields& fields);

// Text safe inside HTML element content and quoted attribute values
// (& < > " ' as entities).
std::string HtmlEscape(std::string_view text);

}  // namespace lc
