#include "core/sketch/sketch_serialization.h"

#include <xxhash.h>

#include "absl/strings/str_cat.h"
#include "core/sketch/byte_codec.h"

namespace sketchd {
namespace {

constexpr std::string_view kMagic = "SKCS";

}  // namespace

std::string SerializeSketch(const CountSketch& sketch) {
  std::string out;
  out.reserve(32 + sketch.positions().size() * 12);
  out.append(kMagic);
  AppendLittleEndian<uint8_t>(out, kSketchFormatVersion);
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.rows()));
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.cols()));
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.num_blocks()));
  for (int32_t r : sketch.block_rows()) AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(r));
  for (int32_t p : sketch.positions()) AppendLittleEndian<int32_t>(out, p);
  for (double v : sketch.values()) AppendLittleEndian<double>(out, v);
  AppendLittleEndian<uint64_t>(out, XXH64(out.data(), out.size(), 0));
  return out;
}

absl::StatusOr<CountSketch> ParseSketch(std::string_view bytes,
                                        const SketchDecodeLimits& limits) {
  auto corrupt = [](absl::string_view what) {
    return absl::DataLossError(absl::StrCat("sketch bytes are corrupt: ", what));
  };
  if (bytes.size() < kMagic.size() + 1 + 12 + 8) return corrupt("too short");
  if (bytes.substr(0, kMagic.size()) != kMagic) return corrupt("bad magic (not a sketchd sketch)");
  // Verify the checksum before trusting any length field.
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(bytes.substr(bytes.size() - 8));
  uint64_t stored_hash = 0;
  tail.Read(stored_hash);
  if (XXH64(body.data(), body.size(), 0) != stored_hash) return corrupt("checksum mismatch");

  ByteReader reader(body.substr(kMagic.size()));
  uint8_t version = 0;
  uint32_t m = 0, n = 0, blocks = 0;
  reader.Read(version);
  if (version != kSketchFormatVersion) {
    return absl::DataLossError(absl::StrCat("unsupported sketch format version ", int{version},
                                            " (this build reads version ",
                                            int{kSketchFormatVersion}, ")"));
  }
  reader.Read(m);
  reader.Read(n);
  reader.Read(blocks);
  if (blocks == 0 || blocks > 1024) return corrupt("implausible block count");
  const uint64_t entries = static_cast<uint64_t>(blocks) * n;
  const uint64_t expected = 4ull * blocks + entries * 12;
  if (reader.remaining() != expected) return corrupt("length does not match header");
  if (m > n) {
    return absl::InvalidArgumentError(
        absl::StrCat("sketch has m = ", m, " rows but only n = ", n,
                     " columns; a sketch must have m <= n to compress anything"));
  }
  if (m > limits.max_rows) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sketch has m = ", m, " rows, above the limit of ", limits.max_rows,
        " (each use allocates an m x d matrix)"));
  }
  std::vector<int32_t> block_rows(blocks);
  uint64_t total_rows = 0;
  for (auto& r : block_rows) {
    uint32_t value = 0;
    reader.Read(value);
    if (value == 0 || value > static_cast<uint32_t>(INT32_MAX)) return corrupt("bad block size");
    r = static_cast<int32_t>(value);
    total_rows += value;
  }
  if (total_rows != m) return corrupt("block sizes do not add up to m");
  std::vector<int32_t> positions(entries);
  for (auto& p : positions) reader.Read(p);
  std::vector<double> values(entries);
  for (auto& v : values) reader.Read(v);
  auto sketch = CountSketch::FromBlocks(std::move(block_rows), n, std::move(positions),
                                        std::move(values));
  if (!sketch.ok()) return corrupt(sketch.status().message());
  return sketch;
}

}  // namespace sketchd
