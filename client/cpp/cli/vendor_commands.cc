// Owns the suppliers-client commands of vendors (suppliers.v1.VendorService),
// one per RPC, and `vendors watch` (the change feed, every kind by default).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cpp/cli/command.h"

namespace suppliers::client {
namespace {

void PrintVendors(const std::vector<const v1::Vendor*>& vendors) {
  Table table({"ID", "NAME", "ETAG"});
  for (const v1::Vendor* v : vendors) {
    table.AddRow({absl::StrCat(v->vendor_id()), v->vendor_name(), v->etag()});
  }
  table.Print(stdout);
}

}  // namespace

void AddVendorCommands(std::vector<Command>& commands) {
  auto add = [&](Command command) { commands.push_back(std::move(command)); };

  add({"vendors",
       "create",
       "suppliers.v1.VendorService/CreateVendor",
       "insert one vendor and print its new id",
       {{"name", "NAME", "vendor name", true},
        {"request-id", "UUID", "idempotency key (default: a fresh one)"}},
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
         v1::GetVendorRequest request;
         request.set_vendor_id(f.Int("id"));
         return Show<v1::GetVendorResponse>(
             c.GetVendor(request), g,
             [](const auto& r) { PrintVendors({&r.vendor()}); });
       }});
  add({"vendors", "list", "suppliers.v1.VendorService/ListVendors",
       "list vendors a page at a time", kListFlags,
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
         v1::ListVendorsRequest request;
         request.set_page_size(f.Int("page-size"));
         request.set_page_token(f.Text("page-token"));
         request.set_order_by(static_cast<v1::VendorOrder>(ListOrder(f)));
         request.set_name_contains(f.Text("name-contains"));
         return ListPages<v1::Vendor>(
             request, f.Has("all"), g,
             [&c](const auto& r) { return c.ListVendors(r); },
             [](const auto& r) -> const auto& { return r.vendors(); },
             PrintVendors);
       }});
  add({"vendors",
       "batch-get",
       "suppliers.v1.VendorService/BatchGetVendors",
       "print several vendors by id, in the order given",
       {{"ids", "1,2,3", "vendor ids", true, true}},
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
         v1::DeleteVendorRequest request;
         request.set_vendor_id(f.Int("id"));
         request.set_etag(f.Text("etag"));
         return Show<v1::DeleteVendorResponse>(
             c.DeleteVendor(request), g, [](const auto& r) {
               std::printf("deleted %d vendor(s), %d link(s)\n",
                           r.deleted_rows(), r.deleted_links());
             });
       }});
  add({"vendors", "watch", "suppliers.v1.ChangeFeedService/WatchChanges",
       "print committed changes as they happen, one line per event: "
       "SEQUENCE OPERATION KIND IDS [NAME] (all kinds unless --kinds)",
       kWatchFlags, [](const Flags& f, SuppliersClient& c, const Globals& g) {
         return Watch(f, c, g, {});
       }});
  add({"vendors", "import", "suppliers.v1.VendorService/ImportVendors",
       "insert the vendors of a CSV file (column vendor_name), all or "
       "nothing, streamed in 256 KiB chunks",
       kImportFlags, [](const Flags& f, SuppliersClient& c, const Globals& g) {
         return ImportCsv(f, g, "vendor", [&c](std::istream& csv) {
           return c.ImportVendorsCsv(csv);
         });
       }});
  add({"vendors", "export", "suppliers.v1.VendorService/ExportVendors",
       "every vendor by id from one snapshot (--csv: the CSV file); the "
       "change sequence to watch from goes to stderr",
       kExportFlags, [](const Flags& f, SuppliersClient& c, const Globals& g) {
         return Export<v1::Vendor, v1::ExportVendorsResponse>(
             f, g,
             [&c](v1::ExportFormat format, const auto& on_message) {
               return c.ExportVendors(format, on_message);
             },
             [](const auto& r) -> const auto& { return r.vendors(); },
             PrintVendors);
       }});
}

}  // namespace suppliers::client
