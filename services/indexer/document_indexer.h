// Turns one document into index text: the provider's text export where it
// has one, else the bytes through the sandboxed extractors, else metadata
// only, always within the caps. Never throws a document back at the queue
// for a reason that retrying cannot fix.
#pragma once

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "indexer/content_source.h"
#include "indexer/index_store.h"
#include "indexer/sandboxed_extractor.h"

namespace lc::indexer {

struct IndexCaps {
  // Bytes fetched per document (original or text export).
  int64_t max_fetch_bytes = 32 << 20;
  // Characters (UTF-8 bytes) of text kept per document.
  int64_t max_chars = 1 << 20;
  // Time to fetch the content.
  absl::Duration fetch_timeout = absl::Seconds(60);
};

class DocumentIndexer {
 public:
  // text_export_providers: providers asked for a TEXT export before the
  // bytes (Box's extracted_text); native documents always use the export.
  DocumentIndexer(ContentSource& source, TextExtractor& extractor, IndexCaps caps,
                  std::set<std::string> text_export_providers);

  // The text to index, or a transient error (UNAVAILABLE, DEADLINE_EXCEEDED
  // of the fetch, INTERNAL of the provider...) to retry later.
  absl::StatusOr<IndexedText> Index(const v1::Document& doc);

 private:
  absl::StatusOr<IndexedText> FromText(const std::string& text, const char* how);

  ContentSource& source_;
  TextExtractor& extractor_;
  IndexCaps caps_;
  std::set<std::string> text_export_providers_;
};

// A failure retrying may fix.
bool IsTransient(const absl::Status& status);

}  // namespace lc::indexer
