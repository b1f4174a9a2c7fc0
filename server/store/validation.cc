// Owns request validation shared by every handler: names, ids, id lists,
// update masks, page sizes, request ids; and the conversions of validated
// values into SQL parameter values (array literals, LIKE patterns).
#include "server/store/validation.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "server/base/errors.h"

namespace suppliers {
namespace {

// Characters, not bytes: every byte that is not a UTF-8 continuation byte
// starts a character. (Protobuf already guarantees valid UTF-8 in strings.)
int CountCharacters(absl::string_view text) {
  return static_cast<int>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

bool HasControlCharacters(absl::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
}

}  // namespace

absl::Status ValidateSearchText(absl::string_view field,
                                absl::string_view value) {
  if (CountCharacters(value) > kMaxNameCharacters) {
    return InvalidField(field,
                        absl::StrCat("must be at most ", kMaxNameCharacters,
                                     " characters long"));
  }
  if (HasControlCharacters(value)) {
    return InvalidField(field, "must not contain control characters");
  }
  return absl::OkStatus();
}

absl::Status ValidateEtag(absl::string_view field, absl::string_view etag) {
  if (etag.size() > 40 || !std::all_of(etag.begin(), etag.end(), [](char c) {
        return absl::ascii_isdigit(c) || (c >= 'a' && c <= 'f') || c == '-';
      })) {
    return InvalidField(field,
                        "is not an etag returned by this service; read the "
                        "resource again to get its current etag");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ValidateName(absl::string_view field,
                                         absl::string_view value) {
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  if (trimmed.empty()) {
    return InvalidField(field, "must not be empty");
  }
  if (CountCharacters(trimmed) > kMaxNameCharacters) {
    return InvalidField(field,
                        absl::StrCat("must be at most ", kMaxNameCharacters,
                                     " characters long"));
  }
  if (HasControlCharacters(trimmed)) {
    return InvalidField(field, "must not contain control characters");
  }
  return std::string(trimmed);
}

absl::Status ValidateId(absl::string_view field, int64_t id) {
  if (id <= 0) return InvalidField(field, "must be a positive id");
  return absl::OkStatus();
}

absl::Status ValidateIdList(absl::string_view field,
                            const std::vector<int32_t>& ids, int min_count,
                            int max_count) {
  if (static_cast<int>(ids.size()) < min_count ||
      static_cast<int>(ids.size()) > max_count) {
    return InvalidField(field, absl::StrCat("must hold ", min_count, " to ",
                                            max_count, " ids"));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] <= 0) {
      return InvalidField(absl::StrCat(field, "[", i, "]"),
                          "must be a positive id");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> ValidateIdSet(
    absl::string_view field, const std::vector<int32_t>& ids, int min_count,
    int max_count) {
  if (absl::Status s = ValidateIdList(field, ids, min_count, max_count);
      !s.ok()) {
    return s;
  }
  std::vector<int32_t> unique = ids;
  std::sort(unique.begin(), unique.end());
  unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
  return unique;
}

absl::Status ValidateUpdateMask(absl::string_view field,
                                const google::protobuf::FieldMask& mask,
                                absl::string_view only_path) {
  for (int i = 0; i < mask.paths_size(); ++i) {
    if (mask.paths(i) != only_path) {
      return InvalidField(absl::StrCat(field, ".paths[", i, "]"),
                          absl::StrCat("\"", mask.paths(i),
                                       "\" is not an updatable field; the "
                                       "only one is \"",
                                       only_path, "\""));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int> ValidatePageSize(absl::string_view field, int32_t size,
                                     int default_size, int max_size) {
  if (size == 0) return default_size;
  if (size < 0 || size > max_size) {
    return InvalidField(field, absl::StrCat("must be between 0 (default ",
                                            default_size, ") and ", max_size));
  }
  return size;
}

absl::Status ValidateRequestId(absl::string_view field,
                               absl::string_view request_id) {
  if (request_id.empty()) return absl::OkStatus();
  bool ok = request_id.size() == 36;
  for (size_t i = 0; ok && i < request_id.size(); ++i) {
    const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
    ok = dash_position ? request_id[i] == '-'
                       : absl::ascii_isxdigit(request_id[i]);
  }
  if (!ok) {
    return InvalidField(
        field, "must be a UUID such as 123e4567-e89b-42d3-a456-426614174000");
  }
  return absl::OkStatus();
}

std::string ContainsPattern(absl::string_view text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern.push_back('\\');
    pattern.push_back(c);
  }
  pattern.push_back('%');
  return pattern;
}

std::string IntArrayLiteral(const std::vector<int32_t>& values) {
  return absl::StrCat("{", absl::StrJoin(values, ","), "}");
}

std::string TextArrayLiteral(const std::vector<std::string>& values) {
  std::string literal = "{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) literal.push_back(',');
    literal.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') literal.push_back('\\');
      literal.push_back(c);
    }
    literal.push_back('"');
  }
  literal.push_back('}');
  return literal;
}

std::vector<int32_t> ParseIntArray(absl::string_view text) {
  std::vector<int32_t> values;
  text = absl::StripPrefix(absl::StripSuffix(text, "}"), "{");
  for (absl::string_view part : absl::StrSplit(text, ',', absl::SkipEmpty())) {
    int32_t value = 0;
    if (absl::SimpleAtoi(part, &value)) values.push_back(value);
  }
  return values;
}

}  // namespace suppliers
