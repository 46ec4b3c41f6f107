#include "core/sketch/sketch_serialization.h"

#include <gtest/gtest.h>

namespace sketchd {
namespace {

CountSketch Sample() {
  auto learned = CountSketch::FromParts(3, {0, 2, 1, 1, 0}, {0.25, -1.5, 2.0, 0.0, 1e-300});
  auto random = CountSketch::Random(2, 5, 17);
  return *CountSketch::Stack(*learned, *random);
}

TEST(SketchSerializationTest, RoundTripsExactly) {
  const CountSketch s = Sample();
  auto parsed = ParseSketch(SerializeSketch(s));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, s);
  auto big = CountSketch::Random(1000, 100000, 5);
  EXPECT_EQ(*ParseSketch(SerializeSketch(*big)), *big);
  // Compact: 12 bytes per nonzero plus a small header.
  EXPECT_LT(SerializeSketch(*big).size(), 100000u * 12 + 64);
}

TEST(SketchSerializationTest, RejectsEverySingleByteCorruption) {
  const std::string bytes = SerializeSketch(Sample());
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

TEST(SketchSerializationTest, RejectsTruncationAndExtension) {
  const std::string bytes = SerializeSketch(Sample());
  for (size_t len = 0; len < bytes.size(); ++len) {
    EXPECT_FALSE(ParseSketch(bytes.substr(0, len)).ok()) << "length " << len;
  }
  EXPECT_FALSE(ParseSketch(bytes + '\0').ok());
  EXPECT_FALSE(ParseSketch("").ok());
}

}  // namespace
}  // namespace sketchd
