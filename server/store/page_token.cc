// Owns list page tokens: opaque (base64url of a private proto), bound to the
// collection and to the query they continue, carrying the keyset position of
// the last row returned.
#include "server/store/page_token.h"

#include <cstring>

#include "absl/strings/escaping.h"
#include "common/sha256.h"
#include "server/base/errors.h"
#include "suppliers/internal/page_token.pb.h"

namespace suppliers {
namespace {

uint64_t Fingerprint(absl::string_view query) {
  const std::string digest = [&] {
    Sha256 hasher;
    hasher.Update(std::string_view(query.data(), query.size()));
    return hasher.FinishRaw();
  }();
  uint64_t value = 0;
  std::memcpy(&value, digest.data(), sizeof(value));
  return value;
}

}  // namespace

std::string EncodePageToken(absl::string_view collection,
                            absl::string_view query, const PageCursor& cursor) {
  internal::PageToken token;
  token.set_collection(std::string(collection));
  token.set_query_fingerprint(Fingerprint(query));
  token.set_last_id(cursor.id);
  token.set_last_name(cursor.name);
  token.set_last_second_id(cursor.second_id);
  token.set_last_second_name(cursor.second_name);
  return absl::WebSafeBase64Escape(token.SerializeAsString());
}

absl::StatusOr<std::optional<PageCursor>> DecodePageToken(
    absl::string_view field, absl::string_view token,
    absl::string_view collection, absl::string_view query) {
  if (token.empty()) return std::optional<PageCursor>();
  std::string bytes;
  internal::PageToken decoded;
  if (!absl::WebSafeBase64Unescape(token, &bytes) ||
      !decoded.ParseFromString(bytes) || decoded.collection() != collection) {
    return InvalidField(field, "is not a page token of this list");
  }
  if (decoded.query_fingerprint() != Fingerprint(query)) {
    return InvalidField(field,
                        "belongs to a list request with other parameters "
                        "(order or filter); keep them unchanged while paging");
  }
  PageCursor cursor;
  cursor.id = decoded.last_id();
  cursor.name = decoded.last_name();
  cursor.second_id = decoded.last_second_id();
  cursor.second_name = decoded.last_second_name();
  return std::optional<PageCursor>(std::move(cursor));
}

}  // namespace suppliers
