// Owns calling the server with raw bytes on the wire (grpc::GenericStub), as
// a buggy or hostile client would: messages that are not valid protobuf,
// streams that stop without a word.
#ifndef SUPPLIERS_TESTS_FAULT_RAW_CALLS_H_
#define SUPPLIERS_TESTS_FAULT_RAW_CALLS_H_

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "google/protobuf/message.h"

namespace suppliers::testing {

inline grpc::ByteBuffer Bytes(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

inline grpc::ByteBuffer Bytes(const google::protobuf::Message& message) {
  return Bytes(message.SerializeAsString());
}

// A unary call of `method` ("/pkg.Service/Method") with `request` as is.
inline grpc::Status RawUnary(const std::shared_ptr<grpc::Channel>& channel,
                             const std::string& method,
                             const grpc::ByteBuffer& request,
                             grpc::ByteBuffer* response) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(10)));
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  return status;
}

// A client-streaming call of `method`: writes `messages` in order, then
// half-closes when `writes_done`, or else waits `then_wait` and cancels.
inline grpc::Status RawClientStream(
    const std::shared_ptr<grpc::Channel>& channel, const std::string& method,
    const std::vector<grpc::ByteBuffer>& messages, bool writes_done,
    absl::Duration deadline = absl::Seconds(30)) {
  grpc::GenericStub stub(channel);
  grpc::CompletionQueue cq;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  auto wait = [&cq] {
    void* tag = nullptr;
    bool ok = false;
    cq.Next(&tag, &ok);
    return ok;
  };
  auto call = stub.PrepareCall(&context, method, &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  bool open = wait();
  for (const grpc::ByteBuffer& message : messages) {
    if (!open) break;
    call->Write(message, reinterpret_cast<void*>(2));
    open = wait();
  }
  if (open && writes_done) {
    call->WritesDone(reinterpret_cast<void*>(3));
    open = wait();
  }
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  wait();
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  wait();
  return status;
}

}  // namespace suppliers::testing

#endif  // SUPPLIERS_TESTS_FAULT_RAW_CALLS_H_
