// Owns server reflection v1: one small reactor per stream, reading a
// request, writing its answer, then reading the next (one write
// outstanding, as route_guide's streams).
#include "server/rpc/reflection_v1.h"

#include <set>
#include <utility>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"

namespace suppliers {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::DescriptorPool;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

class ReflectionStream final
    : public grpc::ServerBidiReactor<ServerReflectionRequest,
                                     ServerReflectionResponse> {
 public:
  explicit ReflectionStream(const std::vector<std::string>& services)
      : services_(services) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {  // the client half-closed (or went away): the stream is over
      Finish(grpc::Status::OK);
      return;
    }
    response_.Clear();
    Answer(request_, response_);
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the reflection stream was closed"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  void Answer(const ServerReflectionRequest& request,
              ServerReflectionResponse& response) {
    const DescriptorPool* pool = DescriptorPool::generated_pool();
    response.set_valid_host(request.host());
    *response.mutable_original_request() = request;
    switch (request.message_request_case()) {
      case ServerReflectionRequest::kFileByFilename:
        SendFile(pool->FindFileByName(request.file_by_filename()),
                 "File not found.", response);
        return;
      case ServerReflectionRequest::kFileContainingSymbol:
        SendFile(
            pool->FindFileContainingSymbol(request.file_containing_symbol()),
            "Symbol not found.", response);
        return;
      case ServerReflectionRequest::kFileContainingExtension: {
        const Descriptor* type = pool->FindMessageTypeByName(
            request.file_containing_extension().containing_type());
        if (type == nullptr) {
          Error(grpc::StatusCode::NOT_FOUND, "Type not found.", response);
          return;
        }
        const FieldDescriptor* extension = pool->FindExtensionByNumber(
            type, request.file_containing_extension().extension_number());
        SendFile(extension == nullptr ? nullptr : extension->file(),
                 "Extension not found.", response);
        return;
      }
      case ServerReflectionRequest::kAllExtensionNumbersOfType: {
        const Descriptor* type = pool->FindMessageTypeByName(
            request.all_extension_numbers_of_type());
        if (type == nullptr) {
          Error(grpc::StatusCode::NOT_FOUND, "Type not found.", response);
          return;
        }
        std::vector<const FieldDescriptor*> extensions;
        pool->FindAllExtensions(type, &extensions);
        auto* numbers = response.mutable_all_extension_numbers_response();
        numbers->set_base_type_name(type->full_name());
        for (const FieldDescriptor* extension : extensions) {
          numbers->add_extension_number(extension->number());
        }
        return;
      }
      case ServerReflectionRequest::kListServices:
        for (const std::string& name : services_) {
          response.mutable_list_services_response()->add_service()->set_name(
              name);
        }
        return;
      case ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
        break;
    }
    Error(grpc::StatusCode::UNIMPLEMENTED,
          "The server does not support this request.", response);
  }

  // The file and the dependencies this stream has not been sent yet: a
  // client builds its own pool from what it received.
  void SendFile(const FileDescriptor* file, const char* not_found,
                ServerReflectionResponse& response) {
    if (file == nullptr) {
      Error(grpc::StatusCode::NOT_FOUND, not_found, response);
      return;
    }
    auto* files = response.mutable_file_descriptor_response();
    std::vector<const FileDescriptor*> pending = {file};
    bool first = true;
    while (!pending.empty()) {
      const FileDescriptor* next = pending.back();
      pending.pop_back();
      // The file asked for is always sent; its dependencies once per stream.
      if (!sent_.insert(next->name()).second && !first) continue;
      first = false;
      google::protobuf::FileDescriptorProto proto;
      next->CopyTo(&proto);
      files->add_file_descriptor_proto(proto.SerializeAsString());
      for (int i = 0; i < next->dependency_count(); ++i) {
        pending.push_back(next->dependency(i));
      }
    }
  }

  static void Error(grpc::StatusCode code, const char* message,
                    ServerReflectionResponse& response) {
    response.mutable_error_response()->set_error_code(code);
    response.mutable_error_response()->set_error_message(message);
  }

  const std::vector<std::string>& services_;
  std::set<std::string> sent_;
  ServerReflectionRequest request_;
  ServerReflectionResponse response_;
};

}  // namespace

ReflectionV1Service::ReflectionV1Service(std::vector<std::string> services)
    : services_(std::move(services)) {}

grpc::ServerBidiReactor<ServerReflectionRequest, ServerReflectionResponse>*
ReflectionV1Service::ServerReflectionInfo(grpc::CallbackServerContext*) {
  return new ReflectionStream(services_);
}

}  // namespace suppliers
