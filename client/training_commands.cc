// sketchctl train, and jobs list|show|watch|cancel|restart.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/cli_remote.h"
#include "client/training_flags.h"
#include "core/status_macros.h"
#include "core/training/trained_sketch.h"
#include "proto/training_options_wire.h"

namespace sketchd {
namespace {

// Follows a job to its end: a progress bar on a terminal, one line per state
// change otherwise (on stderr, so stdout keeps only the result).
absl::StatusOr<v1::Job> FollowJob(SketchdClient& client, int64_t job_id) {
  // Ctrl-C stops the watching, not the job: say so, and how to get back to it.
  InterruptMessage on_ctrl_c(absl::StrCat(
      "\nsketchctl: stopped watching; job ", job_id, " goes on running on the server.\n",
      "  follow it again: sketchctl jobs watch ", job_id, "\n",
      "  cancel it:       sketchctl jobs cancel ", job_id, "\n"));
  ProgressBar bar(StderrIsTerminal());
  const bool lines = !StderrIsTerminal();
  v1::JobState last_state = v1::JOB_STATE_UNSPECIFIED;
  auto job = client.WatchJob(job_id, [&](const v1::Job& j) {
    bar.Update(j.progress(), absl::StrCat(JobStateName(j.state()), ": ", j.message()));
    if (lines && j.state() != last_state) {
      std::cerr << "job " << j.job_id() << ": " << JobStateName(j.state())
                << (j.message().empty() ? "" : " — " + j.message()) << "\n";
    }
    last_state = j.state();
  });
  bar.Finish();
  return job;
}

// The final report of a job: its state and, when it produced a sketch, the
// sketch's validation figures (learned vs random).
absl::StatusOr<CommandResult> JobOutcome(SketchdClient& client, const v1::Job& job) {
  CommandResult result;
  result.json.Set("job", JobJson(job));
  result.text = JobText(job);
  if (job.state() == v1::JOB_STATE_SUCCEEDED && job.sketch_version() != 0) {
    v1::SketchSelector selector;
    selector.set_version(job.sketch_version());
    // A dense (subspace) sketch has no positions/values: the server sends it
    // only as its serialized bytes, and refuses the request without them.
    const bool dense = job.options().method() == TrainMethodName(TrainMethod::kSubspace);
    SKETCHD_ASSIGN_OR_RETURN(v1::GetSketchResponse sketch,
                             client.GetSketch(job.dataset(), selector, job.options().task(),
                                              /*include_serialized=*/dense));
    result.json.Set("sketch", SketchInfoJson(sketch.info()));
    absl::StrAppend(&result.text, "  trained in ", FormatSeconds(sketch.info().train_seconds()),
                    "\n  validation: ", ValidationLine(sketch.info().validation()), "\n");
    if (!sketch.info().notes().empty() && sketch.info().notes() != job.message()) {
      absl::StrAppend(&result.text, "  notes: ", sketch.info().notes(), "\n");
    }
  }
  result.exit_code = job.state() == v1::JOB_STATE_SUCCEEDED ? kExitOk : kExitNegative;
  return result;
}

}  // namespace

void AddTrainingCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot) {
  {
    struct Args {
      std::string name;
      TrainingFlags training;
      bool wait = false;
    };
    auto args = std::make_shared<Args>();
    CLI::App* cmd = app.add_subcommand(
        "train",
        "Start a training job that learns a sketch from the dataset's matrices; prints the job "
        "id. With --wait, follows it and prints the learned-vs-random validation figures; the "
        "exit code is then 0 only if the job succeeded.");
    cmd->add_option("NAME", args->name, "dataset name")->required();
    AddTrainingFlags(cmd, &args->training);
    cmd->add_flag("--wait", args->wait, "follow the job to its end and report the result");
    cmd->callback([&global, slot, args] {
      slot->action = [&global, args]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(TrainOptions train, ToTrainOptions(args->training));
        const v1::TrainingOptions options = TrainOptionsToWire(train);
        const bool lowrank = train.task == SketchTask::kLowRank;
        SKETCHD_RETURN_IF_ERROR(CheckSketchSize(lowrank ? train.k : 0, train.m, 0));
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        // m ≤ n needs the dataset's n; the server checks it too, but here the
        // message can speak of the flags the user typed.
        SKETCHD_ASSIGN_OR_RETURN(v1::Dataset dataset, client->GetDataset(args->name));
        SKETCHD_RETURN_IF_ERROR(CheckSketchSize(0, train.m, dataset.n()));
        SKETCHD_ASSIGN_OR_RETURN(v1::Job job, client->StartTraining(args->name, options));
        if (!args->wait) {
          CommandResult result;
          result.json.Set("job_id", job.job_id());
          result.json.Set("job", JobJson(job));
          result.text = absl::StrCat(job.job_id(), "\n");
          return result;
        }
        std::cerr << "started job " << job.job_id() << " (" << TrainMethodName(train.method)
                  << ", " << SketchTaskName(train.task) << ", k=" << train.k << ", m=" << train.m
                  << ")\n";
        SKETCHD_ASSIGN_OR_RETURN(v1::Job final_job, FollowJob(*client, job.job_id()));
        SKETCHD_ASSIGN_OR_RETURN(CommandResult result, JobOutcome(*client, final_job));
        result.json.Set("job_id", job.job_id());
        return result;
      };
    });
  }

  CLI::App* jobs = app.add_subcommand("jobs", "List, show, watch, cancel and restart training jobs");
  jobs->require_subcommand(1);

  {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = jobs->add_subcommand("list", "List the jobs of a dataset (newest first)");
    cmd->add_option("NAME", *name, "dataset name (omit for all datasets)");
    cmd->callback([&global, slot, name] {
      slot->action = [&global, name]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        SKETCHD_ASSIGN_OR_RETURN(std::vector<v1::Job> list, client->ListJobs(*name));
        CommandResult result;
        Json items = Json::Array();
        std::vector<std::vector<std::string>> rows = {JobHeader()};
        for (const auto& j : list) {
          items.Push(JobJson(j));
          rows.push_back(JobRow(j));
        }
        result.json.Set("jobs", std::move(items));
        result.text = list.empty() ? "no jobs\n" : FormatTable(rows);
        return result;
      };
    });
  }

  auto add_job_command = [&](const char* name, const char* help,
                             std::function<absl::StatusOr<CommandResult>(SketchdClient&, int64_t)>
                                 run) {
    auto id = std::make_shared<int64_t>(0);
    CLI::App* cmd = jobs->add_subcommand(name, help);
    cmd->add_option("ID", *id, "job id")->required()->check(CLI::PositiveNumber);
    cmd->callback([&global, slot, id, run] {
      slot->action = [&global, id, run]() -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
        return run(*client, *id);
      };
    });
  };

  add_job_command("show", "Show one job", [](SketchdClient& client, int64_t id)
                                              -> absl::StatusOr<CommandResult> {
    SKETCHD_ASSIGN_OR_RETURN(v1::Job job, client.GetJob(id));
    CommandResult result;
    result.json.Set("job", JobJson(job));
    result.text = JobText(job);
    return result;
  });
  add_job_command(
      "watch",
      "Follow a job until it ends (progress bar on a terminal); exit 0 only if it succeeded",
      [](SketchdClient& client, int64_t id) -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(v1::Job job, FollowJob(client, id));
        return JobOutcome(client, job);
      });
  add_job_command("cancel", "Cancel a queued or running job",
                  [](SketchdClient& client, int64_t id) -> absl::StatusOr<CommandResult> {
                    SKETCHD_ASSIGN_OR_RETURN(v1::Job job, client.CancelJob(id));
                    CommandResult result;
                    result.json.Set("job", JobJson(job));
                    result.text =
                        IsTerminal(job.state())
                            ? absl::StrCat("job ", id, ": ", JobStateName(job.state()), "\n")
                            : absl::StrCat("job ", id, ": cancel requested (now ",
                                           JobStateName(job.state()),
                                           "; `sketchctl jobs watch ", id, "` follows it)\n");
                    return result;
                  });
  add_job_command(
      "restart", "Run a failed, cancelled or interrupted job again as a new job",
      [](SketchdClient& client, int64_t id) -> absl::StatusOr<CommandResult> {
        SKETCHD_ASSIGN_OR_RETURN(v1::Job job, client.RestartJob(id));
        CommandResult result;
        result.json.Set("job_id", job.job_id());
        result.json.Set("job", JobJson(job));
        result.text = absl::StrCat(job.job_id(), "\n");
        return result;
      });
}

}  // namespace sketchd
