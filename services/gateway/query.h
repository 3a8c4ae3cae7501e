// Query parameters with application/x-www-form-urlencoded rules ("+" is a
// space), as OAuth2 providers encode their redirects (RFC 6749, appendix B).
// httplib 0.11 keeps "+" in Request::params, and by then "%2B" and "+"
// cannot be told apart, so the raw target is parsed again here.
#pragma once

#include <httplib.h>

#include <string>
#include <string_view>

namespace lc::gateway {

// The first value of `name`, or "" when absent.
std::string QueryParam(const httplib::Request& req, std::string_view name);

}  // namespace lc::gateway
