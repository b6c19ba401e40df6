// What every stored OTLP record shares with its neighbours: the resource and scope it arrived
// under and where the request came from. Built once per ResourceX/ScopeX/request and shared.
//
//   auto resource = std::make_shared<ResourceInfo>();
//   resource->service_name = FindStringAttribute(resource->resource.attributes(), "service.name");
#pragma once

#include <string>

#include "opentelemetry/proto/common/v1/common.pb.h"
#include "opentelemetry/proto/resource/v1/resource.pb.h"
#include "stats.h"

namespace ptx::emulator {

namespace otlp_common = ::opentelemetry::proto::common::v1;

// Where a batch of records came from. SLS trace-instance headers are kept so that the records
// can also be written to the {instance}-traces/-logs/-metrics logstores of that project.
struct Origin {
  Protocol protocol = Protocol::kHttpProtobuf;
  std::string sls_project;      // x-sls-otel-project, "" when absent
  std::string sls_instance_id;  // x-sls-otel-instance-id, "" when absent
};

// A Resource{Spans,Logs,Metrics}' resource, shared by all its records.
struct ResourceInfo {
  ::opentelemetry::proto::resource::v1::Resource resource;
  std::string schema_url;
  std::string service_name;  // the string attribute service.name, "" when absent
};

// A Scope{Spans,Logs,Metrics}' scope, shared by all its records.
struct ScopeInfo {
  otlp_common::InstrumentationScope scope;
  std::string schema_url;
};

}  // namespace ptx::emulator
