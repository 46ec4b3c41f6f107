// CSV files. Property: whatever reads writes back (shortest exact
// decimals, no header) and re-reads to the identical matrix.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "core/io/csv.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sketchd::fuzz::InMemoryFile file;
  static const std::string copy = (std::filesystem::temp_directory_path() /
                                   ("sketchd-csv-fuzz-" + std::to_string(getpid()) + ".csv"))
                                      .string();
  file.Set(data, size);
  auto m = sketchd::ReadCsvMatrix(file.path());
  if (!m.ok()) return 0;
  SKETCHD_FUZZ_CHECK(m->rows() >= 1 && m->cols() >= 1);
  SKETCHD_FUZZ_CHECK(m->allFinite());
  SKETCHD_FUZZ_CHECK(sketchd::WriteCsvMatrix(copy, *m).ok());
  auto again = sketchd::ReadCsvMatrix(copy);
  std::remove(copy.c_str());
  SKETCHD_FUZZ_CHECK(again.ok());
  SKETCHD_FUZZ_CHECK(*again == *m);
  return 0;
}
