// FileRowBlocks: every matrix file reaches the wire or a command through it.
// It opens each file once — the shape probe's reader (or parsed text) is what
// Next streams, so the files can be gone by then — and bad files fail with an
// error that names the file and says what is wrong.
#include "core/io/row_block_source.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "core/io/matrix_file.h"
#include "core/io/npy.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using ::testing::HasSubstr;
using testing_io::NpyFile;
using testing_io::TempPath;
using testing_io::WriteBytes;

RowMatrixXd Matrix(int64_t rows, int64_t cols, double offset) {
  RowMatrixXd m(rows, cols);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c) m(r, c) = offset + r * 0.5 - c * 0.25;
  return m;
}

// The error FileRowBlocks gives for `paths`; fails the test if it opens.
std::string OpenError(const std::vector<std::string>& paths, absl::StatusCode code) {
  absl::StatusOr<std::unique_ptr<RowBlockSource>> source = FileRowBlocks(paths, 1 << 20);
  EXPECT_FALSE(source.ok());
  if (source.ok()) return "";
  EXPECT_EQ(source.status().code(), code) << source.status();
  return std::string(source.status().message());
}

TEST(FileRowBlocks, StreamsFromTheFilesOpenedForTheShape) {
  const std::string a = TempPath("a.npy"), b = TempPath("b.csv");
  const std::vector<RowMatrixXd> stack = {Matrix(9, 3, 1), Matrix(9, 3, 2)};
  const RowMatrixXd text = Matrix(9, 3, 3);
  ASSERT_TRUE(WriteNpyFamily(a, stack).ok());
  ASSERT_TRUE(WriteMatrixFile(b, text).ok());

  // 2 rows of 3 float64 per block.
  auto source = FileRowBlocks({a, b}, 48);
  ASSERT_TRUE(source.ok()) << source.status();
  EXPECT_EQ((*source)->matrix_count(), 3);
  EXPECT_EQ((*source)->rows(), 9);
  EXPECT_EQ((*source)->cols(), 3);
  std::remove(a.c_str());  // nothing is opened again
  std::remove(b.c_str());

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

TEST(FileRowBlocks, ReadAllMatricesAssemblesEveryMatrix) {
  const std::string a = TempPath("a.npy"), b = TempPath("b.mtx");
  ASSERT_TRUE(WriteNpyMatrix(a, Matrix(5, 4, 1)).ok());
  ASSERT_TRUE(WriteMatrixFile(b, Matrix(5, 4, 2)).ok());
  auto source = FileRowBlocks({a, b}, 40);  // one row per block
  ASSERT_TRUE(source.ok()) << source.status();
  absl::StatusOr<std::vector<RowMatrixXd>> all = ReadAllMatrices(**source);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], Matrix(5, 4, 1));
  EXPECT_TRUE((*all)[1].isApprox(Matrix(5, 4, 2), 1e-15));
}

TEST(FileRowBlocks, Float32FilesCanTravelAsFloat32) {
  const std::string f32 = TempPath("f32.npy"), f64 = TempPath("f64.npy");
  WriteBytes(f32, NpyFile("<f4", false, "(2, 1)", testing_io::LittleEndianBytes<float>({1, 2})));
  ASSERT_TRUE(WriteNpyMatrix(f64, Matrix(2, 1, 0)).ok());
  auto only32 = FileRowBlocks({f32}, 1 << 20);
  ASSERT_TRUE(only32.ok()) << only32.status();
  EXPECT_TRUE((*only32)->exact_in_float32());
  auto mixed = FileRowBlocks({f32, f64}, 1 << 20);
  ASSERT_TRUE(mixed.ok()) << mixed.status();
  EXPECT_FALSE((*mixed)->exact_in_float32());
}

TEST(FileRowBlocks, BadFilesFailNamingTheFile) {
  const std::string missing = TempPath("missing.npy");
  EXPECT_THAT(OpenError({missing}, absl::StatusCode::kNotFound), HasSubstr(missing));

  const std::string txt = TempPath("m.txt");
  WriteBytes(txt, "1,2\n");
  EXPECT_THAT(OpenError({txt}, absl::StatusCode::kInvalidArgument), HasSubstr(".txt"));

  // Header promises 4 float64 values, the file holds 1.
  const std::string truncated = TempPath("truncated.npy");
  WriteBytes(truncated, NpyFile("<f8", false, "(2, 2)", testing_io::LittleEndianBytes<double>({1})));
  std::string error = OpenError({truncated}, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(error, HasSubstr(truncated));
  EXPECT_THAT(error, HasSubstr("truncated"));

  const std::string ragged = TempPath("ragged.csv");
  WriteBytes(ragged, "1,2\n3\n");
  EXPECT_THAT(OpenError({ragged}, absl::StatusCode::kInvalidArgument), HasSubstr(ragged));

  const std::string empty_stack = TempPath("empty.npy");
  WriteBytes(empty_stack, NpyFile("<f8", false, "(0, 2, 2)", ""));
  EXPECT_THAT(OpenError({empty_stack}, absl::StatusCode::kInvalidArgument),
              HasSubstr("holds no matrices"));
}

TEST(FileRowBlocks, ShapesMustAgreeAcrossFiles) {
  const std::string a = TempPath("a.npy"), b = TempPath("b.csv");
  ASSERT_TRUE(WriteNpyMatrix(a, Matrix(4, 3, 0)).ok());
  ASSERT_TRUE(WriteMatrixFile(b, Matrix(4, 2, 0)).ok());
  const std::string error = OpenError({a, b}, absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(error, HasSubstr(b + ": matrices are 4×2 but " + a + " holds 4×3"));
}

TEST(MemoryRowBlocks, ShapesMustAgree) {
  const RowMatrixXd a = Matrix(3, 2, 0), b = Matrix(3, 3, 0);
  auto source = MemoryRowBlocks({&a, &b}, 1 << 20);
  ASSERT_FALSE(source.ok());
  EXPECT_THAT(source.status().message(), HasSubstr("same shape"));
}

TEST(BlockRowsFor, AtLeastOneRow) {
  EXPECT_EQ(BlockRowsFor(3, 48), 2);
  EXPECT_EQ(BlockRowsFor(1000, 8), 1);
  EXPECT_EQ(BlockRowsFor(0, 16), 2);  // no columns: counted as one
}

}  // namespace
}  // namespace sketchd
