// Little-endian append/read helpers for sketchd's binary formats. Kept in one
// place so every format (sketches, trained-sketch files) encodes numbers the
// same way regardless of host byte order.
#ifndef SKETCHD_CORE_SKETCH_BYTE_CODEC_H_
#define SKETCHD_CORE_SKETCH_BYTE_CODEC_H_

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

namespace sketchd {

template <typename T>
void AppendLittleEndian(std::string& out, T value) {
  static_assert(std::is_arithmetic_v<T>);
  unsigned char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) {
    for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
  }
  out.append(reinterpret_cast<const char*>(bytes), sizeof(T));
}

// Sequential reader over a byte view; every Read reports whether enough bytes
// remained, so a truncated buffer is an error rather than an overread.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  template <typename T>
  bool Read(T& value) {
    static_assert(std::is_arithmetic_v<T>);
    if (bytes_.size() - pos_ < sizeof(T)) return false;
    unsigned char bytes[sizeof(T)];
    std::memcpy(bytes, bytes_.data() + pos_, sizeof(T));
    if constexpr (std::endian::native == std::endian::big) {
      for (size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
    }
    std::memcpy(&value, bytes, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }

  bool ReadBytes(size_t count, std::string_view& out) {
    if (bytes_.size() - pos_ < count) return false;
    out = bytes_.substr(pos_, count);
    pos_ += count;
    return true;
  }

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_BYTE_CODEC_H_
