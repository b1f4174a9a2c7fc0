// Owns server reflection v1 (grpc.reflection.v1.ServerReflection), served
// beside gRPC's own v1alpha plugin: clients such as grpcurl and buf curl ask
// for v1 first, and gRPC 1.51 serves only v1alpha. Both answer from the
// same generated descriptor pool, so they describe the same API.
#ifndef SUPPLIERS_SERVER_RPC_REFLECTION_V1_H_
#define SUPPLIERS_SERVER_RPC_REFLECTION_V1_H_

#include <string>
#include <vector>

#include "grpc/reflection/v1/reflection.grpc.pb.h"

namespace suppliers {

// One bidirectional stream per client; each request gets exactly one
// response, in order, as the protocol requires. Files are sent with the
// dependencies the stream has not seen yet. Needs no credentials, as
// v1alpha: it describes the schema only. Thread-safe; holds no state
// between streams.
class ReflectionV1Service final
    : public grpc::reflection::v1::ServerReflection::CallbackService {
 public:
  // `services`: the full names that list_services answers.
  explicit ReflectionV1Service(std::vector<std::string> services);
  ReflectionV1Service(const ReflectionV1Service&) = delete;
  ReflectionV1Service& operator=(const ReflectionV1Service&) = delete;

  grpc::ServerBidiReactor<grpc::reflection::v1::ServerReflectionRequest,
                          grpc::reflection::v1::ServerReflectionResponse>*
  ServerReflectionInfo(grpc::CallbackServerContext* context) override;

 private:
  const std::vector<std::string> services_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_REFLECTION_V1_H_
