// Owns the keyset-paginated list shared by every named resource (vendors,
// parts): request validation, the choice among the four ordered statements,
// page tokens, and the one-extra-row test for a next page.
#include "server/named_list.h"

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/validation.h"

namespace suppliers {

absl::StatusOr<NamedListQuery> NamedListQuery::Prepare(
    const NamedListRequest& request, const NamedListStatements& statements) {
  absl::StatusOr<int> page_size =
      ValidatePageSize("page_size", request.page_size,
                       request.default_page_size, request.max_page_size);
  if (!page_size.ok()) return page_size.status();
  if (request.order < 0 || request.order > 4) {
    return InvalidField("order_by", "is not a known order value");
  }
  if (absl::Status s =
          ValidateSearchText("name_contains", request.name_contains);
      !s.ok()) {
    return s;
  }
  NamedListQuery query;
  // Unspecified sorts as name ascending, so tokens of either work for both.
  const int order = request.order == 0 ? 1 : request.order;
  query.collection_ = std::string(request.collection);
  query.fingerprint_ = absl::StrCat(order, "/", request.name_contains);
  absl::StatusOr<std::optional<PageCursor>> cursor = DecodePageToken(
      "page_token", request.page_token, query.collection_, query.fingerprint_);
  if (!cursor.ok()) return cursor.status();
  const char* const by_order[] = {statements.name_asc, statements.name_desc,
                                  statements.id_asc, statements.id_desc};
  query.statement_ = by_order[order - 1];
  query.by_name_ = order <= 2;
  query.page_size_ = *page_size;
  query.pattern_ = ContainsPattern(request.name_contains);
  query.has_cursor_ = cursor->has_value();
  query.after_ = cursor->value_or(PageCursor{});
  return query;
}

std::string NamedListQuery::Run(
    pqxx::transaction_base& txn,
    absl::FunctionRef<PageCursor(const pqxx::row&)> add) const {
  // One row more than asked tells whether another page exists.
  const int limit = page_size_ + 1;
  const pqxx::result rows =
      by_name_ ? txn.exec_prepared(statement_, pattern_, has_cursor_,
                                   after_.name, after_.id, limit)
               : txn.exec_prepared(statement_, pattern_, has_cursor_, after_.id,
                                   limit);
  int added = 0;
  PageCursor last;
  for (const pqxx::row& row : rows) {
    if (added == page_size_) {
      return EncodePageToken(collection_, fingerprint_, last);
    }
    last = add(row);
    ++added;
  }
  return "";
}

}  // namespace suppliers
