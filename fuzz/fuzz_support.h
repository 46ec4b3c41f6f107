// Shared pieces of the fuzz harnesses.
#ifndef SKETCHD_FUZZ_FUZZ_SUPPORT_H_
#define SKETCHD_FUZZ_FUZZ_SUPPORT_H_

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <xxhash.h>

#include "core/sketch/byte_codec.h"

namespace sketchd::fuzz {

// A property the harness asserts on decoded output (a round trip, two
// readers agreeing). Aborting makes libFuzzer save the input as a crash.
#define SKETCHD_FUZZ_CHECK(cond)                                               \
  do {                                                                         \
    if (!(cond)) {                                                             \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
                   #cond);                                                     \
      std::abort();                                                            \
    }                                                                          \
  } while (0)

// The matrix-file readers open files by path, so each input is written to
// an in-memory file (memfd) and read back through /proc/self/fd: no disk
// traffic at tens of thousands of inputs a second, nothing left behind.
class InMemoryFile {
 public:
  InMemoryFile() : fd_(memfd_create("sketchd-fuzz", 0)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  InMemoryFile(const InMemoryFile&) = delete;
  InMemoryFile& operator=(const InMemoryFile&) = delete;

  const std::string& path() const { return path_; }

  void Set(const uint8_t* data, size_t size) {
    if (ftruncate(fd_, 0) != 0 ||
        (size > 0 && pwrite(fd_, data, size, 0) != static_cast<ssize_t>(size))) {
      std::perror("memfd write");
      std::abort();
    }
  }

 private:
  int fd_;
  std::string path_;
};

// Overwrites the trailing xxh64 of `bytes` (a sketch or a trained-sketch
// blob) with the hash of everything before it, so mutated inputs get past
// the checksum to the structural validation behind it.
inline void RecomputeTrailingChecksum(std::string& bytes) {
  if (bytes.size() < 8) return;
  const size_t body = bytes.size() - 8;
  std::string tail;
  AppendLittleEndian<uint64_t>(tail, XXH64(bytes.data(), body, 0));
  bytes.replace(body, 8, tail);
}

}  // namespace sketchd::fuzz

#endif  // SKETCHD_FUZZ_FUZZ_SUPPORT_H_
