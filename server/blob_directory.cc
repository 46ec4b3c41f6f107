#include "server/blob_directory.h"

#include <dirent.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sketchd {
namespace {

constexpr absl::string_view kSuffix = ".blob";

absl::Status ErrnoStatus(int err, absl::string_view what, absl::string_view path) {
  const std::string msg = absl::StrCat(what, " '", path, "': ", std::strerror(err));
  if (err == ENOENT) return absl::NotFoundError(msg);
  if (err == ENOSPC || err == EDQUOT) return absl::ResourceExhaustedError(msg);
  if (err == EACCES || err == EPERM || err == EROFS) return absl::FailedPreconditionError(msg);
  return absl::InternalError(msg);
}

// Closes a descriptor on every path out of a function.
struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

// Random per process, then counted: names never collide between processes
// sharing the directory or within one.
std::string NewBlobName() {
  static const uint64_t process_prefix = [] {
    std::random_device rd;
    return (static_cast<uint64_t>(rd()) << 32) ^ rd();
  }();
  static std::atomic<uint64_t> counter{0};
  return absl::StrFormat("%016x-%012x%s", process_prefix, counter.fetch_add(1), kSuffix);
}

absl::Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open for fsync", path);
  FdCloser closer{fd};
  if (::fsync(fd) != 0) return ErrnoStatus(errno, "fsync", path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<BlobDirectory> BlobDirectory::Open(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return ErrnoStatus(errno, "cannot create blob directory", path);
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (!S_ISDIR(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("'", path, "' exists but is not a directory"));
  }
  // An existing directory keeps its owner's choice only if it is no looser.
  if ((st.st_mode & 077) != 0 && ::chmod(path.c_str(), 0700) != 0) {
    return ErrnoStatus(errno, "cannot restrict permissions of", path);
  }
  return BlobDirectory(path);
}

absl::StatusOr<std::string> BlobDirectory::Write(absl::string_view bytes) const {
  const std::string name = NewBlobName();
  const std::string path = PathOf(name);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, "cannot create", path);
  FdCloser closer{fd};
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::unlink(path.c_str());
      return ErrnoStatus(err, "cannot write", path);
    }
    done += static_cast<size_t>(n);
  }
  // Start write-back now so the Sync at commit finds little left to do; the
  // upload's next matrix is received meanwhile.
  ::sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  return name;
}

absl::Status BlobDirectory::Sync(const std::vector<std::string>& names) const {
  for (const std::string& name : names) {
    const absl::Status s = SyncPath(PathOf(name), O_RDONLY);
    if (!s.ok()) return s;
  }
  return SyncPath(path_, O_RDONLY | O_DIRECTORY);
}

absl::StatusOr<std::string> BlobDirectory::Read(const std::string& name,
                                                int64_t expected_bytes) const {
  const std::string path = PathOf(name);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "cannot open", path);
  FdCloser closer{fd};
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  if (expected_bytes < 0 || st.st_size != expected_bytes) {
    return absl::DataLossError(absl::StrCat("blob file '", path, "' has ", st.st_size,
                                            " bytes, the registry expects ", expected_bytes));
  }
  std::string out(static_cast<size_t>(expected_bytes), '\0');
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd, out.data() + done, out.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "cannot read", path);
    if (n == 0) return absl::DataLossError(absl::StrCat("blob file '", path, "' shrank while read"));
    done += static_cast<size_t>(n);
  }
  return out;
}

void BlobDirectory::Remove(const std::vector<std::string>& names) const {
  for (const std::string& name : names) ::unlink(PathOf(name).c_str());
}

absl::StatusOr<double> BlobDirectory::AgeSeconds(const std::string& name) const {
  struct stat st;
  const std::string path = PathOf(name);
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus(errno, "cannot stat", path);
  timespec now;
  ::clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<double>(now.tv_sec - st.st_mtim.tv_sec) +
         1e-9 * static_cast<double>(now.tv_nsec - st.st_mtim.tv_nsec);
}

absl::StatusOr<std::vector<std::string>> BlobDirectory::List() const {
  DIR* dir = ::opendir(path_.c_str());
  if (dir == nullptr) return ErrnoStatus(errno, "cannot list", path_);
  std::vector<std::string> names;
  while (const dirent* entry = ::readdir(dir)) {
    if (absl::EndsWith(entry->d_name, kSuffix)) names.emplace_back(entry->d_name);
  }
  ::closedir(dir);
  return names;
}

}  // namespace sketchd
