// Owns `suppliers-client demo`: the tutorial replayed page by page through
// the API against a fresh database, checking every result the reference
// lists (docs/tutorial.md), with a change feed watch beside it that shows
// the changes the tutorial made.
#include "client/cpp/cli/demo.h"

#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "client/cpp/cli/cli.h"
#include "client/cpp/cli/output.h"
#include "client/cpp/cli/png.h"

namespace suppliers::client {
namespace {

using IdNames = std::vector<std::pair<int, std::string>>;

std::string Describe(int value) { return absl::StrCat(value); }
std::string Describe(bool value) { return value ? "true" : "false"; }
std::string Describe(const std::string& value) {
  return absl::StrCat("\"", value, "\"");
}
std::string Describe(const std::vector<int>& values) {
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}
std::string Describe(const IdNames& rows) {
  std::vector<std::string> parts;
  for (const auto& [id, name] : rows) {
    parts.push_back(absl::StrCat("(", id, ", ", name, ")"));
  }
  return absl::StrCat("[", absl::StrJoin(parts, ", "), "]");
}

// Stops the demo: a call failed, so later steps would only cascade.
struct Stop {
  std::string reason;
};

// A WatchChanges call of every kind, from now on, on its own thread,
// collecting what it receives. The watch only shows what happened: its
// failure (a server without the feed) never fails the demo. Cancelled and
// joined at the latest by the destructor, so no exit waits on it.
// Start, Finish and the accessors are for the demo's thread.
class BackgroundWatch {
 public:
  explicit BackgroundWatch(SuppliersClient& client) : client_(client) {}
  ~BackgroundWatch() { Cancel(); }

  // Starts the watch and waits up to `timeout` for the server's first
  // message: from then on the watch misses no change (no after_sequence:
  // it starts at the newest event). False when the watch failed first, or
  // nothing came in time.
  bool Start(absl::Duration timeout) {
    thread_ = std::thread([this] {
      absl::Status status = client_.WatchChanges(
          v1::WatchChangesRequest(),
          [this](const v1::WatchChangesResponse& message) {
            absl::MutexLock lock(&mu_);
            started_ = true;
            checkpoint_ = message.checkpoint_sequence();
            events_.insert(events_.end(), message.events().begin(),
                           message.events().end());
            return true;
          },
          &canceller_);
      absl::MutexLock lock(&mu_);
      ended_ = true;
      status_ = std::move(status);
    });
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &BackgroundWatch::Answered),
                         timeout);
    return started_;
  }

  // Waits until the watch's checkpoint reached `sequence` (all of the
  // tutorial's changes are in; without a sequence, the whole `timeout`) or
  // the watch ended or `timeout` passed, then cancels it.
  void Finish(std::optional<int64_t> sequence, absl::Duration timeout) {
    {
      absl::MutexLock lock(&mu_);
      target_ = sequence;
      mu_.AwaitWithTimeout(absl::Condition(this, &BackgroundWatch::CaughtUp),
                           timeout);
    }
    Cancel();
  }

  std::vector<v1::ChangeEvent> events() const {
    absl::MutexLock lock(&mu_);
    return events_;
  }
  int64_t checkpoint() const {
    absl::MutexLock lock(&mu_);
    return checkpoint_;
  }
  // The watch's own end: a failure (UNIMPLEMENTED, ...), OK if still
  // running or cancelled by Finish.
  absl::Status status() const {
    absl::MutexLock lock(&mu_);
    return status_;
  }

 private:
  void Cancel() {
    canceller_.Cancel();
    if (thread_.joinable()) thread_.join();
  }
  bool Answered() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return started_ || ended_;
  }
  bool CaughtUp() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return ended_ || (target_.has_value() && checkpoint_ >= *target_);
  }

  SuppliersClient& client_;
  WatchCanceller canceller_;
  std::thread thread_;
  mutable absl::Mutex mu_;
  bool started_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
  int64_t checkpoint_ ABSL_GUARDED_BY(mu_) = 0;
  std::optional<int64_t> target_ ABSL_GUARDED_BY(mu_);
  std::vector<v1::ChangeEvent> events_ ABSL_GUARDED_BY(mu_);
  absl::Status status_ ABSL_GUARDED_BY(mu_);
};

class Demo {
 public:
  Demo(SuppliersClient& client, std::FILE* out)
      : client_(client), out_(out), watch_(client) {}

  int Run() {
    try {
      Connect();
      RequireEmptyDatabase();
      StartWatch();
      Insert();
      Update();
      QueryVendors();
      Transaction();
      QueryPairs();
      Function();
      Procedure();
      Blob();
      Delete();
      FinalState();
      ShowWatch();
    } catch (const Stop& stop) {
      std::fflush(out_);
      std::fprintf(stderr, "error: demo stopped: %s\n", stop.reason.c_str());
      return kExitFailed;
    }
    if (mismatches_ > 0) {
      std::fprintf(out_,
                   "\ndemo FAILED: %d of %d checks did not match the "
                   "reference\n",
                   mismatches_, checks_);
      return kExitFailed;
    }
    std::fprintf(out_, "\ndemo passed: all %d checks match the reference\n",
                 checks_);
    return kExitOk;
  }

 private:
  void Page(const char* title) { std::fprintf(out_, "\n== %s\n", title); }

  template <typename T>
  void Check(const std::string& what, const T& expected, const T& actual) {
    ++checks_;
    if (expected == actual) {
      std::fprintf(out_, "  ok        %s: %s\n", what.c_str(),
                   Describe(actual).c_str());
    } else {
      ++mismatches_;
      std::fprintf(out_, "  MISMATCH  %s\n    expected %s\n    actual   %s\n",
                   what.c_str(), Describe(expected).c_str(),
                   Describe(actual).c_str());
    }
  }

  template <typename T>
  T Must(absl::StatusOr<T> result, const std::string& what) {
    if (!result.ok()) {
      throw Stop{
          absl::StrCat(what, " failed: ", DescribeError(result.status()))};
    }
    return *std::move(result);
  }

  IdNames VendorsByName() {
    v1::ListVendorsRequest request;
    request.set_order_by(v1::VENDOR_ORDER_NAME_ASC);
    IdNames rows;
    const auto response = Must(client_.ListVendors(request), "ListVendors");
    for (const auto& v : response.vendors()) {
      rows.emplace_back(v.vendor_id(), v.vendor_name());
    }
    return rows;
  }

  IdNames PartsById() {
    v1::ListPartsRequest request;
    request.set_order_by(v1::PART_ORDER_ID_ASC);
    IdNames rows;
    const auto response = Must(client_.ListParts(request), "ListParts");
    for (const auto& p : response.parts()) {
      rows.emplace_back(p.part_id(), p.part_name());
    }
    return rows;
  }

  // Page 1: connect (the server's pool; its health reflects the database).
  void Connect() {
    Page("1. Connect: the server holds the connection pool");
    auto health = client_.CheckHealth();
    if (!health.ok()) {
      throw Stop{absl::StrCat("cannot reach suppliers-server at ",
                              client_.options().target, ": ",
                              DescribeError(health.status()))};
    }
    Check<std::string>(
        "server health", "SERVING",
        grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
            health->status()));
    if (health->status() != grpc::health::v1::HealthCheckResponse::SERVING) {
      throw Stop{"the server cannot reach its database"};
    }
  }

  // Page 2: the tables come from the server's migrations; the demo needs
  // them empty, and checks before writing anything.
  void RequireEmptyDatabase() {
    Page("2. Create tables: applied by `suppliers-server migrate`");
    v1::ListVendorsRequest vendors;
    vendors.set_page_size(1);
    vendors.set_order_by(v1::VENDOR_ORDER_ID_ASC);
    v1::ListPartsRequest parts;
    parts.set_page_size(1);
    parts.set_order_by(v1::PART_ORDER_ID_ASC);
    const auto some_vendors = Must(client_.ListVendors(vendors), "ListVendors");
    const auto some_parts = Must(client_.ListParts(parts), "ListParts");
    if (some_vendors.vendors_size() > 0 || some_parts.parts_size() > 0) {
      const std::string example =
          some_vendors.vendors_size() > 0
              ? absl::StrCat("vendor ", some_vendors.vendors(0).vendor_id(),
                             " \"", some_vendors.vendors(0).vendor_name(), "\"")
              : absl::StrCat("part ", some_parts.parts(0).part_id(), " \"",
                             some_parts.parts(0).part_name(), "\"");
      throw Stop{absl::StrCat(
          "the database already holds data (", example,
          "); the demo replays the tutorial from empty tables and wrote "
          "nothing. Give it a fresh database: scripts/dev-up.sh recreates "
          "one on every run")};
    }
    Check("vendors and parts tables are empty", true, true);
  }

  // Beside the tutorial: a watch that sees each change it makes.
  void StartWatch() {
    Page("Watch: WatchChanges, every kind, from now on, on a thread");
    watching_ = watch_.Start(absl::Seconds(5));
    if (watching_) {
      std::fprintf(out_, "  watch: started at checkpoint %lld\n",
                   static_cast<long long>(watch_.checkpoint()));
      return;
    }
    const absl::Status status = watch_.status();
    if (status.ok()) {
      // Still running, just silent: keep it, but its list may miss the
      // first changes.
      watching_ = true;
      std::fprintf(out_,
                   "  watch: no answer within 5s; its events may be "
                   "incomplete\n");
    } else if (status.code() == absl::StatusCode::kUnimplemented) {
      std::fprintf(out_, "  watch: unavailable (UNIMPLEMENTED)\n");
    } else {
      std::fprintf(out_, "  watch: unavailable (%s)\n",
                   DescribeError(status).c_str());
    }
  }

  // The watch's events, once it has all of the tutorial's: an export's
  // change sequence is the newest change committed, so waiting for that
  // checkpoint (at most 2 s) is enough.
  void ShowWatch() {
    if (!watching_) return;
    std::optional<int64_t> newest;
    const absl::Status exported = client_.ExportVendors(
        v1::EXPORT_FORMAT_MESSAGES,
        [&newest](const v1::ExportVendorsResponse& message) {
          if (!newest.has_value()) newest = message.change_sequence();
        });
    watch_.Finish(exported.ok() ? newest : std::nullopt, absl::Seconds(2));
    Page("Watch: the changes above, as the watch received them");
    const std::vector<v1::ChangeEvent> events = watch_.events();
    std::fprintf(out_, "  watch: %zu events%s\n", events.size(),
                 events.empty() ? "" : ":");
    for (const v1::ChangeEvent& event : events) {
      std::fprintf(out_, "    %lld %s\n",
                   static_cast<long long>(event.sequence()),
                   DescribeChange(event).c_str());
    }
    if (const absl::Status status = watch_.status(); !status.ok()) {
      std::fprintf(out_, "  watch: ended early: %s\n",
                   DescribeError(status).c_str());
    }
  }

  // Page 3: insert one, then many in one call.
  void Insert() {
    Page("3. Insert: one vendor, then many at once");
    v1::CreateVendorRequest one;
    one.mutable_vendor()->set_vendor_name("3M Co.");
    Check("new id of \"3M Co.\"", 1,
          Must(client_.CreateVendor(one), "CreateVendor").vendor().vendor_id());
    v1::BatchCreateVendorsRequest many;
    for (const char* name :
         {"AKM Semiconductor Inc.", "Asahi Glass Co Ltd.",
          "Daikin Industries Ltd.", "Dynacast International Inc.",
          "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd."}) {
      many.add_vendors()->set_vendor_name(name);
    }
    std::vector<int> ids;
    const auto created =
        Must(client_.BatchCreateVendors(many), "BatchCreateVendors");
    for (const auto& v : created.vendors()) {
      ids.push_back(v.vendor_id());
    }
    Check("ids of the six others", std::vector<int>{2, 3, 4, 5, 6, 7}, ids);
  }

  // Page 4: update.
  void Update() {
    Page("4. Update: vendor 1 renamed");
    v1::UpdateVendorRequest request;
    request.mutable_vendor()->set_vendor_id(1);
    request.mutable_vendor()->set_vendor_name("3M Corp");
    request.mutable_update_mask()->add_paths("vendor_name");
    const auto updated = Must(client_.UpdateVendor(request), "UpdateVendor");
    Check("rows updated", 1, updated.updated_rows());
    Check<std::string>("new name", "3M Corp", updated.vendor().vendor_name());
  }

  // Page 5: query, fetch one then all.
  void QueryVendors() {
    Page("5. Query: vendors ordered by name, fetch one, then all");
    v1::ListVendorsRequest first;
    first.set_page_size(1);
    const auto one = Must(client_.ListVendors(first), "ListVendors");
    Check<std::string>(
        "first vendor by name", "3M Corp",
        one.vendors_size() > 0 ? one.vendors(0).vendor_name() : "");
    Check("all vendors by name",
          IdNames{{1, "3M Corp"},
                  {2, "AKM Semiconductor Inc."},
                  {3, "Asahi Glass Co Ltd."},
                  {4, "Daikin Industries Ltd."},
                  {5, "Dynacast International Inc."},
                  {6, "Foster Electric Co. Ltd."},
                  {7, "Murata Manufacturing Co. Ltd."}},
          VendorsByName());
  }

  // Page 6: the transaction, all or nothing.
  void Transaction() {
    Page("6. Transaction: a part and its vendor links, all or nothing");
    const std::vector<std::pair<std::string, std::vector<int>>> parts = {
        {"SIM Tray", {1, 2}}, {"Speaker", {3, 4}},     {"Vibrator", {5, 6}},
        {"Antenna", {6, 7}},  {"Home Button", {1, 5}}, {"LTE Modem", {1, 5}}};
    std::vector<int> ids;
    int links = 0;
    for (const auto& [name, vendors] : parts) {
      v1::CreatePartRequest request;
      request.mutable_part()->set_part_name(name);
      for (int id : vendors) request.mutable_part()->add_vendor_ids(id);
      const auto created = Must(client_.CreatePart(request), "CreatePart");
      ids.push_back(created.part().part_id());
      links += created.part().vendor_ids_size();
    }
    Check("part ids", std::vector<int>{1, 2, 3, 4, 5, 6}, ids);
    Check("vendor links", 12, links);
    v1::CreatePartRequest bad;
    bad.mutable_part()->set_part_name("Power Amplifier");
    bad.mutable_part()->add_vendor_ids(99);
    const auto refused = client_.CreatePart(bad);
    Check<std::string>("\"Power Amplifier\" with vendor 99",
                       "FAILED_PRECONDITION",
                       absl::StatusCodeToString(refused.status().code()));
    Check("nothing left behind: parts", 6,
          static_cast<int>(PartsById().size()));
  }

  // Page 5 again: the part/vendor pairs, read in batches of 10.
  void QueryPairs() {
    Page("5b. Query: part/vendor pairs by part name, in batches of 10");
    v1::ListPartVendorPairsRequest request;
    request.set_page_size(10);
    std::vector<int> batches;
    std::string first_part;
    while (true) {
      const auto page =
          Must(client_.ListPartVendorPairs(request), "ListPartVendorPairs");
      batches.push_back(page.pairs_size());
      if (first_part.empty() && page.pairs_size() > 0) {
        first_part = page.pairs(0).part_name();
      }
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    Check("batch sizes", std::vector<int>{10, 2}, batches);
    Check<std::string>("first pair's part", "Antenna", first_part);
  }

  // Page 7: the PostgreSQL function.
  void Function() {
    Page("7. Function: get_parts_by_vendor(1)");
    v1::ListPartsByVendorRequest request;
    request.set_vendor_id(1);
    IdNames rows;
    const auto response =
        Must(client_.ListPartsByVendor(request), "ListPartsByVendor");
    for (const auto& p : response.parts()) {
      rows.emplace_back(p.part_id(), p.part_name());
    }
    Check("rows",
          IdNames{{1, "SIM Tray"}, {5, "Home Button"}, {6, "LTE Modem"}}, rows);
  }

  // Page 8: the stored procedure.
  void Procedure() {
    Page("8. Stored procedure: add_new_part('OLED', 'LG')");
    v1::AddPartWithNewVendorRequest request;
    request.set_part_name("OLED");
    request.set_vendor_name("LG");
    const auto ids =
        Must(client_.AddPartWithNewVendor(request), "AddPartWithNewVendor");
    Check("new part id", 8, ids.part_id());
    Check("new vendor id", 8, ids.vendor_id());
  }

  // Page 9: BLOB write and read, with two PNG files made here (in a
  // temporary folder, removed afterwards).
  void Blob() {
    Page("9. BLOB: drawings of parts 1 and 2, one read back");
    char pattern[] = "/tmp/suppliers-demo-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw Stop{"cannot make a temp dir"};
    const std::filesystem::path dir = pattern;
    const std::string sim_tray = MakePng(32, 24, 40, 120, 200);
    const std::string speaker = MakePng(24, 24, 200, 80, 40);
    for (const auto& [name, bytes] :
         {std::pair<std::string, std::string>{"simtray.png", sim_tray},
          {"speaker.png", speaker}}) {
      std::ofstream(dir / name, std::ios::binary) << bytes;
    }
    const auto first =
        Must(client_.UploadDrawing(1, "png", (dir / "simtray.png").string()),
             "UploadDrawing part 1");
    Must(client_.UploadDrawing(2, "png", (dir / "speaker.png").string()),
         "UploadDrawing part 2");
    Check("stored bytes of part 1's drawing", static_cast<int>(sim_tray.size()),
          static_cast<int>(first.metadata().size_bytes()));
    v1::DownloadDrawingRequest request;
    request.set_part_id(1);
    std::string downloaded;
    const auto metadata =
        Must(client_.DownloadDrawing(request,
                                     [&](const std::string& chunk) {
                                       downloaded += chunk;
                                       return absl::OkStatus();
                                     }),
             "DownloadDrawing");
    std::ofstream(dir / metadata.file_name(), std::ios::binary) << downloaded;
    Check<std::string>("saved as", "SIM Tray.png", metadata.file_name());
    Check("read back byte for byte", true, downloaded == sim_tray);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }

  // Page 10: delete.
  void Delete() {
    Page("10. Delete: part 2, its links and drawing cascade");
    v1::DeletePartRequest request;
    request.set_part_id(2);
    const auto deleted = Must(client_.DeletePart(request), "DeletePart");
    Check("parts deleted", 1, deleted.deleted_rows());
    Check("links removed by the cascade", 2, deleted.deleted_links());
    Check("drawing removed by the cascade", true, deleted.deleted_drawing());
  }

  void FinalState() {
    Page("After the whole flow");
    Check("vendors ordered by name",
          IdNames{{1, "3M Corp"},
                  {2, "AKM Semiconductor Inc."},
                  {3, "Asahi Glass Co Ltd."},
                  {4, "Daikin Industries Ltd."},
                  {5, "Dynacast International Inc."},
                  {6, "Foster Electric Co. Ltd."},
                  {8, "LG"},
                  {7, "Murata Manufacturing Co. Ltd."}},
          VendorsByName());
    Check("remaining parts",
          IdNames{{1, "SIM Tray"},
                  {3, "Vibrator"},
                  {4, "Antenna"},
                  {5, "Home Button"},
                  {6, "LTE Modem"},
                  {8, "OLED"}},
          PartsById());
  }

  SuppliersClient& client_;
  std::FILE* out_;
  BackgroundWatch watch_;
  bool watching_ = false;
  int checks_ = 0;
  int mismatches_ = 0;
};

}  // namespace

int RunDemo(SuppliersClient& client, std::FILE* out) {
  return Demo(client, out).Run();
}

}  // namespace suppliers::client
