// Owns the suppliers-client command line: global options, the table of
// RESOURCE VERB commands (one per RPC), their flags and output, exit codes.
#include "client/cli.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "client/demo.h"
#include "client/output.h"
#include "client/suppliers_client.h"

namespace suppliers::client {
namespace {

// A usage error: the message is printed with a pointer to --help.
struct UsageError {
  std::string message;
};

struct FlagSpec {
  std::string name;   // without the leading "--"
  std::string value;  // placeholder shown in help; empty for a switch
  std::string help;
  bool required = false;
  bool repeated = false;
};

// The flags given to one command, checked against its FlagSpecs.
class Flags {
 public:
  Flags(const std::vector<FlagSpec>& specs,
        std::map<std::string, std::vector<std::string>> values)
      : specs_(specs), values_(std::move(values)) {}

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  std::string Text(const std::string& name,
                   const std::string& fallback = "") const {
    auto it = values_.find(name);
    return it == values_.end() ? fallback : it->second.back();
  }
  std::vector<std::string> All(const std::string& name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::vector<std::string>{} : it->second;
  }
  int64_t Int(const std::string& name, int64_t fallback = 0) const {
    if (!Has(name)) return fallback;
    int64_t value = 0;
    if (!absl::SimpleAtoi(Text(name), &value)) {
      throw UsageError{absl::StrCat("--", name, " wants a whole number, not \"",
                                    Text(name), "\"")};
    }
    return value;
  }
  // "1,2,3" (or repeated flags) as ints.
  std::vector<int32_t> Ints(const std::string& name) const {
    std::vector<int32_t> ids;
    for (const std::string& value : All(name)) {
      for (absl::string_view part :
           absl::StrSplit(value, ',', absl::SkipWhitespace())) {
        int32_t id = 0;
        if (!absl::SimpleAtoi(part, &id)) {
          throw UsageError{absl::StrCat(
              "--", name, " wants ids like 1,2,3, not \"", value, "\"")};
        }
        ids.push_back(id);
      }
    }
    return ids;
  }

 private:
  const std::vector<FlagSpec>& specs_;
  std::map<std::string, std::vector<std::string>> values_;
};

struct Globals {
  std::string target = "127.0.0.1:50051";
  absl::Duration deadline = absl::Seconds(5);
  bool json = false;
};

struct Command;
using Handler = std::function<int(const Command&, const Flags&,
                                  SuppliersClient&, const Globals&)>;

struct Command {
  std::string resource;
  std::string verb;
  std::string rpc;  // fully-qualified method it calls
  std::string summary;
  std::vector<FlagSpec> flags;
  Handler run;
};

// ---- output helpers ----

int Fail(const absl::Status& status, const Globals& globals) {
  std::string text = DescribeError(status);
  if (status.code() == absl::StatusCode::kUnavailable) {
    absl::StrAppend(&text, "\n  (is suppliers-server running at ",
                    globals.target, "?)");
  }
  std::fprintf(stderr, "error: %s\n", text.c_str());
  return kExitFailed;
}

std::string Ids(const google::protobuf::RepeatedField<int32_t>& ids) {
  return absl::StrJoin(ids, ",");
}

void PrintVendors(const std::vector<const v1::Vendor*>& vendors) {
  Table table({"ID", "NAME", "ETAG"});
  for (const v1::Vendor* v : vendors) {
    table.AddRow({absl::StrCat(v->vendor_id()), v->vendor_name(), v->etag()});
  }
  table.Print(stdout);
}

void PrintParts(const std::vector<const v1::Part*>& parts) {
  Table table({"ID", "NAME", "VENDORS", "ETAG"});
  for (const v1::Part* p : parts) {
    table.AddRow({absl::StrCat(p->part_id()), p->part_name(),
                  Ids(p->vendor_ids()), p->etag()});
  }
  table.Print(stdout);
}

template <typename Repeated>
auto Pointers(const Repeated& items) {
  std::vector<const typename Repeated::value_type*> pointers;
  for (const auto& item : items) pointers.push_back(&item);
  return pointers;
}

void PrintDrawing(const v1::DrawingMetadata& m) {
  Table table({"PART", "NAME", "FILE", "BYTES", "SHA256"});
  table.AddRow({absl::StrCat(m.part_id()), m.part_name(), m.file_name(),
                absl::StrCat(m.size_bytes()), m.sha256()});
  table.Print(stdout);
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

std::string NextPageHint(const std::string& token) {
  return token.empty() ? "" : absl::StrCat("next page: --page-token ", token);
}

int VendorOrder(const Flags& flags) {
  const std::string order = flags.Text("order-by", "name");
  if (order == "name") return v1::VENDOR_ORDER_NAME_ASC;
  if (order == "name-desc") return v1::VENDOR_ORDER_NAME_DESC;
  if (order == "id") return v1::VENDOR_ORDER_ID_ASC;
  if (order == "id-desc") return v1::VENDOR_ORDER_ID_DESC;
  throw UsageError{"--order-by is one of name, name-desc, id, id-desc"};
}

const std::vector<FlagSpec> kListFlags = {
    {"page-size", "N", "rows per page (server default 50, at most 1000)"},
    {"page-token", "TOKEN", "continue from a previous page"},
    {"order-by", "ORDER", "name (default), name-desc, id or id-desc"},
    {"name-contains", "TEXT", "only names containing TEXT, ignoring case"},
    {"all", "", "follow next_page_token until the last page"}};

// ---- the commands, one per RPC ----

std::vector<Command> Commands() {
  std::vector<Command> commands;
  auto add = [&](Command command) { commands.push_back(std::move(command)); };

  add({"vendors",
       "create",
       "suppliers.v1.VendorService/CreateVendor",
       "insert one vendor and print its new id",
       {{"name", "NAME", "vendor name", true},
        {"request-id", "UUID", "idempotency key (default: a fresh one)"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::CreateVendorRequest request;
         request.mutable_vendor()->set_vendor_name(f.Text("name"));
         request.set_request_id(f.Text("request-id"));
         return Show<v1::CreateVendorResponse>(
             c.CreateVendor(request), g,
             [](const auto& r) { PrintVendors({&r.vendor()}); });
       }});
  add({"vendors",
       "create-many",
       "suppliers.v1.VendorService/BatchCreateVendors",
       "insert several vendors in one statement, all or nothing",
       {{"name", "NAME", "a vendor name (repeat the flag)", true, true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::BatchCreateVendorsRequest request;
         for (const std::string& name : f.All("name")) {
           request.add_vendors()->set_vendor_name(name);
         }
         return Show<v1::BatchCreateVendorsResponse>(
             c.BatchCreateVendors(request), g,
             [](const auto& r) { PrintVendors(Pointers(r.vendors())); });
       }});
  add({"vendors",
       "get",
       "suppliers.v1.VendorService/GetVendor",
       "print one vendor",
       {{"id", "ID", "vendor id", true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::GetVendorRequest request;
         request.set_vendor_id(f.Int("id"));
         return Show<v1::GetVendorResponse>(
             c.GetVendor(request), g,
             [](const auto& r) { PrintVendors({&r.vendor()}); });
       }});
  add({"vendors", "list", "suppliers.v1.VendorService/ListVendors",
       "list vendors a page at a time", kListFlags,
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::ListVendorsRequest request;
         request.set_page_size(f.Int("page-size"));
         request.set_page_token(f.Text("page-token"));
         request.set_order_by(static_cast<v1::VendorOrder>(VendorOrder(f)));
         request.set_name_contains(f.Text("name-contains"));
         std::vector<v1::Vendor> all;
         while (true) {
           auto response = c.ListVendors(request);
           if (!response.ok()) return Fail(response.status(), g);
           if (g.json) std::printf("%s\n", ToJsonLine(*response).c_str());
           all.insert(all.end(), response->vendors().begin(),
                      response->vendors().end());
           if (!f.Has("all") || response->next_page_token().empty()) {
             if (!g.json) {
               std::vector<const v1::Vendor*> rows;
               for (const auto& v : all) rows.push_back(&v);
               PrintVendors(rows);
               if (!f.Has("all") && !response->next_page_token().empty()) {
                 std::printf("%s\n",
                             NextPageHint(response->next_page_token()).c_str());
               }
             }
             return kExitOk;
           }
           request.set_page_token(response->next_page_token());
         }
       }});
  add({"vendors",
       "batch-get",
       "suppliers.v1.VendorService/BatchGetVendors",
       "print several vendors by id, in the order given",
       {{"ids", "1,2,3", "vendor ids", true, true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::BatchGetVendorsRequest request;
         for (int32_t id : f.Ints("ids")) request.add_vendor_ids(id);
         return Show<v1::BatchGetVendorsResponse>(
             c.BatchGetVendors(request), g,
             [](const auto& r) { PrintVendors(Pointers(r.vendors())); });
       }});
  add({"vendors",
       "update",
       "suppliers.v1.VendorService/UpdateVendor",
       "rename a vendor (only if --etag still matches, when given)",
       {{"id", "ID", "vendor id", true},
        {"name", "NAME", "new name", true},
        {"etag", "ETAG", "update only if the vendor is unchanged"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::UpdateVendorRequest request;
         request.mutable_vendor()->set_vendor_id(f.Int("id"));
         request.mutable_vendor()->set_vendor_name(f.Text("name"));
         request.mutable_vendor()->set_etag(f.Text("etag"));
         request.mutable_update_mask()->add_paths("vendor_name");
         return Show<v1::UpdateVendorResponse>(
             c.UpdateVendor(request), g, [](const auto& r) {
               PrintVendors({&r.vendor()});
               std::printf("updated %d row(s)\n", r.updated_rows());
             });
       }});
  add({"vendors",
       "delete",
       "suppliers.v1.VendorService/DeleteVendor",
       "delete a vendor (its part links go with it)",
       {{"id", "ID", "vendor id", true},
        {"etag", "ETAG", "delete only if the vendor is unchanged"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::DeleteVendorRequest request;
         request.set_vendor_id(f.Int("id"));
         request.set_etag(f.Text("etag"));
         return Show<v1::DeleteVendorResponse>(
             c.DeleteVendor(request), g, [](const auto& r) {
               std::printf("deleted %d vendor(s), %d link(s)\n",
                           r.deleted_rows(), r.deleted_links());
             });
       }});

  add({"parts",
       "create",
       "suppliers.v1.PartService/CreatePart",
       "insert a part and its vendor links in one transaction",
       {{"name", "NAME", "part name", true},
        {"vendor-ids", "1,2", "vendors supplying it"},
        {"request-id", "UUID", "idempotency key (default: a fresh one)"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::CreatePartRequest request;
         request.mutable_part()->set_part_name(f.Text("name"));
         for (int32_t id : f.Ints("vendor-ids")) {
           request.mutable_part()->add_vendor_ids(id);
         }
         request.set_request_id(f.Text("request-id"));
         return Show<v1::CreatePartResponse>(
             c.CreatePart(request), g,
             [](const auto& r) { PrintParts({&r.part()}); });
       }});
  add({"parts",
       "get",
       "suppliers.v1.PartService/GetPart",
       "print one part with its vendor ids",
       {{"id", "ID", "part id", true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::GetPartRequest request;
         request.set_part_id(f.Int("id"));
         return Show<v1::GetPartResponse>(
             c.GetPart(request), g,
             [](const auto& r) { PrintParts({&r.part()}); });
       }});
  add({"parts", "list", "suppliers.v1.PartService/ListParts",
       "list parts a page at a time", kListFlags,
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::ListPartsRequest request;
         request.set_page_size(f.Int("page-size"));
         request.set_page_token(f.Text("page-token"));
         // VendorOrder and PartOrder share their numbering.
         request.set_order_by(static_cast<v1::PartOrder>(VendorOrder(f)));
         request.set_name_contains(f.Text("name-contains"));
         std::vector<v1::Part> all;
         while (true) {
           auto response = c.ListParts(request);
           if (!response.ok()) return Fail(response.status(), g);
           if (g.json) std::printf("%s\n", ToJsonLine(*response).c_str());
           all.insert(all.end(), response->parts().begin(),
                      response->parts().end());
           if (!f.Has("all") || response->next_page_token().empty()) {
             if (!g.json) {
               std::vector<const v1::Part*> rows;
               for (const auto& p : all) rows.push_back(&p);
               PrintParts(rows);
               if (!f.Has("all") && !response->next_page_token().empty()) {
                 std::printf("%s\n",
                             NextPageHint(response->next_page_token()).c_str());
               }
             }
             return kExitOk;
           }
           request.set_page_token(response->next_page_token());
         }
       }});
  add({"parts",
       "batch-get",
       "suppliers.v1.PartService/BatchGetParts",
       "print several parts by id, in the order given",
       {{"ids", "1,2,3", "part ids", true, true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::BatchGetPartsRequest request;
         for (int32_t id : f.Ints("ids")) request.add_part_ids(id);
         return Show<v1::BatchGetPartsResponse>(
             c.BatchGetParts(request), g,
             [](const auto& r) { PrintParts(Pointers(r.parts())); });
       }});
  add({"parts",
       "update",
       "suppliers.v1.PartService/UpdatePart",
       "rename a part (only if --etag still matches, when given)",
       {{"id", "ID", "part id", true},
        {"name", "NAME", "new name", true},
        {"etag", "ETAG", "update only if the part is unchanged"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::UpdatePartRequest request;
         request.mutable_part()->set_part_id(f.Int("id"));
         request.mutable_part()->set_part_name(f.Text("name"));
         request.mutable_part()->set_etag(f.Text("etag"));
         request.mutable_update_mask()->add_paths("part_name");
         return Show<v1::UpdatePartResponse>(
             c.UpdatePart(request), g,
             [](const auto& r) { PrintParts({&r.part()}); });
       }});
  add({"parts",
       "delete",
       "suppliers.v1.PartService/DeletePart",
       "delete a part (its links and drawing go with it)",
       {{"id", "ID", "part id", true},
        {"etag", "ETAG", "delete only if the part is unchanged"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::DeletePartRequest request;
         request.set_part_id(f.Int("id"));
         request.set_etag(f.Text("etag"));
         return Show<v1::DeletePartResponse>(
             c.DeletePart(request), g, [](const auto& r) {
               std::printf("deleted %d part(s), %d link(s), %s\n",
                           r.deleted_rows(), r.deleted_links(),
                           r.deleted_drawing() ? "its drawing" : "no drawing");
             });
       }});
  add({"parts",
       "add-vendors",
       "suppliers.v1.PartService/AddPartVendors",
       "link more vendors to a part",
       {{"id", "ID", "part id", true},
        {"vendor-ids", "1,2", "vendors to link", true, true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::AddPartVendorsRequest request;
         request.set_part_id(f.Int("id"));
         for (int32_t id : f.Ints("vendor-ids")) request.add_vendor_ids(id);
         return Show<v1::AddPartVendorsResponse>(
             c.AddPartVendors(request), g, [](const auto& r) {
               PrintParts({&r.part()});
               std::printf("added %d link(s)\n", r.added_links());
             });
       }});
  add({"parts",
       "remove-vendors",
       "suppliers.v1.PartService/RemovePartVendors",
       "unlink vendors from a part",
       {{"id", "ID", "part id", true},
        {"vendor-ids", "1,2", "vendors to unlink", true, true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::RemovePartVendorsRequest request;
         request.set_part_id(f.Int("id"));
         for (int32_t id : f.Ints("vendor-ids")) request.add_vendor_ids(id);
         return Show<v1::RemovePartVendorsResponse>(
             c.RemovePartVendors(request), g, [](const auto& r) {
               PrintParts({&r.part()});
               std::printf("removed %d link(s)\n", r.removed_links());
             });
       }});
  add({"parts",
       "by-vendor",
       "suppliers.v1.PartService/ListPartsByVendor",
       "the parts of a vendor, via the SQL function get_parts_by_vendor",
       {{"vendor-id", "ID", "vendor id", true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::ListPartsByVendorRequest request;
         request.set_vendor_id(f.Int("vendor-id"));
         return Show<v1::ListPartsByVendorResponse>(
             c.ListPartsByVendor(request), g, [](const auto& r) {
               Table table({"ID", "NAME"});
               for (const auto& p : r.parts()) {
                 table.AddRow({absl::StrCat(p.part_id()), p.part_name()});
               }
               table.Print(stdout);
             });
       }});
  add({"parts",
       "add-with-new-vendor",
       "suppliers.v1.PartService/AddPartWithNewVendor",
       "a new part from a new vendor, via the stored procedure add_new_part",
       {{"name", "NAME", "new part name", true},
        {"vendor-name", "NAME", "new vendor name", true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::AddPartWithNewVendorRequest request;
         request.set_part_name(f.Text("name"));
         request.set_vendor_name(f.Text("vendor-name"));
         return Show<v1::AddPartWithNewVendorResponse>(
             c.AddPartWithNewVendor(request), g, [](const auto& r) {
               std::printf("part %d, vendor %d\n", r.part_id(), r.vendor_id());
             });
       }});
  add({"parts",
       "pairs",
       "suppliers.v1.PartService/ListPartVendorPairs",
       "(part, vendor) name pairs ordered by part name, a page at a time",
       {{"page-size", "N", "pairs per page (default 10)"},
        {"page-token", "TOKEN", "continue from a previous page"},
        {"all", "", "follow next_page_token until the last page"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::ListPartVendorPairsRequest request;
         request.set_page_size(f.Int("page-size"));
         request.set_page_token(f.Text("page-token"));
         Table table({"PART", "VENDOR"});
         while (true) {
           auto response = c.ListPartVendorPairs(request);
           if (!response.ok()) return Fail(response.status(), g);
           if (g.json) std::printf("%s\n", ToJsonLine(*response).c_str());
           for (const auto& pair : response->pairs()) {
             table.AddRow({pair.part_name(), pair.vendor_name()});
           }
           if (!f.Has("all") || response->next_page_token().empty()) {
             if (!g.json) {
               table.Print(stdout);
               if (!f.Has("all") && !response->next_page_token().empty()) {
                 std::printf("%s\n",
                             NextPageHint(response->next_page_token()).c_str());
               }
             }
             return kExitOk;
           }
           request.set_page_token(response->next_page_token());
         }
       }});

  add({"drawings",
       "upload",
       "suppliers.v1.DrawingService/UploadDrawing",
       "store a file as a part's drawing (streamed, checked by SHA-256)",
       {{"part-id", "ID", "part id", true},
        {"file", "PATH", "the drawing file", true},
        {"extension", "EXT", "file extension (default: the file's)"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         std::string extension = f.Text("extension");
         if (extension.empty()) {
           extension = std::filesystem::path(f.Text("file")).extension();
           if (!extension.empty()) extension.erase(0, 1);
         }
         return Show<v1::UploadDrawingResponse>(
             c.UploadDrawing(f.Int("part-id"), extension, f.Text("file")), g,
             [](const auto& r) {
               PrintDrawing(r.metadata());
               std::printf("%s\n", r.replaced()
                                       ? "replaced the previous drawing"
                                       : "stored");
             });
       }});
  add({"drawings",
       "download",
       "suppliers.v1.DrawingService/DownloadDrawing",
       "save a part's drawing as <part_name>.<extension> (streamed); a "
       "range is saved as <part_name>.<extension>.bytes-FIRST-LAST",
       {{"part-id", "ID", "part id", true},
        {"out-dir", "DIR", "where to save it (default .)"},
        {"offset", "N", "first byte (default 0)"},
        {"limit", "N", "most bytes (default: to the end)"}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::DownloadDrawingRequest request;
         request.set_part_id(f.Int("part-id"));
         request.set_read_offset(f.Int("offset"));
         request.set_read_limit(f.Int("limit"));
         const std::filesystem::path dir = f.Text("out-dir", ".");
         const std::filesystem::path partial =
             dir / absl::StrCat(".download-", request.part_id(), ".part");
         std::ofstream out(partial, std::ios::binary | std::ios::trunc);
         if (!out) {
           return Fail(absl::NotFoundError(
                           absl::StrCat("cannot write in ", dir.string())),
                       g);
         }
         auto metadata =
             c.DownloadDrawing(request, [&out](const std::string& chunk) {
               out.write(chunk.data(), chunk.size());
               return out ? absl::OkStatus()
                          : absl::DataLossError("cannot write the file");
             });
         out.close();
         if (!metadata.ok()) {
           std::filesystem::remove(partial);
           return Fail(metadata.status(), g);
         }
         // Renamed only once complete: no half-written drawing under its name.
         // A byte range is not the drawing, so it never takes the drawing's
         // name: it is saved as "<file>.bytes-FIRST-LAST".
         std::string name = metadata->file_name();
         if (metadata->range_offset() != 0 ||
             metadata->range_length() != metadata->size_bytes()) {
           absl::StrAppend(
               &name, ".bytes-", metadata->range_offset(), "-",
               metadata->range_offset() + metadata->range_length() - 1);
         }
         const std::filesystem::path target = dir / name;
         std::filesystem::rename(partial, target);
         if (g.json) {
           std::printf("%s\n", ToJsonLine(*metadata).c_str());
         } else {
           PrintDrawing(*metadata);
           std::printf("saved %lld bytes to %s\n",
                       static_cast<long long>(metadata->range_length()),
                       target.c_str());
         }
         return kExitOk;
       }});
  add({"drawings",
       "info",
       "suppliers.v1.DrawingService/GetDrawingMetadata",
       "a drawing's name, size and SHA-256 without its bytes",
       {{"part-id", "ID", "part id", true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::GetDrawingMetadataRequest request;
         request.set_part_id(f.Int("part-id"));
         return Show<v1::GetDrawingMetadataResponse>(
             c.GetDrawingMetadata(request), g,
             [](const auto& r) { PrintDrawing(r.metadata()); });
       }});
  add({"drawings",
       "delete",
       "suppliers.v1.DrawingService/DeleteDrawing",
       "delete a part's drawing (the part stays)",
       {{"part-id", "ID", "part id", true}},
       [](const Command&, const Flags& f, SuppliersClient& c,
          const Globals& g) {
         v1::DeleteDrawingRequest request;
         request.set_part_id(f.Int("part-id"));
         return Show<v1::DeleteDrawingResponse>(
             c.DeleteDrawing(request), g, [](const auto& r) {
               std::printf("deleted %d drawing(s)\n", r.deleted_rows());
             });
       }});

  add({"health",
       "check",
       "grpc.health.v1.Health/Check",
       "SERVING while the server reaches its database",
       {},
       [](const Command&, const Flags&, SuppliersClient& c, const Globals& g) {
         auto response = c.CheckHealth();
         if (!response.ok()) return Fail(response.status(), g);
         if (g.json) {
           std::printf("%s\n", ToJsonLine(*response).c_str());
         } else {
           std::printf(
               "%s\n",
               grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response->status())
                   .c_str());
         }
         return response->status() ==
                        grpc::health::v1::HealthCheckResponse::SERVING
                    ? kExitOk
                    : kExitFailed;
       }});
  return commands;
}

void PrintHelp(const std::vector<Command>& commands, std::FILE* out) {
  std::fprintf(out,
               "usage: suppliers-client [--target HOST:PORT] [--deadline 5s] "
               "[--json] RESOURCE VERB [flags]\n"
               "       suppliers-client demo     replay the tutorial against "
               "a fresh database and check every result\n\n"
               "global options:\n"
               "  --target HOST:PORT  server address (default 127.0.0.1:50051,"
               " or $SUPPLIERS_TARGET)\n"
               "  --deadline D        deadline per call, retries included "
               "(default 5s)\n"
               "  --json              one JSON object per line instead of "
               "tables\n\n"
               "commands (RESOURCE VERB: the RPC it calls):\n");
  for (const Command& command : commands) {
    std::fprintf(out, "  %-30s %s\n      %s\n",
                 (command.resource + " " + command.verb).c_str(),
                 command.rpc.c_str(), command.summary.c_str());
    for (const FlagSpec& flag : command.flags) {
      const std::string name = absl::StrCat(
          "--", flag.name, flag.value.empty() ? "" : " ", flag.value);
      std::fprintf(out, "        %-22s %s%s\n", name.c_str(), flag.help.c_str(),
                   flag.required ? " (required)" : "");
    }
  }
  std::fprintf(out,
               "\nexit codes: 0 success, 1 the call failed (code, message "
               "and field violations are printed), 2 usage error\n");
}

// Splits "--key value" / "--key=value" pairs for `command`.
std::map<std::string, std::vector<std::string>> ParseFlags(
    const Command& command, const std::vector<std::string>& args) {
  std::map<std::string, std::vector<std::string>> values;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      throw UsageError{absl::StrCat("unexpected argument \"", arg, "\"")};
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& candidate : command.flags) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) {
      throw UsageError{absl::StrCat(command.resource, " ", command.verb,
                                    " has no flag --", name)};
    }
    if (spec->value.empty()) {
      values[name].push_back("true");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        throw UsageError{absl::StrCat("--", name, " needs a value")};
      }
      value = args[++i];
    }
    if (!spec->repeated && values.count(name) > 0) {
      throw UsageError{absl::StrCat("--", name, " given twice")};
    }
    values[name].push_back(value);
  }
  for (const FlagSpec& spec : command.flags) {
    if (spec.required && values.count(spec.name) == 0) {
      throw UsageError{absl::StrCat(command.resource, " ", command.verb,
                                    " needs --", spec.name)};
    }
  }
  return values;
}

int Run(const std::vector<std::string>& argv) {
  const std::vector<Command> commands = Commands();
  Globals globals;
  if (const char* target = std::getenv("SUPPLIERS_TARGET")) {
    globals.target = target;
  }
  size_t i = 0;
  for (; i < argv.size() && argv[i].rfind("-", 0) == 0; ++i) {
    std::string name = argv[i];
    std::string value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto take_value = [&]() -> std::string {
      if (eq != std::string::npos) return value;
      if (i + 1 >= argv.size()) {
        throw UsageError{absl::StrCat(name, " needs a value")};
      }
      return argv[++i];
    };
    if (name == "--help" || name == "-h") {
      PrintHelp(commands, stdout);
      return kExitOk;
    } else if (name == "--json") {
      globals.json = true;
    } else if (name == "--target") {
      globals.target = take_value();
    } else if (name == "--deadline") {
      const std::string text = take_value();
      if (!absl::ParseDuration(text, &globals.deadline) ||
          globals.deadline <= absl::ZeroDuration()) {
        throw UsageError{
            absl::StrCat("--deadline wants a duration like 5s or "
                         "500ms, not \"",
                         text, "\"")};
      }
    } else {
      throw UsageError{absl::StrCat("unknown option ", name)};
    }
  }
  const std::vector<std::string> rest(argv.begin() + i, argv.end());
  if (rest.empty()) throw UsageError{"missing command"};

  ClientOptions options;
  options.target = globals.target;
  options.deadline = globals.deadline;
  SuppliersClient client(options);
  if (rest[0] == "demo") {
    if (rest.size() > 1) throw UsageError{"demo takes no arguments"};
    return RunDemo(client, stdout);
  }
  if (rest.size() < 2) {
    throw UsageError{absl::StrCat("missing verb after \"", rest[0], "\"")};
  }
  for (const Command& command : commands) {
    if (command.resource == rest[0] && command.verb == rest[1]) {
      const Flags flags(command.flags,
                        ParseFlags(command, {rest.begin() + 2, rest.end()}));
      return command.run(command, flags, client, globals);
    }
  }
  throw UsageError{
      absl::StrCat("unknown command \"", rest[0], " ", rest[1], "\"")};
}

}  // namespace

int RunCli(int argc, char** argv) {
  try {
    return Run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& error) {
    std::fprintf(stderr,
                 "suppliers-client: %s\nrun suppliers-client --help for the "
                 "commands and their flags\n",
                 error.message.c_str());
    return kExitUsage;
  }
}

}  // namespace suppliers::client
