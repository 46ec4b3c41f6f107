#include "mpi/communicator.h"

#include <mpi.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "core/lowrank/tsqr.h"

namespace sketchd {
namespace {

// MPI counts are ints: larger payloads go in pieces of at most 1 GiB.
constexpr int64_t kMaxMessageBytes = int64_t{1} << 30;

enum Tag : int { kTagSum = 1, kTagBroadcast, kTagTriangle, kTagStatus, kTagOrdered };

}  // namespace

Communicator::Communicator() {
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
}

void Communicator::Send(const void* bytes, int64_t count, int to, int tag) {
  const char* p = static_cast<const char*>(bytes);
  int64_t done = 0;
  do {  // one (possibly empty) message per piece, matched by Receive
    const int piece = static_cast<int>(std::min(count - done, kMaxMessageBytes));
    MPI_Send(p + done, piece, MPI_BYTE, to, tag, MPI_COMM_WORLD);
    done += piece;
  } while (done < count);
  bytes_sent_ += count;
}

void Communicator::Receive(void* bytes, int64_t count, int from, int tag) {
  char* p = static_cast<char*>(bytes);
  int64_t done = 0;
  do {
    const int piece = static_cast<int>(std::min(count - done, kMaxMessageBytes));
    MPI_Recv(p + done, piece, MPI_BYTE, from, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    done += piece;
  } while (done < count);
  bytes_received_ += count;
}

// Binomial tree towards rank 0: in round j, ranks with bit j set send their
// partial result to rank − 2^j and drop out; the receiver combines (its own
// rows come before the sender's). Fixed pairing → fixed summation order.
template <typename Combine>
void Communicator::ReduceToRoot(double* values, int64_t count, int tag, Combine combine) {
  std::vector<double> incoming(static_cast<size_t>(count));
  for (int mask = 1; mask < size_; mask <<= 1) {
    if (rank_ & mask) {
      Send(values, count * int64_t{sizeof(double)}, rank_ - mask, tag);
      return;
    }
    if (rank_ + mask < size_) {
      Receive(incoming.data(), count * int64_t{sizeof(double)}, rank_ + mask, tag);
      combine(values, incoming.data());
    }
  }
}

void Communicator::SumInPlace(double* values, int64_t count) {
  if (size_ == 1) return;
  ReduceToRoot(values, count, kTagSum, [count](double* mine, const double* theirs) {
    for (int64_t i = 0; i < count; ++i) mine[i] += theirs[i];
  });
  Broadcast(values, count * int64_t{sizeof(double)});
}

void Communicator::OrderedSum(double* values, int64_t count,
                              const std::function<void(double*)>& add_local) {
  const int64_t bytes = count * int64_t{sizeof(double)};
  if (rank_ > 0) Receive(values, bytes, rank_ - 1, kTagOrdered);
  add_local(values);
  if (size_ == 1) return;
  if (rank_ + 1 < size_) {
    Send(values, bytes, rank_ + 1, kTagOrdered);
  } else {
    Send(values, bytes, 0, kTagOrdered);
  }
  if (rank_ == 0) Receive(values, bytes, size_ - 1, kTagOrdered);
  Broadcast(values, bytes);
}

void Communicator::Broadcast(void* bytes, int64_t count) {
  if (size_ == 1) return;
  int mask = 1;
  while (mask < size_) {
    if (rank_ & mask) {
      Receive(bytes, count, rank_ - mask, kTagBroadcast);
      break;
    }
    mask <<= 1;
  }
  for (mask >>= 1; mask > 0; mask >>= 1) {
    if (rank_ + mask < size_) Send(bytes, count, rank_ + mask, kTagBroadcast);
  }
}

MatrixXd Communicator::ReduceTriangularFactors(MatrixXd local) {
  if (size_ == 1) return local;
  const Index r = local.rows();
  ReduceToRoot(local.data(), local.size(), kTagTriangle, [r](double* mine, const double* theirs) {
    Eigen::Map<MatrixXd> upper(mine, r, r);
    upper = CombineTriangularFactors(upper, Eigen::Map<const MatrixXd>(theirs, r, r));
  });
  Broadcast(&local);
  return local;
}

absl::Status Communicator::AgreeOnStatus(const absl::Status& local) {
  if (size_ == 1) return local;
  // The lowest failing rank, or size_ when every rank is fine.
  double first_failure = local.ok() ? size_ : rank_;
  ReduceToRoot(&first_failure, 1, kTagStatus, [](double* mine, const double* theirs) {
    *mine = std::min(*mine, *theirs);
  });
  Broadcast(&first_failure, sizeof(double));
  const int failed = static_cast<int>(first_failure);
  if (failed == size_) return absl::OkStatus();
  // The failing rank's code, message and payloads (e.g. a CLI exit code) to
  // everyone; error path only, so plain MPI_Bcast from that rank is fine.
  int code = static_cast<int>(local.code());
  MPI_Bcast(&code, 1, MPI_INT, failed, MPI_COMM_WORLD);
  std::vector<std::string> parts = {std::string(local.message())};
  local.ForEachPayload([&parts](absl::string_view type_url, const absl::Cord& payload) {
    parts.emplace_back(type_url);
    parts.emplace_back(std::string(payload));
  });
  int count = static_cast<int>(parts.size());
  MPI_Bcast(&count, 1, MPI_INT, failed, MPI_COMM_WORLD);
  parts.resize(static_cast<size_t>(count));
  for (std::string& part : parts) {
    int length = static_cast<int>(part.size());
    MPI_Bcast(&length, 1, MPI_INT, failed, MPI_COMM_WORLD);
    part.resize(static_cast<size_t>(length));
    MPI_Bcast(part.data(), length, MPI_CHAR, failed, MPI_COMM_WORLD);
  }
  absl::Status agreed(static_cast<absl::StatusCode>(code),
                      absl::StrCat("rank ", failed, ": ", parts[0]));
  for (size_t i = 1; i + 1 < parts.size(); i += 2) agreed.SetPayload(parts[i], absl::Cord(parts[i + 1]));
  return agreed;
}

MpiSession::MpiSession(int* argc, char*** argv) { MPI_Init(argc, argv); }
MpiSession::~MpiSession() { MPI_Finalize(); }

}  // namespace sketchd
