# The service's own protos, relative to proto/. Listed explicitly.
set(SUPPLIERS_PROTOS)
