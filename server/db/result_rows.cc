// Owns one statement's result as libpq returned it (text format), and
// running a named prepared statement through libpq directly.
#include "server/db/result_rows.h"

#include <stdexcept>

#include "server/db/pg_connection.h"

namespace suppliers {

ResultRows ExecPrepared(pqxx::transaction_base& txn,
                        const StatementCall& call) {
  // Every connection the pool hands out is a PgConnection (libpqxx 6.4's
  // connection_base has no virtual functions to check that with).
  auto* connection = static_cast<PgConnection*>(&txn.conn());
  if (connection->raw_handle() == nullptr) {
    throw std::logic_error("ExecPrepared needs an open pooled connection");
  }
  std::vector<const char*> values;
  values.reserve(call.params.size());
  for (const std::string& param : call.params) values.push_back(param.c_str());
  PGconn* raw = connection->raw_handle();
  const int count = static_cast<int>(values.size());
  PGresult* result = connection->session_prepared()
                         ? PQexecPrepared(raw, call.statement.name, count,
                                          values.data(), nullptr, nullptr, 0)
                         : PQexecParams(raw, call.statement.sql, count, nullptr,
                                        values.data(), nullptr, nullptr, 0);
  if (PQresultStatus(result) != PGRES_TUPLES_OK) {
    std::unique_ptr<PGresult, void (*)(PGresult*)> failed(result, &PQclear);
    ThrowLibpqError(raw, failed.get());
  }
  return ResultRows(result);
}

}  // namespace suppliers
