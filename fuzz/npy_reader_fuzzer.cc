// A whole .npy file through every reader: the header checks, ReadAll,
// ReadMatrix/ReadRows, and the row-block streamer. Property: the streamer's
// blocks reassemble exactly the matrices ReadAll returns.
#include <cstddef>
#include <cstdint>

#include "core/io/npy_reader.h"
#include "core/io/npy_row_blocks.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sketchd::fuzz::InMemoryFile file;
  file.Set(data, size);
  auto reader = sketchd::NpyReader::Open(file.path());
  if (!reader.ok()) return 0;
  auto all = reader->ReadAll();
  if (!all.ok()) return 0;  // e.g. a NaN in the data
  SKETCHD_FUZZ_CHECK(static_cast<int64_t>(all->size()) == reader->matrix_count());
  if (reader->matrix_count() > 0 && reader->rows() > 0) {
    const int64_t last = reader->matrix_count() - 1;
    auto rows = reader->ReadRows(last, reader->rows() - 1, 1);
    SKETCHD_FUZZ_CHECK(rows.ok());
    SKETCHD_FUZZ_CHECK(*rows == (*all)[static_cast<size_t>(last)].bottomRows(1));
  }
  auto blocks = sketchd::NpyRowBlockReader::Open(file.path(), 3);
  SKETCHD_FUZZ_CHECK(blocks.ok());
  sketchd::NpyRowBlockReader::Block block;
  int64_t rows_seen = 0;
  while (true) {
    auto more = blocks->Next(&block);
    SKETCHD_FUZZ_CHECK(more.ok());
    if (!*more) break;
    const auto& whole = (*all)[static_cast<size_t>(block.matrix)];
    SKETCHD_FUZZ_CHECK(block.rows == whole.middleRows(block.first_row, block.rows.rows()));
    rows_seen += block.rows.rows();
  }
  SKETCHD_FUZZ_CHECK(rows_seen == reader->matrix_count() * reader->rows());
  return 0;
}
