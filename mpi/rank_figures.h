// Per-rank resource figures every sketchmpi command reports (bench/mpi reads
// them): bytes this rank sent and received through the Communicator, its
// peak resident set size, and its rows. Collected on every rank by one sum of
// a P×4 table in which each rank fills only its own row.
#ifndef SKETCHD_MPI_RANK_FIGURES_H_
#define SKETCHD_MPI_RANK_FIGURES_H_

#include <cstdint>

#include "client/json.h"
#include "mpi/communicator.h"

namespace sketchd {

// Peak RSS of this process so far, in bytes (getrusage).
int64_t PeakResidentBytes();

// Collective: a JSON array with one object per rank {rank, rows,
// bytes_sent, bytes_received, peak_rss_bytes}. The bytes are those counted
// before this call (the collection itself is not included).
Json GatherRankFigures(Communicator& comm, int64_t local_rows);

}  // namespace sketchd

#endif  // SKETCHD_MPI_RANK_FIGURES_H_
