// What Google Drive exports a native (Docs Editors) document to: the formats
// each native type has (Drive's "Export MIME types for Google Workspace
// documents" table) and the bytes of each export, made from the document's
// text as the emulator stores it.
//
// A native document's content is its text. A Sheet's text is CSV, its sheets
// separated by a line holding only a form feed ("\f"); a Presentation's slides
// are separated the same way. Exports that Drive limits to the first sheet or
// slide (CSV, TSV, the Slides images) take the first part only.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lc::emulator::drive {

struct ExportFormat {
  std::string mime_type;   // files.export ?mimeType= and the exportLinks key
  std::string web_format;  // exportFormat= of the exportLinks URL
};

// The formats of a native type ("application/vnd.google-apps.document"), in
// the order of Drive's table; empty for a type Drive exports to nothing
// (Forms, Sites, shortcuts, folders, binary files).
const std::vector<ExportFormat>& ExportFormats(const std::string& native_mime);
// The format of that type with this MIME type, or with this exportFormat.
std::optional<ExportFormat> FindExportByMime(const std::string& native_mime,
                                             const std::string& mime);
std::optional<ExportFormat> FindExportByWebFormat(const std::string& native_mime,
                                                  const std::string& web_format);

// The bytes of `format` for a document of that type named `title` whose
// stored text is `text`. Only formats of ExportFormats(native_mime).
std::string ExportDocument(const std::string& native_mime, const std::string& title,
                           const std::string& text, const ExportFormat& format);

// The parts of a Sheet's or Presentation's text (sheets, slides).
std::vector<std::string> SplitParts(const std::string& text);
// RFC 4180 CSV rows.
std::vector<std::vector<std::string>> ParseCsv(const std::string& csv);
// A ZIP archive of the files, stored (no compression), in the given order.
std::string ZipArchive(const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace lc::emulator::drive
