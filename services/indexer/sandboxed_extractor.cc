#include "indexer/sandboxed_extractor.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace lc::indexer {
namespace {

// Answer frame from the child: 'T' + ('1' truncated | '0') + text, or
// 'E' + decimal status code + ':' + message.
constexpr char kText = 'T';
constexpr char kError = 'E';

bool WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

DocumentFormat FormatFromName(absl::string_view name) {
  for (DocumentFormat f : {DocumentFormat::kPlainText, DocumentFormat::kHtml, DocumentFormat::kPdf,
                           DocumentFormat::kDocx, DocumentFormat::kXlsx, DocumentFormat::kPptx,
                           DocumentFormat::kOpenDocument}) {
    if (name == FormatName(f)) return f;
  }
  return DocumentFormat::kUnsupported;
}

struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) close(fd);
    fd = -1;
  }
};

}  // namespace

std::string DefaultHelperPath() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "indexer-extract";
  std::string self(buf, static_cast<size_t>(n));
  size_t slash = self.rfind('/');
  return (slash == std::string::npos ? std::string() : self.substr(0, slash + 1)) +
         "indexer-extract";
}

absl::StatusOr<Extracted> SandboxedExtractor::Extract(DocumentFormat format,
                                                      absl::string_view bytes) {
  if (format == DocumentFormat::kUnsupported) {
    return absl::UnimplementedError("no text extractor for this file type");
  }
  Fd input;
  input.fd = static_cast<int>(syscall(SYS_memfd_create, "lc-extract-input", MFD_CLOEXEC));
  if (input.fd < 0) return absl::InternalError(absl::StrCat("memfd_create: ", strerror(errno)));
  if (!WriteAll(input.fd, bytes.data(), bytes.size()) || lseek(input.fd, 0, SEEK_SET) != 0) {
    return absl::InternalError(absl::StrCat("cannot stage the bytes: ", strerror(errno)));
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", strerror(errno)));
  }
  Fd read_end{pipe_fds[0]}, write_end{pipe_fds[1]};

  // Everything the child needs is prepared before fork: between fork and
  // exec only async-signal-safe calls are made (the parent has threads).
  std::vector<std::string> args = {helper_path_,
                                   "--format",
                                   FormatName(format),
                                   "--max-chars",
                                   std::to_string(limits_.extract.max_chars),
                                   "--max-unzipped",
                                   std::to_string(limits_.extract.max_unzipped_bytes)};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const rlim_t cpu_seconds = static_cast<rlim_t>(
      absl::ToInt64Seconds(limits_.timeout + absl::Seconds(1) - absl::Nanoseconds(1)));
  const struct rlimit cpu = {cpu_seconds, cpu_seconds + 1};
  const struct rlimit mem = {static_cast<rlim_t>(limits_.max_memory_bytes),
                             static_cast<rlim_t>(limits_.max_memory_bytes)};
  const struct rlimit zero = {0, 0};
  const struct rlimit files = {16, 16};

  pid_t pid = fork();
  if (pid < 0) return absl::UnavailableError(absl::StrCat("fork: ", strerror(errno)));
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDWR);
    if (dup2(input.fd, 0) < 0 || dup2(write_end.fd, 1) < 0 || devnull < 0 || dup2(devnull, 2) < 0) {
      _exit(125);
    }
    syscall(SYS_close_range, 3U, ~0U, 0U);
    setrlimit(RLIMIT_CPU, &cpu);
    setrlimit(RLIMIT_AS, &mem);
    setrlimit(RLIMIT_CORE, &zero);
    setrlimit(RLIMIT_FSIZE, &zero);
    setrlimit(RLIMIT_NOFILE, &files);
    execv(argv[0], argv.data());
    _exit(127);
  }
  write_end.Close();
  input.Close();

  // Read the answer until EOF, the output cap or the deadline.
  const absl::Time deadline = absl::Now() + limits_.timeout;
  const size_t max_output = static_cast<size_t>(limits_.extract.max_chars) + 4096;
  std::string out;
  absl::Status failure;
  char buf[65536];
  while (true) {
    int64_t left_ms = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left_ms <= 0) {
      failure = absl::DeadlineExceededError(absl::StrCat(
          "extraction took more than ", absl::FormatDuration(limits_.timeout), " (killed)"));
      break;
    }
    struct pollfd p = {read_end.fd, POLLIN, 0};
    int ready = poll(&p, 1, static_cast<int>(std::min<int64_t>(left_ms, 1000)));
    if (ready < 0 && errno != EINTR) {
      failure = absl::InternalError(absl::StrCat("poll: ", strerror(errno)));
      break;
    }
    if (ready <= 0) continue;
    ssize_t n = read(read_end.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      failure = absl::InternalError(absl::StrCat("read: ", strerror(errno)));
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > max_output) {
      failure = absl::ResourceExhaustedError("the extractor wrote more than the character cap");
      break;
    }
  }
  if (!failure.ok()) kill(pid, SIGKILL);
  read_end.Close();
  int wstatus = 0;
  while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
  }
  if (!failure.ok()) return failure;
  if (WIFSIGNALED(wstatus)) {
    int sig = WTERMSIG(wstatus);
    if (sig == SIGXCPU || sig == SIGKILL) {
      return absl::DeadlineExceededError(
          absl::StrCat("extraction used more than ", cpu_seconds, " s of CPU time (killed)"));
    }
    return absl::InternalError(
        absl::StrCat("the extractor crashed (signal ", sig, ": ", strsignal(sig), ")"));
  }
  int code = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1;
  if (code == 127) {
    return absl::InternalError(absl::StrCat("cannot run the extractor ", helper_path_));
  }
  if (out.size() >= 2 && out[0] == kText) {
    Extracted e;
    e.truncated = out[1] == '1';
    e.text = out.substr(2);
    TruncateUtf8(e.text, limits_.extract.max_chars);
    return e;
  }
  if (!out.empty() && out[0] == kError) {
    size_t colon = out.find(':');
    int status_code = 0;
    if (colon != std::string::npos && absl::SimpleAtoi(out.substr(1, colon - 1), &status_code) &&
        status_code > 0 && status_code <= 16) {
      return absl::Status(static_cast<absl::StatusCode>(status_code), out.substr(colon + 1));
    }
  }
  // Typically std::bad_alloc under RLIMIT_AS, which aborts.
  return absl::ResourceExhaustedError(absl::StrCat("the extractor stopped without an answer (exit ",
                                                   code, "; out of its memory cap?)"));
}

int RunExtractHelper(int argc, char** argv) {
  DocumentFormat format = DocumentFormat::kUnsupported;
  ExtractLimits limits;
  for (int i = 1; i + 1 < argc; i += 2) {
    absl::string_view flag = argv[i];
    absl::string_view value = argv[i + 1];
    if (flag == "--format") {
      format = FormatFromName(value);
    } else if (flag == "--max-chars") {
      if (!absl::SimpleAtoi(value, &limits.max_chars)) return 2;
    } else if (flag == "--max-unzipped") {
      if (!absl::SimpleAtoi(value, &limits.max_unzipped_bytes)) return 2;
    } else {
      return 2;
    }
  }
  std::string bytes;
  char buf[65536];
  while (true) {
    ssize_t n = read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    bytes.append(buf, static_cast<size_t>(n));
  }
  absl::StatusOr<Extracted> result = ExtractText(format, bytes, limits);
  std::string frame;
  if (result.ok()) {
    frame = absl::StrCat(std::string(1, kText), result->truncated ? "1" : "0", result->text);
  } else {
    frame = absl::StrCat(std::string(1, kError), static_cast<int>(result.status().code()), ":",
                         result.status().message());
  }
  return WriteAll(1, frame.data(), frame.size()) ? 0 : 1;
}

}  // namespace lc::indexer
