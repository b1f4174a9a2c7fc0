// Owns the gRPC PartService (parts and the tutorial's function, procedure and
// join): each method hands its request to PartStore on the work queue through
// ServeFromStore.
#ifndef SUPPLIERS_SERVER_RPC_PART_SERVICE_H_
#define SUPPLIERS_SERVER_RPC_PART_SERVICE_H_

#include <grpcpp/support/byte_buffer.h>

#include "server/rpc/call_runtime.h"
#include "server/store/bulk_export.h"
#include "server/store/bulk_import.h"
#include "server/store/part_store.h"
#include "suppliers/v1/part.grpc.pb.h"

namespace suppliers {

// Thread-safe; the store and runtime must outlive the service.
// Every method is a raw callback (wire bytes in and out): the reactor
// parses the request itself, so a malformed one is INVALID_ARGUMENT with
// details rather than gRPC's UNIMPLEMENTED.
using RawPartService = v1::PartService::WithRawCallbackMethod_ImportParts<
    v1::PartService::WithRawCallbackMethod_ExportParts<
        v1::PartService::WithRawCallbackMethod_ExportPartVendorPairs<
            v1::PartService::WithRawCallbackMethod_CreatePart<v1::PartService::WithRawCallbackMethod_GetPart<
                v1::PartService::WithRawCallbackMethod_ListParts<
                    v1::PartService::WithRawCallbackMethod_BatchGetParts<
                        v1::PartService::WithRawCallbackMethod_UpdatePart<
                            v1::PartService::WithRawCallbackMethod_DeletePart<
                                v1::PartService::WithRawCallbackMethod_AddPartVendors<
                                    v1::PartService::WithRawCallbackMethod_RemovePartVendors<
                                        v1::PartService::WithRawCallbackMethod_ListPartsByVendor<
                                            v1::PartService::WithRawCallbackMethod_AddPartWithNewVendor<
                                                v1::PartService::
                                                    WithRawCallbackMethod_ListPartVendorPairs<
                                                        v1::PartService::
                                                            Service>>>>>>>>>>>>>>;

class PartServiceImpl final : public RawPartService {
 public:
  PartServiceImpl(PartStore& store, ImportStore& imports, ExportStore& exports,
                  const CallRuntime& runtime)
      : store_(store),
        imports_(imports),
        exports_(exports),
        runtime_(runtime) {}

  grpc::ServerUnaryReactor* CreatePart(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* GetPart(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request,
                                    grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListParts(grpc::CallbackServerContext* context,
                                      const grpc::ByteBuffer* request,
                                      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* BatchGetParts(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdatePart(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeletePart(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AddPartVendors(grpc::CallbackServerContext* context,
                                           const grpc::ByteBuffer* request,
                                           grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RemovePartVendors(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListPartsByVendor(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* AddPartWithNewVendor(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* ImportParts(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ExportParts(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* ExportPartVendorPairs(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* ListPartVendorPairs(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

 private:
  PartStore& store_;
  ImportStore& imports_;
  ExportStore& exports_;
  const CallRuntime& runtime_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_PART_SERVICE_H_
