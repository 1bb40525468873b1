// status_macros.h: early-return helpers for absl::Status / absl::StatusOr.
//
// Debian's Abseil 20220623 has no ABSL_RETURN_IF_ERROR, so the project defines its own:
//
//   absl::Status Load() {
//     RETURN_IF_ERROR(Open());
//     ASSIGN_OR_RETURN(std::string data, ReadAll());
//     return Use(data);
//   }
#ifndef LIB_BASE_STATUS_MACROS_H_
#define LIB_BASE_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// RETURN_IF_ERROR evaluates `expr` (an absl::Status) once and returns it if it is not OK.
#define RETURN_IF_ERROR(expr)                        \
  do {                                               \
    ::absl::Status status_macros_status_ = (expr);   \
    if (!status_macros_status_.ok()) {               \
      return status_macros_status_;                  \
    }                                                \
  } while (false)

#define STATUS_MACROS_CONCAT_INNER_(a, b) a##b
#define STATUS_MACROS_CONCAT_(a, b) STATUS_MACROS_CONCAT_INNER_(a, b)

// ASSIGN_OR_RETURN evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs` (a declaration or an existing lvalue).
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(STATUS_MACROS_CONCAT_(status_macros_or_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                           \
  if (!tmp.ok()) {                              \
    return std::move(tmp).status();             \
  }                                             \
  lhs = *std::move(tmp)

#endif  // LIB_BASE_STATUS_MACROS_H_
