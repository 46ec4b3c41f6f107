#include "core/sketch/sketch_serialization.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <fstream>
#include <iterator>

#include "core/sketch/byte_codec.h"

namespace sketchd {
namespace {

CountSketch Sample() {
  auto learned = CountSketch::FromParts(3, {0, 2, 1, 1, 0}, {0.25, -1.5, 2.0, 0.0, 1e-300});
  auto random = CountSketch::Random(2, 5, 17);
  return *CountSketch::Stack(*learned, *random);
}

// The version 1 writer as it was, kept here so the reader of old files stays
// tested against bytes that nothing in the build writes any more.
std::string SerializeVersion1(const CountSketch& sketch) {
  std::string out = "SKCS";
  AppendLittleEndian<uint8_t>(out, 1);
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.rows()));
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.cols()));
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.num_blocks()));
  for (int32_t r : sketch.block_rows()) AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(r));
  for (int32_t p : sketch.positions()) AppendLittleEndian<int32_t>(out, p);
  for (double v : sketch.values()) AppendLittleEndian<double>(out, v);
  AppendLittleEndian<uint64_t>(out, XXH64(out.data(), out.size(), 0));
  return out;
}

// Replaces the trailing xxh64 so that edits reach the checks behind it.
std::string WithChecksum(std::string bytes) {
  bytes.resize(bytes.size() - 8);
  AppendLittleEndian<uint64_t>(bytes, XXH64(bytes.data(), bytes.size(), 0));
  return bytes;
}

// Offsets in v2 bytes: 17-byte header, then per block rows u32 | id u8 | seed | counter.
constexpr size_t kFirstBlockTable = 17;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(SketchSerializationTest, RoundTripsExactlyWithDescriptions) {
  const CountSketch s = Sample();
  const std::string bytes = SerializeSketch(s);
  EXPECT_EQ(static_cast<uint8_t>(bytes[4]), kSketchFormatVersion);
  auto parsed = ParseSketch(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, s);
  EXPECT_FALSE(parsed->random_block(0).has_value());
  EXPECT_EQ(parsed->random_block(1), s.random_block(1));
  EXPECT_EQ(SerializeSketch(*parsed), bytes);  // canonical
  // The learned block costs 12 bytes a column; the random one its seed.
  EXPECT_EQ(bytes.size(), 17u + 2 * 5 + 16 + 5 * 12 + 8);
  // An explicit sketch of many columns: 12 bytes per nonzero plus a small header.
  auto big = CountSketch::Random(1000, 100000, 5);
  CountSketch learned = *big;
  learned.mutable_values()[0] = 0.5;
  EXPECT_EQ(*ParseSketch(SerializeSketch(learned)), learned);
  EXPECT_LT(SerializeSketch(learned).size(), 100000u * 12 + 64);
}

TEST(SketchSerializationTest, ARandomTenMillionColumnSketchIsAFewDozenBytes) {
  constexpr int64_t kN = 10'000'000;
  const CountSketch s = *CountSketch::Random(50, kN, 123);
  const std::string bytes = SerializeSketch(s);
  EXPECT_EQ(bytes.size(), 46u);  // header 17, block 21, checksum 8
  auto parsed = ParseSketch(bytes);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, s);
  EXPECT_EQ(parsed->random_block(0), s.random_block(0));
  // The mixed shape: [learned; random] stores the learned block's entries only.
  const CountSketch learned = *CountSketch::FromParts(2, std::vector<int32_t>(1000, 1),
                                                      std::vector<double>(1000, 0.5));
  const CountSketch mixed = *CountSketch::Stack(learned, *CountSketch::Random(3, 1000, 4));
  EXPECT_EQ(SerializeSketch(mixed).size(), 17u + 5 + 21 + 1000 * 12 + 8);
}

TEST(SketchSerializationTest, RandomBlocksAboveTheExpansionLimitAreRefusedBeforeExpanding) {
  const std::string bytes = SerializeSketch(*CountSketch::Random(4, 1000, 1));
  auto refused = ParseSketch(bytes, SketchDecodeLimits{.max_random_entries = 999});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "sketch has 1 random block(s) of n = 1000 columns, 1000 entries to expand, above "
            "the limit of 999");
  EXPECT_TRUE(ParseSketch(bytes, SketchDecodeLimits{.max_random_entries = 1000}).ok());
  // 2^31−1 columns from 46 bytes: refused by the default limit, not allocated.
  const std::string huge = SerializeSketch(*CountSketch::Random(2, 3, 1));
  std::string crafted = huge;
  crafted.replace(9, 4, "\xFF\xFF\xFF\x7F");  // n = 2^31 − 1, little-endian
  auto parsed = ParseSketch(WithChecksum(crafted));
  EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << parsed.status();
  EXPECT_NE(parsed.status().message().find("2147483647 entries to expand"), absl::string_view::npos)
      << parsed.status();
}

TEST(SketchSerializationTest, VersionOneBytesStillParse) {
  const CountSketch s = Sample();
  const std::string v1 = SerializeVersion1(s);
  auto parsed = ParseSketch(v1);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, s);
  // v1 did not record how a block was made: read back, every block is explicit.
  EXPECT_FALSE(parsed->random_block(1).has_value());
  EXPECT_EQ(*ParseSketch(SerializeSketch(*parsed)), s);
  // Bytes written by the version 1 code itself (committed fuzzing seeds).
  for (const char* name : {"random", "mixed", "heavy"}) {
    const std::string old = ReadFile(std::string(SKETCHD_SOURCE_DIR) +
                                     "/fuzz/corpus/sketch_decoder_fuzzer/" + name + ".skcs");
    ASSERT_GT(old.size(), 5u) << name;
    ASSERT_EQ(old[4], 1) << name;
    auto from_old = ParseSketch(old);
    ASSERT_TRUE(from_old.ok()) << name << ": " << from_old.status();
    EXPECT_EQ(SerializeVersion1(*from_old), old) << name;
    EXPECT_EQ(*ParseSketch(SerializeSketch(*from_old)), *from_old) << name;
  }
  // The v1 reader's own checks still hold.
  EXPECT_FALSE(ParseSketch(v1.substr(0, v1.size() - 1)).ok());
  std::string bad_size = v1;
  bad_size[17] = 0;  // first block_rows = 0
  EXPECT_EQ(ParseSketch(WithChecksum(bad_size)).status().code(), absl::StatusCode::kDataLoss);
}

TEST(SketchSerializationTest, CommittedVersionTwoBytesParseAndReencodeIdentically) {
  // Written by this version's writer (the fuzzing seeds): a reader that
  // changes what they mean, or a writer that changes their bytes, fails here.
  for (const char* name : {"random_v2", "mixed_v2", "two_random_v2"}) {
    const std::string bytes = ReadFile(std::string(SKETCHD_SOURCE_DIR) +
                                       "/fuzz/corpus/sketch_decoder_fuzzer/" + name + ".skcs");
    auto parsed = ParseSketch(bytes);
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.status();
    EXPECT_EQ(SerializeSketch(*parsed), bytes) << name;
    const int last = parsed->num_blocks() - 1;
    ASSERT_TRUE(parsed->random_block(last).has_value()) << name;
    EXPECT_EQ(parsed->Block(last), *CountSketch::Random(parsed->block_rows()[last], parsed->cols(),
                                                        *parsed->random_block(last)))
        << name;
  }
}

// Both kinds of block, and a sketch with no explicit entries at all.
std::vector<std::string> VersionTwoSamples() {
  return {SerializeSketch(Sample()), SerializeSketch(*CountSketch::Random(3, 7, 99))};
}

TEST(SketchSerializationTest, RejectsEverySingleByteCorruption) {
  for (const std::string& bytes : VersionTwoSamples()) {
    for (size_t i = 0; i < bytes.size(); ++i) {
      for (unsigned mask : {0x01u, 0x80u, 0xFFu}) {
        std::string corrupt = bytes;
        corrupt[i] = static_cast<char>(corrupt[i] ^ mask);
        auto parsed = ParseSketch(corrupt);
        EXPECT_FALSE(parsed.ok()) << "byte " << i << " mask " << mask;
        if (!parsed.ok()) {
          EXPECT_EQ(parsed.status().code(), absl::StatusCode::kDataLoss);
        }
      }
    }
  }
}

TEST(SketchSerializationTest, RejectsTruncationAndExtension) {
  for (const std::string& bytes : VersionTwoSamples()) {
    for (size_t len = 0; len < bytes.size(); ++len) {
      EXPECT_FALSE(ParseSketch(bytes.substr(0, len)).ok()) << "length " << len;
    }
    EXPECT_FALSE(ParseSketch(bytes + '\0').ok());
  }
  EXPECT_FALSE(ParseSketch("").ok());
}

// Edits behind a valid checksum: the structure itself must be checked.
TEST(SketchSerializationTest, RejectsCraftedBlockTables) {
  const std::string random = SerializeSketch(*CountSketch::Random(3, 7, 99));
  const size_t id = kFirstBlockTable + 4, counter = id + 1 + 8;
  auto expect = [](const std::string& bytes, absl::StatusCode code, const std::string& part) {
    auto parsed = ParseSketch(WithChecksum(bytes));
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), code) << parsed.status();
    EXPECT_NE(parsed.status().message().find(part), absl::string_view::npos) << parsed.status();
  };
  std::string unknown = random;
  unknown[id] = 9;
  expect(unknown, absl::StatusCode::kDataLoss, "unknown CountSketch distribution id 9");
  std::string past_end = random;
  for (size_t i = 0; i < 8; ++i) past_end[counter + i] = static_cast<char>(0xFF);
  expect(past_end, absl::StatusCode::kDataLoss, "past the end of the 64-bit counter space");
  std::string as_explicit = random;  // claims explicit entries that are not there
  as_explicit[id] = 0;
  expect(as_explicit, absl::StatusCode::kDataLoss, "length does not match header");
  std::string future = random;
  future[4] = 3;
  expect(future, absl::StatusCode::kDataLoss, "unsupported sketch format version 3");

  // Two blocks with the same seed and counters: the writer never makes them.
  std::string twice = "SKCS";
  AppendLittleEndian<uint8_t>(twice, 2);
  AppendLittleEndian<uint32_t>(twice, 4);  // m
  AppendLittleEndian<uint32_t>(twice, 7);  // n
  AppendLittleEndian<uint32_t>(twice, 2);  // blocks
  for (int b = 0; b < 2; ++b) {
    AppendLittleEndian<uint32_t>(twice, 2);
    AppendLittleEndian<uint8_t>(twice, 1);
    AppendLittleEndian<uint64_t>(twice, 99);
    AppendLittleEndian<uint64_t>(twice, 0);
  }
  twice.append(8, '\0');
  expect(twice, absl::StatusCode::kDataLoss, "drawn from the same Philox counters");

  // An explicit block's positions are local to it.
  std::string learned = SerializeSketch(*CountSketch::FromParts(2, {0, 1, 1}, {1, 2, 3}));
  const size_t first_position = kFirstBlockTable + 5;
  learned[first_position] = 2;
  expect(learned, absl::StatusCode::kDataLoss, "outside rows [0, 2)");
}

}  // namespace
}  // namespace sketchd
