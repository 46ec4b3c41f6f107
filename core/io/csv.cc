#include "core/io/csv.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/io/binary_file.h"
#include "core/io/line_reader.h"
#include "core/io/number_text.h"

namespace sketchd {
namespace {

constexpr int64_t kMaxDimension = (int64_t{1} << 31) - 1;
constexpr size_t kFlushBytes = 1 << 20;

bool IsSkipped(absl::string_view line) {
  line = TrimBlanks(line);
  return line.empty() || line[0] == '#';
}

// Splits on commas, trimming blanks from every field.
void SplitFields(absl::string_view line, std::vector<absl::string_view>* fields) {
  fields->clear();
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    if (comma == absl::string_view::npos) {
      fields->push_back(TrimBlanks(line.substr(start)));
      return;
    }
    fields->push_back(TrimBlanks(line.substr(start, comma - start)));
    start = comma + 1;
  }
}

// Fields of a line without splitting it: one more than its commas.
int64_t FieldCount(absl::string_view line) {
  return 1 + static_cast<int64_t>(std::count(line.begin(), line.end(), ','));
}

absl::Status RaggedRowError(const std::string& path, int64_t line, int64_t fields,
                            int64_t cols) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": line ", line, ": ragged row: ", fields,
                                                 " fields where the first data row has ", cols));
}

// How the first line that may hold data reads: a header has no field that
// is a number (or a non-finite token, which is a number the data rows then
// reject by name); a data row has no text field. Empty fields count as
// neither: in a data row they are reported as missing values.
enum class FirstLine { kHeader, kData, kMixed };

FirstLine ClassifyFirstLine(const std::vector<absl::string_view>& fields,
                            size_t* first_text_field) {
  bool any_number = false;
  bool any_text = false;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].empty()) continue;
    double v;
    if (ParseDouble(fields[i], &v) == NumberParse::kNotANumber) {
      if (!any_text) *first_text_field = i;
      any_text = true;
    } else {
      any_number = true;
    }
  }
  if (any_text && any_number) return FirstLine::kMixed;
  return any_text ? FirstLine::kHeader : FirstLine::kData;
}

}  // namespace

absl::StatusOr<RowMatrixXd> ReadCsvMatrix(const std::string& path) {
  auto file = InputFile::Open(path);
  if (!file.ok()) return file.status();
  auto error = [&](int64_t line, absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": line ", line, ": ", what));
  };

  // Pass 1: count the lines that may hold data, and look at the first one.
  int64_t candidates = 0;
  bool has_header = false;
  int64_t cols = 0;
  {
    LineReader lines(&*file);
    absl::string_view line;
    std::vector<absl::string_view> fields;
    while (true) {
      auto more = lines.Next(&line);
      if (!more.ok()) return more.status();
      if (!*more) break;
      if (IsSkipped(line)) continue;
      if (candidates == 0) {
        SplitFields(line, &fields);
        size_t text_field = 0;
        switch (ClassifyFirstLine(fields, &text_field)) {
          case FirstLine::kHeader:
            has_header = true;
            break;
          case FirstLine::kData:
            cols = static_cast<int64_t>(fields.size());
            break;
          case FirstLine::kMixed:
            return error(lines.line_number(),
                         absl::StrCat("field ", text_field + 1, ": '", fields[text_field],
                                      "' is not a number, but other fields of this first row "
                                      "are; a header row must have no numeric field (start "
                                      "it with '#' to make it a comment)"));
        }
      } else if (candidates == 1 && has_header) {
        SplitFields(line, &fields);
        cols = static_cast<int64_t>(fields.size());
      } else if (const int64_t n = FieldCount(line); n != cols) {
        // Found here, before the matrix is allocated from rows × cols: one
        // wide first line followed by many short ones must not reserve
        // memory for a shape the file does not have.
        return RaggedRowError(path, lines.line_number(), n, cols);
      }
      ++candidates;
    }
  }
  if (candidates == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": empty CSV file (no data rows)"));
  }
  const int64_t rows = candidates - (has_header ? 1 : 0);
  if (rows == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": CSV file has a header but no data rows"));
  }
  if (rows > kMaxDimension || cols > kMaxDimension) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": CSV matrix ", rows, "×", cols,
                                                   " exceeds the limit of ", kMaxDimension,
                                                   " per dimension"));
  }

  // Pass 2: parse straight into the matrix. Every row has `cols` fields and
  // each field takes at least one byte (its comma or line end), so rows·cols
  // is at most the file size.
  RowMatrixXd m(rows, cols);
  LineReader lines(&*file);
  absl::string_view line;
  std::vector<absl::string_view> fields;
  int64_t row = -1;
  bool header_pending = has_header;
  while (row + 1 < rows) {
    auto more = lines.Next(&line);
    if (!more.ok()) return more.status();
    if (!*more) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": file changed while being read (ended early)"));
    }
    if (IsSkipped(line)) continue;
    if (header_pending) {
      header_pending = false;
      continue;
    }
    ++row;
    SplitFields(line, &fields);
    if (static_cast<int64_t>(fields.size()) != cols) {
      return RaggedRowError(path, lines.line_number(), static_cast<int64_t>(fields.size()), cols);
    }
    for (int64_t c = 0; c < cols; ++c) {
      absl::string_view f = fields[static_cast<size_t>(c)];
      double v = 0;
      switch (ParseDouble(f, &v)) {
        case NumberParse::kOk:
          m(row, c) = v;
          break;
        case NumberParse::kNonFinite:
          return error(lines.line_number(),
                       absl::StrCat("field ", c + 1, ": non-finite value '", f, "' is not allowed"));
        case NumberParse::kNotANumber:
          return error(lines.line_number(),
                       f.empty() ? absl::StrCat("field ", c + 1, " is empty")
                                 : absl::StrCat("field ", c + 1, ": '", f, "' is not a number"));
      }
    }
  }
  return m;
}

absl::Status WriteCsvMatrix(const std::string& path, const ConstRowMajorRef& matrix) {
  for (int64_t r = 0; r < matrix.rows(); ++r)
    for (int64_t c = 0; c < matrix.cols(); ++c)
      if (!std::isfinite(matrix(r, c))) {
        return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write non-finite value ",
                                                       matrix(r, c), " at row ", r, ", column ",
                                                       c, " (0-based)"));
      }
  if (matrix.cols() == 0 || matrix.rows() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": an empty ", matrix.rows(), "×", matrix.cols(),
        " matrix cannot be written as CSV (it would not read back); use .npy"));
  }
  auto file = OutputFile::Create(path);
  if (!file.ok()) return file.status();
  std::string buffer;
  for (int64_t r = 0; r < matrix.rows(); ++r) {
    for (int64_t c = 0; c < matrix.cols(); ++c) {
      if (c > 0) buffer.push_back(',');
      AppendDouble(matrix(r, c), &buffer);
    }
    buffer.push_back('\n');
    if (buffer.size() >= kFlushBytes) {
      if (absl::Status s = file->Append(buffer); !s.ok()) return s;
      buffer.clear();
    }
  }
  if (absl::Status s = file->Append(buffer); !s.ok()) return s;
  return file->Close();
}

}  // namespace sketchd
