#include "provider_server.h"
namespace lc::emulator {
void InstallOneDrive(ProviderServer&) {}
}  // namespace lc::emulator
