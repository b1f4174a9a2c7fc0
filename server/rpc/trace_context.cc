// Owns W3C Trace Context parsing and generation (see trace_context.h).
#include "server/rpc/trace_context.h"

#include <random>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace suppliers {
namespace {

bool IsLowerHex(absl::string_view text, size_t length) {
  if (text.size() != length) return false;
  for (char c : text) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool AllZero(absl::string_view text) {
  return text.find_first_not_of('0') == absl::string_view::npos;
}

std::string RandomHex(size_t digits) {
  thread_local std::mt19937_64 random(std::random_device{}());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  while (true) {
    text.clear();
    for (size_t i = 0; i < digits; ++i) text.push_back(kHex[random() & 15]);
    if (!AllZero(text)) return text;
  }
}

}  // namespace

std::optional<TraceContext> ParseTraceparent(absl::string_view header) {
  header = absl::StripAsciiWhitespace(header);
  std::vector<absl::string_view> parts = absl::StrSplit(header, '-');
  if (parts.size() < 4) return std::nullopt;
  const absl::string_view version = parts[0];
  // Version ff is invalid; 00 has exactly four fields; later versions may
  // add fields after the flags, and are read as 00.
  if (!IsLowerHex(version, 2) || version == "ff") return std::nullopt;
  if (version == "00" && parts.size() != 4) return std::nullopt;
  if (!IsLowerHex(parts[1], 32) || AllZero(parts[1])) return std::nullopt;
  if (!IsLowerHex(parts[2], 16) || AllZero(parts[2])) return std::nullopt;
  if (!IsLowerHex(parts[3], 2)) return std::nullopt;
  TraceContext trace;
  trace.trace_id = std::string(parts[1]);
  trace.flags = std::string(parts[3]);
  trace.from_caller = true;
  return trace;
}

TraceContext TraceForCall(absl::string_view traceparent) {
  std::optional<TraceContext> parsed = ParseTraceparent(traceparent);
  TraceContext trace;
  if (parsed.has_value()) {
    trace = *std::move(parsed);
  } else {
    trace.trace_id = RandomHex(32);
    trace.flags = "00";
  }
  trace.span_id = RandomHex(16);
  return trace;
}

std::string TraceResponseHeader(const TraceContext& trace) {
  return absl::StrCat("00-", trace.trace_id, "-", trace.span_id, "-",
                      trace.flags);
}

std::string TraceIdOf(absl::string_view header) {
  std::optional<TraceContext> parsed = ParseTraceparent(header);
  return parsed.has_value() ? parsed->trace_id : "";
}

std::string DatabaseTraceTag(const TraceContext& trace) {
  return absl::StrCat("suppliers trace=", trace.trace_id);
}

}  // namespace suppliers
