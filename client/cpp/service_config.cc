// Owns the client's default gRPC service config (see service_config.h).
#include "client/cpp/service_config.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace suppliers::client {
namespace {

struct Method {
  const char* service;
  const char* method;
};

// Unary reads: repeating one can neither change nor misreport anything.
const std::vector<Method>& UnaryReads() {
  static const auto* methods = new std::vector<Method>{
      {"grpc.health.v1.Health", "Check"},
      {"suppliers.v1.VendorService", "GetVendor"},
      {"suppliers.v1.VendorService", "ListVendors"},
      {"suppliers.v1.VendorService", "BatchGetVendors"},
      {"suppliers.v1.PartService", "GetPart"},
      {"suppliers.v1.PartService", "ListParts"},
      {"suppliers.v1.PartService", "BatchGetParts"},
      {"suppliers.v1.PartService", "ListPartsByVendor"},
      {"suppliers.v1.PartService", "ListPartVendorPairs"},
      {"suppliers.v1.DrawingService", "GetDrawingMetadata"},
  };
  return *methods;
}

// Server-streaming reads: retried only before their first response.
const std::vector<Method>& StreamingReads() {
  static const auto* methods = new std::vector<Method>{
      {"suppliers.v1.VendorService", "ExportVendors"},
      {"suppliers.v1.PartService", "ExportParts"},
      {"suppliers.v1.PartService", "ExportPartVendorPairs"},
      {"suppliers.v1.DrawingService", "DownloadDrawing"},
  };
  return *methods;
}

// Unary writes: a timeout, never a retry.
const std::vector<Method>& UnaryWrites() {
  static const auto* methods = new std::vector<Method>{
      {"suppliers.v1.VendorService", "CreateVendor"},
      {"suppliers.v1.VendorService", "BatchCreateVendors"},
      {"suppliers.v1.VendorService", "UpdateVendor"},
      {"suppliers.v1.VendorService", "DeleteVendor"},
      {"suppliers.v1.PartService", "CreatePart"},
      {"suppliers.v1.PartService", "UpdatePart"},
      {"suppliers.v1.PartService", "DeletePart"},
      {"suppliers.v1.PartService", "AddPartVendors"},
      {"suppliers.v1.PartService", "RemovePartVendors"},
      {"suppliers.v1.PartService", "AddPartWithNewVendor"},
      {"suppliers.v1.DrawingService", "DeleteDrawing"},
  };
  return *methods;
}

std::string Names(const std::vector<Method>& methods) {
  return absl::StrCat("[",
                      absl::StrJoin(methods, ",",
                                    [](std::string* out, const Method& m) {
                                      absl::StrAppend(
                                          out, "{\"service\":\"", m.service,
                                          "\",\"method\":\"", m.method, "\"}");
                                    }),
                      "]");
}

}  // namespace

std::string ServiceConfigDuration(absl::Duration duration) {
  const int64_t millis = absl::ToInt64Milliseconds(duration);
  if (millis % 1000 == 0) return absl::StrCat(millis / 1000, "s");
  std::string fraction = absl::StrFormat("%03d", millis % 1000);
  fraction.erase(fraction.find_last_not_of('0') + 1);
  return absl::StrCat(millis / 1000, ".", fraction, "s");
}

std::string ServiceConfigJson(const ServiceConfigParams& params) {
  std::string retry;
  if (params.max_attempts >= 2) {
    retry = absl::StrCat(
        ",\"retryPolicy\":{\"maxAttempts\":", std::min(params.max_attempts, 5),
        ",\"initialBackoff\":\"", ServiceConfigDuration(params.initial_backoff),
        "\",\"maxBackoff\":\"",
        ServiceConfigDuration(
            std::max(params.max_backoff, params.initial_backoff)),
        "\",\"backoffMultiplier\":2,"
        "\"retryableStatusCodes\":[\"UNAVAILABLE\"]}");
  }
  const std::string timeout =
      params.unary_timeout == absl::InfiniteDuration()
          ? ""
          : absl::StrCat(",\"timeout\":\"",
                         ServiceConfigDuration(params.unary_timeout), "\"");
  return absl::StrCat(                                                //
      "{\"loadBalancingConfig\":[{\"", params.lb_policy, "\":{}}],",  //
      "\"methodConfig\":[",                                           //
      "{\"name\":", Names(UnaryReads()), timeout, retry, "},",        //
      "{\"name\":", Names(StreamingReads()), retry, "},",             //
      "{\"name\":", Names(UnaryWrites()), timeout, "}",               //
      "]}");
}

}  // namespace suppliers::client
