// Fuzzes page tokens, which come from callers as arbitrary text: decoding
// never crashes, refuses what it did not issue with INVALID_ARGUMENT naming
// the field, and what it accepts encodes back to a token that decodes to
// the same cursor.
#include <cstddef>
#include <cstdint>
#include <string>

#include "server/store/page_token.h"
#include "tests/fuzz/quiet_protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string token(reinterpret_cast<const char*>(data), size);
  for (const char* collection : {"vendors", "parts", "pairs"}) {
    absl::StatusOr<std::optional<suppliers::PageCursor>> cursor =
        suppliers::DecodePageToken("page_token", token, collection, "1/");
    if (!cursor.ok()) {
      if (cursor.status().code() != absl::StatusCode::kInvalidArgument) {
        __builtin_trap();
      }
      continue;
    }
    if (!cursor->has_value()) {
      if (!token.empty()) __builtin_trap();
      continue;
    }
    const std::string again =
        suppliers::EncodePageToken(collection, "1/", **cursor);
    auto round_trip =
        suppliers::DecodePageToken("page_token", again, collection, "1/");
    if (!round_trip.ok() || !round_trip->has_value() ||
        (*round_trip)->id != (*cursor)->id ||
        (*round_trip)->name != (*cursor)->name ||
        (*round_trip)->second_id != (*cursor)->second_id ||
        (*round_trip)->second_name != (*cursor)->second_name) {
      __builtin_trap();
    }
  }
  return 0;
}
