// Owns the gRPC VendorService (vendors): each method hands its
// request to VendorStore on the work queue through ServeFromStore.
#ifndef SUPPLIERS_SERVER_RPC_VENDOR_SERVICE_H_
#define SUPPLIERS_SERVER_RPC_VENDOR_SERVICE_H_

#include <grpcpp/support/byte_buffer.h>

#include "server/rpc/call_runtime.h"
#include "server/store/bulk_export.h"
#include "server/store/bulk_import.h"
#include "server/store/vendor_store.h"
#include "suppliers/v1/vendor.grpc.pb.h"

namespace suppliers {

// Thread-safe; the store and runtime must outlive the service.
// Every method is a raw callback (wire bytes in and out): the reactor
// parses the request itself, so a malformed one is INVALID_ARGUMENT with
// details rather than gRPC's UNIMPLEMENTED.
using RawVendorService = v1::VendorService::WithRawCallbackMethod_ImportVendors<
    v1::VendorService::WithRawCallbackMethod_ExportVendors<
        v1::VendorService::WithRawCallbackMethod_CreateVendor<
            v1::VendorService::WithRawCallbackMethod_BatchCreateVendors<
                v1::VendorService::WithRawCallbackMethod_GetVendor<
                    v1::VendorService::WithRawCallbackMethod_ListVendors<
                        v1::VendorService::
                            WithRawCallbackMethod_BatchGetVendors<
                                v1::VendorService::
                                    WithRawCallbackMethod_UpdateVendor<
                                        v1::VendorService::
                                            WithRawCallbackMethod_DeleteVendor<
                                                v1::VendorService::
                                                    Service>>>>>>>>>;

class VendorServiceImpl final : public RawVendorService {
 public:
  VendorServiceImpl(VendorStore& store, ImportStore& imports,
                    ExportStore& exports, const CallRuntime& runtime)
      : store_(store),
        imports_(imports),
        exports_(exports),
        runtime_(runtime) {}

  grpc::ServerUnaryReactor* CreateVendor(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* BatchCreateVendors(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetVendor(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListVendors(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* BatchGetVendors(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateVendor(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteVendor(grpc::CallbackServerContext* context,
                                         const grpc::ByteBuffer* request,
                                         grpc::ByteBuffer* response) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportVendors(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ExportVendors(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

 private:
  VendorStore& store_;
  ImportStore& imports_;
  ExportStore& exports_;
  const CallRuntime& runtime_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_VENDOR_SERVICE_H_
