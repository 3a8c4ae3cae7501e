#include "box_representations.h"

#include <set>

#include "util.h"

namespace lc::emulator::box {
namespace {

// Box's "Supported File Types" for representations
// (developer.box.com/guides/representations/supported-file-types).
const std::set<std::string>& TextBased() {
  static const auto* kTypes = new std::set<std::string>{
      "as",    "as3",        "asm", "bat", "c",      "cc",   "cmake",  "cpp", "cs",     "css",
      "cxx",   "diff",       "erb", "fdx", "groovy", "h",    "haml",   "hh",  "java",   "js",
      "json",  "less",       "log", "m",   "make",   "md",   "ml",     "mm",  "php",    "pl",
      "plist", "properties", "py",  "rb",  "rst",    "sass", "scala",  "scm", "script", "sh",
      "sml",   "sql",        "txt", "vi",  "vim",    "vtt",  "webdoc", "yaml"};
  return *kTypes;
}

const std::set<std::string>& Pdf() {
  static const auto* kTypes = new std::set<std::string>{
      // documents
      "doc", "docx", "gdoc", "html", "msg", "odt", "pages", "pdf", "rtf", "wpd", "xhtml", "xml",
      "xsd", "xsl", "xbd", "xdw",
      // drawing and image
      "indd", "idml", "indt", "inx",
      // presentations
      "gslide", "gslides", "key", "odp", "otp", "ppt", "pptx",
      // spreadsheets
      "csv", "gsheet", "numbers", "ods", "tsv", "xls", "xlsm", "xlsx", "xlsb"};
  return *kTypes;
}

const std::set<std::string>& Text() {
  static const auto* kTypes = new std::set<std::string>{
      "boxnote",   "doc",    "docx",    "gdoc", "html", "msg",  "odt",  "pdf",
      "rtf",       "wpd",    "xhtml",   "xml",  "xsd",  "xsl",  "xbd",  "xdw",
      "boxcanvas", "gslide", "gslides", "odp",  "otp",  "ppt",  "pptx", "csv",
      "gsheet",    "ods",    "tsv",     "xls",  "xlsm", "xlsx", "xlsb"};
  return *kTypes;
}

const std::set<std::string>& Thumbnail() {
  static const auto* kTypes = new std::set<std::string>{
      // audio
      "ogg",
      // documents
      "doc", "docx", "gdoc", "odt", "pages", "pdf", "rtf", "wpd", "xbd", "xdw",
      // drawing and image
      "ai", "indd", "psd", "svg", "bmp", "cr2", "crw", "dcm", "dicm", "dicom", "dng", "eps", "gif",
      "heic", "idml", "indt", "inx", "jpeg", "jpg", "nef", "png", "ps", "raf", "raw", "svs", "tif",
      "tiff", "tga", "webp",
      // presentations and spreadsheets
      "gslide", "gslides", "key", "odp", "otp", "ppt", "pptx", "csv", "gsheet", "numbers", "ods",
      "tsv", "xls", "xlsm", "xlsx", "xlsb",
      // video
      "3g2", "3gp", "avi", "flv", "m2v", "m2ts", "m4v", "mkv", "mov", "mp4", "mpeg", "mpg", "mts",
      "qt", "ts", "swf", "wmv"};
  return *kTypes;
}

std::string Extension(std::string_view name) {
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  return ToLower(std::string(name.substr(dot + 1)));
}

}  // namespace

bool Supports(std::string_view representation, std::string_view name) {
  const std::string ext = Extension(name);
  if (representation == "pdf") return Pdf().count(ext) > 0 || TextBased().count(ext) > 0;
  if (representation == "extracted_text") {
    return Text().count(ext) > 0 || TextBased().count(ext) > 0;
  }
  if (representation == "jpg" || representation == "png") return Thumbnail().count(ext) > 0;
  return false;
}

std::vector<std::string> ParseRepHints(std::string_view header) {
  std::vector<std::string> hints;
  size_t pos = 0;
  while ((pos = header.find('[', pos)) != std::string_view::npos) {
    const size_t end = header.find(']', pos);
    if (end == std::string_view::npos) break;
    // One bracket may list alternatives separated by commas.
    for (const std::string& alternative :
         Split(std::string(header.substr(pos + 1, end - pos - 1)), ',')) {
      std::string name = alternative.substr(0, alternative.find('?'));
      if (!name.empty()) hints.push_back(ToLower(name));
    }
    pos = end + 1;
  }
  return hints;
}

RepState StateAt(int64_t now_ms, int64_t uploaded_ms, int64_t delay_ms, bool readable) {
  if (now_ms < uploaded_ms + delay_ms) return RepState::kPending;
  return readable ? RepState::kSuccess : RepState::kError;
}

std::string_view StateName(RepState state) {
  switch (state) {
    case RepState::kPending:
      return "pending";
    case RepState::kSuccess:
      return "success";
    case RepState::kError:
      return "error";
  }
  return "error";
}

}  // namespace lc::emulator::box
