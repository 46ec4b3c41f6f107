// nginx (Debian's nginx-light) as a gRPC load balancer on loopback, running
// docker/nginx-grpc.conf — the compose file's config — with its upstream
// service names replaced by the given loopback ports, its listen port by a
// free one and its pid/temp paths by a private directory. Stopped (SIGTERM,
// then SIGKILL) and cleaned up on destruction.
#ifndef SKETCHD_TESTS_TESTING_NGINX_BALANCER_H_
#define SKETCHD_TESTS_TESTING_NGINX_BALANCER_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "tests/testing/loopback_port.h"

namespace sketchd::testing {

class NginxBalancer {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nginx";

  // Starts nginx in front of 127.0.0.1:<port> for each replica port. The
  // config must name exactly as many `server sketchd-N:50051` upstreams.
  static absl::StatusOr<std::unique_ptr<NginxBalancer>> Start(const std::string& config_path,
                                                              const std::vector<int>& replica_ports) {
    if (!std::filesystem::exists(kBinary)) {
      return absl::UnavailableError(
          absl::StrCat(kBinary, " not found (install Debian's nginx-light)"));
    }
    std::ifstream in(config_path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", config_path));
    std::stringstream text;
    text << in.rdbuf();
    std::unique_ptr<NginxBalancer> lb(new NginxBalancer());
    char tmpl[] = "/tmp/sketchd-nginx-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return absl::InternalError("mkdtemp failed");
    lb->dir_ = tmpl;
    // nginx's workers run as `nobody` when started as root: they must be
    // able to use the temp directories.
    std::filesystem::permissions(lb->dir_, std::filesystem::perms::all);
    lb->port_ = FreeLoopbackPort();
    std::string config = text.str();
    std::vector<std::pair<std::string, std::string>> edits = {
        {"listen 8080 http2", absl::StrCat("listen 127.0.0.1:", lb->port_, " http2")},
        {"/tmp/", lb->dir_ + "/"}};
    for (size_t i = 0; i < replica_ports.size(); ++i) {
      edits.push_back({absl::StrCat("server sketchd-", i + 1, ":50051"),
                       absl::StrCat("server 127.0.0.1:", replica_ports[i])});
    }
    for (const auto& [from, to] : edits) {
      if (config.find(from) == std::string::npos) {
        return absl::FailedPreconditionError(
            absl::StrCat(config_path, " no longer contains '", from, "'"));
      }
    }
    config = absl::StrReplaceAll(config, edits);
    if (config.find("server sketchd-") != std::string::npos) {
      return absl::FailedPreconditionError(absl::StrCat(
          config_path, " names more upstream replicas than the ", replica_ports.size(), " given"));
    }
    const std::string conf = lb->dir_ + "/nginx.conf";
    std::ofstream(conf) << config;
    const std::string log = lb->dir_ + "/nginx.log";
    lb->pid_ = fork();
    if (lb->pid_ == 0) {
      const int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      dup2(err, 2);
      execl(kBinary, kBinary, "-e", log.c_str(), "-p", lb->dir_.c_str(), "-c", conf.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    // Listening once a TCP connect succeeds.
    for (int i = 0; i < 200; ++i) {
      if (LoopbackPortListening(lb->port_)) return lb;
      int status;
      if (waitpid(lb->pid_, &status, WNOHANG) == lb->pid_) {
        lb->pid_ = -1;
        std::ifstream l(log);
        std::stringstream why;
        why << l.rdbuf();
        return absl::InternalError(absl::StrCat("nginx exited at start: ", why.str()));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return absl::DeadlineExceededError("nginx did not listen within 10 s");
  }

  ~NginxBalancer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);  // fast shutdown of master and workers
      int status;
      for (int i = 0; i < 100 && waitpid(pid_, &status, WNOHANG) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (waitpid(pid_, &status, WNOHANG) == 0) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
      }
    }
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  int port() const { return port_; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  NginxBalancer() = default;

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_TESTING_NGINX_BALANCER_H_
