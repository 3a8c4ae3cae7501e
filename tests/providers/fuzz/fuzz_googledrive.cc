// Google Drive response parsers on arbitrary bytes: no crash, no UB, and a
// parsed page never holds an item without an id.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "providers/googledrive_adapter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace lc::providers;
  if (auto page = googledrive::ParseFileList(body); page.ok()) {
    for (const auto& f : page->items) {
      if (f.id().empty()) abort();
    }
  }
  if (auto changes = googledrive::ParseChanges(body); changes.ok()) {
    if (changes->next_cursor.empty()) abort();
    for (const auto& c : changes->changes) {
      if (c.file_id().empty()) abort();
    }
  }
  std::string token;
  (void)googledrive::ParseRevisions(body, &token);
  (void)googledrive::ParseError(body);
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  (void)googledrive::ParseFile(j);
  (void)ParseRfc3339(body);
  return 0;
}
