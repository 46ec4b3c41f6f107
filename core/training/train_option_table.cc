#include "core/training/train_option_table.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <type_traits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sketchd {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Value ↔ text, by member type.
std::string FormatValue(int64_t v) { return absl::StrCat(v); }
std::string FormatValue(int v) { return absl::StrCat(v); }
std::string FormatValue(uint64_t v) { return absl::StrCat(v); }
std::string FormatValue(bool v) { return v ? "1" : "0"; }
std::string FormatValue(TrainMethod v) { return std::string(TrainMethodName(v)); }
std::string FormatValue(SketchTask v) { return std::string(SketchTaskName(v)); }
std::string FormatValue(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);  // round-trips every double
  return buf;
}

bool ParseValue(absl::string_view s, int64_t* v) { return absl::SimpleAtoi(s, v); }
bool ParseValue(absl::string_view s, int* v) { return absl::SimpleAtoi(s, v); }
bool ParseValue(absl::string_view s, uint64_t* v) { return absl::SimpleAtoi(s, v); }
bool ParseValue(absl::string_view s, double* v) { return absl::SimpleAtod(s, v); }
bool ParseValue(absl::string_view s, bool* v) {
  if (s == "1" || s == "true") {
    *v = true;
    return true;
  }
  if (s == "0" || s == "false") {
    *v = false;
    return true;
  }
  return false;
}
bool ParseValue(absl::string_view s, TrainMethod* v) {
  auto m = ParseTrainMethod(s);
  if (m.ok()) *v = *m;
  return m.ok();
}
bool ParseValue(absl::string_view s, SketchTask* v) {
  auto t = ParseSketchTask(s);
  if (t.ok()) *v = *t;
  return t.ok();
}

template <auto Member>
using MemberType = std::remove_cvref_t<decltype(std::declval<TrainOptions&>().*Member)>;

template <auto Member>
std::string Format(const TrainOptions& o) {
  return FormatValue(o.*Member);
}
template <auto Member>
bool Set(absl::string_view text, TrainOptions* o) {
  MemberType<Member> v{};
  if (!ParseValue(text, &v)) return false;
  o->*Member = v;
  return true;
}
template <auto Member>
double Numeric(const TrainOptions& o) {
  using T = MemberType<Member>;
  if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) {
    return static_cast<double>(o.*Member);
  } else {
    return std::numeric_limits<double>::quiet_NaN();
  }
}
template <auto Member>
constexpr TrainOptionType TypeOf() {
  using T = MemberType<Member>;
  if constexpr (std::is_same_v<T, TrainMethod>) return TrainOptionType::kMethod;
  else if constexpr (std::is_same_v<T, SketchTask>) return TrainOptionType::kTask;
  else if constexpr (std::is_same_v<T, bool>) return TrainOptionType::kBool;
  else if constexpr (std::is_same_v<T, double>) return TrainOptionType::kDouble;
  else if constexpr (std::is_unsigned_v<T>) return TrainOptionType::kUint;
  else return TrainOptionType::kInt;
}

#define SKETCHD_OPTION(member, flags, min, max, min_open, max_open, help, methods, required)    \
  TrainOptionRow {                                                                              \
    #member, flags, TypeOf<&TrainOptions::member>(), min, max, min_open, max_open, help,       \
        methods, required, &Format<&TrainOptions::member>, &Set<&TrainOptions::member>,         \
        &Numeric<&TrainOptions::member>                                                         \
  }

// The table. Ranges: [min, max] with *_open making that end open.
const TrainOptionRow kRows[] = {
    SKETCHD_OPTION(method, "--method", 0, 0, false, false, "training method", "", true),
    SKETCHD_OPTION(task, "--task", 0, 0, false, false,
                   "what the sketch is for (regression: each matrix is [A | b], b last)", "",
                   false),
    SKETCHD_OPTION(k, "--k", 1, kInf, false, false, "target rank (lowrank task)", "", false),
    SKETCHD_OPTION(m, "--m", 1, kInf, false, false, "sketch rows", "", true),
    SKETCHD_OPTION(seed, "--seed", -kInf, kInf, false, false, "random seed (reproducible)", "",
                   false),
    SKETCHD_OPTION(iterations, "--iterations,--iters", 0, 1'000'000, false, false,
                   "gradient steps / greedy passes (0 = method default)", "", false),
    SKETCHD_OPTION(batch_size, "--batch-size", 0, 1'000'000, false, false,
                   "matrices per gradient step (0 = method default)", "", false),
    SKETCHD_OPTION(learning_rate, "--learning-rate", 0, 1000, false, false,
                   "Adam step size (0 = method default)", "", false),
    SKETCHD_OPTION(validation_fraction, "--validation-fraction", 0, 1, false, true,
                   "share of the training matrices held out for the validation figures", "",
                   false),
    SKETCHD_OPTION(time_budget_seconds, "--time-budget", 0, kInf, false, false,
                   "seconds; training stops early keeping the best so far (0 = none)", "", false),
    SKETCHD_OPTION(threads, "--threads", 0, 1024, false, false,
                   "training threads (0 = all cores, or the server's --training_threads)", "",
                   false),
    SKETCHD_OPTION(mixed_joint, "--mixed-joint", 0, 0, false, false,
                   "learn S1 with S2 inside SCW (J); --no-mixed-joint learns S1 alone (S)", "mixed",
                   false),
    SKETCHD_OPTION(refine_values, "--refine-values", 0, 0, false, false,
                   "refine the values by gradient steps", "inner_product,greedy", false),
    SKETCHD_OPTION(append_sampled_rows, "--append-sampled-rows", 0, 0, false, false,
                   "half of m becomes a random CountSketch guard block [S1; S2], keeping a "
                   "random sketch's worst-case guarantee",
                   "inner_product", false),
    SKETCHD_OPTION(greedy_leverage_order, "--greedy-leverage-order", 0, 0, false, false,
                   "visit columns by leverage score instead of row norm", "greedy", false),
    SKETCHD_OPTION(heavy_fraction, "--heavy-fraction", 0, 1, false, true,
                   "share of m given to heavy rows (a bucket each)", "heavy_rows", false),
    SKETCHD_OPTION(learn_values, "--learn-values", 0, 0, false, false,
                   "learn the values with the subspace-embedding loss", "heavy_rows", false),
    SKETCHD_OPTION(lasso_lambda_fraction, "--lasso-lambda-fraction", 0, 1, true, false,
                   "validation LASSO radius λ as a share of ‖x_LS‖₁", "heavy_rows,random", false),
    SKETCHD_OPTION(transpose, "--transpose", 0, 0, false, false,
                   "lowrank: train on the transposes Aᵢᵀ, so the sketch acts on the d columns "
                   "(the range sketch R of one-pass LowRank, --right-sketch)",
                   "", false),
};

#undef SKETCHD_OPTION

// A bound in a message: integers without a fraction or exponent.
std::string Bound(double v, TrainOptionType type) {
  if (type != TrainOptionType::kDouble) return absl::StrCat(static_cast<int64_t>(v));
  return absl::StrCat(v);
}

}  // namespace

absl::Span<const TrainOptionRow> TrainOptionTable() { return kRows; }

const TrainOptionRow* FindTrainOption(absl::string_view name) {
  for (const TrainOptionRow& row : kRows) {
    if (row.name == name) return &row;
  }
  return nullptr;
}

absl::Status TrainOptionRow::Parse(absl::string_view text, TrainOptions* options) const {
  if (set(text, options)) return absl::OkStatus();
  switch (type) {
    case TrainOptionType::kMethod: return ParseTrainMethod(text).status();
    case TrainOptionType::kTask: return ParseSketchTask(text).status();
    default: break;
  }
  absl::string_view expected = type == TrainOptionType::kInt      ? "an integer"
                               : type == TrainOptionType::kUint   ? "a non-negative integer"
                               : type == TrainOptionType::kDouble ? "a number"
                                                                  : "1 or 0 (true or false)";
  return absl::InvalidArgumentError(absl::StrCat(name, " must be ", expected, ", got '", text, "'"));
}

std::string TrainOptionRow::RangeText() const {
  if (!numeric_row() || (min == -kInf && max == kInf)) return "";
  const bool real = type == TrainOptionType::kDouble;
  if (max == kInf) {
    return absl::StrCat("must be ", real ? "finite and " : "", min_open ? "> " : "≥ ",
                        Bound(min, type));
  }
  return absl::StrCat("must be in ", min_open ? "(" : "[", Bound(min, type), ", ",
                      Bound(max, type), max_open ? ")" : "]");
}

absl::Status TrainOptionRow::Check(const TrainOptions& options) const {
  if (!numeric_row() || (min == -kInf && max == kInf)) return absl::OkStatus();
  const double v = numeric(options);
  const bool ok = std::isfinite(v) && (min_open ? v > min : v >= min) &&
                  (max_open ? v < max : v <= max);
  if (ok) return absl::OkStatus();
  const std::string got = type == TrainOptionType::kDouble ? absl::StrCat(v) : format(options);
  return absl::InvalidArgumentError(absl::StrCat(name, " ", RangeText(), ", got ", got));
}

absl::Status CheckTrainOptions(const TrainOptions& options) {
  for (const TrainOptionRow& row : kRows) {
    if (absl::Status s = row.Check(options); !s.ok()) return s;
  }
  // The one check across rows: a regression sketch must act on the rows of
  // [A | b] (the solver sketches A's rows), so it cannot be trained on Aᵀ.
  if (options.transpose && options.task != SketchTask::kLowRank) {
    return absl::InvalidArgumentError(
        "transpose is for the lowrank task (a range sketch for one-pass LowRank); a regression "
        "sketch acts on the rows of [A | b]: drop transpose");
  }
  return absl::OkStatus();
}

}  // namespace sketchd
