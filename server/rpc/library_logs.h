// Owns routing the log lines of the libraries under us (gRPC core,
// libprotobuf) into our one JSON log format, so that a log shipper never
// meets a line it cannot parse (a bind failure, a message with invalid
// UTF-8).
#ifndef SUPPLIERS_SERVER_RPC_LIBRARY_LOGS_H_
#define SUPPLIERS_SERVER_RPC_LIBRARY_LOGS_H_

namespace suppliers {

// Installs the handlers. Call once, early in main, before any thread that
// might log starts (neither library's setter is thread-safe).
void RouteLibraryLogsToJson();

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_LIBRARY_LOGS_H_
