// Owns the gRPC PartService (parts and the tutorial's function, procedure and
// join): each method hands its request to PartStore on the work queue through
// ServeFromStore.
#include "server/rpc/part_service.h"

#include "server/rpc/unary_call.h"

namespace suppliers {

grpc::ServerUnaryReactor* PartServiceImpl::CreatePart(
    grpc::CallbackServerContext* context, const v1::CreatePartRequest* request,
    v1::CreatePartResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::Create);
}

grpc::ServerUnaryReactor* PartServiceImpl::GetPart(
    grpc::CallbackServerContext* context, const v1::GetPartRequest* request,
    v1::GetPartResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::Get);
}

grpc::ServerUnaryReactor* PartServiceImpl::ListParts(
    grpc::CallbackServerContext* context, const v1::ListPartsRequest* request,
    v1::ListPartsResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::List);
}

grpc::ServerUnaryReactor* PartServiceImpl::BatchGetParts(
    grpc::CallbackServerContext* context,
    const v1::BatchGetPartsRequest* request,
    v1::BatchGetPartsResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::BatchGet);
}

grpc::ServerUnaryReactor* PartServiceImpl::UpdatePart(
    grpc::CallbackServerContext* context, const v1::UpdatePartRequest* request,
    v1::UpdatePartResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::Update);
}

grpc::ServerUnaryReactor* PartServiceImpl::DeletePart(
    grpc::CallbackServerContext* context, const v1::DeletePartRequest* request,
    v1::DeletePartResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::Delete);
}

grpc::ServerUnaryReactor* PartServiceImpl::AddPartVendors(
    grpc::CallbackServerContext* context,
    const v1::AddPartVendorsRequest* request,
    v1::AddPartVendorsResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::AddVendors);
}

grpc::ServerUnaryReactor* PartServiceImpl::RemovePartVendors(
    grpc::CallbackServerContext* context,
    const v1::RemovePartVendorsRequest* request,
    v1::RemovePartVendorsResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::RemoveVendors);
}

grpc::ServerUnaryReactor* PartServiceImpl::ListPartsByVendor(
    grpc::CallbackServerContext* context,
    const v1::ListPartsByVendorRequest* request,
    v1::ListPartsByVendorResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::ListByVendor);
}

grpc::ServerUnaryReactor* PartServiceImpl::AddPartWithNewVendor(
    grpc::CallbackServerContext* context,
    const v1::AddPartWithNewVendorRequest* request,
    v1::AddPartWithNewVendorResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::AddWithNewVendor);
}

grpc::ServerUnaryReactor* PartServiceImpl::ListPartVendorPairs(
    grpc::CallbackServerContext* context,
    const v1::ListPartVendorPairsRequest* request,
    v1::ListPartVendorPairsResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::ListPairs);
}

}  // namespace suppliers
