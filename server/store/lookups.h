// Owns the row lookups every store shares: telling a missing resource from
// a stale etag after a guarded write matched nothing, and matching the rows
// of a get-many statement to the ids a batch get asked for.
#ifndef SUPPLIERS_SERVER_STORE_LOOKUPS_H_
#define SUPPLIERS_SERVER_STORE_LOOKUPS_H_

#include <cstdint>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "pqxx/result"
#include "pqxx/row"
#include "pqxx/transaction_base"
#include "server/db/pool.h"

namespace suppliers {

// After an update or delete guarded by an etag matched no row: NOT_FOUND
// when `exists` (one parameter, the id; a row when present) finds no
// `resource` with `id`, else ABORTED with ErrorInfo reason ETAG_MISMATCH.
absl::Status MissingOrStale(pqxx::transaction_base& txn,
                            absl::string_view resource,
                            const PreparedStatement& exists, int32_t id);

// `rows` come from a get-many statement: the requested ids' rows in request
// order, missing ids left out. Calls `add` for each in order; NOT_FOUND
// naming the first id that has no row.
absl::Status AddInRequestOrder(const pqxx::result& rows,
                               const std::vector<int32_t>& ids,
                               absl::string_view resource,
                               absl::FunctionRef<void(const pqxx::row&)> add);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_LOOKUPS_H_
