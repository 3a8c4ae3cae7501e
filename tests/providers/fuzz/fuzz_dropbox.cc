// Dropbox response parsers on arbitrary bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "providers/dropbox_adapter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace lc::providers;
  if (auto page = dropbox::ParseListFolder(body); page.ok()) {
    if (page->next_cursor.empty()) abort();
    for (const auto& c : page->changes) {
      // Either an id or, for deletions, the vacated path.
      if (c.file_id().empty() && c.kind() != liveconnect::v1::CHANGE_KIND_DELETED) abort();
    }
  }
  (void)dropbox::ParseRevisions(body);
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  (void)dropbox::ParseMetadata(j);
  (void)MimeFromName(body);
  return 0;
}
