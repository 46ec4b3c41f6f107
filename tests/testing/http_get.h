// A minimal HTTP/1.0 GET over loopback for tests that scrape /metrics: no
// HTTP client library is a dependency of the project, and HTTP/1.0 with
// "Connection: close" means the body is simply everything until EOF.
#ifndef SKETCHD_TESTS_TESTING_HTTP_GET_H_
#define SKETCHD_TESTS_TESTING_HTTP_GET_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace sketchd::testing {

// Body of http://127.0.0.1:<port><path>; an error unless the status is 200.
inline absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to 127.0.0.1:", port));
  }
  const std::string request =
      absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::UnavailableError("short write of the HTTP request");
  }
  std::string response;
  char buf[8192];
  ssize_t got;
  while ((got = read(fd, buf, sizeof(buf))) > 0) response.append(buf, got);
  close(fd);
  const size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return absl::DataLossError("no HTTP header end in the response");
  if (!absl::StartsWith(response, "HTTP/1.1 200") && !absl::StartsWith(response, "HTTP/1.0 200")) {
    return absl::FailedPreconditionError(
        absl::StrCat("HTTP status: ", response.substr(0, response.find("\r\n"))));
  }
  return response.substr(body + 4);
}

// The value of the sample written exactly as `series` (name plus its
// {labels} as Prometheus's text format prints them, e.g.
// `sketchd_rpc_total{code="OK",method="ListDatasets"}`), or -1 when absent.
inline double PrometheusSample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!absl::StartsWith(line, series + " ")) continue;
    double value = 0;
    if (absl::SimpleAtod(line.substr(series.size() + 1), &value)) return value;
  }
  return -1;
}

}  // namespace sketchd::testing

#endif  // SKETCHD_TESTS_TESTING_HTTP_GET_H_
