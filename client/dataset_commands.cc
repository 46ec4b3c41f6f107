// sketchctl datasets create|list|show|delete, and upload.
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/cli.h"
#include "client/cli_remote.h"
#include "client/matrix_inputs.h"
#include "core/status_macros.h"

namespace sketchd {

void AddDatasetCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot) {
  CLI::App* datasets = app.add_subcommand("datasets", "Create, list, show and delete datasets");
  datasets->require_subcommand(1);

  {
    struct Args {
      std::string name, description;
      int64_t rows = 0, cols = 0;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = datasets->add_subcommand(
        "create", "Create a dataset: a named family of n-row matrices that sketches are learned for");
    cmd->add_option("NAME", args->name, "dataset name ([A-Za-z0-9][A-Za-z0-9._-]{0,63})")
        ->required();
    cmd->add_option("--rows,-n", args->rows, "rows n of every matrix (what a sketch multiplies)")
        ->required()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--cols,-d", args->cols,
                    "columns d of A for lowrank/solve requests (0 = any; regression training "
                    "matrices then have d+1 columns)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--description", args->description, "free text");
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(v1::Dataset dataset,
                                 client->CreateDataset(args->name, args->rows, args->cols,
                                                       args->description));
        CommandResult result;
        result.json.Set("dataset", DatasetJson(dataset));
        result.text = absl::StrCat("created dataset ", dataset.name(), " (n=", dataset.n(),
                                   dataset.d() ? absl::StrCat(", d=", dataset.d()) : "", ")\n");
        return result;
      };
    });
  }

  {
    CLI::App* cmd = datasets->add_subcommand("list", "List all datasets");
    cmd->callback([&global, slot] {
      slot->action = [&global]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(std::vector<v1::Dataset> list, client->ListDatasets());
        CommandResult result;
        Json items = Json::Array();
        std::vector<std::vector<std::string>> rows = {DatasetHeader()};
        for (const auto& d : list) {
          items.Push(DatasetJson(d));
          rows.push_back(DatasetRow(d));
        }
        result.json.Set("datasets", std::move(items));
        result.text = list.empty() ? "no datasets\n" : FormatTable(rows);
        return result;
      };
    });
  }

  {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = datasets->add_subcommand("show", "Show one dataset");
    cmd->add_option("NAME", *name, "dataset name")->required();
    cmd->callback([&global, slot, name] {
      slot->action = [&global, name]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(v1::Dataset d, client->GetDataset(*name));
        CommandResult result;
        result.json.Set("dataset", DatasetJson(d));
        result.text = absl::StrCat(
            "dataset ", d.name(), "\n", "  rows n:            ", d.n(), "\n",
            "  columns d:         ", d.d() == 0 ? std::string("any") : absl::StrCat(d.d()), "\n",
            "  description:       ", d.description(), "\n",
            "  created:           ", FormatTime(d.create_time()), "\n",
            "  training matrices: ", d.num_training_matrices(),
            d.training_cols() ? absl::StrCat(" (", d.n(), "×", d.training_cols(), ", ",
                                             FormatBytes(d.training_bytes()), ")")
                              : "",
            "\n", "  sketches:          ", d.num_sketches(), "\n");
        return result;
      };
    });
  }

  {
    struct Args {
      std::string name;
      bool force = false;
      bool yes = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = datasets->add_subcommand(
        "delete", "Delete a dataset with its training matrices, jobs and sketches (asks first "
                  "on a terminal)");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_flag("--force", args->force, "cancel its queued/running jobs first");
    cmd->add_flag("--yes,-y", args->yes, "do not ask for confirmation on a terminal");
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        if (!args->yes) {
          SKETCHD_RETURN_IF_ERROR(ConfirmOnTerminal(absl::StrCat(
              "Delete dataset ", args->name,
              " with all its training matrices, jobs and sketches? This cannot be undone.")));
        }
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_RETURN_IF_ERROR(client->DeleteDataset(args->name, args->force));
        CommandResult result;
        result.json.Set("deleted", args->name);
        result.text = absl::StrCat("deleted dataset ", args->name, "\n");
        return result;
      };
    });
  }

  {
    struct Args {
      std::string name;
      std::vector<std::string> inputs;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand(
        "upload",
        "Upload training matrices to a dataset (.npy 2-D or 3-D stack, .mtx, .csv; a directory "
        "means all matrix files in it, sorted). For regression datasets each matrix is [A | b] "
        "with b as the last column. All files go in one stream, stored atomically.");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_option("FILE_OR_DIR", args->inputs, "matrix files or directories")->required();
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(std::vector<std::string> paths, ExpandMatrixPaths(args->inputs));
        SKETCHD_ASSIGN_OR_RETURN(auto source, InputRowBlocks(paths, 1 << 20));
        const int64_t rows = source->rows();
        const int64_t cols = source->cols();
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(v1::Dataset dataset, client->GetDataset(args->name));
        SKETCHD_RETURN_IF_ERROR(CheckInputShape(dataset, rows, cols,
                                                absl::StrJoin(paths, ", "), /*training=*/true));
        ProgressBar bar(StderrIsTerminal());
        SKETCHD_ASSIGN_OR_RETURN(
            v1::UploadTrainingMatricesResponse response,
            client->UploadMatrices(args->name, *source, [&](int64_t sent, int64_t total) {
              bar.Update(total > 0 ? static_cast<double>(sent) / total : 1,
                         absl::StrCat("uploading ", FormatBytes(sent), " / ", FormatBytes(total)));
            }));
        bar.Finish();
        CommandResult result;
        result.json.Set("dataset", response.dataset());
        result.json.Set("files", static_cast<int64_t>(paths.size()));
        result.json.Set("matrices_received", response.matrices_received());
        result.json.Set("rows", rows);
        result.json.Set("cols", cols);
        result.json.Set("bytes_received", response.bytes_received());
        result.json.Set("total_matrices", response.total_matrices());
        result.text = absl::StrCat("uploaded ", response.matrices_received(), " matrices (", rows,
                                   "×", cols, ", ", FormatBytes(response.bytes_received()),
                                   ") from ", paths.size(), paths.size() == 1 ? " file" : " files",
                                   " to ", response.dataset(), "; it now holds ",
                                   response.total_matrices(), "\n");
        return result;
      };
    });
  }
}

}  // namespace sketchd
