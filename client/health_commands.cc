// sketchctl health: the standard gRPC health check (also the container's
// HEALTHCHECK). Exit 0 only when the server answers SERVING.
#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "client/cli.h"
#include "client/cli_remote.h"
#include "core/status_macros.h"

namespace sketchd {

void AddHealthCommand(CLI::App& app, const GlobalOptions& global, CommandSlot* slot) {
  CLI::App* cmd =
      app.add_subcommand("health", "Ask the server's health service; exit 0 when SERVING");
  cmd->callback([&global, slot] {
    slot->action = [&global]() -> absl::StatusOr<CommandResult> {
      SKETCHD_ASSIGN_OR_RETURN(auto client, MakeClient(global));
      SKETCHD_ASSIGN_OR_RETURN(std::string status, client->Health());
      CommandResult result;
      const std::string address = WithDefaultPort(global.server);
      result.json.Set("server", address);
      result.json.Set("status", status);
      result.text = absl::StrCat(address, ": ", status, "\n");
      result.exit_code = status == "SERVING" ? kExitOk : kExitNegative;
      return result;
    };
  });
}

}  // namespace sketchd
