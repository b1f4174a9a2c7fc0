// Owns the table of which OAuth 2 scope each method of our services needs,
// read from the `required_scope` option of the compiled descriptors.
#include "server/rpc/method_scopes.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "suppliers/v1/annotations.pb.h"
#include "suppliers/v1/change_feed.pb.h"
#include "suppliers/v1/drawing.pb.h"
#include "suppliers/v1/part.pb.h"
#include "suppliers/v1/vendor.pb.h"

namespace suppliers {
namespace {

struct Table {
  std::vector<MethodScope> methods;
  std::map<const google::protobuf::Descriptor*, size_t> by_request;
};

const Table& TheTable() {
  static const Table* const kTable = [] {
    auto* table = new Table;
    // Referencing a message of each file links its descriptors in.
    (void)v1::Vendor::descriptor();
    (void)v1::Part::descriptor();
    (void)v1::DrawingMetadata::descriptor();
    (void)v1::ChangeEvent::descriptor();
    const google::protobuf::DescriptorPool* pool =
        google::protobuf::DescriptorPool::generated_pool();
    for (const char* name :
         {"suppliers.v1.VendorService", "suppliers.v1.PartService",
          "suppliers.v1.DrawingService", "suppliers.v1.ChangeFeedService"}) {
      const google::protobuf::ServiceDescriptor* service =
          pool->FindServiceByName(name);
      if (service == nullptr) continue;  // a unit test fails on that
      for (int i = 0; i < service->method_count(); ++i) {
        const google::protobuf::MethodDescriptor* method = service->method(i);
        table->by_request[method->input_type()] = table->methods.size();
        table->methods.push_back(
            {absl::StrCat("/", service->full_name(), "/", method->name()),
             method->options().GetExtension(v1::required_scope)});
      }
    }
    return table;
  }();
  return *kTable;
}

}  // namespace

const std::vector<MethodScope>& AllMethodScopes() { return TheTable().methods; }

const MethodScope* MethodForRequest(
    const google::protobuf::Descriptor* request) {
  const Table& table = TheTable();
  auto it = table.by_request.find(request);
  return it == table.by_request.end() ? nullptr : &table.methods[it->second];
}

}  // namespace suppliers
