// The header of a NumPy .npy file: magic, version, and a Python-literal dict
// {'descr': '<f8', 'fortran_order': False, 'shape': (r, c), }.
//
// Parsed on its own so every .npy reader (whole-file, family, row blocks)
// validates identically before touching any data: the dtype is one we can
// convert, the shape is non-negative without overflow, and the file holds
// exactly shape·itemsize bytes after the header (no truncation, no trailing
// garbage). Readers can then read data by offset without further checks, and
// nothing they allocate can exceed what the file's size justifies: a
// non-empty array is bounded by its bytes, and no dimension of an empty one
// (some dimension 0) may exceed 2^20.
#ifndef SKETCHD_CORE_IO_NPY_HEADER_H_
#define SKETCHD_CORE_IO_NPY_HEADER_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/statusor.h"
#include "core/io/binary_file.h"
#include "core/io/element_type.h"

namespace sketchd {

struct NpyHeader {
  ElementType type = ElementType::kFloat64;
  bool fortran_order = false;
  std::vector<int64_t> shape;
  int major_version = 1;
  int64_t data_offset = 0;    // bytes before the first element
  int64_t element_count = 0;  // product of shape (1 for shape ())

  int64_t data_bytes() const { return element_count * ElementSize(type); }
  // "(2, 3)" — for messages.
  std::string ShapeString() const;
};

// Reads and validates the header of `file`, including that the file size is
// exactly data_offset + data_bytes(). Errors are InvalidArgument naming the
// file and the defect.
absl::StatusOr<NpyHeader> ReadNpyHeader(InputFile& file);

// Parses only the dict text (between the length field and the data); `name`
// prefixes messages. Exposed for tests of the literal parser.
absl::StatusOr<NpyHeader> ParseNpyHeaderDict(absl::string_view dict, absl::string_view name);

// The complete prefix (magic, version, length, dict, padding to a multiple
// of 64 bytes) for an array of `type`; version 1.0 unless the dict needs 2.0.
std::string EncodeNpyHeader(ElementType type, bool fortran_order,
                            const std::vector<int64_t>& shape);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_NPY_HEADER_H_
