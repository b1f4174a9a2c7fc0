// Owns the suppliers-client commands of parts (suppliers.v1.PartService), one
// per RPC, including the tutorial's function, procedure and join, and
// `parts watch` (the change feed of parts, their links and drawings).
#include <cstdio>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cpp/cli/command.h"

namespace suppliers::client {
namespace {

void PrintParts(const std::vector<const v1::Part*>& parts) {
  Table table({"ID", "NAME", "VENDORS", "ETAG"});
  for (const v1::Part* p : parts) {
    table.AddRow({absl::StrCat(p->part_id()), p->part_name(),
                  absl::StrJoin(p->vendor_ids(), ","), p->etag()});
  }
  table.Print(stdout);
}

void PrintPairs(const std::vector<const v1::PartVendorPair*>& pairs) {
  Table table({"PART", "VENDOR"});
  for (const v1::PartVendorPair* pair : pairs) {
    table.AddRow({pair->part_name(), pair->vendor_name()});
  }
  table.Print(stdout);
}

}  // namespace

void AddPartCommands(std::vector<Command>& commands) {
  auto add = [&](Command command) { commands.push_back(std::move(command)); };
  add({"parts",
       "create",
       "suppliers.v1.PartService/CreatePart",
       "insert a part and its vendor links in one transaction",
       {{"name", "NAME", "part name", true},
        {"vendor-ids", "1,2", "vendors supplying it"},
        {"request-id", "UUID", "idempotency key (default: a fresh one)"}},
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
         v1::GetPartRequest request;
         request.set_part_id(f.Int("id"));
         return Show<v1::GetPartResponse>(
             c.GetPart(request), g,
             [](const auto& r) { PrintParts({&r.part()}); });
       }});
  add({"parts", "list", "suppliers.v1.PartService/ListParts",
       "list parts a page at a time", kListFlags,
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
         v1::ListPartsRequest request;
         request.set_page_size(f.Int("page-size"));
         request.set_page_token(f.Text("page-token"));
         request.set_order_by(static_cast<v1::PartOrder>(ListOrder(f)));
         request.set_name_contains(f.Text("name-contains"));
         return ListPages<v1::Part>(
             request, f.Has("all"), g,
             [&c](const auto& r) { return c.ListParts(r); },
             [](const auto& r) -> const auto& { return r.parts(); },
             PrintParts);
       }});
  add({"parts",
       "batch-get",
       "suppliers.v1.PartService/BatchGetParts",
       "print several parts by id, in the order given",
       {{"ids", "1,2,3", "part ids", true, true}},
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
         v1::ListPartVendorPairsRequest request;
         request.set_page_size(f.Int("page-size"));
         request.set_page_token(f.Text("page-token"));
         return ListPages<v1::PartVendorPair>(
             request, f.Has("all"), g,
             [&c](const auto& r) { return c.ListPartVendorPairs(r); },
             [](const auto& r) -> const auto& { return r.pairs(); },
             PrintPairs);
       }});
  add({"parts", "watch", "suppliers.v1.ChangeFeedService/WatchChanges",
       "as vendors watch, but by default only parts, their vendor links and "
       "drawings (kinds part,vendor_part,drawing)",
       kWatchFlags, [](const Flags& f, SuppliersClient& c, const Globals& g) {
         return Watch(f, c, g,
                      {v1::RESOURCE_KIND_PART, v1::RESOURCE_KIND_VENDOR_PART,
                       v1::RESOURCE_KIND_DRAWING});
       }});
  add({"parts", "import", "suppliers.v1.PartService/ImportParts",
       "insert the parts of a CSV file (columns part_name and optional "
       "vendor_ids like 1;4) with their links, all or nothing",
       kImportFlags, [](const Flags& f, SuppliersClient& c, const Globals& g) {
         return ImportCsv(f, g, "part", [&c](std::istream& csv) {
           return c.ImportPartsCsv(csv);
         });
       }});
  add({"parts", "export", "suppliers.v1.PartService/ExportParts",
       "every part with its vendor ids, by id, from one snapshot (--csv: "
       "the CSV file); the change sequence goes to stderr",
       kExportFlags, [](const Flags& f, SuppliersClient& c, const Globals& g) {
         return Export<v1::Part, v1::ExportPartsResponse>(
             f, g,
             [&c](v1::ExportFormat format, const auto& on_message) {
               return c.ExportParts(format, on_message);
             },
             [](const auto& r) -> const auto& { return r.parts(); },
             PrintParts);
       }});
  add({"parts", "export-pairs",
       "suppliers.v1.PartService/ExportPartVendorPairs",
       "every (part, vendor) pair, by part id then vendor id, from one "
       "snapshot (--csv: the CSV file with both ids and names)",
       kExportFlags, [](const Flags& f, SuppliersClient& c, const Globals& g) {
         return Export<v1::PartVendorPair, v1::ExportPartVendorPairsResponse>(
             f, g,
             [&c](v1::ExportFormat format, const auto& on_message) {
               return c.ExportPartVendorPairs(format, on_message);
             },
             [](const auto& r) -> const auto& { return r.pairs(); },
             PrintPairs);
       }});
}

}  // namespace suppliers::client
