#include "core/training/trained_sketch.h"

#include <xxhash.h>

#include <cmath>
#include <map>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "core/sketch/byte_codec.h"
#include "core/sketch/sketch_serialization.h"

namespace sketchd {
namespace {

constexpr absl::string_view kMagic = "SKTR";
constexpr uint8_t kVersion = 1;

struct MethodName {
  TrainMethod method;
  absl::string_view name;
};
constexpr MethodName kMethods[] = {
    {TrainMethod::kRandom, "random"},           {TrainMethod::kIvy, "ivy"},
    {TrainMethod::kMixed, "mixed"},             {TrainMethod::kInnerProduct, "inner_product"},
    {TrainMethod::kGreedy, "greedy"},           {TrainMethod::kHeavyRows, "heavy_rows"},
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
      "unknown method '", name, "' (expected random, ivy, mixed, inner_product, greedy or heavy_rows)"));
}

std::string SerializeTrainedSketch(const TrainedSketch& t) {
  const TrainOptions& o = t.options;
  std::vector<std::string> lines = {
      absl::StrCat("method=", TrainMethodName(o.method)),
      absl::StrCat("task=", SketchTaskName(o.task)),
      absl::StrCat("k=", o.k),
      absl::StrCat("m=", o.m),
      absl::StrCat("seed=", o.seed),
      absl::StrCat("iterations=", o.iterations),
      absl::StrCat("batch_size=", o.batch_size),
      absl::StrCat("learning_rate=", Num(o.learning_rate)),
      absl::StrCat("validation_fraction=", Num(o.validation_fraction)),
      absl::StrCat("time_budget_seconds=", Num(o.time_budget_seconds)),
      absl::StrCat("threads=", o.threads),
      absl::StrCat("mixed_joint=", o.mixed_joint ? 1 : 0),
      absl::StrCat("refine_values=", o.refine_values ? 1 : 0),
      absl::StrCat("append_sampled_rows=", o.append_sampled_rows ? 1 : 0),
      absl::StrCat("greedy_leverage_order=", o.greedy_leverage_order ? 1 : 0),
      absl::StrCat("heavy_fraction=", Num(o.heavy_fraction)),
      absl::StrCat("learn_values=", o.learn_values ? 1 : 0),
      absl::StrCat("lasso_lambda_fraction=", Num(o.lasso_lambda_fraction)),
      absl::StrCat("n=", t.n),
      absl::StrCat("d=", t.d),
      absl::StrCat("train_seconds=", Num(t.train_seconds)),
      absl::StrCat("validation.metric=", t.validation.metric),
      absl::StrCat("validation.num_matrices=", t.validation.num_matrices),
      absl::StrCat("validation.learned=", Num(t.validation.learned)),
      absl::StrCat("validation.random=", Num(t.validation.random)),
      absl::StrCat("validation.random_seeds=", t.validation.random_seeds),
      absl::StrCat("heavy_rows=", absl::StrJoin(t.heavy_rows, ",")),
      absl::StrCat("notes=", absl::StrReplaceAll(t.notes, {{"\n", " "}})),
  };
  const std::string metadata = absl::StrJoin(lines, "\n");
  const std::string sketch = SerializeSketch(t.sketch);
  std::string out(kMagic);
  AppendLittleEndian<uint8_t>(out, kVersion);
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(metadata.size()));
  out += metadata;
  AppendLittleEndian<uint64_t>(out, sketch.size());
  out += sketch;
  AppendLittleEndian<uint64_t>(out, XXH64(out.data(), out.size(), 0));
  return out;
}

absl::StatusOr<TrainedSketch> ParseTrainedSketch(absl::string_view bytes) {
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
  if (version != kVersion) {
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
  auto bool_field = [&](absl::string_view key, bool& out) {
    int64_t v = 0;
    int_field(key, v);
    out = v != 0;
  };
  TrainOptions& o = t.options;
  auto method = get("method");
  auto task = get("task");
  if (!method.ok() || !task.ok()) return Corrupt("missing method or task");
  auto parsed_method = ParseTrainMethod(*method);
  auto parsed_task = ParseSketchTask(*task);
  if (!parsed_method.ok() || !parsed_task.ok()) return Corrupt("unknown method or task");
  o.method = *parsed_method;
  o.task = *parsed_task;
  int_field("k", o.k);
  int_field("m", o.m);
  {
    auto v = get("seed");
    if (!v.ok() || !absl::SimpleAtoi(*v, &o.seed)) status.Update(Corrupt("bad seed"));
  }
  int_field("iterations", o.iterations);
  int_field("batch_size", o.batch_size);
  double_field("learning_rate", o.learning_rate);
  double_field("validation_fraction", o.validation_fraction);
  double_field("time_budget_seconds", o.time_budget_seconds);
  int_field("threads", o.threads);
  bool_field("mixed_joint", o.mixed_joint);
  bool_field("refine_values", o.refine_values);
  bool_field("append_sampled_rows", o.append_sampled_rows);
  bool_field("greedy_leverage_order", o.greedy_leverage_order);
  double_field("heavy_fraction", o.heavy_fraction);
  bool_field("learn_values", o.learn_values);
  double_field("lasso_lambda_fraction", o.lasso_lambda_fraction);
  int_field("n", t.n);
  int_field("d", t.d);
  double_field("train_seconds", t.train_seconds);
  if (auto v = get("validation.metric"); v.ok()) t.validation.metric = *v; else status.Update(v.status());
  int_field("validation.num_matrices", t.validation.num_matrices);
  double_field("validation.learned", t.validation.learned);
  double_field("validation.random", t.validation.random);
  int_field("validation.random_seeds", t.validation.random_seeds);
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
  auto sketch = ParseSketch(sketch_bytes);
  if (!sketch.ok()) return sketch.status();
  t.sketch = *std::move(sketch);
  if (t.n != t.sketch.cols()) return Corrupt("n does not match the sketch");
  return t;
}

}  // namespace sketchd
