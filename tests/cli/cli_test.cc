// sketchctl end to end: a real sketchd subprocess (temporary data dir, free
// port, bearer token) and real sketchctl subprocesses. Checks what scripts
// rely on — exit codes, one JSON object on stdout with --json, messages on
// stderr — and that the answers match core computed in process.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client/json.h"
#include "core/io/npy.h"
#include "core/lowrank/scw_low_rank.h"
#include "core/lowrank/two_sided_sketch.h"
#include "core/regression/solve.h"
#include "core/training/train_options_text.h"
#include "core/training/trained_sketch.h"

extern char** environ;

namespace sketchd {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr char kToken[] = "cli-test-token-5f3a";

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
  Json json;  // parsed stdout when it is one JSON object
};

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Deterministic pseudo-random numbers in [-1, 1) (tests must not depend on
// the standard library's generators).
class Lcg {
 public:
  explicit Lcg(uint64_t seed) : state_(seed * 6364136223846793005ULL + 1442695040888963407ULL) {}
  double Next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / static_cast<double>(1ULL << 52) - 1.0;
  }

 private:
  uint64_t state_;
};

// Low rank plus noise, with structure shared across the family (so learning
// has something to find).
std::vector<RowMatrixXd> MakeFamily(int count, int n, int d, uint64_t seed) {
  Lcg rng(seed);
  RowMatrixXd basis_left(n, 4), basis_right(4, d);
  for (double& v : basis_left.reshaped()) v = rng.Next();
  for (double& v : basis_right.reshaped()) v = rng.Next();
  std::vector<RowMatrixXd> family;
  for (int i = 0; i < count; ++i) {
    RowMatrixXd mix(4, 4), noise(n, d);
    for (double& v : mix.reshaped()) v = rng.Next();
    for (double& v : noise.reshaped()) v = 0.05 * rng.Next();
    family.push_back(basis_left * mix * basis_right + noise);
  }
  return family;
}

class CliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fs::temp_directory_path() /
                        ("sketchd-cli-test-" + std::to_string(getpid())));
    fs::remove_all(*dir_);
    fs::create_directories(*dir_ / "data");
    std::ofstream(*dir_ / "tokens") << kToken << "\n";

    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    server_pid_ = fork();
    if (server_pid_ == 0) {
      // fds[0] may itself be 3: close it before moving the write end there.
      close(fds[0]);
      if (fds[1] != 3) {
        dup2(fds[1], 3);
        close(fds[1]);
      }
      const int log = open((*dir_ / "sketchd.log").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(log, 2);
      const std::string bin = std::string(SKETCHD_BINARY_DIR) + "/server/sketchd";
      const std::string data = "--data_dir=" + (*dir_ / "data").string();
      const std::string tokens = "--auth_token_file=" + (*dir_ / "tokens").string();
      execl(bin.c_str(), bin.c_str(), "--listen=127.0.0.1:0", data.c_str(), tokens.c_str(),
            "--port_file_fd=3", "--training_threads=1", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    std::string line;
    pollfd pfd{fds[0], POLLIN, 0};
    while (line.find('\n') == std::string::npos && poll(&pfd, 1, 20000) > 0) {
      char buf[32];
      const ssize_t r = read(fds[0], buf, sizeof(buf));
      if (r <= 0) break;
      line.append(buf, r);
    }
    close(fds[0]);
    port_ = std::atoi(line.c_str());
    ASSERT_GT(port_, 0) << "sketchd did not report its port; log:\n"
                        << ReadFile(*dir_ / "sketchd.log");
  }

  static void TearDownTestSuite() {
    if (server_pid_ > 0) {
      kill(server_pid_, SIGTERM);
      int status = 0;
      waitpid(server_pid_, &status, 0);
      server_pid_ = -1;
    }
    fs::remove_all(*dir_);
    delete dir_;
  }

  static fs::path Path(const std::string& name) { return *dir_ / name; }
  static std::string Address() { return "127.0.0.1:" + std::to_string(port_); }

  // Runs sketchctl with `args`; the server address and token come from the
  // environment (as a user would set them) unless `env` overrides.
  static Outcome Run(std::vector<std::string> args,
                     std::vector<std::string> env = {"SKETCHD_TOKEN=" + std::string(kToken)}) {
    static int counter = 0;
    const fs::path out_path = Path("stdout." + std::to_string(counter));
    const fs::path err_path = Path("stderr." + std::to_string(counter++));
    std::vector<std::string> environment;
    for (char** e = environ; *e != nullptr; ++e) {
      if (std::string(*e).rfind("SKETCHD_", 0) != 0) environment.emplace_back(*e);
    }
    bool own_address = false;
    for (const auto& e : env) own_address |= e.rfind("SKETCHD_ADDRESS=", 0) == 0;
    if (!own_address) environment.push_back("SKETCHD_ADDRESS=" + Address());
    for (auto& e : env) environment.push_back(e);

    const std::string bin = std::string(SKETCHD_BINARY_DIR) + "/client/sketchctl";
    args.insert(args.begin(), bin);
    const pid_t pid = fork();
    if (pid == 0) {
      const int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(out, 1);
      dup2(err, 2);
      std::vector<char*> argv, envp;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      for (auto& e : environment) envp.push_back(e.data());
      envp.push_back(nullptr);
      execve(bin.c_str(), argv.data(), envp.data());
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    Outcome o;
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = ReadFile(out_path);
    o.err = ReadFile(err_path);
    auto parsed = Json::Parse(o.out);
    if (parsed.ok()) o.json = std::move(*parsed);
    return o;
  }

  // Runs sketchctl on a pseudo-terminal of `columns` columns (util-linux
  // `script`), with `input` typed on it; returns what the terminal showed
  // (stdout and stderr together) and the exit code.
  static Outcome RunInTerminal(const std::vector<std::string>& args, const std::string& input,
                               int columns = 80) {
    static int counter = 0;
    const fs::path screen = Path("tty." + std::to_string(counter++));
    std::string command = "stty cols " + std::to_string(columns) + "; exec " +
                          std::string(SKETCHD_BINARY_DIR) + "/client/sketchctl";
    for (const std::string& a : args) command += " '" + a + "'";
    const std::string shell = "printf '" + input + "' | env SKETCHD_ADDRESS=" + Address() +
                              " SKETCHD_TOKEN=" + kToken + " script -qec \"" + command +
                              "\" /dev/null > " + screen.string() + " 2>&1";
    const int status = std::system(shell.c_str());
    Outcome o;
    o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    o.out = ReadFile(screen);
    return o;
  }

  static std::string Describe(const Outcome& o) {
    return "exit " + std::to_string(o.exit_code) + "\nstdout: " + o.out + "\nstderr: " + o.err;
  }

  static fs::path* dir_;
  static pid_t server_pid_;
  static int port_;
};

fs::path* CliTest::dir_ = nullptr;
pid_t CliTest::server_pid_ = -1;
int CliTest::port_ = 0;

TEST_F(CliTest, HealthIsServing) {
  Outcome o = Run({"health"});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_THAT(o.out, HasSubstr("SERVING"));
  o = Run({"--json", "health"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.Find("status")->as_string(), "SERVING");
}

TEST_F(CliTest, UnreachableServerIsExitThree) {
  // A port that was free a moment ago: nothing listens there.
  const int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  close(s);
  Outcome o = Run({"--server", "127.0.0.1:" + std::to_string(port), "datasets", "list"});
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("UNAVAILABLE"));
}

TEST_F(CliTest, UsageErrorsAreExitTwo) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"no-such-command"},
           {"datasets"},
           {"datasets", "create", "x"},                              // --rows missing
           {"datasets", "create", "x", "--rows", "-3"},              // not positive
           {"train", "x", "--method", "magic", "--m", "4"},          // unknown method
           {"lowrank", "x", "in.npy"},                               // --k missing
           {"datasets", "list", "--bogus-flag"},
           {"lowrank", "x", "in.npy", "--k", "2", "--sketch", "latest"},
           {"local", "lowrank", "--sketch", "random", "--k", "2", "in.npy"},  // no --m
       }) {
    Outcome o = Run(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(o.exit_code, 2) << joined << "\n" << Describe(o);
    EXPECT_FALSE(o.err.empty()) << joined;
  }
  // --help is not an error.
  Outcome o = Run({"solve", "--help"});
  EXPECT_EQ(o.exit_code, 0);
  EXPECT_THAT(o.out, HasSubstr("--solver"));
  // With --json even a usage error is one JSON object.
  o = Run({"--json", "datasets", "create", "x"});
  EXPECT_EQ(o.exit_code, 2);
  ASSERT_NE(o.json.Find("error"), nullptr) << Describe(o);
  EXPECT_EQ(o.json.FindPath("error.exit_code")->as_int(), 2);
}

// `train` and `local train` share their training flags: each bad value is
// refused by both, before any server or file is touched, with exit 2 and a
// message that names the flag, the rule and the value given.
TEST_F(CliTest, BadTrainFlagsAreExitTwoInBothTrainCommands) {
  struct BadFlag {
    std::vector<std::string> flags;
    std::string expected;  // in the message
  };
  // The messages are core's option table's (train_option_table.h), the same
  // the server gives for StartTraining.
  const std::vector<BadFlag> bad = {
      {{"--method", "magic", "--m", "4"}, "--method: magic not in {random,ivy,"},
      {{"--method", "ivy", "--m", "0"}, "--m: m must be ≥ 1, got 0"},
      {{"--method", "ivy", "--m", "4", "--time-budget", "-1"},
       "--time-budget: time_budget_seconds must be finite and ≥ 0, got -1"},
      {{"--method", "ivy", "--m", "4", "--time-budget=-2.5"},
       "--time-budget: time_budget_seconds must be finite and ≥ 0, got -2.5"},
      {{"--method", "ivy", "--m", "4", "--k", "-3"}, "--k: k must be ≥ 1, got -3"},
      {{"--method", "ivy", "--m", "4", "--k", "three"}, "--k: k must be an integer, got 'three'"},
      {{"--method", "ivy", "--m", "4", "--validation-fraction", "1"},
       "--validation-fraction: validation_fraction must be in [0, 1), got 1"},
      {{"--method", "ivy", "--m", "4", "--heavy-fraction", "1.5"},
       "--heavy-fraction: heavy_fraction must be in [0, 1), got 1.5"},
      {{"--method", "ivy", "--m", "4", "--lasso-lambda-fraction", "0"},
       "--lasso-lambda-fraction: lasso_lambda_fraction must be in (0, 1], got 0"},
      {{"--method", "ivy", "--m", "4", "--learning-rate", "2000"},
       "--learning-rate: learning_rate must be in [0, 1000], got 2000"},
  };
  const std::vector<std::vector<std::string>> commands = {
      {"train", "x"},  // dataset x does not exist: the server is never asked
      {"local", "train", "--out", Path("never.sketch"), Path("no-such-file.npy")},
  };
  for (const auto& command : commands) {
    for (const BadFlag& b : bad) {
      std::vector<std::string> args = command;
      args.insert(args.end(), b.flags.begin(), b.flags.end());
      std::string joined;
      for (const auto& a : args) joined += a + " ";
      Outcome o = Run(args);
      EXPECT_EQ(o.exit_code, 2) << joined << "\n" << Describe(o);
      EXPECT_THAT(o.err, HasSubstr(b.expected)) << joined;
      // Not CLI11's own range text, which prints the bound as ~300 digits.
      EXPECT_LT(o.err.size(), 200u) << joined << "\n" << o.err;
      EXPECT_FALSE(fs::exists(Path("never.sketch")));
    }
  }
}

TEST_F(CliTest, WrongTokenIsUnauthenticated) {
  Outcome o = Run({"datasets", "list"}, {"SKETCHD_TOKEN=not-the-token"});
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("UNAUTHENTICATED"));
  o = Run({"--json", "datasets", "list"}, {});  // no token at all
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_EQ(o.json.FindPath("error.code")->as_string(), "UNAUTHENTICATED");
  EXPECT_FALSE(o.json.Find("ok")->as_bool());
  // --token on the command line works like the environment variable.
  o = Run({"--token", kToken, "datasets", "list"}, {});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
}

TEST_F(CliTest, DatasetLifecycle) {
  Outcome o = Run({"--json", "datasets", "create", "life", "--rows", "40", "--cols", "30",
                   "--description", "a test set"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("dataset.n")->as_int(), 40);
  EXPECT_EQ(o.json.FindPath("dataset.d")->as_int(), 30);

  o = Run({"datasets", "create", "life", "--rows", "40"});
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("ALREADY_EXISTS"));

  o = Run({"--json", "datasets", "list"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  bool found = false;
  for (const Json& d : o.json.Find("datasets")->items()) {
    found |= d.Find("name")->as_string() == "life";
  }
  EXPECT_TRUE(found) << o.out;
  o = Run({"datasets", "list"});
  EXPECT_THAT(o.out, HasSubstr("a test set"));

  o = Run({"--json", "datasets", "show", "life"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("dataset.description")->as_string(), "a test set");

  o = Run({"datasets", "delete", "life"});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
  o = Run({"datasets", "show", "life"});
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_THAT(o.err, HasSubstr("NOT_FOUND"));

  o = Run({"datasets", "create", "../etc", "--rows", "4"});
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("INVALID_ARGUMENT"));
}

TEST_F(CliTest, UploadTrainExportLowRankMatchesCore) {
  const auto family = MakeFamily(12, 40, 30, 7);
  const std::vector<RowMatrixXd> train(family.begin(), family.begin() + 10);
  ASSERT_TRUE(WriteNpyFamily(Path("train.npy").string(), train).ok());
  ASSERT_TRUE(WriteNpyMatrix(Path("test.npy").string(), family[10]).ok());
  // A directory of files is uploaded in sorted order.
  fs::create_directories(Path("more"));
  ASSERT_TRUE(WriteNpyMatrix(Path("more/b.npy").string(), family[11]).ok());
  ASSERT_TRUE(WriteNpyMatrix(Path("more/a.npy").string(), family[0]).ok());

  ASSERT_EQ(Run({"datasets", "create", "fam", "--rows", "40", "--cols", "30"}).exit_code, 0);
  Outcome o = Run({"--json", "upload", "fam", Path("train.npy"), Path("more")});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.Find("matrices_received")->as_int(), 12);
  EXPECT_EQ(o.json.Find("total_matrices")->as_int(), 12);

  // train without --wait prints just the job id.
  o = Run({"train", "fam", "--method", "random", "--k", "3", "--m", "8"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  const int64_t first_job = std::atoll(o.out.c_str());
  EXPECT_GT(first_job, 0) << o.out;
  o = Run({"--json", "jobs", "watch", std::to_string(first_job)});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("job.state")->as_string(), "succeeded");

  o = Run({"--json", "train", "fam", "--method", "inner_product", "--task", "lowrank", "--k",
           "3", "--m", "8", "--seed", "5", "--wait"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("job.state")->as_string(), "succeeded");
  const int64_t version = o.json.FindPath("job.sketch_version")->as_int();
  EXPECT_GT(version, 0);
  EXPECT_EQ(o.json.FindPath("sketch.validation.metric")->as_string(), "mean_excess_error");
  EXPECT_GT(o.json.FindPath("sketch.validation.random")->as_number(), 0);

  o = Run({"--json", "jobs", "list", "fam"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.Find("jobs")->items().size(), 2u);
  o = Run({"jobs", "show", std::to_string(first_job)});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_THAT(o.out, HasSubstr("succeeded"));
  o = Run({"jobs", "cancel", std::to_string(first_job)});  // already finished
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("FAILED_PRECONDITION"));
  o = Run({"jobs", "show", "999999"});
  EXPECT_EQ(o.exit_code, 3);
  EXPECT_THAT(o.err, HasSubstr("NOT_FOUND"));

  o = Run({"--json", "sketches", "list", "fam"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  ASSERT_EQ(o.json.Find("sketches")->items().size(), 2u);
  o = Run({"sketches", "default", "fam", std::to_string(version)});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  o = Run({"sketches", "export", "fam", Path("fam.sketch")});  // the default: `version`
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  auto trained = ParseTrainedSketch(ReadFile(Path("fam.sketch")));
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->options.method, TrainMethod::kInnerProduct);
  EXPECT_EQ(trained->sketch.rows(), 8);

  // Remote lowrank with the default sketch = core SCW with the exported sketch.
  o = Run({"--json", "lowrank", "fam", Path("test.npy"), "--k", "3", "--left", Path("Y.npy"),
           "--right", Path("Z.npy"), "--exact"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("sketch.version")->as_int(), version);
  EXPECT_GE(o.json.FindPath("error.mean_excess_error")->as_number(), -1e-9);
  EXPECT_GT(o.json.FindPath("timings.server_total_seconds")->as_number(), 0);
  auto y = ReadNpyMatrix(Path("Y.npy").string());
  auto z = ReadNpyMatrix(Path("Z.npy").string());
  ASSERT_TRUE(y.ok() && z.ok());
  auto expected = ScwLowRank(trained->sketch, family[10], 3);
  ASSERT_TRUE(expected.ok());
  const MatrixXd got = *y * z->transpose();
  const MatrixXd want = expected->left * expected->right.transpose();
  EXPECT_LT((got - want).norm(), 1e-9 * want.norm());
  // Its error figure is the true one.
  const double error = (family[10] - want).norm();
  EXPECT_NEAR(o.json.FindPath("error.mean_error")->as_number(), error, 1e-9 * error);

  // local lowrank with the exported file gives the same factors.
  o = Run({"--json", "local", "lowrank", "--sketch", Path("fam.sketch"), "--k", "3",
           Path("test.npy"), "--left", Path("lY.npy"), "--right", Path("lZ.npy")});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  auto ly = ReadNpyMatrix(Path("lY.npy").string());
  auto lz = ReadNpyMatrix(Path("lZ.npy").string());
  ASSERT_TRUE(ly.ok() && lz.ok());
  EXPECT_LT((MatrixXd(*ly * lz->transpose()) - want).norm(), 1e-9 * want.norm());

  // One pass, remote and local: core's two-sided answer with the same sketch
  // S and the companions R, T, W drawn from --one-pass-seed.
  auto two_sided = WithRandomCompanions(trained->sketch, family[10].cols(), 0, 0, 5);
  ASSERT_TRUE(two_sided.ok());
  auto one_pass = TwoSidedLowRank(*two_sided, family[10], 3);
  ASSERT_TRUE(one_pass.ok());
  const MatrixXd want_one_pass = one_pass->left * one_pass->right.transpose();
  for (bool local : {false, true}) {
    std::vector<std::string> args = {"--json", "lowrank", "fam"};
    if (local) args = {"--json", "local", "lowrank", "--sketch", Path("fam.sketch").string()};
    for (const std::string& a : {Path("test.npy").string(), std::string("--k"), std::string("3"),
                                 std::string("--one-pass"), std::string("--one-pass-seed"),
                                 std::string("5"), std::string("--left"), Path("oY.npy").string(),
                                 std::string("--right"), Path("oZ.npy").string()}) {
      args.push_back(a);
    }
    o = Run(args);
    ASSERT_EQ(o.exit_code, 0) << Describe(o);
    EXPECT_EQ(o.json.FindPath("sketch.one_pass_core_m")->as_int(), 2 * 8 + 1);
    auto oy = ReadNpyMatrix(Path("oY.npy").string());
    auto oz = ReadNpyMatrix(Path("oZ.npy").string());
    ASSERT_TRUE(oy.ok() && oz.ok());
    EXPECT_LT((MatrixXd(*oy * oz->transpose()) - want_one_pass).norm(),
              1e-9 * want_one_pass.norm())
        << (local ? "local" : "remote");
  }

  // A random sketch by selector, and a stack input (factors come back as stacks).
  o = Run({"--json", "lowrank", "fam", Path("train.npy"), "--k", "3", "--sketch", "random",
           "--m", "8", "--seed", "3", "--left", Path("Ys.npy"), "--right", Path("Zs.npy")});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.Find("matrices")->as_int(), 10);
  auto stack = ReadNpyFamily(Path("Ys.npy").string());
  ASSERT_TRUE(stack.ok());
  EXPECT_EQ(stack->size(), 10u);
}

// --json keeps a seed ≥ 2^63 unsigned and a non-BMP character (U+1F600, four
// bytes of UTF-8) intact in a path, and reads both back.
TEST_F(CliTest, JsonOutputKeepsLargeSeedsAndNonBmpPaths) {
  Lcg rng(5);
  RowMatrixXd a(40, 12);
  for (double& v : a.reshaped()) v = rng.Next();
  ASSERT_TRUE(WriteNpyMatrix(Path("wide.npy").string(), a).ok());
  const std::string left = Path("Y\xF0\x9F\x98\x80.npy").string();
  Outcome o = Run({"--json", "local", "lowrank", "--sketch", "random", "--m", "6", "--seed",
                   "18446744073709551615", "--k", "2", Path("wide.npy"), "--left", left});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_THAT(o.out, testing::HasSubstr("\"seed\":18446744073709551615"));
  EXPECT_THAT(o.out, testing::HasSubstr("Y\xF0\x9F\x98\x80.npy"));
  ASSERT_NE(o.json.FindPath("sketch.seed"), nullptr);
  EXPECT_EQ(o.json.FindPath("sketch.seed")->as_uint(), 18446744073709551615ULL);
  ASSERT_NE(o.json.Find("left"), nullptr);
  EXPECT_EQ(o.json.Find("left")->as_string(), left);
}

// A \u escape of a surrogate pair is one code point; a lone surrogate is an error.
TEST(Json, SurrogatePairsAndUnsignedIntegers) {
  auto pair = Json::Parse("[\"\\ud83d\\ude00\", 9223372036854775808, -1]");
  ASSERT_TRUE(pair.ok()) << pair.status();
  ASSERT_EQ(pair->items().size(), 3u);
  EXPECT_EQ(pair->items()[0].as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(pair->items()[1].as_uint(), 9223372036854775808ULL);
  EXPECT_EQ(pair->items()[2].as_int(), -1);
  EXPECT_EQ(pair->Dump(), "[\"\xF0\x9F\x98\x80\",9223372036854775808,-1]");

  auto lone = Json::Parse("\"\\ud83d\"");
  EXPECT_EQ(lone.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(lone.status().message()), testing::HasSubstr("surrogate"));
}

TEST_F(CliTest, SolveMatchesQr) {
  Lcg rng(11);
  RowMatrixXd a(300, 6);
  VectorXd b(300);
  for (double& v : a.reshaped()) v = rng.Next();
  for (double& v : b) v = rng.Next();
  b += a * VectorXd::LinSpaced(6, 1, 6);
  ASSERT_TRUE(WriteNpyMatrix(Path("A.npy").string(), a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("b.npy").string(), b).ok());
  SolveOptions qr;
  qr.solver = Solver::kQr;
  auto exact = Solve(a, b, qr);
  ASSERT_TRUE(exact.ok());

  ASSERT_EQ(Run({"datasets", "create", "reg", "--rows", "300", "--cols", "6"}).exit_code, 0);
  Outcome o = Run({"--json", "solve", "reg", Path("A.npy"), Path("b.npy"), "--solver", "lsqr",
                   "--sketch", "random", "--m", "30", "--out", Path("x.npy"), "--exact"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  auto x = ReadNpyMatrix(Path("x.npy").string());
  ASSERT_TRUE(x.ok());
  EXPECT_LT((VectorXd(x->col(0)) - exact->x).norm(), 1e-8 * exact->x.norm());
  EXPECT_NEAR(o.json.Find("residual_norm")->as_number(), exact->residual_norm,
              1e-8 * exact->residual_norm);
  EXPECT_NEAR(o.json.Find("residual_ratio")->as_number(), 1.0, 1e-8);
  EXPECT_EQ(o.json.Find("x")->items().size(), 6u);

  // Without a trained regression sketch the default is refused by the server.
  o = Run({"solve", "reg", Path("A.npy"), Path("b.npy")});
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("FAILED_PRECONDITION"));

  // IHS with a LASSO constraint: feasible answer.
  o = Run({"--json", "solve", "reg", Path("A.npy"), Path("b.npy"), "--solver", "ihs",
           "--sketch", "random", "--lasso", "5"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  double l1 = 0;
  for (const Json& v : o.json.Find("x")->items()) l1 += std::abs(v.as_number());
  EXPECT_LE(l1, 5 * (1 + 1e-6));
}

TEST_F(CliTest, BadInputFilesAreExitFour) {
  ASSERT_EQ(Run({"datasets", "create", "bad", "--rows", "8", "--cols", "3"}).exit_code, 0);
  // Missing file.
  Outcome o = Run({"upload", "bad", Path("nope.npy")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("nope.npy"));
  // Corrupt .npy.
  std::ofstream(Path("corrupt.npy"), std::ios::binary) << "\x93NUMPY garbage that is not a header";
  o = Run({"upload", "bad", Path("corrupt.npy")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("corrupt.npy"));
  o = Run({"--json", "lowrank", "bad", Path("corrupt.npy"), "--k", "2"});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  EXPECT_EQ(o.json.FindPath("error.exit_code")->as_int(), 4);
  // Wrong shape for the dataset (5 rows, n = 8): caught before sending.
  ASSERT_TRUE(WriteNpyMatrix(Path("short.npy").string(), RowMatrixXd::Ones(5, 3)).ok());
  o = Run({"upload", "bad", Path("short.npy")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("n = 8"));
  // Files of different shapes in one command.
  ASSERT_TRUE(WriteNpyMatrix(Path("eight.npy").string(), RowMatrixXd::Ones(8, 3)).ok());
  o = Run({"upload", "bad", Path("eight.npy"), Path("short.npy")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  // NaN in the data.
  RowMatrixXd with_nan = RowMatrixXd::Ones(8, 3);
  with_nan(2, 1) = std::nan("");
  std::string npy = ReadFile(Path("eight.npy"));
  {
    // Overwrite one float64 in place (C order: row 2, column 1 → element 7).
    const double nan = std::nan("");
    npy.replace(npy.size() - 8 * 24 + 8 * 7, 8, reinterpret_cast<const char*>(&nan), 8);
    std::ofstream(Path("nan.npy"), std::ios::binary) << npy;
  }
  o = Run({"upload", "bad", Path("nan.npy")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("row 2"));
  // Unknown extension; b of the wrong length.
  std::ofstream(Path("m.txt")) << "1 2 3\n";
  o = Run({"upload", "bad", Path("m.txt")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  ASSERT_TRUE(WriteNpyVector(Path("b5.npy").string(), VectorXd::Ones(5)).ok());
  o = Run({"solve", "bad", Path("eight.npy"), Path("b5.npy"), "--sketch", "random"});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("b5.npy"));
  // CSV and MatrixMarket inputs are accepted.
  std::ofstream csv(Path("eight.csv"));
  for (int i = 0; i < 8; ++i) csv << i << "," << i * i << "," << 1 << "\n";
  csv.close();
  o = Run({"--json", "upload", "bad", Path("eight.csv")});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.Find("matrices_received")->as_int(), 1);
  // Nothing of the failed uploads was stored.
  o = Run({"--json", "datasets", "show", "bad"});
  EXPECT_EQ(o.json.FindPath("dataset.num_training_matrices")->as_int(), 1) << o.out;
}

TEST_F(CliTest, LocalTrainLowRankSolveRoundTrip) {
  const auto family = MakeFamily(10, 40, 30, 21);
  ASSERT_TRUE(WriteNpyFamily(Path("local_train.npy").string(), family).ok());
  Outcome o = Run({"--json", "local", "train", "--method", "inner_product", "--k", "3", "--m",
                   "8", "--out", Path("local.sketch"), Path("local_train.npy")});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("sketch.method")->as_string(), "inner_product");
  auto trained = ParseTrainedSketch(ReadFile(Path("local.sketch")));
  ASSERT_TRUE(trained.ok()) << trained.status();
  EXPECT_EQ(trained->n, 40);

  o = Run({"--json", "local", "lowrank", "--sketch", Path("local.sketch"), "--k", "3",
           Path("local_train.npy"), "--left", Path("LY.npy"), "--right", Path("LZ.npy"),
           "--exact"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  auto y = ReadNpyFamily(Path("LY.npy").string());
  auto z = ReadNpyFamily(Path("LZ.npy").string());
  ASSERT_TRUE(y.ok() && z.ok());
  ASSERT_EQ(y->size(), 10u);
  auto expected = ScwLowRank(trained->sketch, family[4], 3);
  ASSERT_TRUE(expected.ok());
  const MatrixXd want = expected->left * expected->right.transpose();
  EXPECT_LT((MatrixXd((*y)[4] * (*z)[4].transpose()) - want).norm(), 1e-9 * want.norm());
  EXPECT_EQ(o.json.Find("per_matrix")->items().size(), 10u);

  // Regression: [A | b] training matrices, then a solve with the result.
  Lcg rng(5);
  std::vector<RowMatrixXd> problems;
  for (int i = 0; i < 6; ++i) {
    RowMatrixXd ab(200, 5);
    for (double& v : ab.reshaped()) v = rng.Next();
    problems.push_back(ab);
  }
  ASSERT_TRUE(WriteNpyFamily(Path("reg_train.npy").string(), problems).ok());
  o = Run({"--json", "local", "train", "--method", "heavy_rows", "--task", "regression", "--m",
           "24", "--out", Path("reg.sketch"), Path("reg_train.npy")});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  const RowMatrixXd a = problems[0].leftCols(4);
  const VectorXd b = problems[0].col(4);
  ASSERT_TRUE(WriteNpyMatrix(Path("rA.npy").string(), a).ok());
  ASSERT_TRUE(WriteNpyVector(Path("rb.npy").string(), b).ok());
  SolveOptions qr;
  qr.solver = Solver::kQr;
  auto exact = Solve(a, b, qr);
  ASSERT_TRUE(exact.ok());
  for (const std::string& sketch : {Path("reg.sketch").string(), std::string("random")}) {
    o = Run({"--json", "local", "solve", "--sketch", sketch, "--solver", "lsqr", Path("rA.npy"),
             Path("rb.npy"), "--out", Path("rx.npy"), "--exact"});
    ASSERT_EQ(o.exit_code, 0) << Describe(o);
    auto x = ReadNpyMatrix(Path("rx.npy").string());
    ASSERT_TRUE(x.ok());
    EXPECT_LT((VectorXd(x->col(0)) - exact->x).norm(), 1e-8 * exact->x.norm()) << sketch;
  }
  // A sketch for another n is an input error.
  o = Run({"local", "lowrank", "--sketch", Path("reg.sketch"), "--k", "3",
           Path("local_train.npy")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("rows"));
  // Not a sketch file.
  o = Run({"local", "lowrank", "--sketch", Path("rA.npy"), "--k", "3", Path("local_train.npy")});
  EXPECT_EQ(o.exit_code, 4) << Describe(o);
}

// `sketchctl train` (server job) and `sketchctl local train` call the same core
// TrainSketch with the same options from the same flags: identical sketches,
// for every option the flags offer (including those `local train` used to lack).
TEST_F(CliTest, LocalAndServerTrainingGiveTheSameSketch) {
  const auto family = MakeFamily(8, 40, 30, 33);
  ASSERT_TRUE(WriteNpyFamily(Path("same_lr.npy").string(), family).ok());
  Lcg rng(9);
  std::vector<RowMatrixXd> problems;
  for (int i = 0; i < 5; ++i) {
    RowMatrixXd ab(120, 5);
    for (double& v : ab.reshaped()) v = rng.Next();
    problems.push_back(ab);
  }
  ASSERT_TRUE(WriteNpyFamily(Path("same_reg.npy").string(), problems).ok());
  struct Case {
    std::string dataset, file, task;
    int64_t rows, cols;
    std::vector<std::string> flags;
  };
  const std::vector<Case> cases = {
      {"same_lr", "same_lr.npy", "lowrank", 40, 30,
       {"--method", "mixed", "--k", "3", "--m", "8", "--seed", "4", "--iterations", "6",
        "--batch-size", "3", "--learning-rate", "0.02", "--validation-fraction", "0.25",
        "--no-mixed-joint", "--threads", "1"}},
      {"same_reg", "same_reg.npy", "regression", 120, 5,
       {"--method", "heavy_rows", "--task", "regression", "--m", "16", "--seed", "2",
        "--heavy-fraction", "0.5", "--learn-values", "--iterations", "4",
        "--lasso-lambda-fraction", "0.3", "--threads", "1"}},
  };
  for (const Case& c : cases) {
    ASSERT_EQ(Run({"datasets", "create", c.dataset, "--rows", std::to_string(c.rows), "--cols",
                   std::to_string(c.cols)})
                  .exit_code,
              0);
    ASSERT_EQ(Run({"upload", c.dataset, Path(c.file)}).exit_code, 0);
    std::vector<std::string> remote = {"--json", "train", c.dataset, "--wait"};
    remote.insert(remote.end(), c.flags.begin(), c.flags.end());
    Outcome o = Run(remote);
    ASSERT_EQ(o.exit_code, 0) << Describe(o);
    o = Run({"sketches", "export", c.dataset, Path(c.dataset + ".server.sketch"), "--task",
             c.task});
    ASSERT_EQ(o.exit_code, 0) << Describe(o);
    std::vector<std::string> local = {"local", "train", "--out",
                                      Path(c.dataset + ".local.sketch").string()};
    local.insert(local.end(), c.flags.begin(), c.flags.end());
    local.push_back(Path(c.file).string());
    o = Run(local);
    ASSERT_EQ(o.exit_code, 0) << Describe(o);
    auto server = ParseTrainedSketch(ReadFile(Path(c.dataset + ".server.sketch")));
    auto mine = ParseTrainedSketch(ReadFile(Path(c.dataset + ".local.sketch")));
    ASSERT_TRUE(server.ok() && mine.ok()) << server.status() << mine.status();
    EXPECT_EQ(server->sketch, mine->sketch) << c.dataset;
    EXPECT_EQ(server->heavy_rows, mine->heavy_rows) << c.dataset;
    EXPECT_EQ(server->validation.learned, mine->validation.learned) << c.dataset;
    EXPECT_EQ(server->validation.random, mine->validation.random) << c.dataset;
    EXPECT_EQ(EncodeTrainOptions(server->options), EncodeTrainOptions(mine->options))
        << c.dataset;
  }
}

TEST_F(CliTest, SketchdHelpListsFlagsAndVersionIsTheVersion) {
  const std::string bin = std::string(SKETCHD_BINARY_DIR) + "/server/sketchd";
  const fs::path out = Path("sketchd-help.txt");
  int status = std::system((bin + " --help > " + out.string() + " 2>&1").c_str());
  const std::string help = ReadFile(out);
  EXPECT_THAT(help, ::testing::Not(HasSubstr("No flags matched")));
  for (const char* flag : {"--listen", "--data_dir", "--max_request_bytes", "--max_job_bytes",
                           "--memory_budget_bytes", "--max_sketch_rows"}) {
    EXPECT_THAT(help, HasSubstr(flag)) << help;
  }
  status = std::system((bin + " --version > " + out.string() + " 2>&1").c_str());
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(ReadFile(out), "sketchd 0.1.0\n");
}

TEST_F(CliTest, BareHostMeansPort50051) {
  // Whether or not anything listens there, the address used is port 50051
  // (gRPC alone would take "localhost" as localhost:443).
  Outcome o = Run({"--timeout", "2", "health"}, {"SKETCHD_ADDRESS=localhost"});
  EXPECT_THAT(o.out + o.err, HasSubstr("localhost:50051")) << Describe(o);
  EXPECT_THAT(o.out + o.err, ::testing::Not(HasSubstr(":443")));
}

TEST_F(CliTest, SketchSizesThatCannotWorkAreRefusedInPlainWords) {
  const auto family = MakeFamily(4, 24, 10, 3);
  ASSERT_TRUE(WriteNpyFamily(Path("edges.npy").string(), family).ok());
  ASSERT_EQ(Run({"datasets", "create", "edges", "--rows", "24", "--cols", "10"}).exit_code, 0);
  ASSERT_EQ(Run({"upload", "edges", Path("edges.npy")}).exit_code, 0);

  Outcome o = Run({"train", "edges", "--method", "ivy", "--k", "8", "--m", "4"});
  EXPECT_EQ(o.exit_code, 2) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("--k 8 is larger than --m 4"));
  o = Run({"train", "edges", "--method", "ivy", "--k", "3", "--m", "1073741824"});
  EXPECT_EQ(o.exit_code, 2) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("--m 1073741824 is larger than the 24 rows of the matrices"));
  o = Run({"local", "train", "--method", "ivy", "--k", "3", "--m", "25", "--out",
           Path("never.sketch"), Path("edges.npy")});
  EXPECT_EQ(o.exit_code, 2) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("--m 25 is larger than the 24 rows"));
  o = Run({"lowrank", "edges", Path("edges.npy"), "--k", "3", "--sketch", "random", "--m", "100"});
  EXPECT_EQ(o.exit_code, 2) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("--m 100 is larger than the 24 rows"));
  // Method/task mismatch: refused by StartTraining, nothing queued.
  o = Run({"train", "edges", "--method", "heavy_rows", "--task", "lowrank", "--k", "3", "--m", "8"});
  EXPECT_EQ(o.exit_code, 3) << Describe(o);
  EXPECT_THAT(o.err, HasSubstr("INVALID_ARGUMENT: options.method heavy_rows is for TASK_REGRESSION"));
  o = Run({"jobs", "list", "edges"});
  EXPECT_EQ(o.out, "no jobs\n") << Describe(o);
}

// --block-krylov end to end, by the server and in process: the JSON carries
// the flag and core's block Krylov error (smaller than plain iterations' on
// this slowly decaying input), the text names it, and --one-pass with it is
// a usage error before anything is read or sent.
TEST_F(CliTest, BlockKrylovLowRankReportsCoresErrorAndTheFlag) {
  Lcg rng(11);
  RowMatrixXd a(80, 30);
  for (Index i = 0; i < a.rows(); ++i) {
    for (Index j = 0; j < a.cols(); ++j) a(i, j) = rng.Next() / std::sqrt(1.0 + j);
  }
  ASSERT_TRUE(WriteNpyMatrix(Path("krylov.npy").string(), a).ok());
  ASSERT_EQ(Run({"datasets", "create", "krylov", "--rows", "80"}).exit_code, 0);
  LowRankOptions options;
  options.power_iters = 1;
  options.block_krylov = true;
  auto core = ScwLowRank(*CountSketch::Random(8, 80, 3), a, 3, options);
  ASSERT_TRUE(core.ok()) << core.status();
  options.block_krylov = false;
  auto plain = ScwLowRank(*CountSketch::Random(8, 80, 3), a, 3, options);
  ASSERT_TRUE(plain.ok()) << plain.status();
  ASSERT_LT(core->error, plain->error);

  const std::vector<std::string> flags = {"--k", "3", "--sketch", "random", "--m", "8",
                                          "--seed", "3", "--power-iters", "1", "--block-krylov"};
  for (const bool local : {false, true}) {
    std::vector<std::string> args = local ? std::vector<std::string>{"local", "lowrank"}
                                          : std::vector<std::string>{"lowrank", "krylov"};
    args.push_back(Path("krylov.npy"));
    args.insert(args.end(), flags.begin(), flags.end());
    std::vector<std::string> json_args = args;
    json_args.insert(json_args.begin(), "--json");
    Outcome o = Run(json_args);
    ASSERT_EQ(o.exit_code, 0) << Describe(o);
    ASSERT_NE(o.json.Find("block_krylov"), nullptr) << o.out;
    EXPECT_TRUE(o.json.Find("block_krylov")->as_bool()) << (local ? "local" : "remote");
    EXPECT_EQ(o.json.Find("power_iters")->as_int(), 1);
    EXPECT_EQ(o.json.Find("passes")->as_int(), 4);
    EXPECT_NEAR(o.json.Find("mean_error")->as_number(), core->error, 1e-10 * core->error)
        << (local ? "local" : "remote");

    o = Run(args);
    ASSERT_EQ(o.exit_code, 0) << Describe(o);
    EXPECT_THAT(o.out, HasSubstr("1 block Krylov iterations, 4 passes over A")) << o.out;

    args.push_back("--one-pass");
    o = Run(args);
    EXPECT_EQ(o.exit_code, 2) << Describe(o);
    EXPECT_THAT(o.err, HasSubstr("--block-krylov keeps the blocks of power iterations, but "
                                 "--one-pass reads A once"));
  }
}

// A job's error comes as Job.error_code and Job.error apart: sketchctl
// prints "CODE: message" itself, and --json keeps them apart. (Every option
// core would refuse is refused by StartTraining first, so a cancelled job
// stands in for a failed one.)
TEST_F(CliTest, JobErrorsPrintTheirStatusCode) {
  const auto family = MakeFamily(8, 40, 12, 5);
  ASSERT_TRUE(WriteNpyFamily(Path("slow.npy").string(), family).ok());
  ASSERT_EQ(Run({"datasets", "create", "slow", "--rows", "40"}).exit_code, 0);
  ASSERT_EQ(Run({"upload", "slow", Path("slow.npy")}).exit_code, 0);
  Outcome o = Run({"--json", "train", "slow", "--method", "ivy", "--k", "3", "--m", "8",
                   "--iterations", "1000000"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  const std::string id = std::to_string(o.json.FindPath("job.job_id")->as_int());
  ASSERT_EQ(Run({"jobs", "cancel", id}).exit_code, 0);
  for (int i = 0; i < 100; ++i) {
    o = Run({"--json", "jobs", "show", id});
    if (o.json.FindPath("job.state") != nullptr &&
        o.json.FindPath("job.state")->as_string() == "cancelled") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("job.state")->as_string(), "cancelled");
  EXPECT_EQ(o.json.FindPath("job.error_code")->as_string(), "CANCELLED");
  EXPECT_THAT(o.json.FindPath("job.error")->as_string(), ::testing::StartsWith("cancelled"));
  o = Run({"jobs", "show", id});
  EXPECT_THAT(o.out, HasSubstr("error: CANCELLED: cancelled")) << Describe(o);
  o = Run({"jobs", "list", "slow"});
  EXPECT_THAT(o.out, HasSubstr("CANCELLED: cancelled")) << Describe(o);
}

// A dense subspace sketch reports after --wait and exports (the report asked
// the server for positions/values only, which a dense sketch has not); a
// random one reaches the exported file as its seed and applies locally.
TEST_F(CliTest, SubspaceReportsAndExportsAndRandomExportsAsItsSeed) {
  const auto family = MakeFamily(8, 24, 10, 4);
  ASSERT_TRUE(WriteNpyFamily(Path("sub.npy").string(), family).ok());
  ASSERT_TRUE(WriteNpyMatrix(Path("sub_test.npy").string(), family[0]).ok());
  ASSERT_EQ(Run({"datasets", "create", "sub", "--rows", "24", "--cols", "10"}).exit_code, 0);
  ASSERT_EQ(Run({"upload", "sub", Path("sub.npy")}).exit_code, 0);

  Outcome o = Run({"--json", "train", "sub", "--method", "subspace", "--k", "3", "--m", "8",
                   "--wait"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_EQ(o.json.FindPath("job.state")->as_string(), "succeeded");
  EXPECT_EQ(o.json.FindPath("sketch.method")->as_string(), "subspace");
  const int64_t dense_version = o.json.FindPath("job.sketch_version")->as_int();
  o = Run({"sketches", "export", "sub", Path("sub_dense.sketch"), "--version",
           std::to_string(dense_version)});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  auto dense = ParseTrainedSketch(ReadFile(Path("sub_dense.sketch")));
  ASSERT_TRUE(dense.ok()) << dense.status();
  EXPECT_TRUE(dense->is_dense());
  EXPECT_EQ(dense->m(), 8);

  o = Run({"--json", "train", "sub", "--method", "random", "--k", "3", "--m", "8", "--seed",
           "9", "--wait"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  const int64_t random_version = o.json.FindPath("job.sketch_version")->as_int();
  o = Run({"sketches", "export", "sub", Path("sub_random.sketch"), "--version",
           std::to_string(random_version)});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);
  auto random = ParseTrainedSketch(ReadFile(Path("sub_random.sketch")));
  ASSERT_TRUE(random.ok()) << random.status();
  ASSERT_TRUE(random->sketch.random_block(0).has_value());
  EXPECT_EQ(random->sketch.random_block(0)->seed, 9u);
  EXPECT_EQ(SerializeSketch(random->sketch).size(), 46u);  // stored as the seed
  EXPECT_EQ(random->sketch, *CountSketch::Random(8, 24, 9));
  o = Run({"--json", "local", "lowrank", "--sketch", Path("sub_random.sketch"), "--k", "3",
           Path("sub_test.npy")});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
}

TEST_F(CliTest, DeletesAskOnATerminalAndSketchesDeleteExists) {
  const auto family = MakeFamily(4, 24, 10, 4);
  ASSERT_TRUE(WriteNpyFamily(Path("gone.npy").string(), family).ok());
  ASSERT_EQ(Run({"datasets", "create", "gone", "--rows", "24", "--cols", "10"}).exit_code, 0);
  ASSERT_EQ(Run({"upload", "gone", Path("gone.npy")}).exit_code, 0);
  Outcome o = Run({"train", "gone", "--method", "random", "--k", "3", "--m", "8", "--wait"});
  ASSERT_EQ(o.exit_code, 0) << Describe(o);

  // Sketch delete: "n" keeps it; --yes deletes without asking.
  o = RunInTerminal({"sketches", "delete", "gone", "1"}, "n\n");
  EXPECT_EQ(o.exit_code, 1) << o.out;
  EXPECT_THAT(o.out, HasSubstr("Delete sketch v1 of dataset gone? [y/N]"));
  EXPECT_THAT(o.out, HasSubstr("nothing was deleted"));
  EXPECT_THAT(Run({"sketches", "list", "gone"}).out, HasSubstr("v1"));
  o = Run({"sketches", "delete", "gone", "1", "--yes"});
  EXPECT_EQ(o.exit_code, 0) << Describe(o);
  EXPECT_THAT(o.out, HasSubstr("deleted sketch v1 of gone"));
  EXPECT_THAT(Run({"sketches", "list", "gone"}).out, ::testing::Not(HasSubstr("v1 ")));

  // Dataset delete on a terminal asks; "n" keeps it, "y" deletes.
  o = RunInTerminal({"datasets", "delete", "gone"}, "n\n");
  EXPECT_EQ(o.exit_code, 1) << o.out;
  EXPECT_THAT(o.out, HasSubstr("Delete dataset gone with all its training matrices"));
  EXPECT_EQ(Run({"datasets", "show", "gone"}).exit_code, 0);
  o = RunInTerminal({"datasets", "delete", "gone"}, "y\n");
  EXPECT_EQ(o.exit_code, 0) << o.out;
  EXPECT_THAT(o.out, HasSubstr("deleted dataset gone"));
  EXPECT_EQ(Run({"datasets", "show", "gone"}).exit_code, 3);
}

TEST_F(CliTest, CtrlCWhileWaitingSaysTheJobGoesOn) {
  const auto family = MakeFamily(6, 24, 10, 5);
  ASSERT_TRUE(WriteNpyFamily(Path("long.npy").string(), family).ok());
  ASSERT_EQ(Run({"datasets", "create", "long", "--rows", "24", "--cols", "10"}).exit_code, 0);
  ASSERT_EQ(Run({"upload", "long", Path("long.npy")}).exit_code, 0);
  const fs::path err_path = Path("ctrl-c.err");
  const std::string bin = std::string(SKETCHD_BINARY_DIR) + "/client/sketchctl";
  std::vector<std::string> args = {bin, "--server", Address(), "--token", kToken, "train", "long",
                                   "--method", "ivy", "--k", "3", "--m", "8", "--iterations",
                                   "1000000", "--wait"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(err, 2);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  // Interrupt once it follows the job.
  for (int i = 0; i < 200 && ReadFile(err_path).find("started job") == std::string::npos; ++i) {
    usleep(50'000);
  }
  usleep(200'000);
  kill(pid, SIGINT);
  int status = 0;
  waitpid(pid, &status, 0);
  const std::string err = ReadFile(err_path);
  ASSERT_TRUE(WIFEXITED(status)) << err;
  EXPECT_EQ(WEXITSTATUS(status), 130) << err;
  const std::string id = err.substr(err.find("started job ") + 12,
                                    err.find(' ', err.find("started job ") + 12) -
                                        (err.find("started job ") + 12));
  EXPECT_THAT(err, HasSubstr("job " + id + " goes on running on the server"));
  EXPECT_THAT(err, HasSubstr("sketchctl jobs watch " + id));
  EXPECT_THAT(err, HasSubstr("sketchctl jobs cancel " + id));
  // It really does go on; cancel it.
  Outcome o = Run({"--json", "jobs", "show", id});
  EXPECT_THAT(o.json.FindPath("job.state")->as_string(), ::testing::AnyOf("queued", "running"));
  EXPECT_EQ(Run({"jobs", "cancel", id}).exit_code, 0);
}

TEST_F(CliTest, ProgressBarFitsANarrowTerminal) {
  const auto family = MakeFamily(6, 24, 10, 6);
  ASSERT_TRUE(WriteNpyFamily(Path("narrow.npy").string(), family).ok());
  ASSERT_EQ(Run({"datasets", "create", "narrow", "--rows", "24", "--cols", "10"}).exit_code, 0);
  ASSERT_EQ(Run({"upload", "narrow", Path("narrow.npy")}).exit_code, 0);
  Outcome o = RunInTerminal({"train", "narrow", "--method", "ivy", "--k", "3", "--m", "8",
                             "--iterations", "40", "--wait"},
                            "", 30);
  ASSERT_EQ(o.exit_code, 0) << o.out;
  // Every redraw of the bar (text after a carriage return) fits in 29 columns.
  int bars = 0;
  size_t at = 0;
  while ((at = o.out.find("\r[", at)) != std::string::npos) {
    ++at;
    const size_t end = o.out.find_first_of("\r\n", at);
    const std::string drawn = o.out.substr(at, end - at);
    size_t points = 0;
    for (unsigned char c : drawn) points += (c & 0xC0) != 0x80;
    EXPECT_LE(points, 29u) << "'" << drawn << "'";
    ++bars;
  }
  EXPECT_GT(bars, 0) << o.out;
}

}  // namespace
}  // namespace sketchd
