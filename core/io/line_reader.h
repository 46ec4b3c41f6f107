// Line-at-a-time reading of a text matrix file (MatrixMarket, CSV), with the
// 1-based line number every error message needs. Reads in 64 KiB chunks, so
// memory is one chunk plus the longest line, whatever the file size.
#ifndef SKETCHD_CORE_IO_LINE_READER_H_
#define SKETCHD_CORE_IO_LINE_READER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "core/io/binary_file.h"

namespace sketchd {

class LineReader {
 public:
  // Reads `file` from its first byte; the file must outlive the reader.
  explicit LineReader(InputFile* file);

  // The next line without its "\n" or "\r\n"; false at end of file. The view
  // is valid until the next call. A last line without "\n" is still a line.
  absl::StatusOr<bool> Next(absl::string_view* line);

  // Number of the line last returned (1-based; 0 before the first).
  int64_t line_number() const { return line_number_; }

 private:
  absl::Status Fill();

  InputFile* file_;
  std::string buffer_;
  size_t begin_ = 0;  // unread data is buffer_[begin_, buffer_.size())
  bool eof_ = false;
  int64_t line_number_ = 0;
};

// Splits on spaces and tabs, skipping empty fields (MatrixMarket tokens).
// Returns the number of tokens found, storing at most `max` of them.
int SplitWhitespace(absl::string_view line, absl::string_view* tokens, int max);

// Trims spaces and tabs at both ends.
absl::string_view TrimBlanks(absl::string_view s);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_LINE_READER_H_
