// Owns the gRPC PartService (parts and the tutorial's function, procedure and
// join): each method hands its request to PartStore on the worker pool through
// StartUnaryCall.
#include "server/part_service.h"

namespace suppliers {

grpc::ServerUnaryReactor* PartServiceImpl::CreatePart(
    grpc::CallbackServerContext* context, const v1::CreatePartRequest* request,
    v1::CreatePartResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Create(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::GetPart(
    grpc::CallbackServerContext* context, const v1::GetPartRequest* request,
    v1::GetPartResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Get(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::ListParts(
    grpc::CallbackServerContext* context, const v1::ListPartsRequest* request,
    v1::ListPartsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.List(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::BatchGetParts(
    grpc::CallbackServerContext* context,
    const v1::BatchGetPartsRequest* request,
    v1::BatchGetPartsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.BatchGet(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::UpdatePart(
    grpc::CallbackServerContext* context, const v1::UpdatePartRequest* request,
    v1::UpdatePartResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Update(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::DeletePart(
    grpc::CallbackServerContext* context, const v1::DeletePartRequest* request,
    v1::DeletePartResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Delete(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::AddPartVendors(
    grpc::CallbackServerContext* context,
    const v1::AddPartVendorsRequest* request,
    v1::AddPartVendorsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.AddVendors(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::RemovePartVendors(
    grpc::CallbackServerContext* context,
    const v1::RemovePartVendorsRequest* request,
    v1::RemovePartVendorsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.RemoveVendors(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::ListPartsByVendor(
    grpc::CallbackServerContext* context,
    const v1::ListPartsByVendorRequest* request,
    v1::ListPartsByVendorResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.ListByVendor(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::AddPartWithNewVendor(
    grpc::CallbackServerContext* context,
    const v1::AddPartWithNewVendorRequest* request,
    v1::AddPartWithNewVendorResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.AddWithNewVendor(call, *request);
                        });
}

grpc::ServerUnaryReactor* PartServiceImpl::ListPartVendorPairs(
    grpc::CallbackServerContext* context,
    const v1::ListPartVendorPairsRequest* request,
    v1::ListPartVendorPairsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.ListPairs(call, *request);
                        });
}

}  // namespace suppliers
