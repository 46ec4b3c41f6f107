// The MPI training backend cannot train on transposes (its ranks hold row
// blocks of A): it refuses transpose up front with FAILED_PRECONDITION
// instead of training a sketch of the wrong side.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/mpi_training_backend.h"

namespace sketchd {
namespace {

TEST(TransposeMpiRefusal, BackendRefusesTransposeAndAcceptsTheSameJobWithout) {
  TrainOptions o;
  o.method = TrainMethod::kInnerProduct;
  EXPECT_TRUE(CheckSketchmpiSupports(o).ok());
  o.transpose = true;
  const absl::Status s = CheckSketchmpiSupports(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "transpose is not available with this server's MPI training backend "
            "(--train_backend mpi); train range sketches with the in-process backend");
}

}  // namespace
}  // namespace sketchd
