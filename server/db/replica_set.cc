// Owns the read replicas: one bounded pool per streaming replica, the probe
// that measures how far each one's replay lags behind the primary, and the
// choice of the replica a read runs on (or none: the primary).
#include "server/db/replica_set.h"

#include <poll.h>

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/base/log.h"

namespace suppliers {
namespace {

// What a probe asks a replica: whether it is a standby still, how far it
// has replayed, whether it had replayed all it received, and how long ago
// the last transaction it replayed committed on the primary. One round
// trip; nothing is prepared (a probe connection lives outside the pools).
constexpr char kReplicaProbe[] =
    "SELECT pg_is_in_recovery(), "
    "COALESCE(pg_last_wal_replay_lsn()::text, '0/0'), "
    "COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), "
    "-1)::float8";
constexpr char kPrimaryPosition[] = "SELECT pg_current_wal_lsn()::text";
constexpr absl::Duration kProbeTimeout = absl::Seconds(2);

// Runs `sql` (no parameters) on `connection` and returns the text of its
// first row, all within `timeout` even if the server stops answering (a
// SIGSTOPped or partitioned replica): libpq's blocking calls would wait
// forever, so this polls the socket. Throws on an error, no row, or the
// timeout (after asking the server to cancel); the caller then drops the
// connection.
std::vector<std::string> QueryRow(PgConnection& connection, const char* sql,
                                  absl::Duration timeout) {
  PGconn* raw = connection.raw_handle();
  if (raw == nullptr || PQsendQuery(raw, sql) != 1) {
    throw std::runtime_error("probe: cannot send the query");
  }
  const absl::Time deadline = absl::Now() + timeout;
  std::unique_ptr<PGresult, decltype(&PQclear)> first(nullptr, &PQclear);
  while (true) {
    while (PQisBusy(raw) == 1) {
      const int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
      pollfd socket{PQsocket(raw), POLLIN, 0};
      if (left_ms <= 0 || poll(&socket, 1, static_cast<int>(left_ms)) == 0) {
        connection.Cancel();
        throw std::runtime_error("probe: no answer within its timeout");
      }
      if (PQconsumeInput(raw) != 1) {
        throw std::runtime_error("probe: connection lost");
      }
    }
    PGresult* result = PQgetResult(raw);
    if (result == nullptr) break;
    if (first == nullptr) {
      first.reset(result);
    } else {
      PQclear(result);
    }
  }
  if (first == nullptr || PQresultStatus(first.get()) != PGRES_TUPLES_OK ||
      PQntuples(first.get()) < 1) {
    throw std::runtime_error("probe: the query failed");
  }
  std::vector<std::string> row;
  row.reserve(PQnfields(first.get()));
  for (int column = 0; column < PQnfields(first.get()); ++column) {
    row.emplace_back(PQgetvalue(first.get(), 0, column));
  }
  return row;
}

}  // namespace

ReplicaSet::ReplicaSet(ReplicaSetOptions options)
    : options_(std::move(options)) {
  for (size_t i = 0; i < options_.conninfos.size(); ++i) {
    auto replica = std::make_unique<Replica>();
    replica->conninfo = options_.conninfos[i];
    replica->description = i < options_.descriptions.size()
                               ? options_.descriptions[i]
                               : absl::StrCat("replica ", i + 1);
    PoolOptions pool = options_.pool;
    pool.conninfo = replica->conninfo;
    pool.session_setup.clear();
    replica->pool = std::make_unique<ConnectionPool>(std::move(pool));
    replicas_.push_back(std::move(replica));
  }
  thread_ = std::thread([this] { Loop(); });
}

ReplicaSet::~ReplicaSet() {
  Shutdown();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wakeup_.SignalAll();
  }
  abandon_ = true;
  // A probe blocked on a statement ends at its statement timeout; cancel
  // it so that shutdown does not wait for that.
  for (auto& replica : replicas_) {
    absl::MutexLock lock(&mu_);
    if (replica->probe != nullptr) replica->probe->Cancel();
  }
  thread_.join();
}

void ReplicaSet::Shutdown() {
  for (auto& replica : replicas_) {
    replica->usable = false;
    replica->pool->Shutdown();
  }
}

ConnectionPool* ReplicaSet::Pick(uint64_t min_lsn) {
  const size_t count = replicas_.size();
  if (count == 0) return nullptr;
  const uint64_t start = next_.fetch_add(1, std::memory_order_relaxed);
  for (size_t i = 0; i < count; ++i) {
    Replica& replica = *replicas_[(start + i) % count];
    if (!replica.usable.load(std::memory_order_acquire)) continue;
    if (min_lsn != 0 && replica.replay_lsn.load() < min_lsn) continue;
    replica.reads.fetch_add(1, std::memory_order_relaxed);
    return replica.pool.get();
  }
  return nullptr;
}

void ReplicaSet::ReportUnavailable(ConnectionPool* pool) {
  for (auto& replica : replicas_) {
    if (replica->pool.get() == pool && replica->usable.exchange(false)) {
      Log(LogLevel::kWarning,
          "read replica failed a read; reads go to the primary until it "
          "answers a probe",
          {{"replica", replica->description}});
    }
  }
}

std::vector<ReplicaSet::ReplicaStatus> ReplicaSet::Status() const {
  std::vector<ReplicaStatus> status;
  for (const auto& replica : replicas_) {
    const int64_t lag_ms = replica->lag_ms.load();
    status.push_back(
        {replica->description, replica->usable.load(),
         lag_ms < 0 ? absl::Seconds(-1) : absl::Milliseconds(lag_ms),
         replica->replay_lsn.load(), replica->reads.load()});
  }
  return status;
}

void ReplicaSet::Loop() {
  while (true) {
    ProbeAll();
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + options_.probe_interval;
    while (!stopping_ && absl::Now() < until) {
      wakeup_.WaitWithDeadline(&mu_, until);
    }
    if (stopping_) return;
  }
}

std::unique_ptr<PgConnection> ReplicaSet::Connect(const std::string& conninfo) {
  auto connection = std::make_unique<PgConnection>(
      conninfo, ConnectLimits{absl::Now() + kProbeTimeout,
                              [this] { return abandon_.load(); }});
  // Bounded on the server too, so a probe stuck behind a lock ends there.
  // (Probes connect to the servers themselves, never through a
  // transaction-pooling proxy, so a session setting is the probe's own.)
  QueryRow(*connection, "SELECT set_config('statement_timeout', '2000', false)",
           kProbeTimeout);
  return connection;
}

std::optional<uint64_t> ReplicaSet::PrimaryPosition() {
  try {
    if (primary_probe_ == nullptr || !primary_probe_->is_open()) {
      primary_probe_ = Connect(options_.primary_conninfo);
    }
    return ParseLsn(
        QueryRow(*primary_probe_, kPrimaryPosition, kProbeTimeout).at(0));
  } catch (const std::exception&) {
    primary_probe_.reset();
    return std::nullopt;
  }
}

void ReplicaSet::ProbeAll() {
  // Read before the replicas: a replica that has replayed this far was
  // caught up at the moment of its probe.
  const std::optional<uint64_t> primary_lsn = PrimaryPosition();
  for (auto& replica : replicas_) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    Probe(*replica, primary_lsn);
  }
}

void ReplicaSet::Probe(Replica& replica, std::optional<uint64_t> primary_lsn) {
  std::string state;
  bool usable = false;
  int64_t lag_ms = -1;
  try {
    if (replica.probe == nullptr || !replica.probe->is_open()) {
      std::unique_ptr<PgConnection> connection = Connect(replica.conninfo);
      absl::MutexLock lock(&mu_);
      replica.probe = std::move(connection);
    }
    const std::vector<std::string> row =
        QueryRow(*replica.probe, kReplicaProbe, kProbeTimeout);
    const bool in_recovery = row.at(0) == "t";
    const std::optional<uint64_t> replayed = ParseLsn(row.at(1));
    double since_last_commit = -1;
    if (!absl::SimpleAtod(row.at(2), &since_last_commit)) {
      since_last_commit = -1;
    }
    if (!in_recovery) {
      state = "not a standby (promoted?)";
    } else if (!replayed.has_value()) {
      state = "unreadable replay position";
    } else {
      replica.replay_lsn = *replayed;
      if (primary_lsn.has_value() && *replayed >= *primary_lsn) {
        lag_ms = 0;  // it had replayed everything the primary had written
      } else if (since_last_commit >= 0) {
        // Behind (or the primary is out of reach): as old as the last
        // commit it replayed.
        lag_ms = static_cast<int64_t>(since_last_commit * 1000);
      }
      if (lag_ms < 0) {
        state = "lagging (no commit replayed yet)";
      } else if (absl::Milliseconds(lag_ms) > options_.max_lag) {
        state = "lagging";
      } else {
        state = "usable";
        usable = true;
      }
    }
  } catch (const std::exception&) {
    state = "unreachable";
    absl::MutexLock lock(&mu_);
    replica.probe.reset();
  }
  replica.lag_ms = lag_ms;
  replica.usable.store(usable, std::memory_order_release);
  if (state != replica.last_state) {
    replica.last_state = state;
    Log(usable ? LogLevel::kInfo : LogLevel::kWarning,
        usable ? "read replica usable" : "read replica skipped",
        {{"replica", replica.description},
         {"state", state},
         {"lag_ms", lag_ms},
         {"max_lag_ms", absl::ToInt64Milliseconds(options_.max_lag)}});
  }
}

}  // namespace suppliers
