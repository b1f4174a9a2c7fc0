// Owns the size limits of drawings and of their transfer, set by the server
// flags and read by the drawing store and the process wiring.
#ifndef SUPPLIERS_SERVER_STORE_DRAWING_LIMITS_H_
#define SUPPLIERS_SERVER_STORE_DRAWING_LIMITS_H_

#include <cstdint>

namespace suppliers {

// A plain value; copy it freely.
struct DrawingLimits {
  // Largest drawing accepted; an upload is refused as soon as it crosses it.
  int64_t max_bytes = int64_t{512} << 20;
  // Bytes per download message.
  int chunk_bytes = 64 << 10;
  // Bytes read from PostgreSQL per query while downloading: the server's
  // buffer per download. Larger blocks mean fewer round trips.
  int read_block_bytes = 1 << 20;
};

// Most bytes in one upload message (gRPC's receive limit is set above it).
inline constexpr int kMaxUploadChunkBytes = 4 << 20;

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_DRAWING_LIMITS_H_
