#include "provider_server.h"
namespace lc::emulator {
void InstallDropbox(ProviderServer&) {}
void InstallBox(ProviderServer&) {}
void InstallOneDrive(ProviderServer&) {}
}  // namespace lc::emulator
