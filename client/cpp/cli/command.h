// Owns the shape of a suppliers-client command (RESOURCE VERB, the RPC it
// calls, its flags, its handler), the command tables of each resource, and
// what every command shares: showing a response as a table or JSON, failing
// with a readable status, following page tokens.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_COMMAND_H_
#define SUPPLIERS_CLIENT_CPP_CLI_COMMAND_H_

#include <cstdio>
#include <functional>
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

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_COMMAND_H_
