// CallAtBoundary, the one wrapper every RPC handler, training job and
// sketchctl command runs through: exceptions come back as statuses with the
// code a client can act on; values and errors pass through untouched.
#include "core/exception_boundary.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <new>
#include <stdexcept>
#include <vector>

namespace sketchd {
namespace {

using ::testing::HasSubstr;

TEST(ExceptionBoundaryTest, BadAllocIsResourceExhausted) {
  absl::Status s = CallAtBoundary("LowRank", []() -> absl::Status { throw std::bad_alloc(); });
  EXPECT_EQ(s.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(s.message()), HasSubstr("LowRank: out of memory"));
#if !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
  // A real failed allocation, not only a thrown object. (Sanitizer
  // allocators report such a request and abort instead of throwing.)
  absl::StatusOr<size_t> r = CallAtBoundary("huge", []() -> absl::StatusOr<size_t> {
    std::vector<char> v;
    v.reserve(v.max_size());
    return v.capacity();
  });
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == absl::StatusCode::kResourceExhausted ||
              r.status().code() == absl::StatusCode::kInternal)  // length_error on some libs
      << r.status();
#endif
}

TEST(ExceptionBoundaryTest, OtherExceptionsAreInternalWithTheirText) {
  absl::Status s =
      CallAtBoundary("job 3", []() -> absl::Status { throw std::runtime_error("bad state"); });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_EQ(s.message(), "job 3: unexpected exception: bad state");
  s = CallAtBoundary("cmd", []() -> absl::Status { throw 42; });
  EXPECT_EQ(s.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(s.message()), HasSubstr("non-standard exception"));
}

TEST(ExceptionBoundaryTest, ValuesAndErrorsPassThrough) {
  absl::StatusOr<int> v = CallAtBoundary("x", []() -> absl::StatusOr<int> { return 7; });
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 7);
  absl::Status e = CallAtBoundary("x", [] { return absl::NotFoundError("no such dataset"); });
  EXPECT_EQ(e, absl::NotFoundError("no such dataset"));
}

}  // namespace
}  // namespace sketchd
