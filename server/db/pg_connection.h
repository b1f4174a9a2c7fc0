// Owns PgConnection: a libpqxx connection that also exposes its libpq handle,
// for the few reads libpqxx 6.4 cannot do well (binary-format results for
// large bytea ranges), and turning raw libpq failures into libpqxx's
// exceptions.
#ifndef SUPPLIERS_SERVER_DB_PG_CONNECTION_H_
#define SUPPLIERS_SERVER_DB_PG_CONNECTION_H_

#include <libpq-fe.h>

#include <string>

#include "pqxx/connection"

namespace suppliers {

// Connects at construction (throws pqxx::broken_connection), like
// pqxx::connection. Not thread-safe, like any libpqxx connection.
class PgConnection final : public pqxx::connection_base {
 public:
  explicit PgConnection(const std::string& conninfo);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // The libpq connection, or nullptr when closed. Valid until the next
  // operation through libpqxx that may reconnect; use it only between
  // libpqxx calls on the same thread, never while libpqxx is busy.
  PGconn* raw_handle() const { return policy_.raw(); }

 private:
  // libpqxx's connection policies are its documented extension point; this
  // one connects like connect_direct and remembers the handle.
  class Policy final : public pqxx::connect_direct {
   public:
    explicit Policy(const std::string& conninfo) : connect_direct(conninfo) {}
    PGconn* do_startconnect(PGconn* orig) override;
    PGconn* do_dropconnect(PGconn* orig) noexcept override;
    PGconn* do_disconnect(PGconn* orig) noexcept override;
    PGconn* raw() const { return raw_; }

   private:
    PGconn* raw_ = nullptr;
  };

  // Constructed after connection_base, which only keeps a reference to it
  // until init() (the same order pqxx::basic_connection_base relies on).
  Policy policy_;
};

// Throws what libpqxx would have thrown for a failed raw libpq `result` on
// `connection` (broken_connection, or sql_error with the SQLSTATE), so that
// raw libpq failures take the one mapping in FromDatabaseException.
[[noreturn]] void ThrowLibpqError(PGconn* connection, const PGresult* result);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_PG_CONNECTION_H_
