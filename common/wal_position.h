// Owns the text form of a PostgreSQL WAL position (a pg_lsn, "16/B374D848"),
// which the server and its clients exchange for read-your-writes (the
// x-suppliers-commit-lsn and x-suppliers-min-lsn headers). Pure functions;
// thread-safe.
#ifndef SUPPLIERS_COMMON_WAL_POSITION_H_
#define SUPPLIERS_COMMON_WAL_POSITION_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace suppliers {

// The read-routing headers (docs/api.md), shared by the server and the
// clients. Request: "primary" sends the call's reads to the primary; "any"
// (the default) lets them go to a usable replica.
inline constexpr char kReadFromHeader[] = "x-suppliers-read-from";
// Request: a WAL position (from kCommitLsnHeader): reads run only where it
// has been replayed, so the caller sees its own writes.
inline constexpr char kMinLsnHeader[] = "x-suppliers-min-lsn";
// Response (trailing metadata) of a call that committed a write, when the
// server has read replicas: the WAL position at or past its commit.
inline constexpr char kCommitLsnHeader[] = "x-suppliers-commit-lsn";

// The position "X/Y" (1 to 8 hex digits each) as one number, X << 32 | Y;
// nullopt for anything else.
std::optional<uint64_t> ParseLsn(absl::string_view text);
// The inverse, in PostgreSQL's spelling (upper-case hex).
std::string FormatLsn(uint64_t lsn);

}  // namespace suppliers

#endif  // SUPPLIERS_COMMON_WAL_POSITION_H_
