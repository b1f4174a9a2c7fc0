// Owns list page tokens: opaque (base64url of a private proto), bound to the
// collection and to the query they continue, carrying the keyset position of
// the last row returned. Pure functions, thread-safe.
#ifndef SUPPLIERS_SERVER_STORE_PAGE_TOKEN_H_
#define SUPPLIERS_SERVER_STORE_PAGE_TOKEN_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace suppliers {

// The sort key of the last row of a page.
struct PageCursor {
  int32_t id = 0;
  std::string name;
  int32_t second_id = 0;
  std::string second_name;
};

// `query` is every request field that shapes the result other than the page
// size and token (order, filter): a token is refused for a different query.
std::string EncodePageToken(absl::string_view collection,
                            absl::string_view query, const PageCursor& cursor);

// nullopt for an empty token (first page); INVALID_ARGUMENT naming `field`
// for a token that is malformed, from another collection or another query.
absl::StatusOr<std::optional<PageCursor>> DecodePageToken(
    absl::string_view field, absl::string_view token,
    absl::string_view collection, absl::string_view query);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_PAGE_TOKEN_H_
