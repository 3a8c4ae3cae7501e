// Box response parsers on arbitrary bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "providers/box_adapter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace lc::providers;
  (void)box::ParseItems(body);
  if (auto events = box::ParseEvents(body, 500); events.ok()) {
    if (events->next_cursor.empty()) abort();
    for (const auto& c : events->changes) {
      if (c.file_id().empty()) abort();
    }
  }
  (void)box::ParseVersions(body);
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  (void)box::ParseItem(j);
  return 0;
}
