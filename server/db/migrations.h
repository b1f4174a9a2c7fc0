// Owns the schema migration runner: ordered, checksummed, one transaction per
// file, serialized across processes by a PostgreSQL advisory lock.
#ifndef SUPPLIERS_SERVER_DB_MIGRATIONS_H_
#define SUPPLIERS_SERVER_DB_MIGRATIONS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace pqxx {
class connection_base;
class transaction_base;
}  // namespace pqxx

namespace suppliers {

// One file of sql/migrations: `name` is "NNNN_description.sql", `sql` its
// text. The number orders the files and identifies them once applied.
struct MigrationFile {
  std::string name;
  std::string sql;
};

// The files of sql/migrations, embedded at build time, in order.
const std::vector<MigrationFile>& EmbeddedMigrationFiles();

// Reads every *.sql file of `directory` (sorted by name). For operators who
// ship SQL beside the binary; the embedded set is the default.
absl::StatusOr<std::vector<MigrationFile>> ReadMigrationDirectory(
    const std::string& directory);

struct MigrationReport {
  std::vector<std::string> applied;  // names applied by this run, in order
  int already_applied = 0;           // files found applied before this run
};

// Brings the database up to date with `files`.
//
// Contract:
// - Holds a session advisory lock for the whole run, so concurrent runners
//   (several replicas starting at once) apply each file exactly once; a
//   runner that waited finds the work done and applies nothing.
// - Validates before writing: bad file names, duplicate numbers, an applied
//   file whose checksum changed, or an applied file missing from `files`
//   return FAILED_PRECONDITION/INVALID_ARGUMENT with nothing applied.
// - Applies each pending file in its own transaction together with its row in
//   `schema_migrations` (version, name, SHA-256, applied_at), so a failure
//   leaves earlier files applied and the failing one not at all.
// - Running again when nothing is pending is a no-op.
// Uses `connection` exclusively for the duration of the call.
absl::StatusOr<MigrationReport> ApplyMigrations(
    pqxx::connection_base& connection, const std::vector<MigrationFile>& files);

// How a database's applied migrations compare with the files a binary
// embeds.
enum class SchemaState {
  kCurrent,  // every file applied, unchanged (later ones may be applied too)
  kBehind,   // some file not applied yet (or no migrations table at all)
  kChanged,  // an applied file's checksum differs from the binary's
};
struct SchemaCheck {
  SchemaState state = SchemaState::kBehind;
  int applied_version = 0;   // highest version applied, 0 for none
  int expected_version = 0;  // highest version of `files`
};

// Reads schema_migrations in `txn` (one query; read-only) and compares it
// with `files`. INVALID_ARGUMENT for malformed file names; database errors
// throw as libpqxx does.
absl::StatusOr<SchemaCheck> CheckSchema(
    pqxx::transaction_base& txn, const std::vector<MigrationFile>& files);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_MIGRATIONS_H_
