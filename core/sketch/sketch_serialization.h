// Compact, versioned, checksummed bytes for a CountSketch.
//
// Layout (all little-endian):
//   magic "SKCS" | version u8 (=1) | m u32 | n u32 | blocks u32 |
//   block_rows u32[blocks] | positions i32[blocks·n] | values f64[blocks·n] |
//   xxh64 of everything before it, u64.
// Loading verifies magic, version, sizes, checksum and every invariant of
// CountSketch::FromBlocks, so corrupt bytes are rejected, never half-loaded;
// sizes are checked before anything is allocated for them.
#ifndef SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_
#define SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

inline constexpr uint8_t kSketchFormatVersion = 1;

// What a decoded sketch may make its users allocate. The positions and
// values are bounded by the bytes themselves, but m is one header field and
// every use of the sketch allocates m×d (SA): a 3 KB file with valid
// checksums and m = 2^31−1 would otherwise abort the process on first use.
struct SketchDecodeLimits {
  int64_t max_rows = 1'000'000;  // largest m accepted
};

std::string SerializeSketch(const CountSketch& sketch);
// DataLoss for corrupt bytes; InvalidArgument for a well-formed sketch that
// is unusable: m > n (it would not compress anything) or m above the limit.
absl::StatusOr<CountSketch> ParseSketch(std::string_view bytes,
                                        const SketchDecodeLimits& limits = {});

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_
