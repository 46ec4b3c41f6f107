// Every defect a .npy file can have gives InvalidArgument naming the file and
// the defect — never a crash, a hang, or a huge allocation.
#include <string>
#include <vector>

#include "core/io/npy.h"
#include "core/io/npy_row_blocks.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

using testing_io::LittleEndianBytes;
using testing_io::NpyDict;
using testing_io::NpyFile;
using testing_io::NpyPrefix;
using ::testing::HasSubstr;

struct Defect {
  std::string name;
  std::string bytes;
  std::string message;  // a substring the error must contain
};

std::string Doubles(int n) { return LittleEndianBytes(std::vector<double>(n, 1.0)); }

std::vector<Defect> Defects() {
  const std::string ok_dict = NpyDict("<f8", false, "(2, 3)");
  std::string v1_huge_len = NpyPrefix(ok_dict);
  v1_huge_len[8] = '\xff';
  v1_huge_len[9] = '\xff';
  std::string v2_huge_len = NpyPrefix(ok_dict, 2);
  v2_huge_len[11] = '\x7f';
  return {
      {"empty", "", "only 0 bytes"},
      {"tiny", "\x93NUMPY", "only 6 bytes"},
      {"bad_magic", "\x93NUMPZ" + NpyPrefix(ok_dict).substr(6) + Doubles(6), "bad magic"},
      {"csv_renamed", "1,2,3\n4,5,6\n", "bad magic"},
      {"bad_version", NpyPrefix(ok_dict, 4) + Doubles(6), "version 4.0"},
      {"bad_minor_version", NpyPrefix(ok_dict, 1, 1) + Doubles(6), "version 1.1"},
      {"header_len_beyond_file", v1_huge_len + Doubles(6), "past the end"},
      {"v2_header_len_huge", v2_huge_len + Doubles(6), "exceeds the limit"},
      {"v2_cut_in_length", std::string("\x93NUMPY\x02\x00\x10", 9) + "x", "header length"},
      {"missing_descr", NpyPrefix("{'fortran_order': False, 'shape': (2, 3), }") + Doubles(6),
       "missing key 'descr'"},
      {"missing_fortran_order", NpyPrefix("{'descr': '<f8', 'shape': (2, 3), }") + Doubles(6),
       "missing key 'fortran_order'"},
      {"missing_shape", NpyPrefix("{'descr': '<f8', 'fortran_order': False, }") + Doubles(6),
       "missing key 'shape'"},
      {"extra_key", NpyPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), 'x': 1}") +
                        Doubles(6),
       "unexpected key 'x'"},
      {"duplicate_key",
       NpyPrefix("{'descr': '<f8', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 3)}") +
           Doubles(6),
       "duplicate key 'descr'"},
      {"big_endian", NpyFile(">f8", false, "(2, 3)", Doubles(6)), "big-endian"},
      {"big_endian_int", NpyFile(">i4", false, "(2, 3)", std::string(24, '\0')), "big-endian"},
      {"native_order", NpyFile("=f8", false, "(2, 3)", Doubles(6)), "byte order"},
      {"complex", NpyFile("<c16", false, "(2, 3)", Doubles(12)), "complex"},
      {"object", NpyFile("|O", false, "(2, 3)", Doubles(6)), "object"},
      {"unicode", NpyFile("<U3", false, "(2, 3)", std::string(72, 'a')), "string"},
      {"bytes", NpyFile("|S8", false, "(2, 3)", Doubles(6)), "string"},
      {"datetime", NpyFile("<M8[ns]", false, "(2, 3)", Doubles(6)), "datetime"},
      {"long_double", NpyFile("<f16", false, "(2, 3)", Doubles(12)), "not a supported"},
      {"structured",
       NpyPrefix("{'descr': [('a', '<f8'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,)}") +
           std::string(24, '\0'),
       "structured"},
      {"descr_not_string", NpyPrefix("{'descr': (8,), 'fortran_order': False, 'shape': (2, 3)}"),
       "'descr' is not a string"},
      {"fortran_not_bool", NpyPrefix("{'descr': '<f8', 'fortran_order': 0, 'shape': (2, 3)}"),
       "'fortran_order' is not True/False"},
      {"shape_not_tuple", NpyPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': '2x3'}"),
       "'shape' is not a tuple"},
      {"negative_dimension", NpyFile("<f8", false, "(-2, 3)", Doubles(6)), "negative dimension -2"},
      {"dimension_overflow", NpyFile("<f8", false, "(99999999999999999999, 1)", Doubles(1)),
       "does not fit in 64 bits"},
      {"product_overflow", NpyFile("<f8", false, "(4294967296, 4294967296)", Doubles(1)),
       "too many elements"},
      {"bytes_overflow", NpyFile("<f8", false, "(4611686018427387904,)", Doubles(1)),
       "too many bytes"},
      {"too_many_dims", NpyFile("<f8", false, "(1, 2, 1, 3)", Doubles(6)), "4 dimensions"},
      {"zero_dims", NpyFile("<f8", false, "()", Doubles(1)), "0 dimensions"},
      {"dimension_above_limit", NpyFile("|u1", false, "(0, 2147483648)", ""), "exceeds the limit"},
      {"truncated_data", NpyFile("<f8", false, "(2, 3)", Doubles(5) + "abc"), "truncated"},
      {"no_data", NpyFile("<f4", false, "(2, 3)", ""), "truncated"},
      {"trailing_bytes", NpyFile("<f8", false, "(2, 3)", Doubles(6) + "x"), "1 unexpected trailing"},
      {"non_dict_header", NpyPrefix("['<f8', False, (2, 3)]") + Doubles(6), "not a dict"},
      {"unterminated_dict", NpyPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3)") +
                                Doubles(6),
       "unterminated"},
      {"unterminated_string", NpyPrefix("{'descr': '<f8"), "unterminated string"},
      {"unterminated_tuple", NpyPrefix("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3"),
       "header ended"},
      {"garbage_after_dict", NpyPrefix(ok_dict + " junk") + Doubles(6), "after the header dict"},
      {"binary_in_header", NpyPrefix(std::string("{'descr': '<f8', \x01\x02 }", 22)) + Doubles(6),
       "\\x01"},
      {"bad_bool", NpyPrefix("{'descr': '<f8', 'fortran_order': Maybe, 'shape': (2, 3)}"),
       "fortran_order"},
      {"float_dimension", NpyFile("<f8", false, "(2.5, 3)", Doubles(6)), "expected ',' or ')'"},
      {"missing_colon", NpyPrefix("{'descr' '<f8', 'fortran_order': False, 'shape': (2, 3)}"),
       "expected ':'"},
  };
}

class NpyMalformed : public ::testing::TestWithParam<Defect> {};

TEST_P(NpyMalformed, IsRejectedByEveryReaderWithANamedReason) {
  const Defect& d = GetParam();
  const std::string path = testing_io::TempPath(d.name + ".npy");
  testing_io::WriteBytes(path, d.bytes);

  auto family = ReadNpyFamily(path);
  ASSERT_FALSE(family.ok()) << d.name;
  EXPECT_EQ(family.status().code(), absl::StatusCode::kInvalidArgument) << family.status();
  EXPECT_THAT(family.status().message(), HasSubstr(path));
  EXPECT_THAT(family.status().message(), HasSubstr(d.message));

  auto matrix = ReadNpyMatrix(path);
  EXPECT_FALSE(matrix.ok());
  auto blocks = NpyRowBlockReader::Open(path, 4);
  EXPECT_FALSE(blocks.ok());
}

INSTANTIATE_TEST_SUITE_P(AllDefects, NpyMalformed, ::testing::ValuesIn(Defects()),
                         [](const auto& info) { return info.param.name; });

TEST(NpyMalformedExtra, DefectsAreAllDistinct) {
  const auto defects = Defects();
  EXPECT_GE(defects.size(), 20u);
  for (size_t i = 0; i < defects.size(); ++i)
    for (size_t j = i + 1; j < defects.size(); ++j) EXPECT_NE(defects[i].bytes, defects[j].bytes);
}

TEST(NpyMalformedExtra, DirectoryIsNotAFile) {
  auto m = ReadNpyMatrix(::testing::TempDir());
  EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(m.status().message(), HasSubstr("not a regular file"));
}

}  // namespace
}  // namespace sketchd
