// From an HTTP request to a protobuf request message and back, by
// reflection: the body is the message's JSON mapping, path segments and
// query parameters fill fields named by (dotted) proto or JSON names.
#pragma once

#include <google/protobuf/message.h>
#include <httplib.h>

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lc::gateway {

// Sets the field at `path` ("document_id", "filter.providers",
// "account.provider"; proto or lowerCamelCase names) from its text form:
// numbers, true/false, enum names (also without the type prefix, any case:
// "download" for LINK_KIND_DOWNLOAD), and the JSON string form of messages
// such as Timestamp ("2026-01-02T03:04:05Z") and FieldMask ("a,b").
// Repeated fields get one more element. INVALID_ARGUMENT names `display`
// (the parameter as the client wrote it) when the path or value is wrong.
absl::Status SetFieldFromText(google::protobuf::Message& message, absl::string_view path,
                              absl::string_view value, absl::string_view display);

// Parses a JSON body into `message` (empty body: nothing). Unknown fields
// are refused.
absl::Status MergeJsonBody(absl::string_view body, google::protobuf::Message& message);

struct RequestMapping {
  // Field paths filled by the route's path captures, in capture order.
  std::vector<std::string> path_fields;
  // Whether the request may carry a JSON body (POST/PATCH/PUT).
  bool body = false;
  // Query parameter names that stand for another field ("q" -> "query").
  std::map<std::string, std::string> query_aliases;
  // Headers that fill a field when present ("If-Match" -> "etag").
  std::map<std::string, std::string> header_fields;
};

// Fills `message` from `req`: body first, then query parameters, headers
// and path captures (captures win). An unknown query parameter is refused,
// so a misspelt filter never widens a query.
absl::Status BuildRequest(const httplib::Request& req, const RequestMapping& mapping,
                          google::protobuf::Message& message);

// The JSON an answer carries: lowerCamelCase names, enums by name, empty
// lists and zero scalars included so clients need no defaults table.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace lc::gateway
