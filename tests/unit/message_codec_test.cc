// Tests parsing and serialising wire messages (server/rpc/message_codec.h).
#include "server/rpc/message_codec.h"

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include <string>

#include "gtest/gtest.h"
#include "suppliers/v1/vendor.pb.h"

namespace suppliers {
namespace {

grpc::ByteBuffer BufferOf(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

TEST(MessageCodecTest, RoundTripsAMessage) {
  v1::GetVendorRequest sent;
  sent.set_vendor_id(42);
  grpc::ByteBuffer bytes;
  ASSERT_TRUE(SerializeMessage(sent, &bytes).ok());
  v1::GetVendorRequest received;
  ASSERT_TRUE(ParseMessage(bytes, &received).ok());
  EXPECT_EQ(received.vendor_id(), 42);
}

TEST(MessageCodecTest, AnEmptyMessageIsAValidMessage) {
  v1::GetVendorRequest received;
  received.set_vendor_id(7);
  EXPECT_TRUE(ParseMessage(BufferOf(""), &received).ok());
  EXPECT_EQ(received.vendor_id(), 0);  // cleared, left to validation
}

TEST(MessageCodecTest, NoMessageAtAllSaysSo) {
  v1::GetVendorRequest received;
  const absl::Status status = ParseMessage(grpc::ByteBuffer(), &received);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("no suppliers.v1.GetVendorRequest arrived"),
            absl::string_view::npos)
      << status;
}

TEST(MessageCodecTest, MalformedBytesAreInvalidArgumentNamingTheType) {
  v1::GetVendorRequest received;
  // Field 1 as a varint that never ends.
  const absl::Status status =
      ParseMessage(BufferOf(std::string("\x08\xff\xff", 3)), &received);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("not a valid suppliers.v1.GetVendorRequest"),
            absl::string_view::npos)
      << status;
}

}  // namespace
}  // namespace suppliers
