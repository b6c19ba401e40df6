#include "ptx/signing/sls_auth.h"

#include <array>
#include <vector>

#include "digest.h"
#include "ptx/base/hex.h"
#include "ptx/base/text.h"
#include "ptx/signing/sls_signature.h"

namespace ptx::signing {
namespace {

struct ErrorInfo {
  SlsAuthError error;
  const char* code;
  int http_status;
};

constexpr std::array<ErrorInfo, 6> kErrors = {{
    {SlsAuthError::kMissAccessKeyId, "MissAccessKeyId", 400},
    {SlsAuthError::kUnauthorized, "Unauthorized", 401},
    {SlsAuthError::kSignatureNotMatch, "SignatureNotMatch", 401},
    {SlsAuthError::kRequestTimeTooSkewed, "RequestTimeTooSkewed", 400},
    {SlsAuthError::kInvalidDateFormat, "InvalidDateFormat", 400},
    {SlsAuthError::kMissingDate, "MissingDate", 400},
}};

const ErrorInfo& Info(SlsAuthError error) {
  for (const auto& info : kErrors) {
    if (info.error == error) return info;
  }
  return kErrors[1];
}

Status AuthError(SlsAuthError error, std::string_view detail) {
  const ErrorInfo& info = Info(error);
  std::string message = info.code;
  message.append(": ").append(detail);
  return Status(info.http_status == 401 ? StatusCode::kUnauthenticated
                                        : StatusCode::kInvalidArgument,
                std::move(message));
}

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// Compares without an early exit, so the time taken says nothing about where they differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

bool HasHeaderWithPrefix(const SlsRequest& request, std::string_view prefix) {
  for (const auto& header : request.headers) {
    if (StartsWith(AsciiLower(header.first), prefix)) return true;
  }
  return false;
}

Status CheckSkew(SystemTime signed_at, SystemTime now) {
  auto skew = signed_at > now ? signed_at - now : now - signed_at;
  if (skew > kMaxClockSkew) {
    return AuthError(SlsAuthError::kRequestTimeTooSkewed,
                     "the request time is more than 15 minutes away from the server time");
  }
  return Status::Ok();
}

Status VerifyV1(const SlsRequest& original, std::string_view credentials,
                const SecretLookup& lookup, SystemTime now) {
  size_t colon = credentials.rfind(':');
  if (colon == std::string_view::npos) {
    return AuthError(SlsAuthError::kUnauthorized, "malformed Authorization, expected LOG ak:sig");
  }
  std::string access_key_id(TrimSpaces(credentials.substr(0, colon)));
  std::string_view signature = TrimSpaces(credentials.substr(colon + 1));
  if (access_key_id.empty()) {
    return AuthError(SlsAuthError::kMissAccessKeyId, "no access key id in Authorization");
  }

  // The Python SDK copies Date into x-log-date for proxies that drop Date; the signature still
  // covers the Date value, so a lone x-log-date stands in for it.
  SlsRequest request = original;
  const std::string* date = FindHeader(request, "Date");
  if (date == nullptr) {
    const std::string* log_date = FindHeader(request, "x-log-date");
    if (log_date == nullptr) return AuthError(SlsAuthError::kMissingDate, "missing Date header");
    SetHeader(request, "Date", *log_date);
    date = FindHeader(request, "Date");
  }
  auto signed_at = ParseRfc1123Date(*date);
  if (!signed_at.ok()) {
    return AuthError(SlsAuthError::kInvalidDateFormat, "Date is not an RFC 1123 date: " + *date);
  }
  if (Status skew = CheckSkew(*signed_at, now); !skew.ok()) return skew;

  std::optional<std::string> secret = lookup(access_key_id);
  if (!secret) {
    return AuthError(SlsAuthError::kUnauthorized, "unknown access key id " + access_key_id);
  }
  if (const std::string* md5 = FindHeader(request, "Content-MD5");
      md5 != nullptr && !request.body.empty() &&
      AsciiLower(*md5) != AsciiLower(ContentMd5Hex(request.body))) {
    return AuthError(SlsAuthError::kSignatureNotMatch, "Content-MD5 does not match the body");
  }

  // The spec's canonical form first; the official SDKs sign x-log-meta-* too, and a retried
  // request may carry the x-log-date of its first attempt.
  std::vector<V1HeaderOptions> variants = {{false, false}};
  bool has_meta = HasHeaderWithPrefix(request, "x-log-meta-");
  bool has_log_date = FindHeader(original, "x-log-date") != nullptr;
  if (has_meta) variants.push_back({true, false});
  if (has_log_date) variants.push_back({false, true});
  if (has_meta && has_log_date) variants.push_back({true, true});
  for (const V1HeaderOptions& options : variants) {
    std::string expected = SignV1StringToSign(*secret, SignatureV1StringToSign(request, options));
    if (ConstantTimeEquals(expected, signature)) return Status::Ok();
  }
  return AuthError(SlsAuthError::kSignatureNotMatch,
                   "the request signature we calculated does not match the signature you provided");
}

Status VerifyV4(const SlsRequest& request, std::string_view fields, const SecretLookup& lookup,
                SystemTime now) {
  // "Credential=ak/YYYYMMDD/region/sls/aliyun_v4_request,Signature=hex", fields in any order.
  std::string_view credential, signature;
  bool has_credential = false, has_signature = false;
  while (!fields.empty()) {
    size_t comma = fields.find(',');
    std::string_view field = TrimSpaces(fields.substr(0, comma));
    fields = comma == std::string_view::npos ? std::string_view() : fields.substr(comma + 1);
    size_t eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view name = TrimSpaces(field.substr(0, eq));
    std::string_view value = TrimSpaces(field.substr(eq + 1));
    if (name == "Credential") {
      credential = value;
      has_credential = true;
    } else if (name == "Signature") {
      signature = value;
      has_signature = true;
    }
  }
  if (!has_credential) {
    return AuthError(SlsAuthError::kMissAccessKeyId, "no Credential in Authorization");
  }
  // The access key id is everything before the four scope parts.
  std::array<std::string_view, 4> scope_parts;
  std::string_view rest = credential;
  for (int i = 3; i >= 0; --i) {
    size_t slash = rest.rfind('/');
    if (slash == std::string_view::npos) {
      return AuthError(SlsAuthError::kUnauthorized, "malformed Credential in Authorization");
    }
    scope_parts[i] = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
  }
  std::string access_key_id(rest);
  if (access_key_id.empty()) {
    return AuthError(SlsAuthError::kMissAccessKeyId, "no access key id in Authorization");
  }
  if (scope_parts[0].size() != 8 || scope_parts[1].empty() || scope_parts[2] != "sls" ||
      scope_parts[3] != "aliyun_v4_request") {
    return AuthError(SlsAuthError::kUnauthorized, "malformed credential scope in Authorization");
  }
  if (!has_signature || signature.empty()) {
    return AuthError(SlsAuthError::kUnauthorized, "no Signature in Authorization");
  }

  const std::string* log_date = FindHeader(request, "x-log-date");
  if (log_date == nullptr) {
    return AuthError(SlsAuthError::kMissingDate, "missing x-log-date header");
  }
  auto signed_at = ParseV4DateTime(*log_date);
  if (!signed_at.ok()) {
    return AuthError(SlsAuthError::kInvalidDateFormat,
                     "x-log-date is not YYYYMMDDTHHMMSSZ: " + *log_date);
  }
  if (Status skew = CheckSkew(*signed_at, now); !skew.ok()) return skew;
  if (scope_parts[0] != std::string_view(*log_date).substr(0, 8)) {
    return AuthError(SlsAuthError::kSignatureNotMatch,
                     "the credential scope date does not match x-log-date");
  }

  std::optional<std::string> secret = lookup(access_key_id);
  if (!secret) {
    return AuthError(SlsAuthError::kUnauthorized, "unknown access key id " + access_key_id);
  }
  if (const std::string* sha = FindHeader(request, "x-log-content-sha256");
      sha != nullptr && AsciiLower(*sha) != ContentSha256Hex(request.body)) {
    return AuthError(SlsAuthError::kSignatureNotMatch,
                     "x-log-content-sha256 does not match the body");
  }

  std::string region(scope_parts[1]);
  std::string key = SigningKeyV4(*secret, *log_date, region);
  std::string provided = AsciiLower(signature);
  bool variants[] = {false, true};
  bool has_meta = HasHeaderWithPrefix(request, "x-log-meta-");
  for (bool include_meta : variants) {
    if (include_meta && !has_meta) break;
    std::string expected = HexEncode(
        internal::HmacSha256(key, StringToSignV4(request, region, *log_date, include_meta)));
    if (ConstantTimeEquals(expected, provided)) return Status::Ok();
  }
  return AuthError(SlsAuthError::kSignatureNotMatch,
                   "the request signature we calculated does not match the signature you provided");
}

}  // namespace

void SignRequestV1(SlsRequest& request, const SlsCredentials& credentials, SystemTime now) {
  if (!credentials.security_token.empty()) {
    SetHeader(request, "x-acs-security-token", credentials.security_token);
  }
  SetHeader(request, "x-log-apiversion", std::string(kSlsApiVersion));
  SetHeader(request, "x-log-signaturemethod", std::string(kV1SignatureMethod));
  SetHeader(request, "Date", Rfc1123Date(now));
  if (request.body.empty()) {
    RemoveHeader(request, "Content-MD5");
  } else {
    SetHeader(request, "Content-MD5", ContentMd5Hex(request.body));
  }
  SetHeader(request, "Authorization",
            AuthorizationV1(credentials.access_key_id,
                            SignV1(credentials.access_key_secret, request)));
}

void SignRequestV4(SlsRequest& request, const SlsCredentials& credentials, std::string_view region,
                   SystemTime now) {
  // A request signed before with v1 must not carry v1's headers into the v4 canonical form.
  RemoveHeader(request, "Date");
  RemoveHeader(request, "Content-MD5");
  RemoveHeader(request, "x-log-signaturemethod");
  RemoveHeader(request, "Authorization");
  if (!credentials.security_token.empty()) {
    SetHeader(request, "x-acs-security-token", credentials.security_token);
  }
  std::string date = V4DateTime(now);
  SetHeader(request, "x-log-apiversion", std::string(kSlsApiVersion));
  SetHeader(request, "x-log-date", date);
  SetHeader(request, "x-log-content-sha256", ContentSha256Hex(request.body));
  std::string signature = SignV4(credentials.access_key_secret, region, request, date);
  SetHeader(request, "Authorization",
            AuthorizationV4(credentials.access_key_id, ScopeV4(date, region), signature));
}

const char* SlsAuthErrorCode(SlsAuthError error) { return Info(error).code; }
int SlsAuthHttpStatus(SlsAuthError error) { return Info(error).http_status; }

Status VerifyAuthorization(const SlsRequest& request, const SecretLookup& lookup, SystemTime now) {
  const std::string* header = FindHeader(request, "Authorization");
  std::string_view authorization = header != nullptr ? TrimSpaces(*header) : std::string_view();
  if (authorization.empty()) {
    return AuthError(SlsAuthError::kMissAccessKeyId, "missing Authorization header");
  }
  if (StartsWith(authorization, "LOG ")) {
    return VerifyV1(request, TrimSpaces(authorization.substr(4)), lookup, now);
  }
  if (StartsWith(authorization, kV4Algorithm) && authorization.size() > kV4Algorithm.size() &&
      authorization[kV4Algorithm.size()] == ' ') {
    return VerifyV4(request, authorization.substr(kV4Algorithm.size() + 1), lookup, now);
  }
  return AuthError(SlsAuthError::kUnauthorized, "unsupported Authorization scheme");
}

std::optional<SlsAuthError> SlsAuthErrorOf(const Status& status) {
  if (status.code() != StatusCode::kUnauthenticated &&
      status.code() != StatusCode::kInvalidArgument) {
    return std::nullopt;
  }
  std::string_view message = status.message();
  std::string_view code = message.substr(0, message.find(':'));
  for (const auto& info : kErrors) {
    if (code == info.code) return info.error;
  }
  return std::nullopt;
}

SlsErrorReply ToSlsErrorReply(const Status& status) {
  SlsErrorReply reply;
  if (std::optional<SlsAuthError> error = SlsAuthErrorOf(status)) {
    reply.http_status = SlsAuthHttpStatus(*error);
    reply.error_code = SlsAuthErrorCode(*error);
    std::string_view message = status.message();
    size_t start = reply.error_code.size() + 2;  // "Code: "
    reply.error_message = std::string(start <= message.size() ? message.substr(start) : "");
    return reply;
  }
  reply.error_message = status.message();
  return reply;
}

}  // namespace ptx::signing
