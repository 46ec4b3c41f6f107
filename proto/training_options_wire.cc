#include "proto/training_options_wire.h"

#include <cstdio>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/status_macros.h"
#include "core/training/train_option_table.h"

namespace sketchd {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;

// The proto field of a table row: same name. Null for a core-only option
// (none today: tests/server/training_options_wire_test.cc checks every row).
const FieldDescriptor* FieldOf(const TrainOptionRow& row) {
  return v1::TrainingOptions::descriptor()->FindFieldByName(std::string(row.name));
}

std::string FullPrecision(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

}  // namespace

v1::TrainingOptions TrainOptionsToWire(const TrainOptions& o) {
  v1::TrainingOptions p;
  const Reflection* r = p.GetReflection();
  for (const TrainOptionRow& row : TrainOptionTable()) {
    const FieldDescriptor* f = FieldOf(row);
    if (f == nullptr) continue;
    const std::string text = row.format(o);  // full precision, bools 1/0, names
    int64_t i = 0;
    uint64_t u = 0;
    double d = 0;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: r->SetString(&p, f, text); break;
      case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(&p, f, text == "1"); break;
      case FieldDescriptor::CPPTYPE_ENUM:  // Task
        r->SetEnumValue(&p, f, o.task == SketchTask::kLowRank ? v1::TASK_LOW_RANK : v1::TASK_REGRESSION);
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        if (absl::SimpleAtod(text, &d)) r->SetDouble(&p, f, d);
        break;
      case FieldDescriptor::CPPTYPE_INT32:
        if (absl::SimpleAtoi(text, &i)) r->SetInt32(&p, f, static_cast<int32_t>(i));
        break;
      case FieldDescriptor::CPPTYPE_INT64:
        if (absl::SimpleAtoi(text, &i)) r->SetInt64(&p, f, i);
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        if (absl::SimpleAtoi(text, &u)) r->SetUInt64(&p, f, u);
        break;
      default: break;  // no option has another type
    }
  }
  return p;
}

absl::StatusOr<TrainOptions> TrainOptionsFromWire(const v1::TrainingOptions& p) {
  TrainOptions o;
  const Reflection* r = p.GetReflection();
  // The task first: it decides what k = 0 means.
  if (p.task() == v1::TASK_LOW_RANK) {
    o.task = SketchTask::kLowRank;
  } else if (p.task() == v1::TASK_REGRESSION) {
    o.task = SketchTask::kRegression;
  } else {
    return absl::InvalidArgumentError("options.task must be TASK_LOW_RANK or TASK_REGRESSION");
  }
  for (const TrainOptionRow& row : TrainOptionTable()) {
    const FieldDescriptor* f = FieldOf(row);
    if (f == nullptr || row.type == TrainOptionType::kTask) continue;
    if (f->has_presence() && !r->HasField(p, f)) continue;  // unset optional: core's default
    if (row.name == "k" && p.k() == 0 && o.task == SketchTask::kRegression) continue;  // unused
    std::string text;
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: text = r->GetString(p, f); break;
      case FieldDescriptor::CPPTYPE_BOOL: text.assign(1, r->GetBool(p, f) ? '1' : '0'); break;
      case FieldDescriptor::CPPTYPE_DOUBLE: text = FullPrecision(r->GetDouble(p, f)); break;
      case FieldDescriptor::CPPTYPE_INT32: text = absl::StrCat(r->GetInt32(p, f)); break;
      case FieldDescriptor::CPPTYPE_INT64: text = absl::StrCat(r->GetInt64(p, f)); break;
      case FieldDescriptor::CPPTYPE_UINT64: text = absl::StrCat(r->GetUInt64(p, f)); break;
      default: continue;
    }
    SKETCHD_RETURN_IF_ERROR(row.Parse(text, &o));
  }
  SKETCHD_RETURN_IF_ERROR(CheckTrainOptions(o));
  return o;
}

}  // namespace sketchd
