// A small JSON value for sketchctl's --json output (and for tests that read it).
//
// The value tree is this class; text in and out goes through nlohmann-json
// (Debian's nlohmann-json3-dev, used only in json.cc), which gets the details
// right that a hand-written codec got wrong: unsigned 64-bit integers (seeds
// ≥ 2^63), UTF-16 surrogate pairs in \u escapes, shortest round-trip doubles.
// Objects keep insertion order so output is stable and diff-able.
#ifndef SKETCHD_CLIENT_JSON_H_
#define SKETCHD_CLIENT_JSON_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sketchd {

class Json {
 public:
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;  // null
  Json(bool b) : type_(Type::kBool), bool_(b) {}
  Json(int v) : type_(Type::kNumber), number_(v), is_integer_(true), integer_(v) {}
  Json(int64_t v) : type_(Type::kNumber), number_(static_cast<double>(v)), is_integer_(true), integer_(v) {}
  // Kept unsigned so that values ≥ 2^63 (seeds) print as themselves.
  Json(uint64_t v)
      : type_(Type::kNumber), number_(static_cast<double>(v)), is_integer_(true),
        is_unsigned_(true), unsigned_(v) {}
  Json(double v) : type_(Type::kNumber), number_(v) {}
  Json(const char* s) : type_(Type::kString), string_(s) {}
  Json(std::string s) : type_(Type::kString), string_(std::move(s)) {}
  Json(absl::string_view s) : type_(Type::kString), string_(s) {}

  static Json Array() { Json j; j.type_ = Type::kArray; return j; }
  static Json Object() { Json j; j.type_ = Type::kObject; return j; }

  Type type() const { return type_; }
  bool is_null() const { return type_ == Type::kNull; }
  bool as_bool() const { return bool_; }
  double as_number() const { return number_; }
  bool is_integer() const { return is_integer_; }
  bool is_unsigned() const { return is_unsigned_; }
  int64_t as_int() const {
    if (is_unsigned_) return static_cast<int64_t>(unsigned_);
    return is_integer_ ? integer_ : static_cast<int64_t>(number_);
  }
  // Integers ≥ 0 as unsigned 64-bit (the whole seed range).
  uint64_t as_uint() const { return is_unsigned_ ? unsigned_ : static_cast<uint64_t>(as_int()); }
  const std::string& as_string() const { return string_; }
  const std::vector<Json>& items() const { return items_; }
  const std::vector<std::pair<std::string, Json>>& members() const { return members_; }

  // Object: sets (or replaces) a member, keeping first-insertion order.
  Json& Set(const std::string& key, Json value);
  // Array: appends.
  Json& Push(Json value);
  // Object lookup; nullptr if absent or not an object.
  const Json* Find(absl::string_view key) const;
  // Dotted path lookup ("validation.ratio"); nullptr if any step is missing.
  const Json* FindPath(absl::string_view path) const;

  // Compact, one line, UTF-8. Non-finite numbers print as null (JSON has no
  // NaN); bytes that are not valid UTF-8 print as U+FFFD.
  std::string Dump() const;

  // INVALID_ARGUMENT (with the parser's position) on malformed text.
  static absl::StatusOr<Json> Parse(absl::string_view text);

 private:

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  bool is_integer_ = false;
  int64_t integer_ = 0;
  bool is_unsigned_ = false;
  uint64_t unsigned_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_JSON_H_
