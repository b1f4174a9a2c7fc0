// Owns the import and export reactors: the same shape as the drawing
// upload and download (database_stream.h), over the bulk stores.
#include "server/rpc/bulk_streams.h"

#include <memory>
#include <utility>

#include "server/rpc/database_stream.h"
#include "server/rpc/message_codec.h"

namespace suppliers {
namespace {

// One import. gRPC reads the next message only after StartRead, and we call
// it only once the previous message's rows are with PostgreSQL: the server
// holds one message per import, however long the stream. The rows are
// inserted only when the client half-closes; a malformed message, a bad
// row, a cancel, an idle or expired stream roll everything back.
template <typename Request, typename Response>
class ImportReactor final
    : public DatabaseStream<grpc::ServerReadReactor<grpc::ByteBuffer>> {
 public:
  ImportReactor(grpc::CallbackServerContext* context,
                grpc::ByteBuffer* response, ImportStore& store,
                ImportStore::Table table, const CallRuntime& runtime)
      : DatabaseStream(context, runtime, Request::descriptor()),
        context_(context),
        response_(response),
        store_(store),
        table_(table) {
    if (!admitted()) {
      Refuse();
      return;
    }
    ReadNext();
  }

  void OnReadDone(bool ok) override {
    if (ClientMoved()) return;  // the guard ended the stream
    if (ok) {
      OnWorker([this] { Consume(); });
    } else {
      OnWorker([this] { Complete(); });  // half-close, or a broken call
    }
  }

 private:
  void ReleaseSession() override { import_.reset(); }

  void ReadNext() {
    if (!AwaitClient([this] { StartRead(&incoming_); })) {
      OnWorker([this] { Fail(absl::CancelledError("the import was ended")); });
    }
  }

  absl::Status Open() {
    if (import_ != nullptr) return absl::OkStatus();
    absl::StatusOr<std::unique_ptr<BulkImport>> import =
        store_.Begin(*call_, table_);
    if (!import.ok()) return import.status();
    import_ = *std::move(import);
    return absl::OkStatus();
  }

  void Consume() {
    if (ended()) return Fail(absl::CancelledError("the import was ended"));
    if (absl::Status parsed = ParseMessage(incoming_, &request_);
        !parsed.ok()) {
      return Fail(parsed);
    }
    if (absl::Status opened = Open(); !opened.ok()) return Fail(opened);
    if (absl::Status added = import_->Add(request_); !added.ok()) {
      return Fail(added);
    }
    ReadNext();
  }

  void Complete() {
    // A read also fails when the call is cancelled, broken or ended by the
    // stream guard: that is no end the client chose.
    if (ended() || context_->IsCancelled() || call_->cancelled()) {
      return Fail(absl::CancelledError(
          "the import was cancelled; nothing was imported"));
    }
    if (absl::Status opened = Open(); !opened.ok()) return Fail(opened);
    absl::StatusOr<v1::ImportSummary> summary = import_->Finish();
    import_.reset();
    if (!summary.ok()) return Fail(summary.status());
    Response response;
    *response.mutable_summary() = *std::move(summary);
    FinishOnce(SerializeMessage(response, response_));
  }

  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  ImportStore& store_;
  const ImportStore::Table table_;
  grpc::ByteBuffer incoming_;
  Request request_;
  std::unique_ptr<BulkImport> import_;  // worker threads only
};

// One export: a batch is read from the cursor on a worker, then written;
// the next is read only when the write completed, so a slow reader makes
// the server wait instead of buffering (until the stream guard ends a
// reader that stopped, which closes the cursor).
template <typename Request, typename Response>
class ExportReactor final
    : public DatabaseStream<grpc::ServerWriteReactor<grpc::ByteBuffer>> {
 public:
  ExportReactor(grpc::CallbackServerContext* context,
                const grpc::ByteBuffer* request, ExportStore& store,
                ExportStore::Table table, const CallRuntime& runtime)
      : DatabaseStream(context, runtime, Request::descriptor()),
        store_(store),
        table_(table) {
    if (!admitted()) {
      Refuse();
      return;
    }
    if (absl::Status parsed = ParseMessage(*request, &request_); !parsed.ok()) {
      FinishOnce(parsed);
      return;
    }
    if (absl::Status valid = ExportStore::ValidateFormat(request_.format());
        !valid.ok()) {
      FinishOnce(valid);
      return;
    }
    OnWorker([this] { Begin(); });
  }

  void OnWriteDone(bool ok) override {
    if (ClientMoved()) return;  // the guard ended the stream
    if (!ok) {
      return OnWorker(
          [this] { Fail(absl::CancelledError("the export was cancelled")); });
    }
    OnWorker([this] { Send(); });
  }

 private:
  void ReleaseSession() override { export_.reset(); }

  void Begin() {
    absl::StatusOr<std::unique_ptr<BulkExport>> exported =
        store_.Begin(*call_, table_, request_.format());
    if (!exported.ok()) return Fail(exported.status());
    export_ = *std::move(exported);
    Send();
  }

  void Send() {
    if (call_->cancelled()) {
      return Fail(absl::CancelledError("the export was cancelled"));
    }
    absl::StatusOr<bool> more = export_->Next(&message_);
    if (!more.ok()) return Fail(more.status());
    if (!*more) {
      absl::Status finished = export_->Finish();
      export_.reset();
      return FinishOnce(finished);
    }
    if (absl::Status serialized = SerializeMessage(message_, &outgoing_);
        !serialized.ok()) {
      return Fail(serialized);
    }
    if (!AwaitClient([this] { StartWrite(&outgoing_); })) {
      Fail(absl::CancelledError("the export was ended"));
    }
  }

  ExportStore& store_;
  const ExportStore::Table table_;
  Request request_;
  Response message_;
  grpc::ByteBuffer outgoing_;
  // Used by one thread at a time: each step starts the next only after it
  // is done with it.
  std::unique_ptr<BulkExport> export_;
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* NewImportReactor(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response,
    ImportStore& store, ImportStore::Table table, const CallRuntime& runtime) {
  if (table == ImportStore::Table::kVendors) {
    return new ImportReactor<v1::ImportVendorsRequest,
                             v1::ImportVendorsResponse>(context, response,
                                                        store, table, runtime);
  }
  return new ImportReactor<v1::ImportPartsRequest, v1::ImportPartsResponse>(
      context, response, store, table, runtime);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* NewExportReactor(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    ExportStore& store, ExportStore::Table table, const CallRuntime& runtime) {
  switch (table) {
    case ExportStore::Table::kVendors:
      return new ExportReactor<v1::ExportVendorsRequest,
                               v1::ExportVendorsResponse>(
          context, request, store, table, runtime);
    case ExportStore::Table::kParts:
      return new ExportReactor<v1::ExportPartsRequest, v1::ExportPartsResponse>(
          context, request, store, table, runtime);
    case ExportStore::Table::kPartVendorPairs:
      break;
  }
  return new ExportReactor<v1::ExportPartVendorPairsRequest,
                           v1::ExportPartVendorPairsResponse>(
      context, request, store, table, runtime);
}

}  // namespace suppliers
