// Owns turning wire bytes into request messages and response messages into
// wire bytes for our raw-callback services, so that a request that is not a
// valid protobuf (junk, truncated, invalid UTF-8 in a string field) is our
// INVALID_ARGUMENT with details instead of gRPC's bare UNIMPLEMENTED, and an
// upload stream cannot mistake a bad message for its end.
#ifndef SUPPLIERS_SERVER_RPC_MESSAGE_CODEC_H_
#define SUPPLIERS_SERVER_RPC_MESSAGE_CODEC_H_

#include <grpcpp/support/byte_buffer.h>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace suppliers {

// Parses `bytes` into `message` (cleared first). INVALID_ARGUMENT with
// ErrorInfo reason MALFORMED_REQUEST naming the message type when the bytes
// are not a valid serialization of it. Thread-compatible.
absl::Status ParseMessage(const grpc::ByteBuffer& bytes,
                          google::protobuf::Message* message);

// Serializes `message` into `bytes`. INTERNAL if protobuf refuses (a
// message over 2 GiB: never ours).
absl::Status SerializeMessage(const google::protobuf::Message& message,
                              grpc::ByteBuffer* bytes);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_MESSAGE_CODEC_H_
