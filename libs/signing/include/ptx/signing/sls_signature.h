// The SLS request signatures themselves: v1 (HMAC-SHA1 over a canonical string, base64) and v4
// (HMAC-SHA256 with a derived key, hex). Pure functions of the request; sls_auth.h builds the
// headers around them and verifies incoming requests.
//
//   std::string sig = ptx::signing::SignV1(secret, request);
//   SetHeader(request, "Authorization", ptx::signing::AuthorizationV1(ak_id, sig));
#pragma once

#include <string>
#include <string_view>

#include "ptx/signing/sls_request.h"

namespace ptx::signing {

inline constexpr std::string_view kSlsApiVersion = "0.6.0";
inline constexpr std::string_view kV1SignatureMethod = "hmac-sha1";
inline constexpr std::string_view kV4Algorithm = "SLS4-HMAC-SHA256";

// Digests of the body as sent: Content-MD5 (uppercase hex) and x-log-content-sha256 (lowercase).
std::string ContentMd5Hex(std::string_view body);
std::string ContentSha256Hex(std::string_view body);

// ---- Signature v1 ----------------------------------------------------------------------------

// Which headers besides the spec's set enter the v1 canonical headers. The spec leaves out
// x-log-meta-* and x-log-date; a verifier also tries them in, as older SDKs signed them.
struct V1HeaderOptions {
  bool include_meta = false;      // sign x-log-meta-* headers
  bool include_log_date = false;  // sign x-log-date (a client that re-signs a retried request)
};

// VERB \n CONTENT-MD5 \n CONTENT-TYPE \n DATE \n CanonicalizedLOGHeaders CanonicalizedResource,
// with the MD5, type and date taken from the request's headers (empty when absent).
std::string SignatureV1StringToSign(const SlsRequest& request, V1HeaderOptions options = {});
// The x-log-/x-acs- lines ("name:value\n", lowercase names, sorted).
std::string CanonicalizedLogHeadersV1(const SlsRequest& request, V1HeaderOptions options = {});
// path, or path?k=v&k2=v2 (decoded values, sorted by key, "k=" when empty).
std::string CanonicalizedResourceV1(const SlsRequest& request);
// base64(HMAC-SHA1(secret, string to sign)).
std::string SignV1(std::string_view secret, const SlsRequest& request);
std::string SignV1StringToSign(std::string_view secret, std::string_view string_to_sign);
// "LOG {ak_id}:{signature}".
std::string AuthorizationV1(std::string_view access_key_id, std::string_view signature);

// ---- Signature v4 ----------------------------------------------------------------------------

// RFC 3986 percent-encoding of a query value: A-Za-z0-9-_.~ kept, every other byte %XX (uppercase).
std::string V4UriEncode(std::string_view text);
// Keys sorted (raw), values encoded, "k=v" or "k" when the encoded value is empty, joined by &.
std::string CanonicalQueryV4(const SlsRequest& request);
// The signed header names ("content-type;host;x-log-date;...") and their "name:value\n" lines:
// content-type, host, x-log-* (x-log-meta-* only when include_meta) and x-acs-*, values trimmed.
std::string SignedHeadersV4(const SlsRequest& request, bool include_meta = false);
std::string CanonicalHeadersV4(const SlsRequest& request, bool include_meta = false);
// METHOD \n PATH \n QUERY \n CANONICAL_HEADERS \n SIGNED_HEADERS \n hex sha256(body).
std::string CanonicalRequestV4(const SlsRequest& request, bool include_meta = false);
// "{YYYYMMDD}/{region}/sls/aliyun_v4_request"; `date` may be the full x-log-date.
std::string ScopeV4(std::string_view date, std::string_view region);
// SLS4-HMAC-SHA256 \n x-log-date \n scope \n hex sha256(canonical request).
std::string StringToSignV4(const SlsRequest& request, std::string_view region,
                           std::string_view x_log_date, bool include_meta = false);
// The raw 32-byte signing key for (secret, YYYYMMDD, region).
std::string SigningKeyV4(std::string_view secret, std::string_view date, std::string_view region);
// hex(HMAC-SHA256(SigningKeyV4(secret, date, region), string_to_sign)).
std::string SignV4StringToSign(std::string_view secret, std::string_view region,
                               std::string_view date, std::string_view string_to_sign);
// hex(HMAC-SHA256(signing key, string to sign)). The request must already carry the
// x-log-date and x-log-content-sha256 headers, which are signed like every x-log- header.
std::string SignV4(std::string_view secret, std::string_view region, const SlsRequest& request,
                   std::string_view x_log_date);
// "SLS4-HMAC-SHA256 Credential={ak_id}/{scope},Signature={signature}".
std::string AuthorizationV4(std::string_view access_key_id, std::string_view scope,
                            std::string_view signature);

}  // namespace ptx::signing
