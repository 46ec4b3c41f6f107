// How `sketchctl lowrank --sketch auto` and `local lowrank --sketch auto`
// report a choice: which candidate answered and the exact errors of all
// tried, as JSON and as one line of text.
#ifndef SKETCHD_CLIENT_AUTO_CHOICE_REPORT_H_
#define SKETCHD_CLIENT_AUTO_CHOICE_REPORT_H_

#include <string>
#include <vector>

#include "client/json.h"
#include "core/lowrank/auto_sketch.h"
#include "sketchd/v1/sketchd.pb.h"

namespace sketchd {

// Core's choice in the wire form, so both commands print it one way.
v1::AutoChoice AutoChoiceToProto(const AutoChoice& choice, int64_t max_passes);

Json AutoChoiceJson(const v1::AutoChoice& choice);
// "auto (≤ 2 passes): default v1 (m=20) 12.3 ← chosen, random (m=20) 15.1"
std::string AutoChoiceText(const v1::AutoChoice& choice);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_AUTO_CHOICE_REPORT_H_
