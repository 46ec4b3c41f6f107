// The server's mutex: std::mutex with clang thread-safety annotations (as
// LevelDB's port::Mutex), plus absl-style Await on a condition.
//
// Why not absl::Mutex: Debian's abseil is a prebuilt, uninstrumented shared
// library, so ThreadSanitizer (make test-tsan) cannot see absl::Mutex's
// synchronisation and reports every access it guards as a race. std::mutex
// and std::condition_variable go through pthread, which TSan intercepts; the
// annotations below make clang's -Wthread-safety see them too
// (scripts/check-thread-safety.sh).
//
// Thread-safety: a Mutex is shared by the threads it serialises; a
// MutexLock belongs to one thread.
#ifndef SKETCHD_SERVER_MUTEX_H_
#define SKETCHD_SERVER_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace sketchd {

class ABSL_LOCKABLE Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  // Waiters re-check their conditions: any state under the mutex may have
  // changed (absl::Mutex semantics, so callers need no separate notify).
  void Unlock() ABSL_UNLOCK_FUNCTION() {
    const bool wake = waiters_ > 0;
    mu_.unlock();
    if (wake) changed_.notify_all();
  }
  // For lambdas run under the lock (conditions), which the analysis cannot
  // follow into.
  void AssertHeld() const ABSL_ASSERT_EXCLUSIVE_LOCK() {}

  // Releases the mutex until `condition` (evaluated with the mutex held)
  // is true; held again on return.
  void Await(const std::function<bool()>& condition) ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    AwaitUntil(condition, std::chrono::steady_clock::time_point::max());
  }
  // The same for at most `timeout`; returns `condition` at return.
  bool AwaitWithTimeout(const std::function<bool()>& condition,
                        std::chrono::steady_clock::duration timeout)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(this) {
    return AwaitUntil(condition, std::chrono::steady_clock::now() + timeout);
  }

 private:
  bool AwaitUntil(const std::function<bool()>& condition,
                  std::chrono::steady_clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_, std::adopt_lock);
    // Releasing the lock to wait is an unlock too: other waiters re-check.
    if (waiters_ > 0) changed_.notify_all();
    ++waiters_;
    bool met;
    if (deadline == std::chrono::steady_clock::time_point::max()) {
      changed_.wait(lock, condition);
      met = true;
    } else {
      met = changed_.wait_until(lock, deadline, condition);
    }
    --waiters_;
    lock.release();  // still held, by the caller
    return met;
  }

  std::mutex mu_;
  std::condition_variable changed_;
  int waiters_ = 0;  // threads in AwaitUntil; under mu_
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) { mu_->Lock(); }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* const mu_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_MUTEX_H_
