#include "core/sketch/sketch_serialization.h"

#include <xxhash.h>

#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/sketch/byte_codec.h"

namespace sketchd {
namespace {

constexpr std::string_view kMagic = "SKCS";
constexpr uint8_t kExplicitBlock = 0;  // v2 distribution byte of a learned/hand-built block
// More blocks than any method makes; bounds the block table before it is read.
constexpr uint32_t kMaxBlocks = 1024;

absl::Status Corrupt(absl::string_view what) {
  return absl::DataLossError(absl::StrCat("sketch bytes are corrupt: ", what));
}

// What both versions refuse in a well-formed sketch, before allocating for it.
absl::Status CheckUsableShape(uint32_t m, uint32_t n, const SketchDecodeLimits& limits) {
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
  return absl::OkStatus();
}

absl::StatusOr<uint32_t> ReadBlockRows(ByteReader& reader) {
  uint32_t rows = 0;
  if (!reader.Read(rows)) return Corrupt("block table is truncated");
  if (rows == 0 || rows > static_cast<uint32_t>(INT32_MAX)) return Corrupt("bad block size");
  return rows;
}

// Version 1: every block's entries, positions global, all positions first.
absl::StatusOr<CountSketch> ParseVersion1(ByteReader& reader, uint32_t m, uint32_t n,
                                          uint32_t blocks, const SketchDecodeLimits& limits) {
  const uint64_t entries = static_cast<uint64_t>(blocks) * n;
  const uint64_t expected = 4ull * blocks + entries * 12;
  if (reader.remaining() != expected) return Corrupt("length does not match header");
  if (absl::Status s = CheckUsableShape(m, n, limits); !s.ok()) return s;
  std::vector<int32_t> block_rows(blocks);
  uint64_t total_rows = 0;
  for (auto& r : block_rows) {
    absl::StatusOr<uint32_t> rows = ReadBlockRows(reader);
    if (!rows.ok()) return rows.status();
    r = static_cast<int32_t>(*rows);
    total_rows += *rows;
  }
  if (total_rows != m) return Corrupt("block sizes do not add up to m");
  std::vector<int32_t> positions(entries);
  for (auto& p : positions) reader.Read(p);
  std::vector<double> values(entries);
  for (auto& v : values) reader.Read(v);
  auto sketch = CountSketch::FromBlocks(std::move(block_rows), n, std::move(positions),
                                        std::move(values));
  if (!sketch.ok()) return Corrupt(sketch.status().message());
  return sketch;
}

// Version 2: a block table (rows, distribution, Philox state), then the
// entries of the explicit blocks only.
absl::StatusOr<CountSketch> ParseVersion2(ByteReader& reader, uint32_t m, uint32_t n,
                                          uint32_t blocks, const SketchDecodeLimits& limits) {
  std::vector<CountSketch::BlockSource> table(blocks);  // blocks ≤ kMaxBlocks
  uint64_t total_rows = 0, explicit_blocks = 0, random_blocks = 0;
  for (CountSketch::BlockSource& block : table) {
    absl::StatusOr<uint32_t> rows = ReadBlockRows(reader);
    if (!rows.ok()) return rows.status();
    block.rows = static_cast<int32_t>(*rows);
    total_rows += *rows;
    uint8_t distribution = 0;
    if (!reader.Read(distribution)) return Corrupt("block table is truncated");
    if (distribution == kExplicitBlock) {
      ++explicit_blocks;
      continue;
    }
    RandomBlockDescriptor random{.distribution = static_cast<CountSketchDistribution>(distribution)};
    if (!reader.Read(random.seed) || !reader.Read(random.counter)) {
      return Corrupt("block table is truncated");
    }
    if (absl::Status s = CheckRandomBlock(random, n); !s.ok()) return Corrupt(s.message());
    block.random = random;
    ++random_blocks;
  }
  if (total_rows != m) return Corrupt("block sizes do not add up to m");
  if (reader.remaining() != explicit_blocks * n * 12) {
    return Corrupt("length does not match header");
  }
  if (absl::Status s = CheckUsableShape(m, n, limits); !s.ok()) return s;
  // The explicit entries are bounded by the bytes; the random ones are not.
  if (random_blocks * n > static_cast<uint64_t>(limits.max_random_entries)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sketch has ", random_blocks, " random block(s) of n = ", n, " columns, ",
        random_blocks * n, " entries to expand, above the limit of ", limits.max_random_entries));
  }
  std::vector<int32_t> positions(explicit_blocks * n);
  std::vector<double> values(explicit_blocks * n);
  for (uint64_t b = 0; b < explicit_blocks; ++b) {
    for (uint64_t j = b * n; j < (b + 1) * n; ++j) reader.Read(positions[j]);
    for (uint64_t j = b * n; j < (b + 1) * n; ++j) reader.Read(values[j]);
  }
  auto sketch = CountSketch::FromBlockSources(table, n, positions, values);
  if (!sketch.ok()) return Corrupt(sketch.status().message());
  return sketch;
}

}  // namespace

std::string SerializeSketch(const CountSketch& sketch) {
  const int blocks = sketch.num_blocks();
  const size_t n = static_cast<size_t>(sketch.cols());
  size_t explicit_blocks = 0;
  for (int b = 0; b < blocks; ++b) explicit_blocks += sketch.random_block(b) ? 0 : 1;
  std::string out;
  out.reserve(32 + 21 * static_cast<size_t>(blocks) + explicit_blocks * n * 12);
  out.append(kMagic);
  AppendLittleEndian<uint8_t>(out, kSketchFormatVersion);
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.rows()));
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.cols()));
  AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(blocks));
  for (int b = 0; b < blocks; ++b) {
    AppendLittleEndian<uint32_t>(out, static_cast<uint32_t>(sketch.block_rows()[b]));
    if (const auto& random = sketch.random_block(b)) {
      AppendLittleEndian<uint8_t>(out, static_cast<uint8_t>(random->distribution));
      AppendLittleEndian<uint64_t>(out, random->seed);
      AppendLittleEndian<uint64_t>(out, random->counter);
    } else {
      AppendLittleEndian<uint8_t>(out, kExplicitBlock);
    }
  }
  for (int b = 0; b < blocks; ++b) {
    if (sketch.random_block(b)) continue;
    const int64_t offset = sketch.block_offset(b);
    const size_t first = static_cast<size_t>(b) * n;
    for (size_t j = first; j < first + n; ++j) {
      AppendLittleEndian<int32_t>(out, static_cast<int32_t>(sketch.positions()[j] - offset));
    }
    for (size_t j = first; j < first + n; ++j) AppendLittleEndian<double>(out, sketch.values()[j]);
  }
  AppendLittleEndian<uint64_t>(out, XXH64(out.data(), out.size(), 0));
  return out;
}

absl::StatusOr<CountSketch> ParseSketch(std::string_view bytes,
                                        const SketchDecodeLimits& limits) {
  if (bytes.size() < kMagic.size() + 1 + 12 + 8) return Corrupt("too short");
  if (bytes.substr(0, kMagic.size()) != kMagic) return Corrupt("bad magic (not a sketchd sketch)");
  // Verify the checksum before trusting any length field.
  const std::string_view body = bytes.substr(0, bytes.size() - 8);
  ByteReader tail(bytes.substr(bytes.size() - 8));
  uint64_t stored_hash = 0;
  tail.Read(stored_hash);
  if (XXH64(body.data(), body.size(), 0) != stored_hash) return Corrupt("checksum mismatch");

  ByteReader reader(body.substr(kMagic.size()));
  uint8_t version = 0;
  uint32_t m = 0, n = 0, blocks = 0;
  reader.Read(version);
  if (version < kSketchFormatVersionOldest || version > kSketchFormatVersion) {
    return absl::DataLossError(absl::StrCat(
        "unsupported sketch format version ", int{version}, " (this build reads versions ",
        int{kSketchFormatVersionOldest}, " to ", int{kSketchFormatVersion}, ")"));
  }
  reader.Read(m);
  reader.Read(n);
  reader.Read(blocks);
  if (blocks == 0 || blocks > kMaxBlocks) return Corrupt("implausible block count");
  return version == 1 ? ParseVersion1(reader, m, n, blocks, limits)
                      : ParseVersion2(reader, m, n, blocks, limits);
}

}  // namespace sketchd
