// Waiting on observable state instead of sleeping: a test that sleeps and
// then hopes something happened meanwhile is slow when the machine is idle
// and flaky when it is busy.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "absl/time/time.h"

namespace lc::testing {

// Polls `condition` until it holds or `timeout` passes; true when it held.
// For state nothing notifies (another process, a file, a database); when the
// test owns the event, an absl::Notification or a condition variable is
// better.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout,
             absl::Duration poll = absl::Milliseconds(5));

// Waits until the file at `path` matches `pattern` (ECMAScript regex) and
// returns the first capture group (the whole match when there is none), or
// nullopt after `timeout`. For "listening on port N" lines in a child's log.
std::optional<std::string> WaitForFileMatch(const std::string& path, const std::string& pattern,
                                            absl::Duration timeout);

}  // namespace lc::testing
