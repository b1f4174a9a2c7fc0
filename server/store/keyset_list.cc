// Owns keyset pagination (AIP-158) shared by every list: page size and page
// token checks, the one-extra-row test for a next page, and, for the named
// resources (vendors, parts), the choice among their four ordered statements.
#include "server/store/keyset_list.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/base/errors.h"
#include "server/store/validation.h"

namespace suppliers {

absl::StatusOr<KeysetPage> KeysetPage::Open(
    absl::string_view collection, absl::string_view query, int32_t page_size,
    int default_page_size, int max_page_size, absl::string_view page_token) {
  absl::StatusOr<int> size = ValidatePageSize("page_size", page_size,
                                              default_page_size, max_page_size);
  if (!size.ok()) return size.status();
  absl::StatusOr<std::optional<PageCursor>> cursor =
      DecodePageToken("page_token", page_token, collection, query);
  if (!cursor.ok()) return cursor.status();
  KeysetPage page;
  page.collection_ = std::string(collection);
  page.query_ = std::string(query);
  page.page_size_ = *size;
  page.has_cursor_ = cursor->has_value();
  page.after_ = cursor->value_or(PageCursor{});
  return page;
}

std::string KeysetPage::Collect(
    const pqxx::result& rows,
    absl::FunctionRef<PageCursor(const pqxx::row&)> add) const {
  return CollectRows(static_cast<int>(rows.size()),
                     [&](int row) { return add(rows[row]); });
}

std::string KeysetPage::Collect(
    const ResultRows& rows, absl::FunctionRef<PageCursor(int row)> add) const {
  return CollectRows(rows.size(), add);
}

std::string KeysetPage::CollectRows(
    int row_count, absl::FunctionRef<PageCursor(int row)> add) const {
  PageCursor last;
  for (int row = 0; row < row_count; ++row) {
    if (row == page_size_) {
      return EncodePageToken(collection_, query_, last);
    }
    last = add(row);
  }
  return "";
}

absl::StatusOr<NamedListQuery> NamedListQuery::Prepare(
    const NamedListRequest& request, const NamedListStatements& statements) {
  if (request.order < 0 || request.order > 4) {
    return InvalidField("order_by", "is not a known order value");
  }
  if (absl::Status s =
          ValidateSearchText("name_contains", request.name_contains);
      !s.ok()) {
    return s;
  }
  // Unspecified sorts as name ascending, so tokens of either work for both.
  const int order = request.order == 0 ? 1 : request.order;
  absl::StatusOr<KeysetPage> page = KeysetPage::Open(
      request.collection, absl::StrCat(order, "/", request.name_contains),
      request.page_size, request.default_page_size, request.max_page_size,
      request.page_token);
  if (!page.ok()) return page.status();
  NamedListQuery query(*std::move(page));
  const PreparedStatement* const by_order[] = {
      statements.name_asc, statements.name_desc, statements.id_asc,
      statements.id_desc};
  query.statement_ = by_order[order - 1];
  query.by_name_ = order <= 2;
  query.pattern_ = ContainsPattern(request.name_contains);
  return query;
}

StatementCall NamedListQuery::Statement() const {
  const PageCursor& after = page_.after();
  const std::string has_cursor = page_.has_cursor() ? "true" : "false";
  if (by_name_) {
    return {*statement_,
            {pattern_, has_cursor, after.name, absl::StrCat(after.id),
             absl::StrCat(page_.fetch_limit())}};
  }
  return {*statement_,
          {pattern_, has_cursor, absl::StrCat(after.id),
           absl::StrCat(page_.fetch_limit())}};
}

}  // namespace suppliers
