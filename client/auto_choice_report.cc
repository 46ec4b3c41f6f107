#include "client/auto_choice_report.h"

#include "absl/strings/str_cat.h"
#include "client/cli.h"

namespace sketchd {

v1::AutoChoice AutoChoiceToProto(const AutoChoice& choice, int64_t max_passes) {
  v1::AutoChoice out;
  out.set_max_passes(max_passes);
  out.set_total_passes(choice.total_passes);
  for (size_t i = 0; i < choice.trials.size(); ++i) {
    const AutoTrial& t = choice.trials[i];
    v1::AutoTrial* p = out.add_trials();
    p->set_candidate(t.label);
    p->set_sketch_version(t.version);
    p->set_m(t.m);
    p->set_tried(t.tried);
    p->set_skipped_reason(t.skipped_reason);
    p->set_power_iters(static_cast<int32_t>(t.power_iters));
    p->set_block_krylov(t.block_krylov);
    p->set_passes(t.passes);
    p->set_error(t.error);
    p->set_relative_error(t.relative_error);
    p->set_seconds(t.seconds);
    p->set_chosen(static_cast<int64_t>(i) == choice.chosen);
    if (p->chosen()) out.set_chosen(t.label);
  }
  return out;
}

Json AutoChoiceJson(const v1::AutoChoice& choice) {
  Json j = Json::Object();
  j.Set("chosen", choice.chosen());
  j.Set("max_passes", choice.max_passes());
  j.Set("total_passes", choice.total_passes());
  Json trials = Json::Array();
  for (const v1::AutoTrial& t : choice.trials()) {
    Json o = Json::Object();
    o.Set("candidate", t.candidate());
    if (t.sketch_version() != 0) o.Set("version", t.sketch_version());
    o.Set("m", t.m());
    o.Set("tried", t.tried());
    if (!t.tried()) o.Set("skipped_reason", t.skipped_reason());
    if (t.tried()) {
      o.Set("passes", t.passes());
      o.Set("error", t.error());
      o.Set("relative_error", t.relative_error());
      o.Set("seconds", t.seconds());
    }
    o.Set("chosen", t.chosen());
    trials.Push(std::move(o));
  }
  j.Set("trials", std::move(trials));
  return j;
}

std::string AutoChoiceText(const v1::AutoChoice& choice) {
  std::string text = absl::StrCat("auto (≤ ", choice.max_passes(), " passes each, ",
                                  choice.total_passes(), " in all): ");
  bool first = true;
  for (const v1::AutoTrial& t : choice.trials()) {
    absl::StrAppend(&text, first ? "" : ", ", t.candidate(),
                    t.sketch_version() != 0 ? absl::StrCat(" v", t.sketch_version()) : "",
                    " (m=", t.m(), ") ",
                    t.tried() ? FormatNumber(t.error()) : absl::StrCat("skipped: ", t.skipped_reason()),
                    t.chosen() ? " ← chosen" : "");
    first = false;
  }
  return text;
}

}  // namespace sketchd
