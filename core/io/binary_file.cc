#include "core/io/binary_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace sketchd {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

}  // namespace

InputFile::InputFile(std::string path, std::FILE* f, int64_t size)
    : path_(std::move(path)), file_(f), size_(size), position_(0) {}

InputFile::InputFile(InputFile&& other) noexcept
    : path_(std::move(other.path_)),
      file_(std::exchange(other.file_, nullptr)),
      size_(other.size_),
      position_(other.position_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    path_ = std::move(other.path_);
    file_ = std::exchange(other.file_, nullptr);
    size_ = other.size_;
    position_ = other.position_;
  }
  return *this;
}

InputFile::~InputFile() {
  if (file_ != nullptr) std::fclose(file_);
}

absl::StatusOr<InputFile> InputFile::Open(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) {
      return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    }
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot stat: ", ErrnoText(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    const int err = errno;
    return absl::InvalidArgumentError(absl::StrCat(path, ": cannot open: ", ErrnoText(err)));
  }
  return InputFile(path, f, static_cast<int64_t>(st.st_size));
}

absl::Status InputFile::Seek(int64_t offset) {
  if (position_ == offset) return absl::OkStatus();
  if (::fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0) {
    const int err = errno;
    position_ = -1;
    return absl::InvalidArgumentError(
        absl::StrCat(path_, ": cannot seek to byte ", offset, ": ", ErrnoText(err)));
  }
  position_ = offset;
  return absl::OkStatus();
}

absl::Status InputFile::ReadAt(int64_t offset, int64_t n, char* dst) {
  if (offset < 0 || n < 0) {
    return absl::InternalError(absl::StrCat(path_, ": bad read range"));
  }
  if (absl::Status s = Seek(offset); !s.ok()) return s;
  const size_t got = std::fread(dst, 1, static_cast<size_t>(n), file_);
  position_ = offset + static_cast<int64_t>(got);
  if (static_cast<int64_t>(got) != n) {
    if (std::ferror(file_)) {
      const int err = errno;
      std::clearerr(file_);
      position_ = -1;
      return absl::InvalidArgumentError(
          absl::StrCat(path_, ": read error at byte ", offset, ": ", ErrnoText(err)));
    }
    std::clearerr(file_);
    return absl::InvalidArgumentError(absl::StrCat(path_, ": truncated: needed ", n,
                                                   " bytes at offset ", offset, ", got ", got));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> InputFile::ReadSome(int64_t n, char* dst) {
  if (position_ < 0) {
    return absl::InternalError(absl::StrCat(path_, ": read position unknown"));
  }
  const size_t got = std::fread(dst, 1, static_cast<size_t>(n), file_);
  position_ += static_cast<int64_t>(got);
  if (got < static_cast<size_t>(n) && std::ferror(file_)) {
    const int err = errno;
    std::clearerr(file_);
    position_ = -1;
    return absl::InvalidArgumentError(absl::StrCat(path_, ": read error: ", ErrnoText(err)));
  }
  return static_cast<int64_t>(got);
}

OutputFile::OutputFile(std::string path, std::string tmp_path, std::FILE* f)
    : path_(std::move(path)), tmp_path_(std::move(tmp_path)), file_(f) {}

OutputFile::OutputFile(OutputFile&& other) noexcept
    : path_(std::move(other.path_)),
      tmp_path_(std::move(other.tmp_path_)),
      file_(std::exchange(other.file_, nullptr)) {}

OutputFile& OutputFile::operator=(OutputFile&& other) noexcept {
  if (this != &other) {
    Abandon();
    path_ = std::move(other.path_);
    tmp_path_ = std::move(other.tmp_path_);
    file_ = std::exchange(other.file_, nullptr);
  }
  return *this;
}

OutputFile::~OutputFile() { Abandon(); }

void OutputFile::Abandon() {
  if (file_ != nullptr) {
    std::fclose(file_);
    file_ = nullptr;
    std::remove(tmp_path_.c_str());
  }
}

absl::StatusOr<OutputFile> OutputFile::Create(const std::string& path) {
  // pid + counter: unique even when threads of one process write the same path.
  static std::atomic<uint64_t> counter{0};
  std::string tmp = absl::StrCat(path, ".tmp.", static_cast<int64_t>(::getpid()), ".",
                                 counter.fetch_add(1));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    const int err = errno;
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": cannot create: ", ErrnoText(err)));
  }
  return OutputFile(path, std::move(tmp), f);
}

absl::Status OutputFile::Append(absl::string_view data) {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": write after close"));
  }
  if (data.empty()) return absl::OkStatus();
  if (std::fwrite(data.data(), 1, data.size(), file_) != data.size()) {
    const int err = errno;
    Abandon();
    return absl::InternalError(absl::StrCat(path_, ": write failed: ", ErrnoText(err)));
  }
  return absl::OkStatus();
}

absl::Status OutputFile::Close() {
  if (file_ == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(path_, ": already closed"));
  }
  const bool flushed = std::fflush(file_) == 0;
  int err = errno;
  const bool closed = std::fclose(file_) == 0;
  if (flushed) err = errno;
  file_ = nullptr;
  if (!flushed || !closed) {
    std::remove(tmp_path_.c_str());
    return absl::InternalError(absl::StrCat(path_, ": write failed: ", ErrnoText(err)));
  }
  if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
    err = errno;
    std::remove(tmp_path_.c_str());
    return absl::InternalError(absl::StrCat(path_, ": cannot rename into place: ", ErrnoText(err)));
  }
  return absl::OkStatus();
}

}  // namespace sketchd
