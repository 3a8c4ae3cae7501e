// The adapters by registry name: googledrive, dropbox, box, onedrive and
// onedrive-business (the last two share the Graph adapter).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "providers/provider_adapter.h"

namespace lc::providers {

class AdapterRegistry {
 public:
  // Registers the built-in adapters.
  AdapterRegistry();
  // For tests: exactly these adapters.
  explicit AdapterRegistry(std::vector<std::unique_ptr<ProviderAdapter>> adapters);

  // nullptr when the name is unknown.
  ProviderAdapter* Find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::unique_ptr<ProviderAdapter>> adapters_;
};

}  // namespace lc::providers
