// Shared fixtures of the OTLP exporter tests: the resource, fast-retry HTTP options and a
// thread-safe recorder of what an exporter's error hook reported.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "ptx/base/status.h"
#include "ptx/export/otlp_exporter_options.h"
#include "ptx/sdk/resource.h"

namespace ptx {
namespace export_test {

using std::chrono::milliseconds;

inline Resource MakeResource() {
  Resource r;
  r.attributes.emplace_back("service.name", std::string("checkout"));
  return r;
}

inline OtlpExporterOptions HttpOptions(const std::string& endpoint) {
  OtlpExporterOptions o;
  o.endpoint = endpoint;
  o.protocol = OtlpExporterOptions::Protocol::kHttpProtobuf;
  o.retry.initial_backoff = milliseconds(20);
  o.retry.seed = 5;
  return o;
}

struct Errors {
  std::mutex mu;
  std::vector<Status> seen;
  std::function<void(const Status&)> Hook() {
    return [this](const Status& s) {
      std::lock_guard<std::mutex> lock(mu);
      seen.push_back(s);
    };
  }
  std::vector<Status> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return seen;
  }
};
}  // namespace export_test
}  // namespace ptx
