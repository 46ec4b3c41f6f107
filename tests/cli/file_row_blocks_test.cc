// FileRowBlocks opens each file once: the shape probe's reader (or parsed
// text) is what Next streams, so the files can be gone by then. Before, Next
// opened every file a second time (and parsed text files twice).
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "client/matrix_inputs.h"

namespace sketchd {
namespace {

RowMatrixXd Matrix(int64_t rows, int64_t cols, double offset) {
  RowMatrixXd m(rows, cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) m(r, c) = offset + r * 0.5 - c * 0.25;
  return m;
}

TEST(FileRowBlocks, StreamsFromTheFilesOpenedForTheShape) {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("sketchd-rowblocks-" + std::to_string(getpid())))
                              .string();
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::vector<RowMatrixXd> stack = {Matrix(9, 3, 1), Matrix(9, 3, 2)};
  const RowMatrixXd text = Matrix(9, 3, 3);
  ASSERT_TRUE(WriteMatrices(dir + "/a.npy", stack).ok());
  ASSERT_TRUE(WriteMatrices(dir + "/b.csv", {text}).ok());

  // 2 rows of 3 float64 per block.
  auto source = FileRowBlocks({dir + "/a.npy", dir + "/b.csv"}, 48);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->matrix_count(), 3);
  EXPECT_EQ((*source)->rows(), 9);
  EXPECT_EQ((*source)->cols(), 3);
  std::filesystem::remove_all(dir);  // nothing is opened again

  std::vector<RowMatrixXd> got(3, RowMatrixXd::Zero(9, 3));
  RowBlockSource::Block block;
  int blocks = 0;
  while (true) {
    absl::StatusOr<bool> more = (*source)->Next(&block);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    ASSERT_LE(block.rows.rows(), 2);
    got[block.matrix].middleRows(block.first_row, block.rows.rows()) = block.rows;
    ++blocks;
  }
  EXPECT_EQ(blocks, 15);
  EXPECT_EQ(got[0], stack[0]);
  EXPECT_EQ(got[1], stack[1]);
  EXPECT_EQ(got[2], text);
}

}  // namespace
}  // namespace sketchd
