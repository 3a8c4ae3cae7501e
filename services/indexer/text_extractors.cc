#include "indexer/text_extractors.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>
#include <zip.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <pugixml.hpp>
#include <set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace lc::indexer {
namespace {

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < s.size()) {
    unsigned char c = p[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
    }
    if (len == 2 && c < 0xC2) return false;  // overlong
    i += len;
  }
  return true;
}

std::string DecodeUtf16(absl::string_view bytes, bool little_endian) {
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t n = bytes.size() / 2;
  for (size_t i = 0; i < n; ++i) {
    uint32_t u =
        little_endian ? (p[2 * i] | (p[2 * i + 1] << 8)) : ((p[2 * i] << 8) | p[2 * i + 1]);
    if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n) {
      uint32_t lo = little_endian ? (p[2 * i + 2] | (p[2 * i + 3] << 8))
                                  : ((p[2 * i + 2] << 8) | p[2 * i + 3]);
      if (lo >= 0xDC00 && lo <= 0xDFFF) {
        AppendUtf8(out, 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00));
        ++i;
        continue;
      }
    }
    AppendUtf8(out, u);
  }
  return out;
}

std::string DecodeLatin1(absl::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  for (unsigned char c : bytes) AppendUtf8(out, c);
  return out;
}

// --- HTML -----------------------------------------------------------------

const std::map<std::string, uint32_t>& NamedEntities() {
  static const auto* entities = new std::map<std::string, uint32_t>{
      {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},
      {"apos", '\''},    {"nbsp", 0xA0},     {"copy", 0xA9},    {"reg", 0xAE},
      {"trade", 0x2122}, {"hellip", 0x2026}, {"mdash", 0x2014}, {"ndash", 0x2013},
      {"lsquo", 0x2018}, {"rsquo", 0x2019},  {"ldquo", 0x201C}, {"rdquo", 0x201D},
      {"euro", 0x20AC},  {"pound", 0xA3},    {"yen", 0xA5},     {"cent", 0xA2},
      {"sect", 0xA7},    {"deg", 0xB0},      {"middot", 0xB7},  {"laquo", 0xAB},
      {"raquo", 0xBB},   {"eacute", 0xE9},   {"egrave", 0xE8},  {"ecirc", 0xEA},
      {"agrave", 0xE0},  {"aacute", 0xE1},   {"acirc", 0xE2},   {"ccedil", 0xE7},
      {"uuml", 0xFC},    {"ouml", 0xF6},     {"auml", 0xE4},    {"Uuml", 0xDC},
      {"Ouml", 0xD6},    {"Auml", 0xC4},     {"szlig", 0xDF},   {"iacute", 0xED},
      {"oacute", 0xF3},  {"uacute", 0xFA},   {"ntilde", 0xF1},  {"Eacute", 0xC9},
      {"times", 0xD7},   {"divide", 0xF7},   {"bull", 0x2022},  {"shy", 0xAD},
  };
  return *entities;
}

// Decodes one entity at s[i] == '&'; returns the characters consumed (0 if
// it is not an entity, and the '&' stays as is).
size_t DecodeEntity(absl::string_view s, size_t i, std::string& out) {
  size_t semi = s.find(';', i + 1);
  if (semi == absl::string_view::npos || semi - i > 12) return 0;
  absl::string_view name = s.substr(i + 1, semi - i - 1);
  if (name.empty()) return 0;
  uint32_t cp = 0;
  if (name[0] == '#') {
    bool ok = name.size() > 1 && (name[1] == 'x' || name[1] == 'X')
                  ? absl::SimpleHexAtoi(name.substr(2), &cp)
                  : absl::SimpleAtoi(name.substr(1), &cp);
    if (!ok) return 0;
  } else {
    auto it = NamedEntities().find(std::string(name));
    if (it == NamedEntities().end()) return 0;
    cp = it->second;
  }
  AppendUtf8(out, cp == 0xA0 ? ' ' : cp);
  return semi - i + 1;
}

bool IsBlockTag(absl::string_view tag) {
  static const auto* blocks = new std::set<std::string, std::less<>>{
      "p",       "div",     "br",     "li",     "ul",    "ol",         "tr",  "td",
      "th",      "table",   "h1",     "h2",     "h3",    "h4",         "h5",  "h6",
      "section", "article", "header", "footer", "title", "blockquote", "pre", "hr"};
  return blocks->count(tag) > 0;
}

// --- Office formats ---------------------------------------------------------

class ZipArchive {
 public:
  static absl::StatusOr<std::unique_ptr<ZipArchive>> Open(absl::string_view bytes) {
    if (bytes.size() < 4 || bytes.substr(0, 2) != "PK") {
      return absl::InvalidArgumentError("not a zip package (no PK header)");
    }
    zip_error_t error;
    zip_error_init(&error);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &error);
    if (src == nullptr) return absl::InvalidArgumentError("cannot read the zip package");
    zip_t* archive = zip_open_from_source(src, ZIP_RDONLY, &error);
    if (archive == nullptr) {
      zip_source_free(src);
      std::string why = zip_error_strerror(&error);
      zip_error_fini(&error);
      return absl::InvalidArgumentError(absl::StrCat("not a readable zip package: ", why));
    }
    zip_error_fini(&error);
    return std::unique_ptr<ZipArchive>(new ZipArchive(archive));
  }
  ~ZipArchive() { zip_discard(archive_); }

  std::vector<std::string> Names() const {
    std::vector<std::string> names;
    zip_int64_t n = zip_get_num_entries(archive_, 0);
    for (zip_int64_t i = 0; i < n; ++i) {
      const char* name = zip_get_name(archive_, i, 0);
      if (name != nullptr) names.emplace_back(name);
    }
    return names;
  }

  bool Has(const std::string& name) const {
    return zip_name_locate(archive_, name.c_str(), 0) >= 0;
  }

  // The member's bytes, refusing to unzip more than max_bytes (the declared
  // size is not trusted: a zip bomb lies about it).
  absl::StatusOr<std::string> Read(const std::string& name, int64_t max_bytes) const {
    zip_int64_t index = zip_name_locate(archive_, name.c_str(), 0);
    if (index < 0) return absl::NotFoundError(absl::StrCat(name, " is missing from the package"));
    zip_file_t* file = zip_fopen_index(archive_, index, 0);
    if (file == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("cannot open ", name, " in the package"));
    }
    std::string out;
    char buf[65536];
    while (true) {
      zip_int64_t got = zip_fread(file, buf, sizeof buf);
      if (got < 0) {
        zip_fclose(file);
        return absl::InvalidArgumentError(absl::StrCat(name, " is corrupt in the package"));
      }
      if (got == 0) break;
      if (static_cast<int64_t>(out.size()) + got > max_bytes) {
        zip_fclose(file);
        return absl::ResourceExhaustedError(
            absl::StrCat(name, " unzips to more than ", max_bytes, " bytes (zip bomb?)"));
      }
      out.append(buf, static_cast<size_t>(got));
    }
    zip_fclose(file);
    return out;
  }

 private:
  explicit ZipArchive(zip_t* archive) : archive_(archive) {}
  zip_t* archive_;
};

absl::string_view LocalName(const char* name) {
  absl::string_view n(name);
  size_t colon = n.find(':');
  return colon == absl::string_view::npos ? n : n.substr(colon + 1);
}

// Collects text from an XML part without recursion (hostile nesting cannot
// exhaust the stack).
struct XmlTextRules {
  // Text inside these elements is kept; empty keeps all text.
  std::set<std::string, std::less<>> text_elements;
  // These elements end a line.
  std::set<std::string, std::less<>> line_elements;
  // These empty elements stand for a space / tab / line break.
  std::set<std::string, std::less<>> space_elements;
};

class TextSink {
 public:
  explicit TextSink(int64_t max_chars) : max_(max_chars) {}
  bool full() const { return full_; }
  void Add(absl::string_view s) {
    if (full_) return;
    if (static_cast<int64_t>(text_.size() + s.size()) > max_) {
      text_.append(s.data(), s.size());
      TruncateUtf8(text_, max_);
      full_ = true;
      return;
    }
    text_.append(s.data(), s.size());
  }
  void EndLine() {
    if (!text_.empty() && text_.back() != '\n') Add("\n");
  }
  Extracted Take() { return Extracted{std::move(text_), full_}; }

 private:
  int64_t max_;
  std::string text_;
  bool full_ = false;
};

absl::Status CollectXmlText(const std::string& xml, const XmlTextRules& rules, TextSink& sink,
                            const std::string& part) {
  pugi::xml_document doc;
  pugi::xml_parse_result parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default | pugi::parse_ws_pcdata_single);
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat(part, " is not well-formed XML: ", parsed.description()));
  }
  pugi::xml_node node = doc.first_child();
  while (node && !sink.full()) {
    if (node.type() == pugi::node_pcdata || node.type() == pugi::node_cdata) {
      pugi::xml_node parent = node.parent();
      if (rules.text_elements.empty() || rules.text_elements.count(LocalName(parent.name())) > 0) {
        sink.Add(node.value());
      }
    } else if (node.type() == pugi::node_element &&
               rules.space_elements.count(LocalName(node.name())) > 0) {
      absl::string_view n = LocalName(node.name());
      sink.Add(n == "tab" ? "\t" : (n == "br" || n == "cr" || n == "line-break") ? "\n" : " ");
    }
    if (node.first_child()) {
      node = node.first_child();
      continue;
    }
    while (node && !node.next_sibling()) {
      if (node.type() == pugi::node_element &&
          rules.line_elements.count(LocalName(node.name())) > 0) {
        sink.EndLine();
      }
      node = node.parent();
      if (node.type() == pugi::node_document) node = pugi::xml_node();
    }
    if (node) {
      if (node.type() == pugi::node_element &&
          rules.line_elements.count(LocalName(node.name())) > 0) {
        sink.EndLine();
      }
      node = node.next_sibling();
    }
  }
  return absl::OkStatus();
}

// "ppt/slides/slide12.xml" sorts after "slide2.xml".
std::vector<std::string> NumberedParts(const std::vector<std::string>& names,
                                       absl::string_view prefix) {
  std::vector<std::pair<int, std::string>> parts;
  for (const auto& name : names) {
    if (!absl::StartsWith(name, prefix) || !absl::EndsWith(name, ".xml")) continue;
    absl::string_view num(name);
    num.remove_prefix(prefix.size());
    num.remove_suffix(4);
    int n = 0;
    if (absl::SimpleAtoi(num, &n)) parts.emplace_back(n, name);
  }
  std::sort(parts.begin(), parts.end());
  std::vector<std::string> out;
  for (auto& p : parts) out.push_back(std::move(p.second));
  return out;
}

absl::StatusOr<Extracted> ExtractDocx(const ZipArchive& zip, const ExtractLimits& limits) {
  XmlTextRules rules{{"t"}, {"p", "tr"}, {"tab", "br", "cr"}};
  TextSink sink(limits.max_chars);
  std::vector<std::string> parts = {"word/document.xml"};
  for (const auto& name : zip.Names()) {
    if (absl::StartsWith(name, "word/header") || absl::StartsWith(name, "word/footer") ||
        name == "word/footnotes.xml" || name == "word/endnotes.xml") {
      parts.push_back(name);
    }
  }
  for (const auto& part : parts) {
    auto xml = zip.Read(part, limits.max_unzipped_bytes);
    if (!xml.ok()) return xml.status();
    if (auto s = CollectXmlText(*xml, rules, sink, part); !s.ok()) return s;
    sink.EndLine();
  }
  return sink.Take();
}

absl::StatusOr<Extracted> ExtractPptx(const ZipArchive& zip, const ExtractLimits& limits) {
  XmlTextRules rules{{"t"}, {"p"}, {"br"}};
  TextSink sink(limits.max_chars);
  std::vector<std::string> names = zip.Names();
  std::vector<std::string> slides = NumberedParts(names, "ppt/slides/slide");
  if (slides.empty()) return absl::InvalidArgumentError("presentation has no slides");
  for (const auto& notes : NumberedParts(names, "ppt/notesSlides/notesSlide")) {
    slides.push_back(notes);
  }
  for (const auto& part : slides) {
    auto xml = zip.Read(part, limits.max_unzipped_bytes);
    if (!xml.ok()) return xml.status();
    if (auto s = CollectXmlText(*xml, rules, sink, part); !s.ok()) return s;
    sink.EndLine();
  }
  return sink.Take();
}

absl::StatusOr<Extracted> ExtractXlsx(const ZipArchive& zip, const ExtractLimits& limits) {
  TextSink sink(limits.max_chars);
  std::vector<std::string> names = zip.Names();
  if (zip.Has("xl/sharedStrings.xml")) {
    auto xml = zip.Read("xl/sharedStrings.xml", limits.max_unzipped_bytes);
    if (!xml.ok()) return xml.status();
    XmlTextRules rules{{"t"}, {"si"}, {}};
    if (auto s = CollectXmlText(*xml, rules, sink, "xl/sharedStrings.xml"); !s.ok()) return s;
  }
  // Cells that are not shared strings: numbers, inline strings, formulas'
  // cached values.
  for (const auto& part : NumberedParts(names, "xl/worksheets/sheet")) {
    auto xml = zip.Read(part, limits.max_unzipped_bytes);
    if (!xml.ok()) return xml.status();
    pugi::xml_document doc;
    if (!doc.load_buffer(xml->data(), xml->size())) {
      return absl::InvalidArgumentError(absl::StrCat(part, " is not well-formed XML"));
    }
    for (pugi::xpath_node x : doc.select_nodes("//*[local-name()='c']")) {
      pugi::xml_node c = x.node();
      if (absl::string_view(c.attribute("t").value()) == "s") continue;
      for (pugi::xml_node child = c.first_child(); child; child = child.next_sibling()) {
        absl::string_view n = LocalName(child.name());
        if (n == "v") {
          sink.Add(child.text().get());
          sink.Add(" ");
        } else if (n == "is") {
          for (pugi::xpath_node t : child.select_nodes(".//*[local-name()='t']")) {
            sink.Add(t.node().text().get());
            sink.Add(" ");
          }
        }
      }
      if (sink.full()) break;
    }
    sink.EndLine();
  }
  return sink.Take();
}

absl::StatusOr<Extracted> ExtractOpenDocument(const ZipArchive& zip, const ExtractLimits& limits) {
  auto xml = zip.Read("content.xml", limits.max_unzipped_bytes);
  if (!xml.ok()) return xml.status();
  XmlTextRules rules{{}, {"p", "h", "table-row", "list-item"}, {"s", "tab", "line-break"}};
  TextSink sink(limits.max_chars);
  if (auto s = CollectXmlText(*xml, rules, sink, "content.xml"); !s.ok()) return s;
  return sink.Take();
}

void SilencePoppler(const std::string&, void*) {}

absl::StatusOr<Extracted> ExtractPdf(absl::string_view bytes, const ExtractLimits& limits) {
  if (bytes.substr(0, 1024).find("%PDF-") == absl::string_view::npos) {
    return absl::InvalidArgumentError("not a PDF (no %PDF- header)");
  }
  poppler::set_debug_error_function(&SilencePoppler, nullptr);
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) return absl::InvalidArgumentError("the PDF does not parse");
  if (doc->is_locked()) return absl::InvalidArgumentError("the PDF is encrypted");
  TextSink sink(limits.max_chars);
  for (int i = 0; i < doc->pages() && !sink.full(); ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) continue;
    poppler::byte_array utf8 = page->text().to_utf8();
    sink.Add(absl::string_view(utf8.data(), utf8.size()));
    sink.EndLine();
  }
  return sink.Take();
}

}  // namespace

const char* FormatName(DocumentFormat format) {
  switch (format) {
    case DocumentFormat::kPlainText:
      return "text";
    case DocumentFormat::kHtml:
      return "html";
    case DocumentFormat::kPdf:
      return "pdf";
    case DocumentFormat::kDocx:
      return "docx";
    case DocumentFormat::kXlsx:
      return "xlsx";
    case DocumentFormat::kPptx:
      return "pptx";
    case DocumentFormat::kOpenDocument:
      return "opendocument";
    case DocumentFormat::kUnsupported:
      break;
  }
  return "unsupported";
}

DocumentFormat DetectFormat(absl::string_view mime_type, absl::string_view filename,
                            absl::string_view head) {
  std::string mime = absl::AsciiStrToLower(mime_type.substr(0, mime_type.find(';')));
  std::string name = absl::AsciiStrToLower(filename);
  std::string ext;
  if (size_t dot = name.rfind('.'); dot != std::string::npos) ext = name.substr(dot + 1);
  if (head.substr(0, 1024).find("%PDF-") != absl::string_view::npos) return DocumentFormat::kPdf;
  const bool zip = head.substr(0, 4) == absl::string_view("PK\x03\x04", 4);

  if (mime == "application/pdf" || ext == "pdf") return DocumentFormat::kPdf;
  if (absl::StrContains(mime, "wordprocessingml") || ext == "docx" || ext == "docm") {
    return DocumentFormat::kDocx;
  }
  if (absl::StrContains(mime, "spreadsheetml") || ext == "xlsx" || ext == "xlsm") {
    return DocumentFormat::kXlsx;
  }
  if (absl::StrContains(mime, "presentationml") || ext == "pptx") return DocumentFormat::kPptx;
  if (absl::StartsWith(mime, "application/vnd.oasis.opendocument") || ext == "odt" ||
      ext == "ods" || ext == "odp") {
    return DocumentFormat::kOpenDocument;
  }
  if (zip) return DocumentFormat::kUnsupported;
  if (mime == "text/html" || mime == "application/xhtml+xml" || ext == "html" || ext == "htm" ||
      ext == "xhtml") {
    return DocumentFormat::kHtml;
  }
  if (absl::StartsWith(mime, "text/") || mime == "application/json" || mime == "application/xml" ||
      mime == "application/x-yaml" || mime == "application/csv") {
    return DocumentFormat::kPlainText;
  }
  static const auto* text_ext = new std::set<std::string>{
      "txt", "text", "md",  "markdown", "csv", "tsv", "json", "xml", "yaml",
      "yml", "log",  "ini", "rst",      "tex", "c",   "cc",   "cpp", "h",
      "py",  "js",   "ts",  "java",     "go",  "rs",  "sql",  "sh"};
  if (text_ext->count(ext) > 0) return DocumentFormat::kPlainText;
  return DocumentFormat::kUnsupported;
}

void TruncateUtf8(std::string& text, int64_t max_bytes) {
  if (max_bytes < 0) max_bytes = 0;
  if (static_cast<int64_t>(text.size()) <= max_bytes) return;
  size_t cut = static_cast<size_t>(max_bytes);
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
}

std::string DecodeText(absl::string_view bytes) {
  if (absl::StartsWith(bytes, "\xEF\xBB\xBF")) {
    bytes.remove_prefix(3);
    return IsValidUtf8(bytes) ? std::string(bytes) : DecodeLatin1(bytes);
  }
  if (absl::StartsWith(bytes, "\xFF\xFE")) return DecodeUtf16(bytes.substr(2), true);
  if (absl::StartsWith(bytes, "\xFE\xFF")) return DecodeUtf16(bytes.substr(2), false);
  // UTF-16 without a BOM (NULs are valid UTF-8, so this comes first): mostly-ASCII text has a zero
  // in every other byte.
  absl::string_view sample = bytes.substr(0, 4096);
  size_t even_zero = 0, odd_zero = 0;
  for (size_t i = 0; i < sample.size(); ++i) {
    if (sample[i] == 0) (i % 2 == 0 ? even_zero : odd_zero)++;
  }
  size_t half = sample.size() / 2;
  if (half > 0 && odd_zero * 10 > half * 4 && even_zero * 10 < half) {
    return DecodeUtf16(bytes, true);
  }
  if (half > 0 && even_zero * 10 > half * 4 && odd_zero * 10 < half) {
    return DecodeUtf16(bytes, false);
  }
  if (IsValidUtf8(bytes)) return std::string(bytes);
  return DecodeLatin1(bytes);
}

std::string HtmlToText(absl::string_view html) {
  std::string out;
  out.reserve(html.size() / 2);
  size_t i = 0;
  bool space_pending = false;
  auto emit_space = [&] {
    if (!out.empty() && out.back() != '\n' && out.back() != ' ') space_pending = true;
  };
  while (i < html.size()) {
    char c = html[i];
    if (c == '<') {
      if (html.substr(i, 4) == "<!--") {
        size_t end = html.find("-->", i + 4);
        i = end == absl::string_view::npos ? html.size() : end + 3;
        continue;
      }
      size_t end = html.find('>', i + 1);
      if (end == absl::string_view::npos) break;
      absl::string_view tag = html.substr(i + 1, end - i - 1);
      bool closing = !tag.empty() && tag[0] == '/';
      if (closing) tag.remove_prefix(1);
      size_t name_end = 0;
      while (name_end < tag.size() && (absl::ascii_isalnum(tag[name_end]))) ++name_end;
      std::string name = absl::AsciiStrToLower(tag.substr(0, name_end));
      i = end + 1;
      if (!closing &&
          (name == "script" || name == "style" || name == "noscript" || name == "template")) {
        // Skip to the matching close tag, case-insensitively.
        std::string lower_close = absl::StrCat("</", name);
        size_t j = i;
        while (j < html.size()) {
          size_t lt = html.find("</", j);
          if (lt == absl::string_view::npos) {
            j = html.size();
            break;
          }
          if (absl::EqualsIgnoreCase(html.substr(lt, lower_close.size()), lower_close)) {
            size_t gt = html.find('>', lt);
            j = gt == absl::string_view::npos ? html.size() : gt + 1;
            break;
          }
          j = lt + 2;
        }
        i = j;
        continue;
      }
      if (IsBlockTag(name)) {
        space_pending = false;
        if (!out.empty() && out.back() != '\n') out += '\n';
      } else {
        emit_space();
      }
      continue;
    }
    if (absl::ascii_isspace(static_cast<unsigned char>(c))) {
      emit_space();
      ++i;
      continue;
    }
    if (space_pending) {
      out += ' ';
      space_pending = false;
    }
    if (c == '&') {
      size_t used = DecodeEntity(html, i, out);
      if (used > 0) {
        i += used;
        continue;
      }
    }
    out += c;
    ++i;
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

absl::StatusOr<Extracted> ExtractText(DocumentFormat format, absl::string_view bytes,
                                      const ExtractLimits& limits) {
  switch (format) {
    case DocumentFormat::kPlainText: {
      Extracted out{DecodeText(bytes), false};
      if (static_cast<int64_t>(out.text.size()) > limits.max_chars) {
        TruncateUtf8(out.text, limits.max_chars);
        out.truncated = true;
      }
      return out;
    }
    case DocumentFormat::kHtml: {
      Extracted out{HtmlToText(DecodeText(bytes)), false};
      if (static_cast<int64_t>(out.text.size()) > limits.max_chars) {
        TruncateUtf8(out.text, limits.max_chars);
        out.truncated = true;
      }
      return out;
    }
    case DocumentFormat::kPdf:
      return ExtractPdf(bytes, limits);
    case DocumentFormat::kDocx:
    case DocumentFormat::kXlsx:
    case DocumentFormat::kPptx:
    case DocumentFormat::kOpenDocument: {
      auto zip = ZipArchive::Open(bytes);
      if (!zip.ok()) return zip.status();
      if (format == DocumentFormat::kDocx) return ExtractDocx(**zip, limits);
      if (format == DocumentFormat::kXlsx) return ExtractXlsx(**zip, limits);
      if (format == DocumentFormat::kPptx) return ExtractPptx(**zip, limits);
      return ExtractOpenDocument(**zip, limits);
    }
    case DocumentFormat::kUnsupported:
      break;
  }
  return absl::UnimplementedError("no text extractor for this file type");
}

}  // namespace lc::indexer
