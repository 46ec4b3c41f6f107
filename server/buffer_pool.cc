#include "server/buffer_pool.h"

#include <sys/mman.h>

#include <cstdlib>
#include <new>

namespace sketchd {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;

// Large blocks are 2 MiB aligned and asked to use transparent huge pages:
// where THP is in "madvise" mode that cuts the first-touch faults 512-fold.
char* Allocate(size_t capacity) {
  const size_t align = capacity >= 2 * kHugePage ? kHugePage : 64;
  void* p = std::aligned_alloc(align, capacity);
  if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  if (align == kHugePage) madvise(p, capacity, MADV_HUGEPAGE);
#endif
  return static_cast<char*>(p);
}

size_t RoundCapacity(size_t bytes) {
  if (bytes == 0) bytes = 1;
  const size_t unit = bytes >= 2 * kHugePage ? kHugePage : 64;
  return (bytes + unit - 1) / unit * unit;
}

}  // namespace

PooledBuffer& PooledBuffer::operator=(PooledBuffer&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = other.pool_;
    data_ = other.data_;
    size_ = other.size_;
    capacity_ = other.capacity_;
    other.pool_ = nullptr;
    other.data_ = nullptr;
    other.size_ = other.capacity_ = 0;
  }
  return *this;
}

void PooledBuffer::Release() {
  if (data_ == nullptr) return;
  if (pool_ != nullptr) {
    pool_->Return(data_, capacity_);
  } else {
    std::free(data_);
  }
  data_ = nullptr;
  size_ = capacity_ = 0;
}

BufferPool::~BufferPool() {
  for (const Block& b : free_) std::free(b.data);
}

PooledBuffer BufferPool::Acquire(size_t bytes) {
  PooledBuffer out;
  out.pool_ = this;
  out.size_ = bytes;
  const size_t want = RoundCapacity(bytes);
  {
    MutexLock lock(&mu_);
    size_t best = free_.size();
    for (size_t i = 0; i < free_.size(); ++i) {
      const size_t c = free_[i].capacity;
      if (c >= want && c / 2 <= want && (best == free_.size() || c < free_[best].capacity)) best = i;
    }
    if (best != free_.size()) {
      out.data_ = free_[best].data;
      out.capacity_ = free_[best].capacity;
      cached_ -= out.capacity_;
      free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(best));
      return out;
    }
  }
  out.data_ = Allocate(want);
  out.capacity_ = want;
  return out;
}

void BufferPool::Return(char* data, size_t capacity) {
  std::vector<char*> evicted;
  {
    MutexLock lock(&mu_);
    if (capacity > max_cached_) {
      evicted.push_back(data);
    } else {
      // Oldest first out, until the returned block fits.
      while (cached_ + capacity > max_cached_ && !free_.empty()) {
        evicted.push_back(free_.front().data);
        cached_ -= free_.front().capacity;
        free_.erase(free_.begin());
      }
      free_.push_back({data, capacity});
      cached_ += capacity;
    }
  }
  for (char* p : evicted) std::free(p);  // outside the lock: munmap can be slow
}

size_t BufferPool::cached_bytes() const {
  MutexLock lock(&mu_);
  return cached_;
}

}  // namespace sketchd
