// A tiny JSON value for sketchctl's --json output (and for tests that read it).
//
// Why not a library: Debian has nlohmann-json, but sketchctl only needs to
// print flat-ish objects and the tests only need to read them back; ~200 lines
// keep the dependency list (and the container) small. Objects keep insertion
// order so output is stable and diff-able.
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
  Json(uint64_t v) : Json(static_cast<int64_t>(v)) {}
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
  int64_t as_int() const { return is_integer_ ? integer_ : static_cast<int64_t>(number_); }
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

  // Compact, one line. Non-finite numbers print as null (JSON has no NaN).
  std::string Dump() const;

  static absl::StatusOr<Json> Parse(absl::string_view text);

 private:
  void DumpTo(std::string* out) const;

  Type type_ = Type::kNull;
  bool bool_ = false;
  double number_ = 0;
  bool is_integer_ = false;
  int64_t integer_ = 0;
  std::string string_;
  std::vector<Json> items_;
  std::vector<std::pair<std::string, Json>> members_;
};

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_JSON_H_
