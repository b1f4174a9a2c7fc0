// Owns the gRPC VendorService (vendors): each method hands its
// request to VendorStore on the worker pool through StartUnaryCall.
#include "server/vendor_service.h"

namespace suppliers {

grpc::ServerUnaryReactor* VendorServiceImpl::CreateVendor(
    grpc::CallbackServerContext* context,
    const v1::CreateVendorRequest* request,
    v1::CreateVendorResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Create(call, *request);
                        });
}

grpc::ServerUnaryReactor* VendorServiceImpl::BatchCreateVendors(
    grpc::CallbackServerContext* context,
    const v1::BatchCreateVendorsRequest* request,
    v1::BatchCreateVendorsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.BatchCreate(call, *request);
                        });
}

grpc::ServerUnaryReactor* VendorServiceImpl::GetVendor(
    grpc::CallbackServerContext* context, const v1::GetVendorRequest* request,
    v1::GetVendorResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Get(call, *request);
                        });
}

grpc::ServerUnaryReactor* VendorServiceImpl::ListVendors(
    grpc::CallbackServerContext* context, const v1::ListVendorsRequest* request,
    v1::ListVendorsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.List(call, *request);
                        });
}

grpc::ServerUnaryReactor* VendorServiceImpl::BatchGetVendors(
    grpc::CallbackServerContext* context,
    const v1::BatchGetVendorsRequest* request,
    v1::BatchGetVendorsResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.BatchGet(call, *request);
                        });
}

grpc::ServerUnaryReactor* VendorServiceImpl::UpdateVendor(
    grpc::CallbackServerContext* context,
    const v1::UpdateVendorRequest* request,
    v1::UpdateVendorResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Update(call, *request);
                        });
}

grpc::ServerUnaryReactor* VendorServiceImpl::DeleteVendor(
    grpc::CallbackServerContext* context,
    const v1::DeleteVendorRequest* request,
    v1::DeleteVendorResponse* response) {
  return StartUnaryCall(context, response, runtime_,
                        [this, request](CallContext& call) {
                          return store_.Delete(call, *request);
                        });
}

}  // namespace suppliers
