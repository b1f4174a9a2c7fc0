// Owns the reactors of the bulk methods: imports (client streaming: each
// message staged through COPY before the next is read) and exports (server
// streaming: one batch read per write, one write outstanding), shared by
// VendorService and PartService.
#ifndef SUPPLIERS_SERVER_RPC_BULK_STREAMS_H_
#define SUPPLIERS_SERVER_RPC_BULK_STREAMS_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include "server/rpc/call_runtime.h"
#include "server/store/bulk_export.h"
#include "server/store/bulk_import.h"

namespace suppliers {

// ImportVendors (`table` kVendors) or ImportParts (kParts). The reactor
// deletes itself when done.
grpc::ServerReadReactor<grpc::ByteBuffer>* NewImportReactor(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
    ImportStore& store, ImportStore::Table table, const CallRuntime& runtime);

// ExportVendors, ExportParts or ExportPartVendorPairs, by `table`.
grpc::ServerWriteReactor<grpc::ByteBuffer>* NewExportReactor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    ExportStore& store, ExportStore::Table table, const CallRuntime& runtime);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_BULK_STREAMS_H_
