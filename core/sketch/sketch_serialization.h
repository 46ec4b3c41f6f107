// Compact, versioned, checksummed bytes for a CountSketch.
//
// Version 2 (written now; all numbers little-endian):
//   magic "SKCS" | version u8 (=2) | m u32 | n u32 | blocks u32 |
//   per block: rows u32 | distribution u8, and when it is not 0:
//              seed u64 | first Philox counter u64 |
//   per explicit block (distribution 0), in block order:
//              positions i32[n] (local to the block, in [0, rows)) | values f64[n] |
//   xxh64 of everything before it, u64.
// A random block (distribution id ≠ 0, random_block.h: 1 =
// uniform_rows_rademacher) is stored as its description and expanded when
// read, so a random sketch costs 46 bytes whatever n is; a learned block
// costs 12 bytes per column. The mixed sketch [learned S1; random S2] is S1's
// entries and S2's seed.
//
// Version 1 (still read; a random sketch read from it has no description):
//   magic | version u8 (=1) | m u32 | n u32 | blocks u32 | block_rows u32[blocks] |
//   positions i32[blocks·n] (global rows) | values f64[blocks·n] | xxh64.
//
// Loading verifies magic, version, sizes, checksum and every invariant of
// CountSketch, so corrupt bytes are rejected, never half-loaded; sizes are
// checked against the bytes and against SketchDecodeLimits before anything
// is allocated for them. The bytes written for a sketch are a function of
// the sketch: what v2 bytes decode to encodes to the same bytes.
//
// Thread-safe: free functions over values.
#ifndef SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_
#define SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

inline constexpr uint8_t kSketchFormatVersion = 2;       // written
inline constexpr uint8_t kSketchFormatVersionOldest = 1;  // still read

// What a decoded sketch may make its users allocate. Explicit positions and
// values are bounded by the bytes themselves, but m is one header field and
// every use of the sketch allocates m×d (SA): a 3 KB file with valid
// checksums and m = 2^31−1 would otherwise abort the process on first use.
// Likewise a 46-byte random block expands to 12·n bytes.
struct SketchDecodeLimits {
  int64_t max_rows = 1'000'000;  // largest m accepted
  // Largest total of columns over the random blocks (blocks·n) expanded
  // while decoding: 2^27 columns are 1.5 GiB of positions and values.
  int64_t max_random_entries = int64_t{1} << 27;
};

std::string SerializeSketch(const CountSketch& sketch);
// DataLoss for corrupt bytes; InvalidArgument for a well-formed sketch that
// is unusable: m > n (it would not compress anything), m above the limit, or
// random blocks larger than the limit.
absl::StatusOr<CountSketch> ParseSketch(std::string_view bytes,
                                        const SketchDecodeLimits& limits = {});

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_
