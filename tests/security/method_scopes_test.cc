// Tests the method-to-scope table read from the protos: every method of
// every service has a scope, and exactly the reading methods have the read
// scope. A new rpc without `option (suppliers.v1.required_scope)` fails here.
#include "server/rpc/method_scopes.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace suppliers {
namespace {

TEST(MethodScopesTest, EveryMethodDeclaresAScope) {
  // The tutorial's 22 calls, the five bulk methods and the change feed.
  ASSERT_EQ(AllMethodScopes().size(), 28u);
  for (const MethodScope& method : AllMethodScopes()) {
    EXPECT_TRUE(method.scope == "suppliers.read" ||
                method.scope == "suppliers.write")
        << method.method << " declares \"" << method.scope << "\"";
  }
}

TEST(MethodScopesTest, ExactlyTheReadingMethodsNeedOnlyTheReadScope) {
  const std::set<std::string> reads = {
      "/suppliers.v1.VendorService/GetVendor",
      "/suppliers.v1.VendorService/ListVendors",
      "/suppliers.v1.VendorService/BatchGetVendors",
      "/suppliers.v1.PartService/GetPart",
      "/suppliers.v1.PartService/ListParts",
      "/suppliers.v1.PartService/BatchGetParts",
      "/suppliers.v1.PartService/ListPartsByVendor",
      "/suppliers.v1.PartService/ListPartVendorPairs",
      "/suppliers.v1.DrawingService/DownloadDrawing",
      "/suppliers.v1.DrawingService/GetDrawingMetadata",
      "/suppliers.v1.VendorService/ExportVendors",
      "/suppliers.v1.PartService/ExportParts",
      "/suppliers.v1.PartService/ExportPartVendorPairs",
      "/suppliers.v1.ChangeFeedService/WatchChanges"};
  for (const MethodScope& method : AllMethodScopes()) {
    EXPECT_EQ(method.scope, reads.count(method.method) > 0 ? "suppliers.read"
                                                           : "suppliers.write")
        << method.method;
  }
}

}  // namespace
}  // namespace suppliers
