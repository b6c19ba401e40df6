#include "ptx/compression/codec.h"

#include <gtest/gtest.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include <random>
#include <string>
#include <thread>

namespace ptx::compression {
namespace {

constexpr size_t kMiB = 1 << 20;
constexpr Codec kStreamCodecs[] = {Codec::kGzip, Codec::kDeflate, Codec::kZstd};

std::string RandomBytes(size_t n, uint32_t seed = 42) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::string Text(size_t n) {
  std::string s;
  while (s.size() < n) s += "GET /v1/traces service.name=checkout span_id=00f067aa0ba902b7 ";
  s.resize(n);
  return s;
}

Result<std::string> RoundTrip(Codec codec, const std::string& input, int level = kDefaultLevel) {
  auto packed = Compress(codec, input, level);
  if (!packed.ok()) return packed.status();
  return Decompress(codec, *packed, input.size(), input.size());
}

TEST(ParseCodecTest, NamesAnyCase) {
  EXPECT_EQ(ParseCodec("none"), Codec::kNone);
  EXPECT_EQ(ParseCodec("GZIP"), Codec::kGzip);
  EXPECT_EQ(ParseCodec("Deflate"), Codec::kDeflate);
  EXPECT_EQ(ParseCodec("lz4"), Codec::kLz4);
  EXPECT_EQ(ParseCodec("ZStd"), Codec::kZstd);
  EXPECT_EQ(ParseCodec(""), std::nullopt);
  EXPECT_EQ(ParseCodec("gzip "), std::nullopt);
  EXPECT_EQ(ParseCodec("snappy"), std::nullopt);
  for (Codec c : {Codec::kNone, Codec::kGzip, Codec::kDeflate, Codec::kLz4, Codec::kZstd}) {
    EXPECT_EQ(ParseCodec(CodecName(c)), c);
  }
}

class CodecRoundTripTest : public ::testing::TestWithParam<Codec> {};

TEST_P(CodecRoundTripTest, Empty) {
  auto out = RoundTrip(GetParam(), "");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "");
}

TEST_P(CodecRoundTripTest, Text) {
  std::string input = Text(300000);
  auto packed = Compress(GetParam(), input);
  ASSERT_TRUE(packed.ok());
  if (GetParam() != Codec::kNone) {
    EXPECT_LT(packed->size(), input.size() / 10);
  }
  auto out = Decompress(GetParam(), *packed, input.size(), input.size());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, input);
}

TEST_P(CodecRoundTripTest, IncompressibleRandom) {
  for (size_t n : {size_t{1}, size_t{17}, size_t{65536}, size_t{3 * kMiB + 7}}) {
    std::string input = RandomBytes(n, static_cast<uint32_t>(n));
    auto out = RoundTrip(GetParam(), input);
    ASSERT_TRUE(out.ok()) << n << ": " << out.status().ToString();
    EXPECT_EQ(*out, input) << n;
  }
}

TEST_P(CodecRoundTripTest, ExactlyAtTheLimitIsAccepted) {
  std::string input(kMiB, 'z');
  auto packed = Compress(GetParam(), input);
  ASSERT_TRUE(packed.ok());
  auto out = Decompress(GetParam(), *packed, kMiB, kMiB);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->size(), kMiB);
  auto over = Decompress(GetParam(), *packed, kMiB - 1, kMiB);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, CodecRoundTripTest,
                         ::testing::Values(Codec::kNone, Codec::kGzip, Codec::kDeflate,
                                           Codec::kLz4, Codec::kZstd),
                         [](const auto& info) { return std::string(CodecName(info.param)); });

TEST(CompressTest, LevelsRoundTripAndBadLevelsFail) {
  std::string input = Text(100000);
  for (int level : {0, 1, 9}) {
    for (Codec c : {Codec::kGzip, Codec::kDeflate}) {
      auto out = RoundTrip(c, input, level);
      ASSERT_TRUE(out.ok());
      EXPECT_EQ(*out, input);
    }
  }
  EXPECT_EQ(*RoundTrip(Codec::kZstd, input, 19), input);
  EXPECT_EQ(*RoundTrip(Codec::kLz4, input, 8), input);
  EXPECT_EQ(Compress(Codec::kGzip, input, 10).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Compress(Codec::kZstd, input, 99).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Compress(Codec::kLz4, input, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(GzipTest, OutputIsAGzipMemberReadableByZlib) {
  std::string input = Text(50000);
  auto packed = Compress(Codec::kGzip, input);
  ASSERT_TRUE(packed.ok());
  ASSERT_GE(packed->size(), 18u);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[1]), 0x8b);
  EXPECT_EQ(static_cast<unsigned char>((*packed)[2]), 0x08);  // deflate method

  z_stream zs{};
  ASSERT_EQ(inflateInit2(&zs, 15 + 16), Z_OK);
  std::string out(input.size(), '\0');
  zs.next_in = reinterpret_cast<Bytef*>(packed->data());
  zs.avail_in = static_cast<uInt>(packed->size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  inflateEnd(&zs);
  EXPECT_EQ(out, input);
}

TEST(GzipTest, ConcatenatedMembersAreOneBody) {
  auto a = Compress(Codec::kGzip, "hello, ");
  auto b = Compress(Codec::kGzip, "world");
  auto out = Decompress(Codec::kGzip, *a + *b, 100);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "hello, world");
}

TEST(DeflateTest, OutputIsAZlibStreamReadableByUncompress) {
  std::string input = Text(50000);
  auto packed = Compress(Codec::kDeflate, input);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(static_cast<unsigned char>((*packed)[0]) & 0x0f, 8);  // CM = deflate
  std::string out(input.size(), '\0');
  uLongf out_len = out.size();
  ASSERT_EQ(uncompress(reinterpret_cast<Bytef*>(out.data()), &out_len,
                       reinterpret_cast<const Bytef*>(packed->data()), packed->size()),
            Z_OK);
  EXPECT_EQ(out_len, input.size());
  EXPECT_EQ(out, input);
}

TEST(DeflateTest, ReadsWhatZlibCompressWrites) {
  std::string input = Text(20000);
  std::string packed(compressBound(input.size()), '\0');
  uLongf len = packed.size();
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(packed.data()), &len,
                     reinterpret_cast<const Bytef*>(input.data()), input.size()),
            Z_OK);
  packed.resize(len);
  auto out = Decompress(Codec::kDeflate, packed, input.size());
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, input);
}

std::string ZlibCompress2(const std::string& input, int level) {
  std::string packed(compressBound(input.size()), '\0');
  uLongf len = packed.size();
  EXPECT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &len,
                      reinterpret_cast<const Bytef*>(input.data()), input.size(), level),
            Z_OK);
  packed.resize(len);
  return packed;
}

// Each thread reuses one deflate stream: whatever ran on it before (another level, gzip's
// window bits, a larger input), the next output is byte for byte what a fresh stream writes.
TEST(DeflateTest, ReusedStreamWritesWhatAFreshStreamWrites) {
  const std::string big = Text(300000) + RandomBytes(5000);
  const std::string small = Text(777);
  const auto check = [&] {
    for (int level : {1, 9, 1, 6}) {
      for (const std::string* input : {&big, &small, &big}) {
        auto packed = Compress(Codec::kDeflate, *input, level);
        ASSERT_TRUE(packed.ok());
        EXPECT_EQ(*packed, ZlibCompress2(*input, level)) << "level " << level;
        ASSERT_TRUE(Compress(Codec::kGzip, *input, 9 - level).ok());
      }
    }
  };
  check();
  std::thread other(check);
  other.join();
}

TEST(DeflateTest, TrailingDataIsRejected) {
  auto packed = Compress(Codec::kDeflate, "abc");
  auto out = Decompress(Codec::kDeflate, *packed + "junk", 100);
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(Lz4Test, RawBlockWithoutFrameOrPrefix) {
  // Five literals and no match: one token (5 << 4) and the literals, nothing else.
  auto packed = Compress(Codec::kLz4, "hello");
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(*packed, std::string("\x50hello", 6));
  auto out = Decompress(Codec::kLz4, std::string("\x50hello", 6), 100, 5);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, "hello");
}

TEST(Lz4Test, CompatibleWithLz4DecompressSafe) {
  std::string input = Text(200000);
  auto packed = Compress(Codec::kLz4, input);
  ASSERT_TRUE(packed.ok());
  std::string out(input.size(), '\0');
  int n = LZ4_decompress_safe(packed->data(), out.data(), static_cast<int>(packed->size()),
                              static_cast<int>(out.size()));
  EXPECT_EQ(n, static_cast<int>(input.size()));
  EXPECT_EQ(out, input);
}

TEST(Lz4Test, ReadsLz4CompressDefault) {
  std::string input = Text(70000) + RandomBytes(5000);
  std::string packed(LZ4_compressBound(static_cast<int>(input.size())), '\0');
  int n = LZ4_compress_default(input.data(), packed.data(), static_cast<int>(input.size()),
                               static_cast<int>(packed.size()));
  ASSERT_GT(n, 0);
  packed.resize(n);
  auto out = Decompress(Codec::kLz4, packed, kMiB, input.size());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, input);
}

TEST(Lz4Test, WrongRawSizeIsInvalid) {
  std::string input = Text(10000);
  auto packed = Compress(Codec::kLz4, input);
  EXPECT_EQ(Decompress(Codec::kLz4, *packed, kMiB, input.size() - 1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Decompress(Codec::kLz4, *packed, kMiB, input.size() + 1).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Decompress(Codec::kLz4, *packed, kMiB, 0).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ZstdTest, StandardFrameReadableByZstd) {
  std::string input = Text(100000);
  auto packed = Compress(Codec::kZstd, input);
  ASSERT_TRUE(packed.ok());
  EXPECT_EQ(packed->substr(0, 4), std::string("\x28\xb5\x2f\xfd", 4));
  std::string out(input.size(), '\0');
  size_t n = ZSTD_decompress(out.data(), out.size(), packed->data(), packed->size());
  ASSERT_FALSE(ZSTD_isError(n));
  EXPECT_EQ(n, input.size());
  EXPECT_EQ(out, input);
}

TEST(ZstdTest, ReadsFramesWithoutContentSize) {
  // A streamed frame does not record its size; the decoder must not rely on it.
  std::string input = Text(300000);
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string packed(ZSTD_compressBound(input.size()), '\0');
  ZSTD_inBuffer in{input.data(), input.size(), 0};
  ZSTD_outBuffer o{packed.data(), packed.size(), 0};
  ASSERT_EQ(ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_end), 0u);
  ZSTD_freeCCtx(cctx);
  packed.resize(o.pos);
  auto out = Decompress(Codec::kZstd, packed, input.size());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, input);
}

TEST(BombTest, HundredMegabytesOfZerosAreRefusedWithOneMegabyteCap) {
  const std::string zeros(100 * kMiB, '\0');
  for (Codec c : kStreamCodecs) {
    auto packed = Compress(c, zeros, c == Codec::kZstd ? 1 : 9);
    ASSERT_TRUE(packed.ok());
    EXPECT_LT(packed->size(), kMiB / 4) << CodecName(c);
    auto out = Decompress(c, *packed, kMiB);
    ASSERT_FALSE(out.ok()) << CodecName(c);
    EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted) << CodecName(c);
  }
  auto lz4 = Compress(Codec::kLz4, zeros);
  ASSERT_TRUE(lz4.ok());
  EXPECT_EQ(Decompress(Codec::kLz4, *lz4, kMiB, zeros.size()).status().code(),
            StatusCode::kResourceExhausted);
  EXPECT_EQ(Decompress(Codec::kNone, zeros, kMiB).status().code(),
            StatusCode::kResourceExhausted);
}

TEST(TruncatedTest, EveryCutIsInvalidArgument) {
  std::string input = Text(40000) + RandomBytes(4000);
  for (Codec c : {Codec::kGzip, Codec::kDeflate, Codec::kZstd, Codec::kLz4}) {
    auto packed = Compress(c, input);
    ASSERT_TRUE(packed.ok());
    for (size_t keep : {size_t{0}, size_t{1}, size_t{5}, packed->size() / 2,
                        packed->size() - 4, packed->size() - 1}) {
      auto out = Decompress(c, packed->substr(0, keep), kMiB, input.size());
      ASSERT_FALSE(out.ok()) << CodecName(c) << " keep=" << keep;
      EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument)
          << CodecName(c) << " keep=" << keep << " " << out.status().ToString();
    }
  }
}

TEST(GarbageTest, RandomBytesAreInvalidArgument) {
  std::string garbage = RandomBytes(1000, 7);
  for (Codec c : {Codec::kGzip, Codec::kDeflate, Codec::kZstd, Codec::kLz4}) {
    auto out = Decompress(c, garbage, kMiB, 5000);
    ASSERT_FALSE(out.ok()) << CodecName(c);
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument) << CodecName(c);
  }
}

}  // namespace
}  // namespace ptx::compression
