// Owns the keyset-paginated list shared by every named resource (vendors,
// parts): request validation, the choice among the four ordered statements,
// page tokens, and the one-extra-row test for a next page.
#ifndef SUPPLIERS_SERVER_NAMED_LIST_H_
#define SUPPLIERS_SERVER_NAMED_LIST_H_

#include <cstdint>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pqxx/pqxx"
#include "server/page_token.h"

namespace suppliers {

// The prepared statements of one resource's list, one per order. By name:
// ($1 pattern, $2 has cursor, $3 last name, $4 last id, $5 limit); by id:
// ($1 pattern, $2 has cursor, $3 last id, $4 limit).
struct NamedListStatements {
  const char* name_asc;
  const char* name_desc;
  const char* id_asc;
  const char* id_desc;
};

// What a List request asks. `order` uses the numbering VendorOrder and
// PartOrder share: 0 unspecified (= 1), 1 name asc, 2 name desc, 3 id asc,
// 4 id desc.
struct NamedListRequest {
  absl::string_view collection;  // "vendors", "parts": scopes page tokens
  int32_t page_size;
  int default_page_size;
  int max_page_size;
  int order;
  absl::string_view name_contains;
  absl::string_view page_token;
};

// One validated page request. Immutable; thread-safe.
class NamedListQuery {
 public:
  // INVALID_ARGUMENT naming page_size, order_by, name_contains or page_token.
  static absl::StatusOr<NamedListQuery> Prepare(
      const NamedListRequest& request, const NamedListStatements& statements);

  // Runs the page in `txn`, calling `add` for each row of it; `add` returns
  // the row's sort key (id, name). Returns the next page token, empty on
  // the last page.
  std::string Run(pqxx::transaction_base& txn,
                  absl::FunctionRef<PageCursor(const pqxx::row&)> add) const;

 private:
  NamedListQuery() = default;

  std::string collection_;
  std::string fingerprint_;  // what a page token must have been issued for
  const char* statement_ = nullptr;
  bool by_name_ = true;
  int page_size_ = 0;
  std::string pattern_;
  bool has_cursor_ = false;
  PageCursor after_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_NAMED_LIST_H_
