// The SLS export path's CPU work per batch, after the records are converted: LogGroup encoding
// of 512 logs, lz4 compression (the SLS sink's default) and the request signature, v1
// (HMAC-SHA1 over the canonical string, plus Content-MD5 of the body) and v4 (HMAC-SHA256 with a
// derived key, plus the body's SHA-256), exactly as the SLS exporter signs a PutLogs request.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>

#include "ptx/compression/codec.h"
#include "ptx/encoding/sls_log.h"
#include "ptx/signing/sls_auth.h"
#include "ptx/signing/sls_request.h"

namespace {

constexpr size_t kLogsPerGroup = 512;

// 512 log lines as the SLS sink writes a Python logger's records: level, message, logger and
// code location, trace context and a few application fields. Varied values so lz4 sees
// realistic rather than repetitive data. Built once.
const ptx::encoding::SlsLogGroup& SampleLogGroup() {
  static const ptx::encoding::SlsLogGroup group = [] {
    static const char* const kLevels[] = {"INFO", "INFO", "INFO", "WARN", "ERROR", "DEBUG"};
    static const char* const kMessages[] = {
        "order placed", "payment authorized for order", "inventory reserved",
        "slow downstream call to pricing service", "cart checkout failed: card declined",
        "cache refreshed"};
    ptx::encoding::SlsLogGroup g;
    g.topic = "checkout";
    g.source = "10.0.3.17";
    g.tags = {{"service.name", "checkout"}, {"deployment.environment", "production"}};
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < kLogsPerGroup; ++i) {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      char trace_id[33];
      char span_id[17];
      std::snprintf(trace_id, sizeof trace_id, "%016llx%016llx",
                    static_cast<unsigned long long>(x), static_cast<unsigned long long>(~x * 31));
      std::snprintf(span_id, sizeof span_id, "%016llx", static_cast<unsigned long long>(x * 7));
      ptx::encoding::SlsLog log;
      log.time = 1764806400u + static_cast<uint32_t>(i / 64);
      log.time_ns = static_cast<uint32_t>((x >> 8) % 1000000000u);
      log.contents = {
          {"level", kLevels[i % 6]},
          {"severity_number", std::to_string(9 + 4 * static_cast<int>(i % 3))},
          {"message", std::string(kMessages[i % 6]) + " " + std::to_string(100000 + x % 900000)},
          {"logger.name", "shop.checkout"},
          {"code.filepath", "/srv/app/shop/checkout.py"},
          {"code.function", "place_order"},
          {"code.lineno", std::to_string(40 + i % 200)},
          {"trace_id", trace_id},
          {"span_id", span_id},
          {"order.id", std::to_string(500000 + i)},
          {"user.tier", (i % 4 == 0) ? "gold" : "standard"},
      };
      g.logs.push_back(std::move(log));
    }
    return g;
  }();
  return group;
}

const std::string& CompressedSampleLogGroup() {
  static const std::string body =
      ptx::compression::Compress(ptx::compression::Codec::kLz4,
                                 ptx::encoding::EncodeLogGroup(SampleLogGroup()))
          .value();
  return body;
}

void BM_EncodeSlsLogGroup(benchmark::State& state) {
  const ptx::encoding::SlsLogGroup& group = SampleLogGroup();
  size_t encoded_size = 0;
  for (auto _ : state) {
    std::string body = ptx::encoding::EncodeLogGroup(group);
    encoded_size = body.size();
    benchmark::DoNotOptimize(body);
  }
  if (encoded_size == 0) {
    state.SkipWithError("EncodeLogGroup returned nothing");
    return;
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * encoded_size));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * group.logs.size()));
  state.counters["body_bytes"] = static_cast<double>(encoded_size);
}
BENCHMARK(BM_EncodeSlsLogGroup);

void BM_CompressSlsLogGroup(benchmark::State& state) {
  const std::string raw = ptx::encoding::EncodeLogGroup(SampleLogGroup());
  size_t packed_size = 0;
  for (auto _ : state) {
    ptx::Result<std::string> packed = ptx::compression::Compress(ptx::compression::Codec::kLz4, raw);
    if (!packed.ok()) {
      state.SkipWithError(packed.status().ToString().c_str());
      break;
    }
    packed_size = packed->size();
    benchmark::DoNotOptimize(*packed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * raw.size()));
  state.counters["ratio"] = raw.empty() ? 0.0 : static_cast<double>(packed_size) / raw.size();
}
BENCHMARK(BM_CompressSlsLogGroup);

// A PutLogs request as the exporter builds it before signing: the headers a signature covers
// are set, the lz4 body attached.
ptx::signing::SlsRequest PutLogsRequest(const std::string& body) {
  ptx::signing::SlsRequest request{"POST", "/logstores/app/shards/lb", {}, {}, body};
  ptx::signing::SetHeader(request, "Host", "shop.cn-hangzhou.log.aliyuncs.com");
  ptx::signing::SetHeader(request, "Content-Type", "application/x-protobuf");
  ptx::signing::SetHeader(request, "x-log-bodyrawsize",
                          std::to_string(ptx::encoding::EncodeLogGroup(SampleLogGroup()).size()));
  ptx::signing::SetHeader(request, "x-log-compresstype", "lz4");
  return request;
}

const ptx::signing::SlsCredentials& Credentials() {
  static const ptx::signing::SlsCredentials credentials{"LTAI5tBenchAccessKey",
                                                        "bench-secret-0123456789abcdef", ""};
  return credentials;
}

// Per iteration: one complete signature of a 512-log request, digest of the body included.
void BM_SignSlsRequest(benchmark::State& state, int version) {
  const std::string& body = CompressedSampleLogGroup();
  const ptx::signing::SlsRequest unsigned_request = PutLogsRequest(body);
  const auto now = std::chrono::system_clock::now();
  size_t authorization_size = 0;
  for (auto _ : state) {
    state.PauseTiming();
    ptx::signing::SlsRequest request = unsigned_request;
    state.ResumeTiming();
    if (version == 1) {
      ptx::signing::SignRequestV1(request, Credentials(), now);
    } else {
      ptx::signing::SignRequestV4(request, Credentials(), "cn-hangzhou", now);
    }
    const std::string* authorization = ptx::signing::FindHeader(request, "Authorization");
    authorization_size = authorization == nullptr ? 0 : authorization->size();
    benchmark::DoNotOptimize(request);
  }
  if (authorization_size == 0) state.SkipWithError("no Authorization header after signing");
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK_CAPTURE(BM_SignSlsRequest, v1, 1);
BENCHMARK_CAPTURE(BM_SignSlsRequest, v4, 4);

}  // namespace
