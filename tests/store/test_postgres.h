// A throw-away PostgreSQL 15 for tests: initdb into a temp directory (as the
// unprivileged `postgres` user when the tests run as root, since the server
// refuses to run as root), started on a free loopback port, stopped and
// deleted at process exit. Each test asks for a fresh database.
//
// Without the server binaries (a developer machine without Debian's
// `postgresql` package) PostgreSQL tests skip with a loud message; under CI
// (env CI=true) that skip is a failure, because CI installs PostgreSQL.
//
// The binaries are taken from /usr/lib/postgresql/15/bin (override with
// SKETCHD_PG_BIN), never from PATH: /usr/local/bin/pg_ctl may be a stub.
#ifndef SKETCHD_TESTS_STORE_TEST_POSTGRES_H_
#define SKETCHD_TESTS_STORE_TEST_POSTGRES_H_

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "tests/testing/loopback_port.h"

namespace sketchd::testing {

class TestPostgres {
 public:
  // The process-wide instance, started on first use.
  static TestPostgres& Get() {
    static TestPostgres* instance = [] {
      auto* pg = new TestPostgres();
      pg->Start();
      std::atexit([] { Get().Destroy(); });
      return pg;
    }();
    return *instance;
  }

  bool available() const { return status_.ok(); }
  const absl::Status& status() const { return status_; }
  int port() const { return port_; }

  // postgresql://postgres@127.0.0.1:PORT/<new empty database>
  absl::StatusOr<std::string> NewDatabase() {
    if (!available()) return status_;
    const std::string name =
        absl::StrCat("sketchd_test_", getpid(), "_", counter_.fetch_add(1));
    PGconn* conn = PQconnectdb(Url("postgres").c_str());
    absl::Status s;
    if (PQstatus(conn) != CONNECTION_OK) {
      s = absl::UnavailableError(PQerrorMessage(conn));
    } else {
      PGresult* r = PQexec(conn, absl::StrCat("CREATE DATABASE ", name).c_str());
      if (PQresultStatus(r) != PGRES_COMMAND_OK) s = absl::InternalError(PQerrorMessage(conn));
      PQclear(r);
    }
    PQfinish(conn);
    if (!s.ok()) return s;
    return Url(name);
  }

  std::string Url(const std::string& db) const {
    return absl::StrCat("postgresql://postgres@127.0.0.1:", port_, "/", db);
  }

  // pg_ctl stop/start (same port, same data): to test recovery.
  absl::Status Stop() { return Ctl("-m fast stop"); }
  absl::Status StartAgain() { return Ctl(StartArgs()); }
  // Immediate stop and removal of the cluster (at exit).
  void Destroy() {
    if (root_.empty()) return;
    Ctl("-m immediate stop").IgnoreError();
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
    root_.clear();
  }

  // The message a PostgreSQL test prints when it cannot run; a failure
  // under CI.
  static bool MustRun() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
  }

 private:
  TestPostgres() = default;

  std::string Bin(const char* tool) const { return bin_ + "/" + tool; }

  // Runs a PostgreSQL tool as the postgres user when we are root.
  int Run(const std::string& command) const {
    const std::string as_user = getuid() == 0 ? "runuser -u postgres -- " : "";
    const std::string full = absl::StrCat(as_user, command, " >>", root_, "/tools.log 2>&1");
    return std::system(full.c_str());
  }

  std::string StartArgs() const {
    // fsync off: a test cluster need not survive power loss; it saves
    // seconds per test.
    return absl::StrCat("-w -t 60 -l ", root_, "/server.log -o \"-p ", port_,
                        " -c listen_addresses=127.0.0.1 -k ", root_,
                        " -c fsync=off -c max_connections=200\" start");
  }

  absl::Status Ctl(const std::string& args) {
    if (root_.empty()) return absl::FailedPreconditionError("test PostgreSQL never started");
    if (Run(absl::StrCat(Bin("pg_ctl"), " -D ", root_, "/data ", args)) != 0) {
      return absl::InternalError(absl::StrCat("pg_ctl ", args, " failed; see ", root_, "/tools.log"));
    }
    return absl::OkStatus();
  }

  void Start() {
    const char* env_bin = std::getenv("SKETCHD_PG_BIN");
    bin_ = env_bin != nullptr ? env_bin : "/usr/lib/postgresql/15/bin";
    if (!std::filesystem::exists(Bin("initdb")) || !std::filesystem::exists(Bin("pg_ctl"))) {
      status_ = absl::UnavailableError(absl::StrCat(
          "PostgreSQL 15 server binaries not found in ", bin_,
          " (install Debian's `postgresql` package, or set SKETCHD_PG_BIN)"));
      return;
    }
    if (getuid() == 0 && getpwnam("postgres") == nullptr) {
      status_ = absl::UnavailableError(
          "running as root but there is no `postgres` user to run the test server as");
      return;
    }
    char tmpl[] = "/tmp/sketchd-pg-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) {
      status_ = absl::InternalError("cannot create a temp directory for PostgreSQL");
      return;
    }
    root_ = tmpl;
    if (getuid() == 0) {
      const passwd* pw = getpwnam("postgres");
      if (chown(root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        status_ = absl::InternalError(absl::StrCat("cannot chown ", root_, " to postgres"));
        return;
      }
    }
    if (Run(absl::StrCat(Bin("initdb"), " -D ", root_, "/data -U postgres -A trust -E UTF8 "
                                                       "--no-locale --no-sync")) != 0) {
      status_ = absl::InternalError(absl::StrCat("initdb failed; see ", root_, "/tools.log"));
      return;
    }
    port_ = FreeLoopbackPort();
    status_ = Ctl(StartArgs());
    if (status_.ok()) {
      std::fprintf(stderr, "test PostgreSQL 15 on 127.0.0.1:%d, data in %s\n", port_,
                   root_.c_str());
    }
  }

  std::string bin_;
  std::string root_;
  int port_ = 0;
  absl::Status status_ = absl::UnavailableError("not started");
  std::atomic<int> counter_{0};
};

}  // namespace sketchd::testing

// For a test's SetUp: when the test PostgreSQL cannot run, print a loud
// line and skip — or fail, under CI=true.
#define SKETCHD_REQUIRE_TEST_POSTGRES()                                                      \
  do {                                                                                       \
    ::sketchd::testing::TestPostgres& pg_ = ::sketchd::testing::TestPostgres::Get();         \
    if (!pg_.available()) {                                                                  \
      const std::string msg_ = "\n*** PostgreSQL tests NOT RUN: " +                         \
                               std::string(pg_.status().message()) + " ***\n";              \
      std::fprintf(stderr, "%s", msg_.c_str());                                              \
      if (::sketchd::testing::TestPostgres::MustRun()) {                                     \
        FAIL() << msg_ << "(CI=true: PostgreSQL must be available)";                         \
      }                                                                                      \
      GTEST_SKIP() << msg_;                                                                  \
    }                                                                                        \
  } while (0)

#endif  // SKETCHD_TESTS_STORE_TEST_POSTGRES_H_
