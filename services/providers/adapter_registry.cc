#include "providers/adapter_registry.h"

#include "providers/box_adapter.h"
#include "providers/dropbox_adapter.h"
#include "providers/googledrive_adapter.h"
#include "providers/onedrive_adapter.h"

namespace lc::providers {

namespace {
std::vector<std::unique_ptr<ProviderAdapter>> BuiltIn() {
  std::vector<std::unique_ptr<ProviderAdapter>> out;
  out.push_back(std::make_unique<GoogleDriveAdapter>());
  out.push_back(std::make_unique<DropboxAdapter>());
  out.push_back(std::make_unique<BoxAdapter>());
  out.push_back(std::make_unique<OneDriveAdapter>("onedrive"));
  out.push_back(std::make_unique<OneDriveAdapter>("onedrive-business"));
  return out;
}
}  // namespace

AdapterRegistry::AdapterRegistry() : AdapterRegistry(BuiltIn()) {}

AdapterRegistry::AdapterRegistry(std::vector<std::unique_ptr<ProviderAdapter>> adapters) {
  for (auto& a : adapters) {
    std::string name = a->name();
    adapters_[name] = std::move(a);
  }
}

ProviderAdapter* AdapterRegistry::Find(const std::string& name) const {
  auto it = adapters_.find(name);
  return it == adapters_.end() ? nullptr : it->second.get();
}

std::vector<std::string> AdapterRegistry::names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : adapters_) out.push_back(name);
  return out;
}

}  // namespace lc::providers
