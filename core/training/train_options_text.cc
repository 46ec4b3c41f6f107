#include "core/training/train_options_text.h"

#include <cstdio>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace sketchd {
namespace {

// %.17g round-trips every double.
std::string Num(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

std::string EncodeTrainOptions(const TrainOptions& o) {
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
  };
  return absl::StrJoin(lines, "\n");
}

absl::StatusOr<TrainOptions> DecodeTrainOptions(absl::string_view text) {
  TrainOptions o;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    const absl::string_view key = kv.first, value = kv.second;
    bool ok = true;
    auto as_bool = [&](bool* out) {
      int v = 0;
      ok = absl::SimpleAtoi(value, &v);
      *out = v != 0;
    };
    if (key == "method") {
      auto m = ParseTrainMethod(value);
      if (!m.ok()) return m.status();
      o.method = *m;
    } else if (key == "task") {
      auto t = ParseSketchTask(value);
      if (!t.ok()) return t.status();
      o.task = *t;
    } else if (key == "k") { ok = absl::SimpleAtoi(value, &o.k);
    } else if (key == "m") { ok = absl::SimpleAtoi(value, &o.m);
    } else if (key == "seed") { ok = absl::SimpleAtoi(value, &o.seed);
    } else if (key == "iterations") { ok = absl::SimpleAtoi(value, &o.iterations);
    } else if (key == "batch_size") { ok = absl::SimpleAtoi(value, &o.batch_size);
    } else if (key == "learning_rate") { ok = absl::SimpleAtod(value, &o.learning_rate);
    } else if (key == "validation_fraction") { ok = absl::SimpleAtod(value, &o.validation_fraction);
    } else if (key == "time_budget_seconds") { ok = absl::SimpleAtod(value, &o.time_budget_seconds);
    } else if (key == "threads") { ok = absl::SimpleAtoi(value, &o.threads);
    } else if (key == "mixed_joint") { as_bool(&o.mixed_joint);
    } else if (key == "refine_values") { as_bool(&o.refine_values);
    } else if (key == "append_sampled_rows") { as_bool(&o.append_sampled_rows);
    } else if (key == "greedy_leverage_order") { as_bool(&o.greedy_leverage_order);
    } else if (key == "heavy_fraction") { ok = absl::SimpleAtod(value, &o.heavy_fraction);
    } else if (key == "learn_values") { as_bool(&o.learn_values);
    } else if (key == "lasso_lambda_fraction") { ok = absl::SimpleAtod(value, &o.lasso_lambda_fraction);
    }
    if (!ok) {
      return absl::DataLossError(absl::StrCat("stored training options: bad value for '", key,
                                              "': '", value, "'"));
    }
  }
  return o;
}

}  // namespace sketchd
