// Owns PgConnection: a libpqxx connection that also exposes its libpq handle,
// for the few reads libpqxx 6.4 cannot do well (binary-format results for
// large bytea ranges).
#include "server/pg_connection.h"

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

}  // namespace suppliers
