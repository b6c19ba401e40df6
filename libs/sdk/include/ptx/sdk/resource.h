// The resource that describes the process emitting telemetry.
//
//   ptx::Resource r = ptx::BuildResource({.service_name = "checkout"});
//   // r.attributes holds service.name, telemetry.sdk.*, host.name, process.pid, ...
#pragma once

#include <string>

#include "ptx/base/attribute_value.h"

namespace ptx {

struct Resource {
  Attributes attributes;
  std::string schema_url;
};

struct ResourceOptions {
  std::string service_name;            // wins over OTEL_SERVICE_NAME when not empty
  Attributes user_attributes;          // applied last, override everything
  std::string sdk_version = "0.4.0";   // telemetry.sdk.version
  bool read_environment = true;        // honour OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES
};

// service.name, telemetry.sdk.name=pytracingx, telemetry.sdk.language=python,
// telemetry.sdk.version, host.name, process.pid, then OTEL_RESOURCE_ATTRIBUTES
// (percent-decoded), then user attributes; later wins. service.name falls back to
// OTEL_SERVICE_NAME, then "unknown_service".
Resource BuildResource(const ResourceOptions& options);

// Parses "k=v,k2=v2" with percent-decoding; malformed members are skipped.
Attributes ParseResourceAttributes(const std::string& text);

}  // namespace ptx
