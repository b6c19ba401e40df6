// libFuzzer target: SLS request authentication as the emulator's SLS listener runs it: the
// Authorization header (v1 "LOG ak:sig" and v4 "SLS4-HMAC-SHA256 Credential=...,Signature=...")
// and the Date / x-log-date it relies on, through signing::VerifyAuthorization, plus the Host
// header's project (ProjectFromHost). A request the SDK signs itself always verifies.
//
// Input: method \n path \n query (k=v&k2=v2) \n header lines "Name: value" \n empty line \n body.
// The first byte selects the extra checks.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_util.h"
#include "ptx/signing/sls_auth.h"
#include "ptx/signing/sls_date.h"
#include "ptx/signing/sls_request.h"
#include "sls_api.h"

namespace {

using ptx::signing::SlsRequest;
using ptx::signing::SystemTime;

constexpr char kAccessKeyId[] = "fuzz-ak";
constexpr char kSecret[] = "fuzz-secret";

// 2023-11-14T22:13:20Z, the server clock the verifier compares dates against.
const SystemTime kNow = SystemTime(std::chrono::seconds(1'700'000'000));

std::optional<std::string> Lookup(std::string_view id) {
  if (id == kAccessKeyId) return std::string(kSecret);
  return std::nullopt;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

SlsRequest ParseRequest(ptx::fuzz::FuzzInput& in, std::string* body) {
  SlsRequest request;
  request.method = std::string(in.Line());
  request.path = std::string(in.Line());
  std::string_view query = in.Line();
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    size_t eq = pair.find('=');
    std::string value = eq == std::string_view::npos ? "" : std::string(pair.substr(eq + 1));
    request.query.emplace_back(std::string(pair.substr(0, eq)), std::move(value));
  }
  while (!in.empty()) {
    std::string_view line = in.Line();
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    request.headers.emplace_back(std::string(Trim(line.substr(0, colon))),
                                 std::string(Trim(line.substr(colon + 1))));
  }
  *body = std::string(in.Rest());
  request.body = *body;
  return request;
}

void CheckVerdict(const ptx::Status& status) {
  if (status.ok()) return;
  // Every failure is one of SLS's authentication errors, answered with 400 or 401.
  PTX_FUZZ_CHECK(ptx::signing::SlsAuthErrorOf(status).has_value());
  ptx::signing::SlsErrorReply reply = ptx::signing::ToSlsErrorReply(status);
  PTX_FUZZ_CHECK(reply.http_status == 400 || reply.http_status == 401);
}

void CheckDates(const SlsRequest& request) {
  if (const std::string* date = ptx::signing::FindHeader(request, "Date")) {
    ptx::Result<SystemTime> parsed = ptx::signing::ParseRfc1123Date(*date);
    if (parsed.ok()) {
      ptx::Result<SystemTime> again =
          ptx::signing::ParseRfc1123Date(ptx::signing::Rfc1123Date(*parsed));
      PTX_FUZZ_CHECK(again.ok() && *again == *parsed);
    }
  }
  if (const std::string* date = ptx::signing::FindHeader(request, "x-log-date")) {
    ptx::Result<SystemTime> parsed = ptx::signing::ParseV4DateTime(*date);
    if (parsed.ok()) {
      ptx::Result<SystemTime> again =
          ptx::signing::ParseV4DateTime(ptx::signing::V4DateTime(*parsed));
      PTX_FUZZ_CHECK(again.ok() && *again == *parsed);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ptx::fuzz::FuzzInput in(data, size);
  const uint8_t mode = in.Byte();
  std::string body;
  SlsRequest request = ParseRequest(in, &body);

  CheckVerdict(ptx::signing::VerifyAuthorization(request, Lookup, kNow));
  CheckDates(request);
  if (const std::string* host = ptx::signing::FindHeader(request, "Host")) {
    std::optional<std::string> project = ptx::emulator::ProjectFromHost(*host);
    PTX_FUZZ_CHECK(!project || !project->empty());
  }

  if (mode & 1) {
    // What the SDK signs, the emulator accepts: v1, or v4 for a region read from the path.
    ptx::signing::SlsCredentials credentials{kAccessKeyId, kSecret, (mode & 2) ? "sts-token" : ""};
    SlsRequest signed_request = request;
    ptx::signing::RemoveHeader(signed_request, "Authorization");
    if (mode & 4) {
      ptx::signing::SignRequestV4(signed_request, credentials, "cn-hangzhou", kNow);
    } else {
      ptx::signing::SignRequestV1(signed_request, credentials, kNow);
    }
    ptx::Status verified = ptx::signing::VerifyAuthorization(signed_request, Lookup, kNow);
    if (!verified.ok()) std::fprintf(stderr, "%s\n", verified.message().c_str());
    PTX_FUZZ_CHECK(verified.ok());
  }
  return 0;
}
