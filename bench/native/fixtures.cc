#include "fixtures.h"

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>
#include <utility>

#include "ptx/context/id_generator.h"
#include "ptx/encoding/otlp_trace.h"
#include "ptx/sdk/scope_registry.h"

namespace ptx::bench {
namespace {

constexpr std::string_view kUserAgent =
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36";

// Per-span values vary with `i` so that neither the encoder nor the compressors get an
// unrealistically repetitive batch; keys repeat, as they do in real traffic.
Attributes SpanAttributes(size_t i, SpanKind kind) {
  static constexpr std::array<std::string_view, 4> kMethods = {"GET", "GET", "POST", "PUT"};
  static constexpr std::array<std::string_view, 4> kRoutes = {
      "/api/orders/{id}", "/api/cart", "/api/orders", "/api/users/{id}/address"};
  Attributes attrs;
  attrs.reserve(kAttributesPerSpan);
  const bool client = kind == SpanKind::kClient;
  attrs.emplace_back("http.request.method", std::string(kMethods[i % kMethods.size()]));
  attrs.emplace_back("http.route", std::string(kRoutes[i % kRoutes.size()]));
  attrs.emplace_back("url.path", "/api/orders/" + std::to_string(100000 + i * 7919 % 90000));
  attrs.emplace_back("url.scheme", std::string(client ? "http" : "https"));
  attrs.emplace_back("server.address",
                     std::string(client ? "inventory.shop.svc.cluster.local" : "shop.example.com"));
  attrs.emplace_back("server.port", int64_t{client ? 8080 : 443});
  attrs.emplace_back("http.response.status_code", int64_t{i % 61 == 0 ? 503 : 200});
  attrs.emplace_back("network.protocol.version", std::string("1.1"));
  attrs.emplace_back("client.address", "10.42." + std::to_string(i % 250) + "." +
                                           std::to_string((i * 37) % 250 + 1));
  attrs.emplace_back("user_agent.original", std::string(kUserAgent));
  return attrs;
}

SpanBatch BuildBatch() {
  constexpr size_t kSpansPerTrace = 8;
  const InstrumentationScope* scope = ScopeRegistry::Intern("pytracingx.flask", "0.4.0");
  // A fixed epoch keeps timestamps realistic (nanoseconds in 2024) and the run reproducible.
  constexpr uint64_t kEpoch = 1'717'000'000'000'000'000ULL;
  SpanBatch batch;
  batch.reserve(kBatchSpans);
  TraceId trace_id;
  SpanId root_id;
  for (size_t i = 0; i < kBatchSpans; ++i) {
    auto span = std::make_unique<SpanData>();
    const size_t position = i % kSpansPerTrace;
    if (position == 0) {
      trace_id = NewTraceId();
      root_id = NewSpanId();
    }
    span->context.trace_id = trace_id;
    span->context.span_id = position == 0 ? root_id : NewSpanId();
    span->context.trace_flags = kTraceFlagSampled;
    span->scope = scope;
    if (position == 0) {
      span->kind = SpanKind::kServer;
      span->name = "GET /api/orders/{id}";
    } else {
      span->parent_span_id = root_id;
      span->kind = position % 2 ? SpanKind::kClient : SpanKind::kInternal;
      span->name = position % 2 ? "GET inventory" : "render order " + std::to_string(position);
    }
    span->start_time_unix_nano = kEpoch + i * 1'250'000 + position * 40'000;
    span->end_time_unix_nano = span->start_time_unix_nano + 150'000 + (i * 104'729) % 9'000'000;
    span->attributes = SpanAttributes(i, span->kind);
    if (i % 61 == 0) {
      span->status_code = SpanStatusCode::kError;
      span->status_message = "upstream returned 503";
    }
    batch.push_back(std::move(span));
  }
  return batch;
}

}  // namespace

Attributes HttpServerAttributes(size_t count) {
  Attributes attrs;
  attrs.reserve(count);
  // Written out rather than copied from a prototype, so that each call allocates like a
  // conversion from Python objects would.
  auto add = [&](const char* key, AttributeValue value) {
    if (attrs.size() < count) attrs.emplace_back(key, std::move(value));
  };
  add("http.route", std::string("/api/orders/{id}"));
  add("http.request.method", std::string("GET"));
  add("url.path", std::string("/api/orders/184467"));
  add("url.scheme", std::string("https"));
  add("server.address", std::string("shop.example.com"));
  add("server.port", int64_t{443});
  add("http.response.status_code", int64_t{200});
  add("network.protocol.version", std::string("1.1"));
  add("client.address", std::string("10.42.7.19"));
  add("user_agent.original", std::string(kUserAgent));
  return attrs;
}

const Resource& SampleResource() {
  static const Resource resource = [] {
    ResourceOptions options;
    options.service_name = "checkout";
    options.read_environment = false;
    options.user_attributes = {
        {"service.version", std::string("2.14.1")},
        {"service.namespace", std::string("shop")},
        {"deployment.environment", std::string("production")},
        {"cloud.provider", std::string("alibaba_cloud")},
        {"cloud.region", std::string("cn-hangzhou")},
        {"k8s.namespace.name", std::string("shop-prod")},
        {"k8s.pod.name", std::string("checkout-7d9f8b6c5-x2vqm")},
    };
    return BuildResource(options);
  }();
  return resource;
}

const SpanBatch& SampleBatch() {
  static const SpanBatch batch = BuildBatch();
  return batch;
}

const std::string& EncodedSampleBatch() {
  static const std::string body = encoding::EncodeTraceRequest(SampleResource(), SampleBatch());
  return body;
}

}  // namespace ptx::bench
