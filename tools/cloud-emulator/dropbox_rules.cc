#include "dropbox_rules.h"

#include <set>

#include "util.h"

namespace lc::emulator::dropbox {
namespace {

using nlohmann::json;

// The file name's extension, lower case ("" when it has none).
std::string Extension(const std::string& name) {
  auto dot = name.rfind('.');
  return dot == std::string::npos ? "" : ToLower(name.substr(dot + 1));
}

}  // namespace

Preview PreviewOf(const std::string& name) {
  static const std::set<std::string> kPdf = {"ai",      "doc",  "docm", "docx", "eps",  "gdoc",
                                             "gslides", "odp",  "odt",  "pps",  "ppsm", "ppsx",
                                             "ppt",     "pptm", "pptx", "rtf"};
  static const std::set<std::string> kHtml = {"csv", "ods", "xls", "xlsm", "gsheet", "xlsx"};
  const std::string ext = Extension(name);
  if (kPdf.count(ext)) return Preview::kPdf;
  if (kHtml.count(ext)) return Preview::kHtml;
  return Preview::kNone;
}

bool ThumbnailExtension(const std::string& name) {
  static const std::set<std::string> kImages = {"jpg", "jpeg", "png", "tiff", "tif",
                                                "gif", "webp", "ppm", "bmp"};
  return kImages.count(Extension(name)) > 0;
}

bool ThumbnailFormat(const std::string& tag) {
  static const std::set<std::string> kFormats = {"jpeg", "png", "webp"};
  return kFormats.count(tag) > 0;
}

bool ThumbnailSize(const std::string& tag) {
  // w3200h2400 is internal-only.
  static const std::set<std::string> kSizes = {"w32h32",   "w64h64",    "w128h128",
                                               "w256h256", "w480h320",  "w640h480",
                                               "w960h640", "w1024h768", "w2048h1536"};
  return kSizes.count(tag) > 0;
}

bool ThumbnailMode(const std::string& tag) {
  static const std::set<std::string> kModes = {"strict", "bestfit", "fitone_bestfit", "original"};
  return kModes.count(tag) > 0;
}

const char* PathPattern(PathKind kind) {
  switch (kind) {
    case PathKind::kRead:
      return R"((/(.|[\r\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/(.|[\r\n])*)?))";
    case PathKind::kPathOrId:
      return R"(/(.|[\r\n])*|id:.*|(ns:[0-9]+(/(.|[\r\n])*)?))";
    case PathKind::kPathROrId:
      return R"((/(.|[\r\n])*)?|id:.*|(ns:[0-9]+(/(.|[\r\n])*)?))";
  }
  return "";
}

bool RevMatches(const std::string& rev) {
  return rev.size() >= 9 && rev.find_first_not_of("0123456789abcdef") == std::string::npos;
}

bool PathMatches(const std::string& path, PathKind kind) {
  if (StartsWith(path, "/") || StartsWith(path, "id:")) return true;
  if (path.empty()) return kind == PathKind::kPathROrId;
  if (StartsWith(path, "ns:")) {
    size_t end = path.find('/', 3);
    std::string digits = path.substr(3, end == std::string::npos ? std::string::npos : end - 3);
    return !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
  }
  if (kind == PathKind::kRead && StartsWith(path, "rev:")) return RevMatches(path.substr(4));
  return false;
}

bool HeaderSafe(const std::string& value) {
  for (unsigned char c : value) {
    if (c >= 0x7F) return false;
  }
  return true;
}

std::string HeaderSafeJson(const json& j) {
  std::string out = j.dump(-1, ' ', true, json::error_handler_t::replace);
  for (size_t at = out.find('\x7f'); at != std::string::npos; at = out.find('\x7f', at)) {
    out.replace(at, 1, "\\u007f");
  }
  return out;
}

std::string Tag(const json& arg, const char* key, const std::string& fallback) {
  if (!arg.contains(key)) return fallback;
  const json& v = arg[key];
  if (v.is_string()) return v;
  if (v.is_object() && v.contains(".tag") && v[".tag"].is_string()) return v[".tag"];
  return "";
}

}  // namespace lc::emulator::dropbox
