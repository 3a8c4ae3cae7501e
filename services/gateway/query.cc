#include "gateway/query.h"

namespace lc::gateway {

std::vector<std::pair<std::string, std::string>> QueryParams(const httplib::Request& req) {
  std::vector<std::pair<std::string, std::string>> params;
  const size_t question = req.target.find('?');
  if (question == std::string::npos) return params;
  std::string_view query = std::string_view(req.target).substr(question + 1);
  if (const size_t hash = query.find('#'); hash != std::string_view::npos) {
    query = query.substr(0, hash);
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    std::string key = httplib::detail::decode_url(std::string(pair.substr(0, eq)), true);
    std::string value = eq == std::string_view::npos
                            ? std::string()
                            : httplib::detail::decode_url(std::string(pair.substr(eq + 1)), true);
    params.emplace_back(std::move(key), std::move(value));
  }
  return params;
}

std::string QueryParam(const httplib::Request& req, std::string_view name) {
  for (auto& [key, value] : QueryParams(req)) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace lc::gateway
