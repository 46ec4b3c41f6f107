#include "core/io/row_block_source.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/io/matrix_file.h"
#include "core/io/npy_row_blocks.h"

namespace sketchd {
namespace {

std::string ShapeText(int64_t rows, int64_t cols) { return absl::StrCat(rows, "×", cols); }

class MemorySource : public RowBlockSource {
 public:
  MemorySource(std::vector<const RowMatrixXd*> matrices, int64_t block_rows)
      : matrices_(std::move(matrices)), block_rows_(block_rows) {}
  int64_t matrix_count() const override { return static_cast<int64_t>(matrices_.size()); }
  int64_t rows() const override { return matrices_.empty() ? 0 : matrices_[0]->rows(); }
  int64_t cols() const override { return matrices_.empty() ? 0 : matrices_[0]->cols(); }
  absl::StatusOr<bool> Next(Block* block) override {
    while (matrix_ < matrix_count() && row_ >= rows()) {
      ++matrix_;
      row_ = 0;
    }
    if (matrix_ >= matrix_count()) return false;
    const int64_t n = std::min(block_rows_, rows() - row_);
    block->matrix = matrix_;
    block->first_row = row_;
    block->rows = matrices_[matrix_]->middleRows(row_, n);
    row_ += n;
    return true;
  }

 private:
  std::vector<const RowMatrixXd*> matrices_;
  int64_t block_rows_;
  int64_t matrix_ = 0;
  int64_t row_ = 0;
};

// Past this many .npy files the shape probe closes the file again and Next
// reopens it, so a directory of thousands of files cannot run out of file
// descriptors.
constexpr int64_t kMaxOpenFiles = 64;

// One file after another; .npy streamed, text files parsed. Each file is
// opened once: FileRowBlocks opens it to learn its shape and hands the open
// reader (or the parsed text matrices) over in its Entry, and Next streams
// from that.
class FileSource : public RowBlockSource {
 public:
  struct Entry {
    std::string path;
    bool is_npy = false;
    int64_t count = 0;
    bool float32_exact = false;
    std::unique_ptr<NpyRowBlockReader> npy;  // .npy, opened by the probe
    std::vector<RowMatrixXd> loaded;         // text files, parsed by the probe
  };
  FileSource(std::vector<Entry> entries, int64_t rows, int64_t cols, int64_t block_rows)
      : entries_(std::move(entries)), rows_(rows), cols_(cols), block_rows_(block_rows) {
    for (const Entry& e : entries_) count_ += e.count;
  }
  int64_t matrix_count() const override { return count_; }
  int64_t rows() const override { return rows_; }
  int64_t cols() const override { return cols_; }
  bool exact_in_float32() const override {
    for (const Entry& e : entries_) {
      if (!e.float32_exact) return false;
    }
    return true;
  }

  absl::StatusOr<bool> Next(Block* block) override {
    while (true) {
      if (npy_ != nullptr) {
        NpyRowBlockReader::Block b;
        absl::StatusOr<bool> more = npy_->Next(&b);
        if (!more.ok()) return more.status();
        if (*more) {
          block->matrix = base_ + b.matrix;
          block->first_row = b.first_row;
          block->rows = std::move(b.rows);
          return true;
        }
        npy_.reset();
        base_ += entries_[file_].count;
        ++file_;
      } else if (memory_ != nullptr) {
        absl::StatusOr<bool> more = memory_->Next(block);
        if (!more.ok()) return more.status();
        if (*more) {
          block->matrix += base_;
          return true;
        }
        memory_.reset();
        loaded_.clear();
        base_ += entries_[file_].count;
        ++file_;
      }
      if (file_ >= entries_.size()) return false;
      Entry& entry = entries_[file_];
      if (entry.is_npy) {
        if (entry.npy != nullptr) {
          npy_ = std::move(entry.npy);
        } else {
          absl::StatusOr<NpyRowBlockReader> reader = NpyRowBlockReader::Open(entry.path, block_rows_);
          if (!reader.ok()) return reader.status();
          npy_ = std::make_unique<NpyRowBlockReader>(std::move(*reader));
        }
      } else {
        loaded_ = std::move(entry.loaded);
        std::vector<const RowMatrixXd*> pointers;
        for (const RowMatrixXd& m : loaded_) pointers.push_back(&m);
        memory_ = std::make_unique<MemorySource>(std::move(pointers), block_rows_);
      }
    }
  }

 private:
  std::vector<Entry> entries_;
  int64_t rows_, cols_, block_rows_;
  int64_t count_ = 0;
  size_t file_ = 0;
  int64_t base_ = 0;
  std::unique_ptr<NpyRowBlockReader> npy_;
  std::vector<RowMatrixXd> loaded_;
  std::unique_ptr<MemorySource> memory_;
};

// Element types whose every value a float32 holds exactly.
bool ExactInFloat32(ElementType type) {
  switch (type) {
    case ElementType::kBool:
    case ElementType::kInt8:
    case ElementType::kUInt8:
    case ElementType::kInt16:
    case ElementType::kUInt16:
    case ElementType::kFloat16:
    case ElementType::kFloat32:
      return true;
    default:
      return false;
  }
}

}  // namespace

int64_t BlockRowsFor(int64_t cols, int64_t target_bytes) {
  return std::max<int64_t>(1, target_bytes / (std::max<int64_t>(cols, 1) * 8));
}

absl::StatusOr<std::unique_ptr<RowBlockSource>> MemoryRowBlocks(
    const std::vector<const RowMatrixXd*>& matrices, int64_t target_bytes) {
  for (const RowMatrixXd* m : matrices) {
    if (m->rows() != matrices[0]->rows() || m->cols() != matrices[0]->cols()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "matrix of ", ShapeText(m->rows(), m->cols()), " after one of ",
          ShapeText(matrices[0]->rows(), matrices[0]->cols()),
          "; all matrices of one upload must have the same shape"));
    }
  }
  const int64_t cols = matrices.empty() ? 1 : matrices[0]->cols();
  return std::unique_ptr<RowBlockSource>(
      new MemorySource(matrices, BlockRowsFor(cols, target_bytes)));
}

absl::StatusOr<std::unique_ptr<RowBlockSource>> FileRowBlocks(
    const std::vector<std::string>& paths, int64_t target_bytes) {
  std::vector<FileSource::Entry> entries;
  int64_t rows = -1, cols = -1;
  std::string first_path;
  int64_t open_files = 0;
  for (const std::string& path : paths) {
    absl::StatusOr<MatrixFileFormat> format = MatrixFileFormatFromPath(path);
    if (!format.ok()) return format.status();
    FileSource::Entry entry;
    entry.path = path;
    entry.is_npy = *format == MatrixFileFormat::kNpy;
    int64_t r = 0, c = 0;
    if (entry.is_npy) {
      // Opened once: the block reader that probes the shape is the one
      // that streams the rows (block size fixed below, once cols is known).
      absl::StatusOr<NpyRowBlockReader> reader = NpyRowBlockReader::Open(path, 1);
      if (!reader.ok()) return reader.status();
      entry.count = reader->matrix_count();
      entry.float32_exact = ExactInFloat32(reader->header().type);
      r = reader->rows();
      c = reader->cols();
      if (open_files < kMaxOpenFiles) {
        entry.npy = std::make_unique<NpyRowBlockReader>(std::move(*reader));
        ++open_files;
      }
    } else {
      absl::StatusOr<std::vector<RowMatrixXd>> family = ReadMatrixFamily(path);
      if (!family.ok()) return family.status();
      entry.count = static_cast<int64_t>(family->size());
      if (!family->empty()) {
        r = (*family)[0].rows();
        c = (*family)[0].cols();
      }
      entry.loaded = std::move(*family);
    }
    if (entry.count == 0) continue;
    if (rows >= 0 && (r != rows || c != cols)) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ": matrices are ", ShapeText(r, c), " but ", first_path, " holds ",
          ShapeText(rows, cols), "; all matrices of one command must have the same shape"));
    }
    if (rows < 0) {
      rows = r;
      cols = c;
      first_path = path;
    }
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) {
    return absl::InvalidArgumentError(
        paths.size() == 1 ? absl::StrCat(paths[0], ": the file holds no matrices")
                          : std::string("the input files hold no matrices"));
  }
  const int64_t block_rows = BlockRowsFor(cols, target_bytes);
  for (FileSource::Entry& entry : entries) {
    if (entry.npy != nullptr) entry.npy->set_block_rows(block_rows);
  }
  return std::unique_ptr<RowBlockSource>(
      new FileSource(std::move(entries), rows, cols, block_rows));
}

absl::StatusOr<std::vector<RowMatrixXd>> ReadAllMatrices(RowBlockSource& source) {
  std::vector<RowMatrixXd> out(static_cast<size_t>(source.matrix_count()),
                               RowMatrixXd(source.rows(), source.cols()));
  RowBlockSource::Block block;
  while (true) {
    absl::StatusOr<bool> more = source.Next(&block);
    if (!more.ok()) return more.status();
    if (!*more) break;
    out[static_cast<size_t>(block.matrix)].middleRows(block.first_row, block.rows.rows()) =
        block.rows;
  }
  return out;
}

}  // namespace sketchd
