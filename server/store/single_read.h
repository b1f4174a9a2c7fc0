// Owns the shape of a read that is one prepared statement: what a store
// decided to run for a request and how the rows become the response. The
// rpc layer sends it through the StatementDriver (no worker thread); tests
// and the worker path run it through the TransactionRunner. Either way the
// same statement runs, read-only, in autocommit, and the same mapping
// answers.
#ifndef SUPPLIERS_SERVER_STORE_SINGLE_READ_H_
#define SUPPLIERS_SERVER_STORE_SINGLE_READ_H_

#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/db/call_context.h"
#include "server/db/result_rows.h"
#include "server/db/transaction_runner.h"

namespace suppliers {

template <typename Response>
struct SingleRead {
  StatementCall statement;
  // Maps the statement's rows (NOT_FOUND for none, say). Runs on the
  // thread that got the rows; must not block.
  absl::AnyInvocable<absl::StatusOr<Response>(const ResultRows&) const> answer;
};

// Runs `read` for `call` on a pooled connection of `transactions`
// (blocking: a worker thread). Errors as TransactionRunner::Run.
template <typename Response>
absl::StatusOr<Response> RunSingleRead(TransactionRunner& transactions,
                                       CallContext& call,
                                       const SingleRead<Response>& read) {
  return transactions.RunFor<Response>(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn, Response& response) {
        absl::StatusOr<Response> answered =
            read.answer(ExecPrepared(txn, read.statement));
        if (!answered.ok()) return answered.status();
        response = *std::move(answered);
        return absl::OkStatus();
      },
      TransactionRunner::Scope::kSingleStatement);
}

// A plan, when the request is valid, run at once: the body of a store's
// synchronous method for a single-statement read.
template <typename Response>
absl::StatusOr<Response> RunSingleRead(
    TransactionRunner& transactions, CallContext& call,
    absl::StatusOr<SingleRead<Response>> read) {
  if (!read.ok()) return read.status();
  return RunSingleRead(transactions, call, *read);
}

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_SINGLE_READ_H_
