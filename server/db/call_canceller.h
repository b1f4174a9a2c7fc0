// Owns delivering cancellations to PostgreSQL until they take effect. A
// cancel request stops only the statement running when it arrives; one
// that reaches the backend between two statements of a call is ignored, and
// the call's next statement would then run on until its timeout (holding a
// lock wait, say, for the call's whole deadline). So the canceller repeats
// the request while the call is still on a connection.
#ifndef SUPPLIERS_SERVER_DB_CALL_CANCELLER_H_
#define SUPPLIERS_SERVER_DB_CALL_CANCELLER_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/db/call_context.h"

namespace suppliers {

// Thread-safe. One thread; each cancel request is a short round trip to the
// postmaster, never made on the caller's thread.
class CallCanceller {
 public:
  explicit CallCanceller(absl::Duration repeat_every = absl::Milliseconds(50));
  CallCanceller(const CallCanceller&) = delete;
  CallCanceller& operator=(const CallCanceller&) = delete;
  // Stops the thread; calls still being cancelled are dropped.
  ~CallCanceller();

  // Cancels `call` (CallContext::Cancel) at once, and again every
  // `repeat_every` while the call stays attached to a connection. Returns
  // at once.
  void Cancel(std::shared_ptr<CallContext> call);

 private:
  void Loop();

  const absl::Duration repeat_every_;
  absl::Mutex mu_;
  absl::CondVar wakeup_;
  std::vector<std::shared_ptr<CallContext>> fresh_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_CALL_CANCELLER_H_
