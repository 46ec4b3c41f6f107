// The number parser and line reader under the text formats.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/io/binary_file.h"
#include "core/io/line_reader.h"
#include "core/io/number_text.h"
#include "gtest/gtest.h"
#include "tests/io/io_test_util.h"

namespace sketchd {
namespace {

TEST(NumberText, ParsesDecimalFormsExactly) {
  double v = 0;
  struct Case {
    const char* text;
    double value;
  } cases[] = {{"0", 0},           {"-0.5", -0.5},   {"+3", 3},      {"1e3", 1000},
               {"1E-3", 1e-3},     {".25", 0.25},    {"7.", 7},      {"0.1", 0.1},
               {"4.9e-324", 4.9e-324}, {"1.7976931348623157e308", 1.7976931348623157e308}};
  for (const auto& c : cases) {
    ASSERT_EQ(ParseDouble(c.text, &v), NumberParse::kOk) << c.text;
    EXPECT_EQ(v, c.value) << c.text;
  }
}

TEST(NumberText, ClassifiesBadTokens) {
  double v = 0;
  for (const char* bad : {"", "+", "-", "abc", "1,5", "1 2", "0x10", "1e", "++1", "+-1", "1.2.3"}) {
    EXPECT_EQ(ParseDouble(bad, &v), NumberParse::kNotANumber) << bad;
  }
  for (const char* nonfinite : {"nan", "NaN", "-nan", "inf", "-Inf", "+inf", "Infinity", "1e309",
                                "-1e400"}) {
    EXPECT_EQ(ParseDouble(nonfinite, &v), NumberParse::kNonFinite) << nonfinite;
  }
}

TEST(NumberText, ShortestFormRoundTripsEveryDouble) {
  // A spread of magnitudes and awkward mantissas, plus the extremes.
  std::vector<double> values = {0.1, 1.0 / 3, -2.5e-300, 5e-324,
                                std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::min(), 123456789012345678.0};
  for (int i = 1; i < 2000; ++i) values.push_back(std::sin(i) * std::pow(10.0, i % 40 - 20));
  for (double x : values) {
    std::string text;
    AppendDouble(x, &text);
    double back = 0;
    ASSERT_EQ(ParseDouble(text, &back), NumberParse::kOk) << text;
    EXPECT_EQ(back, x) << text;
  }
}

TEST(NumberText, Int64) {
  int64_t v = 0;
  EXPECT_TRUE(ParseInt64("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  EXPECT_TRUE(ParseInt64("+42", &v));
  EXPECT_EQ(v, 42);
  for (const char* bad : {"", "9223372036854775808", "1.0", "1e3", "x", " 1"}) {
    EXPECT_FALSE(ParseInt64(bad, &v)) << bad;
  }
}

TEST(LineReader, LinesAcrossChunkBoundariesAndLineEndings) {
  std::string text;
  std::vector<std::string> want;
  for (int i = 0; i < 3000; ++i) {
    std::string line(static_cast<size_t>(i % 97), static_cast<char>('a' + i % 26));
    want.push_back(line);
    text += line + (i % 3 == 0 ? "\r\n" : "\n");
  }
  want.push_back("last line without newline");
  text += want.back();
  const std::string path = testing_io::TempPath("lines.txt");
  testing_io::WriteBytes(path, text);
  auto file = InputFile::Open(path);
  ASSERT_TRUE(file.ok());
  LineReader reader(&*file);
  absl::string_view line;
  for (size_t i = 0; i < want.size(); ++i) {
    auto more = reader.Next(&line);
    ASSERT_TRUE(more.ok() && *more) << i;
    ASSERT_EQ(std::string(line), want[i]) << i;
    ASSERT_EQ(reader.line_number(), static_cast<int64_t>(i + 1));
  }
  auto more = reader.Next(&line);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(LineReader, SplitAndTrim) {
  absl::string_view tokens[3];
  EXPECT_EQ(SplitWhitespace("  1\t 2   3 4 ", tokens, 3), 4);
  EXPECT_EQ(tokens[0], "1");
  EXPECT_EQ(tokens[2], "3");
  EXPECT_EQ(SplitWhitespace(" \t ", tokens, 3), 0);
  EXPECT_EQ(TrimBlanks(" \tx y\t "), "x y");
}

}  // namespace
}  // namespace sketchd
