#include "ptx/signing/sls_signature.h"

#include <gtest/gtest.h>

namespace ptx::signing {
namespace {

// ---- v1: the vectors of spec/sls.md ----

SlsRequest ListLogstoresRequest() {
  SlsRequest request;
  request.method = "GET";
  request.path = "/logstores";
  request.headers = {{"x-log-apiversion", "0.6.0"},
                     {"x-log-bodyrawsize", "0"},
                     {"x-log-signaturemethod", "hmac-sha1"},
                     {"Date", "Mon, 3 Jan 2010 08:33:47 GMT"}};
  return request;
}

TEST(SignatureV1Test, ListLogstoresVector) {
  SlsRequest request = ListLogstoresRequest();
  EXPECT_EQ(SignatureV1StringToSign(request),
            "GET\n\n\nMon, 3 Jan 2010 08:33:47 GMT\n"
            "x-log-apiversion:0.6.0\nx-log-bodyrawsize:0\nx-log-signaturemethod:hmac-sha1\n"
            "/logstores");
  EXPECT_EQ(SignV1("mockAccessKeySecret", request), "Rwm6cTKzoti4HWoe+GKcb6Kv07E=");
}

constexpr const char* kPostStringToSign =
    "POST\nCE688F8D1AC3ED309BA9BE0A5ABAFCE5\napplication/json\nThu, 01 Jan 1970 00:00:00 GMT\n"
    "x-log-apiversion:0.6.0\nx-log-signaturemethod:hmac-sha1\n"
    "/logstores/test-logstore?line=100&offset=0&type=log";
constexpr const char* kPostStringToSignWithToken =
    "POST\nCE688F8D1AC3ED309BA9BE0A5ABAFCE5\napplication/json\nThu, 01 Jan 1970 00:00:00 GMT\n"
    "x-acs-security-token:test-security-token\n"
    "x-log-apiversion:0.6.0\nx-log-signaturemethod:hmac-sha1\n"
    "/logstores/test-logstore?line=100&offset=0&type=log";

SlsRequest GetLogsRequest() {
  SlsRequest request;
  request.method = "POST";
  request.path = "/logstores/test-logstore";
  request.query = {{"type", "log"}, {"offset", "0"}, {"line", "100"}};
  request.headers = {{"Content-MD5", "CE688F8D1AC3ED309BA9BE0A5ABAFCE5"},
                     {"Content-Type", "application/json"},
                     {"Date", "Thu, 01 Jan 1970 00:00:00 GMT"},
                     {"x-log-signaturemethod", "hmac-sha1"},
                     {"x-log-apiversion", "0.6.0"}};
  return request;
}

TEST(SignatureV1Test, StringToSignVectors) {
  EXPECT_EQ(SignV1StringToSign("test-access-key", kPostStringToSign),
            "4pL2xZJERC3tPKtRiHh9+nMG3tI=");
  EXPECT_EQ(SignV1StringToSign("test-access-key", kPostStringToSignWithToken),
            "ZQt+0wIvpd+O9yIJKeKxZTJ2hv0=");
}

TEST(SignatureV1Test, RequestReproducesStringToSignVectors) {
  SlsRequest request = GetLogsRequest();
  EXPECT_EQ(SignatureV1StringToSign(request), kPostStringToSign);
  EXPECT_EQ(SignV1("test-access-key", request), "4pL2xZJERC3tPKtRiHh9+nMG3tI=");

  request.headers.emplace_back("x-acs-security-token", "test-security-token");
  EXPECT_EQ(SignatureV1StringToSign(request), kPostStringToSignWithToken);
  EXPECT_EQ(SignV1("test-access-key", request), "ZQt+0wIvpd+O9yIJKeKxZTJ2hv0=");
}

TEST(SignatureV1Test, Authorization) {
  EXPECT_EQ(AuthorizationV1("mockAccessKeyId", "Rwm6cTKzoti4HWoe+GKcb6Kv07E="),
            "LOG mockAccessKeyId:Rwm6cTKzoti4HWoe+GKcb6Kv07E=");
}

// ---- v1: canonicalization ----

TEST(SignatureV1Test, HeaderNamesAreLowercasedAndSorted) {
  SlsRequest request = ListLogstoresRequest();
  request.headers = {{"X-Log-SignatureMethod", "hmac-sha1"},
                     {"date", "Mon, 3 Jan 2010 08:33:47 GMT"},
                     {"X-LOG-BODYRAWSIZE", "0"},
                     {"x-Log-ApiVersion", "0.6.0"}};
  EXPECT_EQ(SignV1("mockAccessKeySecret", request), "Rwm6cTKzoti4HWoe+GKcb6Kv07E=");
}

TEST(SignatureV1Test, OnlyLogAndAcsHeadersAreSigned) {
  SlsRequest request = ListLogstoresRequest();
  request.headers.emplace_back("Host", "project.cn-hangzhou.log.aliyuncs.com");
  request.headers.emplace_back("User-Agent", "ptx");
  request.headers.emplace_back("Content-Length", "0");
  request.headers.emplace_back("x-logx", "not a log header");
  EXPECT_EQ(SignV1("mockAccessKeySecret", request), "Rwm6cTKzoti4HWoe+GKcb6Kv07E=");

  request.headers.emplace_back("x-acs-extra", "v");
  EXPECT_EQ(CanonicalizedLogHeadersV1(request),
            "x-acs-extra:v\nx-log-apiversion:0.6.0\nx-log-bodyrawsize:0\n"
            "x-log-signaturemethod:hmac-sha1\n");
}

TEST(SignatureV1Test, MetaHeadersAndLogDateAreExcluded) {
  SlsRequest request = ListLogstoresRequest();
  request.headers.emplace_back("x-log-meta-owner", "me");
  request.headers.emplace_back("X-Log-Meta-Other", "you");
  request.headers.emplace_back("x-log-date", "Mon, 3 Jan 2010 08:33:47 GMT");
  EXPECT_EQ(SignV1("mockAccessKeySecret", request), "Rwm6cTKzoti4HWoe+GKcb6Kv07E=");

  EXPECT_EQ(CanonicalizedLogHeadersV1(request, {/*include_meta=*/true, false}),
            "x-log-apiversion:0.6.0\nx-log-bodyrawsize:0\nx-log-meta-other:you\n"
            "x-log-meta-owner:me\nx-log-signaturemethod:hmac-sha1\n");
  EXPECT_EQ(CanonicalizedLogHeadersV1(request, {false, /*include_log_date=*/true}),
            "x-log-apiversion:0.6.0\nx-log-bodyrawsize:0\n"
            "x-log-date:Mon, 3 Jan 2010 08:33:47 GMT\nx-log-signaturemethod:hmac-sha1\n");
}

TEST(SignatureV1Test, CanonicalizedResource) {
  SlsRequest request;
  request.path = "/logstores/app/shards/0";
  EXPECT_EQ(CanonicalizedResourceV1(request), "/logstores/app/shards/0");

  // Decoded values, sorted keys, "k=" for an empty value.
  request.query = {{"type", "cursor"}, {"from", "begin"}, {"empty", ""}, {"q", "a b&c=*"}};
  EXPECT_EQ(CanonicalizedResourceV1(request),
            "/logstores/app/shards/0?empty=&from=begin&q=a b&c=*&type=cursor");
}

TEST(SignatureV1Test, MissingMd5AndTypeLeaveEmptyLines) {
  SlsRequest request;
  request.method = "DELETE";
  request.path = "/logstores/x";
  request.headers = {{"Date", "Thu, 01 Jan 1970 00:00:00 GMT"}};
  EXPECT_EQ(SignatureV1StringToSign(request),
            "DELETE\n\n\nThu, 01 Jan 1970 00:00:00 GMT\n/logstores/x");
}

TEST(DigestTest, BodyDigests) {
  EXPECT_EQ(ContentMd5Hex(""), "D41D8CD98F00B204E9800998ECF8427E");
  EXPECT_EQ(ContentMd5Hex("hello"), "5D41402ABC4B2A76B9719D911017C592");
  EXPECT_EQ(ContentSha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ContentSha256Hex("adasd= -asd zcas"),
            ContentSha256Hex(std::string_view("adasd= -asd zcas")));
  EXPECT_EQ(ContentSha256Hex("hello"),
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
}

// ---- v4 ----

constexpr const char* kV4Date = "20220808T032330Z";
constexpr const char* kV4Body = "adasd= -asd zcas";

// A request as the signer sees it after adding x-log-date and x-log-content-sha256.
SlsRequest V4Request(std::string method, std::string path, std::string_view body) {
  SlsRequest request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.body = body;
  request.headers = {{"x-log-content-sha256", ContentSha256Hex(body)}, {"x-log-date", kV4Date}};
  return request;
}

TEST(SignatureV4Test, SpecVector) {
  SlsRequest request = V4Request("POST", "/logstores", kV4Body);
  std::string sha = ContentSha256Hex(kV4Body);
  EXPECT_EQ(CanonicalRequestV4(request), "POST\n/logstores\n\nx-log-content-sha256:" + sha +
                                             "\nx-log-date:20220808T032330Z\n\n"
                                             "x-log-content-sha256;x-log-date\n" + sha);
  std::string signature = SignV4("zxasdasdasw2", "cn-shanghai", request, kV4Date);
  EXPECT_EQ(signature, "8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8");
  EXPECT_EQ(ScopeV4(kV4Date, "cn-shanghai"), "20220808/cn-shanghai/sls/aliyun_v4_request");
  EXPECT_EQ(AuthorizationV4("acsddda21dsd", ScopeV4(kV4Date, "cn-shanghai"), signature),
            "SLS4-HMAC-SHA256 Credential=acsddda21dsd/20220808/cn-shanghai/sls/aliyun_v4_request,"
            "Signature=8a10a5e723cb2e75964816de660b2c16a58af8bc0261f7f0722d832468c76ce8");
  EXPECT_EQ(SigningKeyV4("zxasdasdasw2", kV4Date, "cn-shanghai").size(), 32u);
  EXPECT_EQ(SigningKeyV4("zxasdasdasw2", kV4Date, "cn-shanghai"),
            SigningKeyV4("zxasdasdasw2", "20220808", "cn-shanghai"));
}

// The official Python SDK's own v4 vectors (region cn-hangzhou): odd header names and values,
// query keys with spaces, an empty key, an empty value, and reserved characters.
SlsRequest PythonSdkRequest(std::string method, std::string path, std::string_view body) {
  SlsRequest request = V4Request(std::move(method), std::move(path), body);
  request.headers.insert(request.headers.begin(), {{"hello", "world"},
                                                   {"hello-Text", "a12X- "},
                                                   {" Ko ", ""},
                                                   {"x-log-test", "het123"},
                                                   {"x-acs-ppp", "dds"}});
  request.query = {{" abc", "efg"}, {" agc ", ""}, {"", "efg"}, {"A-bc", "eFg"}};
  return request;
}

TEST(SignatureV4Test, PythonSdkVectors) {
  EXPECT_EQ(SignV4("zxasdasdasw2", "cn-hangzhou", PythonSdkRequest("POST", "/logstores", kV4Body),
                   kV4Date),
            "a98f5632e93836e63839cd836a54055f480020a9364ca944e2d34f2eb9bf1bed");
  EXPECT_EQ(SignV4("zxasdasdasw2", "cn-hangzhou", PythonSdkRequest("POST", "/logstores", ""),
                   kV4Date),
            "5a66d8f8051983e0e9d08e0f960ef9252ef971eead5bb5c7acec8617a2eb2701");
  EXPECT_EQ(SignV4("zxasdasdasw2", "cn-hangzhou", PythonSdkRequest("GET", "/logstores", ""),
                   kV4Date),
            "d92741852500791d662a8d469ff61627c0559ecd86c3f59b7bf6772b6c62666a");

  SlsRequest reserved = PythonSdkRequest("POST", "/logstores/hello/a+*~bb/cc", kV4Body);
  reserved.query.emplace_back("abs-ij*asd/vc", "a~js+d ada");
  reserved.query.emplace_back("a abAas123/vc", "a~jdad a2ADFs+d ada");
  EXPECT_EQ(SignV4("zxasdasdasw2", "cn-hangzhou", reserved, kV4Date),
            "2c204068e961a8813a6bcf7ac422f7fa6e9bf9a5da493e0165dfe100854d18ff");
}

TEST(SignatureV4Test, UriEncode) {
  EXPECT_EQ(V4UriEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(V4UriEncode("a b*c"), "a%20b%2Ac");
  EXPECT_EQ(V4UriEncode("123abc!@#$%^&*()-=_+ ~|\\/"),
            "123abc%21%40%23%24%25%5E%26%2A%28%29-%3D_%2B%20~%7C%5C%2F");
  // UTF-8 bytes, a NUL and an already-escaped "%20" (escaped again).
  const std::string text("%20\xe4\xbd\xa0\x00\xf0\x9f\x98\x93", 11);
  EXPECT_EQ(V4UriEncode(text), "%2520%E4%BD%A0%00%F0%9F%98%93");
}

TEST(SignatureV4Test, CanonicalQuery) {
  SlsRequest request;
  EXPECT_EQ(CanonicalQueryV4(request), "");
  request.query = {{"type", "log"}, {"query", "a b*"}, {"empty", ""}, {"B", "x"}};
  // Raw keys sorted bytewise (uppercase first); an empty value leaves the key alone.
  EXPECT_EQ(CanonicalQueryV4(request), "B=x&empty&query=a%20b%2A&type=log");
}

TEST(SignatureV4Test, CanonicalHeaders) {
  SlsRequest request;
  request.headers = {{"X-Log-Date", kV4Date},
                     {"Content-Type", "application/x-protobuf"},
                     {"HOST", " proj.cn-hangzhou.log.aliyuncs.com "},
                     {"x-acs-security-token", "tok"},
                     {"x-log-meta-owner", "me"},
                     {"Content-Length", "10"},
                     {"Content-MD5", "ABC"},
                     {"User-Agent", "ptx"},
                     {"x-log-bodyrawsize", " 10\t"}};
  EXPECT_EQ(SignedHeadersV4(request),
            "content-type;host;x-acs-security-token;x-log-bodyrawsize;x-log-date");
  EXPECT_EQ(CanonicalHeadersV4(request),
            "content-type:application/x-protobuf\nhost:proj.cn-hangzhou.log.aliyuncs.com\n"
            "x-acs-security-token:tok\nx-log-bodyrawsize:10\nx-log-date:20220808T032330Z\n");
  EXPECT_EQ(SignedHeadersV4(request, /*include_meta=*/true),
            "content-type;host;x-acs-security-token;x-log-bodyrawsize;x-log-date;x-log-meta-owner");
}

TEST(SignatureV4Test, HeaderCaseAndOrderDoNotMatter) {
  SlsRequest a = V4Request("POST", "/logstores", kV4Body);
  SlsRequest b = a;
  b.headers = {{"X-LOG-DATE", kV4Date}, {"X-Log-Content-Sha256", ContentSha256Hex(kV4Body)}};
  EXPECT_EQ(SignV4("zxasdasdasw2", "cn-shanghai", b, kV4Date),
            SignV4("zxasdasdasw2", "cn-shanghai", a, kV4Date));
}

}  // namespace
}  // namespace ptx::signing
