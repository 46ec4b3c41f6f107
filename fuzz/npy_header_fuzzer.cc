// The .npy header dict parser on arbitrary text. Property: a dict that
// parses re-encodes (EncodeNpyHeader) to one that parses to the same dtype,
// order and shape.
#include <cstddef>
#include <cstdint>

#include "core/io/npy_header.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view dict(reinterpret_cast<const char*>(data), size);
  auto header = sketchd::ParseNpyHeaderDict(dict, "fuzz");
  if (!header.ok()) return 0;
  const std::string encoded =
      sketchd::EncodeNpyHeader(header->type, header->fortran_order, header->shape);
  const size_t dict_offset = encoded[6] == 1 ? 10 : 12;
  auto again = sketchd::ParseNpyHeaderDict(absl::string_view(encoded).substr(dict_offset), "fuzz");
  SKETCHD_FUZZ_CHECK(again.ok());
  SKETCHD_FUZZ_CHECK(again->type == header->type);
  SKETCHD_FUZZ_CHECK(again->shape == header->shape);
  SKETCHD_FUZZ_CHECK(again->element_count == header->element_count);
  // Fortran order is only written for what NumPy would write it for.
  SKETCHD_FUZZ_CHECK(again->fortran_order == header->fortran_order);
  return 0;
}
