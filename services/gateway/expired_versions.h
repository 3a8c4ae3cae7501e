// A version whose pinned revision the provider dropped (REVISION_EXPIRED)
// is gone for good: its links answer 410 Gone, not the 412 of the other
// refusals (docs/rest-api.md). The repository refuses such a link with
// FAILED_PRECONDITION; the version's state tells the two apart.
#pragma once

#include <httplib.h>

#include <string>

#include "absl/time/time.h"
#include "gateway/http_errors.h"
#include "gateway/request_auth.h"
#include "liveconnect/v1/repository.grpc.pb.h"

namespace lc::gateway {

// 410 for the expired version: JSON {"error":{"code":"FAILED_PRECONDITION",
// "reason":"REVISION_EXPIRED","message":...}} or a short HTML page.
void WriteRevisionExpired(httplib::Response& res, const liveconnect::v1::Version& version,
                          ErrorFormat format);

// After a version's link was refused with FAILED_PRECONDITION: asks the
// repository for the version and, when it is REVISION_EXPIRED, writes the
// 410 and returns true. False (nothing written) otherwise.
bool WriteIfRevisionExpired(liveconnect::v1::RepositoryService::Stub& repo,
                            const AuthenticatedUser& user, absl::Duration timeout,
                            const std::string& document_id, const std::string& version_id,
                            ErrorFormat format, httplib::Response& res);

}  // namespace lc::gateway
