#include "gateway/query.h"

namespace lc::gateway {

std::string QueryParam(const httplib::Request& req, std::string_view name) {
  const size_t question = req.target.find('?');
  if (question == std::string::npos) return "";
  std::string_view query = std::string_view(req.target).substr(question + 1);
  if (const size_t hash = query.find('#'); hash != std::string_view::npos) {
    query = query.substr(0, hash);
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const size_t eq = pair.find('=');
    std::string_view key = pair.substr(0, eq);
    if (httplib::detail::decode_url(std::string(key), true) != name) continue;
    if (eq == std::string_view::npos) return "";
    return httplib::detail::decode_url(std::string(pair.substr(eq + 1)), true);
  }
  return "";
}

}  // namespace lc::gateway
