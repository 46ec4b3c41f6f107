#include "mpi/distributed_npy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/io/element_type.h"
#include "core/io/npy_header.h"
#include "core/io/npy_reader.h"

namespace sketchd {
namespace {

// Rows are converted and written in pieces of about this many bytes, so the
// byte buffer never costs more than a small fraction of the block itself.
constexpr int64_t kWriteChunkBytes = int64_t{4} << 20;

absl::Status ErrnoError(const std::string& path, const char* what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": cannot ", what, ": ", std::strerror(errno)));
}

// pwrite of all `n` bytes (pwrite may write less than asked).
absl::Status WriteAllAt(int fd, const std::string& path, const char* data, int64_t n, int64_t offset) {
  while (n > 0) {
    const ssize_t written = ::pwrite(fd, data, static_cast<size_t>(n), static_cast<off_t>(offset));
    if (written < 0) {
      if (errno == EINTR) continue;
      return ErrnoError(path, "write");
    }
    data += written;
    n -= written;
    offset += written;
  }
  return absl::OkStatus();
}

// Rank 0's part: a temporary file with the header, sized to hold every row.
absl::Status CreateSizedFile(const std::string& tmp, const std::string& header, int64_t data_bytes) {
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return ErrnoError(tmp, "create");
  absl::Status s = WriteAllAt(fd, tmp, header.data(), static_cast<int64_t>(header.size()), 0);
  if (s.ok() && ::ftruncate(fd, static_cast<off_t>(header.size() + data_bytes)) != 0) {
    s = ErrnoError(tmp, "size");
  }
  if (::close(fd) != 0 && s.ok()) s = ErrnoError(tmp, "close");
  return s;
}

absl::Status WriteRowsAt(const std::string& tmp, int64_t offset, ConstRowMajorRef rows) {
  if (rows.rows() == 0) return absl::OkStatus();
  const int fd = ::open(tmp.c_str(), O_WRONLY);
  if (fd < 0) return ErrnoError(tmp, "open for writing");
  const int64_t cols = rows.cols();
  const int64_t rows_per_chunk =
      std::max<int64_t>(1, kWriteChunkBytes / (cols * int64_t{sizeof(double)}));
  std::vector<char> bytes;
  std::vector<double> row_values;
  absl::Status s;
  for (int64_t r = 0; r < rows.rows() && s.ok(); r += rows_per_chunk) {
    const int64_t count = std::min(rows_per_chunk, rows.rows() - r);
    row_values.resize(static_cast<size_t>(count * cols));
    for (int64_t i = 0; i < count; ++i) {
      for (int64_t j = 0; j < cols; ++j) row_values[i * cols + j] = rows(r + i, j);
    }
    bytes.resize(row_values.size() * sizeof(double));
    DoubleToLittleEndian(ElementType::kFloat64, row_values.data(),
                         static_cast<int64_t>(row_values.size()), bytes.data());
    s = WriteAllAt(fd, tmp, bytes.data(), static_cast<int64_t>(bytes.size()),
                   offset + r * cols * int64_t{sizeof(double)});
  }
  if (::close(fd) != 0 && s.ok()) s = ErrnoError(tmp, "close");
  return s;
}

}  // namespace

absl::StatusOr<LocalRows> ReadLocalRows(const std::string& path, int rank, int size) {
  auto reader = NpyReader::Open(path);
  if (!reader.ok()) return reader.status();
  if (reader->matrix_count() != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": holds ", reader->matrix_count(), " matrices (shape ",
        reader->header().ShapeString(), "); sketchmpi takes one 1-D or 2-D array per file"));
  }
  if (reader->header().fortran_order && reader->rows() > 1 && reader->cols() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": is in Fortran order, so a rank's rows are spread over the whole file; "
              "save it in C order (numpy.ascontiguousarray) for sketchmpi"));
  }
  LocalRows out;
  out.total_rows = reader->rows();
  out.range = RowRangeOfRank(out.total_rows, rank, size);
  auto rows = reader->ReadRows(0, out.range.first, out.range.count);
  if (!rows.ok()) return rows.status();
  out.rows = std::move(*rows);
  return out;
}

absl::Status WriteDistributedRows(Communicator& comm, const std::string& path, int64_t total_rows,
                                  int64_t cols, RowRange range, ConstRowMajorRef rows) {
  const std::string header = EncodeNpyHeader(ElementType::kFloat64, false, {total_rows, cols});
  // Same name on every rank (they share the file system); the pid of no
  // single rank would be known to the others without another message.
  const std::string tmp = absl::StrCat(path, ".tmp.sketchmpi");
  absl::Status s;
  if (comm.rank() == 0) s = CreateSizedFile(tmp, header, total_rows * cols * int64_t{sizeof(double)});
  s = comm.AgreeOnStatus(s);
  if (!s.ok()) return s;
  const int64_t offset =
      static_cast<int64_t>(header.size()) + range.first * cols * int64_t{sizeof(double)};
  s = comm.AgreeOnStatus(WriteRowsAt(tmp, offset, rows));
  if (s.ok() && comm.rank() == 0 && std::rename(tmp.c_str(), path.c_str()) != 0) {
    s = ErrnoError(path, "rename the finished file into place");
  }
  s = comm.AgreeOnStatus(s);
  if (!s.ok() && comm.rank() == 0) std::remove(tmp.c_str());
  return s;
}

}  // namespace sketchd
