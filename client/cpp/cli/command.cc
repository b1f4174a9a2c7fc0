// Owns the shape of a suppliers-client command (RESOURCE VERB, the RPC it
// calls, its flags, its handler), the command tables of each resource, and
// what every command shares: showing a response as a table or JSON, failing
// with a readable status, following page tokens.
#include "client/cpp/cli/command.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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

int FinishOutput(const Globals& globals) {
  if (std::fflush(stdout) != 0 || std::ferror(stdout)) {
    return Fail(absl::DataLossError(absl::StrCat("cannot write the output: ",
                                                 std::strerror(errno))),
                globals);
  }
  return kExitOk;
}

const std::vector<FlagSpec> kWatchFlags = {
    {"after", "N",
     "resume after this sequence (a checkpoint, or an export's change "
     "sequence; 0 is before the first event); default: changes from now on"},
    {"kinds", "K,K", "only these kinds: vendor, part, vendor_part, drawing",
     false, true},
    {"count", "N", "exit 0 after N events (default: watch until interrupted)"}};

std::vector<v1::ResourceKind> ParseKinds(
    const std::vector<std::string>& values) {
  std::vector<v1::ResourceKind> kinds;
  for (const std::string& value : values) {
    for (absl::string_view name :
         absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      if (name == "vendor") {
        kinds.push_back(v1::RESOURCE_KIND_VENDOR);
      } else if (name == "part") {
        kinds.push_back(v1::RESOURCE_KIND_PART);
      } else if (name == "vendor_part") {
        kinds.push_back(v1::RESOURCE_KIND_VENDOR_PART);
      } else if (name == "drawing") {
        kinds.push_back(v1::RESOURCE_KIND_DRAWING);
      } else {
        throw UsageError{absl::StrCat(
            "--kinds takes vendor, part, vendor_part and drawing, not \"", name,
            "\"")};
      }
    }
  }
  if (kinds.empty()) throw UsageError{"--kinds names no kind"};
  return kinds;
}

int Watch(const Flags& flags, SuppliersClient& client, const Globals& globals,
          const std::vector<v1::ResourceKind>& default_kinds) {
  v1::WatchChangesRequest request;
  if (flags.Has("after")) request.set_after_sequence(flags.Int("after"));
  const std::vector<v1::ResourceKind> kinds =
      flags.Has("kinds") ? ParseKinds(flags.All("kinds")) : default_kinds;
  for (v1::ResourceKind kind : kinds) request.add_kinds(kind);
  const int64_t count = flags.Int("count");
  if (flags.Has("count") && count <= 0) {
    throw UsageError{"--count wants a positive number of events"};
  }
  int64_t printed = 0;
  // Known once the server answered (or given): what to resume from.
  std::optional<int64_t> checkpoint;
  if (request.has_after_sequence()) checkpoint = request.after_sequence();
  const absl::Status status = client.WatchChanges(
      request, [&](const v1::WatchChangesResponse& message) {
        int take = message.events_size();
        if (count > 0)
          take = static_cast<int>(std::min<int64_t>(take, count - printed));
        // Cut at --count, the message's checkpoint would claim events that
        // were not printed: the last printed one is where to resume.
        const int64_t reached = take == message.events_size()
                                    ? message.checkpoint_sequence()
                                    : message.events(take - 1).sequence();
        if (globals.json) {
          if (take == message.events_size()) {
            std::printf("%s\n", ToJsonLine(message).c_str());
          } else {
            v1::WatchChangesResponse cut;
            cut.mutable_events()->CopyFrom(message.events());
            cut.mutable_events()->DeleteSubrange(take,
                                                 message.events_size() - take);
            cut.set_checkpoint_sequence(reached);
            std::printf("%s\n", ToJsonLine(cut).c_str());
          }
        } else {
          for (int i = 0; i < take; ++i) {
            const v1::ChangeEvent& event = message.events(i);
            std::printf("%lld %s\n", static_cast<long long>(event.sequence()),
                        DescribeChange(event).c_str());
          }
        }
        // Lines are read as they come (a pipe would hold them back).
        std::fflush(stdout);
        printed += take;
        checkpoint = reached;
        return count == 0 || printed < count;
      });
  if (!status.ok()) {
    const int code = Fail(status, globals);
    if (checkpoint.has_value()) {
      std::fprintf(stderr, "  (resume with --after %lld)\n",
                   static_cast<long long>(*checkpoint));
    }
    return code;
  }
  return FinishOutput(globals);
}

const std::vector<FlagSpec> kImportFlags = {
    {"csv", "FILE",
     "CSV file with a header line naming the columns; - reads stdin", true}};

int ImportCsv(
    const Flags& flags, const Globals& globals, const std::string& noun,
    const std::function<absl::StatusOr<v1::ImportSummary>(std::istream&)>&
        import) {
  const std::string path = flags.Text("csv");
  absl::StatusOr<v1::ImportSummary> summary;
  if (path == "-") {
    summary = import(std::cin);
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      return Fail(absl::NotFoundError(absl::StrCat("cannot open ", path, ": ",
                                                   std::strerror(errno))),
                  globals);
    }
    summary = import(file);
  }
  if (!summary.ok()) return Fail(summary.status(), globals);
  if (globals.json) {
    // The response, as every other command prints it (ImportVendors' and
    // ImportParts' are both {summary}).
    v1::ImportVendorsResponse response;
    *response.mutable_summary() = *summary;
    std::printf("%s\n", ToJsonLine(response).c_str());
  } else {
    std::string text =
        absl::StrCat("imported ", summary->rows_imported(), " ", noun, "(s)");
    if (summary->links_imported() > 0) {
      absl::StrAppend(&text, " and ", summary->links_imported(), " link(s)");
    }
    if (summary->rows_imported() > 0) {
      absl::StrAppend(&text, ": ids ", summary->first_id(), "..",
                      summary->last_id());
    }
    std::printf("%s\n", text.c_str());
  }
  return FinishOutput(globals);
}

const std::vector<FlagSpec> kExportFlags = {
    {"csv", "",
     "write the CSV file (header line first) to stdout, byte for byte"}};

}  // namespace suppliers::client
