// Shared plumbing of the sketchctl commands: global flags, what a command
// returns, and the terminal helpers (tables, progress bar).
//
// Every command is registered by an Add*Commands function (one file per
// command group). Parsing only records which command to run; the command runs
// after CLI11 is done, so errors flow as absl::Status, never as exceptions.
#ifndef SKETCHD_CLIENT_CLI_H_
#define SKETCHD_CLIENT_CLI_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/cli_status.h"
#include "client/json.h"

namespace CLI {
class App;
}

namespace sketchd {

struct GlobalOptions {
  std::string server = "127.0.0.1:50051";
  std::string token;
  std::string tls_ca;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_server_name;  // overrides the name checked in the server's certificate
  double timeout_seconds = 60;  // per RPC (streams: per stream)
  bool json = false;
};

// What a command produced. In --json mode `json` is printed (one object on
// stdout); otherwise `text`. exit_code lets a command that ran fine report a
// negative outcome (e.g. the job it waited for failed) with 1.
struct CommandResult {
  Json json = Json::Object();
  std::string text;
  int exit_code = kExitOk;
};

using CommandAction = std::function<absl::StatusOr<CommandResult>()>;

// Where a parsed command leaves its action for main() to run.
struct CommandSlot {
  CommandAction action;
};

void AddLocalCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot);
void AddDatasetCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot);
void AddTrainingCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot);
void AddSketchCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot);
void AddComputeCommands(CLI::App& app, const GlobalOptions& global, CommandSlot* slot);
void AddHealthCommand(CLI::App& app, const GlobalOptions& global, CommandSlot* slot);

// True if stderr is a terminal (progress output is shown only then).
bool StderrIsTerminal();

// Asks `question` [y/N] on the terminal before a destructive command. OK
// when the user answers yes, or when stdin is not a terminal (scripts pass
// --yes or run without one); otherwise a status with exit code 1 saying
// nothing was done.
absl::Status ConfirmOnTerminal(const std::string& question);

// Refuses, in plain words and before any request, a sketch that cannot work:
// rank k above the sketch rows m, or m above the rows n of the matrices.
// k = 0 skips the rank check (regression), n = 0 the row check (unknown).
absl::Status CheckSketchSize(int64_t k, int64_t m, int64_t n);

// While alive, Ctrl-C (SIGINT) prints `message` on stderr and exits with
// 130 instead of dying silently — e.g. to say that a job being watched goes
// on running on the server, and how to follow or cancel it.
class InterruptMessage {
 public:
  explicit InterruptMessage(const std::string& message);
  ~InterruptMessage();
  InterruptMessage(const InterruptMessage&) = delete;
  InterruptMessage& operator=(const InterruptMessage&) = delete;
};

// A one-line progress bar on stderr, redrawn in place; silent unless enabled.
class ProgressBar {
 public:
  explicit ProgressBar(bool enabled) : enabled_(enabled) {}
  ~ProgressBar() { Finish(); }
  void Update(double fraction, const std::string& message);
  void Finish();

 private:
  bool enabled_;
  bool drawn_ = false;
  int last_width_ = 0;  // code points drawn last time (erased by padding)
};

// Plain-text table with aligned columns (first row is the header).
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// Human-friendly numbers: 4 significant digits, seconds with units.
std::string FormatNumber(double value);
std::string FormatSeconds(double seconds);
std::string FormatBytes(int64_t bytes);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_CLI_H_
