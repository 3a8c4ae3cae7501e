// The providers service's TokenSource without the oauth service: hands out
// "tok1", "tok2"... (a new one per call, as a refresh would), refuses users
// who have not connected, and counts forced refreshes.
#pragma once

#include <mutex>
#include <set>
#include <string>

#include "providers/api_session.h"

namespace lc::testing {

class FakeTokenSource : public providers::TokenSource {
 public:
  explicit FakeTokenSource(std::string api_base_url = "https://api.example.test/")
      : api_base_url_(std::move(api_base_url)) {}

  // `user` has no connected account: Get answers NOT_FOUND.
  void Disconnect(const std::string& user) {
    std::lock_guard<std::mutex> lock(mu_);
    disconnected_.insert(user);
  }
  int calls() {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  int forced() {
    std::lock_guard<std::mutex> lock(mu_);
    return forced_;
  }

  absl::StatusOr<providers::AccessToken> Get(const providers::AccountKey& key, bool force_refresh,
                                             absl::Time) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++calls_;
    if (force_refresh) ++forced_;
    if (disconnected_.count(key.user)) return absl::NotFoundError("not connected");
    return providers::AccessToken{"tok" + std::to_string(calls_), api_base_url_};
  }

 private:
  std::mutex mu_;
  const std::string api_base_url_;
  std::set<std::string> disconnected_;
  int calls_ = 0;
  int forced_ = 0;
};

}  // namespace lc::testing
