// Text extraction from a file's bytes: plain text with charset detection,
// HTML, PDF (poppler), Office Open XML (docx, xlsx, pptx) and OpenDocument
// (odt, ods, odp). These parsers run on untrusted bytes, so the service only
// calls them inside the sandboxed child process (sandboxed_extractor.h).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lc::indexer {

enum class DocumentFormat {
  kUnsupported,
  kPlainText,
  kHtml,
  kPdf,
  kDocx,
  kXlsx,
  kPptx,
  kOpenDocument,
};

const char* FormatName(DocumentFormat format);

// Decides the format from the MIME type, the file name's extension and the
// first bytes (magic numbers win over a wrong name: a ".pdf" that does not
// start with %PDF is not treated as PDF).
DocumentFormat DetectFormat(absl::string_view mime_type, absl::string_view filename,
                            absl::string_view head);

struct ExtractLimits {
  // Characters (bytes of UTF-8) of text kept; extraction stops there.
  int64_t max_chars = 1 << 20;
  // Bytes one archive member may unzip to (zip bombs stop here).
  int64_t max_unzipped_bytes = 64 << 20;
};

struct Extracted {
  std::string text;  // UTF-8
  bool truncated = false;
};

// Extracts UTF-8 text. UNIMPLEMENTED for kUnsupported; INVALID_ARGUMENT for
// bytes that do not parse as the format; RESOURCE_EXHAUSTED when an archive
// member is over max_unzipped_bytes.
absl::StatusOr<Extracted> ExtractText(DocumentFormat format, absl::string_view bytes,
                                      const ExtractLimits& limits);

// Charset detection for plain text: a UTF-8, UTF-16 LE or UTF-16 BE byte
// order mark; else valid UTF-8; else UTF-16 without BOM when the zero bytes
// say so; else Latin-1. Returns UTF-8.
std::string DecodeText(absl::string_view bytes);

// Tags stripped, script/style/noscript/template dropped, entities decoded,
// whitespace collapsed; block elements end a line.
std::string HtmlToText(absl::string_view html);

// Cuts UTF-8 text to at most max_bytes bytes without splitting a character.
void TruncateUtf8(std::string& text, int64_t max_bytes);

}  // namespace lc::indexer
