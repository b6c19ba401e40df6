// Writes the seed corpus of every fuzz target: valid requests of each kind (built with the
// generated OTLP messages, the emulator's own OTLP/JSON writer, the SLS encoder, the codecs and
// the SLS signer), so that fuzzing starts from inputs that reach deep into each decoder.
//
//   ptx_fuzz_seeds OUT_DIR    # writes OUT_DIR/<target>/<name>
#include <sys/stat.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "otlp_json.h"
#include "ptx/compression/codec.h"
#include "ptx/encoding/sls_log.h"
#include "ptx/signing/sls_auth.h"

namespace {

namespace common = ::opentelemetry::proto::common::v1;
namespace trace = ::opentelemetry::proto::trace::v1;
namespace metrics = ::opentelemetry::proto::metrics::v1;
namespace logs = ::opentelemetry::proto::logs::v1;
using ptx::compression::Codec;

std::string g_out;

void Write(const std::string& target, const std::string& name, std::string_view bytes) {
  std::string dir = g_out + "/" + target;
  mkdir(g_out.c_str(), 0755);
  mkdir(dir.c_str(), 0755);
  std::ofstream(dir + "/" + name, std::ios::binary).write(bytes.data(), bytes.size());
}

std::string Le32(uint32_t v) {
  std::string out;
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

void Attributes(google::protobuf::RepeatedPtrField<common::KeyValue>* out) {
  auto* kv = out->Add();
  kv->set_key("service.name");
  kv->mutable_value()->set_string_value("checkout");
  kv = out->Add();
  kv->set_key("http.status_code");
  kv->mutable_value()->set_int_value(503);
  kv = out->Add();
  kv->set_key("ratio");
  kv->mutable_value()->set_double_value(0.25);
  kv = out->Add();
  kv->set_key("ok");
  kv->mutable_value()->set_bool_value(false);
  kv = out->Add();
  kv->set_key("blob");
  kv->mutable_value()->set_bytes_value(std::string("\x00\xff\x10", 3));
  kv = out->Add();
  kv->set_key("nested");
  auto* list = kv->mutable_value()->mutable_kvlist_value()->add_values();
  list->set_key("inner");
  auto* array = list->mutable_value()->mutable_array_value();
  array->add_values()->set_string_value("a");
  array->add_values()->set_int_value(-1);
}

std::string Id(size_t size, char fill) { return std::string(size, fill); }

opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest Traces() {
  opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest request;
  auto* rs = request.add_resource_spans();
  Attributes(rs->mutable_resource()->mutable_attributes());
  rs->set_schema_url("https://opentelemetry.io/schemas/1.21.0");
  auto* ss = rs->add_scope_spans();
  ss->mutable_scope()->set_name("fuzz.scope");
  ss->mutable_scope()->set_version("1.0");
  auto* root = ss->add_spans();
  root->set_trace_id(Id(16, '\x11'));
  root->set_span_id(Id(8, '\x22'));
  root->set_name("GET /checkout");
  root->set_kind(trace::Span::SPAN_KIND_SERVER);
  root->set_start_time_unix_nano(1'700'000'000'000'000'000ULL);
  root->set_end_time_unix_nano(1'700'000'000'250'000'000ULL);
  Attributes(root->mutable_attributes());
  auto* event = root->add_events();
  event->set_name("exception");
  event->set_time_unix_nano(1'700'000'000'100'000'000ULL);
  Attributes(event->mutable_attributes());
  root->mutable_status()->set_code(trace::Status::STATUS_CODE_ERROR);
  root->mutable_status()->set_message("boom");
  auto* child = ss->add_spans();
  child->set_trace_id(Id(16, '\x11'));
  child->set_span_id(Id(8, '\x33'));
  child->set_parent_span_id(Id(8, '\x22'));
  child->set_name("SELECT");
  child->set_start_time_unix_nano(1'700'000'000'010'000'000ULL);
  child->set_end_time_unix_nano(1'700'000'000'020'000'000ULL);
  auto* link = child->add_links();
  link->set_trace_id(Id(16, '\x44'));
  link->set_span_id(Id(8, '\x55'));
  auto* bad = ss->add_spans();  // rejected through partial success: zero trace id
  bad->set_trace_id(Id(16, '\0'));
  bad->set_span_id(Id(8, '\x66'));
  bad->set_name("bad");
  return request;
}

opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest Metrics() {
  opentelemetry::proto::collector::metrics::v1::ExportMetricsServiceRequest request;
  auto* rm = request.add_resource_metrics();
  Attributes(rm->mutable_resource()->mutable_attributes());
  auto* sm = rm->add_scope_metrics();
  sm->mutable_scope()->set_name("fuzz.meter");
  const uint64_t t = 1'700'000'000'000'000'000ULL;

  auto* sum = sm->add_metrics();
  sum->set_name("requests");
  sum->set_unit("1");
  sum->mutable_sum()->set_is_monotonic(true);
  sum->mutable_sum()->set_aggregation_temporality(metrics::AGGREGATION_TEMPORALITY_CUMULATIVE);
  auto* p = sum->mutable_sum()->add_data_points();
  p->set_as_int(42);
  p->set_start_time_unix_nano(t);
  p->set_time_unix_nano(t + 1);
  Attributes(p->mutable_attributes());

  auto* gauge = sm->add_metrics();
  gauge->set_name("temperature");
  auto* g = gauge->mutable_gauge()->add_data_points();
  g->set_as_double(21.5);
  g->set_time_unix_nano(t);

  auto* histogram = sm->add_metrics();
  histogram->set_name("latency");
  histogram->mutable_histogram()->set_aggregation_temporality(
      metrics::AGGREGATION_TEMPORALITY_DELTA);
  auto* h = histogram->mutable_histogram()->add_data_points();
  h->set_count(3);
  h->set_sum(7.5);
  h->add_explicit_bounds(1);
  h->add_explicit_bounds(5);
  h->add_bucket_counts(1);
  h->add_bucket_counts(1);
  h->add_bucket_counts(1);
  h->set_min(0.5);
  h->set_max(6);
  h->set_time_unix_nano(t);

  auto* exp = sm->add_metrics();
  exp->set_name("size");
  auto* e = exp->mutable_exponential_histogram()->add_data_points();
  e->set_count(4);
  e->set_scale(2);
  e->set_zero_count(1);
  e->mutable_positive()->set_offset(-1);
  e->mutable_positive()->add_bucket_counts(2);
  e->mutable_negative()->add_bucket_counts(1);
  e->set_time_unix_nano(t);

  auto* summary = sm->add_metrics();
  summary->set_name("gc");
  auto* s = summary->mutable_summary()->add_data_points();
  s->set_count(2);
  s->set_sum(3);
  auto* q = s->add_quantile_values();
  q->set_quantile(0.5);
  q->set_value(1.5);
  s->set_time_unix_nano(t);
  return request;
}

opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest Logs() {
  opentelemetry::proto::collector::logs::v1::ExportLogsServiceRequest request;
  auto* rl = request.add_resource_logs();
  Attributes(rl->mutable_resource()->mutable_attributes());
  auto* sl = rl->add_scope_logs();
  sl->mutable_scope()->set_name("fuzz.logger");
  auto* record = sl->add_log_records();
  record->set_time_unix_nano(1'700'000'000'000'000'000ULL);
  record->set_severity_number(logs::SEVERITY_NUMBER_ERROR);
  record->set_severity_text("ERROR");
  record->mutable_body()->set_string_value("payment failed: timeout");
  record->set_trace_id(Id(16, '\x11'));
  record->set_span_id(Id(8, '\x22'));
  Attributes(record->mutable_attributes());
  auto* structured = sl->add_log_records();
  structured->set_observed_time_unix_nano(1'700'000'000'000'000'001ULL);
  structured->mutable_body()->mutable_kvlist_value()->add_values()->set_key("k");
  return request;
}

void WriteOtlp(const std::string& signal, const google::protobuf::Message& message) {
  Write("otlp_" + signal + "_proto", "request", message.SerializeAsString());
  ptx::Result<std::string> json = ptx::emulator::MessageToOtlpJson(message);
  if (json.ok()) Write("otlp_" + signal + "_json", "request", *json);
  Write("otlp_" + signal + "_json", "empty", "{}");
}

ptx::encoding::SlsLogGroup Group() {
  ptx::encoding::SlsLogGroup group;
  group.topic = "app";
  group.source = "10.0.0.1";
  group.tags = {{"host", "web-1"}};
  for (uint32_t i = 0; i < 3; ++i) {
    ptx::encoding::SlsLog log;
    log.time = 1'700'000'000 - i;
    if (i == 1) log.time_ns = 123456789;
    log.contents = {{"level", i == 0 ? "ERROR" : "INFO"}, {"message", "request " + std::to_string(i)}};
    group.logs.push_back(log);
  }
  return group;
}

void WriteSls() {
  std::string raw = ptx::encoding::EncodeLogGroup(Group());
  Write("sls_log_group", "group", raw);
  Write("sls_log_group", "list", ptx::encoding::EncodeLogGroupList({Group(), Group()}));
  const Codec codecs[] = {Codec::kNone, Codec::kLz4, Codec::kZstd, Codec::kDeflate};
  for (uint8_t i = 0; i < 4; ++i) {
    std::string body = *ptx::compression::Compress(codecs[i], raw);
    Write("sls_put_logs", ptx::compression::CodecName(codecs[i]),
          std::string(1, static_cast<char>(i)) + Le32(static_cast<uint32_t>(raw.size())) + body);
  }
}

void WriteDecompress() {
  std::string text;
  for (int i = 0; i < 200; ++i) text += "resource span event " + std::to_string(i) + "\n";
  // Selector (case << 1): gzip, deflate, zstd (OTLP); lz4, zstd, deflate (SLS).
  const Codec cases[] = {Codec::kGzip, Codec::kDeflate, Codec::kZstd,
                         Codec::kLz4,  Codec::kZstd,    Codec::kDeflate};
  for (uint8_t i = 0; i < 6; ++i) {
    std::string body = *ptx::compression::Compress(cases[i], text);
    std::string prefix(1, static_cast<char>(i << 1));
    if (cases[i] == Codec::kLz4) prefix += Le32(static_cast<uint32_t>(text.size()));
    Write("decompress", std::to_string(i) + "_" + ptx::compression::CodecName(cases[i]),
          prefix + body);
    Write("decompress", std::to_string(i) + "_roundtrip",
          std::string(1, static_cast<char>(i << 1 | 1)) + text.substr(0, 64));
  }
  // Bombs: more output than the limit from a small body.
  std::string zeros(size_t{21} << 20, '\0');
  Write("decompress", "bomb_zstd", std::string(1, 2 << 1) + *ptx::compression::Compress(Codec::kZstd, zeros));
  Write("decompress", "bomb_gzip", std::string(1, 0) + *ptx::compression::Compress(Codec::kGzip, zeros, 9));
}

std::string RequestText(const ptx::signing::SlsRequest& request, uint8_t mode) {
  std::string out(1, static_cast<char>(mode));
  out += request.method + "\n" + request.path + "\n";
  for (size_t i = 0; i < request.query.size(); ++i) {
    out += (i ? "&" : "") + request.query[i].first + "=" + request.query[i].second;
  }
  out += "\n";
  for (const auto& [name, value] : request.headers) out += name + ": " + value + "\n";
  out += "\n";
  out += request.body;
  return out;
}

void WriteAuth() {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1'700'000'000));
  std::string body = ptx::encoding::EncodeLogGroup(Group());
  ptx::signing::SlsCredentials credentials{"fuzz-ak", "fuzz-secret", ""};
  ptx::signing::SlsRequest request{"POST", "/logstores/app/shards/lb", {}, {}, body};
  ptx::signing::SetHeader(request, "Host", "demo.127.0.0.1:4319");
  ptx::signing::SetHeader(request, "Content-Type", "application/x-protobuf");
  ptx::signing::SetHeader(request, "x-log-bodyrawsize", std::to_string(body.size()));
  ptx::signing::SetHeader(request, "x-log-meta-client", "fuzz");
  ptx::signing::SlsRequest v1 = request;
  ptx::signing::SignRequestV1(v1, credentials, now);
  Write("sls_auth", "v1", RequestText(v1, 0));
  Write("sls_auth", "v1_resign", RequestText(v1, 1));
  ptx::signing::SlsRequest v4 = request;
  ptx::signing::SignRequestV4(v4, credentials, "cn-hangzhou", now);
  Write("sls_auth", "v4", RequestText(v4, 0));
  Write("sls_auth", "v4_resign", RequestText(v4, 5));
  ptx::signing::SlsRequest get{"GET", "/logstores/app", {{"type", "log"}, {"from", "1"}, {"to", "2"}, {"query", "level: error"}}, {}, {}};
  ptx::signing::SetHeader(get, "Host", "demo.localhost");
  ptx::signing::SignRequestV1(get, credentials, now);
  Write("sls_auth", "v1_get", RequestText(get, 0));
}

// A raw HTTP/1.1 request for emulator_http, after its listener byte (0 = --http, 1 = --sls).
std::string Http(char listener, const std::string& method, const std::string& target,
                 const std::string& headers, const std::string& body) {
  std::string out(1, listener);
  out += method + " " + target + " HTTP/1.1\r\nHost: demo.127.0.0.1\r\n" + headers;
  if (!body.empty() || method == "POST") out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return out + "\r\n" + body;
}

void WriteHttp() {
  const std::string sls = "x-log-apiversion: 0.6.0\r\nDate: Tue, 14 Nov 2023 22:13:20 GMT\r\n";
  const std::string proto = "Content-Type: application/x-protobuf\r\n";
  std::string raw = ptx::encoding::EncodeLogGroup(Group());
  Write("emulator_http", "sls_put_logs",
        Http(1, "POST", "/logstores/app/shards/lb",
             sls + proto + "x-log-bodyrawsize: " + std::to_string(raw.size()) + "\r\n", raw));
  std::string lz4 = *ptx::compression::Compress(Codec::kLz4, raw);
  Write("emulator_http", "sls_put_logs_lz4",
        Http(1, "POST", "/logstores/app", sls + proto + "x-log-compresstype: lz4\r\nx-log-bodyrawsize: " +
             std::to_string(raw.size()) + "\r\n", lz4));
  Write("emulator_http", "sls_get_logs_v2",
        Http(1, "POST", "/logstores/app/logs", sls + "Content-Type: application/json\r\n",
             R"j({"from":1699990000,"to":1700010000,"query":"level: error or not (message: request*)","line":10,"offset":0,"reverse":true,"topic":"app"})j"));
  Write("emulator_http", "sls_get_logs_v1",
        Http(1, "GET", "/logstores/app?type=log&from=0&to=1800000000&query=status%20%3E%3D%20500&line=5&offset=1&reverse=true", sls, ""));
  Write("emulator_http", "sls_create_project",
        Http(1, "POST", "/", sls + "Content-Type: application/json\r\n", R"({"projectName":"demo","description":"d"})"));
  Write("emulator_http", "sls_create_logstore",
        Http(1, "POST", "/logstores", sls + "Content-Type: application/json\r\n",
             R"({"logstoreName":"app","ttl":30,"shardCount":1,"autoSplit":"true","maxSplitShard":64,"appendMeta":true,"telemetryType":"None"})"));
  Write("emulator_http", "sls_list_logstores", Http(1, "GET", "/logstores?offset=0&size=10&logstoreName=a", sls, ""));
  Write("emulator_http", "sls_cursor", Http(1, "GET", "/logstores/app/shards/0?type=cursor&from=begin", sls, ""));
  Write("emulator_http", "sls_pull",
        Http(1, "GET", "/logstores/app/shards/0?type=log&cursor=MA%3D%3D&count=10&end_cursor=MTA%3D",
             sls + "Accept-Encoding: lz4\r\n", ""));
  Write("emulator_http", "sls_shards", Http(1, "GET", "/logstores/app/shards", sls, ""));
  Write("emulator_http", "sls_delete", Http(1, "DELETE", "/logstores/app", sls, ""));

  Write("emulator_http", "otlp_traces_json",
        Http(0, "POST", "/v1/traces", "Content-Type: application/json\r\nx-sls-otel-project: demo\r\nx-sls-otel-instance-id: i\r\n",
             *ptx::emulator::MessageToOtlpJson(Traces())));
  Write("emulator_http", "otlp_logs_proto",
        Http(0, "POST", "/v1/logs", proto, Logs().SerializeAsString()));
  Write("emulator_http", "otlp_metrics_gzip",
        Http(0, "POST", "/v1/metrics", proto + "Content-Encoding: gzip\r\n",
             *ptx::compression::Compress(Codec::kGzip, Metrics().SerializeAsString())));
  Write("emulator_http", "api_traces",
        Http(0, "GET", "/api/traces?service=checkout&name=SELECT&attr=ratio:0.25&min_duration_ms=1.5&error=true&limit=5", "", ""));
  Write("emulator_http", "api_trace", Http(0, "GET", "/api/traces/11111111111111111111111111111111", "", ""));
  Write("emulator_http", "api_logs", Http(0, "GET", "/api/logs?text=timeout&severity_min=17&trace_id=11111111111111111111111111111111&limit=3", "", ""));
  Write("emulator_http", "api_metrics", Http(0, "GET", "/api/metrics?name=requests&attr=ok:false", "", ""));
  Write("emulator_http", "api_sls", Http(0, "GET", "/api/sls/projects/demo/logstores/app", "", ""));
  Write("emulator_http", "api_stats", Http(0, "GET", "/api/stats", "", ""));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  g_out = argv[1];
  WriteOtlp("traces", Traces());
  WriteOtlp("metrics", Metrics());
  WriteOtlp("logs", Logs());
  WriteSls();
  WriteDecompress();
  WriteAuth();
  WriteHttp();
  return 0;
}
