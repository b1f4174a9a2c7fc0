// Owns the gRPC PartService (parts and the tutorial's function, procedure and
// join): each method hands its request to PartStore on the work queue through
// ServeFromStore.
#include "server/rpc/part_service.h"

#include "server/rpc/bulk_streams.h"
#include "server/rpc/unary_call.h"

namespace suppliers {

grpc::ServerUnaryReactor* PartServiceImpl::CreatePart(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::Create);
}

grpc::ServerUnaryReactor* PartServiceImpl::GetPart(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeSingleRead(context, request, response, runtime_, store_,
                         &PartStore::PlanGet, &PartStore::Get);
}

grpc::ServerUnaryReactor* PartServiceImpl::ListParts(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeSingleRead(context, request, response, runtime_, store_,
                         &PartStore::PlanList, &PartStore::List);
}

grpc::ServerUnaryReactor* PartServiceImpl::BatchGetParts(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::BatchGet);
}

grpc::ServerUnaryReactor* PartServiceImpl::UpdatePart(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::Update);
}

grpc::ServerUnaryReactor* PartServiceImpl::DeletePart(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::Delete);
}

grpc::ServerUnaryReactor* PartServiceImpl::AddPartVendors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::AddVendors);
}

grpc::ServerUnaryReactor* PartServiceImpl::RemovePartVendors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::RemoveVendors);
}

grpc::ServerUnaryReactor* PartServiceImpl::ListPartsByVendor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::ListByVendor);
}

grpc::ServerUnaryReactor* PartServiceImpl::AddPartWithNewVendor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::AddWithNewVendor);
}

grpc::ServerUnaryReactor* PartServiceImpl::ListPartVendorPairs(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &PartStore::ListPairs);
}

grpc::ServerReadReactor<grpc::ByteBuffer>* PartServiceImpl::ImportParts(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return NewImportReactor(context, response, imports_,
                          ImportStore::Table::kParts, runtime_);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* PartServiceImpl::ExportParts(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return NewExportReactor(context, request, exports_,
                          ExportStore::Table::kParts, runtime_);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>*
PartServiceImpl::ExportPartVendorPairs(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request) {
  return NewExportReactor(context, request, exports_,
                          ExportStore::Table::kPartVendorPairs, runtime_);
}

}  // namespace suppliers
