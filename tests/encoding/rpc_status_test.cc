#include "ptx/encoding/rpc_status.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace ptx::encoding {
namespace {

using std::chrono::milliseconds;

google::protobuf::Any RetryInfoAny(int64_t seconds, int32_t nanos,
                                   const std::string& url = "type.googleapis.com/google.rpc.RetryInfo") {
  google::rpc::RetryInfo info;
  info.mutable_retry_delay()->set_seconds(seconds);
  info.mutable_retry_delay()->set_nanos(nanos);
  google::protobuf::Any any;
  any.set_type_url(url);
  any.set_value(info.SerializeAsString());
  return any;
}

TEST(DecodeRpcStatusTest, RetryInfoOneAndAHalfSeconds) {
  google::rpc::Status status;
  status.set_code(8);  // RESOURCE_EXHAUSTED
  status.set_message("slow down");
  *status.add_details() = RetryInfoAny(1, 500000000);
  auto decoded = DecodeRpcStatus(status.SerializeAsString());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->code, 8);
  EXPECT_EQ(decoded->message, "slow down");
  ASSERT_TRUE(decoded->retry_delay.has_value());
  EXPECT_EQ(*decoded->retry_delay, milliseconds(1500));
}

TEST(DecodeRpcStatusTest, HandWrittenWireBytes) {
  // code (1) = 14, message (2) = "u", details (3) = Any { type_url (1), value (2) = RetryInfo {
  // retry_delay (1) = Duration { seconds (1) = 2 } } }
  const std::string url = "type.googleapis.com/google.rpc.RetryInfo";
  std::string retry_info("\x0a\x02\x08\x02", 4);
  std::string any = "\x0a" + std::string(1, static_cast<char>(url.size())) + url + "\x12" +
                    std::string(1, static_cast<char>(retry_info.size())) + retry_info;
  std::string body = std::string("\x08\x0e\x12\x01u", 5) + "\x1a" +
                     std::string(1, static_cast<char>(any.size())) + any;
  auto decoded = DecodeRpcStatus(body);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->code, 14);
  EXPECT_EQ(decoded->message, "u");
  EXPECT_EQ(decoded->retry_delay, milliseconds(2000));
}

TEST(DecodeRpcStatusTest, OtherDetailsAreIgnored) {
  google::rpc::Status status;
  status.set_code(3);
  google::protobuf::Any other;
  other.set_type_url("type.googleapis.com/google.rpc.BadRequest");
  other.set_value("\x0a\x00");
  *status.add_details() = other;
  auto decoded = DecodeRpcStatus(status.SerializeAsString());
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->code, 3);
  EXPECT_FALSE(decoded->retry_delay.has_value());
}

TEST(DecodeRpcStatusTest, AnyTypeUrlPrefixAndNegativeDelay) {
  google::rpc::Status status;
  *status.add_details() = RetryInfoAny(0, 250000000, "example.com/x/google.rpc.RetryInfo");
  EXPECT_EQ(DecodeRpcStatus(status.SerializeAsString())->retry_delay, milliseconds(250));

  google::rpc::Status negative;
  *negative.add_details() = RetryInfoAny(-5, 0);
  EXPECT_EQ(DecodeRpcStatus(negative.SerializeAsString())->retry_delay, milliseconds(0));

  google::rpc::Status lookalike;
  *lookalike.add_details() = RetryInfoAny(1, 0, "type.googleapis.com/google.rpc.RetryInfoX");
  EXPECT_FALSE(DecodeRpcStatus(lookalike.SerializeAsString())->retry_delay.has_value());
}

TEST(DecodeRpcStatusTest, EmptyAndGarbage) {
  auto empty = DecodeRpcStatus("");
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->code, 0);
  EXPECT_EQ(DecodeRpcStatus(std::string("\x1a\xff\xff", 3)), std::nullopt);
  EXPECT_EQ(DecodeRpcStatus("not a protobuf at all {\"json\": true}"), std::nullopt);
}

TEST(EncodeRpcStatusTest, RoundTrip) {
  RpcStatus in{14, "unavailable", milliseconds(2750)};
  auto out = DecodeRpcStatus(EncodeRpcStatus(in));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->code, 14);
  EXPECT_EQ(out->message, "unavailable");
  EXPECT_EQ(out->retry_delay, milliseconds(2750));

  auto plain = DecodeRpcStatus(EncodeRpcStatus({5, "nope", std::nullopt}));
  ASSERT_TRUE(plain.has_value());
  EXPECT_FALSE(plain->retry_delay.has_value());
}

}  // namespace
}  // namespace ptx::encoding
