// sketchctl: the command-line client of sketchd (and, with `local`, of the
// core library on the user's own machine).
//
// Output contract: results go to stdout (tables/text, or with --json exactly
// one JSON object), messages and progress to stderr; exit codes as in
// cli_status.h. Scripts can rely on both.
#include <cstdio>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/cli_status.h"
#include "client/json.h"
#include "core/exception_boundary.h"
#include "core/parallel/blas_threads.h"

namespace {

using sketchd::CommandResult;
using sketchd::Json;

void PrintError(const sketchd::GlobalOptions& global, const absl::Status& status, int exit_code) {
  std::string message(status.message());
  if (exit_code == sketchd::kExitServer) {
    // The server's code and message, verbatim: that is what the user can act on.
    std::cerr << "sketchctl: " << absl::StatusCodeToString(status.code()) << ": " << message
              << "\n";
  } else {
    std::cerr << "sketchctl: " << message << "\n";
  }
  if (global.json) {
    Json out = Json::Object();
    out.Set("ok", false);
    Json error = Json::Object();
    error.Set("code", absl::StatusCodeToString(status.code()));
    error.Set("message", message);
    error.Set("exit_code", exit_code);
    out.Set("error", std::move(error));
    std::cout << out.Dump() << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  // Before any thread exists (core/parallel/blas_threads.h).
  sketchd::BoundBlasWorkerSpinning();
  CLI::App app{
      "sketchctl — client of the sketchd learned-sketch service.\n"
      "Exit codes: 0 ok, 1 negative outcome (failed job, not serving), 2 usage error,\n"
      "3 server/RPC error, 4 input file error. Results on stdout, messages on stderr.",
      "sketchctl"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags may also follow the command
  app.set_help_all_flag("--help-all", "Show help for every command");

  sketchd::GlobalOptions global;
  app.add_option("--server", global.server, "sketchd address HOST[:PORT] (port 50051 if omitted)")
      ->envname("SKETCHD_ADDRESS")
      ->capture_default_str();
  app.add_option("--token", global.token, "bearer token (or env SKETCHD_TOKEN)")
      ->envname("SKETCHD_TOKEN");
  app.add_option("--tls_ca", global.tls_ca, "PEM file of the CA that signed the server's "
                                            "certificate (enables TLS)");
  app.add_option("--tls_cert", global.tls_cert, "PEM client certificate (mutual TLS)");
  app.add_option("--tls_key", global.tls_key, "PEM private key of --tls_cert");
  app.add_option("--tls_server_name", global.tls_server_name,
                 "name to verify in the server's certificate instead of HOST");
  app.add_option("--timeout", global.timeout_seconds, "seconds allowed per request")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_flag("--json", global.json, "print exactly one JSON object on stdout");

  sketchd::CommandSlot slot;
  sketchd::AddDatasetCommands(app, global, &slot);
  sketchd::AddTrainingCommands(app, global, &slot);
  sketchd::AddSketchCommands(app, global, &slot);
  sketchd::AddComputeCommands(app, global, &slot);
  sketchd::AddHealthCommand(app, global, &slot);
  sketchd::AddLocalCommands(app, global, &slot);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    // Usage errors: the message, then a pointer to the help of the command.
    PrintError(global, absl::InvalidArgumentError(e.what()), sketchd::kExitUsage);
    std::cerr << "Run with --help for usage.\n";
    return sketchd::kExitUsage;
  }
  if (!slot.action) {
    std::cerr << app.help();
    return sketchd::kExitUsage;
  }

  // No exception may end the process with a bare "terminate called": an
  // allocation that fails on a huge input becomes RESOURCE_EXHAUSTED, exit 3.
  absl::StatusOr<CommandResult> result = sketchd::CallAtBoundary("sketchctl", slot.action);
  if (!result.ok()) {
    const int code = sketchd::ExitCodeOf(result.status(), sketchd::kExitServer);
    PrintError(global, result.status(), code);
    return code;
  }
  if (global.json) {
    Json out = Json::Object();
    out.Set("ok", result->exit_code == sketchd::kExitOk);
    for (const auto& [key, value] : result->json.members()) out.Set(key, value);
    std::cout << out.Dump() << "\n";
  } else {
    std::cout << result->text;
    if (!result->text.empty() && result->text.back() != '\n') std::cout << "\n";
  }
  std::cout.flush();
  return result->exit_code;
}
