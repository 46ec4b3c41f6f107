// Status propagation helpers used across core, server and client.
// LevelDB-style: errors travel as values; nothing throws across an API.
#ifndef SKETCHD_CORE_STATUS_MACROS_H_
#define SKETCHD_CORE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SKETCHD_CONCAT_INNER_(a, b) a##b
#define SKETCHD_CONCAT_(a, b) SKETCHD_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` yields a non-OK status.
#define SKETCHD_RETURN_IF_ERROR(expr)                \
  do {                                               \
    ::absl::Status sketchd_status_ = (expr);         \
    if (!sketchd_status_.ok()) return sketchd_status_; \
  } while (0)

// `lhs` = value of the StatusOr `rexpr`, or return its error.
#define SKETCHD_ASSIGN_OR_RETURN(lhs, rexpr) \
  SKETCHD_ASSIGN_OR_RETURN_IMPL_(SKETCHD_CONCAT_(sketchd_statusor_, __LINE__), lhs, rexpr)
#define SKETCHD_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                   \
  if (!tmp.ok()) return tmp.status();                   \
  lhs = std::move(tmp).value()

#endif  // SKETCHD_CORE_STATUS_MACROS_H_
