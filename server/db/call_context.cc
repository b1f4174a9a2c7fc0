// Owns the per-call state that the gRPC side and the database side share:
// the call's deadlines, whether it was cancelled, and the connection its SQL
// is running on (or being set up on), so that a cancel can reach PostgreSQL.
#include "server/db/call_context.h"

namespace suppliers {

void CallContext::Cancel() {
  cancelled_ = true;
  absl::MutexLock lock(&mu_);
  if (connection_ != nullptr) connection_->Cancel();
}

bool CallContext::attached() const {
  absl::MutexLock lock(&mu_);
  return connection_ != nullptr;
}

void CallContext::Attach(PgConnection* connection) {
  absl::MutexLock lock(&mu_);
  connection_ = connection;
}

void CallContext::Detach() {
  absl::MutexLock lock(&mu_);
  connection_ = nullptr;
}

}  // namespace suppliers
