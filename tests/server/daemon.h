// The real sketchd binary in a child process, for tests that must see the
// process itself (SIGKILL, SIGTERM, its memory high-water mark).
#ifndef SKETCHD_TESTS_SERVER_DAEMON_H_
#define SKETCHD_TESTS_SERVER_DAEMON_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "tests/server/server_test_util.h"

namespace sketchd::testing {

// The real binary in a child process; its bound port arrives over a pipe.
class Daemon {
 public:
  // `extra_flags` are appended to the command line (e.g. "--max_job_bytes=…").
  explicit Daemon(const std::string& data_dir, std::vector<std::string> extra_flags = {}) {
    // argv is built before fork: the child of a threaded process may not allocate.
    const std::string bin = std::string(SKETCHD_BINARY_DIR) + "/server/sketchd";
    std::vector<std::string> args = {bin, "--listen=127.0.0.1:0", "--data_dir=" + data_dir,
                                     "--port_file_fd=100", "--training_threads=1"};
    args.insert(args.end(), extra_flags.begin(), extra_flags.end());
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      // fd 100 is far above the pipe's own fds, so closing those is safe.
      dup2(fds[1], 100);
      close(fds[0]);
      close(fds[1]);
      const int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 2);
      execv(bin.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    char buf[32] = {0};
    ssize_t got = 0, r;
    while ((r = read(fds[0], buf + got, sizeof(buf) - 1 - got)) > 0) got += r;
    close(fds[0]);
    port_ = std::atoi(buf);
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(port_),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::SketchService::NewStub(channel_);
  }
  ~Daemon() { Kill(SIGKILL); }
  void Kill(int sig) {
    if (pid_ > 0) {
      kill(pid_, sig);
      int status;
      waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  int wait_status_after(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  v1::SketchService::Stub* stub() { return stub_.get(); }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SketchService::Stub> stub_;
};

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_SERVER_DAEMON_H_
