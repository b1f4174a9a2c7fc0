// Fuzzes the rules of an UploadDrawing stream (UploadProtocol) with
// arbitrary message sequences: each message is a length-prefixed slice of
// the input parsed as an UploadDrawingRequest. Invariants: nothing crashes;
// the byte count never passes the maximum or the declared size; End()
// succeeds only after an end the client chose (finish_write, or the
// declared total_size reached), with the SHA-256 of exactly the accepted
// bytes; after any error every later call fails.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/sha256.h"
#include "server/store/upload_protocol.h"
#include "tests/fuzz/quiet_protobuf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  suppliers::DrawingLimits limits;
  limits.max_bytes = 1 << 16;  // small, so the limit is reached
  suppliers::UploadProtocol protocol(limits);
  suppliers::Sha256 accepted_bytes;
  bool started = false;
  bool dead = false;
  bool finish_written = false;
  size_t at = 0;
  while (at < size) {
    // One byte of length (times 4), then that many bytes of message.
    const size_t length = std::min<size_t>(size - at - 1, data[at] * 4u);
    const std::string wire(reinterpret_cast<const char*>(data + at + 1),
                           length);
    at += 1 + length;
    suppliers::v1::UploadDrawingRequest message;
    if (!message.ParseFromString(wire)) continue;
    const absl::Status status =
        started ? protocol.Accept(message) : protocol.Start(message);
    if (dead && status.ok()) __builtin_trap();
    if (!status.ok()) {
      dead = true;
      continue;
    }
    if (started) accepted_bytes.Update(message.chunk());
    started = true;
    finish_written = protocol.finish_written();
    if (protocol.bytes() > limits.max_bytes) __builtin_trap();
    const auto& header = protocol.header();
    if (header.has_total_size() && protocol.bytes() > header.total_size()) {
      __builtin_trap();
    }
  }
  if (!started) return 0;
  absl::StatusOr<std::string> sha256 = protocol.End();
  if (!sha256.ok()) return 0;
  if (dead) __builtin_trap();
  const auto& header = protocol.header();
  const bool chosen_end =
      finish_written ||
      (header.has_total_size() && protocol.bytes() == header.total_size());
  if (!chosen_end) __builtin_trap();
  if (*sha256 != accepted_bytes.FinishHex()) __builtin_trap();
  if (protocol.End().ok()) __builtin_trap();  // only once
  return 0;
}
