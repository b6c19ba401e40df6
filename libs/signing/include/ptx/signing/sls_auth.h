// Signing outgoing SLS requests (every header a signature needs) and verifying incoming ones
// (either Authorization scheme), with failures that map onto the SLS error codes.
//
//   ptx::signing::SignRequestV1(request, {ak_id, secret, token}, std::chrono::system_clock::now());
//   ptx::Status st = ptx::signing::VerifyAuthorization(request, lookup, now);
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "ptx/base/status.h"
#include "ptx/signing/sls_date.h"
#include "ptx/signing/sls_request.h"

namespace ptx::signing {

// An access key; security_token is the STS token (empty for a long-term key).
struct SlsCredentials {
  std::string access_key_id;
  std::string access_key_secret;
  std::string security_token;  // sent as x-acs-security-token when not empty
};

// Adds Date, Content-MD5 (when there is a body), x-log-apiversion, x-log-signaturemethod,
// x-acs-security-token (with a token) and Authorization, replacing any earlier values. Set
// Content-Type and the x-log- headers (bodyrawsize, compresstype) before calling.
void SignRequestV1(SlsRequest& request, const SlsCredentials& credentials, SystemTime now);

// Adds x-log-date, x-log-content-sha256, x-log-apiversion, x-acs-security-token (with a token)
// and Authorization. A v4 verifier signs every Host and Content-Type header it receives, so
// set both (Host as the server will see it) before calling.
void SignRequestV4(SlsRequest& request, const SlsCredentials& credentials, std::string_view region,
                   SystemTime now);

// Why a request failed verification, one per SLS error code.
enum class SlsAuthError {
  kMissAccessKeyId,       // 400: no Authorization header, or no access key id in it
  kUnauthorized,          // 401: unknown access key id, or an Authorization we cannot parse
  kSignatureNotMatch,     // 401: wrong signature (or a body that does not match its digest)
  kRequestTimeTooSkewed,  // 400: Date / x-log-date more than 15 minutes from now
  kInvalidDateFormat,     // 400: Date / x-log-date unparsable
  kMissingDate,           // 400: no Date (v1) or x-log-date (v4)
};

// "SignatureNotMatch", ...
const char* SlsAuthErrorCode(SlsAuthError error);
// 400 or 401.
int SlsAuthHttpStatus(SlsAuthError error);

inline constexpr std::chrono::seconds kMaxClockSkew{15 * 60};

// The secret of an access key id; nullopt when the id is unknown. Called at most once per
// verification, on the verifying thread.
using SecretLookup = std::function<std::optional<std::string>(std::string_view access_key_id)>;

// Ok when the request carries a valid v1 (`LOG ak:sig`) or v4 (`SLS4-HMAC-SHA256 ...`)
// Authorization dated within 15 minutes of `now`. A failure's message starts with the SLS error
// code ("SignatureNotMatch: ..."); its StatusCode is kUnauthenticated for 401 and
// kInvalidArgument for 400. SlsAuthErrorOf/ToSlsErrorReply recover the details.
Status VerifyAuthorization(const SlsRequest& request, const SecretLookup& lookup, SystemTime now);

// The SlsAuthError of a Status that VerifyAuthorization returned; nullopt for any other Status.
std::optional<SlsAuthError> SlsAuthErrorOf(const Status& status);

// What an SLS server answers for a failed verification: status, errorCode and errorMessage.
struct SlsErrorReply {
  int http_status = 500;
  std::string error_code = "InternalServerError";
  std::string error_message;
};
SlsErrorReply ToSlsErrorReply(const Status& status);

}  // namespace ptx::signing
