// Helpers shared by the io tests: scratch paths and hand-built .npy bytes,
// so the tests need neither Python nor our own writer to make inputs.
#ifndef SKETCHD_TESTS_IO_IO_TEST_UTIL_H_
#define SKETCHD_TESTS_IO_IO_TEST_UTIL_H_

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace sketchd::testing_io {

// A fresh path in the test temp dir, unique per test and `name`.
inline std::string TempPath(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string base = std::string(info->test_suite_name()) + "_" + info->name();
  for (char& c : base) {
    if (c == '/') c = '_';
  }
  std::string path = ::testing::TempDir() + "/sketchd_io_" + base + "_" + name;
  std::remove(path.c_str());
  return path;
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Little-endian bytes of each value (the tests assume a little-endian host,
// as every platform sketchd ships on is; the library itself is byte-order
// neutral).
template <typename T>
std::string LittleEndianBytes(const std::vector<T>& values) {
  std::string out(values.size() * sizeof(T), '\0');
  if (!values.empty()) std::memcpy(out.data(), values.data(), out.size());
  return out;
}

// Magic + version + length field + dict (padded to 64 as NumPy does unless
// `pad` is false).
inline std::string NpyPrefix(const std::string& dict, int major = 1, int minor = 0,
                             bool pad = true) {
  const size_t fixed = major == 1 ? 10 : 12;
  std::string body = dict;
  if (pad) {
    size_t total = fixed + body.size() + 1;
    body.append((64 - total % 64) % 64, ' ');
    body.push_back('\n');
  }
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back(static_cast<char>(minor));
  for (size_t i = 0; i < fixed - 8; ++i) out.push_back(static_cast<char>(body.size() >> (8 * i)));
  return out + body;
}

inline std::string NpyDict(const std::string& descr, bool fortran, const std::string& shape) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

inline std::string NpyFile(const std::string& descr, bool fortran, const std::string& shape,
                           const std::string& data, int major = 1) {
  return NpyPrefix(NpyDict(descr, fortran, shape), major) + data;
}

}  // namespace sketchd::testing_io

#endif  // SKETCHD_TESTS_IO_IO_TEST_UTIL_H_
