// Direct database access for checking what PgPool did, independent of it.
#pragma once

#include <pqxx/pqxx>
#include <string>

namespace lc::testing {

inline void Exec(const std::string& conninfo, const std::string& sql) {
  pqxx::connection conn(conninfo);
  pqxx::nontransaction tx(conn);
  tx.exec(sql);
}

inline long QueryLong(const std::string& conninfo, const std::string& sql) {
  pqxx::connection conn(conninfo);
  pqxx::nontransaction tx(conn);
  return tx.exec1(sql)[0].as<long>();
}

}  // namespace lc::testing
