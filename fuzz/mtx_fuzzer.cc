// MatrixMarket files through the dense and the sparse reader, with a 64 MiB
// matrix limit so the harness stays inside libFuzzer's memory limit while
// the limit check itself is exercised. Property: both readers accept the
// same files and agree on every entry.
#include <cstddef>
#include <cstdint>

#include "core/io/matrix_market.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static sketchd::fuzz::InMemoryFile file;
  file.Set(data, size);
  const sketchd::MatrixMarketLimits limits{.max_matrix_bytes = 64 << 20};
  auto dense = sketchd::ReadMatrixMarketDense(file.path(), limits);
  auto sparse = sketchd::ReadMatrixMarketSparse(file.path(), limits);
  if (!dense.ok() || !sparse.ok()) {
    // The limits differ (dense vs CSR size); otherwise both fail alike.
    const bool limit = (!dense.ok() && dense.status().message().find("limit is") !=
                                           absl::string_view::npos) ||
                       (!sparse.ok() && sparse.status().message().find("limit is") !=
                                            absl::string_view::npos);
    SKETCHD_FUZZ_CHECK(limit || dense.ok() == sparse.ok());
    return 0;
  }
  SKETCHD_FUZZ_CHECK(dense->rows() == sparse->rows() && dense->cols() == sparse->cols());
  if (dense->size() == 0) return 0;
  const sketchd::RowMatrixXd from_sparse = sketchd::RowMatrixXd(*sparse);
  // Duplicates are summed in a different order by the two readers.
  const double scale = dense->cwiseAbs().sum() + 1.0;
  SKETCHD_FUZZ_CHECK((from_sparse - *dense).cwiseAbs().maxCoeff() <= 1e-12 * scale);
  return 0;
}
