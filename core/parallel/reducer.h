// The seam through which core's training and IHS code sums across processes
// without knowing about MPI. Single-process callers pass no reducer (null)
// and core runs exactly its one-process code; sketchmpi (mpi/) implements it
// on MPI ranks. Header-only: no dependency for core.
//
// Contract (what makes results independent of the communication library):
//  - SumInPlace: element-wise sum over all processes, the bitwise same result
//    on every process. Core uses it so that every summand lives on exactly
//    one process and the others contribute zeros: x + 0 = x exactly, so such
//    a "disjoint" sum is exact and equal to the single-process value.
//  - OrderedSum: a running sum passed along the processes in rank order:
//    process p receives the sum of processes 0..p−1, calls add_local on it,
//    and passes it on; every process gets the final value. When process p
//    holds the p-th contiguous block of the summands (sketchmpi assigns files
//    to ranks that way) this reproduces a serial loop bitwise.
//  - AgreeOnStatus: every process calls it after a step that can fail on
//    one process only (a matrix it holds); all get OK, or all get the error
//    of the lowest failing process, so none is left waiting in the next sum.
//  - A decision only one clock can make (a time budget) is agreed by a sum in
//    which process 0 alone contributes (TrainingControl::AgreeOnStopWith).
#ifndef SKETCHD_CORE_PARALLEL_REDUCER_H_
#define SKETCHD_CORE_PARALLEL_REDUCER_H_

#include <cstdint>
#include <functional>

#include "absl/status/status.h"

namespace sketchd {

class Reducer {
 public:
  virtual ~Reducer() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  virtual void SumInPlace(double* data, int64_t count) = 0;
  virtual void OrderedSum(double* data, int64_t count,
                          const std::function<void(double*)>& add_local) = 0;
  virtual absl::Status AgreeOnStatus(const absl::Status& local) = 0;
};

// One process: both sums are the local values.
class LocalReducer final : public Reducer {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void SumInPlace(double*, int64_t) override {}
  void OrderedSum(double* data, int64_t,
                  const std::function<void(double*)>& add_local) override {
    add_local(data);
  }
  absl::Status AgreeOnStatus(const absl::Status& local) override { return local; }
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_PARALLEL_REDUCER_H_
