#include "options.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace ptx::emulator {
namespace {

FlagParse Parse(std::vector<const char*> args, std::map<std::string, std::string> env = {}) {
  args.insert(args.begin(), "ptx-emulator");
  auto getenv = [env](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  return ParseFlags(static_cast<int>(args.size()), args.data(), getenv);
}

TEST(OptionsTest, Defaults) {
  FlagParse parsed = Parse({});
  ASSERT_TRUE(parsed.status.ok());
  EXPECT_EQ(parsed.options.otlp_grpc_address, "127.0.0.1:4317");
  EXPECT_EQ(parsed.options.http_address, "127.0.0.1:4318");
  EXPECT_EQ(parsed.options.sls_address, "127.0.0.1:4319");
  EXPECT_EQ(parsed.options.max_body_bytes, size_t{20} << 20);
  EXPECT_TRUE(parsed.options.bearer_token.empty());
}

TEST(OptionsTest, FlagsOverrideEnvironment) {
  FlagParse parsed = Parse({"--http", "127.0.0.1:0", "--max-body-bytes=1024"},
                           {{"PTX_EMULATOR_HTTP", "0.0.0.0:9999"},
                            {"PTX_EMULATOR_SLS", "127.0.0.1:80"},
                            {"PTX_EMULATOR_BEARER_TOKEN", "s3cret"}});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status.ToString();
  EXPECT_EQ(parsed.options.http_address, "127.0.0.1:0");
  EXPECT_EQ(parsed.options.sls_address, "127.0.0.1:80");
  EXPECT_EQ(parsed.options.bearer_token, "s3cret");
  EXPECT_EQ(parsed.options.max_body_bytes, 1024u);
}

TEST(OptionsTest, PersistenceAndByteRetentionFlags) {
  FlagParse defaults = Parse({});
  EXPECT_EQ(defaults.options.data_dir, "");
  EXPECT_EQ(defaults.options.fsync, "always");
  EXPECT_EQ(defaults.options.wal_segment_bytes, size_t{64} << 20);
  EXPECT_EQ(defaults.options.max_span_bytes, size_t{256} << 20);
  EXPECT_EQ(defaults.options.max_sls_log_bytes, size_t{64} << 20);

  FlagParse parsed =
      Parse({"--data-dir", "/tmp/d", "--fsync=never", "--max-span-bytes", "10", "--load", "f.jsonl"},
            {{"PTX_EMULATOR_FSYNC", "interval"},
             {"PTX_EMULATOR_WAL_SEGMENT_BYTES", "4096"},
             {"PTX_EMULATOR_MAX_LOG_BYTES", "11"},
             {"PTX_EMULATOR_MAX_METRIC_POINT_BYTES", "12"},
             {"PTX_EMULATOR_MAX_SLS_LOG_BYTES", "13"}});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status.ToString();
  EXPECT_EQ(parsed.options.data_dir, "/tmp/d");
  EXPECT_EQ(parsed.options.fsync, "never");
  EXPECT_EQ(parsed.options.load_file, "f.jsonl");
  EXPECT_EQ(parsed.options.wal_segment_bytes, 4096u);
  EXPECT_EQ(parsed.options.max_span_bytes, 10u);
  EXPECT_EQ(parsed.options.max_log_bytes, 11u);
  EXPECT_EQ(parsed.options.max_metric_point_bytes, 12u);
  EXPECT_EQ(parsed.options.max_sls_log_bytes, 13u);

  EXPECT_EQ(Parse({"--fsync", "sometimes"}).status.message(),
            "--fsync: expected always, interval or never, got 'sometimes'");
  EXPECT_EQ(Parse({"--data-dir="}).status.message(), "--data-dir: expected a path");
  EXPECT_EQ(Parse({"--max-span-bytes", "0"}).status.message(),
            "--max-span-bytes: expected a positive integer, got '0'");
  EXPECT_NE(Usage().find("  --fsync POLICY"), std::string::npos);
  EXPECT_NE(Usage().find("env PTX_EMULATOR_DATA_DIR"), std::string::npos);
}

TEST(OptionsTest, RejectsBadFlags) {
  EXPECT_FALSE(Parse({"--nope"}).status.ok());
  EXPECT_FALSE(Parse({"--http"}).status.ok());
  EXPECT_FALSE(Parse({"--http", "localhost"}).status.ok());
  EXPECT_FALSE(Parse({"--max-body-bytes", "lots"}).status.ok());
  EXPECT_FALSE(Parse({"--max-body-bytes", "0"}).status.ok());
  EXPECT_FALSE(Parse({}, {{"PTX_EMULATOR_OTLP_GRPC", "127.0.0.1:99999"}}).status.ok());
  EXPECT_TRUE(Parse({"--help"}).help);
}

TEST(OptionsTest, HostPort) {
  Result<HostPort> v4 = ParseHostPort("127.0.0.1:0");
  ASSERT_TRUE(v4.ok());
  EXPECT_EQ(v4->host, "127.0.0.1");
  EXPECT_EQ(v4->port, 0);
  Result<HostPort> v6 = ParseHostPort("[::1]:4317");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(FormatHostPort(v6->host, 4317), "[::1]:4317");
  EXPECT_FALSE(ParseHostPort("::1:4317").ok());
  EXPECT_FALSE(ParseHostPort(":4317").ok());
  EXPECT_FALSE(ParseHostPort("host:").ok());
}

}  // namespace
}  // namespace ptx::emulator
