// Owns the request and response headers of read routing: where a caller
// asks its reads to run (the primary, or a replica that has replayed its
// last write) and the commit position a write answers with.
#include "server/rpc/read_routing.h"

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/wal_position.h"

namespace suppliers {
namespace {

std::optional<absl::string_view> Header(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata,
    const char* name) {
  auto it = metadata.find(name);
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

absl::StatusOr<CallContext::ReadRouting> ParseReadRouting(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata) {
  CallContext::ReadRouting routing;
  if (std::optional<absl::string_view> from = Header(metadata, kReadFromHeader);
      from.has_value()) {
    if (*from == "primary") {
      routing.primary_only = true;
    } else if (*from != "any") {
      return absl::InvalidArgumentError(absl::StrCat(
          "header ", kReadFromHeader, ": expected \"primary\" or \"any\""));
    }
  }
  if (std::optional<absl::string_view> lsn = Header(metadata, kMinLsnHeader);
      lsn.has_value()) {
    std::optional<uint64_t> parsed = ParseLsn(*lsn);
    if (!parsed.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "header ", kMinLsnHeader,
          ": expected a WAL position such as 16/B374D848 (the value of ",
          kCommitLsnHeader, " a write returned)"));
    }
    routing.min_lsn = *parsed;
  }
  return routing;
}

void AddCommitPosition(grpc::ServerContextBase& context,
                       const CallContext& call) {
  if (const uint64_t lsn = call.commit_lsn(); lsn != 0) {
    context.AddTrailingMetadata(kCommitLsnHeader, FormatLsn(lsn));
  }
}

}  // namespace suppliers
