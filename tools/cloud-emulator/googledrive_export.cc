#include "googledrive_export.h"

#include <zlib.h>

#include <cstdint>
#include <map>

#include "util.h"

namespace lc::emulator::drive {
namespace {

constexpr char kDocument[] = "application/vnd.google-apps.document";
constexpr char kSpreadsheet[] = "application/vnd.google-apps.spreadsheet";
constexpr char kPresentation[] = "application/vnd.google-apps.presentation";
constexpr char kDrawing[] = "application/vnd.google-apps.drawing";
constexpr char kScript[] = "application/vnd.google-apps.script";

constexpr char kDocx[] = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
constexpr char kXlsx[] = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
constexpr char kPptx[] =
    "application/vnd.openxmlformats-officedocument.presentationml.presentation";
constexpr char kOdt[] = "application/vnd.oasis.opendocument.text";
constexpr char kOds[] = "application/vnd.oasis.opendocument.spreadsheet";
constexpr char kOdp[] = "application/vnd.oasis.opendocument.presentation";

const std::map<std::string, std::vector<ExportFormat>>& Table() {
  static const auto* table = new std::map<std::string, std::vector<ExportFormat>>{
      {kDocument,
       {{kDocx, "docx"},
        {kOdt, "odt"},
        {"application/rtf", "rtf"},
        {"application/pdf", "pdf"},
        {"text/plain", "txt"},
        {"text/html", "html"},
        {"application/zip", "zip"},
        {"application/epub+zip", "epub"},
        {"text/markdown", "md"}}},
      {kSpreadsheet,
       {{kXlsx, "xlsx"},
        {kOds, "ods"},
        {"application/pdf", "pdf"},
        {"application/zip", "zip"},
        {"text/csv", "csv"},
        {"text/tab-separated-values", "tsv"}}},
      {kPresentation,
       {{kPptx, "pptx"},
        {kOdp, "odp"},
        {"application/pdf", "pdf"},
        {"text/plain", "txt"},
        {"image/jpeg", "jpeg"},
        {"image/png", "png"},
        {"image/svg+xml", "svg"}}},
      {kDrawing,
       {{"application/pdf", "pdf"},
        {"image/jpeg", "jpeg"},
        {"image/png", "png"},
        {"image/svg+xml", "svg"}}},
      {kScript, {{"application/vnd.google-apps.script+json", "json"}}},
  };
  return *table;
}

std::string XmlEscape(const std::string& s) { return HtmlEscape(s); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = Split(text, '\n');
  for (auto& line : lines) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
  }
  return lines;
}

// The text a reader sees: parts joined by blank lines.
std::string PlainText(const std::string& text) {
  std::string out;
  for (const auto& part : SplitParts(text)) {
    if (!out.empty()) out += "\n\n";
    out += part;
  }
  return out;
}

std::string Html(const std::string& title, const std::string& body_text) {
  std::string body;
  for (const auto& line : Lines(body_text)) body += "<p>" + XmlEscape(line) + "</p>";
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + XmlEscape(title) +
         "</title></head><body>" + body + "</body></html>";
}

std::string SheetHtml(const std::string& title, const std::string& csv) {
  std::string rows;
  for (const auto& row : ParseCsv(csv)) {
    rows += "<tr>";
    for (const auto& cell : row) rows += "<td>" + XmlEscape(cell) + "</td>";
    rows += "</tr>";
  }
  return "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>" + XmlEscape(title) +
         "</title></head><body><table>" + rows + "</table></body></html>";
}

std::string Rtf(const std::string& text) {
  std::string out = "{\\rtf1\\ansi\\deff0 ";
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\\' || c == '{' || c == '}') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c == '\n') {
      out += "\\par\n";
      ++i;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
    } else {
      // UTF-8 to a code point, written as \uN? (N signed 16-bit).
      int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      uint32_t cp = c & (0xFF >> (len + 1));
      for (int k = 1; k < len && i + k < text.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
      }
      i += len;
      if (cp > 0xFFFF) cp = '?';
      out += "\\u" + std::to_string(static_cast<int16_t>(cp)) + "?";
    }
  }
  return out + "}";
}

std::string Svg(const std::string& text) {
  std::string lines;
  int y = 20;
  for (const auto& line : Lines(text)) {
    lines += "<text x=\"10\" y=\"" + std::to_string(y) + "\">" + XmlEscape(line) + "</text>";
    y += 20;
  }
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><svg xmlns=\"http://www.w3.org/2000/svg\" "
         "width=\"960\" height=\"540\">" +
         lines + "</svg>";
}

std::string Tsv(const std::string& csv) {
  std::string out;
  for (const auto& row : ParseCsv(csv)) {
    for (size_t i = 0; i < row.size(); ++i) {
      if (i > 0) out += '\t';
      for (char c : row[i]) out += (c == '\t' || c == '\n' || c == '\r') ? ' ' : c;
    }
    out += "\r\n";
  }
  return out;
}

std::string Paragraphs(const std::string& text, const std::string& open, const std::string& close) {
  std::string out;
  for (const auto& line : Lines(text)) out += open + XmlEscape(line) + close;
  return out;
}

// Office Open XML and OpenDocument containers holding the text.
std::string Docx(const std::string& text) {
  return ZipArchive(
      {{"[Content_Types].xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        "<Default Extension=\"rels\" "
        "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
        "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        "<Override PartName=\"/word/document.xml\" "
        "ContentType=\"application/"
        "vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>"},
       {"_rels/.rels",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        "<Relationship Id=\"rId1\" "
        "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
        "officeDocument\" Target=\"word/document.xml\"/></Relationships>"},
       {"word/document.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
        "<w:document "
        "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>" +
            Paragraphs(text, "<w:p><w:r><w:t xml:space=\"preserve\">", "</w:t></w:r></w:p>") +
            "</w:body></w:document>"}});
}

std::string Xlsx(const std::vector<std::string>& sheets) {
  std::string types =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/xl/workbook.xml\" "
      "ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/"
      ">";
  std::string workbook_sheets, workbook_rels;
  std::vector<std::pair<std::string, std::string>> parts;
  for (size_t i = 0; i < sheets.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    types += "<Override PartName=\"/xl/worksheets/sheet" + n +
             ".xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>";
    workbook_sheets +=
        "<sheet name=\"Sheet" + n + "\" sheetId=\"" + n + "\" r:id=\"rId" + n + "\"/>";
    workbook_rels += "<Relationship Id=\"rId" + n +
                     "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/"
                     "relationships/worksheet\" Target=\"worksheets/sheet" +
                     n + ".xml\"/>";
    std::string rows;
    int r = 0;
    for (const auto& row : ParseCsv(sheets[i])) {
      rows += "<row r=\"" + std::to_string(++r) + "\">";
      for (const auto& cell : row) {
        rows +=
            "<c t=\"inlineStr\"><is><t xml:space=\"preserve\">" + XmlEscape(cell) + "</t></is></c>";
      }
      rows += "</row>";
    }
    parts.push_back({"xl/worksheets/sheet" + n + ".xml",
                     "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><worksheet "
                     "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">"
                     "<sheetData>" +
                         rows + "</sheetData></worksheet>"});
  }
  types += "</Types>";
  std::vector<std::pair<std::string, std::string>> files = {
      {"[Content_Types].xml", types},
      {"_rels/.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" "
       "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
       "officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>"},
      {"xl/workbook.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><workbook "
       "xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" "
       "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets>" +
           workbook_sheets + "</sheets></workbook>"},
      {"xl/_rels/workbook.xml.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
           workbook_rels + "</Relationships>"}};
  files.insert(files.end(), parts.begin(), parts.end());
  return ZipArchive(files);
}

std::string Pptx(const std::vector<std::string>& slides) {
  std::string types =
      "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" "
      "ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/ppt/presentation.xml\" "
      "ContentType=\"application/"
      "vnd.openxmlformats-officedocument.presentationml.presentation.main+xml\"/>";
  std::string ids, rels;
  std::vector<std::pair<std::string, std::string>> parts;
  for (size_t i = 0; i < slides.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    types += "<Override PartName=\"/ppt/slides/slide" + n +
             ".xml\" ContentType=\"application/"
             "vnd.openxmlformats-officedocument.presentationml.slide+xml\"/>";
    ids += "<p:sldId id=\"" + std::to_string(256 + i) + "\" r:id=\"rId" + n + "\"/>";
    rels += "<Relationship Id=\"rId" + n +
            "\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
            "slide\" Target=\"slides/slide" +
            n + ".xml\"/>";
    parts.push_back(
        {"ppt/slides/slide" + n + ".xml",
         "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><p:sld "
         "xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\" "
         "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\"><p:cSld>"
         "<p:spTree><p:sp><p:txBody><a:bodyPr/>" +
             Paragraphs(slides[i], "<a:p><a:r><a:t>", "</a:t></a:r></a:p>") +
             "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>"});
  }
  types += "</Types>";
  std::vector<std::pair<std::string, std::string>> files = {
      {"[Content_Types].xml", types},
      {"_rels/.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
       "<Relationship Id=\"rId1\" "
       "Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
       "officeDocument\" Target=\"ppt/presentation.xml\"/></Relationships>"},
      {"ppt/presentation.xml",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?><p:presentation "
       "xmlns:p=\"http://schemas.openxmlformats.org/presentationml/2006/main\" "
       "xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">"
       "<p:sldIdLst>" +
           ids + "</p:sldIdLst></p:presentation>"},
      {"ppt/_rels/presentation.xml.rels",
       "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"
       "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
           rels + "</Relationships>"}};
  files.insert(files.end(), parts.begin(), parts.end());
  return ZipArchive(files);
}

// OpenDocument: the "mimetype" member first and stored, then the manifest
// and content.xml with `body` inside office:body.
std::string OpenDocument(const std::string& mime, const std::string& body) {
  return ZipArchive({{"mimetype", mime},
                     {"META-INF/manifest.xml",
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><manifest:manifest "
                      "xmlns:manifest=\"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0\" "
                      "manifest:version=\"1.2\"><manifest:file-entry manifest:full-path=\"/\" "
                      "manifest:media-type=\"" +
                          mime +
                          "\"/><manifest:file-entry manifest:full-path=\"content.xml\" "
                          "manifest:media-type=\"text/xml\"/></manifest:manifest>"},
                     {"content.xml",
                      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><office:document-content "
                      "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
                      "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
                      "xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "
                      "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "
                      "office:version=\"1.2\"><office:body>" +
                          body + "</office:body></office:document-content>"}});
}

std::string Ods(const std::vector<std::string>& sheets) {
  std::string body = "<office:spreadsheet>";
  for (size_t i = 0; i < sheets.size(); ++i) {
    body += "<table:table table:name=\"Sheet" + std::to_string(i + 1) + "\">";
    for (const auto& row : ParseCsv(sheets[i])) {
      body += "<table:table-row>";
      for (const auto& cell : row) {
        body += "<table:table-cell><text:p>" + XmlEscape(cell) + "</text:p></table:table-cell>";
      }
      body += "</table:table-row>";
    }
    body += "</table:table>";
  }
  return OpenDocument(kOds, body + "</office:spreadsheet>");
}

std::string Odp(const std::vector<std::string>& slides) {
  std::string body = "<office:presentation>";
  for (size_t i = 0; i < slides.size(); ++i) {
    body += "<draw:page draw:name=\"page" + std::to_string(i + 1) +
            "\"><draw:frame><draw:text-box>" + Paragraphs(slides[i], "<text:p>", "</text:p>") +
            "</draw:text-box></draw:frame></draw:page>";
  }
  return OpenDocument(kOdp, body + "</office:presentation>");
}

std::string Epub(const std::string& title, const std::string& text) {
  return ZipArchive(
      {{"mimetype", "application/epub+zip"},
       {"META-INF/container.xml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><container version=\"1.0\" "
        "xmlns=\"urn:oasis:names:tc:opendocument:xmlns:container\"><rootfiles><rootfile "
        "full-path=\"OEBPS/content.opf\" media-type=\"application/oebps-package+xml\"/>"
        "</rootfiles></container>"},
       {"OEBPS/content.opf",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><package "
        "xmlns=\"http://www.idpf.org/2007/opf\" version=\"3.0\" unique-identifier=\"id\">"
        "<metadata xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:identifier "
        "id=\"id\">document</dc:identifier><dc:title>" +
            XmlEscape(title) +
            "</dc:title><dc:language>en</dc:language></metadata><manifest><item id=\"text\" "
            "href=\"text.xhtml\" media-type=\"application/xhtml+xml\"/></manifest><spine>"
            "<itemref idref=\"text\"/></spine></package>"},
       {"OEBPS/text.xhtml",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><html "
        "xmlns=\"http://www.w3.org/1999/xhtml\"><head><title>" +
            XmlEscape(title) + "</title></head><body>" + Paragraphs(text, "<p>", "</p>") +
            "</body></html>"}});
}

std::string ScriptJson(const std::string& text) {
  std::string escaped;
  for (char c : text) {
    switch (c) {
      case '"':
        escaped += "\\\"";
        break;
      case '\\':
        escaped += "\\\\";
        break;
      case '\n':
        escaped += "\\n";
        break;
      case '\r':
        escaped += "\\r";
        break;
      case '\t':
        escaped += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          escaped += buf;
        } else {
          escaped += c;
        }
    }
  }
  return "{\"files\":[{\"name\":\"Code\",\"type\":\"server_js\",\"source\":\"" + escaped + "\"}]}";
}

void Put16(std::string& out, uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
void Put32(std::string& out, uint32_t v) {
  Put16(out, v & 0xFFFF);
  Put16(out, v >> 16);
}

}  // namespace

const std::vector<ExportFormat>& ExportFormats(const std::string& native_mime) {
  static const auto* none = new std::vector<ExportFormat>();
  auto it = Table().find(native_mime);
  return it == Table().end() ? *none : it->second;
}

std::optional<ExportFormat> FindExportByMime(const std::string& native_mime,
                                             const std::string& mime) {
  // Drive's older exportLinks named ODS with an x- prefix; it accepts both.
  const std::string wanted =
      mime == "application/x-vnd.oasis.opendocument.spreadsheet" ? kOds : ToLower(mime);
  for (const auto& f : ExportFormats(native_mime)) {
    if (f.mime_type == wanted) return f;
  }
  return std::nullopt;
}

std::optional<ExportFormat> FindExportByWebFormat(const std::string& native_mime,
                                                  const std::string& web_format) {
  for (const auto& f : ExportFormats(native_mime)) {
    if (f.web_format == web_format) return f;
  }
  return std::nullopt;
}

std::vector<std::string> SplitParts(const std::string& text) {
  std::vector<std::string> parts(1);
  for (const auto& line : Split(text, '\n')) {
    if (line == "\f" || line == "\f\r") {
      parts.emplace_back();
      continue;
    }
    if (!parts.back().empty()) parts.back() += '\n';
    parts.back() += line;
  }
  return parts;
}

std::vector<std::vector<std::string>> ParseCsv(const std::string& csv) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string cell;
  bool quoted = false, any = false;
  for (size_t i = 0; i < csv.size(); ++i) {
    const char c = csv[i];
    if (quoted) {
      if (c == '"' && i + 1 < csv.size() && csv[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
      continue;
    }
    any = true;
    if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(cell));
      cell.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < csv.size() && csv[i + 1] == '\n') ++i;
      row.push_back(std::move(cell));
      cell.clear();
      rows.push_back(std::move(row));
      row.clear();
      any = false;
    } else {
      cell += c;
    }
  }
  if (any || !cell.empty() || !row.empty()) {
    row.push_back(std::move(cell));
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ZipArchive(const std::vector<std::pair<std::string, std::string>>& files) {
  std::string out, central;
  for (const auto& [name, data] : files) {
    const auto crc = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    const auto size = static_cast<uint32_t>(data.size());
    const auto offset = static_cast<uint32_t>(out.size());
    // Local file header: version 2.0, no flags, stored, a fixed DOS time.
    Put32(out, 0x04034b50);
    Put16(out, 20);
    Put16(out, 0x0800);  // names are UTF-8
    Put16(out, 0);
    Put16(out, 0);
    Put16(out, 0x21);
    Put32(out, crc);
    Put32(out, size);
    Put32(out, size);
    Put16(out, static_cast<uint32_t>(name.size()));
    Put16(out, 0);
    out += name;
    out += data;
    Put32(central, 0x02014b50);
    Put16(central, 20);
    Put16(central, 20);
    Put16(central, 0x0800);
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0x21);
    Put32(central, crc);
    Put32(central, size);
    Put32(central, size);
    Put16(central, static_cast<uint32_t>(name.size()));
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0);
    Put16(central, 0);
    Put32(central, 0);
    Put32(central, offset);
    central += name;
  }
  const auto central_offset = static_cast<uint32_t>(out.size());
  out += central;
  Put32(out, 0x06054b50);
  Put16(out, 0);
  Put16(out, 0);
  Put16(out, static_cast<uint32_t>(files.size()));
  Put16(out, static_cast<uint32_t>(files.size()));
  Put32(out, static_cast<uint32_t>(central.size()));
  Put32(out, central_offset);
  Put16(out, 0);
  return out;
}

std::string ExportDocument(const std::string& native_mime, const std::string& title,
                           const std::string& text, const ExportFormat& format) {
  const std::string& mime = format.mime_type;
  const std::vector<std::string> parts = SplitParts(text);
  const bool sheet = native_mime == kSpreadsheet;
  if (mime == "application/pdf") return MakePdf(title, PlainText(text));
  if (mime == "text/plain" || mime == "text/markdown") return PlainText(text);
  if (mime == "text/csv") return parts.front();
  if (mime == "text/tab-separated-values") return Tsv(parts.front());
  if (mime == "text/html") return Html(title, PlainText(text));
  if (mime == "application/rtf") return Rtf(PlainText(text));
  if (mime == "application/zip") {
    if (!sheet) return ZipArchive({{title + ".html", Html(title, PlainText(text))}});
    std::vector<std::pair<std::string, std::string>> pages;
    for (size_t i = 0; i < parts.size(); ++i) {
      pages.push_back({"Sheet" + std::to_string(i + 1) + ".html", SheetHtml(title, parts[i])});
    }
    return ZipArchive(pages);
  }
  if (mime == "application/epub+zip") return Epub(title, PlainText(text));
  if (mime == kDocx) return Docx(PlainText(text));
  if (mime == kOdt) {
    return OpenDocument(
        kOdt,
        "<office:text>" + Paragraphs(PlainText(text), "<text:p>", "</text:p>") + "</office:text>");
  }
  if (mime == kXlsx) return Xlsx(parts);
  if (mime == kOds) return Ods(parts);
  if (mime == kPptx) return Pptx(parts);
  if (mime == kOdp) return Odp(parts);
  // Images of a drawing, or of a presentation's first slide.
  if (mime == "image/png") return ThumbnailPng();
  if (mime == "image/jpeg") return ThumbnailJpeg();
  if (mime == "image/svg+xml") return Svg(parts.front());
  return ScriptJson(text);
}

}  // namespace lc::emulator::drive
