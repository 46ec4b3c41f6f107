// The dispatcher: every format reads back what it wrote, equal across formats.
#include "core/io/matrix_file.h"

#include <cmath>
#include <string>
#include <vector>

#include "core/io/npy.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using testing_io::TempPath;
using ::testing::HasSubstr;

RowMatrixXd Sample() {
  RowMatrixXd a(6, 4);
  for (int r = 0; r < 6; ++r)
    for (int c = 0; c < 4; ++c) a(r, c) = (r == c) ? 0.0 : std::exp(-0.5 * r) * std::cos(7.0 * c);
  return a;
}

TEST(MatrixFile, EveryFormatRoundTripsExactlyAndAgrees) {
  const RowMatrixXd a = Sample();
  for (const char* ext : {".npy", ".mtx", ".csv", ".NPY", ".Csv"}) {
    SCOPED_TRACE(ext);
    const std::string path = TempPath(std::string("m") + ext);
    ASSERT_TRUE(WriteMatrixFile(path, a).ok());
    auto back = ReadMatrixFile(path);
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, a);
    auto family = ReadMatrixFamily(path);
    ASSERT_TRUE(family.ok());
    ASSERT_EQ(family->size(), 1u);
    EXPECT_EQ((*family)[0], a);
    auto sparse = ReadSparseMatrixFile(path);
    ASSERT_TRUE(sparse.ok()) << sparse.status();
    EXPECT_EQ(RowMatrixXd(*sparse), a);
    EXPECT_EQ(sparse->nonZeros(), (a.array() != 0).count());
  }
}

TEST(MatrixFile, ThreeDimensionalNpyIsAFamilyNotAMatrix) {
  const std::vector<RowMatrixXd> family = {Sample(), 2 * Sample(), -Sample()};
  const std::string path = TempPath("fam.npy");
  ASSERT_TRUE(WriteNpyFamily(path, family).ok());
  auto back = ReadMatrixFamily(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, family);
  auto one = ReadMatrixFile(path);
  EXPECT_EQ(one.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(one.status().message(), HasSubstr("family"));
}

TEST(MatrixFile, UnknownOrMissingExtensionsAreNamed) {
  for (const std::string name : {"a.txt", "noext", "dir.npy/file", "x.npy.gz"}) {
    SCOPED_TRACE(name);
    auto m = ReadMatrixFile(name);
    EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(m.status().message(), HasSubstr(name));
    EXPECT_FALSE(WriteMatrixFile(TempPath(name == "dir.npy/file" ? "file" : name), Sample()).ok());
  }
  EXPECT_THAT(ReadMatrixFile("a.txt").status().message(), HasSubstr("'.txt'"));
  EXPECT_THAT(ReadMatrixFile("x.npy.gz").status().message(), HasSubstr("'.gz'"));
  EXPECT_THAT(ReadMatrixFile("noext").status().message(), HasSubstr("no file extension"));
}

TEST(MatrixFile, MissingFilesAreNotFoundInEveryFormat) {
  for (const char* ext : {".npy", ".mtx", ".csv"}) {
    EXPECT_EQ(ReadMatrixFile(TempPath(std::string("gone") + ext)).status().code(),
              absl::StatusCode::kNotFound);
  }
}

TEST(MatrixFile, WritingIntoAMissingDirectoryFailsCleanly) {
  absl::Status s = WriteMatrixFile("/nonexistent-dir-sketchd/x.npy", Sample());
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("/nonexistent-dir-sketchd/x.npy"));
}

TEST(MatrixFile, OverwritingReplacesTheWholeFile) {
  const std::string path = TempPath("over.csv");
  ASSERT_TRUE(WriteMatrixFile(path, RowMatrixXd::Ones(50, 50)).ok());
  ASSERT_TRUE(WriteMatrixFile(path, Sample()).ok());
  auto back = ReadMatrixFile(path);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, Sample());
}

}  // namespace
}  // namespace sketchd
