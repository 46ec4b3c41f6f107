// Pagination of the List RPCs (page_size, page_token → next_page_token).
//
// A page token is a cursor, not an offset: it names the last item sent (a
// dataset name, a job id, a sketch version), and the next page starts after
// it in the list's order. Items created or deleted between pages therefore
// never make a page repeat or skip an item that exists throughout the walk.
// Tokens are opaque to clients (web-safe base64 of "<kind>:<cursor>"); a
// token of another List or a garbled one is INVALID_ARGUMENT.
#ifndef SKETCHD_SERVER_PAGINATION_H_
#define SKETCHD_SERVER_PAGINATION_H_

#include <algorithm>
#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace sketchd {

// page_size 0 means this many; larger requests are capped to it.
inline constexpr int kMaxPageSize = 1000;

inline std::string EncodePageToken(const std::string& kind, const std::string& cursor) {
  return absl::WebSafeBase64Escape(absl::StrCat(kind, ":", cursor));
}

// The cursor inside `token` ("" for an empty token, i.e. the first page).
inline absl::StatusOr<std::string> DecodePageToken(const std::string& kind,
                                                   const std::string& token) {
  if (token.empty()) return std::string();
  std::string raw;
  const std::string prefix = absl::StrCat(kind, ":");
  if (!absl::WebSafeBase64Unescape(token, &raw) || !absl::StartsWith(raw, prefix) ||
      raw.size() == prefix.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token is not a ", kind, " page token; pass next_page_token of the previous page"));
  }
  return raw.substr(prefix.size());
}

// Keeps the page of `items` (already in list order) that follows the token's
// cursor and returns the next page's token ("" after the last page).
// `after(item, cursor)` is true when item comes after the cursor in list
// order; `cursor_of(item)` names an item.
template <typename T, typename After, typename CursorOf>
absl::StatusOr<std::string> TakePage(std::vector<T>* items, const std::string& kind,
                                     int32_t page_size, const std::string& token, After after,
                                     CursorOf cursor_of) {
  if (page_size < 0) {
    return absl::InvalidArgumentError(absl::StrCat("page_size must be ≥ 0, got ", page_size));
  }
  const int64_t size = page_size == 0 ? kMaxPageSize : std::min(page_size, kMaxPageSize);
  absl::StatusOr<std::string> cursor = DecodePageToken(kind, token);
  if (!cursor.ok()) return cursor.status();
  auto first = items->begin();
  if (!cursor->empty()) {
    first = std::find_if(items->begin(), items->end(),
                         [&](const T& item) { return after(item, *cursor); });
  }
  const int64_t left = items->end() - first;
  auto last = first + std::min<int64_t>(left, size);
  std::string next;
  if (last != items->end()) next = EncodePageToken(kind, cursor_of(*(last - 1)));
  items->erase(last, items->end());
  items->erase(items->begin(), first);
  return next;
}

// The integer cursor of a token of ids or versions (≥ 1); 0 for the first
// page (empty token).
inline absl::StatusOr<int64_t> IntPageCursor(const std::string& kind, const std::string& token) {
  absl::StatusOr<std::string> cursor = DecodePageToken(kind, token);
  if (!cursor.ok()) return cursor.status();
  if (cursor->empty()) return 0;
  int64_t v = 0;
  for (char c : *cursor) {
    if (c < '0' || c > '9' || v > (INT64_MAX - 9) / 10) {
      return absl::InvalidArgumentError(absl::StrCat("page_token is not a ", kind, " page token"));
    }
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace sketchd

#endif  // SKETCHD_SERVER_PAGINATION_H_
