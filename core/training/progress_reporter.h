// Throttled progress on top of TrainingControl: loops call Maybe() as often
// as they like; the callback fires at most every 0.2 s (the contract in
// training_control.h), mapped into this phase's share [lo, hi] of the job.
#ifndef SKETCHD_CORE_TRAINING_PROGRESS_REPORTER_H_
#define SKETCHD_CORE_TRAINING_PROGRESS_REPORTER_H_

#include <string>

#include "core/training/training_control.h"

namespace sketchd {

class ProgressReporter {
 public:
  ProgressReporter(const TrainingControl* control, double lo, double hi)
      : control_(control), lo_(lo), hi_(hi) {}

  // `fraction` of this phase done; `message` built only when reporting.
  template <typename MessageFn>
  void Maybe(double fraction, MessageFn message) {
    const double now = control_->elapsed_seconds();
    if (now - last_ < 0.2) return;
    last_ = now;
    control_->Report(lo_ + (hi_ - lo_) * fraction, message());
  }
  void Now(double fraction, const std::string& message) {
    last_ = control_->elapsed_seconds();
    control_->Report(lo_ + (hi_ - lo_) * fraction, message);
  }
  const TrainingControl& control() const { return *control_; }
  double lo() const { return lo_; }
  double hi() const { return hi_; }

 private:
  const TrainingControl* control_;
  double lo_, hi_;
  double last_ = -1;
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_PROGRESS_REPORTER_H_
