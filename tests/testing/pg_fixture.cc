#include "testing/pg_fixture.h"

#include <unistd.h>

#include <cstdlib>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <vector>

namespace lc::testing {
namespace {

std::mutex g_mu;
std::vector<std::string>* g_created = nullptr;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

void DropCreated() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_created == nullptr) return;
  try {
    pqxx::connection conn(ServerConninfo());
    for (const auto& name : *g_created) {
      pqxx::nontransaction tx(conn);
      tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(name) + " WITH (FORCE)");
    }
  } catch (const std::exception&) {
    // The server may already be gone at exit; the cluster is throwaway.
  }
}

}  // namespace

std::string ServerConninfo() {
  std::string host = Env("PGHOST");
  if (host.empty()) return "";
  std::string info = "host=" + host;
  if (!Env("PGPORT").empty()) info += " port=" + Env("PGPORT");
  info += " user=" + (Env("PGUSER").empty() ? std::string("postgres") : Env("PGUSER"));
  info += " dbname=postgres";
  return info;
}

std::string CreateTestDatabase() {
  std::random_device rd;
  std::string name = "lc_test_" + std::to_string(getpid()) + "_" + std::to_string(rd() % 1000000);
  {
    pqxx::connection conn(ServerConninfo());
    pqxx::nontransaction tx(conn);
    tx.exec("CREATE DATABASE " + tx.quote_name(name));
  }
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (g_created == nullptr) {
      g_created = new std::vector<std::string>();
      std::atexit(DropCreated);
    }
    g_created->push_back(name);
  }
  std::string info = ServerConninfo();
  return info.substr(0, info.rfind("dbname=")) + "dbname=" + name;
}

}  // namespace lc::testing
