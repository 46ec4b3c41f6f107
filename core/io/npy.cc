#include "core/io/npy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "core/io/binary_file.h"
#include "core/io/npy_header.h"
#include "core/io/npy_reader.h"

namespace sketchd {
namespace {

constexpr int64_t kChunkElements = 1 << 16;

// Writes a (count, rows, cols) array whose element (m, r, c) is at(m, r, c),
// in the file order the options ask for, converting chunk by chunk.
template <typename At>
absl::Status WriteArray(const std::string& path, const NpyWriteOptions& options,
                        const std::vector<int64_t>& shape, int64_t count, int64_t rows,
                        int64_t cols, At at) {
  if (options.type != ElementType::kFloat64 && options.type != ElementType::kFloat32) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write .npy as ",
                                                   ElementTypeName(options.type),
                                                   "; use float64 or float32"));
  }
  const bool fortran = options.fortran_order && shape.size() > 1;
  auto file = OutputFile::Create(path);
  if (!file.ok()) return file.status();
  if (absl::Status s = file->Append(EncodeNpyHeader(options.type, fortran, shape)); !s.ok()) {
    return s;
  }
  const int size = ElementSize(options.type);
  const double limit = options.type == ElementType::kFloat32
                           ? static_cast<double>(std::numeric_limits<float>::max())
                           : std::numeric_limits<double>::max();
  const int64_t total = count * rows * cols;
  std::vector<double> values(static_cast<size_t>(std::min(total, kChunkElements)));
  std::string bytes;
  int64_t m = 0, r = 0, c = 0;
  for (int64_t done = 0; done < total;) {
    const int64_t k = std::min(kChunkElements, total - done);
    for (int64_t t = 0; t < k; ++t) {
      const double v = at(m, r, c);
      if (!(std::fabs(v) <= limit)) {
        std::string where = shape.size() == 3 ? absl::StrCat("matrix ", m, ", ") : "";
        return absl::InvalidArgumentError(absl::StrCat(
            path, ": cannot write ", std::isfinite(v) ? "out-of-range " : "non-finite ",
            "value ", v, " as ", ElementTypeName(options.type), " at ", where, "row ", r,
            ", column ", c, " (0-based)"));
      }
      values[static_cast<size_t>(t)] = v;
      if (fortran) {  // matrix index fastest, then row, then column
        if (++m == count) {
          m = 0;
          if (++r == rows) {
            r = 0;
            ++c;
          }
        }
      } else {  // column fastest, then row, then matrix
        if (++c == cols) {
          c = 0;
          if (++r == rows) {
            r = 0;
            ++m;
          }
        }
      }
    }
    bytes.resize(static_cast<size_t>(k * size));
    DoubleToLittleEndian(options.type, values.data(), k, bytes.data());
    if (absl::Status s = file->Append(bytes); !s.ok()) return s;
    done += k;
  }
  return file->Close();
}

}  // namespace

absl::StatusOr<RowMatrixXd> ReadNpyMatrix(const std::string& path) {
  auto reader = NpyReader::Open(path);
  if (!reader.ok()) return reader.status();
  if (reader->num_dims() == 3) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": .npy holds a 3-D array ", reader->header().ShapeString(),
        " (a family of matrices) where one matrix (1-D or 2-D) was expected"));
  }
  return reader->ReadMatrix(0);
}

absl::StatusOr<std::vector<RowMatrixXd>> ReadNpyFamily(const std::string& path) {
  auto reader = NpyReader::Open(path);
  if (!reader.ok()) return reader.status();
  return reader->ReadAll();
}

absl::Status WriteNpyMatrix(const std::string& path, const ConstRowMajorRef& matrix,
                            const NpyWriteOptions& options) {
  return WriteArray(path, options, {matrix.rows(), matrix.cols()}, 1, matrix.rows(),
                    matrix.cols(),
                    [&](int64_t, int64_t r, int64_t c) { return matrix(r, c); });
}

absl::Status WriteNpyVector(const std::string& path, const VectorXd& vector,
                            const NpyWriteOptions& options) {
  return WriteArray(path, options, {vector.size()}, 1, vector.size(), 1,
                    [&](int64_t, int64_t r, int64_t) { return vector(r); });
}

absl::Status WriteNpyFamily(const std::string& path, const std::vector<RowMatrixXd>& family,
                            const NpyWriteOptions& options) {
  const int64_t count = static_cast<int64_t>(family.size());
  const int64_t rows = family.empty() ? 0 : family[0].rows();
  const int64_t cols = family.empty() ? 0 : family[0].cols();
  for (int64_t i = 0; i < count; ++i) {
    const RowMatrixXd& m = family[static_cast<size_t>(i)];
    if (m.rows() != rows || m.cols() != cols) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": cannot write a family of differently shaped matrices: matrix 0 is ", rows,
          "×", cols, ", matrix ", i, " is ", m.rows(), "×", m.cols()));
    }
  }
  return WriteArray(path, options, {count, rows, cols}, count, rows, cols,
                    [&](int64_t m, int64_t r, int64_t c) {
                      return family[static_cast<size_t>(m)](r, c);
                    });
}

}  // namespace sketchd
