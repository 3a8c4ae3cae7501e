#include "provider_server.h"
namespace lc::emulator {
void InstallBox(ProviderServer&) {}
void InstallOneDrive(ProviderServer&) {}
}  // namespace lc::emulator
