// Owns PgConnection: a libpqxx connection that also exposes its libpq handle,
// for the few reads libpqxx 6.4 cannot do well (binary-format results for
// large bytea ranges), and turning raw libpq failures into libpqxx's
// exceptions.
#include "server/db/pg_connection.h"

#include "pqxx/except"

namespace suppliers {

PgConnection::PgConnection(const std::string& conninfo)
    : connection_base(policy_), policy_(conninfo) {
  init();
}

PgConnection::~PgConnection() { close(); }

PGconn* PgConnection::Policy::do_startconnect(PGconn* orig) {
  raw_ = connect_direct::do_startconnect(orig);
  return raw_;
}

PGconn* PgConnection::Policy::do_dropconnect(PGconn* orig) noexcept {
  raw_ = nullptr;
  return connect_direct::do_dropconnect(orig);
}

PGconn* PgConnection::Policy::do_disconnect(PGconn* orig) noexcept {
  raw_ = nullptr;
  return connect_direct::do_disconnect(orig);
}

void ThrowLibpqError(PGconn* connection, const PGresult* result) {
  if (PQstatus(connection) != CONNECTION_OK) {
    throw pqxx::broken_connection(PQerrorMessage(connection));
  }
  const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  throw pqxx::sql_error(PQresultErrorMessage(result), "", state);
}

}  // namespace suppliers
