#include "core/parallel/blas_threads.h"

#include <cstdlib>
#include <string>

// OpenBLAS entry points outside its public headers (exported by every
// pthreads build, 0.3.x): weak, so that another BLAS simply lacks them.
extern "C" void openblas_read_env(void) __attribute__((weak));
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace sketchd {

bool BoundBlasWorkerSpinning() {
  constexpr const char* kVariable = "OPENBLAS_THREAD_TIMEOUT";
  if (openblas_read_env == nullptr || blas_thread_shutdown_ == nullptr) return false;
  if (std::getenv(kVariable) != nullptr) return false;  // the user's choice stands
  const std::string value = std::to_string(kBlasWorkerSpinLog2Cycles);
  if (setenv(kVariable, value.c_str(), 0) != 0) return false;
  openblas_read_env();
  blas_thread_shutdown_();
  unsetenv(kVariable);
  return true;
}

}  // namespace sketchd
