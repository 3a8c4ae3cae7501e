// Short-lived download URLs (Box, Graph, Dropbox temporary links) that need
// no server-side state: the claims travel in the token, signed with a key
// made at start, so millions of issued links cost no memory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace lc::emulator {

struct DownloadLink {
  std::string user_id;
  std::string item_id;
  std::string revision_id;
  bool pdf = false;  // serve the revision rendered as PDF
  int64_t expires_ms = 0;
};

// A URL-safe token ([A-Za-z0-9_.-]).
std::string SignDownloadLink(const DownloadLink& link);
// The link, if the token is intact; expiry is the caller's to check.
std::optional<DownloadLink> VerifyDownloadLink(const std::string& token);

}  // namespace lc::emulator
