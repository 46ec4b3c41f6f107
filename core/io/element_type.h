// The scalar types a matrix file may store, and their conversion to double.
//
// sketchd's maths is all double, so every reader converts at the boundary.
// Files are little-endian (NumPy's default on every platform we serve, and
// the wire format), so conversion is written against that byte order and is
// correct on a big-endian host too.
#ifndef SKETCHD_CORE_IO_ELEMENT_TYPE_H_
#define SKETCHD_CORE_IO_ELEMENT_TYPE_H_

#include <cstdint>
#include "absl/strings/string_view.h"

namespace sketchd {

enum class ElementType {
  kBool,
  kInt8,
  kUInt8,
  kInt16,
  kUInt16,
  kInt32,
  kUInt32,
  kInt64,
  kUInt64,
  kFloat16,
  kFloat32,
  kFloat64,
};

// Bytes per element.
int ElementSize(ElementType type);

// NumPy's name for the type ("float64", "uint8", ...), for messages.
absl::string_view ElementTypeName(ElementType type);

// Only floating types can hold NaN/Inf, so only they need a finiteness scan.
bool IsFloating(ElementType type);

// Converts n little-endian elements at src (any alignment) to doubles.
// 64-bit integers beyond 2^53 round to the nearest double.
void LittleEndianToDouble(ElementType type, const char* src, int64_t n, double* dst);

// Writes n doubles as little-endian float32 or float64 (the only types
// sketchd writes). Values beyond float32's range become ±inf, so writers
// check the range first.
void DoubleToLittleEndian(ElementType type, const double* src, int64_t n, char* dst);

}  // namespace sketchd

#endif  // SKETCHD_CORE_IO_ELEMENT_TYPE_H_
