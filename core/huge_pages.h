// Transparent huge pages for large, freshly allocated buffers.
//
// Measured on the development VM: a first touch of a 4 KiB page costs about
// 12 µs, so filling a fresh 1 GB matrix spends ~3 s in page faults — more
// than the arithmetic on it. Where THP is in "madvise" mode (Debian's
// default), asking for huge pages on a range makes the kernel fault it in
// 2 MiB at a time: 512 times fewer faults. Call this after allocating and
// before the first write; it is a hint (errors are ignored: the buffer works
// either way), so it is safe on any range of an anonymous mapping.
#ifndef SKETCHD_CORE_HUGE_PAGES_H_
#define SKETCHD_CORE_HUGE_PAGES_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace sketchd {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Advises huge pages for the 2 MiB-aligned interior of [data, data + bytes).
// glibc serves large blocks from their own mmap, so the interior belongs to
// this buffer alone; buffers under two huge pages are left alone (at most a
// sliver of them could be huge-page backed).
inline void AdviseHugePages(void* data, size_t bytes) {
#ifdef MADV_HUGEPAGE
  if (data == nullptr || bytes < 2 * kHugePageBytes) return;
  const uintptr_t begin = reinterpret_cast<uintptr_t>(data);
  const uintptr_t first = (begin + kHugePageBytes - 1) & ~(uintptr_t{kHugePageBytes} - 1);
  const uintptr_t last = (begin + bytes) & ~(uintptr_t{kHugePageBytes} - 1);
  if (last > first) madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace sketchd

#endif  // SKETCHD_CORE_HUGE_PAGES_H_
