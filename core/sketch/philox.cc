#include "core/sketch/philox.h"

#include <Random123/philox.h>

#include <cmath>

namespace sketchd {

std::array<uint32_t, 4> PhiloxWords(uint64_t seed, uint32_t stream, uint64_t index) {
  r123::Philox4x32 generator;
  r123::Philox4x32::ctr_type counter = {{static_cast<uint32_t>(index),
                                         static_cast<uint32_t>(index >> 32), stream, 0u}};
  r123::Philox4x32::key_type key = {{static_cast<uint32_t>(seed),
                                     static_cast<uint32_t>(seed >> 32)}};
  const auto out = generator(counter, key);
  return {out[0], out[1], out[2], out[3]};
}

double PhiloxStandardNormal(uint64_t seed, uint32_t stream, uint64_t index) {
  const auto w = PhiloxWords(seed, stream, index);
  return std::sqrt(-2.0 * std::log(WordToOpenUnit(w[0]))) *
         std::cos(6.283185307179586 * WordToOpenUnit(w[1]));
}

}  // namespace sketchd
