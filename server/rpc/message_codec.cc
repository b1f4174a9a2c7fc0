// Owns turning wire bytes into request messages and response messages into
// wire bytes for our raw-callback services, so that a request that is not a
// valid protobuf (junk, truncated, invalid UTF-8 in a string field) is our
// INVALID_ARGUMENT with details instead of gRPC's bare UNIMPLEMENTED, and an
// upload stream cannot mistake a bad message for its end.
#include "server/rpc/message_codec.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "server/base/errors.h"

namespace suppliers {

absl::Status ParseMessage(const grpc::ByteBuffer& bytes,
                          google::protobuf::Message* message) {
  message->Clear();
  if (!bytes.Valid()) {
    // gRPC hands a unary method an empty buffer when no request message
    // arrived: the client sent none, or gave up (deadline, cancel) before it
    // was received; the latter is common under overload.
    const std::string type = message->GetDescriptor()->full_name();
    return ErrorWithInfo(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("no ", type,
                     " arrived: the call carried no request message, or its "
                     "client gave up before it was received"),
        "MALFORMED_REQUEST", {{"message_type", type}});
  }
  // The reader needs a mutable buffer; a copy shares the slices.
  grpc::ByteBuffer copy(bytes);
  grpc::ProtoBufferReader reader(&copy);
  google::protobuf::io::CodedInputStream input(&reader);
  // gRPC's receive limit bounds the message; no further size limit here.
  input.SetTotalBytesLimit(INT32_MAX);
  if (!reader.status().ok() || !message->ParseFromCodedStream(&input) ||
      !input.ConsumedEntireMessage()) {
    const std::string type = message->GetDescriptor()->full_name();
    message->Clear();
    return ErrorWithInfo(
        absl::StatusCode::kInvalidArgument,
        absl::StrCat("the message is not a valid ", type,
                     " (malformed or truncated protobuf, or invalid UTF-8 in "
                     "a string field)"),
        "MALFORMED_REQUEST", {{"message_type", type}});
  }
  return absl::OkStatus();
}

absl::Status SerializeMessage(const google::protobuf::Message& message,
                              grpc::ByteBuffer* bytes) {
  bytes->Clear();  // the writer wants an empty buffer
  bool own_buffer = false;
  const grpc::Status status =
      grpc::SerializationTraits<google::protobuf::Message>::Serialize(
          message, bytes, &own_buffer);
  if (!status.ok()) {
    return absl::InternalError("cannot serialize the response");
  }
  return absl::OkStatus();
}

}  // namespace suppliers
