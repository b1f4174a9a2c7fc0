// Owns the gRPC PartService (parts and the tutorial's function, procedure and
// join): each method hands its request to PartStore on the work queue through
// ServeFromStore.
#ifndef SUPPLIERS_SERVER_RPC_PART_SERVICE_H_
#define SUPPLIERS_SERVER_RPC_PART_SERVICE_H_

#include "server/rpc/call_runtime.h"
#include "server/store/part_store.h"
#include "suppliers/v1/part.grpc.pb.h"

namespace suppliers {

// Thread-safe; the store and runtime must outlive the service.
class PartServiceImpl final : public v1::PartService::CallbackService {
 public:
  PartServiceImpl(PartStore& store, const CallRuntime& runtime)
      : store_(store), runtime_(runtime) {}

  grpc::ServerUnaryReactor* CreatePart(
      grpc::CallbackServerContext* context,
      const v1::CreatePartRequest* request,
      v1::CreatePartResponse* response) override;
  grpc::ServerUnaryReactor* GetPart(grpc::CallbackServerContext* context,
                                    const v1::GetPartRequest* request,
                                    v1::GetPartResponse* response) override;
  grpc::ServerUnaryReactor* ListParts(grpc::CallbackServerContext* context,
                                      const v1::ListPartsRequest* request,
                                      v1::ListPartsResponse* response) override;
  grpc::ServerUnaryReactor* BatchGetParts(
      grpc::CallbackServerContext* context,
      const v1::BatchGetPartsRequest* request,
      v1::BatchGetPartsResponse* response) override;
  grpc::ServerUnaryReactor* UpdatePart(
      grpc::CallbackServerContext* context,
      const v1::UpdatePartRequest* request,
      v1::UpdatePartResponse* response) override;
  grpc::ServerUnaryReactor* DeletePart(
      grpc::CallbackServerContext* context,
      const v1::DeletePartRequest* request,
      v1::DeletePartResponse* response) override;
  grpc::ServerUnaryReactor* AddPartVendors(
      grpc::CallbackServerContext* context,
      const v1::AddPartVendorsRequest* request,
      v1::AddPartVendorsResponse* response) override;
  grpc::ServerUnaryReactor* RemovePartVendors(
      grpc::CallbackServerContext* context,
      const v1::RemovePartVendorsRequest* request,
      v1::RemovePartVendorsResponse* response) override;
  grpc::ServerUnaryReactor* ListPartsByVendor(
      grpc::CallbackServerContext* context,
      const v1::ListPartsByVendorRequest* request,
      v1::ListPartsByVendorResponse* response) override;
  grpc::ServerUnaryReactor* AddPartWithNewVendor(
      grpc::CallbackServerContext* context,
      const v1::AddPartWithNewVendorRequest* request,
      v1::AddPartWithNewVendorResponse* response) override;
  grpc::ServerUnaryReactor* ListPartVendorPairs(
      grpc::CallbackServerContext* context,
      const v1::ListPartVendorPairsRequest* request,
      v1::ListPartVendorPairsResponse* response) override;

 private:
  PartStore& store_;
  const CallRuntime& runtime_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_PART_SERVICE_H_
