// The one place where exceptions become statuses. Errors travel as
// absl::Status everywhere, but Eigen, the standard library and gRPC's C++
// layer can still throw (std::bad_alloc above all); an exception that leaves
// an RPC handler, a job thread or a CLI command either aborts the process or
// reaches the client as a bare UNKNOWN. Every such boundary runs its body
// through CallAtBoundary, which maps
//   std::bad_alloc        → RESOURCE_EXHAUSTED (the request asked for more
//                           memory than the machine had; a smaller one works)
//   any other exception   → INTERNAL, with what() in the message
// so the caller can log and report the real status.
#ifndef SKETCHD_CORE_EXCEPTION_BOUNDARY_H_
#define SKETCHD_CORE_EXCEPTION_BOUNDARY_H_

#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sketchd {

inline absl::Status StatusFromCurrentException(const char* where) {
  try {
    throw;
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(std::string(where) +
                                        ": out of memory; the input or options need more memory "
                                        "than is available — use a smaller input, m or k");
  } catch (const std::exception& e) {
    return absl::InternalError(std::string(where) + ": unexpected exception: " + e.what());
  } catch (...) {
    return absl::InternalError(std::string(where) + ": unexpected non-standard exception");
  }
}

// Runs `body` (returning absl::Status or absl::StatusOr<T>); an exception it
// throws comes back as a status instead. `where` names the boundary in the
// message ("LowRank", "training job 7", "sketchctl upload").
template <typename Body>
auto CallAtBoundary(const char* where, Body&& body) -> decltype(body()) {
  try {
    return std::forward<Body>(body)();
  } catch (...) {
    return StatusFromCurrentException(where);
  }
}

}  // namespace sketchd

#endif  // SKETCHD_CORE_EXCEPTION_BOUNDARY_H_
