// Owns the gRPC VendorService (vendors): each method hands its
// request to VendorStore on the work queue through ServeFromStore.
#ifndef SUPPLIERS_SERVER_RPC_VENDOR_SERVICE_H_
#define SUPPLIERS_SERVER_RPC_VENDOR_SERVICE_H_

#include "server/rpc/call_runtime.h"
#include "server/store/vendor_store.h"
#include "suppliers/v1/vendor.grpc.pb.h"

namespace suppliers {

// Thread-safe; the store and runtime must outlive the service.
class VendorServiceImpl final : public v1::VendorService::CallbackService {
 public:
  VendorServiceImpl(VendorStore& store, const CallRuntime& runtime)
      : store_(store), runtime_(runtime) {}

  grpc::ServerUnaryReactor* CreateVendor(
      grpc::CallbackServerContext* context,
      const v1::CreateVendorRequest* request,
      v1::CreateVendorResponse* response) override;
  grpc::ServerUnaryReactor* BatchCreateVendors(
      grpc::CallbackServerContext* context,
      const v1::BatchCreateVendorsRequest* request,
      v1::BatchCreateVendorsResponse* response) override;
  grpc::ServerUnaryReactor* GetVendor(grpc::CallbackServerContext* context,
                                      const v1::GetVendorRequest* request,
                                      v1::GetVendorResponse* response) override;
  grpc::ServerUnaryReactor* ListVendors(
      grpc::CallbackServerContext* context,
      const v1::ListVendorsRequest* request,
      v1::ListVendorsResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetVendors(
      grpc::CallbackServerContext* context,
      const v1::BatchGetVendorsRequest* request,
      v1::BatchGetVendorsResponse* response) override;
  grpc::ServerUnaryReactor* UpdateVendor(
      grpc::CallbackServerContext* context,
      const v1::UpdateVendorRequest* request,
      v1::UpdateVendorResponse* response) override;
  grpc::ServerUnaryReactor* DeleteVendor(
      grpc::CallbackServerContext* context,
      const v1::DeleteVendorRequest* request,
      v1::DeleteVendorResponse* response) override;

 private:
  VendorStore& store_;
  const CallRuntime& runtime_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_VENDOR_SERVICE_H_
