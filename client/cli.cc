#include "client/cli.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace sketchd {

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

namespace {

// Columns of the terminal on stderr; 80 when it does not say.
int TerminalColumns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// The longest prefix of UTF-8 `text` with at most `columns` code points
// (never cuts a multi-byte character); *count gets its code points.
std::string FitColumns(const std::string& text, int columns, int* count) {
  int points = 0;
  size_t end = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (points == columns) break;
    ++points;
    end = i + 1;
    while (end < text.size() && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) ++end;
  }
  *count = points;
  return text.substr(0, end);
}

}  // namespace

void ProgressBar::Update(double fraction, const std::string& message) {
  if (!enabled_) return;
  fraction = std::clamp(fraction, 0.0, 1.0);
  // A line longer than the terminal wraps, and "\r" then redraws only its
  // last part: every update would add a line. Keep it one column short of
  // the width (some terminals wrap when the last column is written) and
  // shrink the bar itself on very narrow ones.
  const int columns = std::max(1, TerminalColumns() - 1);
  const int bar_width = std::clamp(columns / 3, 5, 30);
  const int filled = static_cast<int>(std::lround(fraction * bar_width));
  int width = 0;
  const std::string drawn = FitColumns(
      absl::StrCat("[", std::string(filled, '#'), std::string(bar_width - filled, ' '), "] ",
                   absl::StrFormat("%3d%%", static_cast<int>(fraction * 100)), " ", message),
      columns, &width);
  std::string line = absl::StrCat("\r", drawn);
  if (width < last_width_) line.append(std::min(last_width_, columns) - width, ' ');
  last_width_ = width;
  std::fputs(line.c_str(), stderr);
  std::fflush(stderr);
  drawn_ = true;
}

absl::Status ConfirmOnTerminal(const std::string& question) {
  if (isatty(STDIN_FILENO) != 1) return absl::OkStatus();
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) answer.clear();
  if (answer == "y" || answer == "Y" || answer == "yes" || answer == "YES") return absl::OkStatus();
  return WithExitCode(absl::CancelledError("not confirmed; nothing was deleted (--yes skips the question)"),
                      kExitNegative);
}

absl::Status CheckSketchSize(int64_t k, int64_t m, int64_t n) {
  if (k > 0 && m > 0 && k > m) {
    return UsageError(absl::StrCat(
        "--k ", k, " is larger than --m ", m, ": a rank-", k, " approximation needs a sketch of "
        "at least ", k, " rows; use --m ", k, " or more (2k = ", 2 * k, " is typical)"));
  }
  if (n > 0 && m > n) {
    return UsageError(absl::StrCat(
        "--m ", m, " is larger than the ", n, " rows of the matrices: a sketch with more rows "
        "than the input compresses nothing; use --m ", n, " or less"));
  }
  return absl::OkStatus();
}

namespace {
// Written by the SIGINT handler with write(2): async-signal-safe, so the
// text is prepared before the handler can run.
char g_interrupt_message[512];
size_t g_interrupt_length = 0;
struct sigaction g_previous_sigint;

void OnInterrupt(int) {
  ssize_t ignored = write(STDERR_FILENO, g_interrupt_message, g_interrupt_length);
  (void)ignored;
  _exit(130);  // 128 + SIGINT, as a shell reports it
}
}  // namespace

InterruptMessage::InterruptMessage(const std::string& message) {
  g_interrupt_length = std::min(message.size(), sizeof(g_interrupt_message));
  std::memcpy(g_interrupt_message, message.data(), g_interrupt_length);
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_sigint);
}

InterruptMessage::~InterruptMessage() { sigaction(SIGINT, &g_previous_sigint, nullptr); }

void ProgressBar::Finish() {
  if (drawn_) {
    std::fputs("\n", stderr);
    drawn_ = false;
  }
}

std::string FormatTable(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  auto display_width = [](const std::string& s) {
    // Count UTF-8 code points, not bytes, so "×" aligns.
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  };
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size(), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out += line + "\n";
  }
  return out;
}

std::string FormatNumber(double value) { return absl::StrFormat("%.4g", value); }

std::string FormatSeconds(double seconds) {
  if (seconds < 1e-3) return absl::StrFormat("%.0f µs", seconds * 1e6);
  if (seconds < 1) return absl::StrFormat("%.1f ms", seconds * 1e3);
  return absl::StrFormat("%.2f s", seconds);
}

std::string FormatBytes(int64_t bytes) {
  if (bytes < 1024) return absl::StrCat(bytes, " B");
  if (bytes < 1024 * 1024) return absl::StrFormat("%.1f KiB", bytes / 1024.0);
  if (bytes < int64_t{1} << 30) return absl::StrFormat("%.1f MiB", bytes / (1024.0 * 1024.0));
  return absl::StrFormat("%.2f GiB", bytes / (1024.0 * 1024.0 * 1024.0));
}

}  // namespace sketchd
