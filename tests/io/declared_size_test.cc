// Tiny files that declare huge shapes. Each reader must refuse a declared
// size that the file cannot hold (or that exceeds its stated limit) before it
// allocates anything for it — so every case runs in a child process whose
// peak resident set is asserted, and whose abort would be a failure.
//
// Before these checks: (2147483647, 0, 0) .npy aborted on a 51 GB reserve;
// (1e8, 200, 0) reached 5.4 GB; a 60-byte coordinate .mtx "17000 17000 0"
// densified to 2.3 GB; a CSV with one wide line reserved rows × that width.
#include <string>
#include <vector>

#include "core/io/csv.h"
#include "core/io/matrix_market.h"
#include "core/io/npy.h"
#include "core/io/npy_reader.h"
#include "core/io/npy_row_blocks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"
#include "tests/testing/child_process.h"

namespace sketchd {
namespace {

using child_process::RunInChild;
using testing_io::LittleEndianBytes;
using testing_io::NpyFile;
using testing_io::TempPath;
using testing_io::WriteBytes;
using ::testing::HasSubstr;

// Far below what any of the defects reached, far above a test's own needs
// (an ASan build of the suite starts near 40 MiB).
constexpr int64_t kPeakRssLimitMib = 256;

// Runs `read` in a child; it must return a status with `code` whose message
// contains every one of `parts`, within the memory bound.
template <typename Read>
void ExpectRefusedWithinMemory(Read read, absl::StatusCode code,
                               const std::vector<std::string>& parts) {
  const auto outcome = RunInChild([&] {
    const absl::Status status = read();
    if (status.code() != code) {
      std::fprintf(stderr, "unexpected status: %s\n", status.ToString().c_str());
      return 1;
    }
    for (const std::string& part : parts) {
      if (status.message().find(part) == absl::string_view::npos) {
        std::fprintf(stderr, "message lacks '%s': %s\n", part.c_str(),
                     status.ToString().c_str());
        return 2;
      }
    }
    return 0;
  });
  EXPECT_TRUE(outcome.succeeded()) << outcome;
  EXPECT_LT(outcome.peak_rss_mib, kPeakRssLimitMib) << outcome;
}

std::string EmptyNpy(const std::string& name, const std::string& shape) {
  const std::string path = TempPath(name + ".npy");
  WriteBytes(path, NpyFile("<f8", false, shape, ""));
  return path;
}

TEST(DeclaredSize, NpyFamilyOfTwoBillionEmptyMatricesIsRefused) {
  const std::string path = EmptyNpy("huge_family", "(2147483647, 0, 0)");
  ExpectRefusedWithinMemory([&] { return ReadNpyFamily(path).status(); },
                            absl::StatusCode::kInvalidArgument,
                            {path, "(2147483647, 0, 0)", "holds no elements"});
  ExpectRefusedWithinMemory([&] { return NpyRowBlockReader::Open(path, 64).status(); },
                            absl::StatusCode::kInvalidArgument, {"holds no elements"});
}

TEST(DeclaredSize, NpyHundredMillionEmptyMatricesAreRefused) {
  const std::string path = EmptyNpy("hundred_million", "(100000000, 200, 0)");
  ExpectRefusedWithinMemory([&] { return ReadNpyFamily(path).status(); },
                            absl::StatusCode::kInvalidArgument,
                            {"(100000000, 200, 0)", "dimension 100000000 exceeds the limit of 1048576"});
}

TEST(DeclaredSize, NpyEmptyMatrixWithTwoBillionRowsIsRefused) {
  // One 2^31−1 × 0 matrix costs nothing to read but n = 2^31−1 rows would
  // drive every per-row allocation downstream (a sketch's positions, Y).
  const std::string path = EmptyNpy("tall_empty", "(2147483647, 0)");
  ExpectRefusedWithinMemory([&] { return ReadNpyMatrix(path).status(); },
                            absl::StatusCode::kInvalidArgument, {"holds no elements"});
}

TEST(DeclaredSize, ModestEmptyNpyArraysStillRead) {
  auto rows_only = ReadNpyMatrix(EmptyNpy("no_rows", "(0, 5000)"));
  ASSERT_TRUE(rows_only.ok()) << rows_only.status();
  EXPECT_EQ(rows_only->rows(), 0);
  EXPECT_EQ(rows_only->cols(), 5000);
  auto family = ReadNpyFamily(EmptyNpy("small_family", "(5, 0, 3)"));
  ASSERT_TRUE(family.ok()) << family.status();
  EXPECT_EQ(family->size(), 5u);
  auto none = ReadNpyFamily(EmptyNpy("no_matrices", "(0, 1080, 1920)"));
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
}

TEST(DeclaredSize, NpyDataShorterThanTheShapeIsRefusedBeforeReading) {
  // 10^9 × 10^3 doubles declared, 16 bytes present.
  const std::string path = TempPath("short.npy");
  WriteBytes(path, NpyFile("<f8", false, "(1000000000, 1000)",
                           LittleEndianBytes(std::vector<double>{1, 2})));
  ExpectRefusedWithinMemory([&] { return ReadNpyMatrix(path).status(); },
                            absl::StatusCode::kInvalidArgument,
                            {"truncated .npy data", "needs 8000000000000 bytes"});
}

std::string Mtx(const std::string& name, const std::string& text) {
  const std::string path = TempPath(name + ".mtx");
  WriteBytes(path, text);
  return path;
}

TEST(DeclaredSize, MtxCoordinateHeaderIsNotDensifiedBeyondTheLimit) {
  const std::string path =
      Mtx("coord_17000", "%%MatrixMarket matrix coordinate real general\n17000 17000 0\n");
  ASSERT_LT(testing_io::ReadBytes(path).size(), 64u);
  ExpectRefusedWithinMemory([&] { return ReadMatrixMarketDense(path).status(); },
                            absl::StatusCode::kInvalidArgument,
                            {path, "dense 17000×17000 matrix", "2.15", "GiB",
                             "limit is 1073741824 bytes"});
  // The same file read as sparse is a valid empty matrix and costs little.
  const auto sparse = RunInChild([&] {
    auto m = ReadMatrixMarketSparse(path);
    return m.ok() && m->rows() == 17000 && m->cols() == 17000 && m->nonZeros() == 0 ? 0 : 1;
  });
  EXPECT_TRUE(sparse.succeeded()) << sparse;
  EXPECT_LT(sparse.peak_rss_mib, kPeakRssLimitMib) << sparse;
}

TEST(DeclaredSize, MtxLimitIsConfigurable) {
  const std::string path =
      Mtx("coord_small", "%%MatrixMarket matrix coordinate real general\n300 300 1\n2 3 4.5\n");
  auto refused = ReadMatrixMarketDense(path, MatrixMarketLimits{.max_matrix_bytes = 300 * 300 * 8 - 1});
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(refused.status().message(), HasSubstr("limit is 719999 bytes"));
  auto read = ReadMatrixMarketDense(path, MatrixMarketLimits{.max_matrix_bytes = 300 * 300 * 8});
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ((*read)(1, 2), 4.5);
  EXPECT_EQ(read->sum(), 4.5);
}

TEST(DeclaredSize, MtxSparseWithTwoBillionRowsIsRefused) {
  // CSR needs an outer index per row: 2^31 rows are 16 GiB with no entries.
  const std::string path = Mtx(
      "coord_huge", "%%MatrixMarket matrix coordinate real general\n2147483647 2147483647 0\n");
  ExpectRefusedWithinMemory([&] { return ReadMatrixMarketSparse(path).status(); },
                            absl::StatusCode::kInvalidArgument,
                            {"sparse 2147483647×2147483647 matrix with 0 entries", "limit is"});
}

TEST(DeclaredSize, CsvWideFirstLineThenShortLinesIsRaggedNotAnAllocation) {
  // 20 000 fields on line 1, then 200 000 one-field lines: 32 GB if the
  // matrix were reserved from the first line's width before checking rows.
  std::string text;
  for (int c = 0; c < 20000; ++c) text += c == 0 ? "1" : ",1";
  text += "\n";
  for (int r = 0; r < 200000; ++r) text += "1\n";
  const std::string path = TempPath("wide_then_short.csv");
  WriteBytes(path, text);
  ExpectRefusedWithinMemory([&] { return ReadCsvMatrix(path).status(); },
                            absl::StatusCode::kInvalidArgument,
                            {"line 2: ragged row: 1 fields where the first data row has 20000"});
}

}  // namespace
}  // namespace sketchd
