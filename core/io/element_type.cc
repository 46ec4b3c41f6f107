#include "core/io/element_type.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

namespace sketchd {
namespace {

template <typename U>
U LoadLittle(const char* p) {
  U v;
  std::memcpy(&v, p, sizeof(U));
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(U) == 2) v = __builtin_bswap16(v);
    if constexpr (sizeof(U) == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof(U) == 8) v = __builtin_bswap64(v);
  }
  return v;
}

template <typename U>
void StoreLittle(U v, char* p) {
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(U) == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof(U) == 8) v = __builtin_bswap64(v);
  }
  std::memcpy(p, &v, sizeof(U));
}

// IEEE binary16 → double: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa.
double HalfToDouble(uint16_t h) {
  const bool negative = (h & 0x8000u) != 0;
  const int exponent = (h >> 10) & 0x1f;
  const int mantissa = h & 0x3ff;
  double v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<double>(mantissa), -24);  // zero or subnormal
  } else if (exponent == 31) {
    v = mantissa == 0 ? std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::quiet_NaN();
  } else {
    v = std::ldexp(static_cast<double>(mantissa + 1024), exponent - 25);
  }
  return negative ? -v : v;
}

// A double outside float's range is undefined behaviour for static_cast;
// say what IEEE rounding would say instead.
float ToFloat(double x) {
  constexpr double kMax = std::numeric_limits<float>::max();
  if (x > kMax) return std::numeric_limits<float>::infinity();
  if (x < -kMax) return -std::numeric_limits<float>::infinity();
  return static_cast<float>(x);
}

template <typename T, typename U>
void ConvertAs(const char* src, int64_t n, double* dst) {
  for (int64_t i = 0; i < n; ++i) {
    dst[i] = static_cast<double>(std::bit_cast<T>(LoadLittle<U>(src + i * sizeof(U))));
  }
}

}  // namespace

int ElementSize(ElementType type) {
  switch (type) {
    case ElementType::kBool:
    case ElementType::kInt8:
    case ElementType::kUInt8:
      return 1;
    case ElementType::kInt16:
    case ElementType::kUInt16:
    case ElementType::kFloat16:
      return 2;
    case ElementType::kInt32:
    case ElementType::kUInt32:
    case ElementType::kFloat32:
      return 4;
    case ElementType::kInt64:
    case ElementType::kUInt64:
    case ElementType::kFloat64:
      return 8;
  }
  return 0;
}

absl::string_view ElementTypeName(ElementType type) {
  switch (type) {
    case ElementType::kBool: return "bool";
    case ElementType::kInt8: return "int8";
    case ElementType::kUInt8: return "uint8";
    case ElementType::kInt16: return "int16";
    case ElementType::kUInt16: return "uint16";
    case ElementType::kInt32: return "int32";
    case ElementType::kUInt32: return "uint32";
    case ElementType::kInt64: return "int64";
    case ElementType::kUInt64: return "uint64";
    case ElementType::kFloat16: return "float16";
    case ElementType::kFloat32: return "float32";
    case ElementType::kFloat64: return "float64";
  }
  return "unknown";
}

bool IsFloating(ElementType type) {
  return type == ElementType::kFloat16 || type == ElementType::kFloat32 ||
         type == ElementType::kFloat64;
}

void LittleEndianToDouble(ElementType type, const char* src, int64_t n, double* dst) {
  switch (type) {
    case ElementType::kBool:
      for (int64_t i = 0; i < n; ++i) dst[i] = src[i] != 0 ? 1.0 : 0.0;
      return;
    case ElementType::kInt8:
      return ConvertAs<int8_t, uint8_t>(src, n, dst);
    case ElementType::kUInt8:
      return ConvertAs<uint8_t, uint8_t>(src, n, dst);
    case ElementType::kInt16:
      return ConvertAs<int16_t, uint16_t>(src, n, dst);
    case ElementType::kUInt16:
      return ConvertAs<uint16_t, uint16_t>(src, n, dst);
    case ElementType::kInt32:
      return ConvertAs<int32_t, uint32_t>(src, n, dst);
    case ElementType::kUInt32:
      return ConvertAs<uint32_t, uint32_t>(src, n, dst);
    case ElementType::kInt64:
      return ConvertAs<int64_t, uint64_t>(src, n, dst);
    case ElementType::kUInt64:
      return ConvertAs<uint64_t, uint64_t>(src, n, dst);
    case ElementType::kFloat16:
      for (int64_t i = 0; i < n; ++i) dst[i] = HalfToDouble(LoadLittle<uint16_t>(src + 2 * i));
      return;
    case ElementType::kFloat32:
      return ConvertAs<float, uint32_t>(src, n, dst);
    case ElementType::kFloat64:
      return ConvertAs<double, uint64_t>(src, n, dst);
  }
}

void DoubleToLittleEndian(ElementType type, const double* src, int64_t n, char* dst) {
  if (type == ElementType::kFloat32) {
    for (int64_t i = 0; i < n; ++i) {
      StoreLittle(std::bit_cast<uint32_t>(ToFloat(src[i])), dst + 4 * i);
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      StoreLittle(std::bit_cast<uint64_t>(src[i]), dst + 8 * i);
    }
  }
}

}  // namespace sketchd
