// Owns the row lookups every store shares: telling a missing resource from
// a stale etag after a guarded write matched nothing, and matching the rows
// of a get-many statement to the ids a batch get asked for.
#include "server/store/lookups.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/base/errors.h"
#include "server/db/statements.h"

namespace suppliers {

absl::Status MissingOrStale(pqxx::transaction_base& txn,
                            absl::string_view resource,
                            const PreparedStatement& exists, int32_t id) {
  if (sql::Exec(txn, exists, id).empty()) {
    return NotFound(resource, id);
  }
  return ErrorWithInfo(absl::StatusCode::kAborted,
                       absl::StrCat(resource, " ", id,
                                    " was changed since the etag was read; "
                                    "read it again and retry"),
                       "ETAG_MISMATCH",
                       {{absl::StrCat(resource, "_id"), absl::StrCat(id)}});
}

absl::Status AddInRequestOrder(const pqxx::result& rows,
                               const std::vector<int32_t>& ids,
                               absl::string_view resource,
                               absl::FunctionRef<void(const pqxx::row&)> add) {
  pqxx::result::size_type next = 0;
  for (const int32_t id : ids) {
    if (next >= rows.size() || rows[next][0].as<int32_t>() != id) {
      return NotFound(resource, id);
    }
    add(rows[next++]);
  }
  return absl::OkStatus();
}

}  // namespace suppliers
