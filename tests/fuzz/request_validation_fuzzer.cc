// Fuzzes what validates untrusted requests before any SQL runs: the wire
// bytes parsed as each request type (as the raw-callback services do), the
// shared field validators, the list requests' preparation (order, filter,
// page size and token), and the conversions of validated values into SQL
// parameter values. Nothing crashes; every refusal is INVALID_ARGUMENT; the
// array literals round-trip.
#include <grpcpp/support/byte_buffer.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "server/db/statements.h"
#include "server/rpc/message_codec.h"
#include "server/store/keyset_list.h"
#include "server/store/validation.h"
#include "suppliers/v1/drawing.pb.h"
#include "suppliers/v1/part.pb.h"
#include "suppliers/v1/vendor.pb.h"
#include "tests/fuzz/quiet_protobuf.h"

namespace {

void RequireInvalidArgument(const absl::Status& status) {
  if (!status.ok() && status.code() != absl::StatusCode::kInvalidArgument) {
    __builtin_trap();
  }
}

template <typename Message>
bool Parse(const std::string& bytes, Message* message) {
  grpc::Slice slice(bytes);
  const grpc::ByteBuffer buffer(&slice, 1);
  const absl::Status status = suppliers::ParseMessage(buffer, message);
  RequireInvalidArgument(status);
  return status.ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  suppliers::v1::ListVendorsRequest list;
  if (Parse(bytes, &list)) {
    auto query = suppliers::NamedListQuery::Prepare(
        {"vendors", list.page_size(), 50, 1000, list.order_by(),
         list.name_contains(), list.page_token()},
        {&suppliers::sql::kVendorListNameAsc,
         &suppliers::sql::kVendorListNameDesc,
         &suppliers::sql::kVendorListIdAsc,
         &suppliers::sql::kVendorListIdDesc});
    RequireInvalidArgument(query.status());
  }
  suppliers::v1::CreatePartRequest create;
  if (Parse(bytes, &create)) {
    auto name =
        suppliers::ValidateName("part.part_name", create.part().part_name());
    RequireInvalidArgument(name.status());
    if (name.ok() && (name->empty() || name->size() > 255 * 4)) {
      __builtin_trap();
    }
    const std::vector<int32_t> ids(create.part().vendor_ids().begin(),
                                   create.part().vendor_ids().end());
    auto set = suppliers::ValidateIdSet("part.vendor_ids", ids, 0, 100);
    RequireInvalidArgument(set.status());
    if (set.ok()) {
      if (suppliers::ParseIntArray(suppliers::IntArrayLiteral(*set)) != *set) {
        __builtin_trap();
      }
    }
    RequireInvalidArgument(
        suppliers::ValidateRequestId("request_id", create.request_id()));
  }
  suppliers::v1::UpdateVendorRequest update;
  if (Parse(bytes, &update)) {
    RequireInvalidArgument(
        suppliers::ValidateEtag("vendor.etag", update.vendor().etag()));
    RequireInvalidArgument(suppliers::ValidateUpdateMask(
        "update_mask", update.update_mask(), "vendor_name"));
    RequireInvalidArgument(suppliers::ValidateSearchText(
        "name_contains", update.vendor().vendor_name()));
    (void)suppliers::ContainsPattern(update.vendor().vendor_name());
    (void)suppliers::TextArrayLiteral({update.vendor().vendor_name(), bytes});
  }
  suppliers::v1::DownloadDrawingRequest download;
  (void)Parse(bytes, &download);
  return 0;
}
