// The indexer's ContentSource without the providers service: files by id,
// with an optional text export and an injectable error; every fetch counted.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "indexer/content_source.h"

namespace lc::testing {

class FakeContentSource : public indexer::ContentSource {
 public:
  struct File {
    std::string bytes;
    std::string mime;
    std::optional<std::string> text_export;  // absent: UNIMPLEMENTED for TEXT
    absl::Status error;                      // returned for ORIGINAL when not OK
  };
  void Put(const std::string& file_id, File f) {
    std::lock_guard<std::mutex> lock(mu_);
    files_[file_id] = std::move(f);
  }
  int Fetches(const std::string& file_id) {
    std::lock_guard<std::mutex> lock(mu_);
    return fetches_[file_id];
  }
  std::string last_user() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_user_;
  }

  // Like the providers service: unknown files are NOT_FOUND, more than
  // max_bytes is RESOURCE_EXHAUSTED.
  absl::StatusOr<indexer::FetchedContent> Fetch(const ::liveconnect::v1::BlobRef& blob,
                                                ::liveconnect::v1::ContentFormat format,
                                                const std::string& user, int64_t max_bytes,
                                                absl::Duration) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++fetches_[blob.file_id()];
    last_user_ = user;
    auto it = files_.find(blob.file_id());
    if (it == files_.end()) return absl::NotFoundError("no such file");
    const File& f = it->second;
    if (format == ::liveconnect::v1::CONTENT_FORMAT_TEXT) {
      if (!f.text_export) return absl::UnimplementedError("no text export");
      return indexer::FetchedContent{*f.text_export, "text/plain"};
    }
    if (!f.error.ok()) return f.error;
    if (static_cast<int64_t>(f.bytes.size()) > max_bytes) {
      return absl::ResourceExhaustedError("over max_bytes");
    }
    return indexer::FetchedContent{f.bytes, f.mime};
  }

 private:
  std::mutex mu_;
  std::map<std::string, File> files_;
  std::map<std::string, int> fetches_;
  std::string last_user_;
};

}  // namespace lc::testing
