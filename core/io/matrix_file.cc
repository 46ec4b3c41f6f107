#include "core/io/matrix_file.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/io/csv.h"
#include "core/io/matrix_market.h"
#include "core/io/npy.h"

namespace sketchd {

absl::StatusOr<MatrixFileFormat> MatrixFileFormatFromPath(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  const size_t dot = path.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": no file extension (expected .npy, .mtx or .csv)"));
  }
  const std::string ext = absl::AsciiStrToLower(path.substr(dot));
  if (ext == ".npy") return MatrixFileFormat::kNpy;
  if (ext == ".mtx") return MatrixFileFormat::kMatrixMarket;
  if (ext == ".csv") return MatrixFileFormat::kCsv;
  return absl::InvalidArgumentError(absl::StrCat(path, ": unknown matrix file extension '",
                                                 path.substr(dot),
                                                 "' (expected .npy, .mtx or .csv)"));
}

absl::StatusOr<RowMatrixXd> ReadMatrixFile(const std::string& path) {
  auto format = MatrixFileFormatFromPath(path);
  if (!format.ok()) return format.status();
  switch (*format) {
    case MatrixFileFormat::kNpy: return ReadNpyMatrix(path);
    case MatrixFileFormat::kMatrixMarket: return ReadMatrixMarketDense(path);
    case MatrixFileFormat::kCsv: return ReadCsvMatrix(path);
  }
  return absl::InternalError("unreachable");
}

absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrixFamily(const std::string& path) {
  auto format = MatrixFileFormatFromPath(path);
  if (!format.ok()) return format.status();
  if (*format == MatrixFileFormat::kNpy) return ReadNpyFamily(path);
  auto one = ReadMatrixFile(path);
  if (!one.ok()) return one.status();
  std::vector<RowMatrixXd> family;
  family.push_back(std::move(*one));
  return family;
}

absl::StatusOr<CsrMatrix> ReadSparseMatrixFile(const std::string& path) {
  auto format = MatrixFileFormatFromPath(path);
  if (!format.ok()) return format.status();
  if (*format == MatrixFileFormat::kMatrixMarket) return ReadMatrixMarketSparse(path);
  auto dense = ReadMatrixFile(path);
  if (!dense.ok()) return dense.status();
  CsrMatrix sparse = dense->sparseView();
  sparse.makeCompressed();
  return sparse;
}

absl::Status WriteMatrixFile(const std::string& path, const ConstRowMajorRef& matrix) {
  auto format = MatrixFileFormatFromPath(path);
  if (!format.ok()) return format.status();
  switch (*format) {
    case MatrixFileFormat::kNpy: return WriteNpyMatrix(path, matrix);
    case MatrixFileFormat::kMatrixMarket: return WriteMatrixMarketDense(path, matrix);
    case MatrixFileFormat::kCsv: return WriteCsvMatrix(path, matrix);
  }
  return absl::InternalError("unreachable");
}

}  // namespace sketchd
