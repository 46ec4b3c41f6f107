#include "core/io/line_reader.h"

namespace sketchd {
namespace {

constexpr int64_t kChunk = 64 << 10;

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

}  // namespace

LineReader::LineReader(InputFile* file) : file_(file) {}

absl::Status LineReader::Fill() {
  if (begin_ > 0) {
    buffer_.erase(0, begin_);
    begin_ = 0;
  }
  const size_t old = buffer_.size();
  buffer_.resize(old + kChunk);
  auto got = file_->ReadSome(kChunk, buffer_.data() + old);
  if (!got.ok()) {
    buffer_.resize(old);
    return got.status();
  }
  buffer_.resize(old + static_cast<size_t>(*got));
  if (*got == 0) eof_ = true;
  return absl::OkStatus();
}

absl::StatusOr<bool> LineReader::Next(absl::string_view* line) {
  if (line_number_ == 0 && begin_ == 0 && buffer_.empty()) {
    if (absl::Status s = file_->Seek(0); !s.ok()) return s;
  }
  size_t searched = begin_;
  while (true) {
    const size_t nl = buffer_.find('\n', searched);
    if (nl != std::string::npos) {
      size_t end = nl;
      if (end > begin_ && buffer_[end - 1] == '\r') --end;
      *line = absl::string_view(buffer_.data() + begin_, end - begin_);
      begin_ = nl + 1;
      ++line_number_;
      return true;
    }
    if (eof_) {
      if (begin_ >= buffer_.size()) return false;
      size_t end = buffer_.size();
      if (buffer_[end - 1] == '\r') --end;
      *line = absl::string_view(buffer_.data() + begin_, end - begin_);
      begin_ = buffer_.size();
      ++line_number_;
      return true;
    }
    searched = buffer_.size() - begin_;  // offset after Fill() compacts
    if (absl::Status s = Fill(); !s.ok()) return s;
  }
}

int SplitWhitespace(absl::string_view line, absl::string_view* tokens, int max) {
  int count = 0;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsBlank(line[i])) ++i;
    if (i >= line.size()) break;
    const size_t start = i;
    while (i < line.size() && !IsBlank(line[i])) ++i;
    if (count < max) tokens[count] = line.substr(start, i - start);
    ++count;
  }
  return count;
}

absl::string_view TrimBlanks(absl::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace sketchd
