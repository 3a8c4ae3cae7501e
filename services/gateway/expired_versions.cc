#include "gateway/expired_versions.h"

#include <grpcpp/client_context.h>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "gateway/upstream.h"
#include "runtime/proto_time.h"

namespace lc::gateway {
namespace {

namespace v1 = liveconnect::v1;

std::string Message(const v1::Version& version) {
  std::string found;
  if (version.has_state_time()) {
    found = absl::StrCat(
        " (found ",
        absl::FormatTime("%Y-%m-%d %H:%M UTC", FromProtoTimestamp(version.state_time()),
                         absl::UTCTimeZone()),
        ")");
  }
  std::string message =
      absl::StrCat("Version ", version.number(),
                   " of this document is no longer available: ", version.blob().provider(),
                   " no longer keeps the revision it pinned", found,
                   ". The version's details stay; its bytes are gone.");
  if (!version.state_reason().empty()) absl::StrAppend(&message, " ", version.state_reason());
  return message;
}

}  // namespace

void WriteRevisionExpired(httplib::Response& res, const v1::Version& version, ErrorFormat format) {
  const std::string message = Message(version);
  if (format == ErrorFormat::kHtml) {
    return WriteHtmlPage(res, 410, "This version is no longer available", message);
  }
  nlohmann::json body = {
      {"error",
       {{"code", "FAILED_PRECONDITION"}, {"reason", "REVISION_EXPIRED"}, {"message", message}}}};
  WriteJson(res, 410, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool WriteIfRevisionExpired(v1::RepositoryService::Stub& repo, const AuthenticatedUser& user,
                            absl::Duration timeout, const std::string& document_id,
                            const std::string& version_id, ErrorFormat format,
                            httplib::Response& res) {
  if (version_id.empty()) return false;
  v1::GetVersionRequest request;
  request.set_document_id(document_id);
  request.set_version_id(version_id);
  v1::Version version;
  grpc::ClientContext context;
  PrepareUpstreamCall(context, user, timeout);
  if (!repo.GetVersion(&context, request, &version).ok() ||
      version.state() != v1::VERSION_STATE_REVISION_EXPIRED) {
    return false;
  }
  WriteRevisionExpired(res, version, format);
  return true;
}

}  // namespace lc::gateway
