// Owns resolution of the PostgreSQL connection settings: merging the
// --database flag, DATABASE_URL, the libpq PG* environment variables and a
// database.ini-style file into one set of libpq keyword/value parameters, and
// rendering them as a conninfo string (with and without the password).
//
// Thread safety: everything here is a pure function of its inputs, except
// that the default environment lookup calls std::getenv, and that reading a
// config file calls libpq's PQconndefaults() (for its keyword list), which
// also reads the environment; both race only with concurrent setenv/putenv.
// DatabaseSettings is an immutable value type; its const methods may be called
// from any number of threads.

#ifndef SUPPLIERS_SERVER_CONFIG_H_
#define SUPPLIERS_SERVER_CONFIG_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace suppliers {

// Where connection settings may come from. Precedence, highest first:
//   1. flag_database (--database CONNINFO; libpq keyword/value string or
//      postgres:// URI).
//   2. The DATABASE_URL environment variable (URI or keyword/value).
//   3. The standard libpq PG* environment variables: PGHOST, PGHOSTADDR,
//      PGPORT, PGDATABASE, PGUSER, PGPASSWORD, PGSSLMODE, PGSSLROOTCERT,
//      PGSSLCERT, PGSSLKEY, PGAPPNAME, PGCONNECT_TIMEOUT, PGOPTIONS,
//      PGPASSFILE.
//   4. A database.ini-style file (see ParseIniSection), section [postgresql]
//      by default.
// Merging is per key: a higher source overrides only the keys it sets.
//
// Environment variables that are set but empty are treated as unset, so that
// e.g. an exported-but-empty PGPORT does not blank out the file's port.
// PG* variables not listed above (PGSERVICE, PGSSLCRL, ...) are not resolved
// here; libpq itself still honours them at connect time for keys that the
// resolved conninfo leaves unset.
struct DatabaseSettingsSources {
  std::optional<std::string> flag_database;
  // Path to database.ini; only read when set.
  std::optional<std::string> config_file;
  std::string config_section = "postgresql";
  // A file holding the password (surrounding white space trimmed); wins
  // over every other source of the password. Keeps it out of the command
  // line and the environment (visible in /proc/PID/cmdline and environ).
  std::optional<std::string> password_file;
  // Environment lookup; injectable for tests. Defaults to std::getenv when
  // empty.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

// The merged libpq connection parameters plus, per key, which source set it.
// Only ResolveDatabaseSettings creates non-empty instances.
class DatabaseSettings {
 public:
  // libpq keyword -> value, after merging. Keys are canonical libpq keywords
  // (the ini alias "database" has already become "dbname").
  const std::map<std::string, std::string>& params() const { return params_; }

  // Which source set `key`, for diagnostics: "flag --database",
  // "DATABASE_URL", the PG* variable name (e.g. "PGHOST"),
  // "<file> [<section>]" (e.g. "database.ini [postgresql]"), or "default"
  // for the built-in application_name/connect_timeout. Returns "" for a key
  // that is not set.
  std::string SourceOf(const std::string& key) const;

  // keyword='value' conninfo with libpq quoting (values single-quoted, ' and
  // \ backslash-escaped), keys in sorted order. Includes the password: never
  // log this; pass it only to libpq/libpqxx.
  std::string ConnInfo() const;

  // Same as ConnInfo() but the password and sslpassword values (if any) are
  // replaced by "********". Safe for logs and error messages.
  std::string Redacted() const;

 private:
  friend absl::StatusOr<DatabaseSettings> ResolveDatabaseSettings(
      const DatabaseSettingsSources& sources);

  std::string Render(bool redact) const;

  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> sources_;
};

// Resolves the settings from `sources` (see DatabaseSettingsSources for the
// precedence), then defaults application_name to "suppliers-server" and
// connect_timeout to "5" when no source set them.
//
// Errors (no message ever contains a password):
//   InvalidArgument: the flag or DATABASE_URL does not parse (the message
//     names "--database" or "DATABASE_URL"); the file has a syntax error or
//     an unknown/duplicate key; the port is not a number from 1 to 65535
//     (the message names where it came from); the password file is empty.
//   NotFound: config_file is set but cannot be read, or lacks the section
//     (the message names both the file and the section); the password file
//     cannot be read.
//   Internal: libpq could not report its keyword list (out of memory).
absl::StatusOr<DatabaseSettings> ResolveDatabaseSettings(
    const DatabaseSettingsSources& sources);

// Parses one section of an ini file's contents and returns its key -> value
// pairs as written (keys lower-cased): no keyword validation or "database"
// alias mapping, which are ResolveDatabaseSettings' job.
//
// Syntax (a subset of Python configparser, which the tutorial uses):
// "[section]" headers, "key = value" lines split at the first '=', keys
// lower-cased, keys and values whitespace-trimmed, full-line '#' and ';'
// comments, blank lines ignored. There are no inline comments, quoting or
// %-interpolation, so a value (e.g. a password) may contain any of '#', ';',
// '%', '=' and quotes. Section names are case-sensitive. A section that
// appears more than once is merged.
//
// The whole file is syntax-checked, not only `section`. Errors name
// `file_name` and `section`:
//   InvalidArgument: a malformed line (reported by line number only, because
//     the line may hold a password), a key before any section header, or a
//     key repeated within `section`.
//   NotFound: no header for `section`.
absl::StatusOr<std::map<std::string, std::string>> ParseIniSection(
    std::string_view contents, std::string_view section,
    std::string_view file_name);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_CONFIG_H_
