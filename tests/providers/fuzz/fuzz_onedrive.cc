// Microsoft Graph response parsers on arbitrary bytes.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "providers/onedrive_adapter.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace lc::providers;
  if (auto page = graph::ParsePage(body); page.ok()) {
    for (const auto& item : page->items) (void)graph::ParseItem(item);
  }
  (void)graph::ParseVersions(body);
  json j = json::parse(body.begin(), body.end(), nullptr, false);
  (void)graph::ParseItem(j);
  return 0;
}
