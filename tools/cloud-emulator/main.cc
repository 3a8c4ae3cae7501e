// cloud-emulator: Google Drive, Dropbox, Box and OneDrive on loopback ports.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "provider_server.h"
#include "tls.h"

namespace {

using lc::emulator::ProviderServer;

struct Flags {
  std::string host = "127.0.0.1";
  int googledrive_port = 0;
  int dropbox_port = 0;
  int box_port = 0;
  int onedrive_port = 0;
  std::string ports_file;
  std::string seed_file;
  std::string default_user = "alice@example.com";
  std::string tls_cert_out;
  int64_t token_ttl = 3600;
};

void Usage() {
  std::cerr << "usage: cloud-emulator [--googledrive-port N] [--dropbox-port N]\n"
               "         [--box-port N] [--onedrive-port N] [--host 127.0.0.1]\n"
               "         [--ports-file F] [--seed-file F] [--default-user EMAIL]\n"
               "         [--tls-cert-out F] [--token-ttl SECONDS]\n"
               "A port of 0 picks a free one; -1 disables that provider.\n";
}

bool ParseFlags(int argc, char** argv, Flags* f) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg != "--help" && arg != "-h") {
      if (i + 1 >= argc) {
        std::cerr << "missing value for " << arg << "\n";
        return false;
      }
      value = argv[++i];
    }
    try {
      if (arg == "--googledrive-port") {
        f->googledrive_port = std::stoi(value);
      } else if (arg == "--dropbox-port") {
        f->dropbox_port = std::stoi(value);
      } else if (arg == "--box-port") {
        f->box_port = std::stoi(value);
      } else if (arg == "--onedrive-port") {
        f->onedrive_port = std::stoi(value);
      } else if (arg == "--host") {
        f->host = value;
      } else if (arg == "--ports-file") {
        f->ports_file = value;
      } else if (arg == "--seed-file") {
        f->seed_file = value;
      } else if (arg == "--default-user") {
        f->default_user = value;
      } else if (arg == "--tls-cert-out") {
        f->tls_cert_out = value;
      } else if (arg == "--token-ttl") {
        f->token_ttl = std::stoll(value);
      } else {
        std::cerr << "unknown flag " << arg << "\n";
        return false;
      }
    } catch (const std::exception&) {
      std::cerr << "bad value for " << arg << ": " << value << "\n";
      return false;
    }
  }
  if (f->token_ttl <= 0) {
    std::cerr << "--token-ttl must be positive\n";
    return false;
  }
  return true;
}

std::vector<ProviderServer*> g_servers;

void OnSignal(int) {
  for (auto* s : g_servers) s->Stop();
}

}  // namespace

int main(int argc, char** argv) {
  using lc::emulator::IdStyle;
  using lc::emulator::OAuthServer;
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    Usage();
    return 2;
  }
  lc::emulator::Clock clock;

  auto identity = lc::emulator::MakeSelfSignedIdentity();
  if (!identity.ok()) {
    std::cerr << "tls: " << identity.status() << "\n";
    return 1;
  }
  if (!flags.tls_cert_out.empty()) {
    std::ofstream out(flags.tls_cert_out, std::ios::trunc);
    out << (*identity)->cert_pem;
    if (!out) {
      std::cerr << "cannot write " << flags.tls_cert_out << "\n";
      return 1;
    }
  }

  struct Spec {
    std::string name;
    int port;
    IdStyle style;
    OAuthServer::Options oauth;
    bool tls;
    void (*install)(ProviderServer&);
  };
  std::vector<Spec> specs = {
      {"googledrive",
       flags.googledrive_port,
       IdStyle::kDrive,
       {"ya29.", "1//", false, true, false},
       false,
       lc::emulator::InstallGoogleDrive},
      {"dropbox",
       flags.dropbox_port,
       IdStyle::kDropbox,
       {"sl.", "", false, false, false},
       false,
       lc::emulator::InstallDropbox},
      {"box",
       flags.box_port,
       IdStyle::kBox,
       {"", "", true, false, false},
       false,
       lc::emulator::InstallBox},
      {"onedrive",
       flags.onedrive_port,
       IdStyle::kGraph,
       {"EwB", "M.C5", false, false, true},
       true,
       lc::emulator::InstallOneDrive},
  };

  nlohmann::json seed = nlohmann::json::object();
  if (!flags.seed_file.empty()) {
    std::ifstream in(flags.seed_file);
    std::stringstream buf;
    buf << in.rdbuf();
    seed = nlohmann::json::parse(buf.str(), nullptr, false);
    if (!in || seed.is_discarded()) {
      std::cerr << "cannot read seed file " << flags.seed_file << "\n";
      return 1;
    }
  }

  std::vector<std::unique_ptr<ProviderServer>> servers;
  nlohmann::json ports = nlohmann::json::object();
  for (auto& spec : specs) {
    if (spec.port < 0) continue;
    auto server =
        std::make_unique<ProviderServer>(spec.name, spec.style, spec.oauth, clock, flags.token_ttl,
                                         spec.tls ? identity->get() : nullptr);
    server->store().AddUser("", flags.default_user, "");
    server->set_default_user(flags.default_user);
    spec.install(*server);
    lc::emulator::InstallAdminApi(*server);
    auto applied = lc::emulator::ApplySeed(*server, seed);
    if (!applied.ok()) {
      std::cerr << spec.name << ": seed: " << applied.status() << "\n";
      return 1;
    }
    int port = server->Bind(flags.host, spec.port);
    if (port <= 0) {
      std::cerr << spec.name << ": cannot bind " << flags.host << ":" << spec.port << "\n";
      return 1;
    }
    ports[spec.name] = port;
    std::cout << spec.name << " " << (spec.tls ? "https" : "http") << "://" << flags.host << ":"
              << port << std::endl;
    servers.push_back(std::move(server));
  }
  if (!flags.ports_file.empty()) {
    std::string tmp = flags.ports_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << ports.dump() << "\n";
    }
    std::rename(tmp.c_str(), flags.ports_file.c_str());
  }
  for (auto& s : servers) g_servers.push_back(s.get());
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::vector<std::thread> threads;
  for (auto& s : servers) {
    threads.emplace_back([server = s.get()] { server->Listen(); });
  }
  for (auto& t : threads) t.join();
  return 0;
}
