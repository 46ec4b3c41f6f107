#include "server/resource_estimates.h"

#include <algorithm>
#include <initializer_list>
#include <limits>

#include "core/lowrank/scw_low_rank.h"

namespace sketchd {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// Saturating product and sum of non-negative terms.
int64_t Mul(std::initializer_list<int64_t> factors) {
  int64_t out = 1;
  for (int64_t f : factors) {
    if (f <= 0) return 0;
    if (__builtin_mul_overflow(out, f, &out)) return kMax;
  }
  return out;
}
int64_t Add(std::initializer_list<int64_t> terms) {
  int64_t out = 0;
  for (int64_t t : terms) {
    if (__builtin_add_overflow(out, std::max<int64_t>(t, 0), &out)) return kMax;
  }
  return out;
}

constexpr int64_t kDouble = sizeof(double);

}  // namespace

int64_t EstimateLowRankRequestBytes(int64_t n, int64_t d, int64_t m, int64_t k,
                                    int64_t power_iters, bool block_krylov) {
  const int64_t r = std::min(m, d);
  // Plain iterations replace V in place; block Krylov keeps every iterate.
  const bool krylov = block_krylov && power_iters > 0;
  const int64_t width = krylov ? KrylovBasisWidth(r, power_iters, d) : r;
  return Add({Mul({kDouble, n, d}),                             // A
              Mul({2, kDouble, m, d}),                          // SA and its SVD workspace
              Mul({kDouble, d, krylov ? Add({width, r}) : r}),  // V (Krylov: blocks + iterate)
              Mul({2, kDouble, n, width}),                      // AV and its QR
              Mul({kDouble, Add({n, d}), k}),  // Y, Z
              Mul({12, n})});                // sketch positions + values
}

}  // namespace sketchd
