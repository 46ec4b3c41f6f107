// Reuses the large buffers that streaming RPCs receive matrices into.
//
// Why: first-touch page faults of a fresh multi-megabyte allocation are not
// free — on the VMs sketchd was measured on, faulting in 47 MB took 150 ms
// while writing the same, already mapped, memory took 2 ms. glibc returns
// allocations above its mmap threshold (≤ 32 MiB) to the kernel on free, so
// every LowRank/Solve/Upload of a large matrix paid that again. Keeping a
// few freed buffers mapped makes the steady state fault-free.
#ifndef SKETCHD_SERVER_BUFFER_POOL_H_
#define SKETCHD_SERVER_BUFFER_POOL_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "server/mutex.h"

namespace sketchd {

class BufferPool;

// A block of at least size() bytes, 64-byte aligned, contents unspecified.
// Goes back to its pool (or is freed) on destruction.
// Thread-safety: one owner; not safe to use from several threads at once.
class PooledBuffer {
 public:
  PooledBuffer() = default;
  PooledBuffer(PooledBuffer&& other) noexcept { *this = std::move(other); }
  PooledBuffer& operator=(PooledBuffer&& other) noexcept;
  ~PooledBuffer() { Release(); }

  char* data() const { return data_; }
  double* doubles() const { return reinterpret_cast<double*>(data_); }
  size_t size() const { return size_; }

 private:
  friend class BufferPool;
  void Release();

  BufferPool* pool_ = nullptr;
  char* data_ = nullptr;
  size_t size_ = 0;      // what the caller asked for
  size_t capacity_ = 0;  // what was allocated
};

// Thread-safety: safe for concurrent use (every handler acquires from the
// service's one pool); the pool must outlive its buffers.
class BufferPool {
 public:
  // Keeps at most `max_cached_bytes` of free buffers (0 = no caching).
  explicit BufferPool(size_t max_cached_bytes) : max_cached_(max_cached_bytes) {}
  ~BufferPool();
  BufferPool(const BufferPool&) = delete;
  BufferPool& operator=(const BufferPool&) = delete;

  // The smallest cached buffer that fits (if not more than twice the size
  // asked for), else a fresh allocation.
  PooledBuffer Acquire(size_t bytes) ABSL_LOCKS_EXCLUDED(mu_);

  size_t cached_bytes() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  friend class PooledBuffer;
  struct Block {
    char* data;
    size_t capacity;
  };
  void Return(char* data, size_t capacity) ABSL_LOCKS_EXCLUDED(mu_);

  const size_t max_cached_;
  mutable Mutex mu_;
  std::vector<Block> free_ ABSL_GUARDED_BY(mu_);
  size_t cached_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_BUFFER_POOL_H_
