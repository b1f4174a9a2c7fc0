// Owns the gRPC ChangeFeedService: one reactor per WatchChanges stream,
// driven by the shared ChangeFeed (its ring, or the outbox for history)
// with one write outstanding at a time.
#ifndef SUPPLIERS_SERVER_RPC_CHANGE_FEED_SERVICE_H_
#define SUPPLIERS_SERVER_RPC_CHANGE_FEED_SERVICE_H_

#include <grpcpp/support/byte_buffer.h>

#include "server/rpc/call_runtime.h"
#include "server/store/change_feed.h"
#include "suppliers/v1/change_feed.grpc.pb.h"

namespace suppliers {

using RawChangeFeedService =
    v1::ChangeFeedService::WithRawCallbackMethod_WatchChanges<
        v1::ChangeFeedService::Service>;

// Thread-safe; the feed and runtime must outlive the service. Watches do
// not count against the stream guard (they hold no database connection):
// the feed bounds them (ChangeFeedOptions::max_watchers), and only the
// client's deadline ends them.
class ChangeFeedServiceImpl final : public RawChangeFeedService {
 public:
  ChangeFeedServiceImpl(ChangeFeed& feed, const CallRuntime& runtime)
      : feed_(feed), runtime_(runtime) {}

  grpc::ServerWriteReactor<grpc::ByteBuffer>* WatchChanges(
      grpc::CallbackServerContext* context,
      const grpc::ByteBuffer* request) override;

 private:
  ChangeFeed& feed_;
  const CallRuntime& runtime_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_CHANGE_FEED_SERVICE_H_
