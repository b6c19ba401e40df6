#include "ptx/signing/sls_auth.h"

#include <gtest/gtest.h>

#include <map>

#include "ptx/signing/sls_signature.h"

namespace ptx::signing {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

SystemTime FromUnix(int64_t unix_seconds) {
  return SystemTime(std::chrono::duration_cast<SystemTime::duration>(seconds(unix_seconds)));
}

const SystemTime kNow = FromUnix(1659929010);  // 2022-08-08T03:23:30Z
constexpr const char* kBody = "\x0a\x05\x08\x01\x12\x01x";  // any bytes

SecretLookup Keys(std::map<std::string, std::string> keys) {
  return [keys = std::move(keys)](std::string_view id) -> std::optional<std::string> {
    auto it = keys.find(std::string(id));
    if (it == keys.end()) return std::nullopt;
    return it->second;
  };
}

const SlsCredentials kKey{"ak-1", "secret-1", ""};
const SlsCredentials kStsKey{"STS.ak-2", "secret-2", "token-2"};
const SecretLookup kLookup = Keys({{"ak-1", "secret-1"}, {"STS.ak-2", "secret-2"}});

SlsRequest PutLogsRequest() {
  SlsRequest request;
  request.method = "POST";
  request.path = "/logstores/app/shards/lb";
  request.body = kBody;
  request.headers = {{"Host", "proj.127.0.0.1"},
                     {"Content-Type", "application/x-protobuf"},
                     {"x-log-bodyrawsize", "7"},
                     {"x-log-compresstype", "lz4"}};
  return request;
}

void ExpectError(const Status& status, SlsAuthError error) {
  ASSERT_FALSE(status.ok());
  std::optional<SlsAuthError> got = SlsAuthErrorOf(status);
  ASSERT_TRUE(got.has_value()) << status.ToString();
  EXPECT_EQ(*got, error) << status.ToString();
}

// ---- signing ----

TEST(SignRequestV1Test, AddsEveryHeader) {
  SlsRequest request = PutLogsRequest();
  SignRequestV1(request, kKey, kNow);
  EXPECT_EQ(*FindHeader(request, "date"), "Mon, 08 Aug 2022 03:23:30 GMT");
  EXPECT_EQ(*FindHeader(request, "content-md5"), ContentMd5Hex(kBody));
  EXPECT_EQ(*FindHeader(request, "x-log-apiversion"), "0.6.0");
  EXPECT_EQ(*FindHeader(request, "x-log-signaturemethod"), "hmac-sha1");
  EXPECT_EQ(FindHeader(request, "x-acs-security-token"), nullptr);
  EXPECT_EQ(*FindHeader(request, "authorization"),
            "LOG ak-1:" + SignV1("secret-1", request));
}

TEST(SignRequestV1Test, TokenAndNoBody) {
  SlsRequest request;
  request.method = "GET";
  request.path = "/logstores";
  request.headers = {{"Content-MD5", "stale"}};
  SignRequestV1(request, kStsKey, kNow);
  EXPECT_EQ(FindHeader(request, "Content-MD5"), nullptr);
  EXPECT_EQ(*FindHeader(request, "x-acs-security-token"), "token-2");
  EXPECT_NE(SignatureV1StringToSign(request).find("x-acs-security-token:token-2\n"),
            std::string::npos);
}

TEST(SignRequestV4Test, AddsEveryHeader) {
  SlsRequest request = PutLogsRequest();
  SignRequestV4(request, kStsKey, "cn-hangzhou", kNow);
  EXPECT_EQ(*FindHeader(request, "x-log-date"), "20220808T032330Z");
  EXPECT_EQ(*FindHeader(request, "x-log-content-sha256"), ContentSha256Hex(kBody));
  EXPECT_EQ(*FindHeader(request, "x-log-apiversion"), "0.6.0");
  EXPECT_EQ(*FindHeader(request, "x-acs-security-token"), "token-2");
  EXPECT_EQ(FindHeader(request, "Date"), nullptr);
  EXPECT_EQ(FindHeader(request, "Content-MD5"), nullptr);
  EXPECT_EQ(FindHeader(request, "x-log-signaturemethod"), nullptr);
  EXPECT_EQ(*FindHeader(request, "Authorization"),
            "SLS4-HMAC-SHA256 Credential=STS.ak-2/20220808/cn-hangzhou/sls/aliyun_v4_request,"
            "Signature=" + SignV4("secret-2", "cn-hangzhou", request, "20220808T032330Z"));
}

TEST(SignRequestV4Test, ResigningAV1RequestDropsV1Headers) {
  SlsRequest request = PutLogsRequest();
  SignRequestV1(request, kKey, kNow);
  SignRequestV4(request, kKey, "cn-hangzhou", kNow);
  EXPECT_TRUE(VerifyAuthorization(request, kLookup, kNow).ok());
  EXPECT_EQ(FindHeader(request, "Date"), nullptr);
}

// ---- round trips ----

TEST(VerifyAuthorizationTest, RoundTrips) {
  for (const SlsCredentials* key : {&kKey, &kStsKey}) {
    SlsRequest v1 = PutLogsRequest();
    SignRequestV1(v1, *key, kNow);
    EXPECT_TRUE(VerifyAuthorization(v1, kLookup, kNow).ok()) << key->access_key_id;

    SlsRequest v4 = PutLogsRequest();
    v4.query = {{"key", "a b*c"}};
    SignRequestV4(v4, *key, "cn-hangzhou", kNow);
    EXPECT_TRUE(VerifyAuthorization(v4, kLookup, kNow).ok()) << key->access_key_id;
  }
}

TEST(VerifyAuthorizationTest, GetWithQueryRoundTrips) {
  SlsRequest request;
  request.method = "GET";
  request.path = "/logstores/app/shards/0";
  request.query = {{"type", "log"}, {"cursor", "MTY1OTkyOTAxMA=="}, {"count", "100"}, {"e", ""}};
  request.headers = {{"Host", "proj.localhost"}, {"Accept-Encoding", "lz4"}};
  SignRequestV1(request, kStsKey, kNow);
  EXPECT_TRUE(VerifyAuthorization(request, kLookup, kNow).ok());
  SignRequestV4(request, kStsKey, "cn-beijing", kNow);
  EXPECT_TRUE(VerifyAuthorization(request, kLookup, kNow).ok());
}

TEST(VerifyAuthorizationTest, HeaderNameCaseDoesNotMatter) {
  SlsRequest request = PutLogsRequest();
  SignRequestV4(request, kKey, "cn-hangzhou", kNow);
  for (auto& header : request.headers) {
    for (char& c : header.first) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  EXPECT_TRUE(VerifyAuthorization(request, kLookup, kNow).ok());
}

// ---- requests signed by the official SDKs (the spec's vectors) ----

TEST(VerifyAuthorizationTest, AcceptsV1Vector) {
  SlsRequest request;
  request.method = "GET";
  request.path = "/logstores";
  request.headers = {{"x-log-apiversion", "0.6.0"},
                     {"x-log-bodyrawsize", "0"},
                     {"x-log-signaturemethod", "hmac-sha1"},
                     {"Date", "Mon, 3 Jan 2010 08:33:47 GMT"},
                     {"Authorization", "LOG mockAccessKeyId:Rwm6cTKzoti4HWoe+GKcb6Kv07E="}};
  SecretLookup lookup = Keys({{"mockAccessKeyId", "mockAccessKeySecret"}});
  SystemTime signed_at = FromUnix(1262507627);
  EXPECT_TRUE(VerifyAuthorization(request, lookup, signed_at + minutes(10)).ok());

  // The Python SDK adds x-log-date (a copy of Date) after signing; a proxy may drop Date.
  request.headers.emplace_back("x-log-date", "Mon, 3 Jan 2010 08:33:47 GMT");
  EXPECT_TRUE(VerifyAuthorization(request, lookup, signed_at).ok());
  RemoveHeader(request, "Date");
  EXPECT_TRUE(VerifyAuthorization(request, lookup, signed_at).ok());
}

TEST(VerifyAuthorizationTest, AcceptsV4Vector) {
  SlsRequest request;
  request.method = "POST";
  request.path = "/logstores";
  request.body = "adasd= -asd zcas";
  request.headers = {
      {"x-log-content-sha256", ContentSha256Hex(request.body)},
      {"x-log-date", "20220808T032330Z"},
      {"Authorization",
       "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-shanghai/sls/aliyun_v4_request,"
       "Signature=8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8"}};
  SecretLookup lookup = Keys({{"acsddda21dsd", "zxasdasdasw2"}});
  EXPECT_TRUE(VerifyAuthorization(request, lookup, kNow).ok());

  // Uppercase hex and spaces after the comma are accepted too.
  SetHeader(request, "Authorization",
            "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-shanghai/sls/aliyun_v4_request, "
            "Signature=8A10A5E723CB2E75964816DE660B2C16A58AF8BC0261F7F0722D832468C76CE8");
  EXPECT_TRUE(VerifyAuthorization(request, lookup, kNow).ok());
}

TEST(VerifyAuthorizationTest, AcceptsMetaHeadersSignedAsTheOfficialSdksDo) {
  // The official SDKs sign x-log-meta-* headers, which the spec's canonical form leaves out.
  SlsRequest v1 = PutLogsRequest();
  v1.headers.emplace_back("x-log-meta-owner", "me");
  SignRequestV1(v1, kKey, kNow);
  SetHeader(v1, "Authorization",
            AuthorizationV1("ak-1", SignV1StringToSign("secret-1", SignatureV1StringToSign(
                                                                       v1, {true, false}))));
  EXPECT_TRUE(VerifyAuthorization(v1, kLookup, kNow).ok());

  SlsRequest v4 = PutLogsRequest();
  v4.headers.emplace_back("x-log-meta-owner", "me");
  SignRequestV4(v4, kKey, "cn-hangzhou", kNow);
  EXPECT_TRUE(VerifyAuthorization(v4, kLookup, kNow).ok());
  std::string date = *FindHeader(v4, "x-log-date");
  std::string signature = SignV4StringToSign(
      "secret-1", "cn-hangzhou", date,
      StringToSignV4(v4, "cn-hangzhou", date, /*include_meta=*/true));
  SetHeader(v4, "Authorization",
            AuthorizationV4("ak-1", ScopeV4(date, "cn-hangzhou"), signature));
  EXPECT_TRUE(VerifyAuthorization(v4, kLookup, kNow).ok());
}

TEST(VerifyAuthorizationTest, AcceptsRetriedV1RequestThatSignedItsOldLogDate) {
  SlsRequest request = PutLogsRequest();
  request.headers.emplace_back("x-log-date", "Mon, 08 Aug 2022 03:20:00 GMT");
  SignRequestV1(request, kKey, kNow);
  SetHeader(request, "Authorization",
            AuthorizationV1("ak-1", SignV1StringToSign("secret-1", SignatureV1StringToSign(
                                                                       request, {false, true}))));
  EXPECT_TRUE(VerifyAuthorization(request, kLookup, kNow).ok());
}

// ---- failures ----

TEST(VerifyAuthorizationTest, WrongSecretIsSignatureNotMatch) {
  SlsCredentials wrong{"ak-1", "not-the-secret", ""};
  SlsRequest v1 = PutLogsRequest();
  SignRequestV1(v1, wrong, kNow);
  Status status = VerifyAuthorization(v1, kLookup, kNow);
  ExpectError(status, SlsAuthError::kSignatureNotMatch);
  EXPECT_EQ(status.code(), StatusCode::kUnauthenticated);
  SlsErrorReply reply = ToSlsErrorReply(status);
  EXPECT_EQ(reply.http_status, 401);
  EXPECT_EQ(reply.error_code, "SignatureNotMatch");
  EXPECT_FALSE(reply.error_message.empty());
  EXPECT_EQ(reply.error_message.find("SignatureNotMatch"), std::string::npos);

  SlsRequest v4 = PutLogsRequest();
  SignRequestV4(v4, wrong, "cn-hangzhou", kNow);
  ExpectError(VerifyAuthorization(v4, kLookup, kNow), SlsAuthError::kSignatureNotMatch);
}

TEST(VerifyAuthorizationTest, UnknownAccessKeyIsUnauthorized) {
  SlsCredentials unknown{"nobody", "secret-1", ""};
  SlsRequest v1 = PutLogsRequest();
  SignRequestV1(v1, unknown, kNow);
  Status status = VerifyAuthorization(v1, kLookup, kNow);
  ExpectError(status, SlsAuthError::kUnauthorized);
  EXPECT_EQ(ToSlsErrorReply(status).http_status, 401);
  EXPECT_EQ(ToSlsErrorReply(status).error_code, "Unauthorized");

  SlsRequest v4 = PutLogsRequest();
  SignRequestV4(v4, unknown, "cn-hangzhou", kNow);
  ExpectError(VerifyAuthorization(v4, kLookup, kNow), SlsAuthError::kUnauthorized);
}

TEST(VerifyAuthorizationTest, SkewOfMoreThanFifteenMinutes) {
  for (auto offset : {minutes(16), -minutes(16)}) {
    SlsRequest v1 = PutLogsRequest();
    SignRequestV1(v1, kKey, kNow);
    Status status = VerifyAuthorization(v1, kLookup, kNow + offset);
    ExpectError(status, SlsAuthError::kRequestTimeTooSkewed);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(ToSlsErrorReply(status).http_status, 400);
    EXPECT_EQ(ToSlsErrorReply(status).error_code, "RequestTimeTooSkewed");

    SlsRequest v4 = PutLogsRequest();
    SignRequestV4(v4, kStsKey, "cn-hangzhou", kNow);
    ExpectError(VerifyAuthorization(v4, kLookup, kNow + offset),
                SlsAuthError::kRequestTimeTooSkewed);
  }
  SlsRequest ok = PutLogsRequest();
  SignRequestV4(ok, kKey, "cn-hangzhou", kNow);
  EXPECT_TRUE(VerifyAuthorization(ok, kLookup, kNow + minutes(14)).ok());
  EXPECT_TRUE(VerifyAuthorization(ok, kLookup, kNow - minutes(15)).ok());
}

TEST(VerifyAuthorizationTest, MissingAuthorizationOrAccessKeyId) {
  SlsRequest request = PutLogsRequest();
  Status status = VerifyAuthorization(request, kLookup, kNow);
  ExpectError(status, SlsAuthError::kMissAccessKeyId);
  EXPECT_EQ(ToSlsErrorReply(status).http_status, 400);
  EXPECT_EQ(ToSlsErrorReply(status).error_code, "MissAccessKeyId");

  SignRequestV1(request, kKey, kNow);
  SetHeader(request, "Authorization", "LOG :abc=");
  ExpectError(VerifyAuthorization(request, kLookup, kNow), SlsAuthError::kMissAccessKeyId);
  SetHeader(request, "Authorization",
            "SLS4-HMAC-SHA256 Credential=/20220808/cn-hangzhou/sls/aliyun_v4_request,Signature=ab");
  ExpectError(VerifyAuthorization(request, kLookup, kNow), SlsAuthError::kMissAccessKeyId);
  SetHeader(request, "Authorization", "SLS4-HMAC-SHA256 Signature=ab");
  ExpectError(VerifyAuthorization(request, kLookup, kNow), SlsAuthError::kMissAccessKeyId);
}

TEST(VerifyAuthorizationTest, MalformedAuthorizationIsUnauthorized) {
  SlsRequest request = PutLogsRequest();
  SignRequestV4(request, kKey, "cn-hangzhou", kNow);
  for (const char* authorization :
       {"Bearer abc", "LOG ak-1", "LOGak-1:sig", "SLS4-HMAC-SHA256 Credential=ak-1,Signature=ab",
        "SLS4-HMAC-SHA256 Credential=ak-1/20220808/cn-hangzhou/oss/aliyun_v4_request,Signature=ab",
        "SLS4-HMAC-SHA256 Credential=ak-1/20220808/cn-hangzhou/sls/aliyun_v4_request"}) {
    SetHeader(request, "Authorization", authorization);
    ExpectError(VerifyAuthorization(request, kLookup, kNow), SlsAuthError::kUnauthorized);
  }
}

TEST(VerifyAuthorizationTest, DateProblems) {
  SlsRequest v1 = PutLogsRequest();
  SignRequestV1(v1, kKey, kNow);
  SetHeader(v1, "Date", "2022-08-08 03:23:30");
  ExpectError(VerifyAuthorization(v1, kLookup, kNow), SlsAuthError::kInvalidDateFormat);
  RemoveHeader(v1, "Date");
  ExpectError(VerifyAuthorization(v1, kLookup, kNow), SlsAuthError::kMissingDate);

  SlsRequest v4 = PutLogsRequest();
  SignRequestV4(v4, kKey, "cn-hangzhou", kNow);
  SetHeader(v4, "x-log-date", "Mon, 08 Aug 2022 03:23:30 GMT");
  ExpectError(VerifyAuthorization(v4, kLookup, kNow), SlsAuthError::kInvalidDateFormat);
  RemoveHeader(v4, "x-log-date");
  ExpectError(VerifyAuthorization(v4, kLookup, kNow), SlsAuthError::kMissingDate);

  // A scope date other than x-log-date's day.
  SlsRequest scope = PutLogsRequest();
  SignRequestV4(scope, kKey, "cn-hangzhou", kNow);
  std::string authorization = *FindHeader(scope, "Authorization");
  authorization.replace(authorization.find("20220808"), 8, "20220807");
  SetHeader(scope, "Authorization", authorization);
  ExpectError(VerifyAuthorization(scope, kLookup, kNow), SlsAuthError::kSignatureNotMatch);
}

TEST(VerifyAuthorizationTest, TamperingIsSignatureNotMatch) {
  const std::string other_body = "something else";
  for (bool v4 : {false, true}) {
    auto sign = [&](SlsRequest& request) {
      if (v4) {
        SignRequestV4(request, kStsKey, "cn-hangzhou", kNow);
      } else {
        SignRequestV1(request, kStsKey, kNow);
      }
    };
    SlsRequest body = PutLogsRequest();
    sign(body);
    body.body = other_body;
    ExpectError(VerifyAuthorization(body, kLookup, kNow), SlsAuthError::kSignatureNotMatch);

    SlsRequest header = PutLogsRequest();
    sign(header);
    SetHeader(header, "x-log-bodyrawsize", "8");
    ExpectError(VerifyAuthorization(header, kLookup, kNow), SlsAuthError::kSignatureNotMatch);

    SlsRequest token = PutLogsRequest();
    sign(token);
    RemoveHeader(token, "x-acs-security-token");
    ExpectError(VerifyAuthorization(token, kLookup, kNow), SlsAuthError::kSignatureNotMatch);

    SlsRequest path = PutLogsRequest();
    sign(path);
    path.path = "/logstores/other/shards/lb";
    ExpectError(VerifyAuthorization(path, kLookup, kNow), SlsAuthError::kSignatureNotMatch);

    SlsRequest query = PutLogsRequest();
    query.query = {{"key", "1"}};
    sign(query);
    query.query = {{"key", "2"}};
    ExpectError(VerifyAuthorization(query, kLookup, kNow), SlsAuthError::kSignatureNotMatch);
  }
}

TEST(SlsAuthErrorTest, CodesAndStatuses) {
  EXPECT_STREQ(SlsAuthErrorCode(SlsAuthError::kMissAccessKeyId), "MissAccessKeyId");
  EXPECT_STREQ(SlsAuthErrorCode(SlsAuthError::kUnauthorized), "Unauthorized");
  EXPECT_STREQ(SlsAuthErrorCode(SlsAuthError::kSignatureNotMatch), "SignatureNotMatch");
  EXPECT_STREQ(SlsAuthErrorCode(SlsAuthError::kRequestTimeTooSkewed), "RequestTimeTooSkewed");
  EXPECT_STREQ(SlsAuthErrorCode(SlsAuthError::kInvalidDateFormat), "InvalidDateFormat");
  EXPECT_STREQ(SlsAuthErrorCode(SlsAuthError::kMissingDate), "MissingDate");
  EXPECT_EQ(SlsAuthHttpStatus(SlsAuthError::kMissAccessKeyId), 400);
  EXPECT_EQ(SlsAuthHttpStatus(SlsAuthError::kUnauthorized), 401);
  EXPECT_EQ(SlsAuthHttpStatus(SlsAuthError::kSignatureNotMatch), 401);
  EXPECT_EQ(SlsAuthHttpStatus(SlsAuthError::kRequestTimeTooSkewed), 400);
  EXPECT_EQ(SlsAuthHttpStatus(SlsAuthError::kInvalidDateFormat), 400);
  EXPECT_EQ(SlsAuthHttpStatus(SlsAuthError::kMissingDate), 400);

  EXPECT_FALSE(SlsAuthErrorOf(Status::Ok()).has_value());
  EXPECT_FALSE(SlsAuthErrorOf(InternalError("SignatureNotMatch: no")).has_value());
  EXPECT_FALSE(SlsAuthErrorOf(InvalidArgumentError("bad request")).has_value());
  SlsErrorReply reply = ToSlsErrorReply(InternalError("boom"));
  EXPECT_EQ(reply.http_status, 500);
  EXPECT_EQ(reply.error_code, "InternalServerError");
  EXPECT_EQ(reply.error_message, "boom");
}

// Found by fuzz/sls_auth: such a Date overflowed the clock conversion (undefined behaviour).
TEST(VerifyAuthorizationTest, DateBeyondTheClockRangeIsInvalidDateFormat) {
  SlsRequest v1 = PutLogsRequest();
  SignRequestV1(v1, kKey, kNow);
  SetHeader(v1, "Date", "Fri, 31 Dec 9999 23:59:59 GMT");
  Status status = VerifyAuthorization(v1, kLookup, kNow);
  ExpectError(status, SlsAuthError::kInvalidDateFormat);
  EXPECT_EQ(ToSlsErrorReply(status).error_message,
            "Date is not an RFC 1123 date: Fri, 31 Dec 9999 23:59:59 GMT");
}

}  // namespace
}  // namespace ptx::signing
