#include "core/io/npy_header.h"

#include <array>
#include <cctype>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sketchd {
namespace {

constexpr absl::string_view kMagic = "\x93NUMPY";
// NumPy itself refuses headers above 10 000 bytes by default; we allow more
// but still bound what a hostile file can make us allocate.
constexpr int64_t kMaxHeaderBytes = 1 << 20;
constexpr size_t kMaxDims = 64;
// An array with no elements occupies no bytes, so the file size cannot bound
// its other dimensions; yet readers allocate per matrix of a family (a vector
// of 2^31 empty matrices is 51 GB) and code downstream per row or column.
// Each dimension of an empty array is therefore capped (2^20 empty matrices
// cost 24 MB); an array with data is bounded by the file's size instead.
constexpr int64_t kMaxEmptyArrayDimension = int64_t{1} << 20;

std::string Printable(absl::string_view s) {
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

// One value of the header dict. Only the literal kinds NumPy writes.
struct Value {
  enum Kind { kString, kBool, kInt, kTuple } kind = kString;
  std::string text;
  bool flag = false;
  std::vector<int64_t> ints;
};

// Recursive-descent reader of the header's Python literal dict.
class DictParser {
 public:
  DictParser(absl::string_view text, absl::string_view name) : text_(text), name_(name) {}

  // Fills `entries` in file order.
  absl::Status Parse(std::vector<std::pair<std::string, Value>>* entries) {
    SkipSpace();
    if (!Consume('{')) return Error("header is not a dict (expected '{')");
    while (true) {
      SkipSpace();
      if (AtEnd()) return Error("unterminated header dict (missing '}')");
      if (Consume('}')) break;
      std::string key;
      if (absl::Status s = ParseString(&key); !s.ok()) return s;
      SkipSpace();
      if (!Consume(':')) return Error(absl::StrCat("expected ':' after key '", key, "'"));
      SkipSpace();
      Value value;
      if (absl::Status s = ParseValue(key, &value); !s.ok()) return s;
      entries->emplace_back(std::move(key), std::move(value));
      SkipSpace();
      if (Consume(',')) continue;
      if (Consume('}')) break;
      if (AtEnd()) return Error("unterminated header dict (missing '}')");
      return Unexpected("',' or '}'");
    }
    SkipSpace();
    if (!AtEnd()) return Error("unexpected text after the header dict");
    return absl::OkStatus();
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return text_[pos_]; }
  bool Consume(char c) {
    if (!AtEnd() && Peek() == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void SkipSpace() {
    while (!AtEnd() && (Peek() == ' ' || Peek() == '\t' || Peek() == '\n' || Peek() == '\r')) {
      ++pos_;
    }
  }
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(name_, ": bad .npy header: ", what));
  }
  absl::Status Unexpected(absl::string_view expected) const {
    if (AtEnd()) return Error(absl::StrCat("header ended where ", expected, " was expected"));
    return Error(absl::StrCat("expected ", expected, " at header offset ", pos_, ", found '",
                              Printable(text_.substr(pos_, 1)), "'"));
  }

  absl::Status ParseString(std::string* out) {
    if (AtEnd() || (Peek() != '\'' && Peek() != '"')) return Unexpected("a quoted string");
    const char quote = Peek();
    ++pos_;
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\') {
        ++pos_;
        if (AtEnd()) break;
      }
      out->push_back(Peek());
      ++pos_;
    }
    if (!Consume(quote)) return Error("unterminated string in header");
    return absl::OkStatus();
  }

  absl::Status ParseInt(int64_t* out) {
    bool negative = Consume('-');
    if (AtEnd() || !std::isdigit(static_cast<unsigned char>(Peek()))) {
      return Unexpected("an integer");
    }
    int64_t v = 0;
    while (!AtEnd() && std::isdigit(static_cast<unsigned char>(Peek()))) {
      const int digit = Peek() - '0';
      if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, digit, &v)) {
        return Error("integer does not fit in 64 bits");
      }
      ++pos_;
    }
    Consume('L');  // Python 2 long suffix, found in old files
    *out = negative ? -v : v;
    return absl::OkStatus();
  }

  absl::Status ParseValue(absl::string_view key, Value* out) {
    if (AtEnd()) return Unexpected("a value");
    const char c = Peek();
    if (c == '\'' || c == '"') {
      out->kind = Value::kString;
      return ParseString(&out->text);
    }
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      out->kind = Value::kBool;
      out->flag = true;
      return absl::OkStatus();
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      out->kind = Value::kBool;
      out->flag = false;
      return absl::OkStatus();
    }
    if (c == '(') {
      ++pos_;
      out->kind = Value::kTuple;
      while (true) {
        SkipSpace();
        if (Consume(')')) return absl::OkStatus();
        if (out->ints.size() >= kMaxDims) {
          return Error(absl::StrCat("shape has more than ", kMaxDims, " dimensions"));
        }
        int64_t v = 0;
        if (absl::Status s = ParseInt(&v); !s.ok()) return s;
        out->ints.push_back(v);
        SkipSpace();
        if (Consume(',')) continue;
        if (Consume(')')) return absl::OkStatus();
        return Unexpected("',' or ')' in tuple");
      }
    }
    if (c == '-' || std::isdigit(static_cast<unsigned char>(c))) {
      out->kind = Value::kInt;
      out->ints.resize(1);
      return ParseInt(&out->ints[0]);
    }
    if (c == '[' && key == "descr") {
      return Error("structured dtype (a list 'descr') is not supported");
    }
    return Unexpected(absl::StrCat("a string, True/False or a tuple for '", key, "'"));
  }

  absl::string_view text_;
  absl::string_view name_;
  size_t pos_ = 0;
};

absl::StatusOr<ElementType> ParseDescr(const std::string& descr, absl::string_view name) {
  auto unsupported = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": unsupported dtype '", Printable(descr), "': ", why));
  };
  if (descr.empty()) return unsupported("empty descr");
  char order = 0;
  absl::string_view rest = descr;
  if (rest[0] == '<' || rest[0] == '>' || rest[0] == '|' || rest[0] == '=') {
    order = rest[0];
    rest.remove_prefix(1);
  }
  if (rest.empty()) return unsupported("no type code");
  const char kind = rest[0];
  absl::string_view digits = rest.substr(1);
  switch (kind) {
    case 'c': return unsupported("complex numbers are not supported");
    case 'O': return unsupported("object arrays (pickled Python objects) are not supported");
    case 'U':
    case 'S':
    case 'a': return unsupported("string arrays are not supported");
    case 'V': return unsupported("void/structured arrays are not supported");
    case 'M':
    case 'm': return unsupported("datetime arrays are not supported");
    default: break;
  }
  int size = 0;
  if (digits.empty() || digits.size() > 2) return unsupported("not a numeric type code");
  for (char d : digits) {
    if (d < '0' || d > '9') return unsupported("not a numeric type code");
    size = size * 10 + (d - '0');
  }
  std::optional<ElementType> type;
  switch (kind) {
    case 'b':
      if (size == 1) type = ElementType::kBool;
      break;
    case 'i':
      if (size == 1) type = ElementType::kInt8;
      if (size == 2) type = ElementType::kInt16;
      if (size == 4) type = ElementType::kInt32;
      if (size == 8) type = ElementType::kInt64;
      break;
    case 'u':
      if (size == 1) type = ElementType::kUInt8;
      if (size == 2) type = ElementType::kUInt16;
      if (size == 4) type = ElementType::kUInt32;
      if (size == 8) type = ElementType::kUInt64;
      break;
    case 'f':
      if (size == 2) type = ElementType::kFloat16;
      if (size == 4) type = ElementType::kFloat32;
      if (size == 8) type = ElementType::kFloat64;
      break;
    default:
      break;
  }
  if (!type.has_value()) return unsupported("not a supported numeric type");
  if (size > 1) {
    if (order == '>') {
      return unsupported("big-endian data is not supported (save it with arr.astype('<" +
                         std::string(rest) + "'))");
    }
    if (order != '<') return unsupported("multi-byte type without '<' byte order");
  }
  return *type;
}

}  // namespace

std::string NpyHeader::ShapeString() const {
  if (shape.size() == 1) return absl::StrCat("(", shape[0], ",)");
  return absl::StrCat("(", absl::StrJoin(shape, ", "), ")");
}

absl::StatusOr<NpyHeader> ParseNpyHeaderDict(absl::string_view dict, absl::string_view name) {
  std::vector<std::pair<std::string, Value>> entries;
  DictParser parser(dict, name);
  if (absl::Status s = parser.Parse(&entries); !s.ok()) return s;

  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": bad .npy header: ", what));
  };
  const Value* descr = nullptr;
  const Value* fortran = nullptr;
  const Value* shape = nullptr;
  for (const auto& [key, value] : entries) {
    const Value** slot = nullptr;
    if (key == "descr") slot = &descr;
    if (key == "fortran_order") slot = &fortran;
    if (key == "shape") slot = &shape;
    if (slot == nullptr) return bad(absl::StrCat("unexpected key '", Printable(key), "'"));
    if (*slot != nullptr) return bad(absl::StrCat("duplicate key '", key, "'"));
    *slot = &value;
  }
  if (descr == nullptr) return bad("missing key 'descr'");
  if (fortran == nullptr) return bad("missing key 'fortran_order'");
  if (shape == nullptr) return bad("missing key 'shape'");
  if (descr->kind != Value::kString) return bad("'descr' is not a string");
  if (fortran->kind != Value::kBool) return bad("'fortran_order' is not True/False");
  if (shape->kind != Value::kTuple) return bad("'shape' is not a tuple");

  NpyHeader header;
  auto type = ParseDescr(descr->text, name);
  if (!type.ok()) return type.status();
  header.type = *type;
  header.fortran_order = fortran->flag;
  header.shape = shape->ints;
  int64_t count = 1;
  for (int64_t d : header.shape) {
    if (d < 0) return bad(absl::StrCat("negative dimension ", d, " in shape"));
    if (__builtin_mul_overflow(count, d, &count)) {
      return bad(absl::StrCat("shape ", header.ShapeString(), " has too many elements"));
    }
  }
  int64_t bytes = 0;
  if (__builtin_mul_overflow(count, int64_t{ElementSize(header.type)}, &bytes)) {
    return bad(absl::StrCat("shape ", header.ShapeString(), " has too many bytes"));
  }
  if (count == 0) {
    for (int64_t d : header.shape) {
      if (d > kMaxEmptyArrayDimension) {
        return bad(absl::StrCat("shape ", header.ShapeString(),
                                " holds no elements, yet its dimension ", d,
                                " exceeds the limit of ", kMaxEmptyArrayDimension,
                                " for an empty array"));
      }
    }
  }
  header.element_count = count;
  return header;
}

absl::StatusOr<NpyHeader> ReadNpyHeader(InputFile& file) {
  const std::string& name = file.path();
  auto bad = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": not a valid .npy file: ", what));
  };
  if (file.size() < 10) return bad(absl::StrCat("only ", file.size(), " bytes long"));
  std::array<char, 12> prefix{};
  if (absl::Status s = file.ReadAt(0, 10, prefix.data()); !s.ok()) return s;
  if (absl::string_view(prefix.data(), 6) != kMagic) {
    return bad("bad magic (expected \\x93NUMPY)");
  }
  const int major = static_cast<unsigned char>(prefix[6]);
  const int minor = static_cast<unsigned char>(prefix[7]);
  if (major < 1 || major > 3 || minor != 0) {
    return bad(absl::StrCat("unsupported format version ", major, ".", minor));
  }
  int64_t header_len = 0;
  int64_t dict_offset = 10;
  auto byte = [&](int i) { return static_cast<int64_t>(static_cast<unsigned char>(prefix[i])); };
  if (major == 1) {
    header_len = byte(8) | (byte(9) << 8);
  } else {
    if (file.size() < 12) return bad("file ends inside the header length");
    if (absl::Status s = file.ReadAt(10, 2, prefix.data() + 10); !s.ok()) return s;
    header_len = byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24);
    dict_offset = 12;
  }
  if (header_len > kMaxHeaderBytes) {
    return bad(absl::StrCat("header length ", header_len, " exceeds the limit of ",
                            kMaxHeaderBytes));
  }
  if (dict_offset + header_len > file.size()) {
    return bad(absl::StrCat("header length ", header_len, " runs past the end of the file (",
                            file.size(), " bytes)"));
  }
  std::string dict(static_cast<size_t>(header_len), '\0');
  if (absl::Status s = file.ReadAt(dict_offset, header_len, dict.data()); !s.ok()) return s;
  auto header = ParseNpyHeaderDict(dict, name);
  if (!header.ok()) return header.status();
  header->major_version = major;
  header->data_offset = dict_offset + header_len;

  const int64_t available = file.size() - header->data_offset;
  const int64_t needed = header->data_bytes();
  if (available < needed) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": truncated .npy data: shape ", header->ShapeString(), " of ",
        ElementTypeName(header->type), " needs ", needed, " bytes, the file has ", available));
  }
  if (available > needed) {
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": .npy file has ", available - needed, " unexpected trailing bytes after the ",
        needed, " bytes of data for shape ", header->ShapeString()));
  }
  return header;
}

std::string EncodeNpyHeader(ElementType type, bool fortran_order,
                            const std::vector<int64_t>& shape) {
  std::string descr;
  switch (type) {
    case ElementType::kBool: descr = "|b1"; break;
    case ElementType::kInt8: descr = "|i1"; break;
    case ElementType::kUInt8: descr = "|u1"; break;
    default: {
      const char kind = type == ElementType::kFloat16 || type == ElementType::kFloat32 ||
                                type == ElementType::kFloat64
                            ? 'f'
                        : (type == ElementType::kUInt16 || type == ElementType::kUInt32 ||
                           type == ElementType::kUInt64)
                            ? 'u'
                            : 'i';
      descr = absl::StrCat("<", std::string(1, kind), ElementSize(type));
    }
  }
  NpyHeader tmp;
  tmp.shape = shape;
  std::string dict = absl::StrCat("{'descr': '", descr, "', 'fortran_order': ",
                                  fortran_order ? "True" : "False",
                                  ", 'shape': ", tmp.ShapeString(), ", }");
  // Pad with spaces and a final newline so the data starts 64-byte aligned.
  auto build = [&](int major) {
    const size_t fixed = major == 1 ? 10 : 12;
    const size_t unpadded = fixed + dict.size() + 1;
    const size_t total = (unpadded + 63) / 64 * 64;
    const size_t header_len = total - fixed;
    std::string out(kMagic);
    out.push_back(static_cast<char>(major));
    out.push_back('\0');
    for (size_t i = 0; i < fixed - 8; ++i) {
      out.push_back(static_cast<char>((header_len >> (8 * i)) & 0xff));
    }
    out += dict;
    out.append(header_len - dict.size() - 1, ' ');
    out.push_back('\n');
    return out;
  };
  if (dict.size() + 1 + 10 + 63 <= 65535) return build(1);
  return build(2);
}

}  // namespace sketchd
