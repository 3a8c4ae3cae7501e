#include "testing/wait.h"

#include <fstream>
#include <regex>
#include <sstream>

#include "absl/time/clock.h"

namespace lc::testing {

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout, absl::Duration poll) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    if (condition()) return true;
    if (absl::Now() >= deadline) return false;
    absl::SleepFor(poll);
  }
}

std::optional<std::string> WaitForFileMatch(const std::string& path, const std::string& pattern,
                                            absl::Duration timeout) {
  const std::regex re(pattern);
  std::optional<std::string> found;
  WaitFor(
      [&] {
        std::ifstream in(path);
        if (!in) return false;
        std::stringstream buf;
        buf << in.rdbuf();
        const std::string text = buf.str();
        std::smatch m;
        if (!std::regex_search(text, m, re)) return false;
        found = m.size() > 1 ? m[1].str() : m[0].str();
        return true;
      },
      timeout, absl::Milliseconds(10));
  return found;
}

}  // namespace lc::testing
