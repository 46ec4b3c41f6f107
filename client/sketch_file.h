// Reading a trained-sketch file for the local commands (`sketchctl local`,
// `sketchmpi`): one place for the exit-code mapping and the message.
// Header-only: sketchctl and sketchmpi both compile it without a library.
#ifndef SKETCHD_CLIENT_SKETCH_FILE_H_
#define SKETCHD_CLIENT_SKETCH_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "client/cli_status.h"
#include "core/io/binary_file.h"
#include "core/status_macros.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

// The sketch in `path`; unreadable → input error, not a sketch → input error
// naming the file and the decoder's reason.
inline absl::StatusOr<TrainedSketch> ReadSketchFile(const std::string& path) {
  auto file = InputFile::Open(path);
  if (!file.ok()) return InputError(file.status());
  std::string bytes(static_cast<size_t>(file->size()), '\0');
  SKETCHD_RETURN_IF_ERROR(InputError(file->ReadAt(0, file->size(), bytes.data())));
  auto trained = ParseTrainedSketch(bytes);
  if (!trained.ok()) {
    return InputError(absl::InvalidArgumentError(
        absl::StrCat(path, ": not a sketch file: ", trained.status().message())));
  }
  return trained;
}

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_SKETCH_FILE_H_
