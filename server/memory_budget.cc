#include "server/memory_budget.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sketchd {

std::string DescribeBytes(int64_t bytes) {
  return absl::StrFormat("%.2f GiB (%d bytes)", static_cast<double>(bytes) / (1 << 30), bytes);
}

MemoryBudget::Reservation& MemoryBudget::Reservation::operator=(Reservation&& other) noexcept {
  if (this != &other) {
    Release();
    budget_ = other.budget_;
    bytes_ = other.bytes_;
    other.budget_ = nullptr;
    other.bytes_ = 0;
  }
  return *this;
}

void MemoryBudget::Reservation::Release() {
  if (budget_ != nullptr) budget_->Return(bytes_);
  budget_ = nullptr;
  bytes_ = 0;
}

absl::StatusOr<MemoryBudget::Reservation> MemoryBudget::Reserve(absl::string_view what,
                                                                int64_t estimate,
                                                                int64_t per_item_limit,
                                                                absl::string_view per_item_flag) {
  if (per_item_limit > 0 && estimate > per_item_limit) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, " would need about ", DescribeBytes(estimate), " of memory, more than the limit of ",
        DescribeBytes(per_item_limit), " (--", per_item_flag,
        "); use a smaller input, sketch m or k, or raise the limit"));
  }
  MutexLock lock(&mu_);
  if (total_ > 0 && estimate > total_ - in_use_) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, " would need about ", DescribeBytes(estimate), " of memory but only ",
        DescribeBytes(total_ - in_use_), " of the server's ", DescribeBytes(total_),
        " (--memory_budget_bytes) is free while other requests and jobs run; retry later"));
  }
  in_use_ += estimate;
  return Reservation(this, estimate);
}

int64_t MemoryBudget::in_use() const {
  MutexLock lock(&mu_);
  return in_use_;
}

void MemoryBudget::Return(int64_t bytes) {
  MutexLock lock(&mu_);
  in_use_ -= bytes;
}

}  // namespace sketchd
