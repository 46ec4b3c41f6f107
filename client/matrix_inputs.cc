#include "client/matrix_inputs.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "client/cli_status.h"
#include "core/io/matrix_file.h"
#include "core/io/npy.h"

namespace sketchd {
namespace {

namespace fs = std::filesystem;

std::string Extension(const std::string& path) {
  return absl::AsciiStrToLower(fs::path(path).extension().string());
}

bool IsNpy(const std::string& path) { return Extension(path) == ".npy"; }

// Tags every error of a source, also those of Next, as an input error.
class InputErrorSource : public RowBlockSource {
 public:
  explicit InputErrorSource(std::unique_ptr<RowBlockSource> source) : source_(std::move(source)) {}
  int64_t matrix_count() const override { return source_->matrix_count(); }
  int64_t rows() const override { return source_->rows(); }
  int64_t cols() const override { return source_->cols(); }
  bool exact_in_float32() const override { return source_->exact_in_float32(); }
  absl::StatusOr<bool> Next(Block* block) override {
    absl::StatusOr<bool> more = source_->Next(block);
    if (!more.ok()) return InputError(more.status());
    return more;
  }

 private:
  std::unique_ptr<RowBlockSource> source_;
};

}  // namespace

bool IsMatrixFileName(const std::string& path) {
  const std::string ext = Extension(path);
  return ext == ".npy" || ext == ".mtx" || ext == ".csv";
}

absl::StatusOr<std::vector<std::string>> ExpandMatrixPaths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& arg : args) {
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      return InputError(absl::NotFoundError(absl::StrCat(arg, ": no such file or directory")));
    }
    if (fs::is_directory(st)) {
      std::vector<std::string> found;
      for (const auto& entry : fs::directory_iterator(arg, ec)) {
        if (entry.is_regular_file() && IsMatrixFileName(entry.path().string())) {
          found.push_back(entry.path().string());
        }
      }
      if (ec) {
        return InputError(absl::InvalidArgumentError(
            absl::StrCat(arg, ": cannot list directory: ", ec.message())));
      }
      if (found.empty()) {
        return InputError(absl::InvalidArgumentError(
            absl::StrCat(arg, ": directory holds no .npy, .mtx or .csv files")));
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
      continue;
    }
    if (!IsMatrixFileName(arg)) {
      return InputError(absl::InvalidArgumentError(
          absl::StrCat(arg, ": unknown matrix file type (expected .npy, .mtx or .csv)")));
    }
    out.push_back(arg);
  }
  return out;
}

absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrixFamilyFile(const std::string& path) {
  return ReadMatrices({path});
}

absl::StatusOr<std::vector<RowMatrixXd>> ReadMatrices(const std::vector<std::string>& paths) {
  // Any block size: the blocks are assembled again.
  absl::StatusOr<std::unique_ptr<RowBlockSource>> source = InputRowBlocks(paths, 1 << 20);
  if (!source.ok()) return source.status();
  return ReadAllMatrices(**source);  // Next's errors are tagged already
}

absl::StatusOr<RowMatrixXd> ReadOneMatrix(const std::string& path) {
  auto family = ReadMatrixFamilyFile(path);
  if (!family.ok()) return family.status();
  if (family->size() != 1) {
    return InputError(absl::InvalidArgumentError(absl::StrCat(
        path, ": expected one matrix (a 1-D or 2-D array), found a stack of ", family->size())));
  }
  return std::move((*family)[0]);
}

absl::Status WriteMatrices(const std::string& path, const std::vector<RowMatrixXd>& matrices) {
  if (matrices.size() == 1 && IsMatrixFileName(path)) {
    return InputError(WriteMatrixFile(path, matrices[0]));
  }
  if (!IsNpy(path)) {
    return InputError(absl::InvalidArgumentError(absl::StrCat(
        path, ": a stack of matrices can only be written as .npy (one matrix: .npy, .mtx, .csv)")));
  }
  absl::Status status = matrices.size() == 1 ? WriteNpyMatrix(path, matrices[0])
                                             : WriteNpyFamily(path, matrices);
  return InputError(status);
}

absl::Status WriteVector(const std::string& path, const VectorXd& vector) {
  if (!IsNpy(path)) {
    return InputError(absl::InvalidArgumentError(
        absl::StrCat(path, ": output files must be .npy")));
  }
  return InputError(WriteNpyVector(path, vector));
}

absl::StatusOr<std::unique_ptr<RowBlockSource>> InputRowBlocks(
    const std::vector<std::string>& paths, int64_t target_bytes) {
  absl::StatusOr<std::unique_ptr<RowBlockSource>> source = FileRowBlocks(paths, target_bytes);
  if (!source.ok()) return InputError(source.status());
  return std::unique_ptr<RowBlockSource>(new InputErrorSource(*std::move(source)));
}

}  // namespace sketchd
