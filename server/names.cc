#include "server/names.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/escaping.h"

namespace sketchd {

absl::Status ValidateDatasetName(absl::string_view name) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid dataset name '", absl::CHexEscape(name.substr(0, 80)), "': ", why,
        " (names match [A-Za-z0-9][A-Za-z0-9._-]{0,63})"));
  };
  if (name.empty()) return bad("empty");
  if (name.size() > 64) return bad("longer than 64 characters");
  if (!absl::ascii_isalnum(static_cast<unsigned char>(name[0]))) {
    return bad("must start with a letter or digit");
  }
  for (char c : name) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-') {
      return bad(absl::StrCat("character '", absl::CHexEscape(absl::string_view(&c, 1)),
                              "' not allowed"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateRequestId(absl::string_view id) {
  if (id.empty() || id.size() > 128) {
    return absl::InvalidArgumentError(absl::StrCat(
        "request_id must have 1 to 128 characters, got ", id.size()));
  }
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) {
      return absl::InvalidArgumentError(absl::StrCat(
          "request_id '", absl::CHexEscape(id.substr(0, 80)),
          "' must be printable ASCII without spaces"));
    }
  }
  return absl::OkStatus();
}

}  // namespace sketchd
