// One provider's ProviderServer on a loopback port with the admin API, for
// the emulator's HTTP-level tests: each provider's fixture derives from it
// and adds its own users, tokens and request helpers.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "provider_server.h"

namespace lc::emulator {

class ProviderServerTestBase : public ::testing::Test {
 protected:
  // Serves `install`'s routes and the admin API; `user` (created with
  // `user_name`) is the default user the authorize endpoint signs in.
  void StartServer(const std::string& name, IdStyle style, OAuthServer::Options options,
                   void (*install)(ProviderServer&), const std::string& user,
                   const std::string& user_name) {
    server_ =
        std::make_unique<ProviderServer>(name, style, std::move(options), clock_, 3600, nullptr);
    server_->store().AddUser("", user, user_name);
    server_->set_default_user(user);
    install(*server_);
    InstallAdminApi(*server_);
    port_ = server_->Bind("127.0.0.1", 0);
    ASSERT_GT(port_, 0);
    // Bound before listening, so early connections wait in the backlog.
    thread_ = std::thread([this] { server_->Listen(); });
  }
  void TearDown() override {
    if (!server_) return;
    server_->Stop();
    if (thread_.joinable()) thread_.join();
  }
  httplib::Client Client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_read_timeout(read_timeout_seconds_, 0);
    return c;
  }
  // POST /_emulator/<path>; expects 200 and answers the JSON body.
  nlohmann::json AdminPost(const std::string& path, const nlohmann::json& body) {
    auto res = Client().Post(("/_emulator/" + path).c_str(), body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return nlohmann::json::object();
    EXPECT_EQ(res->status, 200) << res->body;
    return nlohmann::json::parse(res->body, nullptr, false);
  }
  // A fresh access token of `user`, valid at the emulator's clock.
  std::string TokenOf(const std::string& user) {
    nlohmann::json token = AdminPost("tokens", {{"user", user}})["access_token"];
    return token.is_string() ? token.get<std::string>() : "";
  }

  Clock clock_;
  std::unique_ptr<ProviderServer> server_;
  std::thread thread_;
  int port_ = 0;
  int read_timeout_seconds_ = 5;
};

}  // namespace lc::emulator
