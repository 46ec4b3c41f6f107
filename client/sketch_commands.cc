// sketchctl sketches list|export|default.
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/cli_remote.h"
#include "core/io/binary_file.h"
#include "core/status_macros.h"
#include "core/training/trained_sketch.h"

namespace sketchd {

void AddSketchCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot) {
  CLI::App* sketches = app.add_subcommand("sketches", "List, export, choose and delete trained sketches");
  sketches->require_subcommand(1);

  {
    struct Args {
      std::string name, task;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = sketches->add_subcommand(
        "list", "List a dataset's sketches with their validation figures (* = default)");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_option("--task", args->task, "only sketches for this task")
        ->check(CLI::IsMember({"lowrank", "regression"}));
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        v1::Task task = v1::TASK_UNSPECIFIED;
        if (!args->task.empty()) {
          SKETCHD_ASSIGN_OR_RETURN(task, ParseWireTask(args->task));
        }
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(std::vector<v1::SketchInfo> list,
                                 client->ListSketches(args->name, task));
        CommandResult result;
        Json items = Json::Array();
        std::vector<std::vector<std::string>> rows = {SketchHeader()};
        for (const auto& s : list) {
          items.Push(SketchInfoJson(s));
          rows.push_back(SketchRow(s));
        }
        result.json.Set("sketches", std::move(items));
        result.text = list.empty() ? absl::StrCat("dataset ", args->name, " has no sketches\n")
                                   : FormatTable(rows);
        return result;
      };
    });
  }

  {
    struct Args {
      std::string name, out, task = "lowrank";
      int64_t version = 0;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = sketches->add_subcommand(
        "export",
        "Save a sketch to a file for `sketchctl local` (the default sketch of --task unless "
        "--version is given)");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_option("OUT", args->out, "output sketch file")->required();
    cmd->add_option("--version", args->version, "sketch version")->check(CLI::PositiveNumber);
    cmd->add_option("--task", args->task, "task whose default sketch to export")
        ->check(CLI::IsMember({"lowrank", "regression"}))
        ->capture_default_str();
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(v1::Task task, ParseWireTask(args->task));
        v1::SketchSelector selector;
        if (args->version > 0) {
          selector.set_version(args->version);
        } else {
          selector.set_use_default(true);
        }
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(v1::GetSketchResponse response,
                                 client->GetSketch(args->name, selector, task,
                                                   /*include_serialized=*/true));
        // Check what we got before writing it: a file `local` cannot read is
        // worse than an error now.
        auto parsed = ParseTrainedSketch(response.serialized());
        if (!parsed.ok()) {
          return ServerError(absl::DataLossError(absl::StrCat(
              "the server sent sketch v", response.info().version(),
              " in a form that does not parse: ", parsed.status().message())));
        }
        auto file = OutputFile::Create(args->out);
        if (!file.ok()) return InputError(file.status());
        SKETCHD_RETURN_IF_ERROR(InputError(file->Append(response.serialized())));
        SKETCHD_RETURN_IF_ERROR(InputError(file->Close()));
        CommandResult result;
        result.json.Set("path", args->out);
        result.json.Set("bytes", static_cast<int64_t>(response.serialized().size()));
        result.json.Set("sketch", SketchInfoJson(response.info()));
        result.text = absl::StrCat("wrote sketch v", response.info().version(), " (",
                                   response.info().method(), ", m=", response.info().m(),
                                   ", n=", response.info().n(), ") to ", args->out, "\n");
        return result;
      };
    });
  }

  {
    struct Args {
      std::string name;
      int64_t version = 0;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = sketches->add_subcommand(
        "default", "Make a sketch version the default for its task");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_option("VERSION", args->version, "sketch version")
        ->required()
        ->check(CLI::PositiveNumber);
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(v1::SketchInfo info,
                                 client->SetDefaultSketch(args->name, args->version));
        CommandResult result;
        result.json.Set("sketch", SketchInfoJson(info));
        result.text = absl::StrCat("sketch v", info.version(), " is now the default ",
                                   WireTaskName(info.task()), " sketch of ", args->name, "\n");
        return result;
      };
    });
  }

  {
    struct Args {
      std::string name;
      int64_t version = 0;
      bool yes = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = sketches->add_subcommand("delete", "Delete one sketch version of a dataset");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    cmd->add_option("VERSION", args->version, "sketch version")
        ->required()
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--yes,-y", args->yes, "do not ask for confirmation on a terminal");
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        if (!args->yes) {
          SKETCHD_RETURN_IF_ERROR(ConfirmOnTerminal(
              absl::StrCat("Delete sketch v", args->version, " of dataset ", args->name, "?")));
        }
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_RETURN_IF_ERROR(client->DeleteSketch(args->name, args->version));
        CommandResult result;
        result.json.Set("deleted_version", args->version);
        result.json.Set("dataset", args->name);
        result.text = absl::StrCat("deleted sketch v", args->version, " of ", args->name, "\n");
        return result;
      };
    });
  }
}

}  // namespace sketchd
