// Trained-sketch bytes with both checksums recomputed — the embedded
// sketch's and the outer one — so mutations reach the metadata parser and
// the structural checks. Layout: "SKTR" | version u8 | metadata length u32 |
// metadata | sketch length u64 | sketch (with its own xxh64) | xxh64.
// Property: a decoded trained sketch re-encodes and decodes to the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/sketch/byte_codec.h"
#include "core/training/trained_sketch.h"
#include "fuzz/fuzz_support.h"

namespace {

// Fixes the embedded sketch's checksum when the length fields locate it.
void RecomputeInnerChecksum(std::string& bytes) {
  sketchd::ByteReader reader(std::string_view(bytes).substr(std::min<size_t>(bytes.size(), 5)));
  uint32_t metadata_size = 0;
  std::string_view metadata;
  uint64_t sketch_size = 0;
  if (!reader.Read(metadata_size) || !reader.ReadBytes(metadata_size, metadata) ||
      !reader.Read(sketch_size) || sketch_size > reader.remaining()) {
    return;
  }
  const size_t start = 5 + reader.position();
  std::string sketch = bytes.substr(start, sketch_size);
  sketchd::fuzz::RecomputeTrailingChecksum(sketch);
  bytes.replace(start, sketch_size, sketch);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  RecomputeInnerChecksum(bytes);
  sketchd::fuzz::RecomputeTrailingChecksum(bytes);
  // Random blocks expand from a few bytes: bounded as in sketch_decoder_fuzzer.
  const sketchd::SketchDecodeLimits limits{.max_random_entries = int64_t{1} << 20};
  auto trained = sketchd::ParseTrainedSketch(bytes, limits);
  if (!trained.ok()) return 0;
  SKETCHD_FUZZ_CHECK(trained->n == trained->sketch.cols());
  SKETCHD_FUZZ_CHECK(trained->sketch.rows() <= trained->n);
  for (int32_t row : trained->heavy_rows) SKETCHD_FUZZ_CHECK(row >= 0 && row < trained->n);
  auto again = sketchd::ParseTrainedSketch(sketchd::SerializeTrainedSketch(*trained), limits);
  SKETCHD_FUZZ_CHECK(again.ok());
  SKETCHD_FUZZ_CHECK(again->sketch == trained->sketch);
  for (int b = 0; b < trained->sketch.num_blocks(); ++b) {
    SKETCHD_FUZZ_CHECK(again->sketch.random_block(b) == trained->sketch.random_block(b));
  }
  SKETCHD_FUZZ_CHECK(again->heavy_rows == trained->heavy_rows);
  SKETCHD_FUZZ_CHECK(again->n == trained->n && again->d == trained->d);
  return 0;
}
