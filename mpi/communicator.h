// The few collective operations sketchmpi needs, over MPI_COMM_WORLD, written
// on point-to-point messages so that (1) every rank gets bitwise the same sum,
// always added in the same order for a given number of ranks — MPI_Allreduce
// promises neither — and (2) the bytes each rank sends and receives are
// counted exactly, for the communication figures in bench/mpi.
//
// Sums and broadcasts follow a binomial tree rooted at rank 0: ⌈log₂ P⌉
// rounds, each rank sending/receiving at most ⌈log₂ P⌉ messages of the payload
// size, so an m×d sum moves O(m·d·log P) bytes per rank.
//
// Errors: a rank that fails locally must not leave the others waiting in a
// collective. Every phase that can fail ends in AgreeOnStatus, which all ranks
// call; if any rank failed, all of them return the lowest failing rank's
// error (prefixed with its rank) and exit non-zero together.
#ifndef SKETCHD_MPI_COMMUNICATOR_H_
#define SKETCHD_MPI_COMMUNICATOR_H_

#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "core/matrix_types.h"
#include "core/parallel/reducer.h"

namespace sketchd {

class Communicator final : public Reducer {
 public:
  // MPI_COMM_WORLD; MPI must be initialised (see MpiSession).
  Communicator();

  int rank() const override { return rank_; }
  int size() const override { return size_; }

  // Element-wise sum over ranks of `count` doubles, result on every rank.
  void SumInPlace(double* values, int64_t count) override;
  void SumInPlace(MatrixXd* m) { SumInPlace(m->data(), m->size()); }
  void SumInPlace(RowMatrixXd* m) { SumInPlace(m->data(), m->size()); }
  void SumInPlace(VectorXd* v) { SumInPlace(v->data(), v->size()); }
  double Sum(double value) {
    SumInPlace(&value, 1);
    return value;
  }

  // Reducer::OrderedSum: a running sum handed from rank to rank in order
  // (rank 0 starts from the caller's `values`), then from the last rank to
  // every rank. P − 1 sequential messages plus a broadcast: for one-off sums
  // (a mean matrix, leverage totals) that must equal a serial loop bitwise.
  void OrderedSum(double* values, int64_t count,
                  const std::function<void(double*)>& add_local) override;

  // Rank 0's `count` bytes to every rank.
  void Broadcast(void* bytes, int64_t count);
  void Broadcast(MatrixXd* m) { Broadcast(m->data(), m->size() * int64_t{sizeof(double)}); }

  // TSQR over ranks: the R of the row-stacked matrix whose block on this rank
  // has R factor `local` (r×r, same r everywhere). Same result on every rank.
  MatrixXd ReduceTriangularFactors(MatrixXd local);

  // All ranks call it; OK only if `local` is OK on every rank. Otherwise
  // every rank returns the lowest failing rank's error, with its code, and
  // the message prefixed "rank R: ".
  absl::Status AgreeOnStatus(const absl::Status& local) override;

  int64_t bytes_sent() const { return bytes_sent_; }
  int64_t bytes_received() const { return bytes_received_; }

 private:
  // Binomial-tree reduction of `count` doubles to rank 0 with
  // combine(mine, theirs); only rank 0's buffer holds the result.
  template <typename Combine>
  void ReduceToRoot(double* values, int64_t count, int tag, Combine combine);
  void Send(const void* bytes, int64_t count, int to, int tag);
  void Receive(void* bytes, int64_t count, int from, int tag);

  int rank_ = 0;
  int size_ = 1;
  int64_t bytes_sent_ = 0;
  int64_t bytes_received_ = 0;
};

// MPI_Init / MPI_Finalize for main(), RAII.
class MpiSession {
 public:
  MpiSession(int* argc, char*** argv);
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
};

}  // namespace sketchd

#endif  // SKETCHD_MPI_COMMUNICATOR_H_
