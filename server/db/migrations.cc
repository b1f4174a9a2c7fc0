// Owns the schema migration runner: ordered, checksummed, one transaction per
// file, serialized across processes by a PostgreSQL advisory lock.
#include "server/db/migrations.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/sha256.h"
#include "pqxx/pqxx"

namespace suppliers {
namespace {

// Arbitrary but fixed: every runner of every version must use the same key.
constexpr int64_t kMigrationLockKey = 0x5355505053514c31;  // "SUPPSQL1"

constexpr char kCreateMigrationsTable[] = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    checksum text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
))sql";
constexpr char kSelectApplied[] =
    "SELECT version, name, checksum FROM schema_migrations ORDER BY version";
constexpr char kInsertApplied[] =
    "INSERT INTO schema_migrations (version, name, checksum) "
    "VALUES ($1, $2, $3)";

struct Parsed {
  int version;
  const MigrationFile* file;
  std::string checksum;
};

absl::StatusOr<std::vector<Parsed>> ParseFiles(
    const std::vector<MigrationFile>& files) {
  std::vector<Parsed> parsed;
  std::map<int, std::string> seen;
  for (const MigrationFile& file : files) {
    const size_t underscore = file.name.find('_');
    int version = 0;
    if (underscore == std::string::npos || underscore == 0 ||
        !absl::SimpleAtoi(file.name.substr(0, underscore), &version) ||
        version <= 0 || !absl::EndsWith(file.name, ".sql")) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration file name \"", file.name,
                       "\" is not of the form NNNN_description.sql"));
    }
    auto [it, inserted] = seen.emplace(version, file.name);
    if (!inserted) {
      return absl::InvalidArgumentError(
          absl::StrCat("migration files \"", it->second, "\" and \"", file.name,
                       "\" share version ", version));
    }
    parsed.push_back({version, &file, Sha256Hex(file.sql)});
  }
  std::sort(parsed.begin(), parsed.end(), [](const Parsed& a, const Parsed& b) {
    return a.version < b.version;
  });
  return parsed;
}

// Releases the session advisory lock however the run ends; if the connection
// broke, the server dropped the lock with the session anyway.
class AdvisoryLockGuard {
 public:
  explicit AdvisoryLockGuard(pqxx::connection_base& connection)
      : connection_(connection) {
    pqxx::nontransaction txn(connection_);
    txn.exec_params("SELECT pg_advisory_lock($1)", kMigrationLockKey);
  }
  AdvisoryLockGuard(const AdvisoryLockGuard&) = delete;
  AdvisoryLockGuard& operator=(const AdvisoryLockGuard&) = delete;
  ~AdvisoryLockGuard() {
    try {
      pqxx::nontransaction txn(connection_);
      txn.exec_params("SELECT pg_advisory_unlock($1)", kMigrationLockKey);
    } catch (const std::exception&) {
    }
  }

 private:
  pqxx::connection_base& connection_;
};

absl::StatusOr<MigrationReport> ApplyLocked(pqxx::connection_base& connection,
                                            const std::vector<Parsed>& files) {
  {
    pqxx::work txn(connection);
    txn.exec(kCreateMigrationsTable);
    txn.commit();
  }
  struct Applied {
    std::string name;
    std::string checksum;
  };
  std::map<int, Applied> applied;
  {
    pqxx::read_transaction txn(connection);
    for (const auto& row : txn.exec(kSelectApplied)) {
      applied[row[0].as<int>()] = {row[1].as<std::string>(),
                                   row[2].as<std::string>()};
    }
  }

  // Validate everything before applying anything.
  MigrationReport report;
  std::vector<const Parsed*> pending;
  for (const Parsed& file : files) {
    auto it = applied.find(file.version);
    if (it == applied.end()) {
      pending.push_back(&file);
      continue;
    }
    if (it->second.checksum != file.checksum) {
      return absl::FailedPreconditionError(absl::StrCat(
          "migration ", file.file->name,
          " was changed after it was applied (applied checksum ",
          it->second.checksum.substr(0, 12), "..., file checksum ",
          file.checksum.substr(0, 12),
          "...); add a new migration instead of editing an applied one"));
    }
    ++report.already_applied;
  }
  for (const auto& [version, entry] : applied) {
    const bool known =
        std::any_of(files.begin(), files.end(),
                    [v = version](const Parsed& p) { return p.version == v; });
    if (!known) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the database has migration ", entry.name,
          " applied, which this build does not know; is a newer server "
          "version running against it?"));
    }
  }
  if (!pending.empty() && !applied.empty() &&
      pending.front()->version < applied.rbegin()->first) {
    return absl::FailedPreconditionError(absl::StrCat(
        "migration ", pending.front()->file->name,
        " is older than the newest applied migration ",
        applied.rbegin()->second.name, "; renumber it after the applied ones"));
  }

  for (const Parsed* file : pending) {
    try {
      pqxx::work txn(connection);
      txn.exec(file->file->sql);
      txn.exec_params(kInsertApplied, file->version, file->file->name,
                      file->checksum);
      txn.commit();
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      return absl::InternalError(absl::StrCat(
          "migration ", file->file->name, " failed and was rolled back: ",
          absl::StripAsciiWhitespace(e.what())));
    }
    report.applied.push_back(file->file->name);
  }
  return report;
}

}  // namespace

absl::StatusOr<std::vector<MigrationFile>> ReadMigrationDirectory(
    const std::string& directory) {
  std::error_code error;
  std::vector<std::filesystem::path> paths;
  for (const auto& entry :
       std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".sql") paths.push_back(entry.path());
  }
  if (error) {
    return absl::NotFoundError(absl::StrCat(
        "migrations directory \"", directory, "\": ", error.message()));
  }
  std::sort(paths.begin(), paths.end());
  std::vector<MigrationFile> files;
  for (const auto& path : paths) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    if (!in) {
      return absl::NotFoundError(
          absl::StrCat("cannot read migration file \"", path.string(), "\""));
    }
    files.push_back({path.filename().string(), text.str()});
  }
  return files;
}

absl::StatusOr<MigrationReport> ApplyMigrations(
    pqxx::connection_base& connection,
    const std::vector<MigrationFile>& files) {
  absl::StatusOr<std::vector<Parsed>> parsed = ParseFiles(files);
  if (!parsed.ok()) return parsed.status();
  try {
    AdvisoryLockGuard lock(connection);
    return ApplyLocked(connection, *parsed);
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat("lost the database connection while migrating: ",
                     absl::StripAsciiWhitespace(e.what())));
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat(
        "migration failed: ", absl::StripAsciiWhitespace(e.what())));
  }
}

absl::StatusOr<SchemaCheck> CheckSchema(
    pqxx::transaction_base& txn, const std::vector<MigrationFile>& files) {
  absl::StatusOr<std::vector<Parsed>> parsed = ParseFiles(files);
  if (!parsed.ok()) return parsed.status();
  SchemaCheck check;
  if (!parsed->empty()) check.expected_version = parsed->back().version;
  // Asked first, so that a database never migrated is an answer (behind),
  // not an error that aborts the transaction.
  const bool has_table =
      txn.exec("SELECT to_regclass('schema_migrations') IS NOT NULL")[0][0]
          .as<bool>();
  std::map<int, std::string> applied;
  if (has_table) {
    for (const pqxx::row& row :
         txn.exec("SELECT version, checksum FROM schema_migrations")) {
      applied[row[0].as<int>()] = row[1].as<std::string>();
    }
  }
  if (!applied.empty()) check.applied_version = applied.rbegin()->first;
  check.state = SchemaState::kCurrent;
  for (const Parsed& file : *parsed) {
    auto it = applied.find(file.version);
    if (it == applied.end()) {
      check.state = SchemaState::kBehind;
    } else if (it->second != file.checksum) {
      check.state = SchemaState::kChanged;
      break;
    }
  }
  return check;
}

}  // namespace suppliers
