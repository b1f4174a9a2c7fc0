// Owns PgConnection: a libpqxx connection that connects within a deadline
// (and can be abandoned), never reconnects behind its owner's back, can be
// cancelled from any thread, and exposes its libpq handle for the few things
// libpqxx 6.4 cannot do well (binary results, transaction status); and
// turning raw libpq failures into libpqxx's exceptions.
#ifndef SUPPLIERS_SERVER_DB_PG_CONNECTION_H_
#define SUPPLIERS_SERVER_DB_PG_CONNECTION_H_

#include <libpq-fe.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "pqxx/connection"

namespace suppliers {

// Bounds on opening a connection.
struct ConnectLimits {
  // Past it the attempt fails with pqxx::broken_connection.
  absl::Time deadline = absl::InfiniteFuture();
  // When set and it returns true, the attempt gives up within ~50 ms
  // (shutdown, a cancelled caller). Called on the connecting thread.
  std::function<bool()> abandon;
};

// Connects at construction (throws pqxx::broken_connection), like
// pqxx::connection, but without blocking past `limits`. Reactivation is
// inhibited: a broken connection stays broken (its session state, the
// temporary staging table, would not survive a silent reconnect). Not
// thread-safe, like any libpqxx connection, except Cancel().
class PgConnection final : public pqxx::connection_base {
 public:
  explicit PgConnection(const std::string& conninfo, ConnectLimits limits = {});
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // The libpq connection, or nullptr when closed. Use it only between
  // libpqxx calls on the thread that owns the connection.
  PGconn* raw_handle() const { return policy_.raw(); }

  // Asks the server to cancel the command this connection runs, if any (a
  // short round trip to the postmaster). Thread-safe: may be called while
  // the owning thread waits for a result. Best effort.
  void Cancel() const;

  // The session defaults the transaction runner last set on this
  // connection (default_transaction_read_only, statement_timeout), so that
  // it sends them only when a call needs other values. Unknown (nullopt, -1)
  // after connecting and while a change is in flight. Owning thread only.
  struct SessionDefaults {
    std::optional<bool> read_only;
    int64_t statement_timeout_ms = -1;

    // Whether these defaults serve a call with `remaining_ms` left: the
    // same read-only setting, and a timeout that ends no earlier than the
    // call's deadline and at most a quarter after it.
    bool Fit(bool call_read_only, int64_t remaining_ms) const {
      return read_only == call_read_only &&
             statement_timeout_ms >= remaining_ms &&
             statement_timeout_ms <= remaining_ms + remaining_ms / 4;
    }
    // The timeout to set when they do not: an eighth past the deadline, so
    // that calls with a little less time left still fit.
    static int64_t TimeoutFor(int64_t remaining_ms) {
      return remaining_ms + remaining_ms / 8;
    }
  };
  SessionDefaults& session_defaults() { return session_defaults_; }

  // Whether this session holds the pool's session state: its named
  // prepared statements and temporary staging tables. False on a
  // connection behind a transaction-pooling proxy (PgBouncer), where a
  // session outlives nothing but the current transaction: statements then
  // run unnamed (sql::Exec) and staging tables live for one transaction.
  // Owning thread only.
  bool session_prepared() const { return session_prepared_; }
  void set_session_prepared(bool prepared) { session_prepared_ = prepared; }

 private:
  // libpqxx's connection policies are its documented extension point; this
  // one connects asynchronously within the limits and remembers the handle.
  class Policy final : public pqxx::connect_direct {
   public:
    Policy(const std::string& conninfo, ConnectLimits limits)
        : connect_direct(conninfo), limits_(std::move(limits)) {}
    PGconn* do_startconnect(PGconn* orig) override;
    PGconn* do_dropconnect(PGconn* orig) noexcept override;
    PGconn* do_disconnect(PGconn* orig) noexcept override;
    PGconn* raw() const { return raw_; }

   private:
    const ConnectLimits limits_;
    PGconn* raw_ = nullptr;
  };

  // Constructed after connection_base, which only keeps a reference to it
  // until init() (the same order pqxx::basic_connection_base relies on).
  Policy policy_;
  // Made once by the owning thread; PQcancel on it is thread-safe.
  PGcancel* cancel_ = nullptr;
  SessionDefaults session_defaults_;
  bool session_prepared_ = false;
};

// Throws what libpqxx would have thrown for a failed raw libpq `result` on
// `connection` (broken_connection, or sql_error with the SQLSTATE), so that
// raw libpq failures take the one mapping in FromDatabaseException.
[[noreturn]] void ThrowLibpqError(PGconn* connection, const PGresult* result);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_PG_CONNECTION_H_
