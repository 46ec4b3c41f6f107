// sketchctl's wiring of core's row-block source: file errors, at open and in
// the middle of streaming, carry the input exit code (4), so scripts can tell
// a bad file from a server error.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "client/cli_status.h"
#include "client/matrix_inputs.h"
#include "core/io/npy.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

std::string Scratch(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("sketchd-input-rows-" + std::to_string(getpid()) + "-" + name))
      .string();
}

TEST(InputRowBlocks, OpenErrorsAreInputErrors) {
  absl::StatusOr<std::unique_ptr<RowBlockSource>> source =
      InputRowBlocks({Scratch("missing.npy")}, 1 << 20);
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(ExitCodeOf(source.status(), -1), kExitInput) << source.status();
}

TEST(InputRowBlocks, StreamingErrorsAreInputErrors) {
  // A valid header and size, a NaN in the last row: found only while streaming.
  std::vector<double> values(12, 1.0);
  values[11] = std::numeric_limits<double>::quiet_NaN();
  const std::string path = Scratch("nan.npy");
  testing_io::WriteBytes(path, testing_io::NpyFile("<f8", false, "(6, 2)",
                                                   testing_io::LittleEndianBytes(values)));
  absl::StatusOr<std::unique_ptr<RowBlockSource>> source = InputRowBlocks({path}, 16);
  std::filesystem::remove(path);
  ASSERT_TRUE(source.ok()) << source.status();
  RowBlockSource::Block block;
  absl::StatusOr<bool> more = true;
  while (more.ok() && *more) more = (*source)->Next(&block);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(ExitCodeOf(more.status(), -1), kExitInput) << more.status();
  EXPECT_NE(more.status().message().find("row 5, column 1"), absl::string_view::npos)
      << more.status();
}

TEST(ReadOneMatrix, AStackIsAnInputError) {
  const std::string path = Scratch("stack.npy");
  ASSERT_TRUE(WriteNpyFamily(path, {RowMatrixXd::Ones(2, 2), RowMatrixXd::Ones(2, 2)}).ok());
  absl::StatusOr<RowMatrixXd> one = ReadOneMatrix(path);
  std::filesystem::remove(path);
  ASSERT_FALSE(one.ok());
  EXPECT_EQ(ExitCodeOf(one.status(), -1), kExitInput);
  EXPECT_NE(one.status().message().find("found a stack of 2"), absl::string_view::npos)
      << one.status();
}

}  // namespace
}  // namespace sketchd
