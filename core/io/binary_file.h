// Thin RAII wrappers over stdio for the matrix-file readers and writers.
//
// Why not iostreams: we need 64-bit offsets, exact short-read detection and
// errno text in the message, and every failure must come back as a Status
// that names the file (users pass many files to sketchctl at once).
//
// OutputFile writes to a temporary sibling and renames it over the target on
// Close(), so a crash or an error half-way never leaves a truncated matrix
// file under the requested name.
#ifndef SKETCHD_CORE_IO_BINARY_FILE_H_
#define SKETCHD_CORE_IO_BINARY_FILE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sketchd {

class InputFile {
 public:
  // NotFound if the file does not exist, InvalidArgument if it cannot be
  // opened or is not a regular file.
  static absl::StatusOr<InputFile> Open(const std::string& path);

  InputFile(InputFile&&) noexcept;
  InputFile& operator=(InputFile&&) noexcept;
  ~InputFile();

  const std::string& path() const { return path_; }
  int64_t size() const { return size_; }

  // Reads exactly n bytes at `offset` into dst. A short read (the file ended
  // or shrank) is InvalidArgument("<path>: truncated ...").
  absl::Status ReadAt(int64_t offset, int64_t n, char* dst);

  // Reads up to n bytes at the current position; returns the count (0 at
  // end of file). Used for sequential text scanning.
  absl::StatusOr<int64_t> ReadSome(int64_t n, char* dst);

  // Moves the sequential position to `offset`.
  absl::Status Seek(int64_t offset);

 private:
  InputFile(std::string path, std::FILE* f, int64_t size);
  std::string path_;
  std::FILE* file_ = nullptr;
  int64_t size_ = 0;
  int64_t position_ = -1;  // where stdio's cursor is; -1 if unknown
};

class OutputFile {
 public:
  // Creates "<path>.tmp.<pid>.<n>" for writing; the target appears on Close().
  static absl::StatusOr<OutputFile> Create(const std::string& path);

  OutputFile(OutputFile&&) noexcept;
  OutputFile& operator=(OutputFile&&) noexcept;
  // Without a successful Close() the temporary file is removed.
  ~OutputFile();

  const std::string& path() const { return path_; }

  absl::Status Append(absl::string_view data);
  // Flushes, closes and renames over the target.
  absl::Status Close();

 private:
  OutputFile(std::string path, std::string tmp_path, std::FILE* f);
  void Abandon();
  std::string path_;
  std::string tmp_path_;
  std::FILE* file_ = nullptr;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_BINARY_FILE_H_
