// Owns PgConnection: a libpqxx connection that connects within a deadline
// (and can be abandoned), never reconnects behind its owner's back, can be
// cancelled from any thread, and exposes its libpq handle for the few things
// libpqxx 6.4 cannot do well (binary results, transaction status); and
// turning raw libpq failures into libpqxx's exceptions.
#include "server/db/pg_connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <new>
#include <utility>

#include "absl/time/clock.h"
#include "pqxx/except"

namespace suppliers {
namespace {

// How often a connect attempt looks at its abandon flag.
constexpr absl::Duration kAbandonCheck = absl::Milliseconds(50);

[[noreturn]] void FailConnect(PGconn* connection, const std::string& why) {
  std::string message = why;
  if (connection != nullptr) {
    if (message.empty()) message = PQerrorMessage(connection);
    PQfinish(connection);
  }
  throw pqxx::broken_connection(message);
}

}  // namespace

PgConnection::PgConnection(const std::string& conninfo, ConnectLimits limits)
    : connection_base(policy_), policy_(conninfo, std::move(limits)) {
  init();
  // Deprecated in 6.4 because reactivation itself is on its way out; until
  // it is gone, turning it off is what keeps a broken connection broken.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  inhibit_reactivation(true);
#pragma GCC diagnostic pop
  cancel_ = PQgetCancel(raw_handle());
}

PgConnection::~PgConnection() {
  close();
  if (cancel_ != nullptr) PQfreeCancel(cancel_);
}

void PgConnection::Cancel() const {
  if (cancel_ == nullptr) return;
  char error[256];
  (void)PQcancel(cancel_, error, sizeof(error));
}

PGconn* PgConnection::Policy::do_startconnect(PGconn* orig) {
  if (orig != nullptr) return orig;
  // libpq's own connect_timeout is ignored by the asynchronous API; the
  // deadline here is ours (the caller's, or the pool's acquire timeout).
  PGconn* connection = PQconnectStart(options().c_str());
  if (connection == nullptr) throw std::bad_alloc();
  if (PQstatus(connection) == CONNECTION_BAD) FailConnect(connection, "");
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  while (polling != PGRES_POLLING_OK) {
    if (polling == PGRES_POLLING_FAILED) FailConnect(connection, "");
    const absl::Time now = absl::Now();
    if (now >= limits_.deadline) {
      FailConnect(connection, "timeout expired while connecting");
    }
    if (limits_.abandon && limits_.abandon()) {
      FailConnect(connection, "connection attempt abandoned (shutdown)");
    }
    const absl::Duration slice =
        std::min(limits_.deadline - now, kAbandonCheck);
    pollfd p{
        PQsocket(connection),
        static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT),
        0};
    const int ready = ::poll(&p, 1,
                             static_cast<int>(std::max<int64_t>(
                                 1, absl::ToInt64Milliseconds(slice))));
    if (ready < 0 && errno != EINTR) FailConnect(connection, "poll failed");
    if (ready > 0) polling = PQconnectPoll(connection);
  }
  raw_ = connection;
  return connection;
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
