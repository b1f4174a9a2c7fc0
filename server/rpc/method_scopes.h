// Owns the table of which OAuth 2 scope each method of our services needs.
// The table lives in the protos (the `required_scope` option on every
// method, proto/suppliers/v1/annotations.proto), so reflection shows it;
// this reads it from the compiled descriptors once.
#ifndef SUPPLIERS_SERVER_RPC_METHOD_SCOPES_H_
#define SUPPLIERS_SERVER_RPC_METHOD_SCOPES_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace suppliers {

struct MethodScope {
  std::string method;  // "/suppliers.v1.VendorService/GetVendor"
  std::string scope;   // "suppliers.read"; empty when the option is missing
};

// Every method of VendorService, PartService and DrawingService. Immutable
// after first use; thread-safe.
const std::vector<MethodScope>& AllMethodScopes();

// The method whose request type is `request` (every method has a request
// type of its own, as buf lint requires), or nullptr.
const MethodScope* MethodForRequest(
    const google::protobuf::Descriptor* request);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_METHOD_SCOPES_H_
