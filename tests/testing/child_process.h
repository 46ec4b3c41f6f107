// Runs a piece of a test in a forked child process and reports how it ended
// and how much memory it touched.
//
// Why a child: the defects these tests pin down are aborts (std::bad_alloc
// from a 51 GB reserve) and multi-gigabyte resident sets. In the test process
// itself the first would kill the whole suite and the second could only be
// seen through a high-water mark that earlier tests already raised; a child's
// ru_maxrss (from wait4) is its own peak, and its death is just a result.
#ifndef SKETCHD_TESTS_TESTING_CHILD_PROCESS_H_
#define SKETCHD_TESTS_TESTING_CHILD_PROCESS_H_

#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <exception>
#include <ostream>

namespace sketchd::child_process {

struct ChildOutcome {
  bool exited = false;   // returned normally (false: killed by a signal)
  int exit_code = -1;    // the body's return value when exited
  int signal = 0;        // the signal that ended it otherwise (SIGABRT: abort)
  int64_t peak_rss_mib = 0;

  // The body ran to completion and reported success.
  bool succeeded() const { return exited && exit_code == 0; }
};

inline std::ostream& operator<<(std::ostream& os, const ChildOutcome& o) {
  if (o.exited) return os << "exit code " << o.exit_code << ", peak RSS " << o.peak_rss_mib << " MiB";
  return os << "killed by signal " << o.signal << ", peak RSS " << o.peak_rss_mib << " MiB";
}

// `body` returns 0 when everything it checked held (it cannot use gtest
// assertions: they would be recorded in the child and lost). An exception
// leaving body is exit code 3.
template <typename Body>
ChildOutcome RunInChild(Body body) {
  std::fflush(nullptr);  // do not let the child flush the parent's buffers again
  const pid_t pid = fork();
  if (pid == 0) {
    int code = 3;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: exception: %s\n", e.what());
    }
    std::fflush(nullptr);
    _exit(code);
  }
  ChildOutcome outcome;
  if (pid < 0) return outcome;
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) return outcome;
  outcome.exited = WIFEXITED(status);
  outcome.exit_code = outcome.exited ? WEXITSTATUS(status) : -1;
  outcome.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  outcome.peak_rss_mib = usage.ru_maxrss / 1024;  // Linux reports KiB
  return outcome;
}

}  // namespace sketchd::child_process

#endif  // SKETCHD_TESTS_TESTING_CHILD_PROCESS_H_
