#include "server/mpi_training_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <utility>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/io/npy.h"
#include "core/parallel/parallel_for.h"
#include "core/status_macros.h"
#include "core/training/train_option_table.h"

namespace sketchd {
namespace {

constexpr size_t kTailBytes = 2000;

bool IsExecutableFile(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// Flag name as client/training_flags.h registers it: the first long flag.
std::string FlagStem(absl::string_view flags) {
  absl::string_view first = flags.substr(0, flags.find(','));
  while (!first.empty() && first.front() == '-') first.remove_prefix(1);
  return std::string(first);
}

// Removes the job directory whatever happens.
struct DirGuard {
  std::string path;
  ~DirGuard() {
    if (path.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

struct Pipe {
  int read = -1, write = -1;
  ~Pipe() {
    if (read >= 0) ::close(read);
    if (write >= 0) ::close(write);
  }
};

absl::Status MakePipe(Pipe* p) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  p->read = fds[0];
  p->write = fds[1];
  return absl::OkStatus();
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// {"progress":0.42,"message":"…"} → callback; other lines are ignored.
void ForwardProgressLine(const std::string& line, const ProgressCallback& progress) {
  if (!progress) return;
  nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.contains("progress") || !j["progress"].is_number()) return;
  std::string message;
  if (j.contains("message") && j["message"].is_string()) message = j["message"].get<std::string>();
  progress(j["progress"].get<double>(), message);
}

// A process as /proc/PID/stat shows it: parent and start time (so that a
// reused pid is never mistaken for one of ours).
struct ProcInfo {
  pid_t ppid = 0;
  unsigned long long start = 0;
};

bool ReadProc(pid_t pid, ProcInfo* info) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const size_t close = stat.rfind(')');  // the command may contain spaces and ')'
  if (close == std::string::npos) return false;
  std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
  // After the command: state(0) ppid(1) … starttime is field 22 overall, 19 here.
  if (fields.size() < 20) return false;
  info->ppid = static_cast<pid_t>(std::atoll(fields[1].c_str()));
  info->start = std::strtoull(fields[19].c_str(), nullptr, 10);
  return true;
}

// Adds every live descendant of `root` to `seen` (pid → start time). Open MPI
// puts each local rank in its own process group, so killing mpirun's group
// does not reach them; this list does, even after mpirun is gone.
void AddDescendants(pid_t root, std::map<pid_t, unsigned long long>* seen) {
  std::map<pid_t, std::vector<std::pair<pid_t, unsigned long long>>> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    ProcInfo info;
    const pid_t pid = static_cast<pid_t>(std::atoll(name.c_str()));
    if (ReadProc(pid, &info)) children[info.ppid].push_back({pid, info.start});
  }
  std::vector<pid_t> todo = {root};
  while (!todo.empty()) {
    const pid_t p = todo.back();
    todo.pop_back();
    for (const auto& [child, start] : children[p]) {
      if (seen->emplace(child, start).second) todo.push_back(child);
    }
  }
}

// mpirun's own explanations come framed by lines of dashes ("Primary job
// terminated normally, but 1 process returned a non-zero exit code…"); the
// ranks' words (e.g. "sketchmpi: rank 1: x.npy: no such file") are what a
// job error should show. Everything when nothing else is left.
std::string WithoutMpirunBanners(const std::string& text) {
  std::string kept;
  bool inside = false;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.size() >= 20 && line.find_first_not_of('-') == absl::string_view::npos) {
      inside = !inside;
      continue;
    }
    if (!inside && !line.empty()) absl::StrAppend(&kept, line, "\n");
  }
  return kept.empty() ? text : kept;
}

void KillSeen(const std::map<pid_t, unsigned long long>& seen) {
  for (const auto& [pid, start] : seen) {
    ProcInfo info;
    if (ReadProc(pid, &info) && info.start == start) ::kill(pid, SIGKILL);
  }
}

}  // namespace

absl::StatusOr<std::string> ResolveExecutable(const std::string& name) {
  if (name.empty()) return absl::NotFoundError("empty program name");
  if (name.find('/') != std::string::npos) {
    if (IsExecutableFile(name)) return name;
    return absl::NotFoundError(absl::StrCat("'", name, "' is not an executable file"));
  }
  const char* path = std::getenv("PATH");
  for (absl::string_view dir : absl::StrSplit(path != nullptr ? path : "", ':')) {
    if (dir.empty()) continue;
    std::string candidate = absl::StrCat(dir, "/", name);
    if (IsExecutableFile(candidate)) return candidate;
  }
  return absl::NotFoundError(absl::StrCat("'", name, "' not found in PATH"));
}

std::vector<std::string> SketchmpiTrainFlags(const TrainOptions& options) {
  std::vector<std::string> flags;
  for (const TrainOptionRow& row : TrainOptionTable()) {
    const std::string stem = FlagStem(row.flags);
    const std::string value = row.format(options);
    if (row.type == TrainOptionType::kBool) {
      flags.push_back(absl::StrCat(value == "1" ? "--" : "--no-", stem));
    } else {
      flags.push_back(absl::StrCat("--", stem));
      flags.push_back(value);
    }
  }
  return flags;
}

absl::Status CheckSketchmpiSupports(const TrainOptions& options) {
  // sketchmpi train runs every method and option of core's table (greedy and
  // subspace through the reducer, time budgets by rank 0's clock) except
  // transpose: it splits rows of A over ranks, not rows of Aᵀ.
  if (options.transpose) {
    return absl::FailedPreconditionError(
        "transpose is not available with this server's MPI training backend "
        "(--train_backend mpi); train range sketches with the in-process backend");
  }
  return absl::OkStatus();
}

int ThreadsPerRank(int threads, int ranks) {
  return std::max(1, ResolveThreads(threads) / std::max(1, ranks));
}

absl::StatusOr<std::vector<std::string>> SplitMpirunArgs(std::string_view text) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word has started (possibly empty, as from "")
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 == text.size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--mpirun_args: a backslash at the end (character ", i + 1,
            ") escapes nothing; write \\\\ for a literal backslash"));
      }
      word.push_back(text[++i]);
      continue;
    }
    if (c != '\'' && c != '"') {
      word.push_back(c);
      continue;
    }
    const size_t open = i;
    for (++i; i < text.size() && text[i] != c; ++i) {
      if (c == '"' && text[i] == '\\' && i + 1 < text.size() &&
          (text[i + 1] == '"' || text[i + 1] == '\\')) {
        ++i;
      }
      word.push_back(text[i]);
    }
    if (i == text.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--mpirun_args: the ", c == '"' ? "double" : "single", " quote at character ", open + 1,
          " is never closed (in: ", std::string(text), "); close it with a matching ",
          std::string(1, c)));
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

absl::StatusOr<std::shared_ptr<MpiTrainingBackend>> MpiTrainingBackend::Create(
    MpiTrainingBackendOptions options) {
  auto mpirun = ResolveExecutable(options.mpirun);
  if (!mpirun.ok()) {
    return absl::NotFoundError(absl::StrCat("--mpirun: ", mpirun.status().message()));
  }
  auto sketchmpi = ResolveExecutable(options.sketchmpi);
  if (!sketchmpi.ok()) {
    return absl::NotFoundError(absl::StrCat("--sketchmpi: ", sketchmpi.status().message()));
  }
  if (options.ranks < 1) return absl::InvalidArgumentError("--mpi_ranks must be ≥ 1");
  options.mpirun = *mpirun;
  options.sketchmpi = *sketchmpi;
  std::error_code ec;
  std::filesystem::create_directories(options.work_dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create MPI work directory '", options.work_dir, "': ", ec.message()));
  }
  return std::shared_ptr<MpiTrainingBackend>(new MpiTrainingBackend(std::move(options)));
}

absl::StatusOr<TrainedSketch> MpiTrainingBackend::Train(const TrainingRequest& request,
                                                        const ProgressCallback& progress,
                                                        const CancelToken& cancel) {
  SKETCHD_RETURN_IF_ERROR(CheckSketchmpiSupports(request.options));

  // The job directory: one .npy per matrix, named so that sorting (how
  // sketchmpi lists a directory) keeps upload order.
  std::string tmpl =
      (std::filesystem::path(options_.work_dir) / absl::StrCat("job-", request.job_id, "-XXXXXX"))
          .string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot create a job directory under '", options_.work_dir, "': ",
                     std::strerror(errno)));
  }
  DirGuard guard{tmpl};
  const std::filesystem::path dir(tmpl);
  const std::filesystem::path inputs = dir / "matrices";
  std::filesystem::create_directory(inputs);
  const int64_t count = request.matrices->count();
  for (int64_t i = 0; i < count; ++i) {
    if (cancel.cancelled()) return absl::CancelledError("cancelled while exporting matrices");
    SKETCHD_ASSIGN_OR_RETURN(RowMatrixXd a, request.matrices->Next());
    char name[32];
    std::snprintf(name, sizeof(name), "m%09lld.npy", static_cast<long long>(i));
    SKETCHD_RETURN_IF_ERROR(WriteNpyMatrix((inputs / name).string(), a));
    if (progress) progress(0, absl::StrCat("mpi: exported ", i + 1, "/", count, " matrices"));
  }
  const std::string out = (dir / "sketch.sketch").string();

  // argv, built before fork (only async-signal-safe calls in the child).
  std::vector<std::string> args = {options_.mpirun};
  for (const std::string& a : options_.mpirun_args) args.push_back(a);
  args.insert(args.end(), {"-np", std::to_string(options_.ranks), options_.sketchmpi, "train"});
  // The job's threads are shared by its ranks (see the header).
  TrainOptions per_rank = request.options;
  per_rank.threads = ThreadsPerRank(request.options.threads, options_.ranks);
  for (std::string& f : SketchmpiTrainFlags(per_rank)) args.push_back(std::move(f));
  args.insert(args.end(), {"--progress-fd", "2", "--out", out, inputs.string()});
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  Pipe output_pipe;
  SKETCHD_RETURN_IF_ERROR(MakePipe(&output_pipe));
  const int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);

  const pid_t pid = ::fork();
  if (pid < 0) {
    if (devnull >= 0) ::close(devnull);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // Own process group, so that a cancel can reach mpirun's whole group.
    ::setpgid(0, 0);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);  // sketchd blocks SIGTERM in its threads
    ::signal(SIGPIPE, SIG_DFL);  // an ignored signal would be inherited by mpirun
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(output_pipe.write, 1);
    ::dup2(output_pipe.write, 2);
    // Nothing else of the server's (sockets, the database) reaches mpirun.
#ifdef SYS_close_range
    if (::syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
    {
      for (int fd = 3; fd < 4096; ++fd) ::close(fd);
    }
    ::execv(argv[0], argv.data());
    static const char kMsg[] = "sketchd: exec of mpirun failed\n";
    (void)!::write(2, kMsg, sizeof(kMsg) - 1);
    ::_exit(127);
  }
  if (devnull >= 0) ::close(devnull);
  ::close(output_pipe.write);
  output_pipe.write = -1;

  // mpirun's stdout and stderr, line by line: rank 0's JSON progress lines
  // go to `progress`, the rest is kept (its tail) for an error message.
  std::string pending, output;
  const auto take_line = [&](const std::string& line) {
    if (absl::StartsWith(line, "{\"progress\":")) {
      ForwardProgressLine(line, progress);
      return;
    }
    absl::StrAppend(&output, line, "\n");
    if (output.size() > 4 * kTailBytes) output.erase(0, output.size() - kTailBytes);
  };
  bool output_open = true, exited = false;
  int wait_status = 0;
  bool cancelling = false, killed = false;
  double term_at = 0, exit_at = 0;
  std::map<pid_t, unsigned long long> tree;  // mpirun's descendants, while cancelling
  while (true) {
    if (cancelling && !exited) AddDescendants(pid, &tree);
    if (!exited) {
      const pid_t w = ::waitpid(pid, &wait_status, WNOHANG);
      if (w == pid) {
        exited = true;
        exit_at = Now();
      }
    }
    // Ranks that outlive mpirun may hold the pipe open: stop waiting after 2 s.
    if (exited && (!output_open || Now() - exit_at > 2)) break;
    if (!cancelling && cancel.cancelled()) {
      cancelling = true;
      term_at = Now();
      ::kill(pid, SIGTERM);
    }
    if (cancelling && !killed && Now() - term_at > options_.kill_grace_seconds) {
      killed = true;
      AddDescendants(pid, &tree);
      ::kill(-pid, SIGKILL);
      KillSeen(tree);
    }
    if (!output_open) {
      ::usleep(20 * 1000);
      continue;
    }
    pollfd fds = {output_pipe.read, POLLIN, 0};
    if (::poll(&fds, 1, 100) <= 0) continue;
    char buf[4096];
    const ssize_t n = ::read(output_pipe.read, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      output_open = false;
      continue;
    }
    pending.append(buf, static_cast<size_t>(n));
    size_t nl;
    while ((nl = pending.find('\n')) != std::string::npos) {
      take_line(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  if (!pending.empty()) take_line(pending);
  if (!exited) {
    AddDescendants(pid, &tree);
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, &wait_status, 0);
  }
  // Whatever of the tree is left (ranks that outlived mpirun) goes too.
  ::kill(-pid, SIGKILL);
  KillSeen(tree);

  if (cancelling) return absl::CancelledError("cancelled; mpirun stopped");
  output = WithoutMpirunBanners(output);
  if (output.size() > kTailBytes) output.erase(0, output.size() - kTailBytes);
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  const std::string tail = output.empty() ? "" : absl::StrCat(": ", output);
  if (WIFSIGNALED(wait_status)) {
    return absl::InternalError(
        absl::StrCat("mpirun killed by signal ", WTERMSIG(wait_status), tail));
  }
  const int code = WEXITSTATUS(wait_status);
  if (code == 2) return absl::InvalidArgumentError(absl::StrCat("sketchmpi train refused the options", tail));
  if (code == 4) return absl::FailedPreconditionError(absl::StrCat("sketchmpi train: input error", tail));
  if (code != 0) {
    return absl::InternalError(absl::StrCat("mpirun exited with status ", code, tail));
  }

  std::ifstream in(out, std::ios::binary);
  if (!in) return absl::InternalError(absl::StrCat("sketchmpi wrote no sketch file", tail));
  std::stringstream bytes;
  bytes << in.rdbuf();
  auto trained = ParseTrainedSketch(bytes.str());
  if (!trained.ok()) {
    return absl::InternalError(
        absl::StrCat("sketch file from sketchmpi: ", trained.status().message()));
  }
  if (progress) progress(1, "mpi: sketch read back");
  return trained;
}

}  // namespace sketchd
