#include "bench/accuracy/family_split.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "core/io/npy.h"
#include "core/sketch/philox.h"

namespace sketchd {

absl::StatusOr<std::vector<RowMatrixXd>> LoadFamily(const std::string& path) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(path)) return ReadNpyFamily(path);
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(path)) {
    if (entry.path().extension() == ".npy") files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) return absl::NotFoundError("no .npy files in " + path);
  std::vector<RowMatrixXd> out;
  for (const std::string& f : files) {
    auto m = ReadNpyMatrix(f);
    if (!m.ok()) return m.status();
    out.push_back(*std::move(m));
  }
  return out;
}

FamilySplit SplitFamily(int64_t count, double fraction, uint64_t split_seed) {
  // Philox keys, not NumPy's generator: the reference's test matrices
  // differ, the distribution does not.
  std::vector<int64_t> perm(count);
  for (int64_t i = 0; i < count; ++i) perm[i] = i;
  std::vector<uint32_t> key(count);
  for (int64_t i = 0; i < count; ++i) key[i] = PhiloxWords(split_seed, 7, i)[0];
  std::sort(perm.begin(), perm.end(), [&](int64_t a, int64_t b) {
    return key[a] != key[b] ? key[a] < key[b] : a < b;
  });
  const int64_t ntrain = std::clamp<int64_t>(std::llround(fraction * count), 1, count - 1);
  FamilySplit split;
  split.train.assign(perm.begin(), perm.begin() + ntrain);
  split.test.assign(perm.begin() + ntrain, perm.end());
  std::sort(split.train.begin(), split.train.end());
  std::sort(split.test.begin(), split.test.end());
  return split;
}

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> ParseRankSketchPairs(
    const std::string& text) {
  std::vector<std::pair<int64_t, int64_t>> out;
  for (absl::string_view pair : absl::StrSplit(text, ',')) {
    std::vector<std::string> kv = absl::StrSplit(pair, ':');
    int64_t k, m;
    if (kv.size() != 2 || !absl::SimpleAtoi(kv[0], &k) || !absl::SimpleAtoi(kv[1], &m)) {
      return absl::InvalidArgumentError("--km wants k:m pairs, e.g. 10:20,20:40");
    }
    out.push_back({k, m});
  }
  return out;
}

}  // namespace sketchd
