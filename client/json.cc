#include "client/json.h"

#include <cmath>
#include <exception>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sketchd {
namespace {

using Ordered = nlohmann::ordered_json;

Ordered ToNlohmann(const Json& value) {
  switch (value.type()) {
    case Json::Type::kNull: return nullptr;
    case Json::Type::kBool: return value.as_bool();
    case Json::Type::kString: return value.as_string();
    case Json::Type::kNumber: {
      // Integers keep their exact 64-bit value (as signed or unsigned, which
      // is why Json remembers which); JSON has no NaN or infinity.
      if (value.is_unsigned()) return value.as_uint();
      if (value.is_integer()) return value.as_int();
      if (!std::isfinite(value.as_number())) return nullptr;
      return value.as_number();
    }
    case Json::Type::kArray: {
      Ordered out = Ordered::array();
      for (const Json& item : value.items()) out.push_back(ToNlohmann(item));
      return out;
    }
    case Json::Type::kObject: {
      Ordered out = Ordered::object();
      for (const auto& [key, member] : value.members()) out[key] = ToNlohmann(member);
      return out;
    }
  }
  return nullptr;
}

Json FromNlohmann(const Ordered& value) {
  switch (value.type()) {
    case Ordered::value_t::null:
    case Ordered::value_t::discarded:
    case Ordered::value_t::binary:  // never produced by parse()
      return Json();
    case Ordered::value_t::boolean: return Json(value.get<bool>());
    case Ordered::value_t::number_integer: return Json(value.get<int64_t>());
    case Ordered::value_t::number_unsigned: return Json(value.get<uint64_t>());
    case Ordered::value_t::number_float: return Json(value.get<double>());
    case Ordered::value_t::string: return Json(value.get_ref<const std::string&>());
    case Ordered::value_t::array: {
      Json out = Json::Array();
      for (const Ordered& item : value) out.Push(FromNlohmann(item));
      return out;
    }
    case Ordered::value_t::object: {
      Json out = Json::Object();
      for (const auto& [key, member] : value.items()) out.Set(key, FromNlohmann(member));
      return out;
    }
  }
  return Json();
}

}  // namespace

Json& Json::Set(const std::string& key, Json value) {
  type_ = Type::kObject;
  for (auto& member : members_) {
    if (member.first == key) {
      member.second = std::move(value);
      return member.second;
    }
  }
  members_.emplace_back(key, std::move(value));
  return members_.back().second;
}

Json& Json::Push(Json value) {
  type_ = Type::kArray;
  items_.push_back(std::move(value));
  return items_.back();
}

const Json* Json::Find(absl::string_view key) const {
  if (type_ != Type::kObject) return nullptr;
  for (const auto& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

const Json* Json::FindPath(absl::string_view path) const {
  const Json* node = this;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    node = node->Find(part);
    if (node == nullptr) return nullptr;
  }
  return node;
}

std::string Json::Dump() const {
  // `replace`: a path or message with invalid UTF-8 must not throw out of a
  // command's output; it prints with U+FFFD instead.
  return ToNlohmann(*this).dump(-1, ' ', /*ensure_ascii=*/false,
                                Ordered::error_handler_t::replace);
}

absl::StatusOr<Json> Json::Parse(absl::string_view text) {
  try {
    return FromNlohmann(Ordered::parse(text.begin(), text.end()));
  } catch (const std::exception& e) {  // nlohmann::json::parse_error
    return absl::InvalidArgumentError(absl::StrCat("JSON: ", e.what()));
  }
}

}  // namespace sketchd
