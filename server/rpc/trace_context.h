// Owns W3C Trace Context for our calls: reading the caller's `traceparent`
// header, making a trace id when there is none or it is malformed, and the
// `traceresponse` header that tells the caller which trace the call was
// logged (and, with --trace_statements, run in PostgreSQL) under.
#ifndef SUPPLIERS_SERVER_RPC_TRACE_CONTEXT_H_
#define SUPPLIERS_SERVER_RPC_TRACE_CONTEXT_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace suppliers {

struct TraceContext {
  std::string trace_id;  // 32 lowercase hex digits, never all zero
  std::string span_id;   // this call's span: 16 lowercase hex digits
  std::string flags;     // 2 hex digits, the caller's (01: sampled)
  bool from_caller = false;
};

// The trace a `traceparent` value names (https://www.w3.org/TR/trace-context/:
// version 00, or a later version read as 00), or nothing when it is not
// well-formed (then a new trace starts). Pure; thread-safe.
std::optional<TraceContext> ParseTraceparent(absl::string_view header);

// The caller's trace when `traceparent` (may be empty) is valid, else a new
// random one; either way with a new span id for this call. Thread-safe.
TraceContext TraceForCall(absl::string_view traceparent);

// "00-<trace_id>-<span_id>-<flags>": the value of `traceresponse`.
std::string TraceResponseHeader(const TraceContext& trace);

// The trace id in a `traceresponse` or `traceparent` value, or "".
std::string TraceIdOf(absl::string_view header);

// The tag a call's database session carries in `application_name` (at most
// 63 bytes, PostgreSQL's limit): "suppliers trace=<trace_id>".
std::string DatabaseTraceTag(const TraceContext& trace);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_TRACE_CONTEXT_H_
