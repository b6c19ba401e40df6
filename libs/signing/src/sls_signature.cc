#include "ptx/signing/sls_signature.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "digest.h"
#include "ptx/base/hex.h"
#include "ptx/base/text.h"

namespace ptx::signing {
namespace {

using Pairs = std::vector<std::pair<std::string, std::string>>;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string HeaderOrEmpty(const SlsRequest& request, std::string_view name) {
  const std::string* value = FindHeader(request, name);
  return value != nullptr ? *value : std::string();
}

// Lowercased (name, value) pairs sorted by name; std::string compares bytes as unsigned, which
// is the order the official SDKs produce.
template <typename Keep>
Pairs SortedLowercaseHeaders(const SlsRequest& request, Keep keep) {
  Pairs out;
  for (const auto& [name, value] : request.headers) {
    std::string lower = AsciiLower(name);
    if (keep(lower)) out.emplace_back(std::move(lower), value);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

bool IsV4SignedHeader(std::string_view lower, bool include_meta) {
  if (lower == "content-type" || lower == "host" || StartsWith(lower, "x-acs-")) return true;
  return StartsWith(lower, "x-log-") && (include_meta || !StartsWith(lower, "x-log-meta-"));
}

Pairs V4SignedHeaders(const SlsRequest& request, bool include_meta) {
  return SortedLowercaseHeaders(
      request, [&](const std::string& lower) { return IsV4SignedHeader(lower, include_meta); });
}

Pairs SortedQuery(const SlsRequest& request) {
  Pairs query = request.query;
  std::sort(query.begin(), query.end());
  return query;
}

}  // namespace

std::string ContentMd5Hex(std::string_view body) {
  return HexEncode(internal::Md5(body), /*upper=*/true);
}

std::string ContentSha256Hex(std::string_view body) { return HexEncode(internal::Sha256(body)); }

// ---- v1 ----

std::string CanonicalizedLogHeadersV1(const SlsRequest& request, V1HeaderOptions options) {
  Pairs headers = SortedLowercaseHeaders(request, [&](const std::string& lower) {
    if (StartsWith(lower, "x-acs-")) return true;
    if (!StartsWith(lower, "x-log-")) return false;
    if (StartsWith(lower, "x-log-meta-")) return options.include_meta;
    if (lower == "x-log-date") return options.include_log_date;
    return true;
  });
  std::string out;
  for (const auto& [name, value] : headers) {
    out.append(name).append(":").append(value).append("\n");
  }
  return out;
}

std::string CanonicalizedResourceV1(const SlsRequest& request) {
  std::string out = request.path;
  if (request.query.empty()) return out;
  char separator = '?';
  for (const auto& [key, value] : SortedQuery(request)) {
    out += separator;
    out.append(key).append("=").append(value);
    separator = '&';
  }
  return out;
}

std::string SignatureV1StringToSign(const SlsRequest& request, V1HeaderOptions options) {
  std::string out = request.method;
  out.append("\n").append(HeaderOrEmpty(request, "Content-MD5"));
  out.append("\n").append(HeaderOrEmpty(request, "Content-Type"));
  out.append("\n").append(HeaderOrEmpty(request, "Date"));
  out.append("\n").append(CanonicalizedLogHeadersV1(request, options));
  out.append(CanonicalizedResourceV1(request));
  return out;
}

std::string SignV1StringToSign(std::string_view secret, std::string_view string_to_sign) {
  return Base64Encode(internal::HmacSha1(secret, string_to_sign));
}

std::string SignV1(std::string_view secret, const SlsRequest& request) {
  return SignV1StringToSign(secret, SignatureV1StringToSign(request));
}

std::string AuthorizationV1(std::string_view access_key_id, std::string_view signature) {
  std::string out = "LOG ";
  out.append(access_key_id).append(":").append(signature);
  return out;
}

// ---- v4 ----

std::string V4UriEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string CanonicalQueryV4(const SlsRequest& request) {
  std::string out;
  bool first = true;
  for (const auto& [key, value] : SortedQuery(request)) {
    if (!first) out += '&';
    first = false;
    out += key;
    std::string encoded = V4UriEncode(value);
    if (!encoded.empty()) out.append("=").append(encoded);
  }
  return out;
}

std::string SignedHeadersV4(const SlsRequest& request, bool include_meta) {
  std::string out;
  for (const auto& [name, value] : V4SignedHeaders(request, include_meta)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string CanonicalHeadersV4(const SlsRequest& request, bool include_meta) {
  std::string out;
  for (const auto& [name, value] : V4SignedHeaders(request, include_meta)) {
    out.append(name).append(":").append(TrimSpaces(value)).append("\n");
  }
  return out;
}

std::string CanonicalRequestV4(const SlsRequest& request, bool include_meta) {
  std::string out = request.method;
  out.append("\n").append(request.path);
  out.append("\n").append(CanonicalQueryV4(request));
  out.append("\n").append(CanonicalHeadersV4(request, include_meta));
  out.append("\n").append(SignedHeadersV4(request, include_meta));
  out.append("\n").append(ContentSha256Hex(request.body));
  return out;
}

std::string ScopeV4(std::string_view date, std::string_view region) {
  std::string out(date.substr(0, 8));
  out.append("/").append(region).append("/sls/aliyun_v4_request");
  return out;
}

std::string StringToSignV4(const SlsRequest& request, std::string_view region,
                           std::string_view x_log_date, bool include_meta) {
  std::string out(kV4Algorithm);
  out.append("\n").append(x_log_date);
  out.append("\n").append(ScopeV4(x_log_date, region));
  out.append("\n").append(HexEncode(internal::Sha256(CanonicalRequestV4(request, include_meta))));
  return out;
}

std::string SigningKeyV4(std::string_view secret, std::string_view date, std::string_view region) {
  std::string key = "aliyun_v4";
  key.append(secret);
  std::string k_date = internal::HmacSha256(key, date.substr(0, 8));
  std::string k_region = internal::HmacSha256(k_date, region);
  std::string k_service = internal::HmacSha256(k_region, "sls");
  return internal::HmacSha256(k_service, "aliyun_v4_request");
}

std::string SignV4StringToSign(std::string_view secret, std::string_view region,
                               std::string_view date, std::string_view string_to_sign) {
  return HexEncode(internal::HmacSha256(SigningKeyV4(secret, date, region), string_to_sign));
}

std::string SignV4(std::string_view secret, std::string_view region, const SlsRequest& request,
                   std::string_view x_log_date) {
  return SignV4StringToSign(secret, region, x_log_date,
                            StringToSignV4(request, region, x_log_date));
}

std::string AuthorizationV4(std::string_view access_key_id, std::string_view scope,
                            std::string_view signature) {
  std::string out(kV4Algorithm);
  out.append(" Credential=").append(access_key_id).append("/").append(scope);
  out.append(",Signature=").append(signature);
  return out;
}

}  // namespace ptx::signing
