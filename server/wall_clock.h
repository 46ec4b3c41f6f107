// Wall-clock time as stored in job, dataset and sketch records: microseconds
// since the Unix epoch. Kept apart from any store so that code needing only
// the time (handlers, the job runner, row builders) does not depend on a
// particular database.
#ifndef SKETCHD_SERVER_WALL_CLOCK_H_
#define SKETCHD_SERVER_WALL_CLOCK_H_

#include <chrono>
#include <cstdint>

namespace sketchd {

inline int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace sketchd

#endif  // SKETCHD_SERVER_WALL_CLOCK_H_
