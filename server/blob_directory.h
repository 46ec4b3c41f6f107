// A directory of immutable byte files (training matrices) that a database
// references by name. The database row is the truth: a file becomes part of
// the registry only when the row naming it commits, so the protocol is
//   write file → Sync (fdatasync each file, then fsync the directory) →
//   commit the row;  and for deletion: commit the row's removal → Remove.
// A crash in between leaves at worst an unreferenced file, which the owner
// removes at its next start (List + compare with the rows).
//
// Why files and not database blobs: SQLite writes every blob byte twice (WAL,
// then checkpoint into the main file), which capped upload ingest near
// 250 MB/s; a file is written once. Files are 0600 and the directory 0700:
// training data is as private as the database.
#ifndef SKETCHD_SERVER_BLOB_DIRECTORY_H_
#define SKETCHD_SERVER_BLOB_DIRECTORY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sketchd {

class BlobDirectory {
 public:
  // Creates `path` (0700) if missing.
  static absl::StatusOr<BlobDirectory> Open(const std::string& path);

  // Writes `bytes` to a new uniquely named file and starts its write-back
  // (without waiting for it); returns the file's name (not the path).
  absl::StatusOr<std::string> Write(absl::string_view bytes) const;
  // Makes the named files and their directory entries durable.
  absl::Status Sync(const std::vector<std::string>& names) const;
  // Reads a whole file, which must be exactly `expected_bytes` long (checked
  // before allocating). NotFound if missing, DataLoss on a size mismatch.
  absl::StatusOr<std::string> Read(const std::string& name, int64_t expected_bytes) const;
  // Unlinks the files; missing ones are fine (removal is idempotent).
  void Remove(const std::vector<std::string>& names) const;
  // Names of every blob file in the directory.
  absl::StatusOr<std::vector<std::string>> List() const;
  // Seconds since the file was last written (for removing orphans that no
  // in-flight upload can still claim); NotFound if it is gone.
  absl::StatusOr<double> AgeSeconds(const std::string& name) const;

  const std::string& path() const { return path_; }

 private:
  explicit BlobDirectory(std::string path) : path_(std::move(path)) {}
  std::string PathOf(const std::string& name) const { return path_ + "/" + name; }

  std::string path_;
};

// A file just written for a row that has not committed yet: removed when
// this goes out of scope unless Keep() was called after the commit.
class UncommittedBlob {
 public:
  UncommittedBlob(const BlobDirectory* dir, std::string name) : dir_(dir), name_(std::move(name)) {}
  ~UncommittedBlob() {
    if (dir_ != nullptr && !name_.empty()) dir_->Remove({name_});
  }
  UncommittedBlob(const UncommittedBlob&) = delete;
  UncommittedBlob& operator=(const UncommittedBlob&) = delete;
  void Keep() { dir_ = nullptr; }

 private:
  const BlobDirectory* dir_;
  std::string name_;
};

}  // namespace sketchd

#endif  // SKETCHD_SERVER_BLOB_DIRECTORY_H_
