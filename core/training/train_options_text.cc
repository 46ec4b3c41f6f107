#include "core/training/train_options_text.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/training/train_option_table.h"

namespace sketchd {

std::string EncodeTrainOptions(const TrainOptions& o) {
  std::vector<std::string> lines;
  for (const TrainOptionRow& row : TrainOptionTable()) {
    lines.push_back(absl::StrCat(row.name, "=", row.format(o)));
  }
  return absl::StrJoin(lines, "\n");
}

absl::StatusOr<TrainOptions> DecodeTrainOptions(absl::string_view text) {
  TrainOptions o;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    const TrainOptionRow* row = FindTrainOption(kv.first);
    if (row == nullptr) continue;  // another key of the block, or a newer option
    if (absl::Status s = row->Parse(kv.second, &o); !s.ok()) {
      // Method and task keep core's message ("unknown method …").
      if (row->type == TrainOptionType::kMethod || row->type == TrainOptionType::kTask) return s;
      return absl::DataLossError(absl::StrCat("stored training options: bad value for '",
                                              kv.first, "': '", kv.second, "'"));
    }
  }
  return o;
}

}  // namespace sketchd
