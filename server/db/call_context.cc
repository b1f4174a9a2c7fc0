// Owns the per-call state that the gRPC side and the database side share:
// the call's deadline, whether it was cancelled, and the connection its SQL
// is running on (so a cancel can reach PostgreSQL).
#include "server/db/call_context.h"

namespace suppliers {

void CallContext::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (lease_ != nullptr) lease_->Cancel();
}

bool CallContext::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

void CallContext::Attach(ConnectionPool::Lease* lease) {
  absl::MutexLock lock(&mu_);
  lease_ = lease;
}

void CallContext::Detach() {
  absl::MutexLock lock(&mu_);
  lease_ = nullptr;
}

}  // namespace suppliers
