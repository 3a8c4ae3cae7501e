// lcctl subcommands of the OAuthService: connected accounts (accounts list,
// connect, disconnect) and the provider registry (providers list, get,
// update; admin only).
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "args.h"
#include "command.h"
#include "liveconnect/v1/oauth.pb.h"

namespace lc::lcctl {

std::vector<Command> OAuthCommands();

// Request builders, exposed so tests check them without a server. The
// update mask names exactly the fields whose flags were given; the secret
// is read from --client-secret-file (trailing newline dropped).
absl::StatusOr<liveconnect::v1::UpdateServiceProviderRequest> BuildUpdateServiceProviderRequest(
    const ParsedArgs& args);
// The gateway URL a browser opens to connect an account of `provider`.
std::string ConnectUrl(const std::string& gateway_url, const std::string& provider);

// The gateway's public URL without a trailing slash: `given`, else
// $LC_GATEWAY_URL, else http://127.0.0.1:8080.
std::string GatewayBaseUrl(const std::string& given = "");

}  // namespace lc::lcctl
