#include "otlp_http.h"

#include <chrono>
#include <optional>
#include <thread>

#include "http_listener.h"
#include "ptx/base/http_status.h"
#include "ptx/compression/codec.h"

namespace ptx::emulator {
namespace {

constexpr char kProtobufType[] = "application/x-protobuf";
constexpr char kJsonType[] = "application/json";

std::optional<Signal> SignalForPath(const std::string& path) {
  if (path == "/v1/traces") return Signal::kTraces;
  if (path == "/v1/metrics") return Signal::kMetrics;
  if (path == "/v1/logs") return Signal::kLogs;
  return std::nullopt;
}

std::optional<PayloadFormat> FormatFor(const httplib::Request& req) {
  std::string type = MediaType(req.get_header_value("Content-Type"));
  if (type == kProtobufType) return PayloadFormat::kProtobuf;
  if (type == kJsonType) return PayloadFormat::kJson;
  return std::nullopt;
}

// Errors for requests of unknown type still need a body: JSON when the client seems to speak
// it, protobuf (the OTLP default) otherwise.
PayloadFormat ErrorFormatFor(const httplib::Request& req) {
  if (auto format = FormatFor(req)) return *format;
  return req.get_header_value("Content-Type").find("json") != std::string::npos
             ? PayloadFormat::kJson
             : PayloadFormat::kProtobuf;
}

Protocol ProtocolFor(PayloadFormat format) {
  return format == PayloadFormat::kJson ? Protocol::kHttpJson : Protocol::kHttpProtobuf;
}

bool Authorized(const httplib::Request& req, const std::string& token) {
  if (token.empty()) return true;
  std::string value = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "bearer ";
  if (value.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(value[i])) != kScheme[i]) return false;
  }
  return value.substr(kScheme.size()) == token;
}

// Content-Encoding values we decode; nullopt for anything else (415).
std::optional<compression::Codec> CodecFor(const std::string& encoding) {
  std::string value = MediaType(encoding);  // trims and lowercases
  if (value.empty() || value == "identity") return compression::Codec::kNone;
  if (value == "gzip" || value == "x-gzip") return compression::Codec::kGzip;
  if (value == "deflate") return compression::Codec::kDeflate;
  if (value == "zstd") return compression::Codec::kZstd;
  return std::nullopt;
}

int HttpStatusFor(StatusCode code) {
  switch (code) {
    case StatusCode::kResourceExhausted:
      return 413;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kUnavailable:  // --data-dir could not persist it: retryable
      return 503;
    default:
      return 400;
  }
}

}  // namespace

bool OtlpHttpReceiver::IsOtlpPath(const std::string& path) {
  return SignalForPath(path).has_value();
}

void OtlpHttpReceiver::Register(httplib::Server& server) {
  for (Signal signal : {Signal::kTraces, Signal::kMetrics, Signal::kLogs}) {
    std::string path = std::string("/v1/") + SignalName(signal);
    server.Post(path, [this, signal](const httplib::Request& req, httplib::Response& res,
                                     const httplib::ContentReader& read_body) {
      HandleExport(signal, req, res, read_body);
    });
    auto not_allowed = [this, signal](const httplib::Request& req, httplib::Response& res) {
      res.set_header("Allow", "POST");
      Reply(signal, Protocol::kHttpOther, ErrorFormatFor(req), res, 405,
            Status(StatusCode::kUnimplemented, req.method + " not allowed, use POST"));
    };
    server.Get(path, not_allowed);
    server.Put(path, not_allowed);
    server.Patch(path, not_allowed);
    server.Delete(path, not_allowed);
    server.Options(path, not_allowed);
  }
}

void OtlpHttpReceiver::RenderListenerError(const httplib::Request& req, httplib::Response& res,
                                           int http_status, const std::string& message) {
  std::optional<Signal> signal = SignalForPath(req.path);
  if (!signal) return;
  std::optional<PayloadFormat> format = FormatFor(req);
  Protocol protocol = format ? ProtocolFor(*format) : Protocol::kHttpOther;
  StatusCode code = http_status == 413 ? StatusCode::kResourceExhausted
                                       : StatusCode::kInvalidArgument;
  Reply(*signal, protocol, ErrorFormatFor(req), res, http_status, Status(code, message));
}

void OtlpHttpReceiver::Reply(Signal signal, Protocol protocol, PayloadFormat format,
                             httplib::Response& res, int http_status, const Status& status) {
  stats_->RecordRejected(signal, protocol);
  res.status = http_status;
  res.set_content(EncodeRpcStatus(format, status),
                  format == PayloadFormat::kJson ? kJsonType : kProtobufType);
}

bool OtlpHttpReceiver::ApplyFault(Signal signal, const httplib::Request& req,
                                  httplib::Response& res,
                                  const httplib::ContentReader& read_body) {
  if (!options_.faults) return false;
  std::optional<FaultSpec> fault = options_.faults->Take(FaultTarget::kOtlpHttp, req.path);
  if (!fault) return false;
  stats_->RecordFaultInjected();
  if (fault->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
  if (!fault->fails()) return false;  // delayed only: handled (and stored) as usual
  std::optional<PayloadFormat> format = FormatFor(req);
  Protocol protocol = format ? ProtocolFor(*format) : Protocol::kHttpOther;
  if (fault->drop_connection) {
    // Should the connection not be found, the client gets a 503 instead.
    DropConnection(req);
    res.set_header("Connection", "close");
    Reply(signal, protocol, ErrorFormatFor(req), res, 503,
          UnavailableError("connection dropped (injected fault)"));
    return true;
  }
  // Read the body (the listener bounded it) so that the connection stays usable.
  read_body([](const char*, size_t) { return true; });
  if (fault->retry_after_s) res.set_header("Retry-After", std::to_string(*fault->retry_after_s));
  Reply(signal, protocol, ErrorFormatFor(req), res, fault->http_status,
        Status(StatusCodeForHttp(fault->http_status), kInjectedFaultMessage));
  return true;
}

void OtlpHttpReceiver::HandleExport(Signal signal, const httplib::Request& req,
                                    httplib::Response& res,
                                    const httplib::ContentReader& read_body) {
  if (ApplyFault(signal, req, res, read_body)) return;
  // Every early reply leaves the body unread on the socket; the client must not reuse it.
  auto refuse = [&](Protocol protocol, PayloadFormat format, int http_status, Status status) {
    res.set_header("Connection", "close");
    Reply(signal, protocol, format, res, http_status, status);
  };
  if (!Authorized(req, options_.bearer_token)) {
    refuse(Protocol::kHttpOther, ErrorFormatFor(req), 401,
           Status(StatusCode::kUnauthenticated, "missing or wrong bearer token"));
    return;
  }
  std::optional<PayloadFormat> format = FormatFor(req);
  if (!format) {
    refuse(Protocol::kHttpOther, ErrorFormatFor(req), 415,
           InvalidArgumentError("unsupported Content-Type '" +
                                req.get_header_value("Content-Type") +
                                "', use application/x-protobuf or application/json"));
    return;
  }
  Protocol protocol = ProtocolFor(*format);
  std::string encoding = req.get_header_value(kOriginalContentEncodingHeader);
  std::optional<compression::Codec> codec = CodecFor(encoding);
  if (!codec) {
    refuse(protocol, *format, 415,
           InvalidArgumentError("unsupported Content-Encoding '" + encoding + "'"));
    return;
  }

  const size_t wire_limit = *codec == compression::Codec::kNone ? options_.max_body_bytes
                                                                  : max_wire_bytes();
  std::string wire;
  bool over_limit = false;
  bool complete = read_body([&](const char* data, size_t size) {
    if (wire.size() + size > wire_limit) {
      over_limit = true;
      return false;
    }
    wire.append(data, size);
    return true;
  });
  if (over_limit || (!complete && res.status == 413)) {
    refuse(protocol, *format, 413,
           ResourceExhaustedError("payload exceeds " + std::to_string(options_.max_body_bytes) +
                                  " bytes"));
    return;
  }
  if (!complete) {
    refuse(protocol, *format, 400, InvalidArgumentError("could not read the request body"));
    return;
  }

  std::string payload;
  if (*codec == compression::Codec::kNone) {
    payload = std::move(wire);
  } else {
    Result<std::string> inflated = compression::Decompress(*codec, wire, options_.max_body_bytes);
    if (!inflated.ok()) {
      StatusCode code = inflated.status().code() == StatusCode::kResourceExhausted
                            ? StatusCode::kResourceExhausted
                            : StatusCode::kInvalidArgument;
      Status status(code, std::string(compression::CodecName(*codec)) + " body: " +
                              inflated.status().message());
      Reply(signal, protocol, *format, res, HttpStatusFor(code), status);
      return;
    }
    payload = std::move(inflated).value();
  }

  Origin origin;
  origin.protocol = protocol;
  origin.sls_project = req.get_header_value("x-sls-otel-project");
  origin.sls_instance_id = req.get_header_value("x-sls-otel-instance-id");
  Result<IngestOutcome> outcome = ingest_->Ingest(signal, *format, payload, origin);
  if (!outcome.ok()) {
    Reply(signal, protocol, *format, res, HttpStatusFor(outcome.status().code()),
          outcome.status());
    return;
  }
  stats_->RecordAccepted(signal, protocol, outcome->accepted, outcome->rejected);
  res.status = 200;
  res.set_content(EncodeExportResponse(signal, *format, *outcome),
                  *format == PayloadFormat::kJson ? kJsonType : kProtobufType);
}

}  // namespace ptx::emulator
