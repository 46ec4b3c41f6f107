// Counter-based random numbers (Philox4x32-10 from Random123, as RandBLAS uses).
// A draw is a pure function of (seed, stream, index): the same sketch comes out
// on every platform, compiler and thread count, and any entry can be generated
// independently, which is what makes a sketch "a value defined by its seed".
#ifndef SKETCHD_CORE_SKETCH_PHILOX_H_
#define SKETCHD_CORE_SKETCH_PHILOX_H_

#include <array>
#include <cstdint>

namespace sketchd {

// Four independent 32-bit words for counter (stream, index) under key seed.
std::array<uint32_t, 4> PhiloxWords(uint64_t seed, uint32_t stream, uint64_t index);

// Maps a uniform 32-bit word to [0, bound) by multiply-shift (bound < 2^32).
inline uint32_t WordToIndex(uint32_t word, uint32_t bound) {
  return static_cast<uint32_t>((static_cast<uint64_t>(word) * bound) >> 32);
}

// Maps a 32-bit word to the open interval (0, 1).
inline double WordToOpenUnit(uint32_t word) {
  return (static_cast<double>(word) + 0.5) * (1.0 / 4294967296.0);
}

// A standard normal draw for (seed, stream, index), by Box–Muller on the
// first two Philox words (cosine branch): for tests, fixtures and
// initialisations that need one normal per index.
double PhiloxStandardNormal(uint64_t seed, uint32_t stream, uint64_t index);

// Streams used by sketchd's generators, so different objects drawn from one
// seed never share counters.
enum PhiloxStream : uint32_t {
  kCountSketchStream = 1,
  kGaussianSketchStream = 2,
  kTrainingStream = 3,  // free for training code: sampling, initialisation
  kIhsIterationStream = 4,  // the per-iteration sketch seeds of IHS
};

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_PHILOX_H_
