// W3C traceparent parsing and the trace ids made when a caller sends none.
#include "server/rpc/trace_context.h"

#include <set>
#include <string>

#include "gtest/gtest.h"

namespace suppliers {
namespace {

constexpr char kTraceId[] = "4bf92f3577b34da6a3ce929d0e0e4736";

TEST(TraceContextTest, ParsesAVersion00Header) {
  auto trace = ParseTraceparent(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->trace_id, kTraceId);
  EXPECT_EQ(trace->flags, "01");
  EXPECT_TRUE(trace->from_caller);
}

TEST(TraceContextTest, ReadsALaterVersionAsVersion00) {
  auto trace = ParseTraceparent(
      "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-ever");
  ASSERT_TRUE(trace.has_value());
  EXPECT_EQ(trace->trace_id, kTraceId);
}

TEST(TraceContextTest, RefusesMalformedHeaders) {
  for (const char* bad : {
           "",
           "00",
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902bz-01",
       }) {
    EXPECT_FALSE(ParseTraceparent(bad).has_value()) << bad;
  }
}

TEST(TraceContextTest, JoinsTheCallersTraceWithASpanOfItsOwn) {
  const TraceContext trace =
      TraceForCall("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  EXPECT_EQ(trace.trace_id, kTraceId);
  EXPECT_NE(trace.span_id, "00f067aa0ba902b7");
  EXPECT_EQ(trace.span_id.size(), 16u);
  EXPECT_EQ(TraceResponseHeader(trace),
            std::string("00-") + kTraceId + "-" + trace.span_id + "-01");
  EXPECT_EQ(TraceIdOf(TraceResponseHeader(trace)), kTraceId);
}

TEST(TraceContextTest, StartsANewValidTraceWithoutAHeader) {
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    const TraceContext trace = TraceForCall(i % 2 == 0 ? "" : "garbage");
    EXPECT_FALSE(trace.from_caller);
    ASSERT_TRUE(ParseTraceparent(TraceResponseHeader(trace)).has_value())
        << TraceResponseHeader(trace);
    ids.insert(trace.trace_id);
  }
  EXPECT_EQ(ids.size(), 100u);
}

TEST(TraceContextTest, TheDatabaseTagFitsApplicationName) {
  const std::string tag = DatabaseTraceTag(TraceForCall(""));
  EXPECT_LE(tag.size(), 63u);  // PostgreSQL's NAMEDATALEN - 1
  EXPECT_EQ(tag.rfind("suppliers trace=", 0), 0u);
}

}  // namespace
}  // namespace suppliers
