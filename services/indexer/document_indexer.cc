#include "indexer/document_indexer.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace lc::indexer {
namespace {

IndexedText MetadataOnly(std::string reason) {
  return IndexedText{v1::FULLTEXT_STATE_METADATA_ONLY, std::move(reason), ""};
}

}  // namespace

bool IsTransient(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kUnavailable:
    case absl::StatusCode::kDeadlineExceeded:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kCancelled:
      return true;
    default:
      return false;
  }
}

DocumentIndexer::DocumentIndexer(ContentSource& source, TextExtractor& extractor, IndexCaps caps,
                                 std::set<std::string> text_export_providers)
    : source_(source),
      extractor_(extractor),
      caps_(caps),
      text_export_providers_(std::move(text_export_providers)) {}

absl::StatusOr<IndexedText> DocumentIndexer::FromText(const std::string& text, const char* how) {
  IndexedText out{v1::FULLTEXT_STATE_INDEXED, "", text};
  if (static_cast<int64_t>(out.content.size()) > caps_.max_chars) {
    TruncateUtf8(out.content, caps_.max_chars);
    out.reason = absl::StrCat("text cut at ", caps_.max_chars, " characters");
  }
  if (absl::StripAsciiWhitespace(out.content).empty()) {
    return MetadataOnly(absl::StrCat("no text found (", how, ")"));
  }
  return out;
}

absl::StatusOr<IndexedText> DocumentIndexer::Index(const v1::Document& doc) {
  const v1::BlobMetadata& meta = doc.blob_metadata();
  const bool native = meta.native_document();
  const bool try_export = native || text_export_providers_.count(doc.blob().provider()) > 0;

  if (try_export) {
    auto text = source_.Fetch(doc.blob(), v1::CONTENT_FORMAT_TEXT, doc.owner(),
                              caps_.max_fetch_bytes, caps_.fetch_timeout);
    if (text.ok()) return FromText(DecodeText(text->bytes), "text export");
    if (IsTransient(text.status())) return text.status();
    if (text.status().code() == absl::StatusCode::kResourceExhausted) {
      return MetadataOnly(
          absl::StrCat("the text export is larger than the ", caps_.max_fetch_bytes, " byte cap"));
    }
    if (native && text.status().code() == absl::StatusCode::kFailedPrecondition) {
      // The type has no text (a Google Drawing): the provider says which
      // exports it has instead.
      return MetadataOnly(absl::StrCat("no text to index: ", text.status().message()));
    }
    if (native) {
      return MetadataOnly(
          absl::StrCat("the provider's text export failed: ", text.status().message()));
    }
    // No export for this file: fall back to the bytes.
  }

  if (meta.has_size() && meta.size() > caps_.max_fetch_bytes) {
    return MetadataOnly(absl::StrCat("the file is ", meta.size(), " bytes, over the ",
                                     caps_.max_fetch_bytes, " byte cap"));
  }
  // Skip the download when no extractor could use the bytes.
  if (DetectFormat(meta.mime_type(), meta.filename(), "") == DocumentFormat::kUnsupported &&
      !meta.mime_type().empty() && meta.mime_type() != "application/octet-stream") {
    return MetadataOnly(absl::StrCat("no text extractor for ", meta.mime_type()));
  }
  auto bytes = source_.Fetch(doc.blob(), v1::CONTENT_FORMAT_ORIGINAL, doc.owner(),
                             caps_.max_fetch_bytes, caps_.fetch_timeout);
  if (!bytes.ok()) {
    if (IsTransient(bytes.status())) return bytes.status();
    if (bytes.status().code() == absl::StatusCode::kResourceExhausted) {
      return MetadataOnly(
          absl::StrCat("the file is larger than the ", caps_.max_fetch_bytes, " byte cap"));
    }
    return MetadataOnly(absl::StrCat("cannot read the file: ", bytes.status().message()));
  }
  const std::string mime = meta.mime_type().empty() ? bytes->mime_type : meta.mime_type();
  DocumentFormat format =
      DetectFormat(mime, meta.filename(), absl::string_view(bytes->bytes).substr(0, 1024));
  if (format == DocumentFormat::kUnsupported) {
    return MetadataOnly(
        absl::StrCat("no text extractor for ", mime.empty() ? "this file type" : mime));
  }
  // Plain text and HTML go through this file's own linear decoders, in
  // process; the third-party parsers (poppler, libzip, pugixml) run in the
  // sandbox.
  auto extracted =
      format == DocumentFormat::kPlainText || format == DocumentFormat::kHtml
          ? ExtractText(format, bytes->bytes, ExtractLimits{.max_chars = caps_.max_chars})
          : extractor_.Extract(format, bytes->bytes);
  if (!extracted.ok()) {
    return MetadataOnly(
        absl::StrCat(FormatName(format), " extraction failed: ", extracted.status().message()));
  }
  auto out = FromText(extracted->text, FormatName(format));
  if (out.ok() && extracted->truncated && out->reason.empty()) {
    out->reason = absl::StrCat("text cut at ", caps_.max_chars, " characters");
  }
  return out;
}

}  // namespace lc::indexer
