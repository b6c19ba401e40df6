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
// (percent-decoded), then user attributes; later wins (an existing key keeps its position).
// service.name is, first match wins: user_attributes["service.name"], options.service_name,
// OTEL_SERVICE_NAME, service.name from OTEL_RESOURCE_ATTRIBUTES, "unknown_service"
// (OpenTelemetry's rule that OTEL_SERVICE_NAME beats OTEL_RESOURCE_ATTRIBUTES).
// Empty environment values count as unset.
Resource BuildResource(const ResourceOptions& options);

// Parses "k=v,k2=v2" with percent-decoding of keys and values, trimming spaces and tabs
// around both; members without '=', with an empty key or a bad %-escape are skipped.
// Later duplicates win.
Attributes ParseResourceAttributes(const std::string& text);

// Sets process.pid to the calling process's pid if the resource has that key (after fork()).
void RefreshProcessPid(Resource& resource);

}  // namespace ptx
