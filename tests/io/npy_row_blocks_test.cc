// Streaming row blocks reassemble exactly into the whole-file read.
#include "core/io/npy_row_blocks.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/io/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;

std::vector<RowMatrixXd> TestFamily(int count, int rows, int cols) {
  std::vector<RowMatrixXd> family;
  for (int m = 0; m < count; ++m) {
    RowMatrixXd a(rows, cols);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < cols; ++c) a(r, c) = std::cos(0.3 * m + 1.7 * r + 0.11 * c) * (m + 1);
    family.push_back(a);
  }
  return family;
}

struct Layout {
  std::string name;
  int dims;  // 2 or 3
  NpyWriteOptions options;
};

class NpyRowBlocks : public ::testing::TestWithParam<Layout> {};

TEST_P(NpyRowBlocks, ConcatenatedBlocksEqualTheWholeReadForEveryBlockSize) {
  const Layout& layout = GetParam();
  const int count = layout.dims == 3 ? 3 : 1;
  const auto family = TestFamily(count, 13, 5);
  const std::string path = testing_io::TempPath("blocks.npy");
  if (layout.dims == 3) {
    ASSERT_TRUE(WriteNpyFamily(path, family, layout.options).ok());
  } else {
    ASSERT_TRUE(WriteNpyMatrix(path, family[0], layout.options).ok());
  }
  auto whole = ReadNpyFamily(path);
  ASSERT_TRUE(whole.ok()) << whole.status();

  for (int64_t block_rows : {1, 2, 3, 4, 6, 12, 13, 14, 1000}) {
    SCOPED_TRACE(block_rows);
    auto reader = NpyRowBlockReader::Open(path, block_rows);
    ASSERT_TRUE(reader.ok()) << reader.status();
    EXPECT_EQ(reader->matrix_count(), count);
    EXPECT_EQ(reader->rows(), 13);
    EXPECT_EQ(reader->cols(), 5);

    std::vector<RowMatrixXd> rebuilt(count, RowMatrixXd::Constant(13, 5, -1.0));
    std::vector<int64_t> next_row(count, 0);
    int64_t expected_matrix = 0;
    int blocks = 0;
    NpyRowBlockReader::Block block;
    while (true) {
      auto more = reader->Next(&block);
      ASSERT_TRUE(more.ok()) << more.status();
      if (!*more) break;
      ++blocks;
      // Blocks arrive in order, contiguous, never larger than asked, never
      // spanning two matrices.
      if (block.first_row == 0 && block.matrix != 0) ++expected_matrix;
      ASSERT_EQ(block.matrix, expected_matrix);
      ASSERT_EQ(block.first_row, next_row[block.matrix]);
      ASSERT_GE(block.rows.rows(), 1);
      ASSERT_LE(block.rows.rows(), block_rows);
      ASSERT_LE(block.first_row + block.rows.rows(), 13);
      rebuilt[block.matrix].middleRows(block.first_row, block.rows.rows()) = block.rows;
      next_row[block.matrix] += block.rows.rows();
    }
    EXPECT_EQ(blocks, count * ((13 + block_rows - 1) / block_rows));
    for (int m = 0; m < count; ++m) EXPECT_EQ(rebuilt[m], (*whole)[m]) << "matrix " << m;
    // Exhausted readers stay exhausted.
    auto again = reader->Next(&block);
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(*again);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Layouts, NpyRowBlocks,
    ::testing::Values(Layout{"matrix_f64_C", 2, {ElementType::kFloat64, false}},
                      Layout{"matrix_f32_C", 2, {ElementType::kFloat32, false}},
                      Layout{"matrix_f64_F", 2, {ElementType::kFloat64, true}},
                      Layout{"family_f64_C", 3, {ElementType::kFloat64, false}},
                      Layout{"family_f32_F", 3, {ElementType::kFloat32, true}}),
    [](const auto& info) { return info.param.name; });

TEST(NpyRowBlocksExtra, Uint8FramesStreamAsDoubles) {
  std::vector<uint8_t> bytes;
  for (int i = 0; i < 2 * 4 * 3; ++i) bytes.push_back(static_cast<uint8_t>(i * 11));
  const std::string path = testing_io::TempPath("u8.npy");
  testing_io::WriteBytes(path,
                         testing_io::NpyFile("|u1", false, "(2, 4, 3)",
                                             testing_io::LittleEndianBytes(bytes)));
  auto reader = NpyRowBlockReader::Open(path, 3);
  ASSERT_TRUE(reader.ok()) << reader.status();
  NpyRowBlockReader::Block block;
  std::vector<double> seen;
  while (true) {
    auto more = reader->Next(&block);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    for (int r = 0; r < block.rows.rows(); ++r)
      for (int c = 0; c < 3; ++c) seen.push_back(block.rows(r, c));
  }
  ASSERT_EQ(seen.size(), bytes.size());
  for (size_t i = 0; i < bytes.size(); ++i) EXPECT_EQ(seen[i], bytes[i]);
}

TEST(NpyRowBlocksExtra, SeekMatrixRestartsAtThatMatrix) {
  const auto family = TestFamily(4, 5, 2);
  const std::string path = testing_io::TempPath("seek.npy");
  ASSERT_TRUE(WriteNpyFamily(path, family).ok());
  auto reader = NpyRowBlockReader::Open(path, 5);
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE(reader->SeekMatrix(2).ok());
  NpyRowBlockReader::Block block;
  ASSERT_TRUE(*reader->Next(&block));
  EXPECT_EQ(block.matrix, 2);
  EXPECT_EQ(block.rows, family[2]);
  ASSERT_TRUE(reader->SeekMatrix(0).ok());
  ASSERT_TRUE(*reader->Next(&block));
  EXPECT_EQ(block.rows, family[0]);
  EXPECT_TRUE(reader->SeekMatrix(4).ok());
  EXPECT_FALSE(*reader->Next(&block));
  EXPECT_EQ(reader->SeekMatrix(5).code(), absl::StatusCode::kOutOfRange);
}

TEST(NpyRowBlocksExtra, ZeroRowBlocksAreRefused) {
  const std::string path = testing_io::TempPath("z.npy");
  ASSERT_TRUE(WriteNpyMatrix(path, RowMatrixXd::Ones(2, 2)).ok());
  auto reader = NpyRowBlockReader::Open(path, 0);
  EXPECT_EQ(reader.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(reader.status().message(), HasSubstr(path));
}

TEST(NpyRowBlocksExtra, ANanMidFileFailsTheBlockThatHoldsIt) {
  RowMatrixXd a = RowMatrixXd::Ones(10, 3);
  const std::string path = testing_io::TempPath("nan.npy");
  ASSERT_TRUE(WriteNpyMatrix(path, a).ok());
  // Poke a NaN into row 7, column 1 of the written file.
  std::string bytes = testing_io::ReadBytes(path);
  const double nan = std::nan("");
  std::memcpy(&bytes[bytes.size() - 10 * 3 * 8 + (7 * 3 + 1) * 8], &nan, 8);
  testing_io::WriteBytes(path, bytes);

  auto reader = NpyRowBlockReader::Open(path, 4);
  ASSERT_TRUE(reader.ok());
  NpyRowBlockReader::Block block;
  auto first = reader->Next(&block);  // rows 0-3: fine
  ASSERT_TRUE(first.ok());
  auto second = reader->Next(&block);  // rows 4-7: holds the NaN
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("row 7, column 1"));
}

}  // namespace
}  // namespace sketchd
