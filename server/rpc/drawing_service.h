// Owns the gRPC DrawingService: the upload (client streaming) and download
// (server streaming) reactors, which run every database step on the worker
// queue with one message in flight, and the unary metadata and delete calls.
#ifndef SUPPLIERS_SERVER_RPC_DRAWING_SERVICE_H_
#define SUPPLIERS_SERVER_RPC_DRAWING_SERVICE_H_

#include "server/rpc/call_runtime.h"
#include "server/store/drawing_store.h"
#include "suppliers/v1/drawing.grpc.pb.h"

namespace suppliers {

// Thread-safe; the store and runtime must outlive the service.
class DrawingServiceImpl final : public v1::DrawingService::CallbackService {
 public:
  DrawingServiceImpl(DrawingStore& store, const CallRuntime& runtime)
      : store_(store), runtime_(runtime) {}

  grpc::ServerReadReactor<v1::UploadDrawingRequest>* UploadDrawing(
      grpc::CallbackServerContext* context,
      v1::UploadDrawingResponse* response) override;
  grpc::ServerWriteReactor<v1::DownloadDrawingResponse>* DownloadDrawing(
      grpc::CallbackServerContext* context,
      const v1::DownloadDrawingRequest* request) override;
  grpc::ServerUnaryReactor* GetDrawingMetadata(
      grpc::CallbackServerContext* context,
      const v1::GetDrawingMetadataRequest* request,
      v1::GetDrawingMetadataResponse* response) override;
  grpc::ServerUnaryReactor* DeleteDrawing(
      grpc::CallbackServerContext* context,
      const v1::DeleteDrawingRequest* request,
      v1::DeleteDrawingResponse* response) override;

 private:
  DrawingStore& store_;
  const CallRuntime& runtime_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_DRAWING_SERVICE_H_
