// What the benchmarks share: a PostgreSQL to run against (the one PGHOST
// names, else a throwaway cluster from scripts/lib/pg.sh, stopped at exit).
#pragma once

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"

namespace lc::bench {

inline std::string Shell(const std::string& command) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, p) != nullptr) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

inline std::string& ThrowawayDir() {
  static std::string dir;
  return dir;
}

inline void StopPostgres() {
  if (ThrowawayDir().empty()) return;
  Shell(absl::StrCat("bash -c 'source ", LC_SOURCE_DIR, "/scripts/lib/pg.sh && pg_stop ",
                     ThrowawayDir(), "/data; rm -rf ", ThrowawayDir(), "'"));
}

// Sets PGHOST/PGPORT/PGUSER to a running server; false when none starts.
inline bool EnsurePostgres() {
  const char* host = std::getenv("PGHOST");
  if (host != nullptr && *host != '\0') return true;
  char tmpl[] = "/tmp/lc-bench-pgXXXXXX";
  if (mkdtemp(tmpl) == nullptr) return false;
  ThrowawayDir() = tmpl;
  Shell(absl::StrCat("chmod 755 ", ThrowawayDir()));
  std::string port =
      Shell(absl::StrCat("bash -c 'source ", LC_SOURCE_DIR, "/scripts/lib/pg.sh && pg_start ",
                         ThrowawayDir(), "/data >&2 && echo $PGPORT'"));
  if (port.empty()) return false;
  atexit(StopPostgres);
  setenv("PGHOST", "127.0.0.1", 1);
  setenv("PGPORT", port.c_str(), 1);
  setenv("PGUSER", "postgres", 1);
  std::cerr << "bench: started a throwaway PostgreSQL on port " << port << "\n";
  return true;
}

inline std::string Conninfo(const std::string& db) {
  const char* port = std::getenv("PGPORT");
  const char* user = std::getenv("PGUSER");
  return absl::StrCat("host=", std::getenv("PGHOST"), " port=", port ? port : "5432",
                      " user=", user ? user : "postgres", " dbname=", db);
}

}  // namespace lc::bench
