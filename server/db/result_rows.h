// Owns one statement's result as libpq returned it (text format), and
// running a named prepared statement through libpq directly, so that a
// read's rows are mapped the same way whether the statement ran on a worker
// (inside a libpqxx transaction) or on the StatementDriver.
#ifndef SUPPLIERS_SERVER_DB_RESULT_ROWS_H_
#define SUPPLIERS_SERVER_DB_RESULT_ROWS_H_

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "pqxx/transaction_base"
#include "server/db/pool.h"

namespace suppliers {

// The rows of one successful statement. Move-only; owns the PGresult.
// Not thread-safe (read it from one thread at a time).
class ResultRows {
 public:
  // Takes ownership of `result` (PGRES_TUPLES_OK, text format).
  explicit ResultRows(PGresult* result) : result_(result, &PQclear) {}

  int size() const { return PQntuples(result_.get()); }
  bool empty() const { return size() == 0; }
  int columns() const { return PQnfields(result_.get()); }
  bool IsNull(int row, int column) const {
    return PQgetisnull(result_.get(), row, column) == 1;
  }
  // The value's text; empty for NULL. Valid while this object lives.
  absl::string_view Text(int row, int column) const {
    return absl::string_view(PQgetvalue(result_.get(), row, column),
                             PQgetlength(result_.get(), row, column));
  }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

// A read of one named prepared statement: what the store decided to run for
// a request, before any connection is involved. `params` are text values
// (no NULLs), in the statement's $n order.
struct StatementCall {
  PreparedStatement statement{nullptr, nullptr};
  std::vector<std::string> params;
};

// Runs `call` on `txn`'s connection (a PgConnection) through libpq, as one
// extended-protocol round trip: by name where the session prepared it,
// unnamed otherwise (behind PgBouncer; see sql::Exec). Throws what libpqxx
// would throw for the same failure (database_errors.h maps it).
ResultRows ExecPrepared(pqxx::transaction_base& txn, const StatementCall& call);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_RESULT_ROWS_H_
