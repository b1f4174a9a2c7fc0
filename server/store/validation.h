// Owns request validation shared by every handler: names, ids, id lists,
// update masks, page sizes, request ids; and the conversions of validated
// values into SQL parameter values (array literals, LIKE patterns). Pure
// functions, thread-safe.
#ifndef SUPPLIERS_SERVER_STORE_VALIDATION_H_
#define SUPPLIERS_SERVER_STORE_VALIDATION_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"

namespace suppliers {

// Longest vendor or part name, in characters (the columns are varchar(255)).
inline constexpr int kMaxNameCharacters = 255;

// The name with surrounding white space removed; INVALID_ARGUMENT naming
// `field` when it is empty after trimming, longer than kMaxNameCharacters
// characters (not bytes), or holds control characters.
absl::StatusOr<std::string> ValidateName(absl::string_view field,
                                         absl::string_view value);

// A list filter: empty (no filter) or at most kMaxNameCharacters characters
// without control characters. (A NUL would silently end the text sent to
// PostgreSQL and widen the filter.)
absl::Status ValidateSearchText(absl::string_view field,
                                absl::string_view value);

// Empty (no precondition) or shaped like an etag this service returns
// (digits, lowercase hex, '-').
// Anything else could never match and would hide a client bug.
absl::Status ValidateEtag(absl::string_view field, absl::string_view etag);

// INVALID_ARGUMENT naming `field` unless id > 0.
absl::Status ValidateId(absl::string_view field, int64_t id);

// Each id positive, count within [min_count, max_count]; violations name
// "field[i]" (or `field` for the count).
absl::Status ValidateIdList(absl::string_view field,
                            const std::vector<int32_t>& ids, int min_count,
                            int max_count);

// ValidateIdList, then the ids sorted and deduplicated (a set of links).
absl::StatusOr<std::vector<int32_t>> ValidateIdSet(
    absl::string_view field, const std::vector<int32_t>& ids, int min_count,
    int max_count);

// Empty (update every updatable field) or naming only `only_path`, the one
// field an update may change; INVALID_ARGUMENT naming "<field>.paths[i]".
absl::Status ValidateUpdateMask(absl::string_view field,
                                const google::protobuf::FieldMask& mask,
                                absl::string_view only_path);

// 0 -> default_size; 1..max_size as is; otherwise INVALID_ARGUMENT.
absl::StatusOr<int> ValidatePageSize(absl::string_view field, int32_t size,
                                     int default_size, int max_size);

// Empty (not given) or a UUID in 8-4-4-4-12 hex form.
absl::Status ValidateRequestId(absl::string_view field,
                               absl::string_view request_id);

// ILIKE pattern matching values that contain `text` literally (%, _ and
// backslash escaped).
std::string ContainsPattern(absl::string_view text);

// PostgreSQL array literals for array parameters ($1::int[], $1::text[]).
std::string IntArrayLiteral(const std::vector<int32_t>& values);
std::string TextArrayLiteral(const std::vector<std::string>& values);
// Parses an int[] result value such as "{1,2,3}".
std::vector<int32_t> ParseIntArray(absl::string_view text);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_VALIDATION_H_
