// Element types accepted on the wire and stored for training matrices.
// Numeric values equal sketchd.v1.DType.
#ifndef SKETCHD_SERVER_WIRE_DTYPE_H_
#define SKETCHD_SERVER_WIRE_DTYPE_H_

#include <cstdint>

namespace sketchd {

enum class WireDtype { kFloat32 = 1, kFloat64 = 2 };

inline int64_t WireDtypeSize(WireDtype t) { return t == WireDtype::kFloat32 ? 4 : 8; }
inline const char* WireDtypeName(WireDtype t) {
  return t == WireDtype::kFloat32 ? "float32" : "float64";
}

}  // namespace sketchd

#endif  // SKETCHD_SERVER_WIRE_DTYPE_H_
