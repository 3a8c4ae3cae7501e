#include "oauth_commands.h"

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "liveconnect/v1/oauth.grpc.pb.h"
#include "output.h"

namespace lc::lcctl {
namespace {

namespace v1 = ::liveconnect::v1;
using Stub = v1::OAuthService::Stub;

constexpr char kDefaultGateway[] = "http://127.0.0.1:8080";

FlagSpec HelpFlag() { return {"help", "", "show this help"}; }

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::unique_ptr<Stub> NewStub(RpcSession& session) {
  return v1::OAuthService::NewStub(session.shared_channel());
}

std::string StatusLabel(const v1::Account& account) {
  std::string label = EnumLabel(v1::AccountStatus_Name(account.status()), "ACCOUNT_STATUS_");
  return account.status_reason().empty() ? label
                                         : absl::StrCat(label, " (", account.status_reason(), ")");
}

void PrintProvider(const v1::ServiceProvider& p, std::ostream& out) {
  KeyValueBlock block;
  block.Add("name", p.name());
  block.Add("description", OrDash(p.description()));
  block.Add("enabled", p.enabled() ? "yes" : "no");
  block.Add("usable", p.usable() ? "yes" : absl::StrCat("no (", p.unusable_reason(), ")"));
  block.Add("client id", OrDash(p.client_id()));
  block.Add("client secret", p.client_secret_set() ? "set" : "not set");
  block.Add("authorization url", p.authorization_url());
  block.Add("token url", p.token_url());
  block.Add("revoke url", OrDash(p.revoke_url()));
  block.Add("api base url", p.api_base_url());
  block.Add("scopes", OrDash(absl::StrJoin(p.scopes(), " ")));
  std::map<std::string, std::string> params(p.extra_authorization_params().begin(),
                                            p.extra_authorization_params().end());
  block.Add("extra params", OrDash(absl::StrJoin(params, " ", absl::PairFormatter("="))));
  if (!p.tenant().empty()) block.Add("tenant", p.tenant());
  block.Print(out);
}

absl::Status RunListAccounts(RpcSession& session, const v1::ListAccountsRequest& request) {
  v1::ListAccountsResponse resp;
  if (auto s = FromGrpc(NewStub(session)->ListAccounts(session.NewCall().get(), request, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    if (resp.accounts().empty()) {
      out << "no connected accounts; connect one with 'lcctl accounts connect PROVIDER'\n";
      return;
    }
    Table table({"PROVIDER", "ACCOUNT", "NAME", "STATUS", "CONNECTED"});
    for (const auto& a : resp.accounts()) {
      table.AddRow({a.provider(), a.account(), OrDash(a.display_name()), StatusLabel(a),
                    FormatTimestamp(a.connected_time())});
    }
    table.Print(out);
  });
}

absl::Status RunDisconnect(RpcSession& session, const v1::DisconnectRequest& request) {
  v1::DisconnectResponse resp;
  if (auto s = FromGrpc(NewStub(session)->Disconnect(session.NewCall().get(), request, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    out << "disconnected " << request.provider() << " account " << request.account()
        << (resp.revoked_at_provider() ? " (access revoked at the provider)"
                                       : " (not revoked at the provider: it has no revoke "
                                         "endpoint or refused; remove the app there if needed)")
        << "\n";
  });
}

absl::Status RunListProviders(RpcSession& session, const v1::ListServiceProvidersRequest& req) {
  v1::ListServiceProvidersResponse resp;
  if (auto s =
          FromGrpc(NewStub(session)->ListServiceProviders(session.NewCall().get(), req, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) {
    Table table({"NAME", "ENABLED", "USABLE", "CLIENT ID", "SECRET", "WHY NOT USABLE"});
    for (const auto& p : resp.providers()) {
      table.AddRow({p.name(), p.enabled() ? "yes" : "no", p.usable() ? "yes" : "no",
                    OrDash(Truncate(p.client_id(), 32)), p.client_secret_set() ? "set" : "-",
                    OrDash(p.unusable_reason())});
    }
    table.Print(out);
  });
}

absl::Status RunGetProvider(RpcSession& session, const v1::GetServiceProviderRequest& req) {
  v1::ServiceProvider resp;
  if (auto s = FromGrpc(NewStub(session)->GetServiceProvider(session.NewCall().get(), req, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) { PrintProvider(resp, out); });
}

absl::Status RunUpdateProvider(RpcSession& session, const v1::UpdateServiceProviderRequest& req) {
  v1::ServiceProvider resp;
  if (auto s =
          FromGrpc(NewStub(session)->UpdateServiceProvider(session.NewCall().get(), req, &resp));
      !s.ok()) {
    return s;
  }
  return session.Print(resp, [&](std::ostream& out) { PrintProvider(resp, out); });
}

absl::StatusOr<v1::ListAccountsRequest> BuildListAccounts(const ParsedArgs& args) {
  v1::ListAccountsRequest req;
  req.set_provider(args.Value("provider"));
  return req;
}

absl::StatusOr<v1::DisconnectRequest> BuildDisconnect(const ParsedArgs& args) {
  v1::DisconnectRequest req;
  req.set_provider(args.positionals()[0]);
  req.set_account(args.positionals()[1]);
  return req;
}

absl::StatusOr<v1::ListServiceProvidersRequest> BuildListProviders(const ParsedArgs&) {
  return v1::ListServiceProvidersRequest();
}

absl::StatusOr<v1::GetServiceProviderRequest> BuildGetProvider(const ParsedArgs& args) {
  v1::GetServiceProviderRequest req;
  req.set_name(args.positionals()[0]);
  return req;
}

}  // namespace

std::string GatewayBaseUrl(const std::string& given) {
  const char* env = std::getenv("LC_GATEWAY_URL");
  std::string base = !given.empty() ? given : (env != nullptr && *env) ? env : kDefaultGateway;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base;
}

std::string ConnectUrl(const std::string& gateway_url, const std::string& provider) {
  return absl::StrCat(GatewayBaseUrl(gateway_url), "/oauth2/", provider, "/authorize");
}

absl::StatusOr<v1::UpdateServiceProviderRequest> BuildUpdateServiceProviderRequest(
    const ParsedArgs& args) {
  v1::UpdateServiceProviderRequest req;
  v1::ServiceProvider* p = req.mutable_provider();
  p->set_name(args.positionals()[0]);
  auto* mask = req.mutable_update_mask();
  auto text_flag = [&](const char* flag, const char* path,
                       void (v1::ServiceProvider::*set)(const std::string&)) {
    if (!args.Has(flag)) return;
    (p->*set)(args.Value(flag));
    mask->add_paths(path);
  };
  text_flag("description", "description", &v1::ServiceProvider::set_description);
  text_flag("client-id", "client_id", &v1::ServiceProvider::set_client_id);
  text_flag("auth-url", "authorization_url", &v1::ServiceProvider::set_authorization_url);
  text_flag("token-url", "token_url", &v1::ServiceProvider::set_token_url);
  text_flag("revoke-url", "revoke_url", &v1::ServiceProvider::set_revoke_url);
  text_flag("api-base-url", "api_base_url", &v1::ServiceProvider::set_api_base_url);
  text_flag("tenant", "tenant", &v1::ServiceProvider::set_tenant);
  if (args.Has("scopes")) {
    for (absl::string_view s :
         absl::StrSplit(args.Value("scopes"), absl::ByAnyChar(", "), absl::SkipEmpty())) {
      p->add_scopes(std::string(s));
    }
    mask->add_paths("scopes");
  }
  if (args.Has("param") || args.Has("clear-params")) {
    if (args.Has("param") && args.Has("clear-params")) {
      return absl::InvalidArgumentError("--param and --clear-params exclude each other");
    }
    absl::StatusOr<std::map<std::string, std::string>> params = args.KeyValues("param");
    if (!params.ok()) return params.status();
    for (const auto& [k, v] : *params) (*p->mutable_extra_authorization_params())[k] = v;
    mask->add_paths("extra_authorization_params");
  }
  if (args.Has("enable") && args.Has("disable")) {
    return absl::InvalidArgumentError("--enable and --disable exclude each other");
  }
  if (args.Has("enable") || args.Has("disable")) {
    p->set_enabled(args.Has("enable"));
    mask->add_paths("enabled");
  }
  if (args.Has("client-secret-file")) {
    const std::string path = args.Value("client-secret-file");
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("--client-secret-file: cannot read \"", path, "\""));
    }
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string secret = buffer.str();
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) secret.pop_back();
    req.set_client_secret(secret);
    mask->add_paths("client_secret");
  }
  if (mask->paths().empty()) {
    return absl::InvalidArgumentError("nothing to update: give at least one field flag");
  }
  return req;
}

std::vector<Command> OAuthCommands() {
  std::vector<Command> commands;
  commands.push_back({"accounts list",
                      "List your connected cloud accounts and their status.",
                      Service::kOAuth,
                      {{{"provider", "P", "only accounts of this provider"}, HelpFlag()}, {}},
                      Prepare(&BuildListAccounts, &RunListAccounts)});
  commands.push_back(
      {"accounts connect",
       "Print the gateway URL that connects an account of PROVIDER. Open it in a browser signed "
       "in to the gateway\n(gateway from $LC_GATEWAY_URL, default http://127.0.0.1:8080).",
       Service::kOAuth,
       {{{"gateway-url", "URL", "the gateway's public URL (default: $LC_GATEWAY_URL)"}, HelpFlag()},
        {"PROVIDER"}},
       [](const ParsedArgs& args) -> absl::StatusOr<Action> {
         const char* env = std::getenv("LC_GATEWAY_URL");
         std::string url =
             ConnectUrl(args.Value("gateway-url", env ? env : ""), args.positionals()[0]);
         return Action([url](RpcSession& session) {
           session.out() << url << "\n";
           return absl::OkStatus();
         });
       }});
  commands.push_back({"accounts disconnect",
                      "Revoke access at the provider where it can, then forget the account.",
                      Service::kOAuth,
                      {{HelpFlag()}, {"PROVIDER", "ACCOUNT"}},
                      Prepare(&BuildDisconnect, &RunDisconnect)});
  commands.push_back({"providers list",
                      "List the OAuth service-provider registry (admins only).",
                      Service::kOAuth,
                      {{HelpFlag()}, {}},
                      Prepare(&BuildListProviders, &RunListProviders)});
  commands.push_back({"providers get",
                      "Show one registry entry; the client secret is never shown (admins only).",
                      Service::kOAuth,
                      {{HelpFlag()}, {"NAME"}},
                      Prepare(&BuildGetProvider, &RunGetProvider)});
  commands.push_back(
      {"providers update",
       "Change a registry entry; only the fields whose flags are given change (admins only).",
       Service::kOAuth,
       {{{"client-id", "ID", "OAuth client id"},
         {"client-secret-file", "F", "file holding the client secret (never a flag value)"},
         {"enable", "", "enable the provider"},
         {"disable", "", "disable the provider"},
         {"auth-url", "URL", "authorization endpoint"},
         {"token-url", "URL", "token endpoint"},
         {"revoke-url", "URL", "revoke endpoint (empty: none)"},
         {"api-base-url", "URL", "API base URL"},
         {"scopes", "S", "scopes, separated by spaces or commas"},
         {"param", "k=v", "extra authorization parameter (repeatable; replaces all)", false, true},
         {"clear-params", "", "remove every extra authorization parameter"},
         {"tenant", "T", "Microsoft tenant (common, organizations, consumers, a tenant id)"},
         {"description", "D", "description"},
         HelpFlag()},
        {"NAME"}},
       Prepare(&BuildUpdateServiceProviderRequest, &RunUpdateProvider)});
  return commands;
}

}  // namespace lc::lcctl
