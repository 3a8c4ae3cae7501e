// Runs the text extractors in a child process, so that a parser that
// crashes, loops or allocates without bound cannot take the service down:
// the child (the indexer-extract binary) gets the bytes on stdin from a
// memfd, writes the text to a pipe, runs under rlimits on CPU time and
// address space, and is killed when the wall-clock cap passes.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "indexer/text_extractors.h"

namespace lc::indexer {

struct SandboxLimits {
  ExtractLimits extract;
  absl::Duration timeout = absl::Seconds(30);
  // RLIMIT_AS of the child.
  int64_t max_memory_bytes = int64_t{1} << 30;
};

// What extracts text; the sandboxed implementation is the production one,
// tests may substitute an in-process one.
class TextExtractor {
 public:
  virtual ~TextExtractor() = default;
  // Errors say why in words a person can act on: DEADLINE_EXCEEDED (over the
  // time cap), RESOURCE_EXHAUSTED (output, unzip or memory cap), INTERNAL
  // (the extractor crashed), INVALID_ARGUMENT (the bytes do not parse),
  // UNIMPLEMENTED (no extractor for the format).
  virtual absl::StatusOr<Extracted> Extract(DocumentFormat format, absl::string_view bytes) = 0;
};

class SandboxedExtractor : public TextExtractor {
 public:
  // helper_path: the indexer-extract binary.
  SandboxedExtractor(std::string helper_path, SandboxLimits limits)
      : helper_path_(std::move(helper_path)), limits_(limits) {}

  absl::StatusOr<Extracted> Extract(DocumentFormat format, absl::string_view bytes) override;

 private:
  std::string helper_path_;
  SandboxLimits limits_;
};

// The default location of the helper: next to the running binary.
std::string DefaultHelperPath();

// The child's side: reads stdin, extracts, writes the framed answer to
// stdout. argv: --format NAME --max-chars N --max-unzipped N. Returns the
// process exit code.
int RunExtractHelper(int argc, char** argv);

}  // namespace lc::indexer
