#include "mpi/rank_figures.h"

#include <sys/resource.h>

namespace sketchd {

int64_t PeakResidentBytes() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<int64_t>(usage.ru_maxrss) * 1024;  // Linux reports KiB
}

Json GatherRankFigures(Communicator& comm, int64_t local_rows) {
  constexpr int kFields = 4;
  // Doubles hold these counts exactly up to 2^53 bytes.
  RowMatrixXd table = RowMatrixXd::Zero(comm.size(), kFields);
  table(comm.rank(), 0) = static_cast<double>(local_rows);
  table(comm.rank(), 1) = static_cast<double>(comm.bytes_sent());
  table(comm.rank(), 2) = static_cast<double>(comm.bytes_received());
  table(comm.rank(), 3) = static_cast<double>(PeakResidentBytes());
  comm.SumInPlace(&table);
  Json ranks = Json::Array();
  for (int p = 0; p < comm.size(); ++p) {
    Json j = Json::Object();
    j.Set("rank", p);
    j.Set("rows", static_cast<int64_t>(table(p, 0)));
    j.Set("bytes_sent", static_cast<int64_t>(table(p, 1)));
    j.Set("bytes_received", static_cast<int64_t>(table(p, 2)));
    j.Set("peak_rss_bytes", static_cast<int64_t>(table(p, 3)));
    ranks.Push(std::move(j));
  }
  return ranks;
}

}  // namespace sketchd
