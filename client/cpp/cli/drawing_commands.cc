// Owns the suppliers-client commands of drawings (suppliers.v1.DrawingService),
// one per RPC: streamed upload and download.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/cpp/cli/command.h"

namespace suppliers::client {
namespace {

void PrintDrawing(const v1::DrawingMetadata& m) {
  Table table({"PART", "NAME", "FILE", "BYTES", "SHA256"});
  table.AddRow({absl::StrCat(m.part_id()), m.part_name(), m.file_name(),
                absl::StrCat(m.size_bytes()), m.sha256()});
  table.Print(stdout);
}

}  // namespace

void AddDrawingCommands(std::vector<Command>& commands) {
  auto add = [&](Command command) { commands.push_back(std::move(command)); };
  add({"drawings",
       "upload",
       "suppliers.v1.DrawingService/UploadDrawing",
       "store a file as a part's drawing (streamed, checked by SHA-256)",
       {{"part-id", "ID", "part id", true},
        {"file", "PATH", "the drawing file", true},
        {"extension", "EXT", "file extension (default: the file's)"}},
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
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
       [](const Flags& f, SuppliersClient& c, const Globals& g) {
         v1::DeleteDrawingRequest request;
         request.set_part_id(f.Int("part-id"));
         return Show<v1::DeleteDrawingResponse>(
             c.DeleteDrawing(request), g, [](const auto& r) {
               std::printf("deleted %d drawing(s)\n", r.deleted_rows());
             });
       }});
}

}  // namespace suppliers::client
