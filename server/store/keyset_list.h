// Owns keyset pagination (AIP-158) shared by every list: page size and page
// token checks, the one-extra-row test for a next page, and, for the named
// resources (vendors, parts), the choice among their four ordered statements.
#ifndef SUPPLIERS_SERVER_STORE_KEYSET_LIST_H_
#define SUPPLIERS_SERVER_STORE_KEYSET_LIST_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "pqxx/result"
#include "pqxx/row"
#include "pqxx/transaction_base"
#include "server/db/result_rows.h"
#include "server/store/page_token.h"

namespace suppliers {

// One validated page request of any keyset list. Immutable; thread-safe.
class KeysetPage {
 public:
  // `collection` scopes page tokens ("vendors", "pairs"); `query` is every
  // request field other than size and token that shapes the result (order,
  // filter), so a token is refused for another query. INVALID_ARGUMENT
  // naming "page_size" or "page_token".
  static absl::StatusOr<KeysetPage> Open(
      absl::string_view collection, absl::string_view query, int32_t page_size,
      int default_page_size, int max_page_size, absl::string_view page_token);

  // Whether the page continues a previous one, and after which row (a
  // default PageCursor on the first page).
  bool has_cursor() const { return has_cursor_; }
  const PageCursor& after() const { return after_; }
  // How many rows to ask for: one more than the page, to tell whether
  // another page follows.
  int fetch_limit() const { return page_size_ + 1; }

  // Calls `add` for each row of the page (rows fetched with fetch_limit());
  // `add` returns the row's sort key. Returns the next page token, empty on
  // the last page.
  std::string Collect(
      const pqxx::result& rows,
      absl::FunctionRef<PageCursor(const pqxx::row&)> add) const;
  // The same over libpq's rows; `add` gets the row's index.
  std::string Collect(const ResultRows& rows,
                      absl::FunctionRef<PageCursor(int row)> add) const;

 private:
  KeysetPage() = default;
  // Both Collects: `row_count` rows fetched, `add` called by index.
  std::string CollectRows(int row_count,
                          absl::FunctionRef<PageCursor(int row)> add) const;

  std::string collection_;
  std::string query_;
  int page_size_ = 0;
  bool has_cursor_ = false;
  PageCursor after_;
};

// The prepared statements of one named resource's list, one per order. By
// name: ($1 pattern, $2 has cursor, $3 last name, $4 last id, $5 limit); by
// id: ($1 pattern, $2 has cursor, $3 last id, $4 limit).
struct NamedListStatements {
  const PreparedStatement* name_asc;
  const PreparedStatement* name_desc;
  const PreparedStatement* id_asc;
  const PreparedStatement* id_desc;
};

// What a List request of a named resource asks. `order` uses the numbering
// VendorOrder and PartOrder share: 0 unspecified (= 1), 1 name asc, 2 name
// desc, 3 id asc, 4 id desc.
struct NamedListRequest {
  absl::string_view collection;  // "vendors", "parts"
  int32_t page_size;
  int default_page_size;
  int max_page_size;
  int order;
  absl::string_view name_contains;
  absl::string_view page_token;
};

// One validated page of a named resource's list. Immutable; thread-safe.
class NamedListQuery {
 public:
  // INVALID_ARGUMENT naming page_size, order_by, name_contains or page_token.
  static absl::StatusOr<NamedListQuery> Prepare(
      const NamedListRequest& request, const NamedListStatements& statements);

  // The page's statement and its parameters (text).
  StatementCall Statement() const;
  // Maps the statement's rows; see KeysetPage::Collect.
  std::string Collect(const ResultRows& rows,
                      absl::FunctionRef<PageCursor(int row)> add) const {
    return page_.Collect(rows, add);
  }

 private:
  explicit NamedListQuery(KeysetPage page) : page_(std::move(page)) {}

  KeysetPage page_;
  const PreparedStatement* statement_ = nullptr;
  bool by_name_ = true;
  std::string pattern_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_KEYSET_LIST_H_
