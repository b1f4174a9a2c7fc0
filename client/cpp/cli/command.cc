// Owns the shape of a suppliers-client command (RESOURCE VERB, the RPC it
// calls, its flags, its handler), the command tables of each resource, and
// what every command shares: showing a response as a table or JSON, failing
// with a readable status, following page tokens.
#include "client/cpp/cli/command.h"

#include "absl/strings/str_cat.h"
#include "suppliers/v1/vendor.pb.h"

namespace suppliers::client {

int Fail(const absl::Status& status, const Globals& globals) {
  std::string text = DescribeError(status);
  if (status.code() == absl::StatusCode::kUnavailable) {
    // The server's own answers carry a reason; a transport failure none.
    if (ErrorReason(status) == "DATABASE_UNAVAILABLE") {
      absl::StrAppend(&text, "\n  (suppliers-server at ", globals.target,
                      " is up, but its database is unavailable; retry later)");
    } else if (ErrorReason(status).empty()) {
      absl::StrAppend(&text, "\n  (is suppliers-server running at ",
                      globals.target, "?)");
    }
  }
  std::fprintf(stderr, "error: %s\n", text.c_str());
  return kExitFailed;
}

const std::vector<FlagSpec> kListFlags = {
    {"page-size", "N", "rows per page (server default 50, at most 1000)"},
    {"page-token", "TOKEN", "continue from a previous page"},
    {"order-by", "ORDER", "name (default), name-desc, id or id-desc"},
    {"name-contains", "TEXT", "only names containing TEXT, ignoring case"},
    {"all", "", "follow next_page_token until the last page"}};

int ListOrder(const Flags& flags) {
  const std::string order = flags.Text("order-by", "name");
  if (order == "name") return v1::VENDOR_ORDER_NAME_ASC;
  if (order == "name-desc") return v1::VENDOR_ORDER_NAME_DESC;
  if (order == "id") return v1::VENDOR_ORDER_ID_ASC;
  if (order == "id-desc") return v1::VENDOR_ORDER_ID_DESC;
  throw UsageError{"--order-by is one of name, name-desc, id, id-desc"};
}

}  // namespace suppliers::client
