#include "core/training/trained_sketch.h"

#include <xxhash.h>

#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "core/lowrank/dense_kernels.h"
#include "core/sketch/byte_codec.h"
#include "core/sketch/sketch_serialization.h"
#include "core/status_macros.h"
#include "core/training/train_options_text.h"

namespace sketchd {
namespace {

constexpr absl::string_view kMagic = "SKTR";
constexpr uint8_t kVersion = 1;       // CountSketch payload
constexpr uint8_t kDenseVersion = 2;  // dense payload (subspace)
// 1 and 2 with validation.learned_sd / validation.random_sd (written now).
constexpr uint8_t kSpreadVersion = 3;       // CountSketch payload
constexpr uint8_t kDenseSpreadVersion = 4;  // dense payload

// The one list of methods: name and the tasks it trains for.
struct MethodName {
  TrainMethod method;
  absl::string_view name;
  bool lowrank;
  bool regression;
};
constexpr MethodName kMethods[] = {
    {TrainMethod::kRandom, "random", true, true},
    {TrainMethod::kIvy, "ivy", true, false},
    {TrainMethod::kMixed, "mixed", true, false},
    {TrainMethod::kInnerProduct, "inner_product", true, false},
    {TrainMethod::kGreedy, "greedy", true, false},
    {TrainMethod::kSubspace, "subspace", true, false},
    {TrainMethod::kHeavyRows, "heavy_rows", false, true},
};

// Doubles are written with %.17g so they round-trip exactly.
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("trained sketch bytes are corrupt: ", what));
}

// The dense payload: sizes first, checked against the bytes present before
// anything is allocated.
// The values are already in memory (`bytes`), so the allocation below is
// bounded by the blob; the shape is still checked against n and the m cap
// like a CountSketch's.
absl::Status ParseDenseSketch(std::string_view bytes, int64_t n, const SketchDecodeLimits& limits,
                              MatrixXd* out) {
  ByteReader reader(bytes);
  uint64_t rows = 0, cols = 0;
  if (!reader.Read(rows) || !reader.Read(cols)) return Corrupt("dense sketch header");
  if (rows < 1 || cols < 1 || rows > cols) return Corrupt("dense sketch shape (need 1 ≤ m ≤ n)");
  if (cols != static_cast<uint64_t>(n)) return Corrupt("n does not match the dense sketch");
  if (rows > static_cast<uint64_t>(limits.max_rows)) {
    return absl::InvalidArgumentError(absl::StrCat("dense sketch has m = ", rows,
                                                   " rows, above the limit of ", limits.max_rows));
  }
  if (reader.remaining() / 8 / cols < rows || reader.remaining() != rows * cols * 8) {
    return Corrupt("dense sketch size does not match its shape");
  }
  RowMatrixXd values(static_cast<Index>(rows), static_cast<Index>(cols));
  for (Index i = 0; i < values.size(); ++i) {
    if (!reader.Read(values.data()[i])) return Corrupt("dense sketch values");
  }
  if (!values.allFinite()) return Corrupt("dense sketch has non-finite values");
  *out = values;
  return absl::OkStatus();
}

}  // namespace

absl::string_view SketchTaskName(SketchTask task) {
  return task == SketchTask::kLowRank ? "lowrank" : "regression";
}

absl::StatusOr<SketchTask> ParseSketchTask(absl::string_view name) {
  if (name == "lowrank") return SketchTask::kLowRank;
  if (name == "regression") return SketchTask::kRegression;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown task '", name, "' (expected lowrank or regression)"));
}

absl::string_view TrainMethodName(TrainMethod method) {
  for (const auto& entry : kMethods) {
    if (entry.method == method) return entry.name;
  }
  return "unknown";
}

absl::StatusOr<TrainMethod> ParseTrainMethod(absl::string_view name) {
  for (const auto& entry : kMethods) {
    if (entry.name == name) return entry.method;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unknown method '", name, "' (expected ", JoinAlternatives(TrainMethodNames()), ")"));
}

std::vector<std::string> TrainMethodNames() {
  std::vector<std::string> names;
  for (const auto& entry : kMethods) names.emplace_back(entry.name);
  return names;
}

std::vector<std::string> TrainMethodNames(SketchTask task) {
  std::vector<std::string> names;
  for (const auto& entry : kMethods) {
    if (MethodTrainsFor(entry.method, task)) names.emplace_back(entry.name);
  }
  return names;
}

bool MethodTrainsFor(TrainMethod method, SketchTask task) {
  for (const auto& entry : kMethods) {
    if (entry.method == method) return task == SketchTask::kLowRank ? entry.lowrank : entry.regression;
  }
  return false;
}

std::string JoinAlternatives(const std::vector<std::string>& names) {
  if (names.size() <= 1) return names.empty() ? "" : names[0];
  std::vector<std::string> head(names.begin(), names.end() - 1);
  return absl::StrCat(absl::StrJoin(head, ", "), " or ", names.back());
}

std::string SerializeTrainedSketch(const TrainedSketch& t) {
  std::vector<std::string> lines = {
      EncodeTrainOptions(t.options),
      absl::StrCat("n=", t.n),
      absl::StrCat("d=", t.d),
      absl::StrCat("train_seconds=", Num(t.train_seconds)),
      absl::StrCat("validation.metric=", t.validation.metric),
      absl::StrCat("validation.num_matrices=", t.validation.num_matrices),
      absl::StrCat("validation.learned=", Num(t.validation.learned)),
      absl::StrCat("validation.random=", Num(t.validation.random)),
      absl::StrCat("validation.random_seeds=", t.validation.random_seeds),
      absl::StrCat("validation.learned_sd=", Num(t.validation.learned_sd)),
      absl::StrCat("validation.random_sd=", Num(t.validation.random_sd)),
      absl::StrCat("heavy_rows=", absl::StrJoin(t.heavy_rows, ",")),
      absl::StrCat("notes=", absl::StrReplaceAll(t.notes, {{"\n", " "}})),
  };
  const std::string metadata = absl::StrJoin(lines, "\n");
  std::string sketch;
  if (t.is_dense()) {
    AppendLittleEndian<uint64_t>(sketch, static_cast<uint64_t>(t.dense.rows()));
    AppendLittleEndian<uint64_t>(sketch, static_cast<uint64_t>(t.dense.cols()));
    const RowMatrixXd rows = t.dense;
    for (Index i = 0; i < rows.size(); ++i) AppendLittleEndian<double>(sketch, rows.data()[i]);
  } else {
    sketch = SerializeSketch(t.sketch);
  }
  std::string out(kMagic);
  AppendLittleEndian<uint8_t>(out, t.is_dense() ? kDenseSpreadVersion : kSpreadVersion);
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(metadata.size()));
  out += metadata;
  AppendLittleEndian<uint64_t>(out, sketch.size());
  out += sketch;
  AppendLittleEndian<uint64_t>(out, XXH64(out.data(), out.size(), 0));
  return out;
}

absl::StatusOr<TrainedSketch> ParseTrainedSketch(absl::string_view bytes,
                                                 const SketchDecodeLimits& limits) {
  if (bytes.size() < kMagic.size() + 1 + 4 + 8 + 8) return Corrupt("too short");
  if (bytes.substr(0, kMagic.size()) != kMagic) return Corrupt("bad magic (not a trained sketch)");
  const absl::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(std::string_view(bytes.data() + bytes.size() - 8, 8));
  uint64_t hash = 0;
  tail.Read(hash);
  if (XXH64(body.data(), body.size(), 0) != hash) return Corrupt("checksum mismatch");
  ByteReader reader(std::string_view(body.data() + kMagic.size(), body.size() - kMagic.size()));
  uint8_t version = 0;
  uint32_t metadata_size = 0;
  reader.Read(version);
  if (version != kVersion && version != kDenseVersion && version != kSpreadVersion &&
      version != kDenseSpreadVersion) {
    return absl::DataLossError(absl::StrCat("unsupported trained sketch version ", int{version}));
  }
  std::string_view metadata, sketch_bytes;
  uint64_t sketch_size = 0;
  if (!reader.Read(metadata_size) || !reader.ReadBytes(metadata_size, metadata) ||
      !reader.Read(sketch_size) || sketch_size != reader.remaining() ||
      !reader.ReadBytes(sketch_size, sketch_bytes)) {
    return Corrupt("section lengths do not match");
  }
  std::map<std::string, std::string, std::less<>> kv;
  for (absl::string_view line : absl::StrSplit(absl::string_view(metadata.data(), metadata.size()), '\n')) {
    const size_t eq = line.find('=');
    if (eq == absl::string_view::npos) return Corrupt(absl::StrCat("metadata line '", line, "'"));
    kv[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
  }
  auto get = [&](absl::string_view key) -> absl::StatusOr<std::string> {
    auto it = kv.find(key);
    if (it == kv.end()) return Corrupt(absl::StrCat("missing metadata key ", key));
    return it->second;
  };
  TrainedSketch t;
  absl::Status status;
  auto int_field = [&](absl::string_view key, auto& out) {
    auto v = get(key);
    int64_t parsed = 0;
    if (!v.ok()) status.Update(v.status());
    else if (!absl::SimpleAtoi(*v, &parsed)) status.Update(Corrupt(absl::StrCat("bad ", key)));
    else out = static_cast<std::decay_t<decltype(out)>>(parsed);
  };
  auto double_field = [&](absl::string_view key, double& out) {
    auto v = get(key);
    if (!v.ok()) status.Update(v.status());
    else if (!absl::SimpleAtod(*v, &out)) status.Update(Corrupt(absl::StrCat("bad ", key)));
  };
  // Options first: the same key=value codec the server's store uses (it
  // ignores the other keys of this block).
  auto options = DecodeTrainOptions(absl::string_view(metadata.data(), metadata.size()));
  if (!options.ok()) return Corrupt(options.status().message());
  t.options = *options;
  if (!kv.contains("method") || !kv.contains("task")) return Corrupt("missing method or task");
  int_field("n", t.n);
  int_field("d", t.d);
  double_field("train_seconds", t.train_seconds);
  if (auto v = get("validation.metric"); v.ok()) t.validation.metric = *v; else status.Update(v.status());
  int_field("validation.num_matrices", t.validation.num_matrices);
  double_field("validation.learned", t.validation.learned);
  double_field("validation.random", t.validation.random);
  int_field("validation.random_seeds", t.validation.random_seeds);
  if (version == kSpreadVersion || version == kDenseSpreadVersion) {
    double_field("validation.learned_sd", t.validation.learned_sd);
    double_field("validation.random_sd", t.validation.random_sd);
  }
  if (auto v = get("heavy_rows"); v.ok()) {
    for (absl::string_view piece : absl::StrSplit(*v, ',', absl::SkipEmpty())) {
      int32_t row = 0;
      if (!absl::SimpleAtoi(piece, &row)) status.Update(Corrupt("bad heavy_rows"));
      t.heavy_rows.push_back(row);
    }
  } else {
    status.Update(v.status());
  }
  if (auto v = get("notes"); v.ok()) t.notes = *v; else status.Update(v.status());
  if (!status.ok()) return status;
  if (version == kDenseVersion || version == kDenseSpreadVersion) {
    SKETCHD_RETURN_IF_ERROR(ParseDenseSketch(sketch_bytes, t.n, limits, &t.dense));
  } else {
    auto sketch = ParseSketch(sketch_bytes, limits);
    if (!sketch.ok()) return sketch.status();
    t.sketch = *std::move(sketch);
  }
  if (t.n != t.sketch_n()) return Corrupt("n does not match the sketch");
  if (t.d < 0) return Corrupt(absl::StrCat("negative d = ", t.d));
  for (int32_t row : t.heavy_rows) {
    if (row < 0 || row >= t.n) {
      return Corrupt(absl::StrCat("heavy row ", row, " is outside [0, n = ", t.n, ")"));
    }
  }
  return t;
}

std::string ValidationFigures::verdict() const {
  if (num_matrices <= 0) return "no validation figures";
  if (!comparable()) {
    return absl::StrCat("not enough held-out matrices to compare (", num_matrices, " < ",
                        kMinValidationMatrices, ")");
  }
  return ratio() < 1 ? "learned is better" : "learned is NOT better";
}

std::string ValidationFigures::MeanSdText(double mean, double sd, int64_t count) {
  char buf[96];
  if (sd < 0) {
    std::snprintf(buf, sizeof(buf), "%.4g (sd unknown, %lld matrices)", mean,
                  static_cast<long long>(count));
  } else {
    std::snprintf(buf, sizeof(buf), "%.4g ± %.2g (mean ± sd over %lld)", mean, sd,
                  static_cast<long long>(count));
  }
  return buf;
}

MeanSd MeanAndSd(const std::vector<double>& values) {
  MeanSd out;
  if (values.empty()) return out;
  const double n = static_cast<double>(values.size());
  for (double v : values) out.mean += v;
  out.mean /= n;
  if (values.size() < 2) return out;
  double ss = 0;
  for (double v : values) ss += (v - out.mean) * (v - out.mean);
  out.sd = std::sqrt(ss / (n - 1));
  return out;
}

MatrixXd TrainedSketch::Apply(ConstRowMajorRef a) const {
  if (!is_dense()) return sketch.Apply(a);
  // SA = (Aᵀ Sᵀ)ᵀ through the BLAS kernel (row-major A is column-major Aᵀ).
  return MultiplyTransposeByThin(a, dense.transpose()).transpose();
}

}  // namespace sketchd
