// Query parameters with application/x-www-form-urlencoded rules ("+" is a
// space), as OAuth2 providers encode their redirects (RFC 6749, appendix B)
// and HTML forms send them. httplib 0.11 keeps "+" in Request::params, and
// by then "%2B" and "+" cannot be told apart, so the raw target is parsed
// again here.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lc::gateway {

// Every name=value pair of the query, decoded, in order.
std::vector<std::pair<std::string, std::string>> QueryParams(const httplib::Request& req);

// The first value of `name`, or "" when absent.
std::string QueryParam(const httplib::Request& req, std::string_view name);

}  // namespace lc::gateway
