#include "core/regression/heavy_rows_sketch.h"

#include "absl/strings/str_cat.h"
#include "core/sketch/philox.h"

namespace sketchd {
namespace {

absl::Status CheckHeavy(int64_t n, const std::vector<int32_t>& heavy_rows, std::vector<char>* is_heavy) {
  is_heavy->assign(n, 0);
  for (int32_t r : heavy_rows) {
    if (r < 0 || r >= n) {
      return absl::InvalidArgumentError(absl::StrCat("heavy row ", r, " is outside [0, ", n, ")"));
    }
    if ((*is_heavy)[r]) return absl::InvalidArgumentError(absl::StrCat("heavy row ", r, " is listed twice"));
    (*is_heavy)[r] = 1;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<CountSketch> HeavyRowsSketch(int64_t m, int64_t n, const std::vector<int32_t>& heavy_rows,
                                            uint64_t seed) {
  const int64_t h = static_cast<int64_t>(heavy_rows.size());
  if (h >= m) {
    return absl::InvalidArgumentError(absl::StrCat(h, " heavy rows leave no bucket for the other rows of an m=", m, " sketch"));
  }
  std::vector<char> is_heavy;
  if (absl::Status s = CheckHeavy(n, heavy_rows, &is_heavy); !s.ok()) return s;
  std::vector<int32_t> positions(n);
  std::vector<double> values(n);
  for (int64_t j = 0; j < n; ++j) {
    const auto w = PhiloxWords(seed, kTrainingStream, static_cast<uint64_t>(j));
    positions[j] = static_cast<int32_t>(h + WordToIndex(w[0], static_cast<uint32_t>(m - h)));
    values[j] = (w[1] & 1u) ? 1.0 : -1.0;
  }
  for (int64_t k = 0; k < h; ++k) {
    positions[heavy_rows[k]] = static_cast<int32_t>(k);
    values[heavy_rows[k]] = 1.0;
  }
  return CountSketch::FromParts(m, std::move(positions), std::move(values));
}

absl::StatusOr<CountSketch> RehashLightRows(const CountSketch& base,
                                            const std::vector<int32_t>& heavy_rows, uint64_t seed) {
  if (base.num_blocks() != 1) {
    return absl::InvalidArgumentError("re-hashing light rows needs a one-block CountSketch");
  }
  const int64_t n = base.cols();
  const int64_t m = base.rows();
  std::vector<char> is_heavy;
  if (absl::Status s = CheckHeavy(n, heavy_rows, &is_heavy); !s.ok()) return s;
  std::vector<char> taken(m, 0);
  for (int32_t r : heavy_rows) taken[base.positions()[r]] = 1;
  std::vector<int32_t> free_buckets;
  for (int64_t p = 0; p < m; ++p) {
    if (!taken[p]) free_buckets.push_back(static_cast<int32_t>(p));
  }
  if (free_buckets.empty()) {
    return absl::InvalidArgumentError("heavy rows occupy every bucket; nothing left to re-hash into");
  }
  std::vector<int32_t> positions = base.positions();
  std::vector<double> values = base.values();
  const uint32_t nfree = static_cast<uint32_t>(free_buckets.size());
  for (int64_t j = 0; j < n; ++j) {
    if (is_heavy[j]) continue;
    const auto w = PhiloxWords(seed, kTrainingStream, static_cast<uint64_t>(j));
    positions[j] = free_buckets[WordToIndex(w[0], nfree)];
    values[j] = (w[1] & 1u) ? 1.0 : -1.0;
  }
  return CountSketch::FromParts(m, std::move(positions), std::move(values));
}

}  // namespace sketchd
