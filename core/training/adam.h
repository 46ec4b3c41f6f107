// Adam (Kingma–Ba) for the sketch values, with the two safety valves value
// learning needs: the caller clips gradients, and Reset() forgets the moment
// estimates when a step is rejected and training restarts from the best point.
#ifndef SKETCHD_CORE_TRAINING_ADAM_H_
#define SKETCHD_CORE_TRAINING_ADAM_H_

#include "core/matrix_types.h"

namespace sketchd {

class Adam {
 public:
  Adam(Index size, double learning_rate, double beta1 = 0.9, double beta2 = 0.999,
       double epsilon = 1e-8);

  // params ← params − lr · m̂ / (√v̂ + ε).
  void Step(const VectorXd& grad, VectorXd* params);
  void Reset();

  double learning_rate() const { return learning_rate_; }
  void set_learning_rate(double lr) { learning_rate_ = lr; }

 private:
  double learning_rate_, beta1_, beta2_, epsilon_;
  VectorXd first_, second_;
  long steps_ = 0;
};

// Scales `grad` down to norm ≤ max_norm; returns the norm before clipping.
double ClipGradient(double max_norm, VectorXd* grad);

}  // namespace sketchd

#endif  // SKETCHD_CORE_TRAINING_ADAM_H_
