// Owns the gRPC VendorService (vendors): each method hands its
// request to VendorStore on the work queue through ServeFromStore.
#include "server/rpc/vendor_service.h"

#include "server/rpc/bulk_streams.h"
#include "server/rpc/unary_call.h"

namespace suppliers {

grpc::ServerUnaryReactor* VendorServiceImpl::CreateVendor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &VendorStore::Create);
}

grpc::ServerUnaryReactor* VendorServiceImpl::BatchCreateVendors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &VendorStore::BatchCreate);
}

grpc::ServerUnaryReactor* VendorServiceImpl::GetVendor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeSingleRead(context, request, response, runtime_, store_,
                         &VendorStore::PlanGet, &VendorStore::Get);
}

grpc::ServerUnaryReactor* VendorServiceImpl::ListVendors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeSingleRead(context, request, response, runtime_, store_,
                         &VendorStore::PlanList, &VendorStore::List);
}

grpc::ServerUnaryReactor* VendorServiceImpl::BatchGetVendors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &VendorStore::BatchGet);
}

grpc::ServerUnaryReactor* VendorServiceImpl::UpdateVendor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &VendorStore::Update);
}

grpc::ServerUnaryReactor* VendorServiceImpl::DeleteVendor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &VendorStore::Delete);
}

grpc::ServerReadReactor<grpc::ByteBuffer>* VendorServiceImpl::ImportVendors(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return NewImportReactor(context, response, imports_,
                          ImportStore::Table::kVendors, runtime_);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* VendorServiceImpl::ExportVendors(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return NewExportReactor(context, request, exports_,
                          ExportStore::Table::kVendors, runtime_);
}

}  // namespace suppliers
