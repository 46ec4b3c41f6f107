#include "core/io/matrix_market.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "core/io/binary_file.h"
#include "core/io/line_reader.h"
#include "core/io/number_text.h"

namespace sketchd {
namespace {

constexpr int64_t kMaxDimension = (int64_t{1} << 31) - 1;
constexpr size_t kFlushBytes = 1 << 20;

enum class Format { kArray, kCoordinate };
enum class Field { kReal, kInteger, kPattern };
enum class Symmetry { kGeneral, kSymmetric, kSkewSymmetric };

// Reads the banner and size line, then streams entries to a sink.
class MtxParser {
 public:
  explicit MtxParser(InputFile* file) : file_(file), lines_(file) {}

  absl::Status ReadHeader();

  Format format() const { return format_; }
  int64_t rows() const { return rows_; }
  int64_t cols() const { return cols_; }
  int64_t declared_entries() const { return entries_; }

  // Calls sink(row, col, value) with 0-based indices for every stored entry
  // and for its mirror image in symmetric files.
  template <typename Sink>
  absl::Status ReadEntries(Sink&& sink);

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(file_->path(), ": ", what));
  }
  absl::Status LineError(absl::string_view what) const {
    return absl::InvalidArgumentError(
        absl::StrCat(file_->path(), ": line ", lines_.line_number(), ": ", what));
  }
  // Next line that is neither blank nor a comment; false at end of file.
  absl::StatusOr<bool> NextDataLine(absl::string_view* line);
  absl::Status ParseValue(absl::string_view token, double* value) const;
  absl::Status ParseIndex(absl::string_view token, const char* what, int64_t limit,
                          int64_t* index) const;

  InputFile* file_;
  LineReader lines_;
  Format format_ = Format::kArray;
  Field field_ = Field::kReal;
  Symmetry symmetry_ = Symmetry::kGeneral;
  int64_t rows_ = 0;
  int64_t cols_ = 0;
  int64_t entries_ = 0;  // data lines the file must contain
};

absl::StatusOr<bool> MtxParser::NextDataLine(absl::string_view* line) {
  while (true) {
    auto more = lines_.Next(line);
    if (!more.ok() || !*more) return more;
    *line = TrimBlanks(*line);
    if (!line->empty() && (*line)[0] != '%') return true;
  }
}

absl::Status MtxParser::ReadHeader() {
  absl::string_view line;
  auto first = lines_.Next(&line);
  if (!first.ok()) return first.status();
  if (!*first) return Error("empty file (expected a %%MatrixMarket banner)");
  absl::string_view t[6];
  const int n = SplitWhitespace(line, t, 6);
  if (n == 0 || absl::AsciiStrToLower(t[0]) != "%%matrixmarket") {
    return Error("bad banner: the first line must start with %%MatrixMarket");
  }
  if (n != 5) {
    return Error(
        "bad banner: expected '%%MatrixMarket matrix <array|coordinate> <field> <symmetry>'");
  }
  const std::string object = absl::AsciiStrToLower(t[1]);
  const std::string format = absl::AsciiStrToLower(t[2]);
  const std::string field = absl::AsciiStrToLower(t[3]);
  const std::string symmetry = absl::AsciiStrToLower(t[4]);
  if (object != "matrix") return Error(absl::StrCat("unsupported object '", t[1], "' in banner"));
  if (format == "array") {
    format_ = Format::kArray;
  } else if (format == "coordinate") {
    format_ = Format::kCoordinate;
  } else {
    return Error(absl::StrCat("unknown format '", t[2], "' in banner"));
  }
  if (field == "real" || field == "double") {
    field_ = Field::kReal;
  } else if (field == "integer") {
    field_ = Field::kInteger;
  } else if (field == "pattern") {
    if (format_ == Format::kArray) return Error("field 'pattern' needs the coordinate format");
    field_ = Field::kPattern;
  } else if (field == "complex") {
    return Error("complex values are not supported");
  } else {
    return Error(absl::StrCat("unknown field '", t[3], "' in banner"));
  }
  if (symmetry == "general") {
    symmetry_ = Symmetry::kGeneral;
  } else if (symmetry == "symmetric") {
    symmetry_ = Symmetry::kSymmetric;
  } else if (symmetry == "skew-symmetric") {
    symmetry_ = Symmetry::kSkewSymmetric;
  } else if (symmetry == "hermitian") {
    return Error("hermitian symmetry is not supported (it needs complex values)");
  } else {
    return Error(absl::StrCat("unknown symmetry '", t[4], "' in banner"));
  }

  auto size_line = NextDataLine(&line);
  if (!size_line.ok()) return size_line.status();
  if (!*size_line) return Error("missing size line after the banner");
  const int want = format_ == Format::kArray ? 2 : 3;
  const int got = SplitWhitespace(line, t, 6);
  if (got != want) {
    return LineError(absl::StrCat("size line must hold ", want, " integers (",
                                  format_ == Format::kArray ? "rows cols" : "rows cols entries",
                                  "), found ", got, " fields"));
  }
  int64_t sizes[3] = {0, 0, 0};
  for (int i = 0; i < want; ++i) {
    if (!ParseInt64(t[i], &sizes[i]) || sizes[i] < 0) {
      return LineError(absl::StrCat("size '", t[i], "' is not a non-negative integer"));
    }
  }
  rows_ = sizes[0];
  cols_ = sizes[1];
  if (rows_ > kMaxDimension || cols_ > kMaxDimension) {
    return LineError(absl::StrCat("size ", rows_, "×", cols_, " exceeds the limit of ",
                                  kMaxDimension, " per dimension"));
  }
  if (symmetry_ != Symmetry::kGeneral && rows_ != cols_) {
    return LineError(absl::StrCat("a ", symmetry, " matrix must be square, got ", rows_, "×",
                                  cols_));
  }
  if (format_ == Format::kArray) {
    if (symmetry_ == Symmetry::kGeneral) {
      entries_ = rows_ * cols_;  // < 2^62: no overflow
    } else if (symmetry_ == Symmetry::kSymmetric) {
      entries_ = rows_ * (rows_ + 1) / 2;
    } else {
      entries_ = rows_ > 0 ? rows_ * (rows_ - 1) / 2 : 0;
    }
  } else {
    entries_ = sizes[2];
  }
  // Each entry takes at least one line of two (array) or four (coordinate)
  // bytes, less the final newline: refuse counts the file cannot hold before
  // allocating anything for them.
  const int64_t min_bytes = format_ == Format::kArray ? 2 : 4;
  if (entries_ > file_->size() / min_bytes + 1) {
    return LineError(absl::StrCat("declares ", entries_, " entries, more than a file of ",
                                  file_->size(), " bytes can hold"));
  }
  return absl::OkStatus();
}

absl::Status MtxParser::ParseValue(absl::string_view token, double* value) const {
  if (field_ == Field::kInteger) {
    int64_t v = 0;
    if (!ParseInt64(token, &v)) {
      return LineError(absl::StrCat("'", token, "' is not an integer (the field is integer)"));
    }
    *value = static_cast<double>(v);
    return absl::OkStatus();
  }
  switch (ParseDouble(token, value)) {
    case NumberParse::kOk:
      return absl::OkStatus();
    case NumberParse::kNonFinite:
      return LineError(absl::StrCat("non-finite value '", token, "'"));
    case NumberParse::kNotANumber:
      break;
  }
  return LineError(absl::StrCat("'", token, "' is not a number"));
}

absl::Status MtxParser::ParseIndex(absl::string_view token, const char* what, int64_t limit,
                                   int64_t* index) const {
  int64_t v = 0;
  if (!ParseInt64(token, &v)) {
    return LineError(absl::StrCat(what, " index '", token, "' is not an integer"));
  }
  if (v < 1 || v > limit) {
    return LineError(absl::StrCat(what, " index ", v, " is outside [1, ", limit, "]"));
  }
  *index = v - 1;
  return absl::OkStatus();
}

template <typename Sink>
absl::Status MtxParser::ReadEntries(Sink&& sink) {
  const bool skew = symmetry_ == Symmetry::kSkewSymmetric;
  const int tokens_per_entry =
      format_ == Format::kArray ? 1 : (field_ == Field::kPattern ? 2 : 3);
  // Array position: column-major, lower triangle only when symmetric.
  int64_t col = 0;
  int64_t row = symmetry_ == Symmetry::kSkewSymmetric ? 1 : 0;
  absl::string_view line;
  absl::string_view t[4];
  for (int64_t k = 0; k < entries_; ++k) {
    auto more = NextDataLine(&line);
    if (!more.ok()) return more.status();
    if (!*more) {
      return Error(absl::StrCat("file ends after ", k, " of the ", entries_, " declared entries"));
    }
    const int n = SplitWhitespace(line, t, 4);
    if (n != tokens_per_entry) {
      return LineError(absl::StrCat("expected ", tokens_per_entry, " field",
                                    tokens_per_entry == 1 ? "" : "s", ", found ", n));
    }
    double value = 1.0;
    int64_t i = 0, j = 0;
    if (format_ == Format::kArray) {
      if (absl::Status s = ParseValue(t[0], &value); !s.ok()) return s;
      i = row;
      j = col;
      if (++row == rows_) {
        ++col;
        row = symmetry_ == Symmetry::kGeneral ? 0 : col + (skew ? 1 : 0);
      }
    } else {
      if (absl::Status s = ParseIndex(t[0], "row", rows_, &i); !s.ok()) return s;
      if (absl::Status s = ParseIndex(t[1], "column", cols_, &j); !s.ok()) return s;
      if (field_ != Field::kPattern) {
        if (absl::Status s = ParseValue(t[2], &value); !s.ok()) return s;
      }
      if (skew && i == j) {
        return LineError(absl::StrCat("diagonal entry (", i + 1, ", ", j + 1,
                                      ") in a skew-symmetric matrix"));
      }
    }
    sink(i, j, value);
    if (symmetry_ != Symmetry::kGeneral && i != j) sink(j, i, skew ? -value : value);
  }
  auto extra = NextDataLine(&line);
  if (!extra.ok()) return extra.status();
  if (*extra) {
    return LineError(absl::StrCat("more entries than the ", entries_, " declared"));
  }
  return absl::OkStatus();
}

absl::Status Flush(OutputFile& file, std::string& buffer, bool force) {
  if (!force && buffer.size() < kFlushBytes) return absl::OkStatus();
  absl::Status s = file.Append(buffer);
  buffer.clear();
  return s;
}

// `what` needs count·unit bytes (count·unit may exceed int64: reported as a
// floating-point figure).
absl::Status TooLargeError(const std::string& path, absl::string_view what, int64_t count,
                           int64_t unit, const MatrixMarketLimits& limits) {
  const double gib = static_cast<double>(count) * static_cast<double>(unit) / (1 << 30);
  return absl::InvalidArgumentError(absl::StrCat(
      path, ": the size line declares ", what, ", which needs ", absl::SixDigits(gib),
      " GiB of memory; the limit is ", limits.max_matrix_bytes, " bytes",
      " (a coordinate file can be read as sparse, or the limit raised)"));
}

absl::Status NonFiniteWriteError(const std::string& path, double v, int64_t r, int64_t c) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write non-finite value ", v,
                                                 " at row ", r, ", column ", c, " (0-based)"));
}

}  // namespace

absl::StatusOr<RowMatrixXd> ReadMatrixMarketDense(const std::string& path,
                                                  const MatrixMarketLimits& limits) {
  auto file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  MtxParser parser(&*file);
  if (absl::Status s = parser.ReadHeader(); !s.ok()) return s;
  // Dimensions are below 2^31, so rows·cols·8 < 2^65 needs the checked form.
  int64_t bytes = 0;
  if (__builtin_mul_overflow(parser.rows() * parser.cols(), int64_t{sizeof(double)}, &bytes) ||
      bytes > limits.max_matrix_bytes) {
    return TooLargeError(path, absl::StrCat("a dense ", parser.rows(), "×", parser.cols(),
                                            " matrix"),
                         parser.rows() * parser.cols(), sizeof(double), limits);
  }
  RowMatrixXd m = RowMatrixXd::Zero(parser.rows(), parser.cols());
  if (absl::Status s = parser.ReadEntries([&](int64_t i, int64_t j, double v) { m(i, j) += v; });
      !s.ok()) {
    return s;
  }
  return m;
}

absl::StatusOr<CsrMatrix> ReadMatrixMarketSparse(const std::string& path,
                                                 const MatrixMarketLimits& limits) {
  auto file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  MtxParser parser(&*file);
  if (absl::Status s = parser.ReadHeader(); !s.ok()) return s;
  // Building the CSR needs outer indices for the rows and, inside Eigen's
  // setFromTriplets, for the columns; plus the triplets (twice as many for a
  // symmetric file) and the compressed entries. All terms are below 2^62.
  const int64_t index_bytes = (parser.rows() + parser.cols() + 2) * int64_t{sizeof(int64_t)};
  const int64_t entry_bytes =
      2 * parser.declared_entries() *
      int64_t{sizeof(Eigen::Triplet<double, int64_t>) + sizeof(double) + sizeof(int64_t)};
  if (index_bytes + entry_bytes > limits.max_matrix_bytes) {
    return TooLargeError(path,
                         absl::StrCat("a sparse ", parser.rows(), "×", parser.cols(),
                                      " matrix with ", parser.declared_entries(), " entries"),
                         index_bytes + entry_bytes, 1, limits);
  }
  std::vector<Eigen::Triplet<double, int64_t>> triplets;
  triplets.reserve(static_cast<size_t>(parser.declared_entries()));
  const bool skip_zeros = parser.format() == Format::kArray;
  if (absl::Status s = parser.ReadEntries([&](int64_t i, int64_t j, double v) {
        if (!skip_zeros || v != 0.0) triplets.emplace_back(i, j, v);
      });
      !s.ok()) {
    return s;
  }
  CsrMatrix m(parser.rows(), parser.cols());
  m.setFromTriplets(triplets.begin(), triplets.end());
  m.makeCompressed();
  return m;
}

absl::Status WriteMatrixMarketDense(const std::string& path, const ConstRowMajorRef& matrix) {
  for (int64_t r = 0; r < matrix.rows(); ++r)
    for (int64_t c = 0; c < matrix.cols(); ++c)
      if (!std::isfinite(matrix(r, c))) return NonFiniteWriteError(path, matrix(r, c), r, c);
  auto file = OutputFile::Create(path);
  if (!file.ok()) return file.status();
  std::string buffer = absl::StrCat("%%MatrixMarket matrix array real general\n",
                                    "% written by sketchd\n", matrix.rows(), " ", matrix.cols(),
                                    "\n");
  for (int64_t c = 0; c < matrix.cols(); ++c) {
    for (int64_t r = 0; r < matrix.rows(); ++r) {
      AppendDouble(matrix(r, c), &buffer);
      buffer.push_back('\n');
      if (absl::Status s = Flush(*file, buffer, false); !s.ok()) return s;
    }
  }
  if (absl::Status s = Flush(*file, buffer, true); !s.ok()) return s;
  return file->Close();
}

absl::Status WriteMatrixMarketSparse(const std::string& path, const CsrMatrix& matrix) {
  for (int64_t r = 0; r < matrix.outerSize(); ++r)
    for (CsrMatrix::InnerIterator it(matrix, r); it; ++it)
      if (!std::isfinite(it.value())) return NonFiniteWriteError(path, it.value(), r, it.col());
  auto file = OutputFile::Create(path);
  if (!file.ok()) return file.status();
  std::string buffer = absl::StrCat("%%MatrixMarket matrix coordinate real general\n",
                                    "% written by sketchd\n", matrix.rows(), " ", matrix.cols(),
                                    " ", matrix.nonZeros(), "\n");
  for (int64_t r = 0; r < matrix.outerSize(); ++r) {
    for (CsrMatrix::InnerIterator it(matrix, r); it; ++it) {
      absl::StrAppend(&buffer, r + 1, " ", it.col() + 1, " ");
      AppendDouble(it.value(), &buffer);
      buffer.push_back('\n');
      if (absl::Status s = Flush(*file, buffer, false); !s.ok()) return s;
    }
  }
  if (absl::Status s = Flush(*file, buffer, true); !s.ok()) return s;
  return file->Close();
}

}  // namespace sketchd
