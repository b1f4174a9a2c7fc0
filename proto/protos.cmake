# The service's own protos, relative to proto/. Listed explicitly.
set(SUPPLIERS_PROTOS
  suppliers/internal/page_token.proto
  suppliers/v1/annotations.proto
  suppliers/v1/bulk.proto
  suppliers/v1/change_feed.proto
  suppliers/v1/drawing.proto
  suppliers/v1/part.proto
  suppliers/v1/vendor.proto)
