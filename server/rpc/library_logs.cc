// Owns routing the log lines of the libraries under us (gRPC core,
// libprotobuf) into our one JSON log format.
#include "server/rpc/library_logs.h"

#include <grpc/support/log.h>

#include <string>

#include "google/protobuf/stubs/logging.h"
#include "server/base/log.h"

namespace suppliers {
namespace {

void GrpcCoreLog(gpr_log_func_args* args) {
  const LogLevel level =
      args->severity == GPR_LOG_SEVERITY_ERROR  ? LogLevel::kError
      : args->severity == GPR_LOG_SEVERITY_INFO ? LogLevel::kInfo
                                                : LogLevel::kWarning;
  Log(level, args->message,
      {{"source", "grpc"},
       {"file", args->file == nullptr ? "" : args->file},
       {"line", args->line}});
}

void ProtobufLog(google::protobuf::LogLevel severity, const char* file,
                 int line, const std::string& message) {
  const LogLevel level =
      severity >= google::protobuf::LOGLEVEL_ERROR     ? LogLevel::kError
      : severity == google::protobuf::LOGLEVEL_WARNING ? LogLevel::kWarning
                                                       : LogLevel::kInfo;
  Log(level, message,
      {{"source", "protobuf"},
       {"file", file == nullptr ? "" : file},
       {"line", line}});
}

}  // namespace

void RouteLibraryLogsToJson() {
  gpr_set_log_function(GrpcCoreLog);
  google::protobuf::SetLogHandler(ProtobufLog);
}

}  // namespace suppliers
