// Compact, versioned, checksummed bytes for a CountSketch.
//
// Layout (all little-endian):
//   magic "SKCS" | version u8 (=1) | m u32 | n u32 | blocks u32 |
//   block_rows u32[blocks] | positions i32[blocks·n] | values f64[blocks·n] |
//   xxh64 of everything before it, u64.
// Loading verifies magic, version, sizes, checksum and every invariant of
// CountSketch::FromBlocks, so corrupt bytes are rejected, never half-loaded.
#ifndef SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_
#define SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "core/sketch/count_sketch.h"

namespace sketchd {

inline constexpr uint8_t kSketchFormatVersion = 1;

std::string SerializeSketch(const CountSketch& sketch);
absl::StatusOr<CountSketch> ParseSketch(std::string_view bytes);

}  // namespace sketchd

#endif  // SKETCHD_CORE_SKETCH_SKETCH_SERIALIZATION_H_
