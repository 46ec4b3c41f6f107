// The shared real data sets load through the streaming readers. Reads only
// headers and the first matrix, so it stays fast; skipped where the data
// directory is absent (CI checks it out at ../shared next to the repo).
#include <cmath>
#include <string>
#include <sys/stat.h>

#include "core/io/npy_reader.h"
#include "core/io/npy_row_blocks.h"
#include "gtest/gtest.h"

namespace sketchd {
namespace {

std::string DataPath(const std::string& name) {
  return std::string(SKETCHD_SOURCE_DIR) + "/../shared/data/" + name;
}

bool Exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

TEST(RealData, VtestFramesAreUint8Doubles) {
  const std::string path = DataPath("vtest_frames_u8.npy");
  if (!Exists(path)) GTEST_SKIP() << path << " not present";
  auto reader = NpyReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->header().type, ElementType::kUInt8);
  EXPECT_FALSE(reader->header().fortran_order);
  EXPECT_EQ(reader->matrix_count(), 199);
  auto frame = reader->ReadMatrix(0);
  ASSERT_TRUE(frame.ok()) << frame.status();
  ASSERT_EQ(frame->rows(), 288);
  ASSERT_EQ(frame->cols(), 384);
  EXPECT_GE(frame->minCoeff(), 0.0);
  EXPECT_LE(frame->maxCoeff(), 255.0);
  EXPECT_TRUE((frame->array() == frame->array().round()).all()) << "uint8 values are integers";
  EXPECT_GT(frame->maxCoeff() - frame->minCoeff(), 50.0) << "a real image has contrast";
  // The last frame is reachable by offset without reading the others.
  auto last = reader->ReadMatrix(198);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_NE(*last, *frame);
}

TEST(RealData, NavyWindsStreamAsFloat32Blocks) {
  const std::string path = DataPath("navy_winds_f32.npy");
  if (!Exists(path)) GTEST_SKIP() << path << " not present";
  auto blocks = NpyRowBlockReader::Open(path, 64);
  ASSERT_TRUE(blocks.ok()) << blocks.status();
  EXPECT_EQ(blocks->header().type, ElementType::kFloat32);
  EXPECT_EQ(blocks->matrix_count(), 132);
  EXPECT_EQ(blocks->rows(), 146);
  EXPECT_EQ(blocks->cols(), 144);
  NpyRowBlockReader::Block block;
  auto more = blocks->Next(&block);
  ASSERT_TRUE(more.ok()) << more.status();
  ASSERT_TRUE(*more);
  EXPECT_EQ(block.rows.rows(), 64);
  EXPECT_TRUE(block.rows.allFinite());
}

TEST(RealData, TetuanRightHandSideIsAVector) {
  const std::string path = DataPath("tetuan_b.npy");
  if (!Exists(path)) GTEST_SKIP() << path << " not present";
  auto reader = NpyReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status();
  EXPECT_EQ(reader->rows(), 52416);
  EXPECT_EQ(reader->cols(), 1);
}

}  // namespace
}  // namespace sketchd
