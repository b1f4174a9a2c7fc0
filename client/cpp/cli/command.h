// Owns the shape of a suppliers-client command (RESOURCE VERB, the RPC it
// calls, its flags, its handler), the command tables of each resource, and
// what every command shares: showing a response as a table or JSON, failing
// with a readable status, following page tokens, and the streamed commands
// (watch, import, export) of vendors and parts.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_COMMAND_H_
#define SUPPLIERS_CLIENT_CPP_CLI_COMMAND_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "client/cpp/cli/cli.h"
#include "client/cpp/cli/flags.h"
#include "client/cpp/cli/output.h"
#include "client/cpp/suppliers_client.h"

namespace suppliers::client {

// Options that come before RESOURCE VERB.
struct Globals {
  std::string target = "127.0.0.1:50051";
  absl::Duration deadline = absl::Seconds(5);
  bool json = false;
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_server_name;
  std::string token_file;
  // ClientOptions::load_balancing; "none" becomes "".
  std::string load_balancing = "round_robin";
};

// Returns the exit code (cli.h).
using Handler =
    std::function<int(const Flags&, SuppliersClient&, const Globals&)>;

struct Command {
  std::string resource;
  std::string verb;
  std::string rpc;  // fully-qualified method it calls
  std::string summary;
  std::vector<FlagSpec> flags;
  Handler run;
};

// The commands of each resource, appended to `commands` (one file each).
void AddVendorCommands(std::vector<Command>& commands);
void AddPartCommands(std::vector<Command>& commands);
void AddDrawingCommands(std::vector<Command>& commands);
void AddHealthCommands(std::vector<Command>& commands);

// Prints the status (code, message, ErrorInfo, field violations) and a hint
// when the server could not be reached; returns kExitFailed.
int Fail(const absl::Status& status, const Globals& globals);

// Pointers to the items of a container, for printers that take either a
// repeated field or a vector.
template <typename Container>
std::vector<const typename Container::value_type*> Pointers(
    const Container& items) {
  std::vector<const typename Container::value_type*> pointers;
  pointers.reserve(items.size());
  for (const auto& item : items) pointers.push_back(&item);
  return pointers;
}

// Prints `response` as JSON, or calls `human` to print it for people.
template <typename Response>
int Show(const absl::StatusOr<Response>& response, const Globals& globals,
         const std::function<void(const Response&)>& human) {
  if (!response.ok()) return Fail(response.status(), globals);
  if (globals.json) {
    std::printf("%s\n", ToJsonLine(*response).c_str());
  } else {
    human(*response);
  }
  return kExitOk;
}

// A paginated list: calls `call(request)` for one page, or for every page
// with `all_pages`, printing each response as JSON, or all items at the end
// with `print(std::vector<const Item*>)` followed by the next page hint.
// `items(response)` returns a page's repeated field of Item.
template <typename Item, typename Request, typename Call, typename Items,
          typename Print>
int ListPages(Request request, bool all_pages, const Globals& globals,
              Call call, Items items, Print print) {
  std::vector<Item> rows;
  while (true) {
    auto response = call(request);
    if (!response.ok()) return Fail(response.status(), globals);
    if (globals.json) std::printf("%s\n", ToJsonLine(*response).c_str());
    const auto& page = items(*response);
    rows.insert(rows.end(), page.begin(), page.end());
    const std::string& next = response->next_page_token();
    if (!all_pages || next.empty()) {
      if (!globals.json) {
        print(Pointers(rows));
        if (!all_pages && !next.empty()) {
          std::printf("next page: --page-token %s\n", next.c_str());
        }
      }
      return kExitOk;
    }
    request.set_page_token(next);
  }
}

// The flags of ListVendors and ListParts, and their --order-by value as the
// numbering VendorOrder and PartOrder share.
extern const std::vector<FlagSpec> kListFlags;
int ListOrder(const Flags& flags);

// `vendors watch` and `parts watch` (ChangeFeedService/WatchChanges): their
// flags, and the run. Prints one line per event, "SEQUENCE " and
// DescribeChange (output.h), flushed as it comes; with --json every message
// of the stream, heartbeats included. Runs until --count events were
// printed (exit 0), the process is interrupted, or the stream fails (exit 1,
// with the checkpoint to resume from on stderr). `default_kinds` apply
// without --kinds.
extern const std::vector<FlagSpec> kWatchFlags;
int Watch(const Flags& flags, SuppliersClient& client, const Globals& globals,
          const std::vector<v1::ResourceKind>& default_kinds);
// --kinds values ("vendor,part", or the flag repeated) as kinds, in order,
// duplicates kept (the server ignores them). Throws UsageError naming an
// unknown kind.
std::vector<v1::ResourceKind> ParseKinds(
    const std::vector<std::string>& values);

// `vendors import` and `parts import`: --csv FILE ('-' is stdin) streamed by
// `import`; prints "imported N <noun>(s): ids FIRST..LAST" (and the links
// of parts), or with --json the response {"summary": ...}.
extern const std::vector<FlagSpec> kImportFlags;
int ImportCsv(
    const Flags& flags, const Globals& globals, const std::string& noun,
    const std::function<absl::StatusOr<v1::ImportSummary>(std::istream&)>&
        import);

// Flushes stdout; kExitFailed, with the reason, when writing it failed (a
// full disk, a closed pipe), else kExitOk.
int FinishOutput(const Globals& globals);

// The flags of the export commands (--csv).
extern const std::vector<FlagSpec> kExportFlags;

// An export command: with --csv the chunks go to stdout byte for byte;
// with --json one line per message; otherwise the rows (`items(message)`)
// are printed by `print` as the list commands print them, once all arrived
// (so use --csv or --json for large tables: they stream). The snapshot's
// change sequence goes to stderr ("change sequence N"), keeping stdout the
// file. `call(format, on_message)` runs the export.
template <typename Item, typename Response, typename Call, typename Items,
          typename Print>
int Export(const Flags& flags, const Globals& globals, Call call, Items items,
           Print print) {
  const bool csv = flags.Has("csv");
  if (csv && globals.json) {
    throw UsageError{"--csv and --json exclude each other"};
  }
  std::vector<Item> rows;
  bool first = true;
  const absl::Status status =
      call(csv ? v1::EXPORT_FORMAT_CSV : v1::EXPORT_FORMAT_MESSAGES,
           std::function<void(const Response&)>([&](const Response& message) {
             if (first) {
               first = false;
               std::fprintf(stderr, "change sequence %lld\n",
                            static_cast<long long>(message.change_sequence()));
             }
             if (csv) {
               std::fwrite(message.csv_chunk().data(), 1,
                           message.csv_chunk().size(), stdout);
             } else if (globals.json) {
               std::printf("%s\n", ToJsonLine(message).c_str());
             } else {
               const auto& page = items(message);
               rows.insert(rows.end(), page.begin(), page.end());
             }
           }));
  if (!status.ok()) {
    std::fflush(stdout);
    return Fail(status, globals);
  }
  if (!csv && !globals.json) print(Pointers(rows));
  return FinishOutput(globals);
}

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_COMMAND_H_
