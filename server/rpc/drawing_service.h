// Owns the gRPC DrawingService: the upload (client streaming) and download
// (server streaming) reactors, which run every database step on the work
// queue with one message in flight, and the unary metadata and delete calls.
#ifndef SUPPLIERS_SERVER_RPC_DRAWING_SERVICE_H_
#define SUPPLIERS_SERVER_RPC_DRAWING_SERVICE_H_

#include <grpcpp/support/byte_buffer.h>

#include "server/rpc/call_runtime.h"
#include "server/store/drawing_store.h"
#include "suppliers/v1/drawing.grpc.pb.h"

namespace suppliers {

// Every method is a raw callback (wire bytes in and out): the reactors
// parse each message themselves, so a malformed one is INVALID_ARGUMENT and
// can never pass for the end of an upload.
using RawDrawingService =
    v1::DrawingService::WithRawCallbackMethod_UploadDrawing<
        v1::DrawingService::WithRawCallbackMethod_DownloadDrawing<
            v1::DrawingService::WithRawCallbackMethod_GetDrawingMetadata<
                v1::DrawingService::WithRawCallbackMethod_DeleteDrawing<
                    v1::DrawingService::Service>>>>;

// Thread-safe; the store and runtime must outlive the service.
class DrawingServiceImpl final : public RawDrawingService {
 public:
  DrawingServiceImpl(DrawingStore& store, const CallRuntime& runtime)
      : store_(store), runtime_(runtime) {}

  grpc::ServerReadReactor<grpc::ByteBuffer>* UploadDrawing(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;
  grpc::ServerWriteReactor<grpc::ByteBuffer>* DownloadDrawing(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;
  grpc::ServerUnaryReactor* GetDrawingMetadata(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteDrawing(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;

 private:
  DrawingStore& store_;
  const CallRuntime& runtime_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_DRAWING_SERVICE_H_
