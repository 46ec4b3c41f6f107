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
  int last_width_ = 0;
};

// Plain-text table with aligned columns (first row is the header).
std::string FormatTable(const std::vector<std::vector<std::string>>& rows);

// Human-friendly numbers: 4 significant digits, seconds with units.
std::string FormatNumber(double value);
std::string FormatSeconds(double seconds);
std::string FormatBytes(int64_t bytes);

}  // namespace sketchd

#endif  // SKETCHD_CLIENT_CLI_H_
